import Foundation

/// What asking for one line of input gives.
enum LineEvent: Equatable {
    case line(String)
    /// Ctrl-C while the line was being typed: drop it.
    case interrupted
    /// Ctrl-D on an empty line, or the end of piped input.
    case endOfInput
}

/// Where the REPL reads its lines: the terminal's line editor, a pipe, or a
/// test's script.
protocol LineSource: AnyObject {
    /// The next line, without its newline. `prompt` is shown first when a
    /// person is typing.
    func readLine(prompt: String) -> LineEvent
    /// Remembers a line for Up-arrow recall.
    func addHistory(_ line: String)
}

/// Lines from standard input when it is not a terminal: no prompts, no
/// editing, no escape codes.
final class StandardInputLines: LineSource {
    func readLine(prompt: String) -> LineEvent {
        guard let line = Swift.readLine(strippingNewline: true) else { return .endOfInput }
        return .line(line)
    }

    func addHistory(_ line: String) {}
}

/// Lines given in advance, for tests: `nil` stands for Ctrl-C.
final class ScriptedLines: LineSource {
    private var lines: [String?]
    /// The prompts asked for, in order.
    private(set) var prompts: [String] = []
    private(set) var history: [String] = []

    init(_ lines: [String?]) { self.lines = lines }

    func readLine(prompt: String) -> LineEvent {
        prompts.append(prompt)
        guard !lines.isEmpty else { return .endOfInput }
        guard let line = lines.removeFirst() else { return .interrupted }
        return .line(line)
    }

    func addHistory(_ line: String) { history.append(line) }
}
