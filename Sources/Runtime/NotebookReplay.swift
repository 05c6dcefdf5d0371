import Engine
import Foundation
import Lang

/// `pivot replay`: runs every cell of a notebook, then shows the fresh
/// outputs, compares them with the recorded ones, or writes them into the file.
public enum ReplayMode: Sendable {
    /// Print the notebook with fresh outputs (streamed); change nothing.
    case show
    /// Compare every cell's output with the recorded one.
    case check
    /// Write the fresh outputs (and plots) into the notebook.
    case update
}

public struct ReplayOptions: Sendable {
    public var mode: ReplayMode
    /// Overrides the notebook's `# pivot: rtol` (default 1e-6).
    public var rtol: Double?
    /// Overrides the notebook's `# pivot: atol` (default 1e-12).
    public var atol: Double?
    /// Honour `# pivot: skip-check REASON` (what CI does for long notebooks).
    public var skipMarked: Bool

    public init(mode: ReplayMode, rtol: Double? = nil, atol: Double? = nil, skipMarked: Bool = false) {
        self.mode = mode
        self.rtol = rtol
        self.atol = atol
        self.skipMarked = skipMarked
    }
}

extension Driver {
    /// `pivot replay FILE... [--check | --update]`: each notebook in a fresh
    /// interpreter. The exit code is the worst: 1 when outputs differ, 65 or
    /// 70 when a cell failed that is not marked `[error]`, 64 for an
    /// unreadable file.
    public static func replay(_ paths: [String], options: ReplayOptions) -> Int32 {
        withStandardOutputOffTerminal { output in
            var worst = exitOK
            for path in paths {
                worst = max(worst, replay(path, options: options, output: output))
            }
            return worst
        }
    }

    /// Runs `body` with standard output (file descriptor 1) not a terminal,
    /// handing it a writer to the real standard output. Cells then run as
    /// they do in CI: what a builtin shows only at a terminal (plot's text
    /// drawing, in colour) never gets into a notebook, so a notebook
    /// updated at a terminal checks clean elsewhere.
    static func withStandardOutputOffTerminal<T>(_ body: (@escaping (String) -> Void) -> T) -> T {
        guard isatty(STDOUT_FILENO) != 0 else { return body(writeOutput) }
        let saved = dup(STDOUT_FILENO)
        let null = open("/dev/null", O_WRONLY | O_CLOEXEC)
        guard saved >= 0, null >= 0, dup2(null, STDOUT_FILENO) >= 0 else {
            if saved >= 0 { close(saved) }
            if null >= 0 { close(null) }
            return body(writeOutput)
        }
        close(null)
        defer {
            dup2(saved, STDOUT_FILENO)
            close(saved)
        }
        let terminal = FileHandle(fileDescriptor: saved, closeOnDealloc: false)
        return body { terminal.write(Data($0.utf8)) }
    }

    public static func writeOutput(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    static func replay(_ path: String, options: ReplayOptions, output: @escaping (String) -> Void,
                       configure: @escaping (Interpreter) -> Void = { _ in }) -> Int32 {
        let text: String
        switch NotebookFile.read(path) {
        case .success(let contents): text = contents
        case .failure(let error):
            writeError("pivot: \(error.message)\n")
            return exitUsage
        }
        let notebook = Notebook(parsing: text)
        for warning in notebook.warnings(file: path) { writeError(warning + "\n") }
        if options.mode == .check, options.skipMarked, let reason = notebook.skipReason {
            output("skipped \(path): \(reason)\n")
            return exitOK
        }
        let tolerance = NotebookTolerance(
            rtol: options.rtol ?? notebook.toleranceDirective("rtol") ?? NotebookTolerance.standard.rtol,
            atol: options.atol ?? notebook.toleranceDirective("atol") ?? NotebookTolerance.standard.atol)
        // Plots go beside the notebook only for --update, and only once
        // every cell has run; until then (and for --check) they wait in a
        // scratch directory.
        let notebookDirectory = NotebookFile.directory(of: path)
        let scratchParent = options.mode == .update ? notebookDirectory : NSTemporaryDirectory()
        let scratchName = (options.mode == .update ? ".pivot-plots-" : "pivot-replay-plots-")
            + "\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let scratch = (scratchParent as NSString).appendingPathComponent(scratchName)
        let start = ContinuousClock.now

        return runOnLargeStack {
            installInterruptHandler()
            interruptRequested.store(false, ordering: .relaxed)
            let runner = NotebookRunner(path: path, notebook: notebook, plotDirectory: scratch, configure: configure)
            finished.append(runner.vm)
            let session = ReplaySession(path: path, notebook: notebook, output: output)
            var failure: (cell: Int, diagnostics: [Diagnostic])?
            for index in notebook.cells.indices {
                let cell = notebook.cells[index]
                if options.mode == .show { runner.onOutput = session.beginShowing(cell: index) }
                let result = runner.run(cell: index)
                session.outputs[index] = result.output
                if options.mode == .show { session.endShowing(cell: index) }
                if result.failed {
                    // An expected error is output like any other, recorded and compared.
                    if !cell.expectsError {
                        report(result.diagnostics)
                        failure = (index, result.diagnostics)
                        break
                    }
                } else if cell.expectsError {
                    writeError("\(path):\(cell.markerLine): warning: \(cell.label(number: index)) is marked [error] but ran without error\n")
                }
            }
            let elapsed = ContinuousClock.now - start
            defer {
                if options.mode != .show || runner.plots.isEmpty { NotebookFile.removeTree(scratch) }
            }
            switch options.mode {
            case .show:
                if !runner.plots.isEmpty {
                    writeError("pivot: this replay's plots are in \(scratch) (\(Notebook.plotDirectoryName(notebookPath: path)) is untouched)\n")
                }
                return failure.map { exitCode(for: $0.diagnostics) } ?? exitOK
            case .check:
                return session.check(tolerance: tolerance, failure: failure, elapsed: elapsed,
                                     plotExists: { FileManager.default.fileExists(atPath: (notebookDirectory as NSString).appendingPathComponent($0)) })
            case .update:
                if let failure {
                    let cell = notebook.cells[failure.cell]
                    writeError("pivot: \(path) is not updated: \(cell.label(number: failure.cell)) (line \(cell.markerLine)) failed; mark it '# %% [error]' if the error is expected\n")
                    return exitCode(for: failure.diagnostics)
                }
                return session.update(original: text, plots: runner.plots, scratch: scratch, notebookDirectory: notebookDirectory)
            }
        }
    }
}

/// One notebook's replay: the fresh outputs and what is done with them.
final class ReplaySession {
    let path: String
    let notebook: Notebook
    let output: (String) -> Void
    /// Fresh output lines by cell index; cells after a failure have none.
    var outputs: [Int: [String]] = [:]
    /// The output of the cell being shown.
    private var stream: OutputLineStream?

    init(path: String, notebook: Notebook, output: @escaping (String) -> Void) {
        self.path = path
        self.notebook = notebook
        self.output = output
    }

    // MARK: - Showing

    /// Prints a cell's marker and code, and returns what prints its output
    /// as `# => ` lines as they come.
    func beginShowing(cell index: Int) -> (String) -> Void {
        let cell = notebook.cells[index]
        var text = cell.marker.map { $0 + "\n" } ?? ""
        let code = cell.code
        if !code.isEmpty { text += code + "\n" }
        output(text)
        let stream = OutputLineStream(output)
        self.stream = stream
        return { stream.add($0) }
    }

    /// Ends a cell's output and prints the blank lines that end the cell.
    func endShowing(cell index: Int) {
        let cell = notebook.cells[index]
        let code = cell.lines.filter { Notebook.outputText($0) == nil }
        var blanks = 0
        for line in code.reversed() {
            guard line.allSatisfy(\.isWhitespace) else { break }
            blanks += 1
        }
        if code.allSatisfy({ $0.allSatisfy(\.isWhitespace) }) { blanks = 0 }
        stream?.finish()
        stream = nil
        output(String(repeating: "\n", count: blanks))
    }

    // MARK: - Checking

    /// Compares every cell that ran and is not `[nocheck]`; prints a diff
    /// per differing cell and a summary line. Returns the exit code.
    func check(tolerance: NotebookTolerance, failure: (cell: Int, diagnostics: [Diagnostic])?,
               elapsed: Duration, plotExists: (String) -> Bool) -> Int32 {
        var differing: [Int] = []
        var unchecked = 0
        for (index, cell) in notebook.cells.enumerated() {
            guard let got = outputs[index] else { break }
            if cell.isUnchecked {
                unchecked += 1
                continue
            }
            let recorded = cell.output
            var missingPlots: [String] = []
            let cellTolerance = cell.tolerance(tolerance)
            let match = { (old: String, new: String) -> Bool in
                if let plot = Notebook.plotPath(old) { return old == new && plotExists(plot) }
                return Notebook.linesMatch(recorded: old, got: new, tolerance: cellTolerance)
            }
            guard let diff = Notebook.diff(recorded: recorded, got: got, match: match) else { continue }
            for line in recorded {
                if let plot = Notebook.plotPath(line), got.contains(line), !plotExists(plot) { missingPlots.append(plot) }
            }
            differing.append(index)
            var report = "\(path):\(cell.markerLine): \(cell.label(number: index)): "
            report += failure?.cell == index ? "failed\n" : "output differs (- recorded, + replayed)\n"
            report += Notebook.render(diff)
            for plot in missingPlots { report += "  (the recorded plot \(plot) does not exist)\n" }
            if let worst = Notebook.largestFloatDifference(recorded: recorded, got: got) {
                report += "  (only floats differ, by up to \(NotebookTolerance.format(worst, digits: 2)) relative; the cell allows \(cellTolerance))\n"
            }
            output(report)
        }
        let counted = notebook.cells.indices.filter { $0 > 0 || !notebook.cells[0].isEmpty || !notebook.cells[0].output.isEmpty }
        let total = counted.count
        var summary = "\(path): "
        if let failure {
            let cell = notebook.cells[failure.cell]
            let notRun = notebook.cells.count - failure.cell - 1
            summary += "\(cell.label(number: failure.cell)) (line \(cell.markerLine)) failed"
            summary += notRun > 0 ? "; \(notRun) later cell\(notRun == 1 ? "" : "s") did not run" : ""
            summary += "; mark it '# %% [error]' if the error is expected\n"
            output(summary)
            return Driver.exitCode(for: failure.diagnostics)
        }
        let exempt = unchecked > 0 ? ", \(unchecked) [nocheck]" : ""
        if differing.isEmpty {
            summary += "\(total) cell\(total == 1 ? "" : "s") match (\(tolerance)\(exempt)) in \(ReplaySession.format(elapsed))\n"
            output(summary)
            return Driver.exitOK
        }
        summary += "\(differing.count) of \(total) cell\(total == 1 ? "" : "s") differ\(differing.count == 1 ? "s" : "") (\(tolerance)\(exempt))\n"
        output(summary)
        return 1
    }

    static func format(_ duration: Duration) -> String {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
        return String(format: "%.1f s", seconds)
    }

    // MARK: - Updating

    /// Writes the fresh outputs into the notebook (atomically) and moves
    /// the plots into `NAME.plots/`, removing plot files no cell makes now.
    func update(original: String, plots: [(recorded: String, file: String)], scratch: String,
                notebookDirectory: String) -> Int32 {
        let updated = notebook.replacingOutputs(outputs)
        let fileManager = FileManager.default
        let plotDirectory = (notebookDirectory as NSString)
            .appendingPathComponent(Notebook.plotDirectoryName(notebookPath: path))
        var kept = Set<String>()
        if !plots.isEmpty {
            do {
                try fileManager.createDirectory(atPath: plotDirectory, withIntermediateDirectories: true)
            } catch {
                Driver.writeError("pivot: cannot create '\(plotDirectory)': \(error.localizedDescription)\n")
                return Driver.exitUsage
            }
        }
        for plot in plots {
            let name = (plot.recorded as NSString).lastPathComponent
            let destination = (plotDirectory as NSString).appendingPathComponent(name)
            if rename(plot.file, destination) != 0 {
                Driver.writeError("pivot: cannot move a plot to '\(destination)': \(NotebookFile.reason(errno))\n")
                return Driver.exitUsage
            }
            kept.insert(name)
        }
        // Plots of cells that no longer make them.
        if let names = try? fileManager.contentsOfDirectory(atPath: plotDirectory) {
            for name in names where !kept.contains(name) && ReplaySession.isPlotFileName(name) {
                try? fileManager.removeItem(atPath: (plotDirectory as NSString).appendingPathComponent(name))
            }
            if (try? fileManager.contentsOfDirectory(atPath: plotDirectory))?.isEmpty == true {
                rmdir(plotDirectory)
            }
        }
        let text = updated.serialized
        let changed = notebook.cells.indices.filter { notebook.cells[$0].output != updated.cells[$0].output }.count
        if text == original {
            output("\(path): up to date (\(notebook.cells.count - 1) cells)\n")
            return Driver.exitOK
        }
        do {
            try NotebookFile.writeAtomically(text, to: path)
        } catch {
            Driver.writeError("pivot: \(error.message)\n")
            return Driver.exitUsage
        }
        output("\(path): updated the output of \(changed) of \(notebook.cells.count - 1) cells\n")
        return Driver.exitOK
    }

    /// `cell-N-K.png`: a name `update` made and may remove.
    static func isPlotFileName(_ name: String) -> Bool {
        let parts = name.split(separator: "-")
        guard parts.count == 3, parts[0] == "cell", parts[2].hasSuffix(".png") else { return false }
        return Int(parts[1]) != nil && Int(parts[2].dropLast(4)) != nil
    }
}

/// Turns printed text into `# => ` lines as it arrives; a line is written
/// when its newline comes (or the cell ends).
final class OutputLineStream {
    private var pending = ""
    let write: (String) -> Void

    init(_ write: @escaping (String) -> Void) {
        self.write = write
    }

    func add(_ text: String) {
        pending += text
        let scalars = pending.unicodeScalars
        guard let last = scalars.lastIndex(of: "\n") else { return }
        let complete = String(scalars[...last])
        pending = String(scalars[scalars.index(after: last)...])
        emit(complete)
    }

    /// Writes the unfinished line, if any.
    func finish() {
        emit(pending)
        pending = ""
    }

    private func emit(_ text: String) {
        guard !text.isEmpty else { return }
        write(Notebook.outputLines(text).map { Notebook.outputLine($0) + "\n" }.joined())
    }
}
