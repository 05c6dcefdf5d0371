import Foundation

/// Reading and writing notebook files and their plots.
enum NotebookFile {
    struct WriteError: Error {
        let message: String
    }

    /// Reads a UTF-8 text file; the error says why not.
    static func read(_ path: String) -> Result<String, WriteError> {
        guard let data = FileManager.default.contents(atPath: path) else {
            return .failure(WriteError(message: "cannot read '\(path)': \(Driver.fileProblem(path))"))
        }
        guard let text = String(data: data, encoding: .utf8) else {
            return .failure(WriteError(message: "'\(path)' is not UTF-8 text"))
        }
        return .success(text)
    }

    /// Writes `bytes` to `path` atomically: a temporary file beside it,
    /// then rename, so a failed write never leaves half a file. A symbolic
    /// link is followed (the file it names is replaced), and an existing
    /// file keeps its permissions.
    static func writeAtomically(_ bytes: [UInt8], to path: String) throws(WriteError) {
        var target = path
        if let resolved = try? FileManager.default.destinationOfSymbolicLink(atPath: path) {
            target = resolved.hasPrefix("/") ? resolved
                : ((path as NSString).deletingLastPathComponent as NSString).appendingPathComponent(resolved)
        }
        var mode: mode_t = 0o644
        var info = stat()
        if stat(target, &info) == 0 { mode = info.st_mode & 0o7777 }
        let temporary = target + ".tmp-\(getpid())"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw WriteError(message: "cannot write '\(path)': \(reason(errno))") }
        fchmod(descriptor, mode)
        var done = 0
        while done < bytes.count {
            let written = bytes[done...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else {
                let message = "cannot write '\(path)': \(reason(errno))"
                close(descriptor)
                unlink(temporary)
                throw WriteError(message: message)
            }
            done += written
        }
        // The data reaches the disk before the name does: a crash leaves the old file or the new one.
        fsync(descriptor)
        close(descriptor)
        if rename(temporary, target) != 0 {
            let message = "cannot write '\(path)': \(reason(errno))"
            unlink(temporary)
            throw WriteError(message: message)
        }
    }

    static func writeAtomically(_ text: String, to path: String) throws(WriteError) {
        try writeAtomically(Array(text.utf8), to: path)
    }

    static func reason(_ code: Int32) -> String { String(cString: strerror(code)) }

    /// The directory a notebook's relative plot paths start from.
    static func directory(of notebookPath: String) -> String {
        let directory = (notebookPath as NSString).deletingLastPathComponent
        return directory.isEmpty ? "." : directory
    }

    /// A fresh private directory under the system's temporary directory.
    static func makeTemporaryDirectory(_ prefix: String) -> String? {
        var template = Array((NSTemporaryDirectory() as NSString).appendingPathComponent("\(prefix)-XXXXXX").utf8CString)
        return template.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress, mkdtemp(base) != nil else { return nil }
            return String(cString: base)
        }
    }

    /// Removes a directory and everything in it; quiet when it is gone.
    static func removeTree(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }
}
