import BigInt
import Engine
import Foundation

extension Builtins {
    /// abs, sign, sqrt, exp, log, floor, ceil, round, min, max, sum, int,
    /// float, isnan, isinf.
    ///
    /// Exact numbers stay exact where the answer is exact (abs, sign, floor,
    /// ceil, round, min, max, sum); transcendental functions give floats.
    static func math() -> [Builtin] {
        [
            Builtin("abs", [.required("x")],
                    help: """
                    The absolute value of a number, of the same kind (exact stays exact).

                      abs(-3)      # 3
                      abs(-2/3)    # 2/3
                      abs(-1.5)    # 1.5
                    """) { args throws(Unwind) in
                switch args[0] {
                case .int(let i): return i == .min ? Value(-BigInt(i)) : .int(Swift.abs(i))
                case .bigint(let b): return Value(BigInt(b.magnitude))
                case .rational(let q): return .rational(q.sign < 0 ? -q : q)
                case .float(let d): return .float(Swift.abs(d))
                default: throw args.mismatch(0, "a number")
                }
            },
            Builtin("sign", [.required("x")],
                    help: """
                    -1, 0 or 1 as the number is negative, zero or positive (an int; nan gives nan).

                      sign(-7)     # -1
                      sign(0.0)    # 0
                      sign(2/3)    # 1
                    """) { args throws(Unwind) in
                switch args[0] {
                case .int(let i): return .int(i.signum())
                case .bigint(let b): return .int(b.sign == .minus ? -1 : 1)
                case .rational(let q): return .int(q.sign)
                case .float(let d):
                    if d.isNaN { return .float(.nan) }
                    return .int(d > 0 ? 1 : (d < 0 ? -1 : 0))
                default: throw args.mismatch(0, "a number")
                }
            },
            Builtin("sqrt", [.required("x")],
                    help: """
                    The square root as a float (always a float, even for perfect squares).

                    A negative argument is an error rather than nan, so a bad
                    reward fails loudly instead of poisoning a run.
                      sqrt(16)     # 4.0
                      sqrt(2)      # 1.4142135623730951
                      sqrt(1/4)    # 0.5
                      sqrt(10^400) # 1e+200
                    """) { args throws(Unwind) in
                let x = try args.double(0)
                if x < 0 { throw args.fail("argument is negative (\(args[0].shortDisplay))") }
                // Exact numbers beyond the float range: sqrt(10^400) is 1e+200, not inf.
                switch args[0] {
                case .bigint(let b) where !x.isFinite: return .float(squareRoot(b.magnitude))
                case .rational(let q) where !x.isFinite || x == 0:
                    return .float(squareRoot(q.numerator.magnitude) / squareRoot(q.denominator.magnitude))
                default: return .float(x.squareRoot())
                }
            },
            Builtin("exp", [.required("x")],
                    help: """
                    e raised to the power x, as a float; overflows to inf (exp(1000) is inf).

                      exp(0)       # 1.0
                      exp(1)       # 2.718281828459045
                      exp(-1000)   # 0.0
                    """) { args throws(Unwind) in
                .float(Foundation.exp(try args.double(0)))
            },
            Builtin("log", [.required("x"), .optional("base")],
                    help: """
                    The natural logarithm of x, or the logarithm to `base` when given; a float.

                    log(0) is -inf (as in numpy); a negative x is an error.
                    Works for integers beyond the float range (log(10^400) is finite).
                      log(1)           # 0.0
                      log(8, 2)        # 3.0
                      log(10^400, 10)  # 400.0
                      log(1000, 10)    # 3.0
                    """) { args throws(Unwind) in
                guard Arithmetic.isNumber(args[0]) else { throw args.mismatch(0, "a number") }
                if args.isNil(1) { return .float(try logarithm(args, 0, Foundation.log, M_LN2)) }
                guard Arithmetic.isNumber(args[1]) else { throw args.mismatch(1, "a number") }
                // Bases 2 and 10 use log2 and log10, so log(1000, 10) is exactly 3.0.
                switch Arithmetic.double(args[1]) {
                case 2: return .float(try logarithm(args, 0, Foundation.log2, 1))
                case 10: return .float(try logarithm(args, 0, Foundation.log10, log10(2.0)))
                default: break
                }
                let b = naturalLog(args[1], Foundation.log, M_LN2)
                if b.isNaN || b == -.infinity || b == 0 {
                    throw args.fail("base must be positive and not 1, got \(args[1].shortDisplay)")
                }
                return .float(try logarithm(args, 0, Foundation.log, M_LN2) / b)
            },
            Builtin("floor", [.required("x")],
                    help: """
                    The largest integer not above x, as an exact int (also for floats).

                      floor(7/2)    # 3
                      floor(-2.5)   # -3
                      floor(1e20)   # 100000000000000000000
                    """) { args throws(Unwind) in
                try roundToInteger(args, .down)
            },
            Builtin("ceil", [.required("x")],
                    help: """
                    The smallest integer not below x, as an exact int (also for floats).

                      ceil(7/2)    # 4
                      ceil(-2.5)   # -2
                    """) { args throws(Unwind) in
                try roundToInteger(args, .up)
            },
            Builtin("round", [.required("x"), .optional("digits")],
                    help: """
                    Rounds to the nearest integer, halves away from zero; with `digits:`, to that many decimals.

                    Without digits the result is an exact int (floats too). With
                    digits a float stays a float (rounded from its exact binary
                    value, so round(2.675, digits: 2) is 2.67 as in Python), an
                    exact number stays exact, and negative digits round to tens,
                    hundreds, ...
                      round(5/2)                # 3
                      round(-2.5)               # -3
                      round(3.14159, digits: 2) # 3.14
                      round(1234, digits: -2)   # 1200
                    """) { args throws(Unwind) in
                if args.isNil(1) { return try roundToInteger(args, .toNearestOrAwayFromZero) }
                let digits = try args.int(1)
                guard digits >= -10_000 && digits <= 10_000 else {
                    throw args.fail("digits must be between -10000 and 10000, got \(digits)")
                }
                return try roundToDigits(args, digits)
            },
            Builtin("min", [.variadic("values"), .optional("key")],
                    help: """
                    The smallest of several values, or of one list or range; `key:` compares f(x) instead.

                    Numbers of every kind, strings and lists compare; the first of
                    equal smallest values wins. An empty list is an error.
                      min(3, 1, 2)                        # 1
                      min([2.5, 1/3])                     # 1/3
                      min(["bb", "a"], key: fn(s) => len(s))  # "a"
                    """) { args throws(Unwind) in
                try extremum(args, wantSmallest: true)
            },
            Builtin("max", [.variadic("values"), .optional("key")],
                    help: """
                    The largest of several values, or of one list or range; `key:` compares f(x) instead.

                    Numbers of every kind, strings and lists compare; the first of
                    equal largest values wins. An empty list is an error.
                      max(3, 1, 2)                        # 3
                      max(1..10)                          # 10
                      max(["bb", "a"], key: fn(s) => len(s))  # "bb"
                    """) { args throws(Unwind) in
                try extremum(args, wantSmallest: false)
            },
            Builtin("sum", [.required("xs")],
                    help: """
                    The sum of a list or range of numbers, added left to right; exact when every element is exact.

                    sum([]) is 0. Use join to glue strings and concat for lists.
                      sum([1, 2, 3])      # 6
                      sum([1/2, 1/3])     # 5/6
                      sum(1..100)         # 5050
                      sum([1, 0.5])       # 1.5
                    """) { args throws(Unwind) in
                try sumOf(args)
            },
            Builtin("int", [.required("x")],
                    help: """
                    An exact integer: numbers truncate toward zero, strings are parsed, bools give 0 or 1.

                    Strings must hold an integer (digits with an optional sign and
                    surrounding spaces); use num(s) to get nil instead of an error.
                      int(3.9)     # 3
                      int(-7/2)    # -3
                      int(" 42 ")  # 42
                    """) { args throws(Unwind) in
                switch args[0] {
                case .int, .bigint: return args[0]
                case .bool(let b): return .int(b ? 1 : 0)
                case .rational(let q):
                    return Value(q.numerator.quotientAndRemainder(dividingBy: q.denominator).quotient)
                case .float(let d):
                    guard d.isFinite, let i = BigInt(exactly: d.rounded(.towardZero)) else {
                        throw args.fail("cannot convert \(Value.formatFloat(d)) to an integer")
                    }
                    return Value(i)
                case .string(let s):
                    let t = s.trimmingCharacters(in: .whitespacesAndNewlines)
                    let body = t.hasPrefix("-") || t.hasPrefix("+") ? t.dropFirst() : Substring(t)
                    guard !body.isEmpty, body.utf8.count <= 100_000,
                          body.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
                          let b = BigInt(body) else {
                        throw args.fail("cannot parse \(args[0].shortDisplay) as an integer")
                    }
                    return Value(t.hasPrefix("-") ? -b : b)
                default: throw args.mismatch(0, "a number, string or bool")
                }
            },
            Builtin("float", [.required("x")],
                    help: """
                    A number as a float (the nearest Float64); strings are parsed; a matrix becomes a float matrix.

                      float(1/3)      # 0.3333333333333333
                      float("2.5e3")  # 2500.0
                      float("inf")    # inf
                      float([1 1/2])  # [1.0 0.5]
                    """) { args throws(Unwind) in
                switch args[0] {
                case .matrix(let m): return .matrix(.float(m.floatMatrix))
                case .bool(let b): return .float(b ? 1 : 0)
                case .string(let s):
                    guard let v = parseNumber(s), let d = Arithmetic.double(v) else {
                        throw args.fail("cannot parse \(args[0].shortDisplay) as a number")
                    }
                    return .float(d)
                default:
                    return .float(try args.double(0))
                }
            },
            Builtin("isnan", [.required("x")],
                    help: """
                    Whether x is the float nan (exact numbers never are).

                      isnan(float("nan"))  # true
                      isnan(1)             # false
                    """) { args throws(Unwind) in
                _ = try args.double(0)
                return .bool(isNaNValue(args[0]))
            },
            Builtin("isinf", [.required("x")],
                    help: """
                    Whether x is the float inf or -inf (exact numbers never are).

                      isinf(exp(1000))   # true
                      isinf(10^400)      # false (an exact int)
                    """) { args throws(Unwind) in
                _ = try args.double(0)
                if case .float(let d) = args[0] { return .bool(d.isInfinite) }
                return .bool(false)
            },
        ]
    }

    // MARK: - Helpers

    static func isNaNValue(_ v: Value) -> Bool {
        if case .float(let d) = v { return d.isNaN }
        return false
    }

    /// log(x) for argument i; an error when x is negative.
    static func logarithm(_ args: Arguments, _ i: Int, _ f: (Double) -> Double, _ logOf2: Double) throws(Unwind) -> Double {
        let y = naturalLog(args[i], f, logOf2)
        if y.isNaN && !isNaNValue(args[i]) {
            throw args.fail("argument is negative (\(args[i].shortDisplay))")
        }
        return y
    }

    /// f(x) for a logarithm f (log, log2, log10) and any number x; exact
    /// integers and fractions beyond the float range are scaled by powers of
    /// two first. nan when x is negative or not a number.
    static func naturalLog(_ v: Value, _ f: (Double) -> Double, _ logOf2: Double) -> Double {
        func magnitude(_ n: BigUInt) -> Double {
            let width = n.bitWidth
            if width <= 64 { return f(Double(UInt64(n))) }
            let shift = width - 64
            return f(Double(UInt64(n >> shift))) + Double(shift) * logOf2
        }
        switch v {
        case .int(let i): return f(Double(i))
        case .float(let d): return f(d)
        case .bigint(let b): return b.sign == .minus ? .nan : magnitude(b.magnitude)
        case .rational(let q):
            if q.sign < 0 { return .nan }
            return magnitude(q.numerator.magnitude) - magnitude(q.denominator.magnitude)
        default: return .nan
        }
    }

    /// sqrt(n) for an integer of any size: sqrt(n / 4^k) * 2^k.
    static func squareRoot(_ n: BigUInt) -> Double {
        let shift = max(0, n.bitWidth - 1000) & ~1
        return Double(n >> shift).squareRoot() * Double(sign: .plus, exponent: shift / 2, significand: 1)
    }

    /// The exact value of a finite float as a rational (a float is m * 2^e).
    static func exactRational(_ d: Double) -> Rational {
        if d == 0 { return Rational(0) }
        let bits = d.bitPattern
        let biased = Int((bits >> 52) & 0x7FF)
        let fraction = bits & ((1 << 52) - 1)
        let mantissa = biased == 0 ? fraction : fraction | (1 << 52)
        let exponent = (biased == 0 ? 1 : biased) - 1075
        var n = BigInt(mantissa)
        if d < 0 { n.negate() }
        if exponent >= 0 { return Rational(n << exponent) }
        return (try? Rational(n, BigInt(1) << -exponent)) ?? Rational(0)
    }

    /// floor, ceil and round without digits: always an exact int.
    static func roundToInteger(_ args: Arguments, _ rule: FloatingPointRoundingRule) throws(Unwind) -> Value {
        switch args[0] {
        case .int, .bigint: return args[0]
        case .rational(let q):
            switch rule {
            case .down: return Value(q.floor)
            case .up: return Value(q.ceiling)
            default: return Value(q.rounded)
            }
        case .float(let d):
            let r = d.rounded(rule)
            guard r.isFinite else {
                throw args.fail("cannot round \(Value.formatFloat(d)) to an integer")
            }
            if Swift.abs(r) < 9.0e18 { return .int(Int(r)) }
            guard let b = BigInt(exactly: r) else { throw args.fail("cannot round \(Value.formatFloat(d)) to an integer") }
            return Value(b)
        default:
            throw args.mismatch(0, "a number")
        }
    }

    /// round(x, digits: n): exact numbers exactly, floats from their exact value.
    static func roundToDigits(_ args: Arguments, _ digits: Int) throws(Unwind) -> Value {
        let scale = Rational(BigInt(10).power(Swift.abs(digits)))
        func roundExact(_ q: Rational) -> Rational {
            if digits >= 0 {
                let scaled = q * scale
                return (try? Rational(scaled.rounded, scale.numerator)) ?? q
            }
            let scaled = (try? q.dividing(by: scale)) ?? q
            return Rational(scaled.rounded) * scale
        }
        switch args[0] {
        case .int, .bigint:
            if digits >= 0 { return args[0] }
            guard let b = Arithmetic.bigint(args[0]) else { return args[0] }
            return Value(roundExact(Rational(b)))
        case .rational(let q):
            return Value(roundExact(q))
        case .float(let d):
            if !d.isFinite || d == 0 { return .float(d) }
            // Beyond ~330 decimals every float is already exact.
            if digits > 350 { return .float(d) }
            if digits < -330 { return .float(d < 0 ? -0.0 : 0.0) }
            let r = roundExact(exactRational(d)).doubleValue
            return .float(r == 0 && d < 0 ? -0.0 : r)
        default:
            throw args.mismatch(0, "a number")
        }
    }

    /// min and max: variadic values or a single list/range, optional key.
    static func extremum(_ args: Arguments, wantSmallest: Bool) throws(Unwind) -> Value {
        var items = try args.list(0)
        if items.count == 1 {
            switch items[0] {
            case .list, .range:
                guard let inner = try items[0].elements(limit: Interpreter.maxSequence) else { break }
                items = inner
            default:
                throw args.fail("a single argument must be a list or range, got \(items[0].typeName); to compare values pass two or more")
            }
        }
        guard !items.isEmpty else {
            throw args.fail("no values to compare (empty list)")
        }
        let key: Value? = args.isNil(1) ? nil : try args.callable(1)
        func keyOf(_ item: Value) throws(Unwind) -> Value {
            guard let key else { return item }
            return try args.vm.call(key, [item])
        }
        var best = items[0]
        var bestKey = try keyOf(best)
        for item in items.dropFirst() {
            let k = try keyOf(item)
            let c: Int
            do throws(Incomparable) { c = try order(bestKey, k) } catch { throw args.fail(error.message) }
            if wantSmallest ? c > 0 : c < 0 {
                best = item
                bestKey = k
            }
        }
        if key == nil, isNaNValue(best) { throw args.fail("cannot order nan") }
        return best
    }

    /// sum: Int fast path, then exact, then float.
    static func sumOf(_ args: Arguments) throws(Unwind) -> Value {
        if case .range(let lo, let hi) = args[0] {
            if hi < lo { return .int(0) }
            // n * (lo + hi) / 2, exactly.
            let n = BigInt(hi) - BigInt(lo) + 1
            return Value(n * (BigInt(lo) + BigInt(hi)) / 2)
        }
        guard case .list(let items) = args[0] else {
            throw args.mismatch(0, "a list or range")
        }
        var total = Value.int(0)
        var intTotal = 0
        var inIntPath = true
        var floatTotal = 0.0
        var inFloatPath = false
        for (i, item) in items.enumerated() {
            if inIntPath, case .int(let x) = item {
                let (r, overflow) = intTotal.addingReportingOverflow(x)
                if !overflow { intTotal = r; continue }
            }
            if inFloatPath, case .float(let x) = item {
                floatTotal += x
                continue
            }
            guard Arithmetic.isNumber(item) else {
                let hint = item.typeName == "string" ? "; use join to glue strings" : ""
                throw args.fail("element \(i) is \(article(item.typeName)), not a number\(hint)")
            }
            if inIntPath { total = .int(intTotal); inIntPath = false }
            if inFloatPath { total = .float(floatTotal); inFloatPath = false }
            total = try Arithmetic.add(total, item)
            if case .float(let d) = total { floatTotal = d; inFloatPath = true }
        }
        if inIntPath { return .int(intTotal) }
        if inFloatPath { return .float(floatTotal) }
        return total
    }
}
