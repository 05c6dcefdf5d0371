import BigInt
import Engine
import Foundation

/// Arithmetic on values: the number tower (int -> bigint -> rational, and
/// float when a float is involved), string and list concatenation. The
/// interpreter's nodes try the Int fast path inline and call here otherwise.
enum Arithmetic {
    /// A number viewed in the tower.
    enum Number {
        case exact(Rational)
        case float(Double)
    }

    static func number(_ v: Value) -> Number? {
        switch v {
        case .int(let i): return .exact(Rational(BigInt(i)))
        case .bigint(let b): return .exact(Rational(b))
        case .rational(let q): return .exact(q)
        case .float(let d): return .float(d)
        default: return nil
        }
    }

    static func double(_ v: Value) -> Double? {
        switch v {
        case .int(let i): return Double(i)
        case .bigint(let b): return b.doubleValue
        case .rational(let q): return q.doubleValue
        case .float(let d): return d
        default: return nil
        }
    }

    static func isNumber(_ v: Value) -> Bool {
        switch v {
        case .int, .bigint, .rational, .float: return true
        default: return false
        }
    }

    static func bigint(_ v: Value) -> BigInt? {
        switch v {
        case .int(let i): return BigInt(i)
        case .bigint(let b): return b
        default: return nil
        }
    }

    static func operandError(_ op: String, _ a: Value, _ b: Value) -> Unwind {
        fail("cannot apply '\(op)' to \(a.typeName) and \(b.typeName)")
    }

    // MARK: - The operators

    static func add(_ a: Value, _ b: Value) throws(Unwind) -> Value {
        switch (a, b) {
        case (.int(let x), .int(let y)):
            let (r, overflow) = x.addingReportingOverflow(y)
            return overflow ? Value(BigInt(x) + BigInt(y)) : .int(r)
        case (.string(let x), .string(let y)): return .string(x + y)
        case (.list(let x), .list(let y)): return .list(x + y)
        default: break
        }
        if case .string = a { throw fail("cannot add \(b.typeName) to a string; convert it with str(...)") }
        if case .string = b { throw fail("cannot add a string to \(a.typeName); convert it with str(...)") }
        return try numeric("+", a, b, exact: { x, y in x + y }, float: { $0 + $1 })
    }

    static func subtract(_ a: Value, _ b: Value) throws(Unwind) -> Value {
        if case .int(let x) = a, case .int(let y) = b {
            let (r, overflow) = x.subtractingReportingOverflow(y)
            return overflow ? Value(BigInt(x) - BigInt(y)) : .int(r)
        }
        return try numeric("-", a, b, exact: { x, y in x - y }, float: { $0 - $1 })
    }

    static func multiply(_ a: Value, _ b: Value) throws(Unwind) -> Value {
        switch (a, b) {
        case (.int(let x), .int(let y)):
            let (r, overflow) = x.multipliedReportingOverflow(by: y)
            return overflow ? Value(BigInt(x) * BigInt(y)) : .int(r)
        case (.string(let s), .bigint(let n)), (.bigint(let n), .string(let s)):
            if n.sign == .minus { throw fail("cannot repeat a string a negative number of times (\(n))") }
            throw fail("string repetition too large (\(s.utf8.count) bytes × \(n))")
        case (.string(let s), .int(let n)), (.int(let n), .string(let s)):
            guard n >= 0 else { throw fail("cannot repeat a string a negative number of times (\(n))") }
            // Repeating nothing is nothing, however many times (no 2^63-step loop).
            if s.isEmpty || n == 0 { return .string("") }
            guard s.utf8.count.multipliedReportingOverflow(by: n).partialValue <= 1 << 30,
                  !s.utf8.count.multipliedReportingOverflow(by: n).overflow else {
                throw fail("string repetition too large (\(s.utf8.count) bytes × \(n))")
            }
            return .string(String(repeating: s, count: n))
        default: break
        }
        return try numeric("*", a, b, exact: { x, y in x * y }, float: { $0 * $1 })
    }

    static func divide(_ a: Value, _ b: Value) throws(Unwind) -> Value {
        guard let x = number(a), let y = number(b) else {
            if a.isMatrix || b.isMatrix { return try MatrixValues.binary("/", a, b) }
            throw operandError("/", a, b)
        }
        switch (x, y) {
        case (.exact(let p), .exact(let q)):
            do { return Value(try p.dividing(by: q)) } catch { throw fail("division by zero") }
        default:
            let d = double(b)!
            if d == 0 { throw fail("division by zero") }
            return .float(double(a)! / d)
        }
    }

    /// Floor division: the largest integer not above a / b.
    static func floorDivide(_ a: Value, _ b: Value) throws(Unwind) -> Value {
        if case .int(let x) = a, case .int(let y) = b, y != 0, !(x == .min && y == -1) {
            let q = x / y
            return .int((x % y != 0 && (x < 0) != (y < 0)) ? q - 1 : q)
        }
        guard let x = number(a), let y = number(b) else { throw operandError("//", a, b) }
        switch (x, y) {
        case (.exact(let p), .exact(let q)):
            do { return Value(try p.dividing(by: q).floor) } catch { throw fail("division by zero") }
        default:
            let d = double(b)!
            if d == 0 { throw fail("division by zero") }
            return .float((double(a)! / d).rounded(.down))
        }
    }

    /// Modulo with the sign of the divisor (as Python): -7 % 3 == 2.
    static func modulo(_ a: Value, _ b: Value) throws(Unwind) -> Value {
        if case .int(let x) = a, case .int(let y) = b, y != 0, !(x == .min && y == -1) {
            let r = x % y
            return .int((r != 0 && (r < 0) != (y < 0)) ? r + y : r)
        }
        guard let x = number(a), let y = number(b) else { throw operandError("%", a, b) }
        switch (x, y) {
        case (.exact(let p), .exact(let q)):
            do {
                let quotient = try p.dividing(by: q).floor
                return Value(p - q * Rational(quotient))
            } catch { throw fail("division by zero (modulo)") }
        default:
            let d = double(b)!
            if d == 0 { throw fail("division by zero (modulo)") }
            let r = fmod(double(a)!, d)
            return .float((r != 0 && (r < 0) != (d < 0)) ? r + d : r)
        }
    }

    /// Results of `^` may have at most this many bits (about 60,000 digits): the
    /// big-integer library needs seconds beyond that, and cannot be interrupted.
    static let maxPowerBits = 200_000
    /// Exact products may have at most this many bits (about 300,000 digits).
    static let maxProductBits = 1_000_000

    static func power(_ a: Value, _ b: Value) throws(Unwind) -> Value {
        guard let x = number(a), let y = number(b) else {
            if a.isMatrix || b.isMatrix { return try MatrixValues.binary("^", a, b) }
            throw operandError("^", a, b)
        }
        switch (x, y) {
        case (.exact(let base), .exact(let exponent)) where exponent.isInteger:
            guard let e = Int(exactly: exponent.numerator) else {
                if base.isZero || base == Rational(1) { return Value(base) }
                if base == Rational(-1) { return exponent.numerator.isMultiple(of: 2) ? .int(1) : .int(-1) }
                throw fail("exponent \(exponent.numerator) is too large for an exact power")
            }
            if base.isZero && e > 0 { return .int(0) }
            if base == Rational(1) || e == 0 { return .int(1) }
            if base == Rational(-1) { return .int(e.isMultiple(of: 2) ? 1 : -1) }
            // The result has about |e|·log2(|base|) bits (numerator or denominator).
            func log2Magnitude(_ b: BigInt) -> Double {
                let width = b.magnitude.bitWidth
                return width < 1000 ? Foundation.log2(b.magnitude.doubleValue) : Double(width)
            }
            let bits = max(log2Magnitude(base.numerator), log2Magnitude(base.denominator))
            if e == .min || bits * Double(e.magnitude) > Double(maxPowerBits) {
                throw fail("result of \(a.shortDisplay) ^ \(e) is too large (more than \(maxPowerBits) bits)")
            }
            if e >= 0 {
                return Value(Rational(base.numerator.power(e)) * ratio(1, base.denominator.power(e)))
            }
            if base.isZero { throw fail("division by zero (0 to a negative power)") }
            let m = -e
            return Value(ratio(base.denominator.power(m), base.numerator.power(m)))
        default:
            let base = double(a)!, exponent = double(b)!
            // As for exact numbers and '/': zero to a negative power is an error, not inf.
            if base == 0 && exponent < 0 { throw fail("division by zero (0 to a negative power)") }
            return .float(Foundation.pow(base, exponent))
        }
    }

    static func ratio(_ n: BigInt, _ d: BigInt) -> Rational {
        (try? Rational(n, d)) ?? Rational(0)
    }

    static func negate(_ a: Value) throws(Unwind) -> Value {
        switch a {
        case .int(let x):
            return x == .min ? .bigint(-BigInt(x)) : .int(-x)
        case .bigint(let b): return Value(-b)
        case .rational(let q): return .rational(-q)
        case .float(let d): return .float(-d)
        case .matrix(let m): return .matrix(m.negated())
        default: throw fail("cannot negate \(a.typeName)")
        }
    }

    static func numeric(_ op: String, _ a: Value, _ b: Value,
                        exact: (Rational, Rational) -> Rational,
                        float: (Double, Double) -> Double) throws(Unwind) -> Value {
        guard let x = number(a), let y = number(b) else {
            if a.isMatrix || b.isMatrix { return try MatrixValues.binary(op, a, b) }
            // A reward times a number is a weighted reward: rewards.tags * 0.5.
            if op == "*", let weighted = RewardSet.weighted(a, b) ?? RewardSet.weighted(b, a) { return weighted }
            throw operandError(op, a, b)
        }
        switch (x, y) {
        case (.exact(let p), .exact(let q)):
            // Integers stay integers without a detour through fractions.
            if let i = bigint(a), let j = bigint(b) {
                switch op {
                case "+": return Value(i + j)
                case "-": return Value(i - j)
                case "*":
                    // Bound exact products as powers are bounded: repeated
                    // squaring would otherwise eat all memory in seconds.
                    if i.magnitude.bitWidth + j.magnitude.bitWidth > maxProductBits {
                        throw fail("result of '*' is too large (more than \(maxProductBits) bits)")
                    }
                    return Value(i * j)
                default: break
                }
            }
            return Value(exact(p, q))
        default:
            return .float(float(double(a)!, double(b)!))
        }
    }

    // MARK: - Comparison

    /// Orders two values: numbers of any kind, strings, lists (element by element).
    static func compare(_ a: Value, _ b: Value, _ op: String, depth: Int = 0) throws(Unwind) -> Int {
        switch (a, b) {
        case (.int(let x), .int(let y)): return x < y ? -1 : (x > y ? 1 : 0)
        case (.string(let x), .string(let y)): return x < y ? -1 : (x > y ? 1 : 0)
        case (.list(let x), .list(let y)):
            if depth > 10_000 { throw fail("lists nested too deeply to order (more than 10000 levels)") }
            for (u, v) in zip(x, y) {
                let c = try compare(u, v, op, depth: depth + 1)
                if c != 0 { return c }
            }
            return x.count < y.count ? -1 : (x.count > y.count ? 1 : 0)
        default: break
        }
        switch (a, b) {
        case (.int(let i), .float(let v)) where i.magnitude <= 1 << 53 && !v.isNaN:
            let u = Double(i)
            return u < v ? -1 : (u > v ? 1 : 0)
        case (.float(let u), .int(let i)) where i.magnitude <= 1 << 53 && !u.isNaN:
            let v = Double(i)
            return u < v ? -1 : (u > v ? 1 : 0)
        default: break
        }
        guard let x = number(a), let y = number(b) else {
            throw fail("cannot compare \(a.typeName) with \(b.typeName) using '\(op)'")
        }
        guard let order = numericOrder(x, y) else { throw fail("cannot order nan using '\(op)'") }
        return order
    }

    /// Orders two numbers by their exact values (a float is the exact
    /// rational it stores, so 2^53 + 1 > 2.0^53); nil when one is nan.
    static func numericOrder(_ x: Number, _ y: Number) -> Int? {
        switch (x, y) {
        case (.exact(let p), .exact(let q)): return p < q ? -1 : (q < p ? 1 : 0)
        case (.float(let u), .float(let v)):
            if u.isNaN || v.isNaN { return nil }
            return u < v ? -1 : (u > v ? 1 : 0)
        case (.exact(let p), .float(let v)):
            return p.compare(toFloat: v)
        case (.float(let u), .exact(let q)):
            return q.compare(toFloat: u).map { -$0 }
        }
    }
}
