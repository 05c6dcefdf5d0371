import Engine
import CEditline
import Foundation
import Synchronization

/// The terminal line editor: libedit, driven only through its
/// readline-compatible functions (`readline`, `add_history`,
/// `rl_attempted_completion_function`, `rl_completion_matches`, ...). This is
/// the one file in Pivot that imports CEditline; the variadic `el_set` and
/// `history` functions are never called.
///
/// libedit's readline emulation keeps its state in C globals, so there is at
/// most one editor per process, and the C callbacks below reach the Swift
/// side through the static `LineEditor.active`.
///
/// Two things are done by hand:
/// - Keys are read by `readKey` (installed as `rl_getc_function`), which
///   waits with `poll` and looks at `interruptRequested` between waits. The
///   REPL runs on a helper thread while SIGINT is usually delivered to the
///   main thread, so a blocked `read` here would never see Ctrl-C. `readKey`
///   also decodes UTF-8 itself: libedit passes what the getc function returns
///   straight through as one wide character.
/// - Ctrl-C at the prompt is turned into keys: end-of-line, `^C`, newline.
///   The line shows `^C` like a shell's, readline returns it, and `readLine`
///   reports `.interrupted` instead of the text.
final class LineEditor: LineSource {
    /// What TAB may put in place of the word before the cursor.
    struct Completion: Equatable {
        /// Replacements for the text from the word start to the cursor.
        var replacements: [String]
        /// Typed after a lone replacement (a space after a keyword, `(` after
        /// a function name); nil for nothing.
        var appended: Character? = nil

        static let none = Completion(replacements: [])
    }

    /// Given the line up to the cursor and where libedit's word starts in it
    /// (counted in Unicode scalars), the possible completions.
    typealias Completer = (_ lineBeforeCursor: String, _ wordStart: Int) -> Completion

    var completer: Completer

    /// The editor whose completer the C callbacks use.
    nonisolated(unsafe) static var active: LineEditor?
    /// Candidates of the completion in progress, handed to libedit one by one.
    nonisolated(unsafe) static var candidates: [String] = []
    /// Keys `readKey` returns before reading the terminal again.
    nonisolated(unsafe) static var pendingKeys: [Int32] = []
    /// Set when Ctrl-C ended the line being read.
    nonisolated(unsafe) static var cancelled = false

    /// Characters that end a word for completion: everything but names,
    /// digits and the characters of file names ('.' and '/' split too, so
    /// `rec.fi` completes `fi`; paths are reassembled by the completer).
    static let wordBreaks = strdup(" \t\n\"\\'`@$><=;|&{(}[],.+-*/%:!^~#?")!

    /// Sets up libedit for standard input and output. Call once, and only
    /// when standard input is a terminal.
    init(programName: String, completer: @escaping Completer) {
        self.completer = completer
        LineEditor.useUTF8Locale()
        rl_readline_name = UnsafePointer(strdup(programName))
        rl_getc_function = readKey
        rl_initialize()
        rl_basic_word_break_characters = UnsafePointer(LineEditor.wordBreaks)
        rl_attempted_completion_function = attemptCompletion
        // A long candidate list prints without the "Display all N?" question:
        // libedit reads its answer with getc(stdin), bypassing `readKey`.
        rl_completion_query_items = 10_000
        stifle_history(5000)
        LineEditor.active = self
    }

    /// Reads one line with editing and history; the prompt is shown first.
    func readLine(prompt: String) -> LineEvent {
        LineEditor.cancelled = false
        LineEditor.pendingKeys = []
        interruptRequested.store(false, ordering: .relaxed)
        guard let raw = readline(prompt) else {
            return LineEditor.cancelled ? .interrupted : .endOfInput
        }
        defer { free(raw) }
        if LineEditor.cancelled { return .interrupted }
        return .line(String(cString: raw))
    }

    /// Adds a line to the list Up and Down walk through.
    func addHistory(_ line: String) {
        add_history(line)
    }

    /// libedit converts between its wide characters and `char *` text with
    /// the C library's multibyte functions, which follow LC_CTYPE. Swift
    /// programs start in the "C" locale, where only ASCII converts; take the
    /// user's locale, or C.UTF-8 when that is not UTF-8.
    static func useUTF8Locale() {
        setlocale(LC_CTYPE, "")
        if let codeset = nl_langinfo(nl_item(CODESET)), String(cString: codeset) == "UTF-8" { return }
        setlocale(LC_CTYPE, "C.UTF-8")
    }
}

// MARK: - C callbacks

/// `rl_getc_function`: the next key as a Unicode scalar value, or -1 at the
/// end of input.
private func readKey(_ stream: UnsafeMutablePointer<FILE>?) -> Int32 {
    if !LineEditor.pendingKeys.isEmpty { return LineEditor.pendingKeys.removeFirst() }
    guard let first = readByte() else { return -1 }
    if first == LineEditor.interruptKey { return cancelLine() }
    if first < 0x80 { return Int32(first) }
    // UTF-8: the lead byte says how many continuation bytes follow.
    let extra: Int
    var scalar: UInt32
    switch first {
    case 0xC2...0xDF: extra = 1; scalar = UInt32(first & 0x1F)
    case 0xE0...0xEF: extra = 2; scalar = UInt32(first & 0x0F)
    case 0xF0...0xF4: extra = 3; scalar = UInt32(first & 0x07)
    default: return 0xFFFD
    }
    for _ in 0..<extra {
        guard let next = readByte() else { return -1 }
        if next == LineEditor.interruptKey { return cancelLine() }
        guard next & 0xC0 == 0x80 else { return 0xFFFD }
        scalar = scalar << 6 | UInt32(next & 0x3F)
    }
    return Unicode.Scalar(scalar) == nil ? 0xFFFD : Int32(scalar)
}

extension LineEditor {
    /// ETX, what Ctrl-C sends when the terminal does not turn it into SIGINT.
    static let interruptKey: UInt8 = 3
    /// How long `readKey` waits before looking at the interrupt flag again.
    static let pollMilliseconds: Int32 = 50
}

/// One byte from standard input, the interrupt key once Ctrl-C has been
/// pressed, or nil at the end of input.
private func readByte() -> UInt8? {
    while true {
        if interruptRequested.load(ordering: .relaxed) { return LineEditor.interruptKey }
        var descriptor = pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptor, 1, LineEditor.pollMilliseconds)
        if ready < 0 {
            if errno == EINTR { continue }
            return nil
        }
        if ready == 0 { continue }
        var byte: UInt8 = 0
        let count = read(STDIN_FILENO, &byte, 1)
        if count == 1 { return byte }
        if count < 0 && (errno == EINTR || errno == EAGAIN) { continue }
        return nil
    }
}

/// Ends the line being edited: move to its end, show `^C`, accept it. The
/// text is thrown away by `LineEditor.readLine`.
private func cancelLine() -> Int32 {
    interruptRequested.store(false, ordering: .relaxed)
    LineEditor.cancelled = true
    let controlE: Int32 = 5  // emacs ed-move-to-end
    LineEditor.pendingKeys = ["^", "C", "\n"].map { Int32(UnicodeScalar($0).value) }
    return controlE
}

/// `rl_attempted_completion_function`: asks the active editor's completer
/// and hands its candidates to `rl_completion_matches`, which computes their
/// common prefix. Never falls back to libedit's file-name completion.
private func attemptCompletion(_ text: UnsafePointer<CChar>?, _ start: Int32, _ end: Int32)
    -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? {
    rl_attempted_completion_over = 1
    guard let text, let editor = LineEditor.active, let buffer = rl_line_buffer else { return nil }
    // libedit counts `start` and `end` in wide characters: Unicode scalars.
    let scalars = String(cString: buffer).unicodeScalars
    let before = String(String.UnicodeScalarView(scalars.prefix(max(0, Int(end)))))
    let completion = editor.completer(before, max(0, min(Int(start), Int(end))))
    var seen = Set<String>()
    LineEditor.candidates = completion.replacements.filter { seen.insert($0).inserted }
    guard !LineEditor.candidates.isEmpty else { return nil }
    rl_completion_append_character = Int32(completion.appended?.asciiValue ?? 0)
    return rl_completion_matches(text, nextCandidate)
}

/// The generator `rl_completion_matches` calls with 0, 1, 2, ... until nil.
private func nextCandidate(_ text: UnsafePointer<CChar>?, _ state: Int32) -> UnsafeMutablePointer<CChar>? {
    let index = Int(state)
    guard index < LineEditor.candidates.count else { return nil }
    return strdup(LineEditor.candidates[index])
}
