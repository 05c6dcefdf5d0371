import Foundation
import Lang
import TestSupport
import XCTest
@testable import Runtime

/// Notebooks: the file format, the tolerant comparison, `pivot replay`
/// (--check, --update, errors, markers, plots), `:save` and `pivot export`.
final class NotebookTests: XCTestCase {
    var directory = ""

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "pivot-notebook-tests-\(getpid())-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Writes a notebook into the test's directory; returns its path.
    func write(_ name: String, _ text: String) throws -> String {
        let path = directory + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func read(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

    /// `pivot replay PATH` in the given mode: exit code and standard output.
    func replay(_ path: String, _ mode: ReplayMode, rtol: Double? = nil, skipMarked: Bool = false,
                configure: @escaping (Interpreter) -> Void = { _ in }) -> (status: Int32, out: String) {
        let sink = ReplOutputSink()
        let status = Driver.replay(path, options: ReplayOptions(mode: mode, rtol: rtol, skipMarked: skipMarked),
                                   output: { sink.text += $0 }, configure: configure)
        return (status, sink.text)
    }

    // MARK: - The format

    func testCellsHeaderTitlesTagsAndOutputs() {
        let notebook = Notebook(parsing: """
            # A title
            # pivot: rtol 1e-4
            let a = 1
            # => header output
            # %% First cell
            a + 1
            # => 2

            # %%   [nocheck, error]   Noisy one
            print("x")
            #%% not a marker
            # %%not a marker either
            # =>
            # =>   two spaces

            """)
        XCTAssertEqual(notebook.cells.count, 3)
        XCTAssertNil(notebook.cells[0].marker)
        XCTAssertEqual(notebook.cells[0].output, ["header output"])
        XCTAssertEqual(notebook.cells[0].code, "# A title\n# pivot: rtol 1e-4\nlet a = 1")
        XCTAssertEqual(notebook.cells[1].title, "First cell")
        XCTAssertEqual(notebook.cells[1].tags, [])
        XCTAssertEqual(notebook.cells[1].markerLine, 5)
        XCTAssertEqual(notebook.cells[1].firstLine, 6)
        XCTAssertEqual(notebook.cells[1].output, ["2"])
        XCTAssertEqual(notebook.cells[2].title, "Noisy one")
        XCTAssertEqual(notebook.cells[2].tags, ["nocheck", "error"])
        XCTAssertTrue(notebook.cells[2].isUnchecked && notebook.cells[2].expectsError)
        XCTAssertEqual(notebook.cells[2].output, ["", "  two spaces"])
        XCTAssertEqual(notebook.cells[2].code, "print(\"x\")\n#%% not a marker\n# %%not a marker either")
        XCTAssertEqual(notebook.toleranceDirective("rtol"), 1e-4)
        XCTAssertNil(notebook.toleranceDirective("atol"))
        XCTAssertEqual(notebook.cells[1].label(number: 1), "cell 1 \"First cell\"")
    }

    func testAnyTextRoundTripsByteForByte() {
        let texts = [
            "", "\n", "# %%", "# %%\n", "x\n# %%\n# => 1", "no newline at the end",
            "# %% a\r\nprint(1)\r\n# => 1\r\n",
            "\n\n# %%\n\n\n# %% b\ncode\n# => out\n\n\n",
            "# => output first\ncode\n# => interleaved\nmore code\n",
        ]
        for text in texts {
            XCTAssertEqual(Notebook(parsing: text).serialized, text, "round trip of \(text.debugDescription)")
        }
    }

    func testNewOutputGoesAfterTheCodeBeforeTheBlankLines() {
        let notebook = Notebook(parsing: """
            # %% one
            # => stale, before the code
            let x = 1
            # => stale
            x

            # %% two
            """)
        let updated = notebook.replacingOutputs([1: ["1", ""], 2: ["two"]])
        XCTAssertEqual(updated.serialized, """
            # %% one
            let x = 1
            x
            # => 1
            # =>

            # %% two
            # => two
            """)
        // Canonical text is a fixed point.
        XCTAssertEqual(Notebook(parsing: updated.serialized).replacingOutputs([1: ["1", ""], 2: ["two"]]).serialized,
                       updated.serialized)
    }

    func testCRLFFilesKeepTheirLineEnds() {
        let notebook = Notebook(parsing: "# pivot: rtol 1e-3\r\n# %% [nocheck] t\r\nprint(1)\r\n# => 0\r\n\r\n# %%\r\n")
        XCTAssertEqual(notebook.cells.count, 3)
        XCTAssertEqual(notebook.cells[1].tags, ["nocheck"])
        XCTAssertEqual(notebook.cells[1].title, "t")
        XCTAssertEqual(notebook.cells[1].output, ["0"])
        XCTAssertEqual(notebook.toleranceDirective("rtol"), 1e-3)
        XCTAssertEqual(notebook.replacingOutputs([1: ["1", "2"]]).serialized,
                       "# pivot: rtol 1e-3\r\n# %% [nocheck] t\r\nprint(1)\r\n# => 1\r\n# => 2\r\n\r\n# %%\r\n")
    }

    func testOutputLinesFromPrintedText() {
        XCTAssertEqual(Notebook.outputLines(""), [])
        XCTAssertEqual(Notebook.outputLines("a\n"), ["a"])
        XCTAssertEqual(Notebook.outputLines("a"), ["a"])
        XCTAssertEqual(Notebook.outputLines("a\n\nb\n"), ["a", "", "b"])
        XCTAssertEqual(Notebook.outputLines("win\r\n"), ["win"])
        XCTAssertEqual(Notebook.outputLines("10%\r50%\r100%\n"), ["100%"])
        XCTAssertEqual(Notebook.outputText("# => x"), "x")
        XCTAssertEqual(Notebook.outputText("# =>"), "")
        XCTAssertNil(Notebook.outputText("# =>x"))
        XCTAssertNil(Notebook.outputText("  # => x"), "only column 1 counts: an indented comment is code")
    }

    func testDirectivesAndWarnings() {
        let notebook = Notebook(parsing: """
            # pivot: skip-check trains for 20 minutes
            # pivot: atol nope
            # pivot: frobnicate 3
            # %% [nochek, rtol=1e-3, atol=x]
            # pivot: skip-check not in the header: ignored
            """)
        XCTAssertEqual(notebook.skipReason, "trains for 20 minutes")
        XCTAssertEqual(notebook.warnings(file: "n.pv"), [
            "n.pv:4: warning: unknown cell tag 'nochek' (known: error, nocheck, rtol=X, atol=X)",
            "n.pv:4: warning: 'atol=x' needs a number >= 0",
            "n.pv:2: warning: '# pivot: atol' needs a number >= 0, got 'nope'",
            "n.pv:3: warning: unknown directive '# pivot: frobnicate' (known: skip-check, rtol, atol)",
        ])
        XCTAssertEqual(notebook.cells[1].tolerance(.standard), NotebookTolerance(rtol: 1e-3, atol: 1e-12))
        XCTAssertNil(Notebook(parsing: "# %%\n# pivot: skip-check no").skipReason)
        XCTAssertEqual(Notebook(parsing: "# pivot: skip-check").skipReason, "marked skip-check")
    }

    // MARK: - Comparison

    func match(_ recorded: String, _ got: String, rtol: Double = 1e-6, atol: Double = 1e-12) -> Bool {
        Notebook.linesMatch(recorded: recorded, got: got, tolerance: NotebookTolerance(rtol: rtol, atol: atol))
    }

    func testExactValuesMustMatchExactly() {
        XCTAssertTrue(match("2^100 = 1267650600228229401496703205376", "2^100 = 1267650600228229401496703205376"))
        XCTAssertFalse(match("2^100 = 1267650600228229401496703205376", "2^100 = 1267650600228229401496703205377"),
                       "integers of any size are exact")
        XCTAssertFalse(match("rref: -14/11", "rref: -14/13"))
        XCTAssertFalse(match("[ 1  -1\n", "[ 1  -2\n"))
        XCTAssertFalse(match("hello world", "hello  world"), "a line without floats is compared as text")
        XCTAssertFalse(match("1/3", "0.3333333333333333"), "an exact rational is not a float")
        XCTAssertFalse(match("loss 0.5 ok", "loss 0.5 OK"), "words are exact even beside floats")
        XCTAssertFalse(match("7 steps 0.5", "8 steps 0.5"), "integers are exact even beside floats")
    }

    func testFloatsMatchWithinTolerance() {
        XCTAssertTrue(match("loss 0.30000000000000004", "loss 0.3"))
        XCTAssertTrue(match("x = 1.0000001", "x = 1.0000002", rtol: 1e-6))
        XCTAssertFalse(match("x = 1.00001", "x = 1.00002", rtol: 1e-6))
        XCTAssertTrue(match("x = 1.00001", "x = 1.00002", rtol: 1e-4))
        XCTAssertTrue(match("3", "2.9999999999999996"), "an integral float may print as an integer")
        XCTAssertFalse(match("3", "4.0"))
        XCTAssertTrue(match("residual 0.0", "residual -2.7755575615628914e-17"), "atol covers values near zero")
        XCTAssertFalse(match("residual 0.0", "residual 1e-09"))
        XCTAssertTrue(match("1e+20", "1.0000000000000002e+20"))
        XCTAssertTrue(match("[nan, inf, -inf]", "[nan, inf, -inf]"))
        XCTAssertFalse(match("x: nan", "x: 1.5"))
        XCTAssertFalse(match("x: inf", "x: -inf"))
        XCTAssertFalse(match("mean 0.5", "mean 0.5 0.5"), "the same number of tokens")
        XCTAssertFalse(match("information 0.5", "infrared 0.5"), "inf inside a word is a word")
    }

    func testFloatMatricesMayRealign() {
        // A changed width realigns the columns: whitespace only separates tokens.
        XCTAssertTrue(match("[ -1e-17  1.0", "[  2e-17  1.0"))
        XCTAssertTrue(match("[ 1.5  2.0", "[1.5000000001 2.0"))
        XCTAssertFalse(match("[ 1.5  2.0", "[ 1.5  2.5"))
    }

    func testTokens() {
        XCTAssertEqual(Notebook.tokens("loss 5.466 -> -0.003034, step 12"),
                       [.word("loss"), .float(5.466), .word("->"), .float(-0.003034), .word(","), .word("step"), .integer("12")])
        XCTAssertEqual(Notebook.tokens("-14/11 x-1 1e-07 2e"),
                       [.integer("-14"), .word("/"), .integer("11"), .word("x-"), .integer("1"), .float(1e-7), .integer("2"), .word("e")])
        XCTAssertEqual(Notebook.tokens("rewards/tags2/mean"), [.word("rewards/tags"), .integer("2"), .word("/mean")])
    }

    func testDiffAlignsLinesAndShowsContext() {
        let recorded = ["a", "b", "c", "d", "e", "f", "g", "h"]
        let got = ["a", "b", "c", "D", "e", "f", "g", "h", "i"]
        let diff = Notebook.diff(recorded: recorded, got: got, match: ==)
        XCTAssertEqual(diff, [.same("a"), .same("b"), .same("c"), .recorded("d"), .got("D"), .same("e"), .same("f"),
                              .same("g"), .same("h"), .got("i")])
        XCTAssertEqual(Notebook.render(diff!), """
                ...
                b
                c
              - d
              + D
                e
                f
                g
                h
              + i

            """)
        XCTAssertNil(Notebook.diff(recorded: ["x 1.0"], got: ["x 1.0000000001"]) {
            Notebook.linesMatch(recorded: $0, got: $1, tolerance: .standard)
        })
        XCTAssertEqual(Notebook.diff(recorded: ["a"], got: [], match: ==), [.recorded("a")])
    }

    // MARK: - Replay

    static let sums = """
        # Sums, for the tests.

        # %% Sums
        let xs = [1, 2, 3]
        print("sum", sum(xs))
        print("mean", sum(xs) / 3)
        print("done")

        # %%
        sum(xs) * 0.1

        """

    func testUpdateWritesOutputsAndIsIdempotent() throws {
        let path = try write("sums.pv", NotebookTests.sums)
        let first = replay(path, .update)
        XCTAssertEqual(first.status, 0)
        XCTAssertEqual(first.out, "\(path): updated the output of 2 of 2 cells\n")
        let updated = try read(path)
        XCTAssertEqual(updated, """
            # Sums, for the tests.

            # %% Sums
            let xs = [1, 2, 3]
            print("sum", sum(xs))
            print("mean", sum(xs) / 3)
            print("done")
            # => sum 6
            # => mean 2
            # => done

            # %%
            sum(xs) * 0.1
            # => 0.6000000000000001

            """)
        let modified = try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date
        let second = replay(path, .update)
        XCTAssertEqual(second.status, 0)
        XCTAssertEqual(second.out, "\(path): up to date (2 cells)\n")
        XCTAssertEqual(try read(path), updated)
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date, modified,
                       "an up-to-date notebook is not rewritten")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory), ["sums.pv"],
                       "no temporary file is left behind")
        let check = replay(path, .check)
        XCTAssertEqual(check.status, 0)
        XCTAssertTrue(check.out.hasPrefix("\(path): 2 cells match (rtol 1e-6, atol 1e-12) in "), check.out)
    }

    func testShowPrintsTheNotebookWithFreshOutputs() throws {
        let path = try write("sums.pv", NotebookTests.sums.replacingOccurrences(of: "print(\"done\")", with: "print(\"done\")\n# => stale"))
        let shown = replay(path, .show)
        XCTAssertEqual(shown.status, 0)
        _ = replay(path, .update)
        XCTAssertEqual(shown.out, try read(path), "what replay shows is what --update writes")
    }

    func testTamperedOutputFailsCheckWithADiff() throws {
        let path = try write("sums.pv", NotebookTests.sums)
        XCTAssertEqual(replay(path, .update).status, 0)
        let tampered = try read(path).replacingOccurrences(of: "# => sum 6", with: "# => sum 7")
        try tampered.write(toFile: path, atomically: true, encoding: .utf8)
        let check = replay(path, .check)
        XCTAssertEqual(check.status, 1)
        XCTAssertEqual(check.out, """
            \(path):3: cell 1 "Sums": output differs (- recorded, + replayed)
              - sum 7
              + sum 6
                mean 2
                done
            \(path): 1 of 2 cells differs (rtol 1e-6, atol 1e-12)

            """)
        XCTAssertEqual(try read(path), tampered, "--check changes nothing")
    }

    func testFloatDriftPassesWithinToleranceAndFailsBeyond() throws {
        let path = try write("drift.pv", "# %% drift\n0.1 + 0.2\n# => 0.300001\n")
        let strict = replay(path, .check)
        XCTAssertEqual(strict.status, 1)
        XCTAssertEqual(strict.out, """
            \(path):1: cell 1 "drift": output differs (- recorded, + replayed)
              - 0.300001
              + 0.30000000000000004
              (only floats differ, by up to 3.3e-6 relative; the cell allows rtol 1e-6, atol 1e-12)
            \(path): 1 of 1 cell differs (rtol 1e-6, atol 1e-12)

            """)
        XCTAssertEqual(replay(path, .check, rtol: 1e-5).status, 0)
        // The notebook's own tolerance, and a cell's.
        _ = try write("drift.pv", "# pivot: rtol 1e-5\n# %% drift\n0.1 + 0.2\n# => 0.300001\n")
        XCTAssertEqual(replay(path, .check).status, 0)
        XCTAssertEqual(replay(path, .check, rtol: 1e-7).status, 1, "the command line wins")
        _ = try write("drift.pv", "# %% [rtol=1e-5] drift\n0.1 + 0.2\n# => 0.300001\n")
        XCTAssertEqual(replay(path, .check).status, 0)
    }

    func testCellsRunLikeReplEntries() throws {
        let path = try write("repl-like.pv", """
            # %%
            let x = 2
            x * 21
            # %%
            ans + 1
            # %%
            let x = "redefined"
            x;
            # %%
            nil
            # %%
            print("no newline", end: "")

            """)
        XCTAssertEqual(replay(path, .update).status, 0)
        XCTAssertEqual(Notebook(parsing: try read(path)).cells.map(\.output), [[], ["42"], ["43"], [], [], ["no newline"]])
        XCTAssertEqual(replay(path, .check).status, 0)
    }

    func testUnexpectedErrorStopsAndUpdateWritesNothing() throws {
        let text = """
            # %% fine
            print("one")
            # => one
            # %% broken
            let y = 1
            [1][y + 8]
            # %% never runs
            print("three")

            """
        let path = try write("broken.pv", text)
        let update = replay(path, .update)
        XCTAssertEqual(update.status, 70)
        XCTAssertEqual(try read(path), text, "a failed --update leaves the file as it was")
        let check = replay(path, .check)
        XCTAssertEqual(check.status, 70)
        XCTAssertEqual(check.out, """
            \(path):4: cell 2 "broken": failed
              + error: index 9 out of range for list of length 1
            \(path): cell 2 "broken" (line 4) failed; 1 later cell did not run; mark it '# %% [error]' if the error is expected

            """)
        let syntax = try write("syntax.pv", "# %%\n1 +* 2\n")
        XCTAssertEqual(replay(syntax, .check).status, 65)
    }

    func testErrorsPointAtTheNotebooksLines() throws {
        let notebook = Notebook(parsing: "# head\n# %% a\nlet a = 1\n\n# %% b\nprint(1)\n[1][a + 4]\n")
        let runner = NotebookRunner(path: "n.pv", notebook: notebook, plotDirectory: directory)
        XCTAssertFalse(runner.run(cell: 1).failed)
        let failed = runner.run(cell: 2)
        XCTAssertEqual(failed.output, ["1", "error: index 5 out of range for list of length 1"])
        XCTAssertEqual(failed.diagnostics.first?.location?.description, "n.pv:7:4")
    }

    func testErrorCellsRecordTheMessageAndGoOn() throws {
        let path = try write("errors.pv", """
            # %% [error] the identity hack has no inverse
            print("before")
            inv([1 1; 1 1])
            # %% goes on
            print("after")

            """)
        XCTAssertEqual(replay(path, .update).status, 0)
        let cells = Notebook(parsing: try read(path)).cells
        XCTAssertEqual(cells[1].output.first, "before")
        XCTAssertEqual(cells[1].output.count, 2)
        XCTAssertTrue(cells[1].output[1].hasPrefix("error: "), cells[1].output[1])
        XCTAssertEqual(cells[2].output, ["after"])
        XCTAssertEqual(replay(path, .check).status, 0)
        // A different error is a difference.
        try (try read(path)).replacingOccurrences(of: cells[1].output[1], with: "error: something else")
            .write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertEqual(replay(path, .check).status, 1)
    }

    func testNocheckCellsRunButAreNotCompared() throws {
        let path = try write("nocheck.pv", """
            # %% [nocheck] timing
            let t = 5
            print("took", t, "ms")
            # => took 123 ms
            # %%
            t * 2
            # => 10

            """)
        let check = replay(path, .check)
        XCTAssertEqual(check.status, 0, check.out)
        XCTAssertTrue(check.out.contains("2 cells match (rtol 1e-6, atol 1e-12, 1 [nocheck])"), check.out)
    }

    func testSkipCheckIsHonouredOnlyWhenAsked() throws {
        let path = try write("long.pv", "# pivot: skip-check trains for an hour\n# %%\nprint(1)\n# => 2\n")
        let skipped = replay(path, .check, skipMarked: true)
        XCTAssertEqual(skipped.status, 0)
        XCTAssertEqual(skipped.out, "skipped \(path): trains for an hour\n")
        XCTAssertEqual(replay(path, .check).status, 1, "without --skip-marked the notebook is checked")
    }

    func testUnreadableNotebookIsAUsageError() {
        XCTAssertEqual(replay(directory + "/missing.pv", .check).status, 64)
        XCTAssertEqual(Driver.replay([directory + "/missing.pv", directory + "/missing-too.pv"], options: ReplayOptions(mode: .check)), 64)
    }

    // MARK: - Plots

    static let pngBytes: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3]

    /// `fake_plot(fail: false)`: what `plot` does with the notebook's
    /// recorder, without gnuplot.
    static func addFakePlot(_ vm: Interpreter) {
        let builtin = Builtin("fake_plot", [.optional("fail", .bool(false))], help: "a test double") { arguments in
            var fail = false
            if case .bool(true) = arguments[0] { fail = true }
            arguments.vm.plotRecorder? { path in
                if fail { return "gnuplot is not installed" }
                return FileManager.default.createFile(atPath: path, contents: Data(NotebookTests.pngBytes)) ? nil : "cannot write"
            }
            return .nil
        }
        vm.defineGlobal("fake_plot", .builtin(builtin))
    }

    func testPlotsGoBesideTheNotebookAndAreChecked() throws {
        let path = try write("plots.pv", """
            # %% two plots
            fake_plot()
            print("between")
            fake_plot()
            # %% none
            1
            # %% one
            fake_plot()

            """)
        XCTAssertEqual(replay(path, .update, configure: NotebookTests.addFakePlot).status, 0)
        let cells = Notebook(parsing: try read(path)).cells
        XCTAssertEqual(cells[1].output, ["plot: plots.plots/cell-1-1.png", "between", "plot: plots.plots/cell-1-2.png"])
        XCTAssertEqual(cells[3].output, ["plot: plots.plots/cell-3-1.png"])
        let plotDirectory = directory + "/plots.plots"
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: plotDirectory).sorted(),
                       ["cell-1-1.png", "cell-1-2.png", "cell-3-1.png"])
        XCTAssertEqual(FileManager.default.contents(atPath: plotDirectory + "/cell-3-1.png"), Data(NotebookTests.pngBytes))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory).sorted(), ["plots.plots", "plots.pv"],
                       "no scratch directory is left behind")

        // --check writes its plots elsewhere and leaves these alone.
        try Data([9, 9]).write(to: URL(fileURLWithPath: plotDirectory + "/cell-1-1.png"))
        XCTAssertEqual(replay(path, .check, configure: NotebookTests.addFakePlot).status, 0,
                       "a plot matches by its path, not its bytes")
        XCTAssertEqual(FileManager.default.contents(atPath: plotDirectory + "/cell-1-1.png"), Data([9, 9]))

        try FileManager.default.removeItem(atPath: plotDirectory + "/cell-3-1.png")
        let missing = replay(path, .check, configure: NotebookTests.addFakePlot)
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.out.contains("(the recorded plot plots.plots/cell-3-1.png does not exist)"), missing.out)

        // A cell that stops plotting loses its file at the next --update.
        try (try read(path)).replacingOccurrences(of: "print(\"between\")\nfake_plot()", with: "print(\"between\")")
            .write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertEqual(replay(path, .update, configure: NotebookTests.addFakePlot).status, 0)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: plotDirectory).sorted(),
                       ["cell-1-1.png", "cell-3-1.png"])
    }

    func testAFailedPlotIsRecordedAsSuch() throws {
        let path = try write("failing.pv", "# %%\nfake_plot(fail: true)\n")
        XCTAssertEqual(replay(path, .update, configure: NotebookTests.addFakePlot).status, 0)
        XCTAssertEqual(Notebook(parsing: try read(path)).cells[1].output, ["plot failed: gnuplot is not installed"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory + "/failing.plots"))
    }

    // MARK: - The REPL's notebook

    func testSavedReplSessionReplaysClean() throws {
        let file = directory + "/session.pv"
        let s = replSession([
            "let A = [2 1; 1 1]", "inv(A)", "fn sq(x) {", "  x * x", "}", "sq(0.1)", "ans * 3",
            "[1][5]", "print(\"a\\n\\nb\")", "let A = 7", "A", ":save \(file)",
        ])
        XCTAssertTrue(s.out.hasSuffix("saved 8 entries to \(file)\n"), s.out)
        let check = replay(file, .check)
        XCTAssertEqual(check.status, 0, check.out)
        XCTAssertTrue(check.out.contains("8 cells match"), check.out)
        let before = try read(file)
        XCTAssertEqual(replay(file, .update).out, "\(file): up to date (8 cells)\n")
        XCTAssertEqual(try read(file), before, "what :save writes is what --update would")
    }

    func testReplPlotsAreSavedBesideTheNotebook() throws {
        let file = directory + "/plotted.pv"
        var sessionDirectory = ""
        do {
            let input = ScriptedReplInput(["1 + 1", "fake_plot()", "fake_plot()", ":save \(file)"])
            let out = ReplOutputSink()
            let repl = Repl(input: input, interactive: false, output: { out.text += $0 }, error: { _ in })
            NotebookTests.addFakePlot(repl.vm)
            XCTAssertEqual(repl.run(), 0)
            let lines = out.text.split(separator: "\n").map(String.init)
            XCTAssertEqual(lines.count, 4, out.text)
            XCTAssertTrue(lines[1].hasPrefix("plot: /") && lines[1].hasSuffix("/plot-1.png"), "the REPL shows where the plot is")
            XCTAssertEqual(lines[3], "saved 3 entries and 2 plots to \(file)")
            sessionDirectory = (String(lines[1].dropFirst("plot: ".count)) as NSString).deletingLastPathComponent
            XCTAssertTrue(FileManager.default.fileExists(atPath: sessionDirectory))
            // What Driver.repl does when the session ends.
            repl.transcript.plots.removeDirectory()
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: sessionDirectory), "the session's scratch directory goes with it")
        XCTAssertEqual(try read(file), """
            # %%
            1 + 1
            # => 2

            # %%
            fake_plot()
            # => plot: plotted.plots/cell-2-1.png

            # %%
            fake_plot()
            # => plot: plotted.plots/cell-3-1.png

            """)
        XCTAssertEqual(FileManager.default.contents(atPath: directory + "/plotted.plots/cell-3-1.png"), Data(NotebookTests.pngBytes))
        XCTAssertEqual(replay(file, .check, configure: NotebookTests.addFakePlot).status, 0)
    }

    // MARK: - Export

    func exportable() throws -> String {
        let path = try write("report.pv", """
            # Inverse rewards: a report.
            # pivot: rtol 1e-4
            #
            # Second paragraph <with> & markup.

            # %% Scores & <tags>
            print("<answer>[[1,0],[0,1]]</answer>")
            # %% [error] fails
            [1][3]
            # %% plotted
            fake_plot()
            # %% missing
            print("```")
            # => plot: report.plots/nowhere.png

            """)
        XCTAssertEqual(replay(path, .update, configure: NotebookTests.addFakePlot).status, 0)
        // The last cell's plot line is kept by hand: export shows what is recorded.
        try (try read(path)).replacingOccurrences(of: "# => ```", with: "# => ```\n# => plot: report.plots/nowhere.png")
            .write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func testHTMLExportIsValidAndSelfContained() throws {
        let path = try exportable()
        XCTAssertEqual(Driver.export(path, format: .html, to: nil), 0)
        let html = try read(directory + "/report.html")
        XCTAssertTrue(html.contains("<title>report</title>"))
        XCTAssertTrue(html.contains("<p>Inverse rewards: a report.</p>\n<p>Second paragraph &lt;with&gt; &amp; markup.</p>"), html)
        XCTAssertFalse(html.contains("pivot: rtol"), "directives are for replay, not for readers")
        XCTAssertTrue(html.contains("Scores &amp; &lt;tags&gt;"))
        XCTAssertTrue(html.contains("&lt;answer&gt;[[1,0],[0,1]]&lt;/answer&gt;"))
        XCTAssertTrue(html.contains("<span class=\"error\">error: index 3 out of range"), html)
        XCTAssertTrue(html.contains("(the file is missing)"))
        XCTAssertFalse(html.contains("http://") || html.contains("https://"), "no external resources")

        guard let python = PythonOracle.python else { throw XCTSkip("python3 is not on PATH; it checks the HTML") }
        // html.parser as the oracle: every element closed in order, and the
        // embedded image decodes to the plot's bytes.
        let checker = """
            import base64, sys
            from html.parser import HTMLParser
            VOID = {"meta", "img", "br", "hr", "link", "input"}
            class Check(HTMLParser):
                def __init__(self):
                    super().__init__(convert_charrefs=True)
                    self.stack, self.images, self.problems, self.doctype = [], [], [], False
                def handle_decl(self, decl): self.doctype = decl.lower() == "doctype html"
                def handle_starttag(self, tag, attrs):
                    if tag == "img": self.images.append(dict(attrs)["src"])
                    if tag not in VOID: self.stack.append(tag)
                def handle_endtag(self, tag):
                    if not self.stack or self.stack.pop() != tag: self.problems.append("misnested </%s>" % tag)
            c = Check()
            c.feed(open(sys.argv[1], encoding="utf-8").read()); c.close()
            if c.stack: c.problems.append("unclosed: %s" % c.stack)
            if not c.doctype: c.problems.append("no doctype")
            prefix = "data:image/png;base64,"
            for src in c.images:
                if not src.startswith(prefix): c.problems.append("external image " + src)
            print(" ".join(c.problems) or "ok", len(c.images), base64.b64decode(c.images[0][len(prefix):]).hex() if c.images else "")
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", checker, directory + "/report.html"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let result = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(result, "ok 1 \(NotebookTests.pngBytes.map { String(format: "%02x", $0) }.joined())\n")
    }

    func testMarkdownExport() throws {
        let path = try exportable()
        try FileManager.default.createDirectory(atPath: directory + "/out", withIntermediateDirectories: true)
        XCTAssertEqual(Driver.export(path, format: .markdown, to: directory + "/out/r.md"), 0)
        let markdown = try read(directory + "/out/r.md")
        XCTAssertTrue(markdown.hasPrefix("# report\n\nInverse rewards: a report.\n\nSecond paragraph <with> & markup.\n"), markdown)
        XCTAssertTrue(markdown.contains("\n## [1] Scores & <tags>\n\n```pivot\nprint(\"<answer>[[1,0],[0,1]]</answer>\")\n```\n"), markdown)
        XCTAssertTrue(markdown.contains("## [2] fails `[error]`"), markdown)
        XCTAssertTrue(markdown.contains("![plot report.plots/cell-3-1.png](../report.plots/cell-3-1.png)"), markdown)
        XCTAssertTrue(markdown.contains("\n````text\n```\n````\n"), "a fence longer than the backticks inside")
    }
}
