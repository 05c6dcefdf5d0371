import Foundation
import Lang
import XCTest
@testable import Runtime

/// plot(...) drives gnuplot: valid PNG and SVG files, a text rendering,
/// clear errors (no gnuplot, gnuplot failing or hanging, bad data and
/// options), and load_run reading a run directory back.
final class PlotTests: XCTestCase {
    var directory: URL!
    var previousDirectory = ""
    var output = ""

    override func setUpWithError() throws {
        guard (try? Gnuplot.executable()) != nil else { throw XCTSkip("gnuplot is not installed (scripts/setup installs it)") }
        let fm = FileManager.default
        directory = fm.temporaryDirectory.appendingPathComponent("pivot-plot-\(UUID().uuidString)")
        try fm.createDirectory(at: directory, withIntermediateDirectories: true)
        previousDirectory = fm.currentDirectoryPath
        XCTAssertTrue(fm.changeCurrentDirectoryPath(directory.path))
    }

    override func tearDown() {
        Gnuplot.executableOverride = nil
        Gnuplot.searchPathOverride = nil
        Gnuplot.timeLimit = 20
        if let directory {
            FileManager.default.changeCurrentDirectoryPath(previousDirectory)
            try? FileManager.default.removeItem(at: directory)
        }
    }

    /// A session whose output is collected in `output`.
    func session() -> Interpreter {
        let vm = Interpreter()
        vm.output = { [unowned self] in self.output += $0 }
        return vm
    }

    /// Runs `program`; returns its value, failing the test on an error.
    @discardableResult
    func run(_ vm: Interpreter, _ program: String, file: StaticString = #filePath, line: UInt = #line) -> Value {
        let result = vm.run(SourceFile(name: "<test>", text: program))
        XCTAssertTrue(result.succeeded, result.diagnostics.first?.message ?? "", file: file, line: line)
        return result.value ?? .nil
    }

    /// The error message `program` stops with.
    func error(_ vm: Interpreter, _ program: String) -> String? {
        vm.run(SourceFile(name: "<test>", text: program)).diagnostics.first?.message
    }

    static let smallRun = """
        let run = grpo(model(layers: 1, dim: 32, heads: 2, context: 64, seed: 0), rewards.rows,
                       tasks.transpose(format: "compact"), prompts: 2, group: 4, max_tokens: 8, run: "x", samples_every: 1)
        run.train(3, progress: false)

        """

    /// Width and height from a PNG's IHDR chunk, after checking the signature.
    func pngSize(_ path: String, file: StaticString = #filePath, line: UInt = #line) throws -> (Int, Int) {
        let data = try Data(contentsOf: path.hasPrefix("/") ? URL(fileURLWithPath: path) : directory.appendingPathComponent(path))
        let bytes = [UInt8](data)
        XCTAssertGreaterThan(bytes.count, 100, file: file, line: line)
        XCTAssertEqual(Array(bytes.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "PNG signature", file: file, line: line)
        XCTAssertEqual(String(decoding: bytes[12..<16], as: UTF8.self), "IHDR", file: file, line: line)
        func be32(_ at: Int) -> Int { bytes[at..<(at + 4)].reduce(0) { $0 << 8 | Int($1) } }
        // The file must be whole: it ends with the IEND chunk.
        XCTAssertEqual(String(decoding: bytes.suffix(8).prefix(4), as: UTF8.self), "IEND", file: file, line: line)
        return (be32(16), be32(20))
    }

    // MARK: - files

    func testRunMetricsMakeAValidPNG() throws {
        let vm = session()
        run(vm, Self.smallRun)
        let path = run(vm, #"plot(run, "reward", "completions/mean_length", file: "plots/run.png")"#)
        XCTAssertEqual(path.text, "plots/run.png")
        XCTAssertTrue(try pngSize("plots/run.png") == (800, 480))
        run(vm, #"plot(run, "rewards/*/mean", smooth: 0.9, x: "time", size: [640, 400], file: "parts.png")"#)
        XCTAssertTrue(try pngSize("parts.png") == (640, 400))
        XCTAssertEqual(output, "", "a file plot prints nothing")
    }

    func testListsAndHeatmapMakeValidPNGs() throws {
        let vm = session()
        run(vm, """
            plot([1, 4, 9, 16, 25], file: "list.png")
            plot(0..9, map(0..9, fn(i) => i * i), map(0..9, fn(i) => 2 * i), labels: ["square", "double"], file: "xy.png")
            plot([[1, 2, 3], [3, nil, 1]], log: "y", file: "lists.png")
            plot(randmat(12, seed: 3), title: "a heatmap", file: "heat.png")
            plot([1 2; 3 4] / 7, log: true, file: "heat-log.png")
            """)
        for name in ["list.png", "xy.png", "lists.png", "heat.png", "heat-log.png"] {
            XCTAssertTrue(try pngSize(name) == (800, 480), name)
        }
    }

    func testSVG() throws {
        let vm = session()
        run(vm, #"plot([3, 1, 2], title: "an svg", file: "a.svg")"#)
        let text = try String(contentsOf: directory.appendingPathComponent("a.svg"), encoding: .utf8)
        XCTAssertTrue(text.contains("<svg"), String(text.prefix(200)))
        XCTAssertTrue(text.contains("an svg"))
        XCTAssertTrue(text.trimmingCharacters(in: .whitespacesAndNewlines).hasSuffix("</svg>"), "the file is whole")
    }

    // MARK: - text

    func testDumbTerminalRendering() throws {
        let vm = session()
        run(vm, #"plot([1, 4, 9, 16, 25], terminal: "dumb", size: [60, 20], title: "squares")"#)
        let lines = output.split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertTrue(output.contains("squares"), output)
        XCTAssertTrue(lines.contains { $0.hasPrefix("  25 ") }, "a y tic at 25:\n\(output)")
        XCTAssertTrue(output.contains("*"), "the curve")
        XCTAssertTrue(output.contains("index"), "the x label")
        XCTAssertLessThanOrEqual(lines.count, 21)
        XCTAssertTrue(lines.allSatisfy { $0.count <= 60 }, output)
        XCTAssertFalse(output.contains("\u{0C}") || output.contains("\u{1B}"), "no form feed, no colour off a terminal")

        // A log axis has tics at powers of ten, and a linear one between them.
        output = ""
        run(vm, #"plot([1, 10, 100, 1000, 10000], log: "y", terminal: "dumb", size: [60, 20])"#)
        XCTAssertTrue(output.contains(" 1000 ") && !output.contains("2000"), output)

        // Off a terminal, without terminal: or file:, nothing is printed (the plot is still made and checked).
        output = ""
        XCTAssertEqual(run(vm, "plot([1, 2, 3])").display(), "nil")
        XCTAssertEqual(output, "")
    }

    func testRunsInTextWithLegendAndStageMarks() throws {
        let vm = session()
        run(vm, """
            let cur = curriculum([stage(tasks.diagonal(size: 2, entries: 1..3, format: "compact"), promote: fn(s) => s.steps >= 2),
                                  tasks.transpose(size: 2, format: "compact")], window: 2)
            let a = grpo(model(layers: 1, dim: 32, heads: 2, context: 64, seed: 0), rewards.rows, cur, prompts: 2, group: 4, max_tokens: 8)
            a.train(5, progress: false)
            let b = grpo(model(layers: 1, dim: 32, heads: 2, context: 64, seed: 1), rewards.rows, cur, prompts: 2, group: 4, max_tokens: 8)
            b.train(4, progress: false)
            """)
        output = ""
        run(vm, #"plot(a, "reward", "completions/mean_length", terminal: "dumb", size: [100, 30])"#)
        XCTAssertTrue(output.contains("stage 2"), output)
        XCTAssertTrue(output.contains("completions/mean_length"), "the legend names the metrics:\n\(output)")
        XCTAssertTrue(output.contains("step"))
        output = ""
        run(vm, #"plot([a, b], "reward", terminal: "dumb", size: [100, 30], stages: false)"#)
        XCTAssertTrue(output.contains("run 1") && output.contains("run 2"), "the legend names the runs:\n\(output)")
        XCTAssertFalse(output.contains("stage 2"))
    }

    func testTextHeatmap() throws {
        let vm = session()
        run(vm, #"plot([0 1; 2 3], terminal: "dumb")"#)
        XCTAssertTrue(output.contains("2×2"), output)
        XCTAssertTrue(output.contains("@@"), "the largest entry is darkest:\n\(output)")
    }

    // MARK: - errors

    func testMissingGnuplotSaysHowToInstallIt() throws {
        let vm = session()
        Gnuplot.searchPathOverride = ["/nonexistent"]
        let message = error(vm, "plot([1, 2, 3])")
        XCTAssertEqual(message, "plot: gnuplot was not found; install it with `sudo apt-get install gnuplot-nox` (scripts/setup does), or `brew install gnuplot` on macOS")
        Gnuplot.executableOverride = "/nonexistent/gnuplot"
        XCTAssertEqual(error(vm, "plot([1, 2, 3])"), "plot: PIVOT_GNUPLOT is /nonexistent/gnuplot, which is not an executable file")
    }

    /// A shell script standing in for gnuplot.
    func fakeGnuplot(_ body: String) throws -> String {
        let path = directory.appendingPathComponent("fake-gnuplot").path
        try ("#!/bin/sh\n" + body + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o755)
        return path
    }

    func testGnuplotErrorsBecomePivotErrors() throws {
        let vm = session()
        Gnuplot.executableOverride = try fakeGnuplot("""
            cat > /dev/null
            echo 'plot $s0 using 1:2' >&2
            echo '         ^' >&2
            echo '         line 3: undefined variable: bogus' >&2
            exit 1
            """)
        XCTAssertEqual(error(vm, "plot([1, 2, 3])"), "plot: gnuplot failed: line 3: undefined variable: bogus")
        // A gnuplot that stops reading early does not take Pivot down (no SIGPIPE).
        Gnuplot.executableOverride = try fakeGnuplot("exit 3")
        XCTAssertEqual(error(vm, "plot(0..200000)"), "plot: gnuplot failed: gnuplot exited with status 3")
    }

    func testAHangingGnuplotIsKilled() throws {
        let vm = session()
        let pidFile = directory.appendingPathComponent("pid").path
        Gnuplot.executableOverride = try fakeGnuplot("echo $$ > \(pidFile)\nexec sleep 60")
        Gnuplot.timeLimit = 0.5
        let start = Date()
        XCTAssertEqual(error(vm, "plot([1, 2, 3])"), "plot: gnuplot did not finish within 0.5 s and was stopped")
        XCTAssertLessThan(Date().timeIntervalSince(start), 5)
        let pid = try XCTUnwrap(Int32(String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        XCTAssertEqual(kill(pid, 0), -1, "the fake gnuplot is gone")
    }

    func testBadDataAndOptionsGiveClearErrors() throws {
        let vm = session()
        run(vm, "let h = [{step: 1, reward: 0.5, loss: 2}, {step: 2, reward: nil, loss: 1}]")
        let cases: [(String, String)] = [
            ("plot([])", "plot: nothing to plot: the list is empty"),
            ("plot([nil, nil])", "plot: the list has no numbers to plot (every value is nil or NaN)"),
            (#"plot(h, "rewrd")"#, "plot: the run has no metric 'rewrd'; did you mean 'reward'?; its metrics: reward, loss"),
            (#"plot(h, "kl*")"#, "plot: no metric of the run matches 'kl*'; its metrics: reward, loss"),
            (#"plot([1, 2], [1, 2, 3])"#, "plot: x has 2 values and y has 3; they must match"),
            (#"plot([1, "a"])"#, "plot: element 1 of the data is a string, not a number"),
            (#"plot([1, 2], "reward")"#, #"plot: metric names like "reward" need a run (or its history); the data is a list"#),
            (#"plot("reward")"#, "plot: expected a run, a list of numbers or a matrix, got a string"),
            (#"plot([1, 2], log: "z")"#, #"plot: log must be false, true (the y axis), "x", "y" or "xy", got "z""#),
            (#"plot([1, 2], smooth: 2.5)"#, "plot: smooth must be an EMA weight in [0, 1) (0.9 is smooth), a window of steps (an integer ≥ 1) or true (0.8), got 2.5"),
            (#"plot([1, 2], file: "a.jpg")"#, #"plot: file must end in .png, .svg or .txt (text), got "a.jpg""#),
            (#"plot([1, 2], size: [10])"#, "plot: size must be [width, height] (pixels for images, characters for text), got [10]"),
            (#"plot([1, 2], style: "dots")"#, #"plot: style must be one of lines, points, linespoints, steps, impulses, got "dots""#),
            (#"plot([1, 2], x: "time")"#, #"plot: x: "time" applies to runs; for lists give x values first: plot(xs, ys)"#),
            (#"plot(h, "reward", x: "time")"#, #"plot: x: "time" sums the step_time metric, which the run does not have"#),
            (#"plot(h, "reward", y2: "kl")"#, "plot: y2 names 'kl', which is not plotted; plotted: reward"),
            (#"plot([1, 2], labels: ["a", "b"])"#, "plot: labels has 2 names for 1 curve"),
            (#"plot([1, 2], xrange: [3, 1])"#, "plot: xrange must have low < high, got [3, 1]"),
            (#"plot([1, 2], legend: "middle")"#, "plot: legend must be false or a position such as \"top left\" or \"bottom right outside\" (words: above, below, bottom, box, center, horizontal, inside, left, outside, right, top, vertical), got \"middle\""),
            (#"plot([1, 2], terminal: "x11")"#, #"plot: terminal must be "dumb" (text), "sixel" or "auto", got "x11""#),
            (#"plot([1, 2], watch: true)"#, "plot: watch: true redraws while a live run trains (grpo(...)); a list does not change"),
            (#"plot([0, -1], log: true)"#, "plot: log scale: the list has no point with positive y"),
            ("plot(zeros(0, 3))", "plot: the matrix is empty (0×3); nothing to plot"),
            ("plot([1 2; 3 4], 5)", "plot: a matrix is drawn alone, as a heatmap; got 1 more argument"),
            (#"plot([h, 3], "reward")"#, "plot: element 1 of the list is an int, not a run (a list of runs is compared)"),
        ]
        for (program, expected) in cases {
            XCTAssertEqual(error(vm, program), expected, program)
        }
    }

    func testGapsAndHugeLists() throws {
        let vm = session()
        // nil and NaN are gaps, not errors; a million points are fine.
        run(vm, #"plot([1, nil, 3, float("nan"), 5, float("inf"), 7], terminal: "dumb")"#)
        let start = Date()
        run(vm, #"plot(0..1000000, file: "big.png")"#)
        XCTAssertLessThan(Date().timeIntervalSince(start), 15)
        XCTAssertTrue(try pngSize("big.png") == (800, 480))
    }

    #if os(Linux)
    /// Every plot closes what it opened: a long session plots thousands of times.
    func testPlotsLeakNoDescriptors() throws {
        func openDescriptors() throws -> Int { try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count }
        let vm = session()
        run(vm, "plot([1, 2])")
        let before = try openDescriptors()
        run(vm, #"for i in 0..29 { plot([1, 2, i]) }"#)
        XCTAssertLessThanOrEqual(try openDescriptors(), before + 2)
    }
    #endif

    /// Titles are data: gnuplot must not run a backquoted command in them.
    func testTitlesCannotRunCommands() throws {
        let vm = session()
        run(vm, #"plot([1, 2], title: "a `touch pwned` 'quoted' \"b\"", xlabel: "line\nbreak", file: "t.png")"#)
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory.appendingPathComponent("pwned").path))
        XCTAssertTrue(try pngSize("t.png") == (800, 480))
    }

    // MARK: - notebooks and watch

    func testNotebookRecorderGetsAPNG() throws {
        let vm = session()
        var recorded: [(String, String?)] = []
        let target = directory.appendingPathComponent("nb/plot-1.png").path
        vm.plotRecorder = { writePNG in recorded.append((target, writePNG(target))) }
        run(vm, "plot([1, 2, 4])")
        XCTAssertEqual(recorded.count, 1)
        XCTAssertNil(recorded.first?.1, "no error")
        XCTAssertTrue(try pngSize(target) == (800, 480))
    }

    func testWatchRewritesItsFileWhileTraining() throws {
        let vm = session()
        run(vm, """
            let run = grpo(model(layers: 1, dim: 32, heads: 2, context: 64, seed: 0), rewards.rows,
                           tasks.transpose(format: "compact"), prompts: 2, group: 4, max_tokens: 8)
            plot(run, "reward", watch: true, file: "watch.png")
            """)
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory.appendingPathComponent("watch.png").path), "no steps yet")
        run(vm, "run.train(2, progress: false)")
        XCTAssertTrue(try pngSize("watch.png") == (800, 480))
        run(vm, #"plot(run, "reward", watch: false)"#)
        try FileManager.default.removeItem(at: directory.appendingPathComponent("watch.png"))
        run(vm, "run.train(1, progress: false)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory.appendingPathComponent("watch.png").path), "watch: false stops it")
    }

    // MARK: - load_run

    func testLoadRunReadsARunBack() throws {
        let vm = session()
        run(vm, Self.smallRun)
        run(vm, #"let old = load_run("runs/x")"#)
        XCTAssertEqual(run(vm, "old.steps").display(), "3")
        XCTAssertEqual(run(vm, "old.name").display(), "\"runs/x\"")
        XCTAssertEqual(run(vm, "old.history == run.history").display(), "true", "metrics survive the round trip through JSON")
        XCTAssertEqual(run(vm, "old.config.group").display(), "4")
        XCTAssertEqual(run(vm, "old.sample_steps").display(), "[1, 2, 3]")
        XCTAssertEqual(run(vm, "len(old.samples(nil))").display(), "8")
        XCTAssertEqual(run(vm, "old.samples(2, step: 1)[0].step").display(), "1")
        XCTAssertEqual(run(vm, "map(old.samples(8), fn(s) => s.completion) == map(run.samples(8), fn(s) => s.completion)").display(), "true")
        XCTAssertEqual(run(vm, #"load_run("x").name"#).display(), "\"runs/x\"", "a bare name is looked up under runs/")
        run(vm, #"plot([run, old], "reward", file: "both.png")"#)
        XCTAssertTrue(try pngSize("both.png") == (800, 480))

        // A torn last line (a crash mid-write) is skipped and counted.
        let metrics = directory.appendingPathComponent("runs/x/metrics.jsonl")
        let handle = try FileHandle(forWritingTo: metrics)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(#"{"step": 4, "rew"#.utf8))
        try handle.close()
        XCTAssertEqual(run(vm, #"let torn = load_run("runs/x"); [torn.steps, torn.skipped]"#).display(), "[3, 1]")
    }

    func testLoadRunErrors() throws {
        let vm = session()
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("runs/empty"), withIntermediateDirectories: true)
        XCTAssertEqual(error(vm, #"load_run("runs/emty")"#), "load_run: there is no run directory runs/emty; did you mean runs/empty? (runs/ holds empty)")
        XCTAssertEqual(error(vm, #"load_run("runs/empty")"#), "load_run: runs/empty is not a run directory: it has no config.json or metrics.jsonl")
        try "{".write(to: directory.appendingPathComponent("runs/empty/config.json"), atomically: true, encoding: .utf8)
        XCTAssertTrue(error(vm, #"load_run("runs/empty")"#)?.hasPrefix("load_run: runs/empty/config.json is not valid JSON") == true)
        try "{}".write(to: directory.appendingPathComponent("runs/empty/config.json"), atomically: true, encoding: .utf8)
        XCTAssertEqual(error(vm, #"plot(load_run("empty"))"#), "plot: runs/empty has no steps yet")
    }

    // MARK: - pieces

    func testSmoothing() {
        let constant = PlotSmoothing.ema(0.9).apply([5, 5, 5, 5])
        for v in constant { XCTAssertEqual(v, 5, accuracy: 1e-12, "debiased EMA keeps a constant") }
        // Against the recurrence written out: s_t = (w s_{t-1} + (1-w) y_t), divided by 1 - w^t.
        let w = 0.6, ys: [Double] = [1, 3, .nan, 2]
        let got = PlotSmoothing.ema(w).apply(ys)
        let e1 = 0.4 * 1, e2 = w * e1 + 0.4 * 3, e3 = w * e2 + 0.4 * 2
        XCTAssertEqual(got[0], e1 / (1 - w), accuracy: 1e-12)
        XCTAssertEqual(got[1], e2 / (1 - w * w), accuracy: 1e-12)
        XCTAssertTrue(got[2].isNaN, "a gap stays a gap")
        XCTAssertEqual(got[3], e3 / (1 - w * w * w), accuracy: 1e-12)
        XCTAssertEqual(PlotSmoothing.window(2).apply([1, 2, 3]), [1, 1.5, 2.5])
    }

    func testScriptQuotingAndGaps() {
        XCTAssertEqual(PlotScript.quote("it's `x`\n"), "'it''s `x` '")
        var s = ""
        PlotScript.datablock("$a", [1, 2, 3, 4], [1, .nan, .infinity, 4], into: &s)
        XCTAssertEqual(s, "$a << EOD\n1 1\n\n4 4\nEOD\n")
        XCTAssertTrue(PlotSource.glob("rewards/*/mean", "rewards/rows/mean"))
        XCTAssertFalse(PlotSource.glob("rewards/*/mean", "rewards/rows/std"))
        XCTAssertTrue(PlotSource.glob("*length*", "completions/mean_length"))
    }
}
