import Engine
import Foundation
import Lang

public let pivotVersion = "0.1.0"

/// What the command line does, kept out of the thin `pivot` target so tests
/// can drive it. Each entry returns the process exit code.
public enum Driver {
    public static let exitOK: Int32 = 0
    public static let exitUsage: Int32 = 64
    public static let exitSyntax: Int32 = 65
    public static let exitRuntime: Int32 = 70

    /// The interpreter of a finished script is kept, not torn down: the
    /// process is about to exit, and releasing a huge (or very deeply
    /// nested) heap value by value would only cost time and stack.
    nonisolated(unsafe) static var finished: [Interpreter] = []

    /// The exit code for a failed run: 65 for syntax and resolve errors, 70 for runtime ones.
    static func exitCode(for diagnostics: [Diagnostic]) -> Int32 {
        diagnostics.contains { $0.kind == .runtime } ? exitRuntime : exitSyntax
    }

    static func report(_ diagnostics: [Diagnostic]) {
        for d in diagnostics { writeError(d.render() + "\n") }
    }

    public static func writeError(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// `pivot run FILE`
    public static func runFile(_ path: String) -> Int32 {
        // "-" is standard input; devices and pipes (/dev/stdin) are read as streams.
        // (readToEnd throws where readDataToEndOfFile would trap, e.g. on a directory.)
        let contents = path == "-" ? (try? FileHandle.standardInput.readToEnd()) ?? Data()
            : FileManager.default.contents(atPath: path)
                ?? FileHandle(forReadingAtPath: path).flatMap { try? $0.readToEnd() ?? Data() }
        guard let data = contents else {
            writeError("pivot: cannot read '\(path)': \(fileProblem(path))\n")
            return exitUsage
        }
        guard let text = String(data: data, encoding: .utf8) else {
            writeError("pivot: '\(path)' is not UTF-8 text\n")
            return exitUsage
        }
        return runOnLargeStack {
            installInterruptHandler()
            let vm = Interpreter()
            finished.append(vm)
            if let warning = vm.loadStandardLibrary() { writeError(warning) }
            let result = vm.run(SourceFile(name: path == "-" ? "<stdin>" : path, text: text))
            if !result.succeeded {
                report(result.diagnostics)
                return exitCode(for: result.diagnostics)
            }
            return exitOK
        }
    }

    /// `pivot -e CODE`: runs the code and prints the last expression's value.
    public static func evaluate(_ code: String) -> Int32 {
        runOnLargeStack {
            installInterruptHandler()
            let vm = Interpreter()
            finished.append(vm)
            if let warning = vm.loadStandardLibrary() { writeError(warning) }
            let result = vm.run(SourceFile(name: "<eval>", text: code))
            if !result.succeeded {
                report(result.diagnostics)
                return exitCode(for: result.diagnostics)
            }
            if let value = result.value, !value.isNil {
                vm.output(value.display() + "\n")
            }
            return exitOK
        }
    }

    static func fileProblem(_ path: String) -> String {
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) { return "no such file" }
        if isDirectory.boolValue { return "it is a directory" }
        return "permission denied"
    }

    /// Ctrl-C sets a flag the evaluator polls; it never interrupts Swift code midway.
    public static func installInterruptHandler() {
        signal(SIGINT) { _ in recordInterrupt() }
        // A parent may have started us with SIGINT blocked; Ctrl-C must work.
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    /// `pivot builtins [NAME] [--markdown]`
    public static func builtins(_ name: String?, markdown: Bool) -> Int32 {
        let vm = Interpreter()
        if markdown {
            vm.output(vm.builtinReferenceMarkdown())
            return exitOK
        }
        guard let name else {
            let width = vm.builtinSummaries.map(\.name.count).max() ?? 0
            for (name, summary) in vm.builtinSummaries {
                vm.output(name.padding(toLength: width + 2, withPad: " ", startingAt: 0) + summary + "\n")
            }
            return exitOK
        }
        guard let text = vm.help(for: name) else {
            var message = "pivot: no builtin named '\(name)'"
            if let guess = closestName(to: name, in: vm.builtinSummaries.map(\.name)) {
                message += "; did you mean '\(guess)'?"
            }
            writeError(message + "\n")
            return exitUsage
        }
        vm.output(text + "\n")
        return exitOK
    }

    /// The REPL; implemented in Repl.swift.
    public static func repl() -> Int32 {
        runOnLargeStack {
            installInterruptHandler()
            let repl = Repl()
            // The session's plots live until the session ends; :save kept the ones wanted.
            defer { repl.transcript.plots.removeDirectory() }
            return repl.run()
        }
    }
}
