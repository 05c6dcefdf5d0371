import BigInt
import Engine
import Foundation

extension Builtins {
    /// print, len, type, str, num.
    static func core() -> [Builtin] {
        [
            Builtin("print", [.variadic("values"), .optional("sep", .string(" ")), .optional("end", .string("\n"))],
                    help: """
                    Writes values to standard output, separated by `sep` and followed by `end`.

                    Strings print without quotes; other values as the REPL shows them.
                      print("x =", 1/3)        # x = 1/3
                      print(1, 2, sep: ", ")   # 1, 2
                    """) { args throws(Unwind) in
                let values = try args.list(0)
                let sep = try args.string(1), end = try args.string(2)
                args.vm.output(values.map(\.text).joined(separator: sep) + end)
                return .nil
            },
            Builtin("len", [.required("x")],
                    help: """
                    The number of elements of a list, characters of a string, fields of a record, or integers in a range.

                      len([1, 2, 3])   # 3
                      len("héllo")     # 5
                      len(1..10)       # 10
                    """) { args throws(Unwind) in
                switch args[0] {
                case .list(let items): return .int(items.count)
                case .string(let s): return .int(s.count)
                case .record(let r): return .int(r.fields.count)
                case .range(let lo, let hi):
                    if hi < lo { return .int(0) }
                    let (d, overflow) = hi.subtractingReportingOverflow(lo)
                    return overflow || d == .max ? Value(BigInt(hi) - BigInt(lo) + 1) : .int(d + 1)
                default: throw args.mismatch(0, "a list, string, record or range")
                }
            },
            Builtin("type", [.required("x")],
                    help: """
                    The type of a value as a string: nil, bool, int, rational, float, string, list, record, range, function, ...

                      type(1/2)    # "rational"
                      type(0.5)    # "float"
                    """) { args throws(Unwind) in
                .string(args[0].typeName)
            },
            Builtin("str", [.required("x")],
                    help: """
                    A value as a string: strings unchanged, everything else as the REPL shows it.

                      str(1/3)       # "1/3"
                      str([1, "a"])  # "[1, \\"a\\"]"
                    """) { args throws(Unwind) in
                .string(args[0].text)
            },
            Builtin("num", [.required("x")],
                    help: """
                    A number from a string or a number: integers and fractions exactly, decimals as floats.

                      num("42")      # 42
                      num("-3/4")    # -3/4
                      num("2.5e-3")  # 0.0025
                    Returns nil when the string is not a number.
                    """) { args throws(Unwind) in
                switch args[0] {
                case .int, .bigint, .rational, .float: return args[0]
                case .string(let s): return parseNumber(s) ?? .nil
                case .bool(let b): return .int(b ? 1 : 0)
                default: throw args.mismatch(0, "a string or number")
                }
            },
        ]
    }
}

/// Parses an integer (any size), a fraction `p/q` or a decimal; nil otherwise.
func parseNumber(_ text: String) -> Value? {
    let s = text.trimmingCharacters(in: .whitespaces)
    guard !s.isEmpty, s.utf8.count < 100_000 else { return nil }
    if let slash = s.firstIndex(of: "/") {
        guard let p = BigInt(String(s[..<slash]).trimmingCharacters(in: .whitespaces)),
              let q = BigInt(String(s[s.index(after: slash)...]).trimmingCharacters(in: .whitespaces)),
              let r = try? Rational(p, q) else { return nil }
        return Value(r)
    }
    let digits = s.hasPrefix("+") ? String(s.dropFirst()) : s
    if digits.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || $0 == UInt8(ascii: "-") }),
       let b = BigInt(digits) {
        return Value(b)
    }
    let lowered = s.lowercased()
    if ["inf", "+inf", "infinity"].contains(lowered) { return .float(.infinity) }
    if ["-inf", "-infinity"].contains(lowered) { return .float(-.infinity) }
    if lowered == "nan" { return .float(.nan) }
    // Only plain decimal syntax: Double("0x1p3") would accept hex floats.
    guard s.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || $0 == 46 || $0 == 43 || $0 == 45 || $0 == 101 || $0 == 69 }) else {
        return nil
    }
    return Double(s).map { .float($0) }
}
