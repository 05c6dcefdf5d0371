import BigInt

/// An exact rational number `numerator / denominator` in lowest terms with a
/// positive denominator. Engine code throws `EngineError` for division by zero;
/// no operation here traps.
public struct Rational: Hashable, Sendable {
    public let numerator: BigInt
    public let denominator: BigInt

    /// Reduces `n/d` to lowest terms. `d` must not be zero.
    public init(_ n: BigInt, _ d: BigInt) throws(EngineError) {
        guard !d.isZero else { throw EngineError.divisionByZero }
        if n.isZero { self.numerator = 0; self.denominator = 1; return }
        let g = n.magnitude.greatestCommonDivisor(with: d.magnitude)
        var num = n, den = d
        if g != 1 { num /= BigInt(g); den /= BigInt(g) }
        if den.sign == .minus { num.negate(); den.negate() }
        self.numerator = num
        self.denominator = den
    }

    /// An integer as a rational.
    public init(_ n: BigInt) {
        self.numerator = n
        self.denominator = 1
    }

    /// Trusted constructor for already-reduced parts.
    init(reduced n: BigInt, _ d: BigInt) {
        self.numerator = n
        self.denominator = d
    }

    public var isInteger: Bool { denominator == 1 }
    public var isZero: Bool { numerator.isZero }
    public var sign: Int { numerator.isZero ? 0 : (numerator.sign == .minus ? -1 : 1) }

    public static func + (a: Rational, b: Rational) -> Rational {
        if a.denominator == b.denominator {
            return (try? Rational(a.numerator + b.numerator, a.denominator)) ?? a
        }
        return (try? Rational(a.numerator * b.denominator + b.numerator * a.denominator,
                              a.denominator * b.denominator)) ?? a
    }

    public static prefix func - (a: Rational) -> Rational {
        Rational(reduced: -a.numerator, a.denominator)
    }

    public static func - (a: Rational, b: Rational) -> Rational { a + (-b) }

    public static func * (a: Rational, b: Rational) -> Rational {
        (try? Rational(a.numerator * b.numerator, a.denominator * b.denominator)) ?? a
    }

    public func dividing(by b: Rational) throws(EngineError) -> Rational {
        try Rational(numerator * b.denominator, denominator * b.numerator)
    }

    public static func < (a: Rational, b: Rational) -> Bool {
        a.numerator * b.denominator < b.numerator * a.denominator
    }

    /// The largest integer not above this number.
    public var floor: BigInt {
        let (q, r) = numerator.quotientAndRemainder(dividingBy: denominator)
        return (r.sign == .minus && !r.isZero) ? q - 1 : q
    }

    /// The smallest integer not below this number.
    public var ceiling: BigInt {
        let (q, r) = numerator.quotientAndRemainder(dividingBy: denominator)
        return (r.sign == .plus && !r.isZero) ? q + 1 : q
    }

    /// The nearest integer, ties away from zero (as `round` does for floats).
    public var rounded: BigInt {
        let twice = Rational(reduced: numerator * 2 + (sign < 0 ? -denominator : denominator), denominator * 2)
        let (q, _) = twice.numerator.quotientAndRemainder(dividingBy: twice.denominator)
        return q
    }

    /// The nearest Float64 (correctly rounded up to the last bit for operands
    /// of any size; overflows to ±inf, underflows to ±0).
    public var doubleValue: Double {
        if denominator == 1 { return numerator.doubleValue }
        if numerator.isZero { return 0 }
        let n = numerator.magnitude, d = denominator.magnitude
        // e = floor(log2(n / d)).
        var e = Int(n.bitWidth) - Int(d.bitWidth)
        if (e < 0 ? n << -e : n) < (e > 0 ? d << e : d) { e -= 1 }
        if e > 1100 { return sign < 0 ? -.infinity : .infinity }
        // The weight of the last bit kept: 53 significant bits, or fewer
        // for subnormals (never below 2^-1074).
        let lsb = Swift.max(e - 52, -1074)
        let scaledNumerator = lsb < 0 ? n << -lsb : n
        let scaledDenominator = lsb > 0 ? d << lsb : d
        var (q, r) = scaledNumerator.quotientAndRemainder(dividingBy: scaledDenominator)
        // Round half to even on the exact remainder.
        let twice = r << 1
        if twice > scaledDenominator || (twice == scaledDenominator && q & 1 == 1) { q += 1 }
        let value = Double(UInt64(q)) * pow2(lsb)
        return sign < 0 ? -value : value
    }

    public var description: String {
        denominator == 1 ? numerator.description : "\(numerator)/\(denominator)"
    }
}

/// 2^e as a Double, in steps so that large |e| neither overflows early nor
/// loses subnormals.
func pow2(_ e: Int) -> Double {
    var result = 1.0
    var e = e
    while e > 1000 { result *= 0x1p1000; e -= 1000 }
    while e < -1000 { result *= 0x1p-1000; e += 1000 }
    return result * Double(sign: .plus, exponent: e, significand: 1)
}

extension BigUInt {
    /// The nearest Double (round to nearest even on the top 64 bits, then
    /// the conversion from UInt64 rounds once more; exact enough for display
    /// and float mixing).
    public var doubleValue: Double {
        let width = Int(bitWidth)
        if width <= 64 { return Double(UInt64(self)) }
        if width > 1100 { return .infinity }
        let shift = width - 64
        var top = UInt64(self >> shift)
        // Sticky bit: keep information about the dropped bits for rounding.
        if (self & ((BigUInt(1) << shift) - 1)) != 0 { top |= 1 }
        return Double(top) * pow2(shift)
    }
}

extension BigInt {
    /// The nearest Double; ±inf beyond Float64's range.
    public var doubleValue: Double {
        let m = magnitude.doubleValue
        return sign == .minus ? -m : m
    }
}

extension Rational {
    /// The exact value of a finite Float64 (every finite float is a
    /// rational with a power-of-two denominator); nil for nan and ±inf.
    public init?(exactly d: Double) {
        guard d.isFinite else { return nil }
        if d == 0 { self.init(BigInt(0)); return }
        let bits = d.significandBitPattern
        // Normal numbers have an implicit leading 1; subnormals do not.
        let mantissa: UInt64 = d.isNormal ? (1 << 52) | bits : bits
        let exponent = d.isNormal ? Int(d.exponent) - 52 : -1074
        var numerator = BigInt(mantissa)
        if d < 0 { numerator.negate() }
        if exponent >= 0 {
            self.init(numerator << exponent)
        } else {
            guard let q = try? Rational(numerator, BigInt(1) << -exponent) else { return nil }
            self = q
        }
    }

    /// Orders this exact number against a float by their exact values;
    /// nil when the float is nan.
    public func compare(toFloat d: Double) -> Int? {
        if d.isNaN { return nil }
        if d == .infinity { return -1 }
        if d == -.infinity { return 1 }
        guard let f = Rational(exactly: d) else { return nil }
        return self < f ? -1 : (f < self ? 1 : 0)
    }
}
