/// A named piece of source text: a script, a `-e` argument, a REPL entry.
public final class SourceFile: @unchecked Sendable {
    /// The name errors show: a path, `<eval>` or `<repl>`.
    public let name: String
    public let text: String
    /// The text as UTF-8 bytes, which the lexer walks.
    public let bytes: [UInt8]
    /// Added to every line number: a REPL entry or a notebook cell that
    /// starts partway down a longer file reports its real lines.
    public let firstLine: Int

    public init(name: String, text: String, firstLine: Int = 1) {
        self.name = name
        self.text = text
        self.bytes = Array(text.utf8)
        self.firstLine = firstLine
    }

    /// The text of line `line` (as numbered in locations), without its newline.
    public func lineText(_ line: Int) -> String {
        var current = firstLine
        var start = 0
        var i = 0
        while i < bytes.count, current < line {
            if bytes[i] == UInt8(ascii: "\n") { current += 1; start = i + 1 }
            i += 1
        }
        guard current == line else { return "" }
        var end = start
        while end < bytes.count, bytes[end] != UInt8(ascii: "\n") { end += 1 }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }
}

/// A place in a source file. Lines and columns count from 1; columns count
/// characters (grapheme clusters), not bytes, so carets line up under
/// non-ASCII text.
public struct SourceLocation: CustomStringConvertible, @unchecked Sendable {
    public let file: SourceFile
    public let line: Int
    public let column: Int
    /// Byte offset into `file.bytes`.
    public let offset: Int

    public init(file: SourceFile, line: Int, column: Int, offset: Int) {
        self.file = file
        self.line = line
        self.column = column
        self.offset = offset
    }

    /// `FILE:LINE:COL`
    public var description: String { "\(file.name):\(line):\(column)" }
}
