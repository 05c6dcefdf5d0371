import Engine
import Foundation
import Lang

/// The interactive loop: read an entry, run it, print its value.
///
/// - Entries. A line that leaves a statement unfinished (an open bracket or
///   brace, a trailing operator, an open `"""` string) continues on the
///   `   ... ` prompt. As in Lua's REPL the text is parsed, and an error at
///   the end of the input means "read another line". One empty line is kept
///   (code pasted with blank lines inside a function still works); two in a
///   row end the entry and show the error saying what is missing. Ctrl-C
///   drops the entry.
/// - Names. Interactive entry N is the file `<repl:N>`, N being the number
///   `:history` shows, its lines counted from 1, so `<repl:3>:2:5` is line 2
///   of entry 3. Piped input is one file, `<stdin>`, numbered as the input.
/// - Values. A bare expression prints its value unless it ends with `;` or
///   is nil; the global `ans` holds the last value printed.
/// - Exit code. 0 after `:quit` or Ctrl-D at a terminal. With piped input,
///   0 when everything succeeded, else the code of the last failure, as
///   `pivot run` gives them: 65 syntax or resolve error, 70 runtime error,
///   64 a failed command (`:load` of a missing file, an unknown command).
final class Repl {
    static let primaryPrompt = "pivot> "
    static let continuationPrompt = "   ... "
    static var banner: String { "Pivot \(pivotVersion) — :help for help, :quit to leave" }

    /// A person is typing: show the banner and prompts, keep history.
    let interactive: Bool
    let input: LineSource
    let history: ReplHistory?
    var vm: Interpreter
    let writeOutput: (String) -> Void
    let writeError: (String) -> Void

    /// Every input so far, code and commands; input N is `inputs[N - 1]`.
    private(set) var inputs: [String] = []
    /// Successful entries and their output, for `:save`.
    var transcript = ReplTranscript()
    /// The exit code of the last failure; nil while everything succeeded.
    private(set) var lastFailure: Int32?
    var quitRequested = false

    /// Lines read so far: piped input's line numbers.
    private var linesRead = 0
    private var lastHistoryLine: String?
    /// What the running entry has printed, for the transcript.
    private var captured: String?
    /// Whether standard output ends with a newline, so a prompt never
    /// starts after `print(x, end: "")`.
    private var atLineStart = true

    enum Entry {
        /// Code, parsed; the diagnostics are syntax errors.
        case code(SourceFile, Program, [Diagnostic])
        /// A line starting with ':'.
        case command(String)
    }

    init(input: LineSource, interactive: Bool, history: ReplHistory? = nil,
         output: @escaping (String) -> Void, error: @escaping (String) -> Void) {
        self.input = input
        self.interactive = interactive
        self.history = history
        self.writeOutput = output
        self.writeError = error
        self.vm = Interpreter()
        setUpInterpreter()
    }

    /// The REPL on the process's standard input and output: line editing,
    /// completion and history when standard input is a terminal; plain
    /// lines, no prompts and no escape codes otherwise.
    convenience init() {
        let output: (String) -> Void = { FileHandle.standardOutput.write(Data($0.utf8)) }
        let error: (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }
        guard isatty(STDIN_FILENO) != 0 else {
            self.init(input: StandardInputLines(), interactive: false, output: output, error: error)
            return
        }
        let history = ReplHistory(path: ReplHistory.defaultPath(), warn: error)
        let editor = LineEditor(programName: "pivot") { _, _ in .none }
        self.init(input: editor, interactive: true, history: history, output: output, error: error)
        editor.completer = { [unowned self] line, wordStart in self.complete(line, wordStart: wordStart) }
        for line in history.open() { editor.addHistory(line) }
    }

    /// Makes `vm` print (and keep plots) through the REPL and defines `ans`.
    func setUpInterpreter() {
        vm.output = { [unowned self] text in self.emit(text) }
        vm.plotRecorder = transcript.plots.recorder { [unowned self] text in self.emit(text) }
        if let warning = vm.loadStandardLibrary() { writeError(warning) }
        vm.defineGlobal("ans", .nil, mutable: true)
    }

    /// Reads and runs entries until `:quit` or the end of input; returns the exit code.
    func run() -> Int32 {
        if interactive { writeOutput(Repl.banner + "\n") }
        while !quitRequested, let entry = readEntry() {
            perform(entry)
        }
        // Ctrl-D leaves the cursor after the prompt.
        if interactive && !quitRequested { writeOutput("\n") }
        return interactive ? Driver.exitOK : (lastFailure ?? Driver.exitOK)
    }

    // MARK: - Reading

    /// The next entry: a command, or as many lines as make a statement.
    /// nil at the end of input.
    func readEntry() -> Entry? {
        var lines: [String] = []
        var firstLine = 1
        var emptyLines = 0
        while true {
            finishLine()
            let prompt = lines.isEmpty ? Repl.primaryPrompt : Repl.continuationPrompt
            switch input.readLine(prompt: prompt) {
            case .endOfInput:
                if lines.isEmpty { return nil }
                if interactive { writeOutput("\n") }
                // Ended inside an entry: its error says what is missing.
                return parse(lines, firstLine: firstLine)
            case .interrupted:
                lines.removeAll()
                emptyLines = 0
            case .line(let line):
                linesRead += 1
                remember(line)
                let empty = line.allSatisfy(\.isWhitespace)
                if lines.isEmpty {
                    if empty { continue }
                    let trimmed = line.trimmingCharacters(in: .whitespaces)
                    if trimmed.hasPrefix(":") { return .command(trimmed) }
                    firstLine = linesRead
                }
                lines.append(line)
                emptyLines = empty ? emptyLines + 1 : 0
                let entry = parse(lines, firstLine: firstLine)
                if case .code(_, _, let diagnostics) = entry, let first = diagnostics.first, first.atEndOfInput,
                   emptyLines < 2 || Repl.isOpenString(first) {
                    continue
                }
                return entry
            }
        }
    }

    func parse(_ lines: [String], firstLine: Int) -> Entry {
        let file = entryFile(lines.joined(separator: "\n"), number: inputs.count + 1, firstLine: firstLine)
        let (program, diagnostics) = Parser.parse(file)
        return .code(file, program, diagnostics)
    }

    /// The source file of input `number`: `<repl:N>` at a terminal, lines
    /// of `<stdin>` otherwise.
    func entryFile(_ text: String, number: Int, firstLine: Int) -> SourceFile {
        interactive ? SourceFile(name: "<repl:\(number)>", text: text)
                    : SourceFile(name: "<stdin>", text: text, firstLine: firstLine)
    }

    /// Empty lines inside a `"""` string are text, not a request to stop.
    static func isOpenString(_ diagnostic: Diagnostic) -> Bool {
        diagnostic.message.hasPrefix("unterminated string")
    }

    /// Adds a typed line to the editor's history and the history file.
    private func remember(_ line: String) {
        guard interactive, !line.allSatisfy(\.isWhitespace), line != lastHistoryLine else { return }
        lastHistoryLine = line
        input.addHistory(line)
        history?.append(line)
    }

    // MARK: - Running

    func perform(_ entry: Entry) {
        switch entry {
        case .command(let line):
            inputs.append(line)
            runCommand(line)
        case .code(let file, let program, let diagnostics):
            inputs.append(file.text)
            if !diagnostics.isEmpty {
                report(diagnostics)
                return
            }
            evaluate(program, recording: file.text)
        }
    }

    /// Runs a parsed entry, prints its value and sets `ans`; records the
    /// entry for `:save` when it succeeds and `recording` is its code.
    /// With `timed`, prints the wall time the run took after the value.
    @discardableResult
    func evaluate(_ program: Program, recording code: String?, timed: Bool = false) -> Bool {
        captured = ""
        interruptRequested.store(false, ordering: .relaxed)
        let clock = ContinuousClock()
        let start = clock.now
        let result = vm.run(program)
        let elapsed = clock.now - start
        guard result.succeeded else {
            captured = nil
            report(result.diagnostics)
            return false
        }
        if let value = result.value, !value.isNil {
            emit(value.display() + "\n")
            vm.defineGlobal("ans", value, mutable: true)
        }
        let output = captured ?? ""
        captured = nil
        if timed { emit("time: \(Repl.format(elapsed))\n") }
        if let code { transcript.record(code: code, output: output) }
        return true
    }

    /// `1.23 s`, `45.6 ms`, `789 µs`: three significant digits.
    static func format(_ duration: Duration) -> String {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
        func digits(_ x: Double) -> String {
            x >= 100 ? String(format: "%.0f", x) : x >= 10 ? String(format: "%.1f", x) : String(format: "%.2f", x)
        }
        if seconds >= 1 { return digits(seconds) + " s" }
        if seconds >= 1e-3 { return digits(seconds * 1e3) + " ms" }
        return digits(seconds * 1e6) + " µs"
    }

    // MARK: - Output

    /// Writes to standard output (and the running entry's record).
    func emit(_ text: String) {
        guard !text.isEmpty else { return }
        writeOutput(text)
        captured? += text
        atLineStart = text.hasSuffix("\n")
    }

    /// At a terminal, ends a line left open by `print(x, end: "")` so that
    /// prompts and errors start in the first column.
    func finishLine() {
        if interactive && !atLineStart { emit("\n") }
    }

    /// Prints diagnostics to stderr and remembers the failure's exit code.
    func report(_ diagnostics: [Diagnostic]) {
        finishLine()
        // The terminal echoed Ctrl-C as "^C" where the cursor was.
        if interactive, diagnostics.first?.message == "interrupted" { writeError("\n") }
        for diagnostic in diagnostics { writeError(diagnostic.render() + "\n") }
        lastFailure = Driver.exitCode(for: diagnostics)
    }

    /// An error of the REPL itself (a bad command, an unreadable file).
    func commandError(_ message: String) {
        finishLine()
        writeError("error: \(message)\n")
        lastFailure = Driver.exitUsage
    }
}
