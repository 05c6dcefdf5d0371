import BigInt
import XCTest
import TestSupport
@testable import Engine

/// Rational.doubleValue against Python's `float(Fraction(n, d))` (integer
/// true division, correctly rounded) on a few thousand random fractions with
/// parts of 1 to 410 digits, including ones built to sit near rounding ties.
final class RationalFloatOracleTests: XCTestCase {
    func testDoubleValueAgreesWithPython() throws {
        var rng = SplitMix64(seed: 7_340_033)
        var cases: [(BigInt, BigInt)] = []
        let sizes = [1, 2, 3, 8, 15, 16, 17, 19, 20, 25, 40, 80, 150, 300, 305, 308, 309, 310, 320, 400, 410]
        for _ in 0..<2500 {
            var n = randomBig(digits: sizes.randomElement(using: &rng)!, using: &rng)
            var d = randomBig(digits: sizes.randomElement(using: &rng)!, using: &rng)
            if d == 0 { d = 1 }
            if Bool.random(using: &rng) { n.negate() }
            cases.append((n, d))
        }
        // Near ties: (m + 1/2) * 2^e plus or minus a tiny fraction, for 53-bit m.
        for _ in 0..<500 {
            let m = (BigInt(1) << 52) + BigInt(UInt64.random(in: 0..<(1 << 52), using: &rng))
            let tie = 2 * m + 1  // (m + 1/2) * 2
            let tiny = randomBig(digits: Int.random(in: 5...60, using: &rng), using: &rng) + 1
            let e = Int.random(in: -1100...1100, using: &rng)
            // tie/2 + s/tiny, s in -1, 0, 1, then scaled by 2^e.
            let s = BigInt(Int.random(in: -1...1, using: &rng))
            var n = tie * tiny + 2 * s
            var d = 2 * tiny
            if e >= 0 { n <<= e } else { d <<= -e }
            cases.append((n, d))
        }
        let expected = try PythonOracle.run("float", cases.map { "\($0.0) \($0.1)" })

        var unexplained: [String] = []
        var tiny = 0, lostRemainder = 0
        for (i, (n, d)) in cases.enumerated() {
            let r = try Rational(n, d)
            guard let want = Double(expected[i]) else { return XCTFail("oracle printed \(expected[i])") }
            let got = r.doubleValue
            if got.bitPattern == want.bitPattern { continue }
            let shown = "\(abbreviate(r.numerator))/\(abbreviate(r.denominator)): got \(got), Python says \(want)"
            switch knownCause(r) {
            case .tiny: tiny += 1
            case .lostRemainder: lostRemainder += 1
            case nil: unexplained.append(shown)
            }
        }
        XCTAssertEqual(unexplained, [], "\(unexplained.count) of \(cases.count) conversions differ from Python")
        try knownBug("Rational.doubleValue differs from Python's float(Fraction) in \(tiny + lostRemainder) of "
                     + "\(cases.count) cases: \(tiny) tiny values (pow2 underflows), \(lostRemainder) near-ties "
                     + "(the quotient's remainder is dropped)", if: tiny + lostRemainder > 0)
    }

    enum Cause { case tiny, lostRemainder }

    /// Which of the two known doubleValue bugs (see RationalTests) can
    /// explain a wrong result, recomputing the steps that code takes.
    func knownCause(_ r: Rational) -> Cause? {
        guard r.denominator != 1 else { return nil }
        let n = r.numerator.magnitude, d = r.denominator.magnitude
        let shift = Int(d.bitWidth) - Int(n.bitWidth) + 65
        if shift >= 1075 { return .tiny }
        let scaled = shift >= 0 ? n << shift : n >> -shift
        var (q, remainder) = scaled.quotientAndRemainder(dividingBy: d)
        if shift < 0 && (n & ((BigUInt(1) << -shift) - 1)) != 0 { remainder = 1 }
        let dropped = Int(q.bitWidth) - 53
        guard dropped > 0, remainder != 0 else { return nil }
        let low = q & ((BigUInt(1) << dropped) - 1)
        return low == BigUInt(1) << (dropped - 1) ? .lostRemainder : nil
    }

    func randomBig(digits: Int, using rng: inout SplitMix64) -> BigInt {
        var s = String(Int.random(in: 1...9, using: &rng))
        for _ in 1..<max(digits, 1) { s += String(Int.random(in: 0...9, using: &rng)) }
        return BigInt(s)!
    }

    func abbreviate(_ b: BigInt) -> String {
        let s = b.description
        return s.count <= 30 ? s : "\(s.prefix(12))...(\(s.count) digits)"
    }
}
