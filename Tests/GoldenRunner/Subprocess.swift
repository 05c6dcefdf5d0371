import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// How one run of `pivot` ended, with everything it wrote.
struct RunOutcome {
    enum Ending: Equatable {
        case exited(Int32)
        case signalled(Int32)
        case timedOut
        case failedToStart(String)
    }

    let ending: Ending
    let stdout: String
    let stderr: String
    let seconds: Double
}

/// Runs `executable arguments` with stdin at /dev/null, collects stdout and
/// stderr, and kills it if it runs longer than `timeout` seconds.
func runSubprocess(_ executable: String, _ arguments: [String], timeout: Double) -> RunOutcome {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.standardInput = FileHandle.nullDevice
    var environment = ProcessInfo.processInfo.environment
    environment["NO_COLOR"] = "1"
    process.environment = environment

    let stdoutPipe = Pipe()
    let stderrPipe = Pipe()
    process.standardOutput = stdoutPipe
    process.standardError = stderrPipe
    let exited = DispatchSemaphore(value: 0)
    process.terminationHandler = { _ in exited.signal() }

    let start = Date()
    do {
        try process.run()
    } catch {
        return RunOutcome(ending: .failedToStart("\(error)"), stdout: "", stderr: "", seconds: 0)
    }
    // Read both pipes while the child runs, or a chatty child fills one
    // pipe's buffer and blocks forever.
    let stdoutReader = PipeReader(stdoutPipe.fileHandleForReading)
    let stderrReader = PipeReader(stderrPipe.fileHandleForReading)

    var timedOut = false
    if exited.wait(timeout: .now() + timeout) == .timedOut {
        timedOut = true
        // Foundation on Linux starts the child in its own process group, so
        // signalling the group also reaches anything it started (gnuplot,
        // say); the child itself is signalled in case it has no group.
        let pid = process.processIdentifier
        kill(-pid, SIGTERM)
        kill(pid, SIGTERM)
        if exited.wait(timeout: .now() + 1) == .timedOut {
            kill(-pid, SIGKILL)
            kill(pid, SIGKILL)
            exited.wait()
        }
    }
    let seconds = Date().timeIntervalSince(start)
    // A grandchild that inherited a pipe can keep it open after the child
    // exits; take what arrived by then rather than wait for it.
    let deadline = Date().addingTimeInterval(2)
    let stdout = stdoutReader.text(waitingUntil: deadline)
    let stderr = stderrReader.text(waitingUntil: deadline)

    let ending: RunOutcome.Ending
    if timedOut {
        ending = .timedOut
    } else if process.terminationReason == .uncaughtSignal {
        ending = .signalled(process.terminationStatus)
    } else {
        ending = .exited(process.terminationStatus)
    }
    return RunOutcome(ending: ending, stdout: stdout, stderr: stderr, seconds: seconds)
}

/// Drains a pipe on its own thread until end of file.
private final class PipeReader: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    private let finished = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        let thread = Thread { [self] in
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                lock.lock()
                data.append(chunk)
                lock.unlock()
            }
            finished.signal()
        }
        thread.start()
    }

    func text(waitingUntil deadline: Date) -> String {
        _ = finished.wait(timeout: .now() + max(0, deadline.timeIntervalSinceNow))
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: data, as: UTF8.self)
    }
}

/// "SIGSEGV" for 11, and so on, for the signals a crash usually shows.
func signalName(_ signal: Int32) -> String {
    switch signal {
    case SIGILL: return "SIGILL"
    case SIGTRAP: return "SIGTRAP"
    case SIGABRT: return "SIGABRT"
    case SIGBUS: return "SIGBUS"
    case SIGFPE: return "SIGFPE"
    case SIGKILL: return "SIGKILL"
    case SIGSEGV: return "SIGSEGV"
    case SIGTERM: return "SIGTERM"
    default: return "signal \(signal)"
    }
}
