import BigInt
import Engine

extension Value {
    /// The text `print` and `str` produce: strings as they are, everything
    /// else as the REPL shows it.
    public var text: String {
        if case .string(let s) = self { return s }
        return display()
    }

    /// The text the REPL shows: strings quoted with escapes, numbers exactly
    /// (`1/3`), floats in the shortest form that reads back the same.
    public func display() -> String {
        var out = ""
        write(to: &out, depth: 0)
        return out
    }

    /// A short form for error messages (long values are cut).
    var shortDisplay: String {
        let full = display()
        if full.count <= 40 { return full }
        return String(full.prefix(37)) + "..."
    }

    /// Beyond this nesting a value prints as `[...]`, so printing never
    /// exhausts the stack.
    static let maxDisplayDepth = 5000

    func write(to out: inout String, depth: Int) {
        switch self {
        case .nil: out += "nil"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .bigint(let b): out += b.description
        case .rational(let q): out += q.description
        case .float(let d): out += Value.formatFloat(d)
        case .string(let s): Value.quote(s, into: &out)
        case .list(let items):
            if depth > Value.maxDisplayDepth { out += "[...]"; return }
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += ", " }
                item.write(to: &out, depth: depth + 1)
            }
            out += "]"
        case .record(let r):
            if depth > Value.maxDisplayDepth { out += "{...}"; return }
            if r.fields.isEmpty { out += "{}"; return }
            out += "{"
            var first = true
            for (key, value) in r.fields {
                if !first { out += ", " }
                first = false
                if Value.isPlainName(key) { out += key } else { Value.quote(key, into: &out) }
                out += ": "
                value.write(to: &out, depth: depth + 1)
            }
            out += "}"
        case .range(let lo, let hi): out += "\(lo)..\(hi)"
        // At top level the aligned, multi-line form; inside lists and records one line.
        case .matrix(let m): out += depth == 0 ? m.formatted() : m.inlineText
        case .function(let c):
            let name = c.proto.name.isEmpty ? "" : " " + c.proto.name
            out += "<fn\(name)(\(c.proto.parameterNames.joined(separator: ", ")))>"
        case .builtin(let b): out += "<builtin \(b.name)>"
        case .object(let o): out += o.display()
        case .cell(let c): c.value.write(to: &out, depth: depth)
        }
    }

    /// Floats as Python's repr shows them (see `formatFloat` in Engine).
    public static func formatFloat(_ d: Double) -> String { Engine.formatFloat(d) }

    static func isPlainName(_ s: String) -> Bool {
        guard let first = s.utf8.first, first == UInt8(ascii: "_") || (first | 0x20 >= 97 && first | 0x20 <= 122) else {
            return false
        }
        return s.utf8.allSatisfy { c in
            c == UInt8(ascii: "_") || (c >= 48 && c <= 57) || (c | 0x20 >= 97 && c | 0x20 <= 122)
        } && !keywordsForDisplay.contains(s)
    }

    static let keywordsForDisplay: Set<String> = [
        "let", "var", "fn", "if", "else", "while", "for", "in", "break", "continue",
        "return", "and", "or", "not", "nil", "true", "false",
    ]

    /// A string literal that reads back as the same string.
    static func quote(_ s: String, into out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case "\0": out += "\\0"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += "\\u{" + String(scalar.value, radix: 16) + "}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}

