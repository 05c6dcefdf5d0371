import Foundation
import Lang

/// Runs a notebook's cells one after another in one interpreter, each as
/// if it had been typed into the REPL: its own program (so a cell may
/// redefine a name), what it prints plus the value of a final bare
/// expression as its output, `ans` set to that value. Errors point at the
/// notebook's own lines.
final class NotebookRunner {
    /// What running one cell gave.
    struct CellRun {
        /// The output lines: what the cell printed, its value, `plot: PATH`
        /// lines, and `error: MESSAGE` lines when it failed.
        var output: [String]
        /// Empty when the cell ran without error.
        var diagnostics: [Diagnostic]

        var failed: Bool { !diagnostics.isEmpty }
    }

    /// The notebook's path as given: names in errors, and where plot paths start.
    let path: String
    let notebook: Notebook
    let vm: Interpreter
    /// Where plot PNGs are written: beside the notebook, or a scratch
    /// directory (the recorded path is always `NAME.plots/cell-N-K.png`).
    let plotDirectory: String
    /// Plots written, as (recorded path, where the file is).
    private(set) var plots: [(recorded: String, file: String)] = []
    /// Sees each piece of output as it is printed.
    var onOutput: ((String) -> Void)?

    private var captured = ""

    init(path: String, notebook: Notebook, plotDirectory: String, configure: (Interpreter) -> Void = { _ in }) {
        self.path = path
        self.notebook = notebook
        self.plotDirectory = plotDirectory
        vm = Interpreter()
        if let warning = vm.loadStandardLibrary() { Driver.writeError(warning) }
        vm.defineGlobal("ans", .nil, mutable: true)
        vm.output = { [weak self] text in self?.emit(text) }
        configure(vm)
    }

    private func emit(_ text: String) {
        guard !text.isEmpty else { return }
        captured += text
        onOutput?(text)
    }

    /// Runs cell `index` (0 is the header).
    func run(cell index: Int) -> CellRun {
        let cell = notebook.cells[index]
        captured = ""
        var plotCount = 0
        vm.plotRecorder = { [weak self] writePNG in
            guard let self else { return }
            plotCount += 1
            let recorded = Notebook.plotFileName(notebookPath: path, cell: index, plot: plotCount)
            let file = (plotDirectory as NSString).appendingPathComponent((recorded as NSString).lastPathComponent)
            do {
                try FileManager.default.createDirectory(atPath: plotDirectory, withIntermediateDirectories: true)
            } catch {
                emit("plot failed: cannot create '\(plotDirectory)'\n")
                return
            }
            if let problem = writePNG(file) {
                emit("plot failed: \(problem)\n")
            } else {
                plots.append((recorded, file))
                emit(Notebook.plotPrefix + recorded + "\n")
            }
        }
        defer { vm.plotRecorder = nil }
        let source = SourceFile(name: path, text: cell.runnableText, firstLine: cell.firstLine)
        let result = vm.run(source)
        if result.succeeded, let value = result.value, !value.isNil {
            emit(value.display() + "\n")
            vm.defineGlobal("ans", value, mutable: true)
        }
        var output = Notebook.outputLines(captured)
        if !result.succeeded {
            let errors = result.diagnostics.map { "error: " + $0.message }
            output += errors
            onOutput?((captured.isEmpty || captured.hasSuffix("\n") ? "" : "\n") + errors.map { $0 + "\n" }.joined())
        }
        captured = ""
        return CellRun(output: output, diagnostics: result.diagnostics)
    }
}
