import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// The built `pivot` in a pseudo-terminal, as a person uses it: cells typed
/// at the line editor (one spanning several lines), `:save`, `:quit`; then
/// `pivot replay --check` on the saved notebook passes, and fails once an
/// output in it is tampered with.
final class ReplPtyTests: XCTestCase {
    /// A `pivot` process whose standard input, output and error are a pseudo-terminal.
    final class Terminal {
        let pid: pid_t
        let master: Int32
        /// Everything the terminal showed, escape codes included.
        private(set) var screen: [UInt8] = []
        /// Where the next `wait` starts looking.
        private var mark = 0

        init(_ executable: String, _ arguments: [String] = [], environment: [String: String]) throws {
            var master: Int32 = -1, slave: Int32 = -1
            var size = winsize(ws_row: 40, ws_col: 120, ws_xpixel: 0, ws_ypixel: 0)
            guard openpty(&master, &slave, nil, nil, &size) == 0 else {
                throw XCTSkip("no pseudo-terminal: \(String(cString: strerror(errno)))")
            }
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            for fd: Int32 in 0...2 { posix_spawn_file_actions_adddup2(&actions, slave, fd) }
            posix_spawn_file_actions_addclose(&actions, slave)
            posix_spawn_file_actions_addclose(&actions, master)
            var attributes = posix_spawnattr_t()
            posix_spawnattr_init(&attributes)
            defer { posix_spawnattr_destroy(&attributes) }
            // A session of its own (as a shell would start it), default
            // signal handling and nothing blocked whatever the test runner has.
            var none = sigset_t(), defaults = sigset_t()
            sigemptyset(&none)
            sigemptyset(&defaults)
            sigaddset(&defaults, SIGINT)
            sigaddset(&defaults, SIGPIPE)
            posix_spawnattr_setsigmask(&attributes, &none)
            posix_spawnattr_setsigdefault(&attributes, &defaults)
            posix_spawnattr_setflags(&attributes, Int16(0x80 /* POSIX_SPAWN_SETSID */ | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
            let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
            let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
            defer { for p in argv + envp { free(p) } }
            var child: pid_t = 0
            let status = posix_spawn(&child, executable, &actions, &attributes, argv, envp)
            close(slave)
            guard status == 0 else {
                close(master)
                throw XCTSkip("cannot start \(executable): \(String(cString: strerror(status)))")
            }
            pid = child
            self.master = master
        }

        deinit {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            close(master)
        }

        /// Types `text` (a "\r" is the Enter key).
        func type(_ text: String) {
            let bytes = Array(text.utf8)
            var done = 0
            while done < bytes.count {
                let n = bytes[done...].withUnsafeBytes { Glibc.write(master, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { return }
                done += n
            }
        }

        /// Reads what the terminal shows until `needle` appears after the
        /// mark (then moves the mark past it); false after `timeout` seconds.
        @discardableResult
        func wait(for needle: String, timeout: Double = 30) -> Bool {
            let target = Array(needle.utf8)
            let deadline = Date().addingTimeInterval(timeout)
            while true {
                if let range = find(target, from: mark) {
                    mark = range
                    return true
                }
                let left = deadline.timeIntervalSinceNow
                guard left > 0 else { return false }
                var poller = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
                guard poll(&poller, 1, Int32(min(left, 0.2) * 1000)) >= 0 || errno == EINTR else { return false }
                if poller.revents & Int16(POLLIN | POLLHUP) != 0 {
                    var buffer = [UInt8](repeating: 0, count: 4096)
                    let n = read(master, &buffer, buffer.count)
                    if n > 0 { screen += buffer[..<n] } else if n <= 0 && errno != EINTR && errno != EAGAIN {
                        // The child is gone and its output read.
                        return find(target, from: mark) != nil
                    }
                }
            }
        }

        private func find(_ target: [UInt8], from start: Int) -> Int? {
            guard target.count <= screen.count else { return nil }
            var i = start
            while i + target.count <= screen.count {
                if screen[i] == target[0] && Array(screen[i..<i + target.count]) == target { return i + target.count }
                i += 1
            }
            return nil
        }

        /// The exit status once the process ends, nil after `timeout` seconds.
        func exitStatus(timeout: Double = 30) -> Int32? {
            let deadline = Date().addingTimeInterval(timeout)
            var status: Int32 = 0
            while Date() < deadline {
                // Keep reading so the child never blocks on a full terminal.
                _ = wait(for: "\u{0}never", timeout: 0.1)
                if waitpid(pid, &status, WNOHANG) == pid {
                    return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
                }
            }
            return nil
        }

        var text: String { String(decoding: screen, as: UTF8.self) }
    }

    /// Runs `pivot ARGS`; exit status and standard output.
    func run(_ pivot: String, _ arguments: [String]) throws -> (status: Int32, out: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: pivot)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    func testTypedCellsAreSavedAndReplayClean() throws {
        guard let pivot = FuzzTests.pivotBinary else {
            throw XCTSkip("the pivot binary was not found next to the test bundle (set PIVOT=path to run this)")
        }
        let directory = NSTemporaryDirectory() + "pivot-pty-\(getpid())-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory + "/home", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let environment = [
            "HOME": directory + "/home", "XDG_STATE_HOME": directory + "/state", "TERM": "xterm",
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
        ]
        let terminal = try Terminal(pivot, environment: environment)
        func expect(_ needle: String, _ what: String, file: StaticString = #filePath, line: UInt = #line) -> Bool {
            if terminal.wait(for: needle) { return true }
            XCTFail("\(what): '\(needle)' never showed; the terminal:\n\(terminal.text)", file: file, line: line)
            return false
        }
        guard expect("pivot> ", "the first prompt") else { return }
        terminal.type("let A = [2 1; 1 1]\r")
        guard expect("pivot> ", "the prompt after a let") else { return }
        terminal.type("inv(A) * 1000\r")
        guard expect("2000 ]", "an exact matrix value") else { return }
        terminal.type("fn sq(x) {\r")
        guard expect("   ... ", "the continuation prompt") else { return }
        terminal.type("x * x\r")
        guard expect("   ... ", "the continuation prompt") else { return }
        terminal.type("}\r")
        guard expect("pivot> ", "the prompt after a function") else { return }
        terminal.type("sq(0.5) + 1000\r")
        guard expect("1000.25", "a float value") else { return }
        terminal.type("print(\"hello\", \"notebook\")\r")
        guard expect("hello notebook\r\n", "printed text") else { return }
        terminal.type("[1][7]\r")
        guard expect("out of range", "an error, which is not saved") else { return }
        let notebook = directory + "/typed.pv"
        terminal.type(":save \(notebook)\r")
        guard expect("saved 5 entries to \(notebook)", ":save") else { return }
        terminal.type(":quit\r")
        XCTAssertEqual(terminal.exitStatus(), 0, terminal.text)

        let saved = try String(contentsOfFile: notebook, encoding: .utf8)
        XCTAssertEqual(saved, """
            # %%
            let A = [2 1; 1 1]

            # %%
            inv(A) * 1000
            # => [  1000  -1000
            # =>   -1000   2000 ]

            # %%
            fn sq(x) {
            x * x
            }

            # %%
            sq(0.5) + 1000
            # => 1000.25

            # %%
            print("hello", "notebook")
            # => hello notebook

            """)
        let check = try run(pivot, ["replay", notebook, "--check"])
        XCTAssertEqual(check.status, 0, check.out)
        XCTAssertTrue(check.out.hasPrefix("\(notebook): 5 cells match"), check.out)

        try saved.replacingOccurrences(of: "# => 1000.25", with: "# => 1000.5")
            .write(toFile: notebook, atomically: true, encoding: .utf8)
        let tampered = try run(pivot, ["replay", notebook, "--check"])
        XCTAssertEqual(tampered.status, 1)
        XCTAssertTrue(tampered.out.contains("  - 1000.5\n  + 1000.25\n"), tampered.out)
    }

    /// `pivot replay --update` at a terminal records what it would record
    /// in CI: plot's text drawing (shown only at a terminal) stays out.
    func testReplayAtATerminalRecordsNoTerminalDrawing() throws {
        guard let pivot = FuzzTests.pivotBinary else {
            throw XCTSkip("the pivot binary was not found next to the test bundle (set PIVOT=path to run this)")
        }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        guard path.split(separator: ":").contains(where: { FileManager.default.isExecutableFile(atPath: "\($0)/gnuplot") }) else {
            throw XCTSkip("gnuplot is not installed")
        }
        let directory = NSTemporaryDirectory() + "pivot-pty-\(getpid())-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "# %% a curve\nplot([1, 4, 9, 16])\nprint(\"drawn\")\n".write(toFile: directory + "/curve.pv", atomically: true, encoding: .utf8)
        let terminal = try Terminal(pivot, ["replay", directory + "/curve.pv", "--update"],
                                    environment: ["HOME": directory, "TERM": "xterm", "PATH": path])
        XCTAssertEqual(terminal.exitStatus(), 0, terminal.text)
        XCTAssertTrue(terminal.text.contains("curve.pv: updated the output of 1 of 1 cells"), terminal.text)
        XCTAssertEqual(try String(contentsOfFile: directory + "/curve.pv", encoding: .utf8),
                       "# %% a curve\nplot([1, 4, 9, 16])\nprint(\"drawn\")\n# => plot: curve.plots/cell-1-1.png\n# => drawn\n")
        XCTAssertTrue(FileManager.default.fileExists(atPath: directory + "/curve.plots/cell-1-1.png"))
    }
}
