import Foundation

/// The REPL's history file: plain UTF-8 text, one input line per line.
///
/// Each line is appended as it is entered (with O_APPEND), so a crash loses
/// nothing and two sessions at once interleave their lines instead of one
/// overwriting the other. When the file grows past twice `keep` lines it is
/// cut back to the last `keep` at the next start, atomically.
///
/// History is a convenience: when the file cannot be read or written, the
/// REPL says so once on stderr and goes on without it.
final class ReplHistory {
    /// nil when there is nowhere to keep history (no home directory).
    let path: String?
    /// Lines loaded at start and kept after a trim.
    static let keep = 1000

    private var descriptor: Int32 = -1
    private var warned = false
    private let warn: (String) -> Void

    init(path: String?, warn: @escaping (String) -> Void) {
        self.path = path
        self.warn = warn
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }

    /// `$XDG_STATE_HOME/pivot/history`, or `~/.local/state/pivot/history`
    /// (the XDG base directory rules: a relative XDG_STATE_HOME is ignored).
    static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        if let state = environment["XDG_STATE_HOME"], state.hasPrefix("/") {
            return state + "/pivot/history"
        }
        guard let home = homeDirectory(environment: environment) else { return nil }
        return home + "/.local/state/pivot/history"
    }

    /// $HOME, or the password database's home directory when HOME is unset.
    static func homeDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        if let home = environment["HOME"], !home.isEmpty { return home }
        guard let entry = getpwuid(getuid()), let dir = entry.pointee.pw_dir else { return nil }
        return String(cString: dir)
    }

    /// Creates the directory, trims the file when it has grown too long,
    /// opens it for appending and returns its last `keep` lines, oldest first.
    func open() -> [String] {
        guard let path else { return [] }
        let directory = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            problem("cannot create \(directory)")
            return []
        }
        var lines: [String] = []
        if let data = FileManager.default.contents(atPath: path) {
            lines = String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
            if lines.count > 2 * ReplHistory.keep {
                lines = Array(lines.suffix(ReplHistory.keep))
                let text = lines.map { $0 + "\n" }.joined()
                try? Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
            }
        }
        descriptor = Foundation.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        if descriptor < 0 { problem("cannot open \(path): \(String(cString: strerror(errno)))") }
        return Array(lines.suffix(ReplHistory.keep))
    }

    /// Appends one line to the file.
    func append(_ line: String) {
        guard descriptor >= 0 else { return }
        let bytes = Array((line + "\n").utf8)
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        if written != bytes.count {
            problem("cannot write \(path ?? "history"): \(String(cString: strerror(errno)))")
            close(descriptor)
            descriptor = -1
        }
    }

    private func problem(_ message: String) {
        if warned { return }
        warned = true
        warn("pivot: history is not saved: \(message)\n")
    }
}
