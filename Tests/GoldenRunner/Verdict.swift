/// Compares one run of `pivot run FILE` with what the file expects, and
/// says in one line each what differs.
struct Verdict {
    let path: String
    let expectations: Expectations
    let outcome: RunOutcome
    /// Show all of stderr, not just its first lines, when it matters.
    let verbose: Bool

    private(set) var failures: [String] = []
    /// Whether stderr should be shown to make sense of the failures.
    private var showStderr = false

    init(path: String, expectations: Expectations, outcome: RunOutcome, verbose: Bool) {
        self.path = path
        self.expectations = expectations
        self.outcome = outcome
        self.verbose = verbose
        check()
    }

    var passed: Bool { failures.isEmpty }

    /// The failures followed by whatever output helps explain them.
    var report: [String] {
        var lines = failures
        if showStderr || verbose { lines += excerpt("stderr", outcome.stderr) }
        if verbose { lines += excerpt("stdout", outcome.stdout) }
        return lines
    }

    private mutating func check() {
        guard expectations.problems.isEmpty else {
            failures = expectations.problems.map { "bad test: \($0)" }
            return
        }
        switch outcome.ending {
        case .failedToStart(let reason):
            failures.append("could not start pivot: \(reason)")
            return
        case .timedOut:
            failures.append("timed out after \(Int(outcome.seconds)) s (killed)")
            showStderr = true
        case .signalled(let signal):
            failures.append("crashed with \(signalName(signal)) (expected exit code \(expectations.exitCode))")
            showStderr = true
        case .exited(let code):
            if code != expectations.exitCode {
                failures.append("expected exit code \(expectations.exitCode), got \(code)")
                showStderr = true
            }
        }
        checkStdout()
        checkStderr()
    }

    // MARK: stdout

    private mutating func checkStdout() {
        var actual = outcome.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        if actual.last == "" { actual.removeLast() }
        let expected = expectations.output
        for (index, line) in expected.enumerated() {
            guard index < actual.count else {
                failures.append("line \(line.sourceLine): missing output '\(clip(line.text))'"
                    + (index + 1 < expected.count ? " (and \(expected.count - index - 1) more)" : ""))
                return
            }
            if !line.matches(actual[index]) {
                failures.append("line \(line.sourceLine): expected output '\(clip(line.text))', got '\(clip(actual[index]))'")
                // After the first difference the rest is usually noise.
                return
            }
        }
        if actual.count > expected.count {
            let extra = actual.count - expected.count
            failures.append("unexpected output '\(clip(actual[expected.count]))'"
                + (extra > 1 ? " (and \(extra - 1) more lines)" : ""))
        }
    }

    // MARK: stderr

    /// `FILE:LINE:COL: error: MESSAGE` lines, the first line of each error.
    private var errorLines: [ErrorLine] {
        outcome.stderr.split(separator: "\n").compactMap { ErrorLine(parsing: $0) }
    }

    private mutating func checkStderr() {
        let stderrLines = outcome.stderr.split(separator: "\n")
        for fragment in expectations.stderrFragments
        where !stderrLines.contains(where: { $0.contains(fragment.text) }) {
            failures.append("line \(fragment.sourceLine): no stderr line contains '\(fragment.text)'")
            showStderr = true
        }

        if !expectations.compileErrors.isEmpty {
            checkCompileErrors()
        } else if let runtimeError = expectations.runtimeError {
            if !errorLines.contains(where: { matches($0, runtimeError) }) {
                failures.append("line \(runtimeError.sourceLine): missing runtime error "
                    + "'\(path):\(runtimeError.sourceLine):COL: error: \(runtimeError.message)'")
                showStderr = true
            }
        } else if expectations.expectsCleanStderr && !outcome.stderr.isEmpty {
            failures.append("unexpected stderr output")
            showStderr = true
        }
    }

    /// Every expected syntax error must be reported, and no others.
    private mutating func checkCompileErrors() {
        var unmatched = errorLines
        for expected in expectations.compileErrors {
            if let index = unmatched.firstIndex(where: { matches($0, expected) }) {
                unmatched.remove(at: index)
            } else {
                failures.append("line \(expected.sourceLine): missing error "
                    + "'\(path):\(expected.sourceLine):COL: error: \(expected.message)'")
                showStderr = true
            }
        }
        for error in unmatched {
            failures.append("unexpected error '\(clip(error.text))'")
        }
    }

    private func matches(_ actual: ErrorLine, _ expected: Expectations.ErrorLine) -> Bool {
        actual.file == path && actual.line == expected.sourceLine && actual.message == expected.message
    }

    private func excerpt(_ name: String, _ text: String) -> [String] {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last == "" { lines.removeLast() }
        guard !lines.isEmpty else { return ["  (\(name) empty)"] }
        let limit = verbose ? lines.count : 12
        var shown = ["  \(name):"] + lines.prefix(limit).map { "  | \(verbose ? String($0) : clip($0))" }
        if lines.count > limit { shown.append("  | ... (\(lines.count - limit) more lines; --verbose shows all)") }
        return shown
    }
}

/// A line cut to a readable length: a runaway output line can be megabytes.
func clip<Text: StringProtocol>(_ text: Text, limit: Int = 160) -> String {
    guard text.count > limit else { return String(text) }
    return "\(text.prefix(limit))... (\(text.count - limit) more characters)"
}

/// The first line of a diagnostic: `FILE:LINE:COL: error: MESSAGE`.
struct ErrorLine {
    let file: Substring
    let line: Int
    let column: Int
    let message: Substring
    let text: Substring

    /// Nil for anything else, including the indented source and caret lines
    /// and trace lines that follow an error.
    init?(parsing text: Substring) {
        var text = text
        if text.hasSuffix("\r") { text = text.dropLast() }
        guard let first = text.first, !first.isWhitespace,
              let separator = text.range(of: ": error: ")
        else { return nil }
        // The location is "FILE:LINE:COL"; FILE may itself contain ':'.
        let location = text[..<separator.lowerBound]
        let parts = location.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count >= 3,
              let line = Int(parts[parts.count - 2]),
              let column = Int(parts[parts.count - 1])
        else { return nil }
        self.file = location.dropLast(parts[parts.count - 1].count + parts[parts.count - 2].count + 2)
        self.line = line
        self.column = column
        self.message = text[separator.upperBound...]
        self.text = text
    }
}
