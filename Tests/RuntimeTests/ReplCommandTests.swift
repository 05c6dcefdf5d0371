import Foundation
import XCTest
@testable import Runtime

/// The `:commands`, the history file and the saved transcript.
final class ReplCommandTests: XCTestCase {
    var directory = ""

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "pivot-repl-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    // MARK: - :help

    func testHelpListsCommandsAndBuiltinsWithSummaries() {
        let s = replSession([":help"])
        XCTAssertTrue(s.out.contains(":load FILE"), s.out)
        XCTAssertTrue(s.out.contains("in a row end the entry"), s.out)
        let len = s.repl.vm.builtinSummaries.first { $0.name == "len" }!
        XCTAssertTrue(s.out.contains("len") && s.out.contains(len.summary), s.out)
        XCTAssertEqual(s.err, "")
    }

    func testHelpOnABuiltinKeywordCommandAndGlobal() {
        let s = replSession([":help len", ":help while", ":help :save", ":help :time", ":help history",
                         "fn sq(x) { x * x }", ":help sq"])
        XCTAssertTrue(s.out.hasPrefix("len(x)\n\n"), s.out)
        XCTAssertTrue(s.out.contains("while COND { BODY }"), s.out)
        XCTAssertTrue(s.out.contains(":save FILE\n\nWrite the successful entries"), s.out)
        XCTAssertTrue(s.out.contains(":time EXPR\n\n"), s.out)
        XCTAssertTrue(s.out.contains(":history\n\nThis session's inputs, numbered."), s.out)
        XCTAssertTrue(s.out.contains("sq is a function defined in this session: <fn sq(x)>"), s.out)
        XCTAssertEqual(s.err, "")
    }

    func testHelpOnAnUnknownNameSuggestsOne() {
        let s = replSession([":help lne", ":help zzzzzz"])
        XCTAssertEqual(s.err, "error: no help for 'lne'; did you mean 'len'?\nerror: no help for 'zzzzzz'\n")
    }

    // MARK: - Dispatch

    func testUnknownCommandSuggestsTheClosest() {
        let s = replSession([":hlep", ":sve x"])
        XCTAssertEqual(s.err, """
            error: unknown command ':hlep'; did you mean ':help'? (:help lists the commands)
            error: unknown command ':sve'; did you mean ':save'? (:help lists the commands)

            """)
        XCTAssertEqual(s.status, 64)
    }

    func testPrefixesStandForCommandsButNotForReset() {
        XCTAssertEqual(Repl.command(named: "q")?.name, "quit")
        XCTAssertEqual(Repl.command(named: "h")?.name, "help")
        XCTAssertEqual(Repl.command(named: "hi")?.name, "history")
        XCTAssertNil(Repl.command(named: "res"))
        XCTAssertEqual(Repl.command(named: "reset")?.name, "reset")
    }

    func testQuitStopsReading() {
        let s = replSession(["1", ":quit", "2"], interactive: true)
        XCTAssertEqual(s.out, Repl.banner + "\n1\n")
        XCTAssertEqual(s.status, 0)
    }

    // MARK: - The other commands

    func testHistoryNumbersEveryInput() {
        let s = replSession(["let x = 1", "fn f() {", "  x", "}", ":history"])
        XCTAssertEqual(s.out, """
              1  let x = 1
              2  fn f() {
                   x
                 }
              3  :history

            """)
    }

    func testTimePrintsValueAndElapsedTime() {
        let s = replSession([":time 6 * 7", "ans", ":time"])
        let lines = s.out.split(separator: "\n")
        XCTAssertEqual(lines.first, "42")
        XCTAssertTrue(lines[1].hasPrefix("time: ") && (lines[1].hasSuffix("s")), String(lines[1]))
        XCTAssertEqual(lines[2], "42")
        XCTAssertEqual(s.err, "error: usage: :time EXPR\n")
    }

    func testTimeErrorsAreNamedAfterTheirInput() {
        let s = replSession(["1", ":time [1][9]"], interactive: true)
        XCTAssertTrue(s.err.hasPrefix("<repl:2>:1:"), s.err)
    }

    func testDurationsHaveThreeSignificantDigits() {
        XCTAssertEqual(Repl.format(.milliseconds(1500)), "1.50 s")
        XCTAssertEqual(Repl.format(.microseconds(45_600)), "45.6 ms")
        XCTAssertEqual(Repl.format(.nanoseconds(789_000)), "789 µs")
    }

    func testResetForgetsDefinitions() {
        let s = replSession(["let x = 5", ":reset", "x", "let x = 6", "x"])
        XCTAssertTrue(s.err.contains("undefined"), s.err)
        XCTAssertEqual(s.out, "fresh interpreter: every definition is gone\n6\n")
    }

    func testLoadRunsAFileInTheSession() throws {
        let file = directory + "/lib.pv"
        try "fn triple(x) { 3 * x }\nprint(\"loaded\")\n".write(toFile: file, atomically: true, encoding: .utf8)
        let s = replSession([":load \(file)", "triple(14)", ":load \(directory)/missing.pv"])
        XCTAssertEqual(s.out, "loaded\n42\n")
        XCTAssertEqual(s.err, "error: cannot read '\(directory)/missing.pv': no such file\n")
    }

    func testLoadReportsErrorsWithTheFileName() throws {
        let file = directory + "/bad.pv"
        try "let a = 1\na +* 2\n".write(toFile: file, atomically: true, encoding: .utf8)
        let s = replSession([":load \(file)"])
        XCTAssertTrue(s.err.hasPrefix("\(file):2:4: error:"), s.err)
    }

    // MARK: - :save

    func testSaveWritesSuccessfulEntriesWithTheirOutput() throws {
        let file = directory + "/session.pv"
        let s = replSession([
            "let x = 2", "fn f(n) {", "  print(\"n is\", n)", "  n * x", "}", "f(3)",
            "1 +* 2", "[1][9]", "x;", "print(\"a\\n\\nb\")", ":save \(file)",
        ])
        XCTAssertEqual(s.out.components(separatedBy: "\n").last(where: { !$0.isEmpty }), "saved 5 entries to \(file)")
        let saved = try String(contentsOfFile: file, encoding: .utf8)
        XCTAssertEqual(saved, """
            # %%
            let x = 2

            # %%
            fn f(n) {
              print("n is", n)
              n * x
            }

            # %%
            f(3)
            # => n is 3
            # => 6

            # %%
            x;

            # %%
            print("a\\n\\nb")
            # => a
            # =>
            # => b

            """)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory)
        XCTAssertEqual(leftovers, ["session.pv"], "no temporary file is left behind")
    }

    func testSavedSessionRunsAgainWithTheSameOutput() throws {
        let file = directory + "/again.pv"
        let first = replSession(["var t = 0", "for i in 1..4 { t += i }", "t", "t * 2", ":save \(file)"])
        XCTAssertEqual(first.err, "")
        let text = try String(contentsOfFile: file, encoding: .utf8)
        let replay = replSession(text.split(separator: "\n").map(String.init))
        XCTAssertEqual(replay.out, "10\n20\n")
    }

    func testSaveToAnUnwritablePlaceIsAnError() {
        let s = replSession(["1", ":save \(directory)/no/such/dir/x.pv", "2"])
        XCTAssertTrue(s.err.hasPrefix("error: cannot write '\(directory)/no/such/dir/x.pv'"), s.err)
        XCTAssertEqual(s.out, "1\n2\n")
    }

    func testResetStartsTheTranscriptOver() throws {
        let file = directory + "/after-reset.pv"
        _ = replSession(["let a = 1", ":reset", "let b = 2", ":save \(file)"])
        XCTAssertEqual(try String(contentsOfFile: file, encoding: .utf8), "# %%\nlet b = 2\n")
    }

    func testTildeMeansHome() {
        XCTAssertEqual(Repl.expandingTilde("~/a.pv", environment: ["HOME": "/h"]), "/h/a.pv")
        XCTAssertEqual(Repl.expandingTilde("~", environment: ["HOME": "/h"]), "/h")
        XCTAssertEqual(Repl.expandingTilde("a/~/b", environment: ["HOME": "/h"]), "a/~/b")
    }

    // MARK: - History file

    func testHistoryPathFollowsXDG() {
        XCTAssertEqual(ReplHistory.defaultPath(environment: ["XDG_STATE_HOME": "/s", "HOME": "/h"]), "/s/pivot/history")
        XCTAssertEqual(ReplHistory.defaultPath(environment: ["XDG_STATE_HOME": "rel", "HOME": "/h"]),
                       "/h/.local/state/pivot/history", "a relative XDG_STATE_HOME is ignored")
        XCTAssertEqual(ReplHistory.defaultPath(environment: ["HOME": "/h"]), "/h/.local/state/pivot/history")
    }

    func testHistoryFileKeepsLinesAcrossSessions() {
        let path = directory + "/state/pivot/history"
        let first = ReplHistory(path: path, warn: { XCTFail($0) })
        XCTAssertEqual(first.open(), [])
        first.append("let x = 1")
        first.append("x + 1")
        let second = ReplHistory(path: path, warn: { XCTFail($0) })
        XCTAssertEqual(second.open(), ["let x = 1", "x + 1"])
    }

    func testLongHistoryIsTrimmed() throws {
        let path = directory + "/history"
        let lines = (1...(2 * ReplHistory.keep + 1)).map { "line \($0)" }
        try lines.map { $0 + "\n" }.joined().write(toFile: path, atomically: true, encoding: .utf8)
        let loaded = ReplHistory(path: path, warn: { XCTFail($0) }).open()
        XCTAssertEqual(loaded.count, ReplHistory.keep)
        XCTAssertEqual(loaded.last, lines.last)
        let onDisk = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(onDisk.count, ReplHistory.keep)
    }

    func testUnwritableHistoryWarnsOnceAndGoesOn() {
        var warnings: [String] = []
        let history = ReplHistory(path: "/dev/null/pivot/history", warn: { warnings.append($0) })
        XCTAssertEqual(history.open(), [])
        history.append("1")
        history.append("2")
        XCTAssertEqual(warnings.count, 1)
        XCTAssertTrue(warnings[0].hasPrefix("pivot: history is not saved:"), warnings[0])
    }

    func testTypedLinesGoToTheHistoryFile() throws {
        let path = directory + "/h"
        let history = ReplHistory(path: path, warn: { XCTFail($0) })
        _ = history.open()
        let input = ScriptedReplInput(["1", "1", "", "fn f() {", "}"])
        let repl = Repl(input: input, interactive: true, history: history, output: { _ in }, error: { _ in })
        _ = repl.run()
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "1\nfn f() {\n}\n",
                       "no blank lines, no repeats")
    }
}
