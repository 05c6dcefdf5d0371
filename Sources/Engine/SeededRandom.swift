/// A deterministic random stream: xoshiro256** (Blackman & Vigna, 2018),
/// its state filled from the seed by splitmix64 as the authors recommend.
/// The same seed gives the same numbers on every machine: no libm call
/// reaches the output (see `portableLog`).
public struct SeededRandom: Sendable {
    var state: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: Int) {
        var x = UInt64(bitPattern: Int64(seed))
        func splitmix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (splitmix(), splitmix(), splitmix(), splitmix())
    }

    public mutating func next() -> UInt64 {
        let result = rotate(state.1 &* 5, 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = rotate(state.3, 45)
        return result
    }

    func rotate(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func nextFloat() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// Uniform in lo...hi without bias (Lemire's multiply-and-reject).
    public mutating func nextInt(_ lo: Int, _ hi: Int) -> Int {
        let span = UInt64(bitPattern: Int64(hi)) &- UInt64(bitPattern: Int64(lo)) &+ 1
        if span == 0 { return Int(truncatingIfNeeded: next()) }
        var m = next().multipliedFullWidth(by: span)
        if m.low < span {
            let threshold = (0 &- span) % span
            while m.low < threshold { m = next().multipliedFullWidth(by: span) }
        }
        return lo &+ Int(truncatingIfNeeded: m.high)
    }

    /// Standard normal by Marsaglia's polar method; the logarithm is
    /// `portableLog`, so the numbers are the same on every platform.
    public mutating func nextNormal() -> Double {
        while true {
            let u = 2 * nextFloat() - 1, v = 2 * nextFloat() - 1
            let s = u * u + v * v
            if s > 0 && s < 1 { return u * (-2 * portableLog(s) / s).squareRoot() }
        }
    }
}

/// ln(x) for x > 0 from +, -, *, / alone, so it gives the same bits on
/// every platform (libm's log may differ in the last bit between systems).
/// The reduction follows fdlibm's e_log.c: x = 2^e * (1 + f) with 1 + f in
/// [sqrt(1/2), sqrt(2)), s = f / (2 + f), and
/// ln(1 + f) = f - (f^2/2 - s * (f^2/2 + R)), R = sum 2 s^(2k) / (2k + 1),
/// here with the series' own coefficients rather than fdlibm's minimax ones.
public func portableLog(_ x: Double) -> Double {
    guard x > 0, x.isFinite else { return x == 0 ? -.infinity : .nan }
    var m = x.significand
    var e = Double(x.exponent)
    if m > 1.4142135623730951 {
        m /= 2
        e += 1
    }
    let f = m - 1
    let s = f / (2 + f)
    let z = s * s
    var r = 0.0
    var k = 12.0
    while k >= 1 {
        r = z * (2 / (2 * k + 1) + r)
        k -= 1
    }
    let halfSquare = 0.5 * f * f
    // ln 2 split in two so that e * ln2High is exact.
    let ln2High = 6.93147180369123816490e-01, ln2Low = 1.90821492927058770002e-10
    return e * ln2High - ((halfSquare - (s * (halfSquare + r) + e * ln2Low)) - f)
}
