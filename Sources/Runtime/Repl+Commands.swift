import Engine
import Foundation
import Lang

/// The meta-commands: lines that start with ':'.
extension Repl {
    struct Command {
        /// Without the colon.
        let name: String
        /// `FILE`, `[NAME]`, ... as the help shows it.
        let arguments: String
        let summary: String
        /// Whether a prefix (`:q`, `:h`) may stand for it; not for `:reset`,
        /// which throws away every definition.
        let shortens: Bool
        let perform: (Repl, String) -> Void

        var usage: String { arguments.isEmpty ? ":" + name : ":\(name) \(arguments)" }
    }

    /// In the order `:help` lists them; a prefix means the first that fits.
    static let commands: [Command] = [
        Command(name: "help", arguments: "[NAME]",
                summary: "this overview, or help on a builtin, keyword or command",
                shortens: true) { repl, argument in repl.help(argument) },
        Command(name: "quit", arguments: "", summary: "leave (Ctrl-D does too)",
                shortens: true) { repl, _ in repl.quitRequested = true },
        Command(name: "load", arguments: "FILE", summary: "run a .pv file in this session",
                shortens: true) { repl, argument in repl.load(argument) },
        Command(name: "history", arguments: "", summary: "this session's inputs, numbered",
                shortens: true) { repl, _ in repl.showHistory() },
        Command(name: "time", arguments: "EXPR", summary: "evaluate EXPR and show how long it took",
                shortens: true) { repl, argument in repl.time(argument) },
        Command(name: "save", arguments: "FILE",
                summary: "write the successful entries and their output as a notebook (.pv)",
                shortens: true) { repl, argument in repl.save(argument) },
        Command(name: "reset", arguments: "", summary: "start over with a fresh interpreter",
                shortens: false) { repl, _ in repl.reset() },
    ]

    /// The command `name` stands for: its full name, or a prefix of one.
    static func command(named name: String) -> Command? {
        if let exact = commands.first(where: { $0.name == name }) { return exact }
        guard !name.isEmpty else { return nil }
        return commands.first { $0.shortens && $0.name.hasPrefix(name) }
    }

    /// Runs `:name argument`.
    func runCommand(_ line: String) {
        let body = line.dropFirst()
        let name = String(body.prefix { !$0.isWhitespace })
        let argument = body.dropFirst(name.count).trimmingCharacters(in: .whitespaces)
        guard let command = Repl.command(named: name) else {
            var message = "unknown command ':\(name)'"
            if let guess = Repl.suggestion(for: name, in: Repl.commands.map(\.name)) {
                message += "; did you mean ':\(guess)'?"
            }
            commandError(message + " (:help lists the commands)")
            return
        }
        command.perform(self, argument)
    }

    // MARK: - The commands

    /// `:load FILE`: runs a file in this session's global scope.
    func load(_ argument: String) {
        guard !argument.isEmpty else { return commandError("usage: :load FILE") }
        let path = Repl.expandingTilde(argument)
        guard let data = FileManager.default.contents(atPath: path) else {
            return commandError("cannot read '\(argument)': \(Driver.fileProblem(path))")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            return commandError("'\(argument)' is not UTF-8 text")
        }
        interruptRequested.store(false, ordering: .relaxed)
        let result = vm.run(SourceFile(name: argument, text: text))
        if !result.succeeded { return report(result.diagnostics) }
        // A saved session cannot load the file itself; it says it did.
        transcript.record(code: "# :load \(argument)", output: "")
    }

    /// `:history`: the inputs of this session, numbered as entries are named.
    func showHistory() {
        let width = max(3, String(inputs.count).count)
        var out = ""
        for (index, text) in inputs.enumerated() {
            let number = String(index + 1)
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            for (i, line) in lines.enumerated() {
                let label = i == 0 ? String(repeating: " ", count: width - number.count) + number
                                   : String(repeating: " ", count: width)
                out += "\(label)  \(line)\n"
            }
        }
        emit(out)
    }

    /// `:time EXPR`: the value and the wall time the evaluation took.
    func time(_ argument: String) {
        guard !argument.isEmpty else { return commandError("usage: :time EXPR") }
        let file = entryFile(argument, number: inputs.count, firstLine: 1)
        let (program, diagnostics) = Parser.parse(file)
        if !diagnostics.isEmpty { return report(diagnostics) }
        evaluate(program, recording: argument, timed: true)
    }

    /// `:save FILE`: the session as a notebook (a .pv file with a `# %%`
    /// cell per entry), written atomically; `pivot replay FILE --check`
    /// runs it again.
    func save(_ argument: String) {
        guard !argument.isEmpty else { return commandError("usage: :save FILE") }
        do {
            try transcript.save(to: Repl.expandingTilde(argument))
        } catch {
            return commandError(error.message)
        }
        let count = transcript.entries.count
        let plots = transcript.notebook(for: argument).plots.count
        let plotNote = plots == 0 ? "" : " and \(plots) plot\(plots == 1 ? "" : "s")"
        emit("saved \(count) entr\(count == 1 ? "y" : "ies")\(plotNote) to \(argument)\n")
    }

    /// `:reset`: a fresh interpreter; the transcript starts over with it, so
    /// a saved session always replays from a fresh start.
    func reset() {
        vm = Interpreter()
        setUpInterpreter()
        transcript.clear()
        emit("fresh interpreter: every definition is gone\n")
    }

    /// The name `name` is probably a typo of: `closestName`'s pick, or one
    /// with the same letters (it misses swapped letters: `:hlep`, `lne`).
    static func suggestion(for name: String, in names: [String]) -> String? {
        closestName(to: name, in: names) ?? names.first { $0 != name && $0.sorted() == name.sorted() }
    }

    /// `~/x` as a shell reads it: $HOME first (Foundation's expansion looks
    /// only at the password database).
    static func expandingTilde(_ path: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if path == "~" || path.hasPrefix("~/"), let home = ReplHistory.homeDirectory(environment: environment) {
            return home + path.dropFirst()
        }
        return (path as NSString).expandingTildeInPath
    }
}
