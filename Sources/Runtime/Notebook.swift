import Foundation

/// A notebook: a plain `.pv` file cut into cells (docs/notebooks.md).
///
/// ```
/// # Title and notes: the header cell (everything before the first marker).
/// # pivot: rtol 1e-4
///
/// # %% [nocheck] Optional title
/// let x = 1 + 1
/// x
/// # => 2
/// ```
///
/// A cell starts at a `# %%` line; its recorded output is its `# => ` lines,
/// which `serialized` puts right after the cell's last non-blank code line.
/// Every line that is not output is kept as it is, so a file whose outputs
/// already sit there comes back byte for byte.
public struct Notebook: Equatable {
    public struct Cell: Equatable {
        /// The `# %% ...` line; nil for the header cell.
        public var marker: String?
        /// The line number of the marker (of the first line for the header).
        public var markerLine: Int
        /// Every line after the marker, output lines included, as in the file.
        public var lines: [String]

        /// The text after `# %%` and its tags.
        public var title: String { Notebook.parseMarker(marker ?? "").title }
        /// The tags in brackets after `# %%`: `# %% [nocheck, error] Title`.
        public var tags: [String] { Notebook.parseMarker(marker ?? "").tags }
        public var expectsError: Bool { tags.contains("error") }
        public var isUnchecked: Bool { tags.contains("nocheck") }

        /// `tolerance` with this cell's `rtol=X` and `atol=X` tags applied.
        public func tolerance(_ base: NotebookTolerance) -> NotebookTolerance {
            var result = base
            for tag in tags {
                if let x = Notebook.tagValue(tag, "rtol") { result.rtol = x }
                if let x = Notebook.tagValue(tag, "atol") { result.atol = x }
            }
            return result
        }

        /// The recorded output, one string per `# => ` line.
        public var output: [String] { lines.compactMap(Notebook.outputText) }

        /// The code: every line that is not output, blank lines at the end dropped.
        public var code: String {
            var kept = lines.filter { Notebook.outputText($0) == nil }
            while let last = kept.last, last.allSatisfy(\.isWhitespace) { kept.removeLast() }
            return kept.joined(separator: "\n")
        }

        /// The text the cell runs: its lines as they are (output lines are
        /// comments), so line numbers in errors are the file's.
        public var runnableText: String { lines.joined(separator: "\n") }
        /// The file's line number of `lines[0]`.
        public var firstLine: Int { marker == nil ? markerLine : markerLine + 1 }

        /// Whether the cell holds nothing but comments and blank lines.
        public var isEmpty: Bool {
            lines.allSatisfy { line in
                let trimmed = line.drop { $0 == " " || $0 == "\t" }
                return trimmed.isEmpty || trimmed.hasPrefix("#")
            }
        }

        /// The cell with `output` as its recorded output: right after its
        /// last non-blank line, before the blank lines that end it. New
        /// lines end with `lineEnd` ("\r" in a file with CRLF line ends).
        public func replacingOutput(_ output: [String], lineEnd: String = "") -> Cell {
            var code = lines.filter { Notebook.outputText($0) == nil }
            var trailing: [String] = []
            while let last = code.last, last.allSatisfy(\.isWhitespace) {
                trailing.insert(code.removeLast(), at: 0)
            }
            var copy = self
            copy.lines = code + output.map { Notebook.outputLine($0) + lineEnd } + trailing
            return copy
        }

        /// What a report calls the cell: `cell 3 "Title"`, or its first code line.
        public func label(number: Int) -> String {
            guard marker != nil else { return "the header" }
            let shortTitle = title.count > 50 ? String(title.prefix(47)) + "..." : title
            let name = title.isEmpty ? firstCodeLine.map { "(\($0))" } : "\"\(shortTitle)\""
            return "cell \(number)" + (name.map { " " + $0 } ?? "")
        }

        var firstCodeLine: String? {
            for line in lines where Notebook.outputText(line) == nil {
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
                return trimmed.count > 50 ? String(trimmed.prefix(47)) + "..." : trimmed
            }
            return nil
        }
    }

    /// The header cell, then the `# %%` cells; cell N is `cells[N]`, the
    /// header being cell 0.
    public var cells: [Cell]
    /// Whether the file ends with a newline.
    public var endsWithNewline: Bool
    /// Whether lines end with "\r\n" (judged by the first line).
    public var usesCRLF = false

    public static let markerPrefix = "# %%"
    public static let outputPrefix = "# =>"
    public static let directivePrefix = "# pivot:"
    /// The tags a marker may carry, besides `rtol=X` and `atol=X`.
    /// `markdown` (Jupytext's text cells) means nothing here.
    public static let knownTags: Set<String> = ["error", "nocheck", "markdown"]

    /// X of a `name=X` tag, when X is a tolerance.
    static func tagValue(_ tag: String, _ name: String) -> Double? {
        guard tag.hasPrefix(name + "=") else { return nil }
        return tolerance(String(tag.dropFirst(name.count + 1)))
    }

    public init(cells: [Cell], endsWithNewline: Bool = true) {
        self.cells = cells
        self.endsWithNewline = endsWithNewline
    }

    /// Cuts `text` into cells. Never fails: any text is a notebook (one
    /// without markers is all header).
    public init(parsing text: String) {
        var lines = Notebook.splitLines(text)
        endsWithNewline = lines.last == ""
        if endsWithNewline { lines.removeLast() }
        usesCRLF = lines.first?.hasSuffix("\r") == true
        var cells = [Cell(marker: nil, markerLine: 1, lines: [])]
        for (index, line) in lines.enumerated() {
            if Notebook.isMarker(line) {
                cells.append(Cell(marker: line, markerLine: index + 1, lines: []))
            } else {
                cells[cells.count - 1].lines.append(line)
            }
        }
        self.cells = cells
    }

    /// Whether the file has at least one `# %%` cell.
    public var hasCells: Bool { cells.count > 1 }

    /// The notebook as file text.
    public var serialized: String {
        var out: [String] = []
        for cell in cells {
            if let marker = cell.marker { out.append(marker) }
            out += cell.lines
        }
        var text = out.joined(separator: "\n")
        if endsWithNewline && !out.isEmpty { text += "\n" }
        return text
    }

    /// The notebook with fresh outputs; `outputs[N]` replaces cell N's
    /// (cells without an entry keep theirs).
    public func replacingOutputs(_ outputs: [Int: [String]]) -> Notebook {
        var copy = self
        for (index, output) in outputs where copy.cells.indices.contains(index) {
            copy.cells[index] = copy.cells[index].replacingOutput(output, lineEnd: usesCRLF ? "\r" : "")
        }
        return copy
    }

    // MARK: - Lines

    /// `# %%`, alone or followed by a space: a cell starts here.
    public static func isMarker(_ line: String) -> Bool {
        guard line.hasPrefix(markerPrefix) else { return false }
        let rest = withoutCR(line).dropFirst(markerPrefix.count)
        return rest.isEmpty || rest.first == " " || rest.first == "\t"
    }

    /// A line without the "\r" of a CRLF line end.
    static func withoutCR(_ line: String) -> Substring {
        line.hasSuffix("\r") ? line.dropLast() : Substring(line)
    }

    /// The text of an output line (`# => TEXT`, or `# =>` for an empty
    /// line); nil for any other line. Only lines starting in column 1 count.
    public static func outputText(_ line: String) -> String? {
        guard line.hasPrefix(outputPrefix) else { return nil }
        let rest = withoutCR(line).dropFirst(outputPrefix.count)
        if rest.isEmpty { return "" }
        guard rest.first == " " else { return nil }
        return String(rest.dropFirst())
    }

    /// `TEXT` as an output line.
    public static func outputLine(_ text: String) -> String {
        text.isEmpty ? outputPrefix : outputPrefix + " " + text
    }

    /// Output text (what a cell printed) as output lines' texts: split at
    /// newlines, a final newline ending the last line rather than starting
    /// an empty one. "\r\n" counts as a newline; a lone "\r" (a progress
    /// bar's redraw) keeps only what was drawn last.
    public static func outputLines(_ text: String) -> [String] {
        var lines = splitLines(text)
        if lines.last == "" { lines.removeLast() }
        return lines.map { line in
            var line = line
            if line.hasSuffix("\r") { line.removeLast() }
            if let redraw = line.lastIndex(of: "\r") { line = String(line[line.index(after: redraw)...]) }
            return line
        }
    }

    /// Splits at "\n" only (a Swift `Character` "\r\n" is one character,
    /// so this walks scalars).
    static func splitLines(_ text: String) -> [String] {
        var lines: [String] = []
        var current = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if scalar == "\n" {
                lines.append(String(current))
                current = String.UnicodeScalarView()
            } else {
                current.append(scalar)
            }
        }
        lines.append(String(current))
        return lines
    }

    // MARK: - Markers and directives

    /// `# %% [tag, tag] Title` -> tags and title. A bracket group right
    /// after the marker holds tags (split at commas and spaces).
    static func parseMarker(_ line: String) -> (tags: [String], title: String) {
        guard line.hasPrefix(markerPrefix) else { return ([], "") }
        let rest = withoutCR(line).dropFirst(markerPrefix.count).trimmingCharacters(in: .whitespaces)
        guard rest.hasPrefix("["), let close = rest.firstIndex(of: "]") else { return ([], rest) }
        let inside = rest[rest.index(after: rest.startIndex)..<close]
        let tags = inside.split(whereSeparator: { $0 == "," || $0 == " " }).map { $0.lowercased() }
        let title = rest[rest.index(after: close)...].trimmingCharacters(in: .whitespaces)
        return (tags, title)
    }

    /// A `# pivot: NAME VALUE` line of the header cell.
    public struct Directive: Equatable {
        public var name: String
        public var value: String
        public var line: Int
    }

    /// The header's `# pivot:` lines, in order.
    public var directives: [Directive] {
        guard let header = cells.first, header.marker == nil else { return [] }
        var found: [Directive] = []
        for (offset, line) in header.lines.enumerated() where line.hasPrefix(Notebook.directivePrefix) {
            let body = Notebook.withoutCR(line).dropFirst(Notebook.directivePrefix.count).trimmingCharacters(in: .whitespaces)
            let name = String(body.prefix { !$0.isWhitespace })
            let value = body.dropFirst(name.count).trimmingCharacters(in: .whitespaces)
            found.append(Directive(name: name.lowercased(), value: value, line: header.firstLine + offset))
        }
        return found
    }

    /// The names `# pivot:` lines may use.
    public static let knownDirectives = ["skip-check", "rtol", "atol"]

    /// Why CI may skip checking this notebook (`# pivot: skip-check REASON`).
    public var skipReason: String? {
        guard let directive = directives.first(where: { $0.name == "skip-check" }) else { return nil }
        return directive.value.isEmpty ? "marked skip-check" : directive.value
    }

    /// Problems with markers and directives a reader should hear about:
    /// unknown tags or directives, tolerances that are not numbers.
    public func warnings(file: String) -> [String] {
        var out: [String] = []
        for cell in cells where cell.marker != nil {
            for tag in cell.tags where !Notebook.knownTags.contains(tag) {
                if tag.hasPrefix("rtol=") || tag.hasPrefix("atol=") {
                    if Notebook.tagValue(tag, String(tag.prefix(4))) == nil {
                        out.append("\(file):\(cell.markerLine): warning: '\(tag)' needs a number >= 0")
                    }
                    continue
                }
                out.append("\(file):\(cell.markerLine): warning: unknown cell tag '\(tag)' (known: error, nocheck, rtol=X, atol=X)")
            }
        }
        for directive in directives {
            switch directive.name {
            case "skip-check":
                break
            case "rtol", "atol":
                if Notebook.tolerance(directive.value) == nil {
                    out.append("\(file):\(directive.line): warning: '# pivot: \(directive.name)' needs a number >= 0, got '\(directive.value)'")
                }
            default:
                out.append("\(file):\(directive.line): warning: unknown directive '# pivot: \(directive.name)' (known: \(Notebook.knownDirectives.joined(separator: ", ")))")
            }
        }
        return out
    }

    /// The header's tolerance for `name` ("rtol" or "atol"), if it sets one.
    public func toleranceDirective(_ name: String) -> Double? {
        directives.last(where: { $0.name == name }).flatMap { Notebook.tolerance($0.value) }
    }

    static func tolerance(_ text: String) -> Double? {
        guard let value = Double(text), value.isFinite, value >= 0 else { return nil }
        return value
    }

    // MARK: - Plots

    /// The prefix of an output line naming a plot.
    public static let plotPrefix = "plot: "

    /// The path a `plot: PATH` output line names; nil for other lines.
    public static func plotPath(_ outputLine: String) -> String? {
        guard outputLine.hasPrefix(plotPrefix) else { return nil }
        let path = outputLine.dropFirst(plotPrefix.count).trimmingCharacters(in: .whitespaces)
        return path.lowercased().hasSuffix(".png") ? path : nil
    }

    /// Where plots of the notebook at `path` go, relative to its directory:
    /// `NAME.plots` for `NAME.pv`.
    public static func plotDirectoryName(notebookPath path: String) -> String {
        var name = (path as NSString).lastPathComponent
        if name.lowercased().hasSuffix(".pv") { name.removeLast(3) }
        return name + ".plots"
    }

    /// `NAME.plots/cell-N-K.png`: plot K (from 1) of cell N.
    public static func plotFileName(notebookPath path: String, cell: Int, plot: Int) -> String {
        plotDirectoryName(notebookPath: path) + "/cell-\(cell)-\(plot).png"
    }
}
