/// Matrices and vectors in completions: finding the span, then reading it.
///
/// Formats: Python lists of lists `[[1, 2], [3, 4]]` (inside numpy
/// `array(...)` or sympy `Matrix(...)` too), numpy's printed form
/// `[[1 2]\n [3 4]]`, Pivot/MATLAB `[1 2; 3 4]`, one row `[1, 2, 3]`, one
/// matrix in a batch `[[[1, 2], [3, 4]]]`, and LaTeX `bmatrix`, `pmatrix`,
/// `Bmatrix`, `matrix`, `smallmatrix` and `array` environments (`&` between
/// entries, `\\` between rows).
extension CompletionParser {
    /// The last matrix in `text` (see `CompletionParser` for the rules).
    public static func parseMatrix(_ text: String) -> Result<Matrix, CompletionParseError> {
        let bytes = ByteText(text)
        guard let span = MatrixSpanFinder(text: bytes).lastSpan() else { return .failure(.noMatrix) }
        do {
            let rows = try MatrixReader(text: bytes).rows(of: span)
            return .success(try matrix(from: rows))
        } catch {
            return .failure(error)
        }
    }

    /// The last matrix in `text` as a list of numbers, when it has one row or one column.
    public static func parseVector(_ text: String) -> Result<[Scalar], CompletionParseError> {
        switch parseMatrix(text) {
        case .failure(let error): return .failure(error)
        case .success(let m):
            guard m.rows == 1 || m.cols == 1 else { return .failure(.notAVector(rows: m.rows, cols: m.cols)) }
            let count = max(m.rows, m.cols)
            return .success((0..<count).map { m.rows == 1 ? m.entry(0, $0) : m.entry($0, 0) })
        }
    }

    /// Rows of one length, not all empty, as an exact matrix or (one float entry) a float one.
    static func matrix(from rows: ParsedRows) throws(CompletionParseError) -> Matrix {
        guard let width = rows.lengths.first, !rows.entries.isEmpty else { throw .empty }
        for (i, count) in rows.lengths.enumerated() where count != width {
            throw .raggedRows(row: i + 1, count: count, firstCount: width)
        }
        var exact: [Exact] = []
        exact.reserveCapacity(rows.entries.count)
        for entry in rows.entries {
            guard case .exact(let e) = entry else {
                return .float(FloatMatrix(rows: rows.lengths.count, cols: width, entries: rows.entries.map(\.doubleValue)))
            }
            exact.append(e)
        }
        return .exact(ExactMatrix(rows: rows.lengths.count, cols: width, entries: exact))
    }
}

/// Entries read row by row, stored flat (one allocation however many rows).
struct ParsedRows {
    var entries: [Scalar] = []
    /// The number of entries in each row; the last row is the one being read.
    var lengths: [Int] = []

    mutating func startRow() { lengths.append(0) }

    mutating func append(_ value: Scalar) {
        if lengths.isEmpty { lengths.append(0) }
        entries.append(value)
        lengths[lengths.count - 1] += 1
    }

    var currentRow: Int { max(0, lengths.count - 1) }
    var currentLength: Int { lengths.last ?? 0 }

    /// Drops a last row left empty by a trailing ';' or '\\' (never the only row).
    mutating func dropTrailingEmptyRow() {
        if lengths.count > 1 && lengths[lengths.count - 1] == 0 { lengths.removeLast() }
    }
}

/// A matrix-looking part of a completion, by byte offsets.
enum MatrixSpan {
    /// `[` at `open`, its matching `]` at `close`, brackets at most `depth` deep inside.
    case brackets(open: Int, close: Int, depth: Int)
    /// A LaTeX environment's body.
    case environment(body: Range<Int>)
    /// A span that cannot be a matrix whatever it holds.
    case failed(CompletionParseError)
}

/// Finds the last matrix-looking span in one pass. Spans do not nest: the
/// scan jumps over each one, so every byte is looked at a bounded number of
/// times however deep the brackets go.
struct MatrixSpanFinder {
    let text: ByteText

    func lastSpan() -> MatrixSpan? {
        var last: MatrixSpan? = nil
        var i = 0
        let n = text.count
        while i < n {
            let b = text[i]
            if b == UInt8(ascii: "["), isBracket(at: i), !isSubscript(at: i) {
                let (span, next) = bracketGroup(at: i)
                if let span { last = span }
                i = next
            } else if b == UInt8(ascii: "\\"), text.hasPrefix("\\begin{", at: i) {
                let (span, next) = environment(at: i)
                if let span { last = span }
                i = next
            } else {
                i += 1
            }
        }
        return last
    }

    /// A '[' or ']' that is a bracket: not TeX's display-math `\[ \]` nor `\left[ \right]`.
    func isBracket(at i: Int) -> Bool {
        if text[i - 1] == UInt8(ascii: "\\") { return false }
        return !text.hasPrefix("\\left", at: i - 5) && !text.hasPrefix("\\right", at: i - 6)
    }

    /// `A[0]`, `x[i][j]`, `f(x)[1]`: a '[' right after a name or a closing
    /// bracket indexes; it is not a list (code in completions is full of these).
    func isSubscript(at i: Int) -> Bool {
        let p = text[i - 1]
        return isLetter(p) || isDigit(p) || p == UInt8(ascii: "_") || p == UInt8(ascii: ")") || p == UInt8(ascii: "]")
    }

    /// The group starting at `open` and the offset after it. A group counts
    /// when it holds a digit or a non-ASCII character (a look-alike to
    /// report), or nothing but brackets, commas and spaces (an empty matrix);
    /// `[sic]` or a Markdown link does not.
    func bracketGroup(at open: Int) -> (MatrixSpan?, Int) {
        var depth = 0, maxDepth = 0
        var tooDeepAt = -1
        var hasNumberish = false, hasOther = false
        var j = open
        let n = text.count
        while j < n {
            let c = text[j]
            if c == UInt8(ascii: "["), isBracket(at: j) {
                depth += 1
                if depth > maxDepth {
                    maxDepth = depth
                    if depth > CompletionParser.maxBracketDepth && tooDeepAt < 0 { tooDeepAt = j }
                }
            } else if c == UInt8(ascii: "]"), isBracket(at: j) {
                depth -= 1
                if depth == 0 { break }
            } else if isDigit(c) || c >= 0x80 {
                hasNumberish = true
            } else if !isSpace(c) && c != UInt8(ascii: ",") {
                hasOther = true
            }
            j += 1
        }
        if j >= n {
            guard hasNumberish || !hasOther else { return (nil, n) }
            return (.failed(.unterminated("[", at: text.position(open))), n)
        }
        guard hasNumberish || !hasOther else { return (nil, j + 1) }
        if tooDeepAt >= 0 { return (.failed(.bracketsTooDeep(at: text.position(tooDeepAt))), j + 1) }
        return (.brackets(open: open, close: j, depth: maxDepth), j + 1)
    }

    /// `\begin{NAME}` at `start`: a matrix environment's body up to its
    /// `\end{NAME}`, or nil for another environment (the scan goes on inside it).
    func environment(at start: Int) -> (MatrixSpan?, Int) {
        let nameStart = start + 7  // after "\begin{"
        var k = nameStart
        while k < text.count && k - nameStart < 20 && (isLetter(text[k]) || text[k] == UInt8(ascii: "*")) { k += 1 }
        guard text[k] == UInt8(ascii: "}") else { return (nil, start + 1) }
        let name = text.string(nameStart..<k)
        guard CompletionParser.matrixEnvironments.contains(name) else { return (nil, k + 1) }
        var bodyStart = k + 1
        if name == "array" {
            // The column specification {cc|c}: skipped.
            var s = bodyStart
            while isSpace(text[s]) { s += 1 }
            if text[s] == UInt8(ascii: "{") {
                var e = s + 1
                while e < text.count && e - s < 200 && text[e] != UInt8(ascii: "}") { e += 1 }
                if text[e] == UInt8(ascii: "}") { bodyStart = e + 1 }
            }
        }
        let closing = Array("\\end{\(name)}".utf8)
        var e = bodyStart
        while e + closing.count <= text.count {
            if text[e] == UInt8(ascii: "\\") && text.hasBytes(closing, at: e) {
                return (.environment(body: bodyStart..<e), e + closing.count)
            }
            e += 1
        }
        return (.failed(.unterminated("\\begin{\(name)}", at: text.position(start))), text.count)
    }
}

/// Reads a span's rows of entries; each entry goes to `EntryEvaluator`.
struct MatrixReader {
    let text: ByteText

    func rows(of span: MatrixSpan) throws(CompletionParseError) -> ParsedRows {
        var rows = ParsedRows()
        switch span {
        case .failed(let error):
            throw error
        case .environment(let body):
            try environmentRows(body, into: &rows)
        case .brackets(let open, let close, let depth):
            switch depth {
            case 1: try entries(from: open + 1, to: close, semicolonRows: true, into: &rows)
            case 2: try listRows(from: open + 1, to: close, into: &rows)
            default: try batchOfOne(from: open + 1, to: close, into: &rows)
            }
        }
        return rows
    }

    /// Offset of the next byte in from..<to that is not whitespace.
    func skipSpaces(_ from: Int, _ to: Int) -> Int {
        var i = from
        while i < to && isSpace(text[i]) { i += 1 }
        return i
    }

    /// The ']' closing the '[' at `open` (brackets inside a row: none), or nil.
    func rowClose(_ open: Int, _ to: Int) -> Int? {
        var i = open + 1
        while i < to {
            let c = text[i]
            if c == UInt8(ascii: "]") { return i }
            if c == UInt8(ascii: "[") { return nil }
            i += 1
        }
        return nil
    }

    /// `[[[1, 2], [3, 4]]]`: one matrix inside a third pair of brackets.
    func batchOfOne(from: Int, to: Int, into rows: inout ParsedRows) throws(CompletionParseError) {
        var items = 0, depth = 0, firstOpen = -1, firstClose = -1
        var i = from
        while i < to {
            let c = text[i]
            if c == UInt8(ascii: "[") {
                if depth == 0 { items += 1 }
                if firstOpen < 0 { firstOpen = i }
                depth += 1
            } else if c == UInt8(ascii: "]") {
                depth -= 1
                if depth == 0 && firstClose < 0 { firstClose = i }
            } else if depth == 0 && !isSpace(c) && c != UInt8(ascii: ",") {
                throw .mixedNesting(at: text.position(i))
            }
            i += 1
        }
        guard items == 1, firstOpen >= 0, firstClose > firstOpen else { throw .notAMatrix(items: items) }
        try listRows(from: firstOpen + 1, to: firstClose, into: &rows)
    }

    /// `[1, 2], [3, 4]` (commas or whitespace between rows): one row per inner list.
    func listRows(from: Int, to: Int, into rows: inout ParsedRows) throws(CompletionParseError) {
        var needSeparator = false
        var i = from
        while true {
            i = skipSpaces(i, to)
            if i >= to { break }
            let c = text[i]
            if c == UInt8(ascii: ",") || c == UInt8(ascii: ";") {
                guard needSeparator else { throw .missingEntry(at: text.position(i)) }
                needSeparator = false
                i += 1
            } else if c == UInt8(ascii: "[") {
                guard let close = rowClose(i, to) else { throw .unterminated("[", at: text.position(i)) }
                rows.startRow()
                try entries(from: i + 1, to: close, semicolonRows: false, into: &rows)
                needSeparator = true
                i = close + 1
            } else if isDigit(c) || c == UInt8(ascii: "-") || c == UInt8(ascii: "+") || c == UInt8(ascii: ".") {
                throw .mixedNesting(at: text.position(i))
            } else {
                throw text.unexpected(at: i)
            }
        }
    }

    /// Whether the row starting at `from` has a comma before its end (';' or `to`).
    func rowHasComma(_ from: Int, _ to: Int, semicolonRows: Bool) -> Bool {
        var i = from
        while i < to {
            let c = text[i]
            if c == UInt8(ascii: ",") { return true }
            if c == UInt8(ascii: ";") && semicolonRows { return false }
            i += 1
        }
        return false
    }

    /// Entries separated by commas, or by whitespace in a row without commas
    /// (MATLAB and numpy's printout); with `semicolonRows`, ';' starts a new
    /// row. A trailing comma or semicolon is allowed, as Python and MATLAB allow it.
    func entries(from: Int, to: Int, semicolonRows: Bool, into rows: inout ParsedRows) throws(CompletionParseError) {
        if rows.lengths.isEmpty { rows.startRow() }
        var commaMode = rowHasComma(from, to, semicolonRows: semicolonRows)
        var needSeparator = false
        var i = from
        while true {
            let start = i
            i = skipSpaces(i, to)
            let spaced = i > start
            if i >= to { break }
            let c = text[i]
            if c == UInt8(ascii: ",") {
                guard needSeparator else { throw .missingEntry(at: text.position(i)) }
                needSeparator = false
                i += 1
                continue
            }
            if c == UInt8(ascii: ";") && semicolonRows {
                guard needSeparator || rows.currentLength == 0 else { throw .missingEntry(at: text.position(i)) }
                rows.startRow()
                needSeparator = false
                i += 1
                commaMode = rowHasComma(i, to, semicolonRows: true)
                continue
            }
            if needSeparator && (commaMode || !spaced) { throw text.unexpected(at: i) }
            let position = EntryPosition(row: rows.currentRow, column: rows.currentLength)
            var evaluator = EntryEvaluator(text, from: i, to: to, entry: position, whitespaceSeparates: !commaMode)
            rows.append(try evaluator.evaluate())
            i = evaluator.pos
            needSeparator = true
        }
        if semicolonRows { rows.dropTrailingEmptyRow() }
    }

    /// A LaTeX environment body: entries between '&', rows ended by `\\`;
    /// `\hline` is ignored, and so is a `\\` at the end.
    func environmentRows(_ body: Range<Int>, into rows: inout ParsedRows) throws(CompletionParseError) {
        rows.startRow()
        var needSeparator = false
        var i = body.lowerBound
        let to = body.upperBound
        while true {
            i = skipSpaces(i, to)
            if i >= to { break }
            if text.hasPrefix("\\\\", at: i) {
                if !needSeparator && rows.currentLength > 0 { throw .missingEntry(at: text.position(i)) }
                rows.startRow()
                needSeparator = false
                i += 2
                continue
            }
            if text.hasPrefix("\\hline", at: i) { i += 6; continue }
            if text[i] == UInt8(ascii: "&") {
                guard needSeparator else { throw .missingEntry(at: text.position(i)) }
                needSeparator = false
                i += 1
                continue
            }
            if needSeparator { throw text.unexpected(at: i) }
            let position = EntryPosition(row: rows.currentRow, column: rows.currentLength)
            var evaluator = EntryEvaluator(text, from: i, to: to, entry: position, whitespaceSeparates: false)
            rows.append(try evaluator.evaluate())
            i = evaluator.pos
            needSeparator = true
        }
        rows.dropTrailingEmptyRow()
    }
}
