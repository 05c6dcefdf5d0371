import Engine
import Foundation
import Lang
import XCTest
@testable import Runtime

/// Lines given in advance; `nil` stands for Ctrl-C at the prompt.
final class ScriptedReplInput: LineSource {
    private var lines: [String?]
    private(set) var prompts: [String] = []
    private(set) var history: [String] = []
    /// Runs before each line is handed out (a test's hook into the session).
    var beforeEach: ((Int) -> Void)?
    private var served = 0

    init(_ lines: [String?]) { self.lines = lines }

    func readLine(prompt: String) -> LineEvent {
        prompts.append(prompt)
        beforeEach?(served)
        served += 1
        guard !lines.isEmpty else { return .endOfInput }
        guard let line = lines.removeFirst() else { return .interrupted }
        return .line(line)
    }

    func addHistory(_ line: String) { history.append(line) }
}

/// A finished REPL session: what it printed and its exit code.
struct ReplSession {
    var repl: Repl
    var input: ScriptedReplInput
    var out: String
    var err: String
    var status: Int32
}

final class ReplOutputSink {
    var text = ""
}

/// Runs `lines` through a REPL as piped input, or as typed at a terminal.
func replSession(_ lines: [String?], interactive: Bool = false) -> ReplSession {
    let input = ScriptedReplInput(lines)
    let out = ReplOutputSink(), err = ReplOutputSink()
    let repl = Repl(input: input, interactive: interactive,
                    output: { out.text += $0 }, error: { err.text += $0 })
    let status = repl.run()
    return ReplSession(repl: repl, input: input, out: out.text, err: err.text, status: status)
}

/// The REPL's reading, printing and exit codes, driven with scripted input.
final class ReplTests: XCTestCase {
    func testPipedEntriesPrintValuesOnly() {
        let s = replSession(["let x = 2", "x * 3"])
        XCTAssertEqual(s.out, "6\n")
        XCTAssertEqual(s.err, "")
        XCTAssertEqual(s.status, 0)
    }

    func testInteractiveShowsBannerAndPrompts() {
        let s = replSession(["fn sq(x) {", "x * x", "}", "sq(7)"], interactive: true)
        XCTAssertEqual(s.out, Repl.banner + "\n49\n\n")
        XCTAssertEqual(s.input.prompts, ["pivot> ", "   ... ", "   ... ", "pivot> ", "pivot> "])
        XCTAssertEqual(s.input.history, ["fn sq(x) {", "x * x", "}", "sq(7)"])
    }

    func testNilAndSemicolonPrintNothing() {
        let s = replSession(["nil", "let y = 1", "y + 1;", "print(\"p\")"])
        XCTAssertEqual(s.out, "p\n")
    }

    func testAnsHoldsTheLastPrintedValue() {
        let s = replSession(["ans", "1 + 2", "ans * 10", "5;", "ans", "ans = 0", "ans"])
        XCTAssertEqual(s.out, "3\n30\n30\n0\n")
        XCTAssertEqual(s.err, "")
    }

    // MARK: - Unfinished entries

    func testOpenBracketTrailingOperatorAndStringContinue() {
        let s = replSession(["[1,", "2]", "1 +", "2", "\"\"\"", "ab\"\"\""])
        XCTAssertEqual(s.out, "[1, 2]\n3\n\"ab\"\n")
    }

    func testOneEmptyLineIsKeptTwoEndTheEntry() {
        let kept = replSession(["fn f() {", "", "2", "}", "f()"])
        XCTAssertEqual(kept.out, "2\n")
        XCTAssertEqual(kept.err, "")

        let ended = replSession(["fn f() {", "", "", "1"])
        XCTAssertEqual(ended.out, "1\n", "the line after the abandoned entry is a new entry")
        XCTAssertTrue(ended.err.contains("expected '}' to close '{' at 1:8"), ended.err)
        XCTAssertEqual(ended.status, 65)
    }

    func testEmptyLinesInsideATripleQuotedStringAreText() {
        let s = replSession(["let s = \"\"\"", "", "", "x\"\"\"", "len(s)"])
        XCTAssertEqual(s.out, "3\n")
        XCTAssertEqual(s.err, "")
    }

    func testCtrlCDropsTheUnfinishedEntry() {
        let s = replSession(["fn f() {", "1 +", nil, "1 + 1"], interactive: true)
        XCTAssertEqual(s.out, Repl.banner + "\n2\n\n")
        XCTAssertEqual(s.err, "")
        XCTAssertEqual(s.input.prompts, ["pivot> ", "   ... ", "   ... ", "pivot> ", "pivot> "])
    }

    func testEndOfInputInsideAnEntryReportsWhatIsMissing() {
        let s = replSession(["(1 +"])
        XCTAssertEqual(s.err, """
            <stdin>:1:5: error: expected an expression, found end of input
                (1 +
                    ^

            """)
        XCTAssertEqual(s.status, 65)
    }

    // MARK: - Errors, names and exit codes

    func testErrorsGoToStderrAndTheSessionGoesOn() {
        let s = replSession(["1 +* 2", "undefined_thing", "40 + 2"])
        XCTAssertEqual(s.out, "42\n")
        XCTAssertTrue(s.err.contains("<stdin>:1:4: error:"), s.err)
        XCTAssertTrue(s.err.contains("<stdin>:2:1: error:"), s.err)
        XCTAssertEqual(s.status, 65, "piped: the exit code of the last failure")
    }

    func testExitCodeIsThatOfTheLastFailure() {
        XCTAssertEqual(replSession(["1 +* 2", "[1][5]"]).status, 70)
        XCTAssertEqual(replSession(["[1][5]", "1 +* 2", "3"]).status, 65)
        XCTAssertEqual(replSession([":nonsense"]).status, 64)
        XCTAssertEqual(replSession(["1"]).status, 0)
        XCTAssertEqual(replSession(["[1][5]"], interactive: true).status, 0, "a terminal session ends with 0")
    }

    func testPipedLinesAreNumberedAsInTheInput() {
        let s = replSession(["let a = 1", "", "fn f() {", "  a + nope", "}"])
        XCTAssertTrue(s.err.hasPrefix("<stdin>:4:7: error:"), s.err)
    }

    func testInteractiveEntriesAreNamedByNumber() {
        let s = replSession(["1", ":help len", "fn f() {", "  1 +* 2", "}"], interactive: true)
        XCTAssertTrue(s.err.hasPrefix("<repl:3>:2:6: error:"), s.err)
    }

    func testRuntimeErrorInsideAFunctionNamesBothEntries() {
        let s = replSession(["fn f(x) {", "  [x][3]", "}", "f(1)"], interactive: true)
        XCTAssertTrue(s.err.hasPrefix("<repl:1>:2:"), s.err)
        XCTAssertTrue(s.err.contains("<repl:2>:1:1"), s.err)
    }

    func testInterruptStopsTheRunAndKeepsTheSession() {
        let input = ScriptedReplInput(["var i = 0", "while true { i += 1 }", "i > 0", "1 + 1"])
        input.beforeEach = { index in
            // While the loop (the second entry) runs, press Ctrl-C.
            if index == 2 {
                interruptRequested.store(false, ordering: .relaxed)
            } else if index == 1 {
                DispatchQueue.global().asyncAfter(deadline: .now() + 0.2) {
                    interruptRequested.store(true, ordering: .relaxed)
                }
            }
        }
        let out = ReplOutputSink(), err = ReplOutputSink()
        let repl = Repl(input: input, interactive: false, output: { out.text += $0 }, error: { err.text += $0 })
        let status = repl.run()
        XCTAssertTrue(err.text.contains("error: interrupted"), err.text)
        XCTAssertEqual(out.text, "true\n2\n")
        XCTAssertEqual(status, 70)
    }

    func testTheFlagIsClearedBeforeEachEntry() {
        let input = ScriptedReplInput(["var n = 0", "for k in 1..1000 { n += 1 }", "n"])
        input.beforeEach = { _ in interruptRequested.store(true, ordering: .relaxed) }
        // The flag is process-wide: later tests (engine work polls it too) must not see it.
        defer { interruptRequested.store(false, ordering: .relaxed) }
        let out = ReplOutputSink()
        let repl = Repl(input: input, interactive: false, output: { out.text += $0 }, error: { _ in })
        XCTAssertEqual(repl.run(), 0)
        XCTAssertEqual(out.text, "1000\n")
    }

    func testPrintWithoutNewlineIsEndedBeforeThePrompt() {
        let s = replSession(["print(\"x\", end: \"\")", "1"], interactive: true)
        XCTAssertEqual(s.out, Repl.banner + "\nx\n1\n\n")
        let piped = replSession(["print(\"x\", end: \"\")", "1"])
        XCTAssertEqual(piped.out, "x1\n", "piped output is left as the program wrote it")
    }
}
