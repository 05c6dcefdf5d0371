import Foundation
import XCTest
import TestSupport
@testable import Engine
@testable import Lang
@testable import Runtime

/// Pivot's exact numbers against an independent oracle: a few thousand
/// random expressions over small, big and near-Int64-limit integers and the
/// fractions `/` makes, evaluated in-process by the interpreter and, in one
/// python3 run, by Tests/fixtures/exact_oracle.py (Python's int and
/// fractions.Fraction). Results must agree exactly, as displayed.
final class NumberOracleTests: XCTestCase {
    // MARK: - Expressions

    /// An expression tree that prints both as Pivot source and as the JSON
    /// the oracle reads.
    indirect enum Expression {
        /// A non-negative integer literal (decimal digits) and how to write it.
        case literal(String, Spelling)
        case negate(Expression)
        case binary(String, Expression, Expression)
        /// `base ^ k` with a small integer exponent.
        case power(Expression, Int)
        /// A comparison; only ever at the root (its value is a bool).
        case compare(String, Expression, Expression)
        /// `(x) * 1.0`: the exact value converted to the nearest float.
        case toFloat(Expression)

        enum Spelling { case decimal, underscores, hex, binary }

        /// Binding power as Pivot's parser sees it (higher binds tighter).
        var precedence: Int {
            switch self {
            case .literal: return 11
            case .power: return 10
            case .negate: return 9
            case .binary(let op, _, _): return ["+", "-"].contains(op) ? 7 : 8
            case .compare: return 4
            case .toFloat: return 8
            }
        }

        /// Pivot source with as few parentheses as the grammar allows (plus a
        /// few redundant ones), and random spacing around operators.
        func pivot(_ minimum: Int, _ rng: inout SplitMix64) -> String {
            let text: String
            let space = Bool.random(using: &rng) ? " " : ""
            switch self {
            case .literal(let digits, let spelling):
                text = NumberOracleTests.spell(digits, spelling)
            case .negate(let x):
                text = "-" + x.pivot(9, &rng)
            case .binary(let op, let l, let r):
                let own = precedence
                text = l.pivot(own, &rng) + space + op + space + r.pivot(own + 1, &rng)
            case .power(let base, let k):
                let exponent = k < 0 && Bool.random(using: &rng) ? "(\(k))" : "\(k)"
                text = base.pivot(11, &rng) + space + "^" + space + exponent
            case .compare(let op, let l, let r):
                text = l.pivot(5, &rng) + " " + op + " " + r.pivot(5, &rng)
            case .toFloat(let x):
                text = x.pivot(9, &rng) + " * 1.0"
            }
            let redundant = Int.random(in: 0..<12, using: &rng) == 0
            return precedence < minimum || redundant ? "(" + text + ")" : text
        }

        var json: String {
            switch self {
            case .literal(let digits, _): return "[\"n\", \"\(digits)\"]"
            case .negate(let x): return "[\"neg\", \(x.json)]"
            case .binary(let op, let l, let r), .compare(let op, let l, let r):
                return "[\"\(op)\", \(l.json), \(r.json)]"
            case .power(let base, let k):
                let exponent = k < 0 ? "[\"neg\", [\"n\", \"\(-k)\"]]" : "[\"n\", \"\(k)\"]"
                return "[\"^\", \(base.json), \(exponent)]"
            case .toFloat(let x): return "[\"float\", \(x.json)]"
            }
        }
    }

    static func spell(_ digits: String, _ spelling: Expression.Spelling) -> String {
        switch spelling {
        case .decimal: return digits
        case .underscores:
            var out = ""
            for (i, c) in digits.reversed().enumerated() {
                if i > 0 && i % 3 == 0 { out.append("_") }
                out.append(c)
            }
            return String(out.reversed())
        case .hex, .binary:
            // Only used for literals that fit in UInt64.
            guard let value = UInt64(digits) else { return digits }
            return spelling == .hex ? "0x" + String(value, radix: 16, uppercase: digits.count % 2 == 0) : "0b" + String(value, radix: 2)
        }
    }

    /// Integer literals that exercise the Int fast path, its overflow into
    /// big integers, and big integers that shrink back.
    static let boundaryLiterals = [
        "9223372036854775807", "9223372036854775806", "9223372036854775808", "9223372036854775809",
        "4611686018427387904", "3037000499", "3037000500", "4294967296", "4294967295", "18446744073709551616",
        "18446744073709551615", "170141183460469231731687303715884105728",
    ]

    struct Generator {
        var rng: SplitMix64

        mutating func literal() -> Expression {
            let digits: String
            switch Int.random(in: 0..<10, using: &rng) {
            case 0..<4: digits = String(Int.random(in: 0...20, using: &rng))
            case 4..<6: digits = String(Int.random(in: 0...1_000_000, using: &rng))
            case 6..<8: digits = NumberOracleTests.boundaryLiterals.randomElement(using: &rng)!
            default: digits = randomDigits(Int.random(in: 19...60, using: &rng))
            }
            let spellings: [Expression.Spelling] = UInt64(digits) != nil
                ? [.decimal, .decimal, .decimal, .underscores, .hex, .binary] : [.decimal, .decimal, .underscores]
            return .literal(digits, spellings.randomElement(using: &rng)!)
        }

        mutating func randomDigits(_ count: Int) -> String {
            var s = String(Int.random(in: 1...9, using: &rng))
            for _ in 1..<count { s += String(Int.random(in: 0...9, using: &rng)) }
            return s
        }

        mutating func expression(depth: Int) -> Expression {
            if depth == 0 || Int.random(in: 0..<4, using: &rng) == 0 {
                let leaf = literal()
                return Int.random(in: 0..<3, using: &rng) == 0 ? .negate(leaf) : leaf
            }
            switch Int.random(in: 0..<20, using: &rng) {
            case 0..<2: return .negate(expression(depth: depth - 1))
            case 2..<4:
                // Keep bases small so powers stay a few hundred digits.
                return .power(expression(depth: min(depth - 1, 1)), Int.random(in: -4...6, using: &rng))
            default:
                let op = ["+", "-", "*", "/", "//", "%", "+", "-", "*", "/"].randomElement(using: &rng)!
                return .binary(op, expression(depth: depth - 1), expression(depth: depth - 1))
            }
        }

        mutating func root() -> Expression {
            switch Int.random(in: 0..<10, using: &rng) {
            case 0:
                let op = ["==", "!=", "<", "<=", ">", ">="].randomElement(using: &rng)!
                return .compare(op, expression(depth: 3), expression(depth: 3))
            case 1: return .toFloat(expression(depth: 3))
            default: return expression(depth: Int.random(in: 1...4, using: &rng))
            }
        }
    }

    // MARK: - Running

    /// The value of `source` as Pivot displays it, or `error: MESSAGE`.
    func pivotResult(_ vm: Interpreter, _ source: String) -> (String, Value?) {
        let result = vm.run(SourceFile(name: "<oracle>", text: source))
        if let first = result.diagnostics.first {
            // The oracle knows one error; Pivot's messages add what divided by zero.
            let message = first.message.hasPrefix("division by zero") ? "division by zero" : first.message
            return ("error: " + message, nil)
        }
        guard let value = result.value else { return ("<no value>", nil) }
        if case .float(let d) = value { return ("float:\(d)", value) }
        return (value.display(), value)
    }

    /// The number tower's invariants: `bigint` never holds a value that
    /// fits in Int, `rational` never holds an integer.
    func invariantViolation(_ value: Value) -> String? {
        switch value {
        case .bigint:
            if Int(value.display()) != nil { return "bigint holds \(value.display()), which fits in Int" }
        case .rational(let q):
            if q.isInteger { return "rational holds the integer \(q)" }
        default: break
        }
        return nil
    }

    func testExactArithmeticAgreesWithPythonFractions() throws {
        var generator = Generator(rng: SplitMix64(seed: 0x5EED_0001))
        var spellingRNG = SplitMix64(seed: 99)
        var roots: [Expression] = []
        for _ in 0..<3000 { roots.append(generator.root()) }
        let sources = roots.map { $0.pivot(0, &spellingRNG) }
        let expected = try PythonOracle.run("eval", roots.map(\.json))
        guard expected.count == roots.count else { return }

        let vm = Interpreter()
        vm.output = { _ in }
        var mismatches: [String] = []
        var floatOnlyMismatches: [String] = []
        var errors = 0
        for (i, source) in sources.enumerated() {
            let (got, value) = pivotResult(vm, source)
            if got.hasPrefix("error:") { errors += 1 }
            if let value, let problem = invariantViolation(value) { mismatches.append("\(source)\n    \(problem)") }
            if same(got, expected[i]) { continue }
            let line = "\(source)\n    Pivot: \(got)\n    Python: \(expected[i])"
            if case .toFloat(let inner) = roots[i], conversionExplains(vm, inner, got) {
                floatOnlyMismatches.append(line)
            } else {
                mismatches.append(line)
            }
        }
        print("NumberOracleTests: \(sources.count) expressions, \(errors) ended in an error, "
              + "\(mismatches.count) mismatches, \(floatOnlyMismatches.count) float-conversion mismatches")
        XCTAssertEqual(mismatches.count, 0, "mismatches with the oracle:\n" + mismatches.prefix(20).joined(separator: "\n"))
        try knownBug("exact-to-float conversion (Rational.doubleValue, see EngineTests) is wrong for "
                     + "\(floatOnlyMismatches.count) expressions, e.g. \(floatOnlyMismatches.first ?? "")",
                     if: !floatOnlyMismatches.isEmpty)
    }

    /// Two displayed results agree; floats compare by bits (Swift and Python
    /// spell some floats differently, e.g. 1e+16).
    func same(_ pivot: String, _ python: String) -> Bool {
        if pivot.hasPrefix("float:") && python.hasPrefix("float:") {
            guard let a = Double(pivot.dropFirst(6)), let b = Double(python.dropFirst(6)) else { return false }
            return a.bitPattern == b.bitPattern
        }
        return pivot == python
    }

    /// A float result differs from the oracle only because converting the
    /// (correct) exact value to a float is wrong: Pivot's float is exactly
    /// Rational.doubleValue of its exact value, which Engine's tests check.
    func conversionExplains(_ vm: Interpreter, _ inner: Expression, _ got: String) -> Bool {
        var rng = SplitMix64(seed: 1)
        let result = vm.run(SourceFile(name: "<oracle>", text: inner.pivot(0, &rng)))
        guard let value = result.value, case .exact(let q) = Arithmetic.number(value) else { return false }
        return got == "float:\(q.doubleValue)"
    }

    // MARK: - Hand-picked cases at the Int64 limits

    func testOverflowPromotesAndResultsShrinkBack() {
        let vm = Interpreter()
        let cases: [(String, String)] = [
            ("9223372036854775807 + 1", "9223372036854775808"),
            ("-9223372036854775807 - 2", "-9223372036854775809"),
            ("-(-9223372036854775808)", "9223372036854775808"),
            ("-9223372036854775808 // -1", "9223372036854775808"),
            ("-9223372036854775808 % -1", "0"),
            ("-9223372036854775808 * -1", "9223372036854775808"),
            ("9223372036854775807 * 9223372036854775807", "85070591730234615847396907784232501249"),
            ("3037000500 * 3037000500", "9223372037000250000"),
            ("(9223372036854775807 + 1) - 1", "9223372036854775807"),
            ("2^63 - 2^63", "0"),
            ("2^64 // 2^2", "4611686018427387904"),
            ("(2^64 + 2) / 2^1", "9223372036854775809"),
            ("(2^64) / (2^65)", "1/2"),
            ("-7 % 3", "2"), ("7 % -3", "-2"), ("-7 // 2", "-4"), ("7 // -2", "-4"),
            ("(-7/2) % 2", "1/2"), ("(7/2) // (-1/3)", "-11"),
            ("4/2", "2"), ("1/2 + 1/2", "1"), ("(-2)^-3", "-1/8"), ("(2/3)^-2", "9/4"), ("0^0", "1"),
            ("2^3^2", "512"), ("-2^2", "-4"), ("(-2)^2", "4"),
            ("1/3 < 1/2", "true"), ("2^64 == 18446744073709551616", "true"), ("4/2 == 2", "true"),
        ]
        for (source, expected) in cases {
            let (got, value) = pivotResult(vm, source)
            XCTAssertEqual(got, expected, source)
            if let value { XCTAssertNil(invariantViolation(value), source) }
        }
        for source in ["1/0", "1 // 0", "1 % 0", "0^-1", "(1/2) % 0", "(2^70) / (1 - 1)"] {
            XCTAssertEqual(pivotResult(vm, source).0, "error: division by zero", source)
        }
    }

    /// Exact values mixed with floats become the nearest float (the
    /// language-level view of the Rational.doubleValue bugs in EngineTests).
    func testExactValuesBecomeTheNearestFloat() throws {
        let vm = Interpreter()
        let tiny = pivotResult(vm, "1 / 10^305 * 1.0").0
        let nearTie = pivotResult(vm, "((2^53 + 1) + 1/32769) * 1.0").0
        XCTAssertEqual(pivotResult(vm, "1/3 + 0.0").0, "float:\(1.0 / 3.0)")
        XCTAssertEqual(pivotResult(vm, "10^400 * 1.0").0, "float:inf")
        XCTAssertEqual(pivotResult(vm, "-(10^400) / 3 + 0.5").0, "float:-inf")
        XCTAssertEqual(tiny, "float:\(1e-305)")
        XCTAssertEqual(nearTie, "float:\(9007199254740994.0)")
    }

    /// `x ^ n` for an exponent that does not fit in Int must be a language
    /// error (or an exact answer for bases 0, 1, -1), never a trap. The
    /// exponent -2^63 fits in Int but its magnitude does not: checked in a
    /// subprocess, because a trap would kill the test runner.
    func testPowerWithTheMostNegativeExponentDoesNotTrap() throws {
        guard let pivot = FuzzTests.pivotBinary else { throw XCTSkip("the pivot binary was not found next to the tests") }
        let outcome = try FuzzTests.runSubprocess(pivot, program: "2 ^ -9223372036854775808", timeout: 20)
        try knownBug("\"2 ^ -9223372036854775808\" (and \"2^-(2^63)\") crashes: Arithmetic.power does "
                     + "Int(e.magnitude) with e == Int.min (\"Not enough bits to represent the passed value\")",
                     if: outcome.crashed)
        XCTAssertEqual(outcome.status, 70, outcome.stderr)
        XCTAssertFalse(outcome.crashed)
    }
}

