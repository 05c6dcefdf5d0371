import Foundation

/// `pivot export`: a notebook as a report to send to someone — code,
/// recorded outputs and plots — as one self-contained HTML page (plots
/// embedded as data: URIs, no external resources) or as Markdown (plots as
/// image links). Nothing is run: the report shows what the file records.
public enum NotebookExportFormat: Sendable {
    case html
    case markdown

    public var fileExtension: String { self == .html ? "html" : "md" }
}

extension Notebook {
    /// The report's parts: the title, the header's prose, and per cell its
    /// code and outputs.
    struct Report {
        struct Block {
            /// 0 for the header.
            var number: Int
            var title: String
            var tags: [String]
            var code: String
            /// Runs of text lines and plots, in order.
            var outputs: [Output]
        }

        enum Output: Equatable {
            case text([String])
            case plot(String)
        }

        var title: String
        /// The header's comment lines before any code, without `# `.
        var intro: [String]
        var blocks: [Block]
    }

    /// The notebook cut into what a report shows.
    func report(title: String) -> Report {
        var intro: [String] = []
        var blocks: [Report.Block] = []
        for (index, cell) in cells.enumerated() {
            var lines = cell.lines.filter { Notebook.outputText($0) == nil }.map { String(Notebook.withoutCR($0)) }
            if index == 0 {
                // The header's leading comments are prose; `# pivot:` lines are for replay.
                while let first = lines.first, first.hasPrefix("#") || first.allSatisfy(\.isWhitespace) {
                    lines.removeFirst()
                    if first.hasPrefix(Notebook.directivePrefix) { continue }
                    intro.append(first.hasPrefix("# ") ? String(first.dropFirst(2)) : String(first.dropFirst(first.hasPrefix("#") ? 1 : 0)))
                }
            }
            while let first = lines.first, first.allSatisfy(\.isWhitespace) { lines.removeFirst() }
            while let last = lines.last, last.allSatisfy(\.isWhitespace) { lines.removeLast() }
            var outputs: [Report.Output] = []
            for line in cell.output {
                if let plot = Notebook.plotPath(line) {
                    outputs.append(.plot(plot))
                } else if case .text(let run)? = outputs.last {
                    outputs[outputs.count - 1] = .text(run + [line])
                } else {
                    outputs.append(.text([line]))
                }
            }
            if index == 0 && lines.isEmpty && outputs.isEmpty { continue }
            blocks.append(Report.Block(number: index, title: cell.title, tags: cell.tags,
                                       code: lines.joined(separator: "\n"), outputs: outputs))
        }
        while let last = intro.last, last.allSatisfy(\.isWhitespace) { intro.removeLast() }
        return Report(title: title, intro: intro, blocks: blocks)
    }

    /// The report as HTML; `image(path)` gives a plot's PNG bytes (nil when
    /// the file is missing).
    func html(title: String, source: String, image: (String) -> [UInt8]?) -> String {
        let report = report(title: title)
        var out = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="generator" content="pivot \(pivotVersion)">
            <title>\(Notebook.escapeHTML(report.title))</title>
            <style>
            body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; max-width: 60rem;
                   margin: 2rem auto; padding: 0 1rem; color: #1f2328; line-height: 1.45; }
            h1 { font-size: 1.6rem; margin-bottom: .3rem; }
            h2 { font-size: 1.05rem; margin: 1.8rem 0 .4rem; }
            h2 .n { color: #8c959f; font-weight: normal; margin-right: .4rem; }
            .tag { font-size: .75rem; font-weight: normal; border: 1px solid #d0d7de; border-radius: 1rem;
                   padding: 0 .45rem; margin-left: .4rem; color: #57606a; }
            .intro p { margin: .3rem 0; }
            pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .85rem;
                  padding: .6rem .8rem; overflow-x: auto; margin: .3rem 0; white-space: pre; }
            pre.code { background: #f6f8fa; border: 1px solid #d0d7de; border-radius: 6px; }
            pre.output { border-left: 3px solid #8c959f; background: #fff; }
            .error { color: #cf222e; }
            figure { margin: .5rem 0; }
            figure img { max-width: 100%; border: 1px solid #d0d7de; }
            figcaption, .missing, footer { font-size: .8rem; color: #57606a; }
            footer { margin-top: 3rem; border-top: 1px solid #d0d7de; padding-top: .5rem; }
            </style>
            </head>
            <body>
            <h1>\(Notebook.escapeHTML(report.title))</h1>

            """
        if !report.intro.isEmpty {
            out += "<div class=\"intro\">\n"
            for paragraph in Notebook.paragraphs(report.intro) {
                out += "<p>\(Notebook.escapeHTML(paragraph.joined(separator: " ")))</p>\n"
            }
            out += "</div>\n"
        }
        for block in report.blocks {
            out += "<section class=\"cell\" id=\"cell-\(block.number)\">\n"
            if block.number > 0 {
                let tags = block.tags.map { "<span class=\"tag\">\(Notebook.escapeHTML($0))</span>" }.joined()
                out += "<h2><span class=\"n\">[\(block.number)]</span>\(Notebook.escapeHTML(block.title))\(tags)</h2>\n"
            }
            if !block.code.isEmpty {
                out += "<pre class=\"code\"><code>\(Notebook.escapeHTML(block.code))</code></pre>\n"
            }
            for output in block.outputs {
                switch output {
                case .text(let lines):
                    let body = lines.map { line in
                        line.hasPrefix("error: ") ? "<span class=\"error\">\(Notebook.escapeHTML(line))</span>"
                            : Notebook.escapeHTML(line)
                    }.joined(separator: "\n")
                    // A newline right after <pre> is dropped by HTML parsers: one of our own keeps an empty first line.
                    out += "<pre class=\"output\">\n\(body)</pre>\n"
                case .plot(let path):
                    if let bytes = image(path) {
                        out += "<figure><img src=\"data:image/png;base64,\(Data(bytes).base64EncodedString())\" alt=\"plot \(Notebook.escapeHTML(path))\">"
                        out += "<figcaption>\(Notebook.escapeHTML(path))</figcaption></figure>\n"
                    } else {
                        out += "<p class=\"missing\">plot \(Notebook.escapeHTML(path)) (the file is missing)</p>\n"
                    }
                }
            }
            out += "</section>\n"
        }
        out += "<footer>Exported from \(Notebook.escapeHTML(source)) by pivot \(pivotVersion).</footer>\n"
        out += "</body>\n</html>\n"
        return out
    }

    /// The report as Markdown; `link(path)` gives the image link for a plot
    /// (relative to where the Markdown file goes).
    func markdown(title: String, source: String, link: (String) -> String) -> String {
        let report = report(title: title)
        var out = "# \(report.title)\n"
        for paragraph in Notebook.paragraphs(report.intro) {
            out += "\n" + paragraph.joined(separator: "\n") + "\n"
        }
        for block in report.blocks {
            if block.number > 0 {
                let tags = block.tags.map { " `[\($0)]`" }.joined()
                out += "\n## [\(block.number)] \(block.title.isEmpty ? "Cell \(block.number)" : block.title)\(tags)\n"
            }
            if !block.code.isEmpty {
                let fence = Notebook.fence(for: block.code)
                out += "\n\(fence)pivot\n\(block.code)\n\(fence)\n"
            }
            for output in block.outputs {
                switch output {
                case .text(let lines):
                    let text = lines.joined(separator: "\n")
                    let fence = Notebook.fence(for: text)
                    out += "\n\(fence)text\n\(text)\n\(fence)\n"
                case .plot(let path):
                    out += "\n![plot \(path)](\(link(path)))\n"
                }
            }
        }
        out += "\n---\nExported from `\(source)` by pivot \(pivotVersion).\n"
        return out
    }

    // MARK: - Helpers

    static func escapeHTML(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default:
                // Control characters other than tab and newline are not allowed in HTML text.
                if scalar.value < 0x20 && scalar != "\t" && scalar != "\n" || scalar.value == 0x7F {
                    out += "\u{FFFD}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    /// Groups of lines separated by blank lines.
    static func paragraphs(_ lines: [String]) -> [[String]] {
        var groups: [[String]] = [[]]
        for line in lines {
            if line.allSatisfy(\.isWhitespace) {
                if !groups[groups.count - 1].isEmpty { groups.append([]) }
            } else {
                groups[groups.count - 1].append(line)
            }
        }
        return groups.filter { !$0.isEmpty }
    }

    /// A backtick fence longer than any run of backticks in `text`.
    static func fence(for text: String) -> String {
        var longest = 0, run = 0
        for c in text {
            run = c == "`" ? run + 1 : 0
            longest = max(longest, run)
        }
        return String(repeating: "`", count: max(3, longest + 1))
    }
}

extension Driver {
    /// `pivot export FILE (--html | --md) [-o OUT]`; OUT `-` is standard output.
    public static func export(_ path: String, format: NotebookExportFormat, to outputPath: String?) -> Int32 {
        let text: String
        switch NotebookFile.read(path) {
        case .success(let contents): text = contents
        case .failure(let error):
            writeError("pivot: \(error.message)\n")
            return exitUsage
        }
        let notebook = Notebook(parsing: text)
        var name = (path as NSString).lastPathComponent
        if name.lowercased().hasSuffix(".pv") { name.removeLast(3) }
        let destination = outputPath ?? {
            let base = path.lowercased().hasSuffix(".pv") ? String(path.dropLast(3)) : path
            return base + "." + format.fileExtension
        }()
        let notebookDirectory = NotebookFile.directory(of: path)
        var missing: [String] = []
        func plotFile(_ plot: String) -> String {
            plot.hasPrefix("/") ? plot : (notebookDirectory as NSString).appendingPathComponent(plot)
        }
        let report: String
        switch format {
        case .html:
            report = notebook.html(title: name, source: (path as NSString).lastPathComponent) { plot in
                guard let data = FileManager.default.contents(atPath: plotFile(plot)) else {
                    missing.append(plot)
                    return nil
                }
                return [UInt8](data)
            }
        case .markdown:
            let outputDirectory = destination == "-" ? "." : NotebookFile.directory(of: destination)
            report = notebook.markdown(title: name, source: (path as NSString).lastPathComponent) { plot in
                if !FileManager.default.fileExists(atPath: plotFile(plot)) { missing.append(plot) }
                return relativePath(plotFile(plot), from: outputDirectory)
            }
        }
        for plot in missing { writeError("pivot: warning: \(path): the plot \(plot) is missing\n") }
        if destination == "-" {
            writeOutput(report)
            return exitOK
        }
        do {
            try NotebookFile.writeAtomically(report, to: destination)
        } catch {
            writeError("pivot: \(error.message)\n")
            return exitUsage
        }
        writeOutput("wrote \(destination)\n")
        return exitOK
    }

    /// `file` as seen from `directory` (both relative to the working
    /// directory or absolute), for Markdown image links.
    static func relativePath(_ file: String, from directory: String) -> String {
        let cwd = FileManager.default.currentDirectoryPath
        func absolute(_ p: String) -> [String] {
            let full = p.hasPrefix("/") ? p : (cwd as NSString).appendingPathComponent(p)
            return (full as NSString).standardizingPath.split(separator: "/").map(String.init)
        }
        let target = absolute(file), base = absolute(directory)
        var common = 0
        while common < target.count, common < base.count, target[common] == base[common] { common += 1 }
        let ups = Array(repeating: "..", count: base.count - common)
        let path = (ups + target[common...]).joined(separator: "/")
        // Markdown link targets cannot hold spaces or parentheses bare.
        return path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "()"))) ?? path
    }
}
