/// Turns source text into tokens. Walks UTF-8 bytes; every token carries its
/// location and whether whitespace precedes it. Errors do not stop the lexer:
/// it records a diagnostic, skips the bad text and goes on.
public struct Lexer {
    let file: SourceFile
    let bytes: [UInt8]
    var pos = 0
    var line: Int
    var lineStart = 0
    /// Where the text being lexed starts inside `file` (for interpolations).
    let baseColumn: Int
    public private(set) var diagnostics: [Diagnostic] = []

    public init(file: SourceFile) {
        self.file = file
        self.bytes = file.bytes
        self.line = file.firstLine
        self.baseColumn = 0
    }

    /// Lexes a fragment of `file` (the code of a string interpolation) that
    /// starts at the given place.
    init(file: SourceFile, fragment: String, line: Int, column: Int, offset: Int) {
        self.file = file
        self.bytes = Array(fragment.utf8)
        self.line = line
        self.baseColumn = column - 1
        self.fragmentOffset = offset
    }
    var fragmentOffset = 0

    public mutating func tokenize() -> [Token] {
        var tokens: [Token] = []
        tokens.reserveCapacity(bytes.count / 3 + 1)
        while true {
            let space = skipSpaceAndComments()
            let token = next(spaceBefore: space)
            if case .newline = token.kind, let last = tokens.last {
                // Collapse blank lines; never start with a newline.
                if case .newline = last.kind { continue }
            } else if case .newline = token.kind, tokens.isEmpty {
                continue
            }
            if case .eof = token.kind, let last = tokens.last, case .newline = last.kind {
                // The end of input belongs to the last line, not to the
                // empty line after its newline (which has nothing to show).
                tokens.append(Token(kind: .eof, text: "", location: last.location, spaceBefore: token.spaceBefore))
                break
            }
            tokens.append(token)
            if case .eof = token.kind { break }
        }
        return tokens
    }

    // MARK: - Characters

    func peek(_ ahead: Int = 0) -> UInt8 {
        pos + ahead < bytes.count ? bytes[pos + ahead] : 0
    }

    var atEnd: Bool { pos >= bytes.count }

    /// The last column computed, to count on from it: tokens come in order,
    /// so finding columns stays linear even on a megabyte-long line.
    var columnMemo = (lineStart: -1, offset: 0, column: 1)

    mutating func location(at offset: Int) -> SourceLocation {
        var column = 1
        var i = lineStart
        if columnMemo.lineStart == lineStart && columnMemo.offset <= offset {
            column = columnMemo.column
            i = columnMemo.offset
        }
        // Columns count characters (grapheme clusters), as a reader and
        // the caret under an error do; ASCII needs no decoding.
        let end = min(offset, bytes.count)
        if i < end {
            if bytes[i..<end].allSatisfy({ $0 < 0x80 }) {
                column += end - i
            } else {
                column += String(decoding: bytes[i..<end], as: UTF8.self).count
            }
            i = end
        }
        columnMemo = (lineStart, max(i, lineStart), column)
        // Interpolated code never spans lines, so the shift applies throughout.
        column += baseColumn
        return SourceLocation(file: file, line: line, column: column, offset: fragmentOffset + offset)
    }

    mutating func error(_ message: String, at offset: Int, atEnd: Bool = false) {
        diagnostics.append(Diagnostic(.syntax, message, at: location(at: offset), atEndOfInput: atEnd))
    }

    /// Skips blanks and comments; newlines are tokens. Returns whether anything was skipped.
    mutating func skipSpaceAndComments() -> Bool {
        let start = pos
        while !atEnd {
            let c = bytes[pos]
            if c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") || c == UInt8(ascii: "\r") {
                pos += 1
            } else if c == UInt8(ascii: "#") {
                while !atEnd && bytes[pos] != UInt8(ascii: "\n") { pos += 1 }
            } else if c == UInt8(ascii: "\\") && peek(1) == UInt8(ascii: "\n") {
                // A backslash at the end of a line joins it to the next.
                pos += 2
                line += 1
                lineStart = pos
            } else {
                break
            }
        }
        return pos > start
    }

    // MARK: - Tokens

    mutating func make(_ kind: TokenKind, from start: Int, space: Bool) -> Token {
        Token(kind: kind, text: String(decoding: bytes[start..<pos], as: UTF8.self),
              location: location(at: start), spaceBefore: space)
    }

    mutating func next(spaceBefore space: Bool) -> Token {
        let start = pos
        guard !atEnd else {
            return Token(kind: .eof, text: "", location: location(at: pos), spaceBefore: space)
        }
        let c = bytes[pos]
        pos += 1
        switch c {
        case UInt8(ascii: "\n"):
            let token = make(.newline, from: start, space: space)
            line += 1
            lineStart = pos
            return token
        case UInt8(ascii: "("): return make(.leftParen, from: start, space: space)
        case UInt8(ascii: ")"): return make(.rightParen, from: start, space: space)
        case UInt8(ascii: "["): return make(.leftBracket, from: start, space: space)
        case UInt8(ascii: "]"): return make(.rightBracket, from: start, space: space)
        case UInt8(ascii: "{"): return make(.leftBrace, from: start, space: space)
        case UInt8(ascii: "}"): return make(.rightBrace, from: start, space: space)
        case UInt8(ascii: ","): return make(.comma, from: start, space: space)
        case UInt8(ascii: ";"): return make(.semicolon, from: start, space: space)
        case UInt8(ascii: ":"): return make(.colon, from: start, space: space)
        case UInt8(ascii: "%"): return make(.percent, from: start, space: space)
        case UInt8(ascii: "^"): return make(.caret, from: start, space: space)
        case UInt8(ascii: "+"): return make(match("=") ? .plusEqual : .plus, from: start, space: space)
        case UInt8(ascii: "-"): return make(match("=") ? .minusEqual : .minus, from: start, space: space)
        case UInt8(ascii: "*"): return make(match("=") ? .starEqual : .star, from: start, space: space)
        case UInt8(ascii: "/"):
            if match("/") { return make(.slashSlash, from: start, space: space) }
            return make(match("=") ? .slashEqual : .slash, from: start, space: space)
        case UInt8(ascii: "="):
            if match("=") { return make(.equalEqual, from: start, space: space) }
            if match(">") { return make(.arrow, from: start, space: space) }
            return make(.equal, from: start, space: space)
        case UInt8(ascii: "!"):
            if match("=") { return make(.bangEqual, from: start, space: space) }
            error("unexpected '!'; use 'not' for negation", at: start)
            return next(spaceBefore: skipSpaceAndComments() || space)
        case UInt8(ascii: "<"): return make(match("=") ? .lessEqual : .less, from: start, space: space)
        case UInt8(ascii: ">"): return make(match("=") ? .greaterEqual : .greater, from: start, space: space)
        case UInt8(ascii: "?"): return make(match("?") ? .questionQuestion : .question, from: start, space: space)
        case UInt8(ascii: "."):
            if match(".") {
                return make(match("<") ? .dotDotLess : .dotDot, from: start, space: space)
            }
            if match("*") { return make(.dotStar, from: start, space: space) }
            if match("/") { return make(.dotSlash, from: start, space: space) }
            return make(.dot, from: start, space: space)
        case UInt8(ascii: "\""):
            return string(from: start, space: space, raw: false)
        case UInt8(ascii: "0")...UInt8(ascii: "9"):
            return number(from: start, space: space)
        default:
            if c == UInt8(ascii: "r") && peek() == UInt8(ascii: "\"") {
                pos += 1
                return string(from: start, space: space, raw: true)
            }
            if isIdentifierStart(c) {
                while !atEnd && isIdentifierPart(bytes[pos]) { pos += 1 }
                let text = String(decoding: bytes[start..<pos], as: UTF8.self)
                return Token(kind: keywords[text] ?? .identifier, text: text,
                             location: location(at: start), spaceBefore: space)
            }
            // Skip the whole (possibly multi-byte) character.
            while !atEnd && bytes[pos] & 0xC0 == 0x80 { pos += 1 }
            let shown = String(decoding: bytes[start..<pos], as: UTF8.self)
            if c == UInt8(ascii: "'") {
                error("unexpected \"'\"; strings use double quotes", at: start)
            } else {
                // Invisible or direction-changing characters are named, not printed.
                let visible = shown.unicodeScalars.allSatisfy { scalar in
                    switch scalar.properties.generalCategory {
                    case .control, .format, .spaceSeparator, .lineSeparator, .paragraphSeparator,
                         .privateUse, .unassigned, .surrogate, .nonspacingMark, .enclosingMark:
                        return false
                    default:
                        return true
                    }
                }
                let name = visible ? "'\(shown)'"
                    : shown.unicodeScalars.map { "U+" + String($0.value, radix: 16, uppercase: true) }.joined(separator: " ")
                error("unexpected character \(name)", at: start)
            }
            return next(spaceBefore: skipSpaceAndComments() || space)
        }
    }

    mutating func match(_ ascii: Unicode.Scalar) -> Bool {
        if !atEnd && bytes[pos] == UInt8(ascii: ascii) { pos += 1; return true }
        return false
    }

    func isIdentifierStart(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
            || c == UInt8(ascii: "_")
    }

    func isIdentifierPart(_ c: UInt8) -> Bool {
        isIdentifierStart(c) || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9"))
    }

    // MARK: - Numbers

    /// integer: digits ('_' digits)* | 0x hex | 0b binary;
    /// float: digits '.' digits [exponent] | digits exponent
    mutating func number(from start: Int, space: Bool) -> Token {
        func isDigit(_ c: UInt8, radix: Int) -> Bool {
            switch radix {
            case 2: return c == UInt8(ascii: "0") || c == UInt8(ascii: "1")
            case 16: return (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70)
            default: return c >= 48 && c <= 57
            }
        }
        var radix = 10
        if bytes[start] == UInt8(ascii: "0") && (peek() == UInt8(ascii: "x") || peek() == UInt8(ascii: "b")) {
            radix = peek() == UInt8(ascii: "x") ? 16 : 2
            pos += 1
            let digitsStart = pos
            while !atEnd && (isDigit(bytes[pos], radix: radix) || bytes[pos] == UInt8(ascii: "_")) { pos += 1 }
            if pos == digitsStart {
                error("expected digits after '0\(radix == 16 ? "x" : "b")'", at: start)
            }
            if !atEnd && isIdentifierPart(bytes[pos]) {
                let badStart = pos
                while !atEnd && isIdentifierPart(bytes[pos]) { pos += 1 }
                let suffix = String(decoding: bytes[badStart..<pos], as: UTF8.self)
                error("invalid suffix '\(suffix)' on a number", at: badStart)
            }
            let digits = String(decoding: bytes[digitsStart..<pos].filter { $0 != UInt8(ascii: "_") }, as: UTF8.self)
            return Token(kind: .integer(radix: radix), text: digits.isEmpty ? "0" : digits,
                         location: location(at: start), spaceBefore: space)
        }
        while !atEnd && (isDigit(bytes[pos], radix: 10) || bytes[pos] == UInt8(ascii: "_")) { pos += 1 }
        var isFloat = false
        // A '.' starts a fraction only when a digit follows: `1..5` is a range.
        if peek() == UInt8(ascii: ".") && isDigit(peek(1), radix: 10) {
            isFloat = true
            pos += 1
            while !atEnd && (isDigit(bytes[pos], radix: 10) || bytes[pos] == UInt8(ascii: "_")) { pos += 1 }
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            var ahead = 1
            if peek(1) == UInt8(ascii: "+") || peek(1) == UInt8(ascii: "-") { ahead = 2 }
            if isDigit(peek(ahead), radix: 10) {
                isFloat = true
                pos += ahead
                while !atEnd && isDigit(bytes[pos], radix: 10) { pos += 1 }
            }
        }
        if !atEnd && isIdentifierStart(bytes[pos]) {
            let badStart = pos
            while !atEnd && isIdentifierPart(bytes[pos]) { pos += 1 }
            let suffix = String(decoding: bytes[badStart..<pos], as: UTF8.self)
            error("invalid suffix '\(suffix)' on a number", at: badStart)
        }
        let text = String(decoding: bytes[start..<pos].filter { $0 != UInt8(ascii: "_") }, as: UTF8.self)
        if isFloat {
            return Token(kind: .float(Double(text) ?? .nan), text: text,
                         location: location(at: start), spaceBefore: space)
        }
        return Token(kind: .integer(radix: 10), text: text, location: location(at: start), spaceBefore: space)
    }

    // MARK: - Strings

    /// string: '"' chars '"' | '"""' chars '"""' | 'r"' chars '"'
    /// Escapes: \n \t \r \0 \\ \" \u{HEX}; interpolation \( expr ).
    mutating func string(from start: Int, space: Bool, raw: Bool) -> Token {
        let startLocation = location(at: start)
        var triple = false
        if !raw && peek() == UInt8(ascii: "\"") && peek(1) == UInt8(ascii: "\"") {
            triple = true
            pos += 2
            // A newline right after the opening quotes is not part of the text.
            if peek() == UInt8(ascii: "\n") { pos += 1; line += 1; lineStart = pos }
        }
        var parts: [StringPart] = []
        var buffer: [UInt8] = []
        func flush() {
            if !buffer.isEmpty { parts.append(.text(String(decoding: buffer, as: UTF8.self))); buffer.removeAll() }
        }
        while true {
            if atEnd {
                diagnostics.append(Diagnostic(.syntax, "unterminated string", at: startLocation, atEndOfInput: true))
                break
            }
            let c = bytes[pos]
            if c == UInt8(ascii: "\"") {
                if !triple { pos += 1; break }
                if peek(1) == UInt8(ascii: "\"") && peek(2) == UInt8(ascii: "\"") { pos += 3; break }
                buffer.append(c); pos += 1
                continue
            }
            if c == UInt8(ascii: "\n") {
                if !triple {
                    diagnostics.append(Diagnostic(.syntax, "unterminated string", at: startLocation))
                    break
                }
                buffer.append(c); pos += 1; line += 1; lineStart = pos
                continue
            }
            if c == UInt8(ascii: "\\") && !raw {
                let escapeStart = pos
                pos += 1
                let e = peek()
                pos += 1
                switch e {
                case UInt8(ascii: "n"): buffer.append(10)
                case UInt8(ascii: "t"): buffer.append(9)
                case UInt8(ascii: "r"): buffer.append(13)
                case UInt8(ascii: "0"): buffer.append(0)
                case UInt8(ascii: "\\"): buffer.append(UInt8(ascii: "\\"))
                case UInt8(ascii: "\""): buffer.append(UInt8(ascii: "\""))
                case UInt8(ascii: "u"):
                    if let scalar = unicodeEscape() {
                        buffer.append(contentsOf: Array(String(Character(scalar)).utf8))
                    } else {
                        error("invalid unicode escape; write \\u{1F600}", at: escapeStart)
                    }
                case UInt8(ascii: "("):
                    flush()
                    if let code = interpolation(escapeStart: escapeStart) { parts.append(code) }
                case 0:
                    pos -= 1
                    continue
                case UInt8(ascii: "\n"):
                    // Leave the newline to the loop: it ends a one-line
                    // string (and is counted) or is text in a triple-quoted one.
                    pos -= 1
                    error("a backslash cannot end a line inside a string", at: escapeStart)
                default:
                    pos -= 1
                    while !atEnd && bytes[pos] & 0xC0 == 0x80 { pos += 1 }
                    let shown = String(decoding: bytes[(escapeStart + 1)..<min(pos + 1, bytes.count)], as: UTF8.self)
                    error("invalid escape '\\\(shown)' in string", at: escapeStart)
                    if !atEnd { pos += 1 }
                }
                continue
            }
            buffer.append(c)
            pos += 1
        }
        flush()
        return Token(kind: .string(parts), text: String(decoding: bytes[start..<min(pos, bytes.count)], as: UTF8.self),
                     location: startLocation, spaceBefore: space)
    }

    /// After `\u`: `{HEX}` with 1 to 8 digits naming a valid scalar.
    mutating func unicodeEscape() -> Unicode.Scalar? {
        guard match("{") else { return nil }
        var value: UInt32 = 0
        var count = 0
        while !atEnd, let digit = hexValue(bytes[pos]), count < 8 {
            value = value * 16 + digit
            count += 1
            pos += 1
        }
        guard count > 0, match("}") else { return nil }
        return Unicode.Scalar(value)
    }

    func hexValue(_ c: UInt8) -> UInt32? {
        switch c {
        case 48...57: return UInt32(c - 48)
        case 97...102: return UInt32(c - 87)
        case 65...70: return UInt32(c - 55)
        default: return nil
        }
    }

    /// After `\(`: the code up to the matching ')', skipping nested strings.
    mutating func interpolation(escapeStart: Int) -> StringPart? {
        let codeStart = pos
        let codeLocation = location(at: codeStart)
        var depth = 1
        var inString = false
        while !atEnd {
            let c = bytes[pos]
            if inString {
                if c == UInt8(ascii: "\\") { pos += 2; continue }
                if c == UInt8(ascii: "\"") { inString = false }
                if c == UInt8(ascii: "\n") { break }
            } else if c == UInt8(ascii: "\"") {
                inString = true
            } else if c == UInt8(ascii: "(") {
                depth += 1
            } else if c == UInt8(ascii: ")") {
                depth -= 1
                if depth == 0 { break }
            } else if c == UInt8(ascii: "\n") {
                break
            }
            pos += 1
        }
        guard !atEnd, bytes[pos] == UInt8(ascii: ")") else {
            error("unterminated interpolation '\\(' in string", at: escapeStart, atEnd: atEnd)
            return nil
        }
        let code = String(decoding: bytes[codeStart..<pos], as: UTF8.self)
        pos += 1
        return .code(code, line: codeLocation.line, column: codeLocation.column, offset: codeLocation.offset)
    }
}
