import Engine
import Foundation

/// Runs gnuplot: the only place that starts it. The script goes through a
/// pipe to its stdin; stdout (text plots, sixels) and stderr (errors) are
/// read whole. gnuplot reading a script from a non-terminal stops at its
/// first error, and a time limit kills it, so a plot never hangs the REPL.
enum Gnuplot {
    enum Failure: Error, Equatable {
        case notFound
        case badOverride(String)
        case cannotStart(String)
        /// gnuplot's own message (its `line N: ...` lines).
        case failed(String)
        case timedOut(Double)
        case interrupted
    }

    /// Seconds a plot may take (PIVOT_PLOT_TIMEOUT overrides).
    nonisolated(unsafe) static var timeLimit: Double = {
        if let text = ProcessInfo.processInfo.environment["PIVOT_PLOT_TIMEOUT"], let t = Double(text), t > 0 { return min(t, 86_400) }
        return 20
    }()

    /// Tests point this at a fake gnuplot (or a missing one) instead of setting PIVOT_GNUPLOT.
    nonisolated(unsafe) static var executableOverride: String?
    /// Tests replace PATH's directories with these.
    nonisolated(unsafe) static var searchPathOverride: [String]?

    /// PIVOT_GNUPLOT when set, else `gnuplot` on PATH.
    static func executable() throws(Failure) -> String {
        let environment = ProcessInfo.processInfo.environment
        if let path = executableOverride ?? environment["PIVOT_GNUPLOT"], !path.isEmpty {
            guard FileManager.default.isExecutableFile(atPath: path) else { throw .badOverride(path) }
            return path
        }
        let directories = searchPathOverride
            ?? (environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":").map(String.init)
        for directory in directories where !directory.isEmpty {
            let candidate = directory + "/gnuplot"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw .notFound
    }

    /// What a failure says to the user, after "plot: ".
    static func message(_ failure: Failure) -> String {
        switch failure {
        case .notFound:
            return "gnuplot was not found; install it with `sudo apt-get install gnuplot-nox` (scripts/setup does), or `brew install gnuplot` on macOS"
        case .badOverride(let path):
            return "PIVOT_GNUPLOT is \(path), which is not an executable file"
        case .cannotStart(let why):
            return "cannot start gnuplot: \(why)"
        case .failed(let text):
            return "gnuplot failed: \(text)"
        case .timedOut(let seconds):
            return "gnuplot did not finish within \(formatFloat(seconds, significantDigits: 3)) s and was stopped"
        case .interrupted:
            return "interrupted"
        }
    }

    /// Runs gnuplot on `script` and returns what it wrote to stdout.
    /// `takeInterrupts`: a Ctrl-C stops the plot and is consumed (a plot the
    /// user asked for); otherwise it is left for the caller to act on (a
    /// redraw during training).
    static func run(_ script: String, takeInterrupts: Bool = true) throws(Failure) -> Data {
        let path = try executable()
        // For bug reports: the last script, as gnuplot got it.
        if let keep = ProcessInfo.processInfo.environment["PIVOT_PLOT_SCRIPT"], !keep.isEmpty {
            try? script.write(toFile: keep, atomically: true, encoding: .utf8)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = []
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        let finished = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in finished.signal() }
        do {
            try process.run()
        } catch {
            throw .cannotStart(error.localizedDescription)
        }

        let output = Collected(), errors = Collected()
        let readers = DispatchGroup()
        for (pipe, box) in [(stdout, output), (stderr, errors)] {
            readers.enter()
            detach {
                box.data = pipe.fileHandleForReading.readDataToEndOfFile()
                // Foundation keeps the Process (and its pipes) alive past this call: close now, or each plot leaks two descriptors.
                try? pipe.fileHandleForReading.close()
                readers.leave()
            }
        }
        // gnuplot reads commands from a pipe one byte per read(2) (7 s for a
        // million points); `load` reads a file buffered, so the script is loaded
        // from /dev/stdin (the same pipe) after a one-line command.
        let bytes = Data(("load '/dev/stdin'\n" + script).utf8)
        let writeEnd = stdin.fileHandleForWriting.fileDescriptor
        detach {
            // A gnuplot that stops early closes the pipe: the write then fails with
            // EPIPE instead of SIGPIPE ending Pivot. The signal is directed at this
            // thread, blocked here, and discarded when the thread ends.
            var pipeSignal = sigset_t()
            sigemptyset(&pipeSignal)
            sigaddset(&pipeSignal, SIGPIPE)
            pthread_sigmask(SIG_BLOCK, &pipeSignal, nil)
            bytes.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
                var offset = 0
                while offset < buffer.count {
                    let n = write(writeEnd, buffer.baseAddress! + offset, buffer.count - offset)
                    if n > 0 { offset += n } else if n < 0 && errno == EINTR { continue } else { break }
                }
            }
            try? stdin.fileHandleForWriting.close()
        }

        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(min(max(timeLimit, 0.001), 86_400) * 1e9)
        var failure: Failure?
        while finished.wait(timeout: .now() + .milliseconds(20)) == .timedOut {
            let interrupted = takeInterrupts ? takeInterruptUnlessDeferred() : interruptRequested.load(ordering: .relaxed)
            if interrupted { failure = .interrupted }
            if DispatchTime.now().uptimeNanoseconds > deadline { failure = .timedOut(timeLimit) }
            if failure != nil {
                stop(process, finished)
                break
            }
        }
        // A child gnuplot left behind holds the pipes open: do not wait for it.
        let read = readers.wait(timeout: .now() + .seconds(failure == nil ? 5 : 1))
        if let failure { throw failure }
        if read == .timedOut { throw .failed("gnuplot ended, but its output did not") }
        let status = process.terminationStatus
        if process.terminationReason == .uncaughtSignal {
            throw .failed("gnuplot was killed by signal \(status)")
        }
        if status != 0 {
            let text = String(decoding: errors.data, as: UTF8.self)
            throw .failed(summary(of: text) ?? "gnuplot exited with status \(status)")
        }
        return output.data
    }

    /// Runs blocking I/O on a thread of its own: on Dispatch's pool, two
    /// blocked readers on a two-core machine starve the writer for a second.
    static func detach(_ body: @escaping @Sendable () -> Void) {
        let thread = Thread(block: body)
        thread.stackSize = 256 << 10
        thread.start()
    }

    /// SIGTERM, then SIGKILL if it is still running half a second later.
    static func stop(_ process: Process, _ finished: DispatchSemaphore) {
        process.terminate()
        if finished.wait(timeout: .now() + .milliseconds(500)) == .timedOut {
            kill(process.processIdentifier, SIGKILL)
            _ = finished.wait(timeout: .now() + .seconds(2))
        }
    }

    /// gnuplot's error lines ("line 12: undefined variable: foo") without the
    /// echoed command and its caret; else its last line.
    static func summary(of stderr: String) -> String? {
        let lines = stderr.split(whereSeparator: \.isNewline)
            .map { line -> String in
                var text = line.trimmingCharacters(in: .whitespaces)
                if text.hasPrefix("\"/dev/stdin\" ") { text.removeFirst(13) }
                return text
            }
            .filter { !$0.isEmpty && $0 != "^" }
        let errors = lines.filter { $0.hasPrefix("line ") || $0.contains("error") }
        let chosen = errors.isEmpty ? Array(lines.suffix(1)) : errors
        guard !chosen.isEmpty else { return nil }
        var text = chosen.joined(separator: "; ")
        if text.count > 500 { text = String(text.prefix(497)) + "..." }
        return text
    }

    /// Bytes one reader thread collects.
    final class Collected: @unchecked Sendable {
        var data = Data()
    }
}
