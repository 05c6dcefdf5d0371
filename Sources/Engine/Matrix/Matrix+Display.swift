// How matrices look: what users read all day.
//
//   [ 1  -14/11  3          exact entries right-aligned, in lowest terms
//     2     1/2  0 ]
//
//   [  1.5       -0.333333  floats to 6 significant digits, aligned on
//     12.0        1e-12 ]   the decimal point
//
// The text is a valid matrix literal, so it can be pasted back. Large
// matrices show their first and last rows and columns around ⋮ and …, under
// a header with the shape.

extension Matrix {
    /// Significant digits of a float entry on screen.
    public static let displayDigits = 6

    /// The text of one entry: exact in lowest terms, floats rounded.
    public static func entryText(_ s: Scalar) -> String {
        switch s {
        case .exact(let e): return e.description
        case .float(let d): return formatFloat(d, significantDigits: displayDigits)
        }
    }

    /// The multi-line, column-aligned form the REPL shows.
    public func formatted(maxRows: Int = 16, maxCols: Int = 12) -> String {
        if rows == 0 || cols == 0 { return "zeros(\(rows), \(cols))" }
        let shownRows = Matrix.shownIndices(rows, limit: maxRows)
        let shownCols = Matrix.shownIndices(cols, limit: maxCols)
        let elided = shownRows.contains(nil) || shownCols.contains(nil)

        // Cells per shown column, then each column padded to one width.
        var columns: [[String]] = []
        for j in shownCols {
            guard let j else {
                columns.append(shownRows.map { _ in "…" })
                continue
            }
            let texts = shownRows.map { i in i.map { Matrix.shortened(Matrix.entryText(entry($0, j))) } }
            columns.append(isExact ? Matrix.alignRight(texts) : Matrix.alignDecimal(texts))
        }

        var out = elided ? "\(shapeText) \(isExact ? "exact" : "float") matrix\n" : ""
        for (r, i) in shownRows.enumerated() {
            out += r == 0 ? "[ " : "  "
            if i == nil {
                out += columns.map { String(repeating: " ", count: max(0, $0[r].count - 1)) + "⋮" }.joined(separator: "  ")
            } else {
                out += columns.map { $0[r] }.joined(separator: "  ")
            }
            if r == shownRows.count - 1 {
                while out.last == " " { out.removeLast() }
                out += " ]"
            } else {
                out += "\n"
            }
        }
        // Trailing spaces on the ⋮ line are noise.
        return out.split(separator: "\n", omittingEmptySubsequences: false)
            .map { line in String(line.reversed().drop(while: { $0 == " " }).reversed()) }
            .joined(separator: "\n")
    }

    /// Entries longer than this show their ends and their length (display
    /// only: `json` and indexing give the full value).
    public static let maxEntryWidth = 40

    /// `179002389405…015626 (86271 digits)` for an entry too long to align.
    static func shortened(_ text: String) -> String {
        guard text.count > maxEntryWidth else { return text }
        let digits = text.filter(\.isNumber).count
        return "\(text.prefix(12))…\(text.suffix(6)) (\(digits) digits)"
    }

    /// The one-line form used inside lists and records: `[1 2; 3 4]`.
    public var inlineText: String {
        if rows == 0 || cols == 0 { return "zeros(\(rows), \(cols))" }
        if count > 64 { return "<\(shapeText) \(isExact ? "exact" : "float") matrix>" }
        var out = "["
        for i in 0..<rows {
            if i > 0 { out += "; " }
            for j in 0..<cols {
                if j > 0 { out += " " }
                out += Matrix.entryText(entry(i, j))
            }
        }
        return out + "]"
    }

    /// Indices to show along one dimension; nil marks the elided middle.
    static func shownIndices(_ n: Int, limit: Int) -> [Int?] {
        if n <= limit { return Array(0..<n) }
        let half = max(1, (limit - 1) / 2)
        return Array(0..<half) + [nil] + Array((n - half)..<n)
    }

    /// Right-aligns a column; nil cells (the ⋮ row) are blank.
    static func alignRight(_ texts: [String?]) -> [String] {
        let width = texts.reduce(0) { max($0, $1?.count ?? 1) }
        return texts.map { t in
            let t = t ?? ""
            return String(repeating: " ", count: width - t.count) + t
        }
    }

    /// Aligns a column of floats on the decimal point; `inf` and `nan`
    /// align as if it followed them. A column with an entry in scientific
    /// notation is right-aligned instead: its digits do not line up anyway.
    static func alignDecimal(_ texts: [String?]) -> [String] {
        if texts.contains(where: { $0?.contains("e") == true && $0 != "-inf" && $0 != "inf" }) {
            return alignRight(texts)
        }
        func split(_ t: String) -> (Substring, Substring) {
            if t.contains("e") || !t.contains(".") { return (Substring(t), "") }
            let dot = t.firstIndex(of: ".") ?? t.endIndex
            return (t[..<dot], t[dot...])
        }
        let parts = texts.map { $0.map(split) }
        let left = parts.reduce(0) { max($0, $1?.0.count ?? 1) }
        let right = parts.reduce(0) { max($0, $1?.1.count ?? 0) }
        return parts.map { p in
            guard let (l, r) = p else { return String(repeating: " ", count: left + right) }
            return String(repeating: " ", count: left - l.count) + l + r
                + String(repeating: " ", count: right - r.count)
        }
    }
}
