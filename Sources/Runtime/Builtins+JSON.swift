import BigInt
import Engine
import OrderedCollections

/// A native object that has a JSON form (a matrix as its rows, a task as its
/// settings...). `json(x)` encodes the value this returns.
public protocol JSONConvertible: NativeObject {
    func jsonValue() throws(Unwind) -> Value
}

extension Builtins {
    /// json, parse_json.
    static func json() -> [Builtin] {
        [
            Builtin("json", [.required("x"), .optional("indent")],
                    help: """
                    A value as JSON text: compact on one line, or pretty-printed with `indent:` spaces.

                    Records become objects (fields in order), lists and ranges
                    arrays, integers of any size JSON integers (every digit), floats
                    numbers, and exact fractions strings "p/q" (JSON has no exact
                    fractions). nan and inf are an error, as are functions: JSON has
                    neither, and a silent null would hide a bug.
                      json({a: 1, b: [1/2, 0.5, "x"]})   # "{\\"a\\":1,\\"b\\":[\\"1/2\\",0.5,\\"x\\"]}"
                      json(2^70)                         # "1180591620717411303424"
                      print(json({a: [1]}, indent: 2))   # multi-line, Python style
                    """) { args throws(Unwind) in
                var indent: Int?
                if !args.isNil(1) {
                    let n = try args.int(1)
                    guard (0...64).contains(n) else { throw args.fail("indent must be between 0 and 64, got \(n)") }
                    indent = n
                }
                var writer = JSONWriter(indent: indent)
                do throws(JSONWriter.Failure) {
                    try writer.write(args[0], depth: 0)
                } catch {
                    switch error {
                    case .unwind(let unwind): throw unwind
                    case .unencodable(let message, let path):
                        let at = path.isEmpty ? "" : " at \(path.reversed().joined())"
                        throw args.fail(message + at)
                    }
                }
                return .string(writer.out)
            },
            Builtin("parse_json", [.required("text")],
                    help: """
                    The value a JSON text describes: objects become records, arrays lists, integers exact ints (any size), other numbers floats.

                    Errors give the line and column and what was expected. Nesting
                    deeper than 10000 levels is refused. Strings "p/q" stay strings;
                    use num(s) to read them back as fractions.
                      parse_json("{\\"a\\": [1, 2.5, null]}")   # {a: [1, 2.5, nil]}
                      parse_json("123456789012345678901234567890")   # an exact int
                      parse_json("[1,]")   # error: expected a JSON value, found ']' at 1:4
                    """) { args throws(Unwind) in
                let text = try args.string(0)
                do throws(JSONSyntaxError) {
                    return try JSONParser.parse(text)
                } catch {
                    throw args.fail(error.description)
                }
            },
        ]
    }
}

// MARK: - Writing

/// Writes values as JSON text. Errors carry the path to the culprit, built
/// up as the error unwinds so that encoding pays nothing for it.
struct JSONWriter {
    enum Failure: Error {
        case unencodable(String, path: [String])
        case unwind(Unwind)
    }

    static let maxDepth = 10_000

    let indent: Int?
    var out = ""

    init(indent: Int?) { self.indent = indent }

    mutating func write(_ v: Value, depth: Int) throws(Failure) {
        switch v {
        case .nil: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .bigint(let b): out += b.description
        case .rational(let q): out += "\"\(q.numerator)/\(q.denominator)\""
        case .float(let d):
            guard d.isFinite else {
                throw .unencodable("cannot encode \(Value.formatFloat(d)) (JSON has no nan or infinity)", path: [])
            }
            out += Value.formatFloat(d)
        case .string(let s): JSONWriter.quote(s, into: &out)
        case .list(let items):
            try writeArray(count: items.count, depth: depth) { (i, w) throws(Failure) in
                try w.write(items[i], depth: depth + 1)
            }
        case .range(let lo, let hi):
            let count = hi < lo ? 0 : hi &- lo &+ 1
            guard count >= 0 && count <= Interpreter.maxSequence else {
                throw .unencodable("range \(lo)..\(hi) is too long to encode", path: [])
            }
            try writeArray(count: count, depth: depth) { (i, w) throws(Failure) in
                w.out += String(lo &+ i)
            }
        case .record(let r):
            try checkDepth(depth)
            if r.fields.isEmpty { out += "{}"; return }
            out += "{"
            var first = true
            for (key, value) in r.fields {
                if !first { out += "," }
                first = false
                try newline(depth + 1)
                JSONWriter.quote(key, into: &out)
                out += indent == nil ? ":" : ": "
                do throws(Failure) {
                    try write(value, depth: depth + 1)
                } catch {
                    throw error.prefixed(Value.isPlainName(key) ? ".\(key)" : "[\(Value.string(key).display())]")
                }
            }
            try newline(depth)
            out += "}"
        case .matrix(let m):
            // A list of rows: exact non-integers as "p/q" strings, as numbers are.
            try write(MatrixValues.toList(m), depth: depth)
        case .object(let o as JSONConvertible):
            let converted: Value
            do throws(Unwind) { converted = try o.jsonValue() } catch { throw .unwind(error) }
            try write(converted, depth: depth)
        case .function, .builtin:
            throw .unencodable("cannot encode a function", path: [])
        case .object(let o):
            throw .unencodable("cannot encode \(article(o.typeName))", path: [])
        case .cell(let c):
            try write(c.value, depth: depth)
        }
    }

    mutating func writeArray(count: Int, depth: Int, _ element: (Int, inout JSONWriter) throws(Failure) -> Void) throws(Failure) {
        try checkDepth(depth)
        if count == 0 { out += "[]"; return }
        out += "["
        for i in 0..<count {
            if i > 0 { out += "," }
            try newline(depth + 1)
            if out.utf8.count > TextSearch.maxStringBytes {
                throw .unencodable("the JSON text would be larger than 1 GiB", path: [])
            }
            do throws(Failure) { try element(i, &self) } catch { throw error.prefixed("[\(i)]") }
        }
        try newline(depth)
        out += "]"
    }

    func checkDepth(_ depth: Int) throws(Failure) {
        if depth >= JSONWriter.maxDepth {
            throw .unencodable("value nested too deeply (more than \(JSONWriter.maxDepth) levels)", path: [])
        }
    }

    mutating func newline(_ depth: Int) throws(Failure) {
        guard let indent else { return }
        out += "\n"
        out += String(repeating: " ", count: indent * depth)
        // Indentation grows with depth, so deep values could explode.
        if out.utf8.count > TextSearch.maxStringBytes {
            throw .unencodable("the JSON text would be larger than 1 GiB", path: [])
        }
    }

    /// A JSON string literal: quotes, backslashes and control characters escaped.
    static func quote(_ s: String, into out: inout String) {
        out += "\""
        var plainStart = s.utf8.startIndex
        var i = plainStart
        let utf8 = s.utf8
        while i != utf8.endIndex {
            let c = utf8[i]
            if c == 0x22 || c == 0x5C || c < 0x20 {
                out += s[plainStart..<i]
                switch c {
                case 0x22: out += "\\\""
                case 0x5C: out += "\\\\"
                case 0x0A: out += "\\n"
                case 0x0D: out += "\\r"
                case 0x09: out += "\\t"
                case 0x08: out += "\\b"
                case 0x0C: out += "\\f"
                default:
                    let hex = String(c, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                }
                plainStart = utf8.index(after: i)
            }
            i = utf8.index(after: i)
        }
        out += s[plainStart...]
        out += "\""
    }
}

extension JSONWriter.Failure {
    /// The same failure one step further from the top value.
    func prefixed(_ step: String) -> JSONWriter.Failure {
        if case .unencodable(let message, let path) = self { return .unencodable(message, path: path + [step]) }
        return self
    }
}

// MARK: - Parsing

/// A JSON error with where it happened.
struct JSONSyntaxError: Error, CustomStringConvertible {
    let message: String
    let line: Int
    let column: Int
    var description: String { "\(message) at \(line):\(column)" }
}

/// A JSON parser over UTF-8 bytes (RFC 8259). It keeps its own stack of
/// open arrays and objects instead of recursing, so nesting depth is limited
/// by `maxDepth` rather than by the thread's stack, and runs in linear time.
struct JSONParser {
    static let maxDepth = 10_000
    /// Longest integer read exactly; BigInt parsing is quadratic beyond.
    static let maxDigits = 100_000

    let bytes: UnsafeBufferPointer<UInt8>
    var pos = 0

    static func parse(_ text: String) throws(JSONSyntaxError) -> Value {
        var text = text
        // withUTF8 rethrows untyped errors, so the result travels as a Result.
        let result = text.withUTF8 { buffer in
            var parser = JSONParser(bytes: buffer)
            return Result { () throws(JSONSyntaxError) -> Value in try parser.document() }
        }
        return try result.get()
    }

    init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    /// One open array or object.
    enum Open {
        case array
        case object
    }

    // document: ws value ws
    mutating func document() throws(JSONSyntaxError) -> Value {
        var open: [Open] = []
        var arrays: [[Value]] = []
        var objects: [OrderedDictionary<String, Value>] = []
        var keys: [String] = []

        skipSpace()
        var value: Value
        parseValue: while true {
            // value: object | array | string | number | true | false | null
            guard pos < bytes.count else { throw error("expected a JSON value") }
            switch bytes[pos] {
            case UInt8(ascii: "["):
                try checkDepth(open.count)
                pos += 1
                skipSpace()
                if peek == UInt8(ascii: "]") {
                    pos += 1
                    value = .list([])
                } else {
                    open.append(.array)
                    arrays.append([])
                    continue parseValue
                }
            case UInt8(ascii: "{"):
                try checkDepth(open.count)
                pos += 1
                skipSpace()
                if peek == UInt8(ascii: "}") {
                    pos += 1
                    value = .record(Record())
                } else {
                    open.append(.object)
                    objects.append([:])
                    keys.append(try key())
                    continue parseValue
                }
            case UInt8(ascii: "\""): value = .string(try string())
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): value = try number()
            case UInt8(ascii: "t"): try literal("true"); value = .bool(true)
            case UInt8(ascii: "f"): try literal("false"); value = .bool(false)
            case UInt8(ascii: "n"): try literal("null"); value = .nil
            default: throw error("expected a JSON value")
            }

            // Put the value into the innermost open container; close
            // containers as their ']' or '}' arrive.
            while let innermost = open.last {
                skipSpace()
                switch innermost {
                case .array:
                    arrays[arrays.count - 1].append(value)
                    if peek == UInt8(ascii: ",") {
                        pos += 1
                        skipSpace()
                        continue parseValue
                    }
                    guard peek == UInt8(ascii: "]") else { throw error("expected ',' or ']' after a list element") }
                    pos += 1
                    open.removeLast()
                    value = .list(arrays.removeLast())
                case .object:
                    objects[objects.count - 1][keys.removeLast()] = value
                    if peek == UInt8(ascii: ",") {
                        pos += 1
                        skipSpace()
                        keys.append(try key())
                        continue parseValue
                    }
                    guard peek == UInt8(ascii: "}") else { throw error("expected ',' or '}' after an object member") }
                    pos += 1
                    open.removeLast()
                    value = .record(Record(objects.removeLast()))
                }
            }
            break
        }
        skipSpace()
        if pos < bytes.count { throw error("unexpected text after the JSON value") }
        return value
    }

    /// Refuses to open one more array or object beyond `maxDepth`.
    func checkDepth(_ depth: Int) throws(JSONSyntaxError) {
        if depth >= JSONParser.maxDepth {
            throw error("json nested too deeply (more than \(JSONParser.maxDepth) levels)", showFound: false)
        }
    }

    /// member: string ws ':' ws (the value follows)
    mutating func key() throws(JSONSyntaxError) -> String {
        guard peek == UInt8(ascii: "\"") else { throw error("expected a string key in an object") }
        let k = try string()
        skipSpace()
        guard peek == UInt8(ascii: ":") else { throw error("expected ':' after an object key") }
        pos += 1
        skipSpace()
        return k
    }

    var peek: UInt8? { pos < bytes.count ? bytes[pos] : nil }

    mutating func skipSpace() {
        while pos < bytes.count {
            let c = bytes[pos]
            guard c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 else { return }
            pos += 1
        }
    }

    mutating func literal(_ word: String) throws(JSONSyntaxError) {
        let count = word.utf8.count
        guard pos + count <= bytes.count, bytes[pos..<(pos + count)].elementsEqual(word.utf8) else {
            throw error("expected a JSON value")
        }
        pos += count
    }

    // string: '"' (char | escape)* '"'
    mutating func string() throws(JSONSyntaxError) -> String {
        let open = pos
        pos += 1
        let start = pos
        // Fast path: no escapes.
        while pos < bytes.count {
            let c = bytes[pos]
            if c == UInt8(ascii: "\"") {
                pos += 1
                return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<(pos - 1)]), as: UTF8.self)
            }
            if c == UInt8(ascii: "\\") { break }
            if c < 0x20 { throw error("control character in a string (escape it as \\u00XX)", showFound: false) }
            pos += 1
        }
        var buffer = Array(UnsafeBufferPointer(rebasing: bytes[start..<pos]))
        while pos < bytes.count {
            let c = bytes[pos]
            if c == UInt8(ascii: "\"") {
                pos += 1
                return String(decoding: buffer, as: UTF8.self)
            }
            if c < 0x20 { throw error("control character in a string (escape it as \\u00XX)", showFound: false) }
            if c != UInt8(ascii: "\\") {
                buffer.append(c)
                pos += 1
                continue
            }
            pos += 1
            guard let e = peek else { break }
            pos += 1
            switch e {
            case UInt8(ascii: "\""): buffer.append(0x22)
            case UInt8(ascii: "\\"): buffer.append(0x5C)
            case UInt8(ascii: "/"): buffer.append(0x2F)
            case UInt8(ascii: "b"): buffer.append(0x08)
            case UInt8(ascii: "f"): buffer.append(0x0C)
            case UInt8(ascii: "n"): buffer.append(0x0A)
            case UInt8(ascii: "r"): buffer.append(0x0D)
            case UInt8(ascii: "t"): buffer.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800..<0xDC00).contains(scalar) {
                    // A high surrogate pairs with a following \uDC00-\uDFFF.
                    if peek == UInt8(ascii: "\\"), pos + 1 < bytes.count, bytes[pos + 1] == UInt8(ascii: "u") {
                        let save = pos
                        pos += 2
                        let low = try hex4()
                        if (0xDC00..<0xE000).contains(low) {
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        } else {
                            pos = save
                        }
                    }
                }
                // Lone surrogates cannot be in a string: they become U+FFFD.
                let s = Unicode.Scalar(scalar) ?? "\u{FFFD}"
                buffer.append(contentsOf: Array(String(Character(s)).utf8))
            default:
                pos -= 1
                throw error("invalid escape in a string")
            }
        }
        pos = open
        throw error("unterminated string", showFound: false)
    }

    mutating func hex4() throws(JSONSyntaxError) -> UInt32 {
        var v: UInt32 = 0
        for _ in 0..<4 {
            guard let c = peek else { throw error("expected 4 hex digits after \\u") }
            let digit: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(c - 48)
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(c - 87)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(c - 55)
            default: throw error("expected 4 hex digits after \\u")
            }
            v = v << 4 | digit
            pos += 1
        }
        return v
    }

    // number: '-'? ('0' | [1-9][0-9]*) ('.' [0-9]+)? ([eE] [+-]? [0-9]+)?
    mutating func number() throws(JSONSyntaxError) -> Value {
        let start = pos
        if peek == UInt8(ascii: "-") { pos += 1 }
        let digitsStart = pos
        guard let first = peek, isDigit(first) else { throw error("expected a digit") }
        if first == UInt8(ascii: "0") {
            pos += 1
            if let c = peek, isDigit(c) { throw error("leading zeros are not allowed in JSON numbers") }
        } else {
            while let c = peek, isDigit(c) { pos += 1 }
        }
        var isFloat = false
        if peek == UInt8(ascii: ".") {
            isFloat = true
            pos += 1
            guard let c = peek, isDigit(c) else { throw error("expected a digit after '.'") }
            while let c = peek, isDigit(c) { pos += 1 }
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            isFloat = true
            pos += 1
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { pos += 1 }
            guard let c = peek, isDigit(c) else { throw error("expected a digit in the exponent") }
            while let c = peek, isDigit(c) { pos += 1 }
        }
        let text = UnsafeBufferPointer(rebasing: bytes[start..<pos])
        if isFloat {
            let d = Double(String(decoding: text, as: UTF8.self)) ?? .nan
            return .float(d)
        }
        let digitCount = pos - digitsStart
        if digitCount <= 18 {
            var v = 0
            for c in bytes[digitsStart..<pos] { v = v &* 10 &+ Int(c &- 48) }
            return .int(start == digitsStart ? v : -v)
        }
        if digitCount > JSONParser.maxDigits {
            pos = start
            throw error("integer with more than \(JSONParser.maxDigits) digits", showFound: false)
        }
        return Value(BigInt(String(decoding: text, as: UTF8.self)) ?? 0)
    }

    func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }

    /// An error at the current position: "MESSAGE, found 'x'" with line and column.
    func error(_ message: String, showFound: Bool = true) -> JSONSyntaxError {
        var line = 1
        var lineStart = 0
        let end = min(pos, bytes.count)
        for i in 0..<end where bytes[i] == 0x0A {
            line += 1
            lineStart = i + 1
        }
        let column = String(decoding: UnsafeBufferPointer(rebasing: bytes[lineStart..<end]), as: UTF8.self).count + 1
        var text = message
        if showFound {
            if pos >= bytes.count {
                text += ", found end of input"
            } else {
                // The whole character at pos, however many bytes it has.
                var next = pos + 1
                while next < bytes.count && bytes[next] & 0xC0 == 0x80 { next += 1 }
                let found = String(decoding: UnsafeBufferPointer(rebasing: bytes[pos..<next]), as: UTF8.self)
                // Shown with escapes (a newline as \n) but in single quotes.
                let shown = found == "\"" ? found : String(Value.string(found).display().dropFirst().dropLast())
                text += ", found '\(shown)'"
            }
        }
        return JSONSyntaxError(message: text, line: line, column: column)
    }
}
