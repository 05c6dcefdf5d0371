/// A completion as UTF-8 bytes, read by offset. Every parser in this folder
/// works on these bytes: no `String.Index` arithmetic in loops, and no access
/// that can trap — `self[i]` outside the text is 0, which matches nothing.
struct ByteText {
    let bytes: [UInt8]

    init(_ text: String) {
        bytes = Array(text.utf8)
    }

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    var count: Int { bytes.count }

    @inline(__always)
    subscript(_ i: Int) -> UInt8 {
        i >= 0 && i < bytes.count ? bytes[i] : 0
    }

    /// Whether `literal` (ASCII) starts at offset `i`.
    func hasPrefix(_ literal: StaticString, at i: Int) -> Bool {
        let n = literal.utf8CodeUnitCount
        guard i >= 0, i + n <= bytes.count else { return false }
        let p = literal.utf8Start
        for k in 0..<n where bytes[i + k] != p[k] { return false }
        return true
    }

    /// Whether the bytes `needle` start at offset `i`.
    func hasBytes(_ needle: [UInt8], at i: Int) -> Bool {
        guard i >= 0, i + needle.count <= bytes.count else { return false }
        for k in 0..<needle.count where bytes[i + k] != needle[k] { return false }
        return true
    }

    /// The text of `range`, invalid UTF-8 repaired.
    func string(_ range: Range<Int>) -> String {
        let lower = max(0, min(range.lowerBound, bytes.count))
        let upper = max(lower, min(range.upperBound, bytes.count))
        return String(decoding: bytes[lower..<upper], as: UTF8.self)
    }

    /// `range` without ASCII whitespace at either end.
    func trimmed(_ range: Range<Int>) -> Range<Int> {
        var lower = range.lowerBound, upper = range.upperBound
        while lower < upper && isSpace(self[lower]) { lower += 1 }
        while upper > lower && isSpace(self[upper - 1]) { upper -= 1 }
        return lower..<upper
    }

    /// Line and column of byte offset `i` (one pass over the text before it;
    /// called only to report an error).
    func position(_ i: Int) -> TextPosition {
        var line = 1, column = 1
        var k = 0
        let end = max(0, min(i, bytes.count))
        while k < end {
            let b = bytes[k]
            if b == UInt8(ascii: "\n") { line += 1; column = 1 } else if b & 0xC0 != 0x80 { column += 1 }
            k += 1
        }
        return TextPosition(line: line, column: column)
    }

    /// The Unicode scalar starting at offset `i` and its length in bytes;
    /// U+FFFD for a malformed sequence (length 1, so scanning moves on).
    func scalar(at i: Int) -> (Unicode.Scalar, Int) {
        let b0 = self[i]
        if b0 < 0x80 { return (Unicode.Scalar(b0), 1) }
        let length: Int
        var value: UInt32
        switch b0 {
        case 0xC2...0xDF: length = 2; value = UInt32(b0 & 0x1F)
        case 0xE0...0xEF: length = 3; value = UInt32(b0 & 0x0F)
        case 0xF0...0xF4: length = 4; value = UInt32(b0 & 0x07)
        default: return ("\u{FFFD}", 1)
        }
        for k in 1..<length {
            let b = self[i + k]
            guard b & 0xC0 == 0x80 else { return ("\u{FFFD}", 1) }
            value = value << 6 | UInt32(b & 0x3F)
        }
        guard let scalar = Unicode.Scalar(value) else { return ("\u{FFFD}", 1) }
        return (scalar, length)
    }

    /// Whether the Unicode minus sign U+2212 (E2 88 92), which models write
    /// for '-', starts at offset `i`.
    @inline(__always)
    func isUnicodeMinus(at i: Int) -> Bool {
        self[i] == 0xE2 && self[i + 1] == 0x88 && self[i + 2] == 0x92
    }

    /// The error for whatever starts at offset `i` and cannot be there: a
    /// non-ASCII character by name, an ASCII word whole, else one character.
    func unexpected(at i: Int) -> CompletionParseError {
        if i >= count { return .unexpected("end of text", at: position(i)) }
        let b = self[i]
        if b >= 0x80 || (b < 0x20 && !isSpace(b)) || b == 0x7F { return .unexpectedCharacter(scalar(at: i).0, at: position(i)) }
        if isLetter(b) {
            var end = i
            while end < count && end - i < 40 && (isLetter(self[end]) || isDigit(self[end])) { end += 1 }
            return .unexpected(string(i..<end), at: position(i))
        }
        return .unexpected(string(i..<(i + 1)), at: position(i))
    }
}

@inline(__always) func isSpace(_ b: UInt8) -> Bool { b == 0x20 || (b >= 0x09 && b <= 0x0D) }
@inline(__always) func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
@inline(__always) func isLetter(_ b: UInt8) -> Bool { (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A }
