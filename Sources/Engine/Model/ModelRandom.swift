import Foundation

/// The model's own seeded random stream: xoshiro256** (Blackman & Vigna,
/// 2018) with its state filled by SplitMix64 from the seed, and normals by
/// Box-Muller. The same seed gives the same stream on every run, so
/// initialisation, dropout and sampling are reproducible.
public struct ModelRandom: Sendable, Equatable, Codable {
    /// The four state words; public so trainer state can be saved and resumed.
    public var state: [UInt64]
    /// The second normal of the last Box-Muller pair, if not yet used.
    public var spareNormal: Double?

    public init(seed: UInt64) {
        var x = seed
        // SplitMix64, as the xoshiro authors recommend for seeding.
        func splitMix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = [splitMix(), splitMix(), splitMix(), splitMix()]
        spareNormal = nil
    }

    /// A stream derived from `seed` and a `stream` index (one per sequence),
    /// so what one sequence draws does not depend on the others.
    public init(seed: UInt64, stream: UInt64) {
        self.init(seed: seed ^ (stream &* 0xD1B5_4A32_D192_ED03) &+ stream)
    }

    @inline(__always)
    static func rotate(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// The next 64 random bits (xoshiro256**).
    public mutating func next() -> UInt64 {
        let result = Self.rotate(state[1] &* 5, 7) &* 9
        let t = state[1] << 17
        state[2] ^= state[0]
        state[3] ^= state[1]
        state[1] ^= state[2]
        state[0] ^= state[3]
        state[2] ^= t
        state[3] = Self.rotate(state[3], 45)
        return result
    }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func nextUniform() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// Uniform in 0..<bound (bound > 0) by multiply-shift; the bias is below
    /// 2^-40 for the small bounds the model uses (vocabularies, batch sizes).
    public mutating func nextIndex(_ bound: Int) -> Int {
        Int(next().multipliedFullWidth(by: UInt64(max(bound, 1))).high)
    }

    /// A standard normal by Box-Muller; the pair's second value is kept.
    public mutating func nextNormal() -> Double {
        if let spare = spareNormal {
            spareNormal = nil
            return spare
        }
        var u1 = nextUniform()
        while u1 <= 0 { u1 = nextUniform() }  // log(0) would be -inf
        let u2 = nextUniform()
        let radius = (-2 * log(u1)).squareRoot()
        let angle = 2 * Double.pi * u2
        spareNormal = radius * sin(angle)
        return radius * cos(angle)
    }
}

