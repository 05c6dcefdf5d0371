import Foundation

/// The session as a notebook: what `:save` writes. Each entry that ran
/// without error becomes a cell — a `# %%` line, the entry's code, then what
/// it printed as `# => ` lines — so the file runs with `pivot run` and
/// `pivot replay FILE --check` runs every entry again and compares.
/// Plots made in the session are copied beside the file as
/// `NAME.plots/cell-N-K.png`, the names `pivot replay --update` gives them.
struct ReplTranscript {
    struct Entry: Equatable {
        var code: String
        var output: String
    }

    private(set) var entries: [Entry] = []
    /// Where this session's plots are until `:save` copies them.
    let plots = SessionPlots()

    mutating func record(code: String, output: String) {
        entries.append(Entry(code: code, output: output))
    }

    mutating func clear() { entries.removeAll() }

    /// The session as notebook text for a file at `path`, and the plot
    /// files to copy (scratch file -> path relative to the notebook's directory).
    func notebook(for path: String) -> (text: String, plots: [(from: String, to: String)]) {
        var out = ""
        var copies: [(from: String, to: String)] = []
        for (index, entry) in entries.enumerated() {
            let cell = index + 1
            var code = entry.code
            while code.hasSuffix("\n") { code.removeLast() }
            if index > 0 { out += "\n" }
            out += Notebook.markerPrefix + "\n" + code + "\n"
            var plotNumber = 0
            for line in Notebook.outputLines(entry.output) {
                var line = line
                if let file = Notebook.plotPath(line), plots.owns(file) {
                    plotNumber += 1
                    let name = Notebook.plotFileName(notebookPath: path, cell: cell, plot: plotNumber)
                    copies.append((file, name))
                    line = Notebook.plotPrefix + name
                }
                out += Notebook.outputLine(line) + "\n"
            }
        }
        return (out, copies)
    }

    /// The notebook text as `:save` would write it to `session.pv`.
    var text: String { notebook(for: "session.pv").text }

    /// Writes the notebook to `path` atomically (a temporary file beside
    /// it, then rename), after copying its plots into `NAME.plots/`.
    func save(to path: String) throws(SaveError) {
        let (text, copies) = notebook(for: path)
        let directory = NotebookFile.directory(of: path)
        let fileManager = FileManager.default
        let plotDirectory = (directory as NSString).appendingPathComponent(Notebook.plotDirectoryName(notebookPath: path))
        var kept = Set<String>()
        for copy in copies {
            let destination = (directory as NSString).appendingPathComponent(copy.to)
            do {
                try fileManager.createDirectory(atPath: plotDirectory, withIntermediateDirectories: true)
                guard let data = fileManager.contents(atPath: copy.from) else {
                    throw SaveError(message: "cannot read the plot '\(copy.from)'")
                }
                try NotebookFile.writeAtomically([UInt8](data), to: destination)
            } catch let error as SaveError {
                throw error
            } catch let error as NotebookFile.WriteError {
                throw SaveError(message: error.message)
            } catch {
                throw SaveError(message: "cannot create '\(plotDirectory)': \(error.localizedDescription)")
            }
            kept.insert((copy.to as NSString).lastPathComponent)
        }
        // Plots an earlier save of another session left there.
        if let names = try? fileManager.contentsOfDirectory(atPath: plotDirectory) {
            for name in names where !kept.contains(name) && ReplaySession.isPlotFileName(name) {
                try? fileManager.removeItem(atPath: (plotDirectory as NSString).appendingPathComponent(name))
            }
        }
        do {
            try NotebookFile.writeAtomically(text, to: path)
        } catch {
            throw SaveError(message: error.message)
        }
    }

    struct SaveError: Error {
        let message: String
    }
}

/// The plots of a REPL session: `plot(...)` writes them to a scratch
/// directory (`plot-1.png`, `plot-2.png`, ...) and the REPL shows their
/// paths; `:save` copies them beside the notebook. The directory goes when
/// the session ends (`Driver.repl`).
final class SessionPlots {
    private(set) var directory: String?
    private var count = 0

    /// Removes the scratch directory and the plots in it.
    func removeDirectory() {
        if let directory { NotebookFile.removeTree(directory) }
        directory = nil
    }

    /// What the interpreter's `plotRecorder` is in the REPL; `emit` prints.
    func recorder(emit: @escaping (String) -> Void) -> (_ writePNG: (String) -> String?) -> Void {
        { [self] writePNG in
            if directory == nil { directory = NotebookFile.makeTemporaryDirectory("pivot-session") }
            guard let directory else {
                emit("plot failed: cannot create a directory under \(NSTemporaryDirectory())\n")
                return
            }
            count += 1
            let file = (directory as NSString).appendingPathComponent("plot-\(count).png")
            if let problem = writePNG(file) {
                emit("plot failed: \(problem)\n")
            } else {
                emit(Notebook.plotPrefix + file + "\n")
            }
        }
    }

    /// Whether `file` is one of this session's plots.
    func owns(_ file: String) -> Bool {
        guard let directory else { return false }
        return file.hasPrefix(directory + "/")
    }
}
