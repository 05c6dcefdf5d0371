import Engine
import Foundation

extension Builtins {
    /// plot, load_run.
    static func plots() -> [Builtin] {
        [
            Builtin("plot", PlotRequest.parameters, help: """
                Draws curves of a run's metrics, lists of numbers, or a matrix as a heatmap, with gnuplot.

                  plot(run, "reward", "completions/mean_length")   # length on the right axis
                  plot([run_a, load_run("runs/old")], "reward", smooth: 0.9)
                  plot(run, "rewards/*/mean", x: "time", file: "plots/parts.png")
                  plot([1, 4, 9, 16])   # nil
                  plot(xs, ys)
                  plot(randmat(8, seed: 1))
                data is a run (grpo, load_run or sft), a list of runs (overlaid; the
                legend names each runs/NAME, or "run K"), a run's history, a list of
                numbers (y over the index), a list of lists (several curves), x
                followed by lists of y, or a matrix (a heatmap, row 0 on top).
                Metric names may hold `*` ("rewards/*/mean"); without any, reward
                (else loss) is drawn. Options:
                - x: "step", "time" (training time, the sum of step_time) or a metric
                name (a scatter plot).
                - smooth: an EMA weight in [0, 1) as TensorBoard's (0.9 is smooth; the
                raw curve stays faint in images), a window of steps (an integer),
                or true (0.8).
                - log: true (or "y"), "x" or "xy".
                - title, xlabel, ylabel: texts ("" for none).
                - y2: metric names for the right axis; by default the second of two
                metrics goes there when their sizes differ tenfold; false: never.
                - stages: dashed marks where a curriculum's stage changes (true).
                - style: "lines", "points", "linespoints", "steps" or "impulses".
                - labels: the curves' names, in order. legend: false, or a position
                such as "top left".
                - xrange, yrange: [low, high], nil for automatic.
                - size: [width, height]: pixels for images, characters for text.
                - file: "x.png" (800×480), "x.svg" or "x.txt" writes that file (and
                its directory) and plot returns the path; otherwise a terminal
                shows the plot as text sized to the window, and elsewhere nothing
                is printed (the plot is still made, so errors show).
                - terminal: "dumb" prints text anywhere; "sixel" draws pixels in
                terminals that show sixels (PIVOT_PLOT_TERMINAL=sixel makes it the
                default).
                - watch: true redraws the plot in place (or rewrites file:) during
                run.train(...); false stops that.

                In a notebook every plot is also saved as a PNG beside it. gnuplot
                runs as a child process (PIVOT_GNUPLOT picks which) and is stopped
                after 20 s (PIVOT_PLOT_TIMEOUT); its errors are plot's errors.
                """) { args throws(Unwind) in
                try Plotter.draw(try PlotRequest(args), vm: args.vm)
            },
            Builtin("load_run", [.required("path")], help: """
                Reads a run directory back (runs/NAME): config, metrics per step and samples, to plot and compare old runs.

                  let old = load_run("runs/inv2")
                  old.history[-1].reward
                  plot([old, run], "reward")
                Fields: name ("runs/inv2"), path, config (config.json as a
                record), history (one record per line of metrics.jsonl), steps,
                samples(k = 8, step: nil) (the saved completions of the newest
                sampled step, or of that step; k: nil for all), sample_steps,
                events (stage changes: {step, from, to}), skipped (unreadable
                lines of metrics.jsonl, such as a line torn by a crash; a warning
                counts them). A bare NAME is looked up under runs/ too.
                """) { args throws(Unwind) in
                .object(try LoadedRun.load(try args.string(0)))
            },
        ]
    }
}

/// Draws a checked plot request where it should go: a file, the terminal,
/// the notebook's PNG, and redraws while watched runs train.
enum Plotter {
    static func draw(_ request: PlotRequest, vm: Interpreter) throws(Unwind) -> Value {
        let watching = request.watch == true
        let runs = request.watch == nil ? [] : (try request.sources(vm: vm) ?? []).compactMap(\.run)
        if watching && runs.isEmpty {
            throw fail("plot: watch: true redraws while a live run trains (grpo(...)); \(article(request.data.typeName)) does not change")
        }
        if let spec = try request.spec(vm: vm, allowEmpty: watching) {
            if let file = request.file {
                try write(spec, to: file, size: request.size)
            } else {
                try show(spec, request, vm: vm)
            }
            if let recorder = vm.plotRecorder {
                recorder { path in
                    do throws(Unwind) {
                        try write(spec, to: path, size: nil)
                        return nil
                    } catch {
                        if case .error(let e) = error { return e.message }
                        return "plot: failed"
                    }
                }
            }
        }
        if request.watch != nil { setWatch(request, runs: runs, vm: vm) }
        return request.file.map { .string($0) } ?? .nil
    }

    /// Runs gnuplot; its failures become plot's errors.
    static func gnuplot(_ script: String, takeInterrupts: Bool = true) throws(Unwind) -> Data {
        do throws(Gnuplot.Failure) {
            return try Gnuplot.run(script, takeInterrupts: takeInterrupts)
        } catch {
            throw fail(error == .interrupted ? "interrupted" : "plot: " + Gnuplot.message(error))
        }
    }

    /// The plot as text, `cols`×`rows` characters.
    static func text(_ spec: PlotSpec, cols: Int, rows: Int, color: Bool, takeInterrupts: Bool = true) throws(Unwind) -> String {
        if case .heatmap(let map) = spec.content, !color {
            return PlotText.heatmap(map, title: spec.title, cols: cols, rows: rows)
        }
        let out = try gnuplot(PlotScript.make(spec, for: .text(cols: cols, rows: rows, color: color)), takeInterrupts: takeInterrupts)
        return PlotText.tidy(String(decoding: out, as: UTF8.self))
    }

    static var colorAllowed: Bool { ProcessInfo.processInfo.environment["NO_COLOR"] == nil }

    /// On a terminal: text (or sixels). Elsewhere: drawn and thrown away, so
    /// a script learns of a bad plot where it is made.
    static func show(_ spec: PlotSpec, _ request: PlotRequest, vm: Interpreter) throws(Unwind) {
        let window = PlotText.windowSize()
        var terminal = request.terminal
        if terminal == .auto, window != nil, ProcessInfo.processInfo.environment["PIVOT_PLOT_TERMINAL"] == "sixel" {
            terminal = .sixel
        }
        // A picture drawn for the terminal while a notebook records (the
        // REPL) goes to the screen only: the notebook keeps the PNG, and a
        // replay, which has no terminal, would not draw it again.
        func draw(_ text: String) {
            if vm.plotRecorder != nil && terminal != .dumb {
                FileHandle.standardOutput.write(Data(text.utf8))
            } else {
                vm.output(text)
            }
        }
        switch terminal {
        case .sixel:
            let size = request.size ?? PlotOutput.defaultImageSize
            try checkImageSize(size)
            let out = try gnuplot(PlotScript.make(spec, for: .sixel(width: size.0, height: size.1)))
            draw(String(decoding: out, as: UTF8.self) + "\n")
        case .dumb, .auto:
            let size = try textSize(request, window: window)
            let text = try text(spec, cols: size.cols, rows: size.rows, color: window != nil && colorAllowed)
            if window != nil || terminal == .dumb { draw(text) }
        }
    }

    static func textSize(_ request: PlotRequest, window: (cols: Int, rows: Int)?) throws(Unwind) -> (cols: Int, rows: Int) {
        if let (cols, rows) = request.size {
            guard cols >= 10 && cols <= 2000 && rows >= 5 && rows <= 1000 else {
                throw fail("plot: a text plot's size must be [columns, rows] between [10, 5] and [2000, 1000], got [\(cols), \(rows)]")
            }
            return (cols, rows)
        }
        return window.map(PlotText.plotSize) ?? (80, 24)
    }

    /// Writes a PNG, SVG or text file (by the extension), making its directory.
    static func write(_ spec: PlotSpec, to file: String, size: (Int, Int)?, takeInterrupts: Bool = true) throws(Unwind) {
        let fm = FileManager.default
        let url = file.hasPrefix("/") ? URL(fileURLWithPath: file)
            : URL(fileURLWithPath: fm.currentDirectoryPath).appendingPathComponent(file)
        do {
            try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        } catch {
            throw fail("plot: cannot make the directory of \(file): \(error.localizedDescription)")
        }
        // gnuplot that cannot open its output only warns: a stale file must not pass for a new one.
        if fm.fileExists(atPath: url.path) { try? fm.removeItem(at: url) }
        let ext = url.pathExtension.lowercased()
        if ext == "txt" {
            let (cols, rows) = size ?? (80, 24)
            let text = try text(spec, cols: cols, rows: rows, color: false, takeInterrupts: takeInterrupts)
            do { try text.write(to: url, atomically: true, encoding: .utf8) } catch {
                throw fail("plot: cannot write \(file): \(error.localizedDescription)")
            }
            return
        }
        let (width, height) = size ?? PlotOutput.defaultImageSize
        try checkImageSize((width, height))
        let output: PlotOutput = ext == "svg" ? .svg(path: url.path, width: width, height: height)
            : .png(path: url.path, width: width, height: height)
        _ = try gnuplot(PlotScript.make(spec, for: output), takeInterrupts: takeInterrupts)
        let written = (try? fm.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
        if written == 0 { throw fail("plot: gnuplot could not write \(file)") }
    }

    static func checkImageSize(_ size: (Int, Int)) throws(Unwind) {
        guard size.0 >= 16 && size.0 <= 20_000 && size.1 >= 16 && size.1 <= 20_000 else {
            throw fail("plot: an image's size must be [width, height] in pixels between 16 and 20000, got [\(size.0), \(size.1)]")
        }
    }

    // MARK: - watch

    static func setWatch(_ request: PlotRequest, runs: [RunObject], vm: Interpreter) {
        if request.watch == true {
            let watch = PlotWatch(request: request, vm: vm)
            for run in runs {
                run.watchers["plot"] = { [weak run] done, total in
                    if let run { watch.redraw(run, done: done, total: total) }
                }
            }
        } else {
            for run in runs { run.watchers["plot"] = nil }
        }
    }
}

/// A plot redrawn after the steps of `run.train(...)`: in place on the
/// terminal (straight to it: a redraw is not output a notebook keeps), or
/// by rewriting its file. At most every half second (a file every two),
/// and after the last step.
final class PlotWatch {
    let request: PlotRequest
    weak var vm: Interpreter?
    private var drawnInCall = false
    private var linesDrawn = 0
    private var lastDraw: UInt64 = 0
    private var eventsSeen = 0
    private var failed = false

    init(request: PlotRequest, vm: Interpreter) {
        self.request = request
        self.vm = vm
    }

    func redraw(_ run: RunObject, done: Int, total: Int) {
        guard let vm, !failed else { return }
        if done <= 1 { drawnInCall = false }
        let now = DispatchTime.now().uptimeNanoseconds
        let pause: UInt64 = request.file == nil ? 500_000_000 : 2_000_000_000
        if drawnInCall && done < total && now - lastDraw < pause { return }
        // A Ctrl-C is for train to act on; do not start gnuplot under it.
        if interruptRequested.load(ordering: .relaxed) { return }
        do throws(Unwind) {
            guard let spec = try request.spec(vm: vm, allowEmpty: true) else { return }
            lastDraw = now
            if let file = request.file {
                try Plotter.write(spec, to: file, size: request.size, takeInterrupts: false)
                return
            }
            guard let window = PlotText.windowSize() else { return }
            var size = try Plotter.textSize(request, window: window)
            size.rows = min(size.rows, max(5, window.rows - 2))  // moving up past the top of the window cannot work
            let text = try Plotter.text(spec, cols: size.cols, rows: size.rows, color: Plotter.colorAllowed, takeInterrupts: false)
            // Erase the previous drawing unless a curriculum message was printed below it.
            let events = run.source.curriculum?.progress.events.count ?? 0
            var out = ""
            if drawnInCall && linesDrawn > 0 && events == eventsSeen { out = "\u{1B}[\(linesDrawn)F\u{1B}[J" }
            out += text
            FileHandle.standardOutput.write(Data(out.utf8))
            linesDrawn = text.reduce(0) { $0 + ($1 == "\n" ? 1 : 0) }
            eventsSeen = events
            drawnInCall = true
        } catch {
            // Said once; the run goes on without the plot.
            failed = true
            if case .error(let e) = error, e.message != "interrupted" {
                FileHandle.standardError.write(Data("plot (watch): \(e.message); no more redraws\n".utf8))
            }
        }
    }
}
