import Foundation

/// The entries of a session that ran without error, each with what it
/// printed: what `:save` writes. The file is a plain `.pv` script (each
/// entry's code, then its output as `# => ` lines), so it runs as it is.
struct ReplTranscript {
    struct Entry: Equatable {
        var code: String
        var output: String
    }

    private(set) var entries: [Entry] = []

    mutating func record(code: String, output: String) {
        entries.append(Entry(code: code, output: output))
    }

    mutating func clear() { entries.removeAll() }

    /// The session as `.pv` text.
    var text: String {
        var out = ""
        for entry in entries {
            var code = entry.code
            while code.hasSuffix("\n") { code.removeLast() }
            out += code + "\n"
            var lines = entry.output.split(separator: "\n", omittingEmptySubsequences: false)
            if lines.last == "" { lines.removeLast() }
            for line in lines {
                out += line.isEmpty ? "# =>\n" : "# => \(line)\n"
            }
        }
        return out
    }

    /// Writes `text` to `path` atomically: a temporary file beside it, then
    /// rename, so a failed save never leaves half a file.
    func save(to path: String) throws(SaveError) {
        let temporary = path + ".tmp-\(getpid())"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw SaveError(message: "cannot write '\(path)': \(reason(errno))") }
        let bytes = Array(text.utf8)
        var done = 0
        while done < bytes.count {
            let written = bytes[done...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else {
                let message = "cannot write '\(path)': \(reason(errno))"
                close(descriptor)
                unlink(temporary)
                throw SaveError(message: message)
            }
            done += written
        }
        close(descriptor)
        if rename(temporary, path) != 0 {
            let message = "cannot write '\(path)': \(reason(errno))"
            unlink(temporary)
            throw SaveError(message: message)
        }
    }

    struct SaveError: Error {
        let message: String
    }

    private func reason(_ code: Int32) -> String { String(cString: strerror(code)) }
}
