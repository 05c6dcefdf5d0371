/// What a golden test file says its run must produce, read from the
/// `# expect...` comments in the file (after Crafting Interpreters'
/// `// expect: ...` tests).
///
///     print(1 + 2)               # expect: 3
///     print(undefined_thing)     # expect error: undefined name 'undefined_thing'
///     1 / [1 2]                  # expect runtime error: cannot divide ...
///     # expect exit: 3
///     # expect stderr: warning: something
///     run.train(3)               # expect like: step *: stage 1 -> stage 2, *
struct Expectations {
    /// One expected line of stdout, and the source line that asked for it.
    struct OutputLine {
        let text: String
        let sourceLine: Int
        /// `expect like:` — each `*` in text stands for any run of characters
        /// (for lines with numbers that differ across machines).
        var isPattern = false

        func matches(_ line: Substring) -> Bool {
            guard isPattern else { return line == text }
            let pieces = text.split(separator: "*", omittingEmptySubsequences: false)
            guard let first = pieces.first, let last = pieces.last, line.hasPrefix(first) else { return false }
            var rest = line.dropFirst(first.count)
            for piece in pieces.dropFirst().dropLast() where !piece.isEmpty {
                guard let range = rest.range(of: piece) else { return false }
                rest = rest[range.upperBound...]
            }
            return pieces.count == 1 ? rest.isEmpty : rest.count >= last.count && rest.hasSuffix(last)
        }
    }

    /// An expected `FILE:LINE:COL: error: MESSAGE` line (any COL).
    struct ErrorLine {
        let message: String
        let sourceLine: Int
    }

    var output: [OutputLine] = []
    /// Syntax or resolve errors (exit 65); a file may expect several.
    var compileErrors: [ErrorLine] = []
    /// At most one runtime error (exit 70).
    var runtimeError: ErrorLine?
    /// Text that some stderr line must contain.
    var stderrFragments: [OutputLine] = []
    var exitCodeOverride: Int32?
    /// Mistakes in the test file itself; a file with any fails without running.
    var problems: [String] = []

    var exitCode: Int32 {
        if let exitCodeOverride { return exitCodeOverride }
        if !compileErrors.isEmpty { return 65 }
        if runtimeError != nil { return 70 }
        return 0
    }

    /// Whether stderr must be empty: the file expects no error, no stderr
    /// text and a zero exit code.
    var expectsCleanStderr: Bool {
        compileErrors.isEmpty && runtimeError == nil && stderrFragments.isEmpty
            && exitCode == 0
    }
}

extension Expectations {
    private static let marker = "# expect"

    /// Reads the expectations from a test file's source text.
    init(source: String) {
        self.init()
        // Split on "\n" only: a "\r\n" file keeps its "\r", dropped below.
        let lines = source.split(separator: "\n", omittingEmptySubsequences: false)
        for (index, rawLine) in lines.enumerated() {
            var line = Substring(rawLine)
            if line.hasSuffix("\r") { line = line.dropLast() }
            guard let markerRange = line.range(of: Self.marker) else { continue }
            read(line[markerRange.upperBound...], sourceLine: index + 1)
        }
        if runtimeError != nil && !compileErrors.isEmpty {
            problems.append("expects both a syntax error and a runtime error")
        }
    }

    /// Reads what follows `# expect` on one line.
    private mutating func read(_ rest: Substring, sourceLine: Int) {
        if let text = rest.dropPrefix(":") {
            output.append(OutputLine(text: String(text.dropPrefix(" ") ?? text), sourceLine: sourceLine))
        } else if let text = rest.dropPrefix(" like:") {
            output.append(OutputLine(text: String(text.dropPrefix(" ") ?? text), sourceLine: sourceLine, isPattern: true))
        } else if let message = rest.dropPrefix(" error: ") {
            compileErrors.append(ErrorLine(message: String(message), sourceLine: sourceLine))
        } else if let message = rest.dropPrefix(" runtime error: ") {
            if let earlier = runtimeError {
                problems.append("line \(sourceLine): a second runtime error "
                    + "(line \(earlier.sourceLine) already expects one; a run stops at the first)")
            } else {
                runtimeError = ErrorLine(message: String(message), sourceLine: sourceLine)
            }
        } else if let text = rest.dropPrefix(" stderr: ") {
            stderrFragments.append(OutputLine(text: String(text), sourceLine: sourceLine))
        } else if let code = rest.dropPrefix(" exit:") {
            if let value = Int32(code.trimmingSpaces) {
                exitCodeOverride = value
            } else {
                problems.append("line \(sourceLine): '# expect exit:' needs an integer, got '\(code.trimmingSpaces)'")
            }
        } else if let kind = rest.misspelledKind {
            // "# expect eror: ..." would otherwise be silently ignored.
            problems.append("line \(sourceLine): unknown expectation '# expect\(kind):' "
                + "(known: '# expect:', 'expect like:', 'expect error:', 'expect runtime error:', "
                + "'expect exit:', 'expect stderr:')")
        }
        // Anything else ("# expected to be slow") is prose, not an expectation.
    }
}

extension Substring {
    /// The rest after `prefix`, or nil if the text does not start with it.
    func dropPrefix(_ prefix: String) -> Substring? {
        hasPrefix(prefix) ? dropFirst(prefix.count) : nil
    }

    var trimmingSpaces: Substring {
        var text = self
        while text.first == " " || text.first == "\t" { text = text.dropFirst() }
        while text.last == " " || text.last == "\t" { text = text.dropLast() }
        return text
    }

    /// For text after `# expect` shaped like ` some words:` (an expectation
    /// of a kind this runner does not know, or a typo), the ` some words` part.
    var misspelledKind: Substring? {
        guard first == " ", let colon = firstIndex(of: ":") else { return nil }
        let kind = self[..<colon]
        let isWords = kind.allSatisfy { $0 == " " || ($0.isASCII && $0.isLetter) }
        return isWords && kind.count <= 24 ? kind : nil
    }
}
