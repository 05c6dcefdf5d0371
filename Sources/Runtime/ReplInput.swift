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
