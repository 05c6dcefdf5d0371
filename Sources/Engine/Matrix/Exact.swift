import BigInt

/// An exact rational number as a matrix entry: numerator and denominator in
/// machine words when they fit (the fast path every small task stays on), a
/// BigInt `Rational` when they do not. Arithmetic never overflows silently:
/// intermediate results are formed in 128 bits and move to BigInt when the
/// reduced result does not fit.
///
/// Invariants: `.small(n, d)` has `d >= 1`, `gcd(n, d) == 1` and
/// `n != Int.min` (so negation cannot overflow); `.big` holds only values
/// `.small` cannot. Each value therefore has one representation, and the
/// synthesized `==` is exact equality.
public enum Exact: Hashable, Sendable {
    case small(Int, Int)
    indirect case big(Rational)

    public static let zero = Exact.small(0, 1)
    public static let one = Exact.small(1, 1)

    public init(_ n: Int) {
        self = n == .min ? .big(Rational(BigInt(n))) : .small(n, 1)
    }

    public init(_ n: BigInt) {
        if let small = Int(exactly: n), small != .min { self = .small(small, 1) } else { self = .big(Rational(n)) }
    }

    public init(_ q: Rational) {
        if let n = Int(exactly: q.numerator), n != .min, let d = Int(exactly: q.denominator) {
            self = .small(n, d)
        } else {
            self = .big(q)
        }
    }

    /// `n / d` reduced; throws on a zero denominator.
    public init(_ n: BigInt, _ d: BigInt) throws(EngineError) {
        self.init(try Rational(n, d))
    }

    /// The reduced value of a 128-bit fraction (`d != 0`).
    init(wide n: Int128, _ d: Int128) {
        var n = n, d = d
        if d < 0 { n = 0 - n; d = 0 - d }
        let g = gcd128(n.magnitude, d.magnitude)
        if g > 1 { n /= Int128(g); d /= Int128(g) }
        if let sn = Int(exactly: n), sn != .min, let sd = Int(exactly: d) {
            self = .small(sn, sd)
        } else {
            self = .big(Rational(reduced: BigInt(n), BigInt(d)))
        }
    }

    public var rational: Rational {
        switch self {
        case .small(let n, let d): return Rational(reduced: BigInt(n), BigInt(d))
        case .big(let q): return q
        }
    }

    public var isZero: Bool { if case .small(0, _) = self { return true } else { return false } }
    public var isInteger: Bool {
        switch self {
        case .small(_, let d): return d == 1
        case .big(let q): return q.isInteger
        }
    }
    public var sign: Int {
        switch self {
        case .small(let n, _): return n.signum()
        case .big(let q): return q.sign
        }
    }
    /// The integer value when this is an integer that fits in Int.
    public var smallInteger: Int? {
        if case .small(let n, 1) = self { return n }
        return nil
    }
    public var numerator: BigInt {
        switch self {
        case .small(let n, _): return BigInt(n)
        case .big(let q): return q.numerator
        }
    }
    public var denominator: BigInt {
        switch self {
        case .small(_, let d): return BigInt(d)
        case .big(let q): return q.denominator
        }
    }

    /// The nearest Float64 (correctly rounded).
    public var doubleValue: Double {
        switch self {
        case .small(let n, let d):
            // Exact when both parts are exactly representable; one rounding then.
            if n.magnitude <= 1 << 53 && d <= 1 << 53 { return Double(n) / Double(d) }
            return rational.doubleValue
        case .big(let q): return q.doubleValue
        }
    }

    public var magnitude: Exact {
        switch self {
        case .small(let n, let d): return .small(abs(n), d)
        case .big(let q): return q.sign < 0 ? .big(-q) : self
        }
    }

    // MARK: - Arithmetic

    public static prefix func - (a: Exact) -> Exact {
        switch a {
        case .small(let n, let d): return .small(-n, d)
        case .big(let q): return Exact(-q)
        }
    }

    public static func + (a: Exact, b: Exact) -> Exact {
        guard case .small(let n1, let d1) = a, case .small(let n2, let d2) = b else {
            return Exact(a.rational + b.rational)
        }
        if d1 == 1 && d2 == 1 {
            let (sum, overflow) = n1.addingReportingOverflow(n2)
            if !overflow && sum != .min { return .small(sum, 1) }
            return Exact(wide: Int128(n1) + Int128(n2), 1)
        }
        // Knuth 4.5.1: with g = gcd(d1, d2) the sum needs only one more gcd.
        let g = gcd(d1, d2)
        if g == 1 {
            let n = Int128(n1) * Int128(d2) + Int128(n2) * Int128(d1)
            let d = Int128(d1) * Int128(d2)
            return fromReduced(n, d)
        }
        let t = Int128(n1) * Int128(d2 / g) + Int128(n2) * Int128(d1 / g)
        let g2 = Int128(gcd128(t.magnitude, UInt128(g)))
        return fromReduced(t / g2, Int128(d1 / g) * Int128(d2 / Int(g2)))
    }

    public static func - (a: Exact, b: Exact) -> Exact { a + (-b) }

    public static func * (a: Exact, b: Exact) -> Exact {
        guard case .small(let n1, let d1) = a, case .small(let n2, let d2) = b else {
            return Exact(a.rational * b.rational)
        }
        if d1 == 1 && d2 == 1 {
            let (product, overflow) = n1.multipliedReportingOverflow(by: n2)
            if !overflow && product != .min { return .small(product, 1) }
            return Exact(wide: Int128(n1) * Int128(n2), 1)
        }
        // Cross-cancel first so the products stay small (Knuth 4.5.1).
        let g1 = gcd(n1, d2), g2 = gcd(n2, d1)
        let n = Int128(n1 / g1) * Int128(n2 / g2)
        let d = Int128(d1 / g2) * Int128(d2 / g1)
        return fromReduced(n, d)
    }

    /// `a / b`; throws when b is zero.
    public func dividing(by b: Exact) throws(EngineError) -> Exact {
        switch b {
        case .small(let n, let d):
            if n == 0 { throw EngineError.divisionByZero }
            return self * (n < 0 ? .small(-d, -n) : .small(d, n))
        case .big(let q):
            return Exact(try Rational(q.denominator, q.numerator)) * self
        }
    }

    /// A fraction already in lowest terms with d > 0.
    static func fromReduced(_ n: Int128, _ d: Int128) -> Exact {
        if let sn = Int(exactly: n), sn != .min, let sd = Int(exactly: d) { return .small(sn, sd) }
        return .big(Rational(reduced: BigInt(n), BigInt(d)))
    }

    public static func < (a: Exact, b: Exact) -> Bool {
        if case .small(let n1, let d1) = a, case .small(let n2, let d2) = b {
            return Int128(n1) * Int128(d2) < Int128(n2) * Int128(d1)
        }
        return a.rational < b.rational
    }

    /// "3", "-14/11": lowest terms, the sign on the numerator.
    public var description: String {
        switch self {
        case .small(let n, 1): return String(n)
        case .small(let n, let d): return "\(n)/\(d)"
        case .big(let q): return q.description
        }
    }
}

/// gcd of |a| and |b| (gcd(0, 0) = 0); never traps, even for Int.min.
@inline(__always)
func gcd(_ a: Int, _ b: Int) -> Int {
    var x = a.magnitude, y = b.magnitude
    while y != 0 { (x, y) = (y, x % y) }
    return Int(truncatingIfNeeded: x)
}

func gcd128(_ a: UInt128, _ b: UInt128) -> UInt128 {
    var x = a, y = b
    // Stay in 64 bits as soon as both fit: 128-bit division is a library call.
    while y != 0 {
        if x <= UInt128(UInt64.max) && y <= UInt128(UInt64.max) {
            var p = UInt64(x), q = UInt64(y)
            while q != 0 { (p, q) = (q, p % q) }
            return UInt128(p)
        }
        (x, y) = (y, x % y)
    }
    return x
}
