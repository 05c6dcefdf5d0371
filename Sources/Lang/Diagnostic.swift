/// A problem found in a program, with where it is. Errors are data; `render`
/// is the one place they become text.
public struct Diagnostic: Error, CustomStringConvertible, @unchecked Sendable {
    public enum Kind: Sendable {
        /// The text does not parse (exit code 65).
        case syntax
        /// The text parses but names something undefined, assigns a `let`, ... (exit code 65).
        case resolve
        /// The program failed while running (exit code 70).
        case runtime
    }

    public let kind: Kind
    public let message: String
    public let location: SourceLocation?
    /// The parser ran out of input before the construct ended: the REPL
    /// reads another line instead of reporting this.
    public let atEndOfInput: Bool
    /// Extra lines printed after the caret (a call trace, a hint).
    public var notes: [String]

    public init(_ kind: Kind, _ message: String, at location: SourceLocation?,
                atEndOfInput: Bool = false, notes: [String] = []) {
        self.kind = kind
        self.message = message
        self.location = location
        self.atEndOfInput = atEndOfInput
        self.notes = notes
    }

    /// `FILE:LINE:COL: error: MESSAGE`, the source line, a caret under the
    /// column, then any notes.
    public func render() -> String {
        guard let loc = location else { return "error: \(message)" + notes.map { "\n" + $0 }.joined() }
        var out = "\(loc): error: \(message)"
        // Columns count characters (as the lexer does).
        let line = Array(loc.file.lineText(loc.line)).map { $0 == "\t" ? " " : $0 }
        if !line.isEmpty {
            // Show at most 100 characters of a long line, around the column.
            let column = max(0, loc.column - 1)
            let start = column > 80 ? column - 60 : 0
            let end = min(line.count, start + 100)
            let prefix = start > 0 ? "..." : ""
            let suffix = end < line.count ? "..." : ""
            out += "\n    " + prefix + String(line[start..<max(start, end)]) + suffix
            out += "\n    " + String(repeating: " ", count: prefix.count + column - start) + "^"
        }
        for note in notes { out += "\n" + note }
        return out
    }

    public var description: String { render() }
}
