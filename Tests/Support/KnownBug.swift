import XCTest

/// Marks a test that checks for a bug found in Sources/ and not fixed yet.
/// While `reproduced` holds the test is skipped with "BUG: ..." (so the suite
/// stays green and the skip shows in the log); once the bug is fixed the
/// test runs its real assertions.
public func knownBug(_ description: String, if reproduced: Bool) throws {
    if reproduced { throw XCTSkip("BUG: " + description) }
}

/// A small seeded generator (SplitMix64; Steele, Lea, Flood), so test runs repeat.
public struct SplitMix64: RandomNumberGenerator {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
