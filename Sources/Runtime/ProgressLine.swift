import Foundation

/// A progress line on stderr for long builtins (sft, evaluate): redrawn in
/// place on a terminal, and written as one line every `every` updates (and
/// at the end) otherwise, so logs stay short.
final class ProgressLine {
    let enabled: Bool
    let isTerminal: Bool
    let every: Int
    private var drawn = false
    private var lastDraw: UInt64 = 0

    init(enabled: Bool, total: Int) {
        self.enabled = enabled
        isTerminal = isatty(STDERR_FILENO) != 0
        every = max(1, total / 10)
    }

    /// Shows `text` for update number `count` (1-based) of `total`.
    func update(_ text: String, count: Int, total: Int) {
        guard enabled else { return }
        if isTerminal {
            // At most ~20 redraws a second: a terminal is slower than a tiny model.
            let now = DispatchTime.now().uptimeNanoseconds
            if count < total && now - lastDraw < 50_000_000 { return }
            lastDraw = now
            write("\r\u{1B}[K" + text)
            drawn = true
        } else if count % every == 0 || count == total {
            write(text + "\n")
        }
    }

    /// Erases the line on a terminal so a message can be printed; the next
    /// update draws it again.
    func clear() {
        guard enabled, isTerminal, drawn else { return }
        write("\r\u{1B}[K")
        drawn = false
        lastDraw = 0
    }

    /// Ends the line (on a terminal) and writes a final message, if any.
    func finish(_ message: String? = nil) {
        guard enabled else { return }
        if isTerminal && drawn { write("\n") }
        drawn = false
        if let message { write(message + "\n") }
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// "1:05" or "1:02:03".
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "?" }
        let s = Int(min(seconds, 1e9).rounded())
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        if s >= 3600 { return "\(s / 3600):\(two((s / 60) % 60)):\(two(s % 60))" }
        return "\(s / 60):\(two(s % 60))"
    }
}
