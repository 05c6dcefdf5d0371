import BigInt
import Engine

// Matrices as language values: conversions between `Value` and the engine's
// `Matrix`, the operators on matrices, and indexing.

extension Value {
    /// An exact entry or scalar as a number value (Int fast path first).
    init(_ e: Exact) {
        switch e {
        case .small(let n, 1): self = .int(n)
        default: self.init(e.rational)
        }
    }

    init(_ s: Scalar) {
        switch s {
        case .exact(let e): self.init(e)
        case .float(let d): self = .float(d)
        }
    }

    /// The number as a matrix entry, or nil when it is not a number.
    var scalar: Scalar? {
        switch self {
        case .int(let i): return .exact(Exact(i))
        case .bigint(let b): return .exact(Exact(b))
        case .rational(let q): return .exact(Exact(q))
        case .float(let d): return .float(d)
        default: return nil
        }
    }

    var isMatrix: Bool { if case .matrix = self { return true } else { return false } }
}

/// Engine errors become language errors with the engine's message.
func fail(_ error: EngineError) -> Unwind { fail(error.message) }

enum MatrixValues {
    // MARK: - Construction

    /// A matrix from rows of entries. An entry may itself be a matrix: then
    /// it is a block, as in MATLAB (`[A b]` appends a column, `[A; r]` a
    /// row). Any float entry makes the whole matrix float.
    static func fromRows(_ rows: [[Value]]) throws(Unwind) -> Value {
        if rows.contains(where: { $0.contains(where: \.isMatrix) }) { return try fromBlocks(rows) }
        let width = rows.first?.count ?? 0
        for (i, row) in rows.enumerated() where row.count != width {
            throw fail("matrix rows must have the same length: row 1 has \(width) entries, row \(i + 1) has \(row.count)")
        }
        _ = try checkedCountOrFail(rows.count, width)
        var exact: [Exact] = []
        exact.reserveCapacity(rows.count * width)
        var isFloat = false
        for (i, row) in rows.enumerated() {
            for (j, v) in row.enumerated() {
                guard let s = v.scalar else {
                    throw fail("matrix entries must be numbers; entry (\(i), \(j)) is \(article(v.typeName))")
                }
                switch s {
                case .exact(let e): exact.append(e)
                case .float: isFloat = true; exact.append(.zero)
                }
            }
        }
        if isFloat {
            var doubles: [Double] = []
            doubles.reserveCapacity(rows.count * width)
            for row in rows { for v in row { doubles.append(v.scalar?.doubleValue ?? 0) } }
            return .matrix(.float(FloatMatrix(rows: rows.count, cols: width, entries: doubles)))
        }
        return .matrix(.exact(ExactMatrix(rows: rows.count, cols: width, entries: exact)))
    }

    /// Block rows: each block row's blocks share a height; block rows share a width.
    static func fromBlocks(_ rows: [[Value]]) throws(Unwind) -> Value {
        var blockRows: [Matrix] = []
        for (r, row) in rows.enumerated() {
            var acc: Matrix? = nil
            for v in row {
                let block: Matrix
                if case .matrix(let m) = v { block = m } else if let s = v.scalar {
                    switch s {
                    case .exact(let e): block = .exact(ExactMatrix(rows: 1, cols: 1, entries: [e]))
                    case .float(let d): block = .float(FloatMatrix(rows: 1, cols: 1, entries: [d]))
                    }
                } else {
                    throw fail("matrix entries must be numbers or matrices; got \(article(v.typeName)) in row \(r + 1)")
                }
                if let a = acc {
                    guard a.rows == block.rows else {
                        throw fail("cannot place a \(block.shapeText) block beside a \(a.shapeText) one in row \(r + 1): heights differ")
                    }
                    acc = try concat(a, block, horizontal: true)
                } else {
                    acc = block
                }
            }
            if let acc { blockRows.append(acc) }
        }
        guard var result = blockRows.first else { return .matrix(.exact(ExactMatrix(rows: 0, cols: 0, entries: []))) }
        for next in blockRows.dropFirst() {
            guard next.cols == result.cols else {
                throw fail("cannot stack a \(next.shapeText) block under a \(result.shapeText) one: widths differ")
            }
            result = try concat(result, next, horizontal: false)
        }
        return .matrix(result)
    }

    /// `hcat` (horizontal) or `vcat`; shapes already checked or checked here.
    static func concat(_ a: Matrix, _ b: Matrix, horizontal: Bool) throws(Unwind) -> Matrix {
        if horizontal {
            guard a.rows == b.rows else {
                throw fail("cannot hcat \(a.shapeText) and \(b.shapeText): row counts differ")
            }
        } else {
            guard a.cols == b.cols else {
                throw fail("cannot vcat \(a.shapeText) and \(b.shapeText): column counts differ")
            }
        }
        _ = try checkedCountOrFail(horizontal ? a.rows : a.rows + b.rows, horizontal ? a.cols + b.cols : a.cols)
        switch (a, b) {
        case (.exact(let x), .exact(let y)):
            if horizontal { do { return .exact(try x.hcat(y)) } catch { throw fail(error) } }
            return .exact(ExactMatrix(rows: x.rows + y.rows, cols: x.cols, entries: x.entries + y.entries))
        default:
            let x = a.floatMatrix, y = b.floatMatrix
            if horizontal {
                var out: [Double] = []
                out.reserveCapacity(x.rows * (x.cols + y.cols))
                for i in 0..<x.rows {
                    out += x.entries[(i * x.cols)..<((i + 1) * x.cols)]
                    out += y.entries[(i * y.cols)..<((i + 1) * y.cols)]
                }
                return .float(FloatMatrix(rows: x.rows, cols: x.cols + y.cols, entries: out))
            }
            return .float(FloatMatrix(rows: x.rows + y.rows, cols: x.cols, entries: x.entries + y.entries))
        }
    }

    /// A matrix, or a list of rows (lists of numbers) as one; nil for
    /// anything else.
    static func asMatrix(_ v: Value) throws(Unwind) -> Matrix? {
        switch v {
        case .matrix(let m): return m
        case .list(let items) where !items.isEmpty && items.allSatisfy({ if case .list = $0 { return true } else { return false } }):
            var rows: [[Value]] = []
            for case .list(let row) in items { rows.append(row) }
            guard case .matrix(let m) = try fromRows(rows) else { return nil }
            return m
        default:
            return nil
        }
    }

    static func checkedCountOrFail(_ rows: Int, _ cols: Int) throws(Unwind) -> Int {
        do { return try checkedCount(rows, cols) } catch { throw fail(error) }
    }

    /// The rows as lists of numbers.
    static func toList(_ m: Matrix) -> Value {
        var rows: [Value] = []
        rows.reserveCapacity(m.rows)
        for i in 0..<m.rows {
            var row: [Value] = []
            row.reserveCapacity(m.cols)
            for j in 0..<m.cols { row.append(Value(m.entry(i, j))) }
            rows.append(.list(row))
        }
        return .list(rows)
    }

    // MARK: - Operators

    /// `a op b` where at least one side is a matrix.
    static func binary(_ op: String, _ a: Value, _ b: Value) throws(Unwind) -> Value {
        do {
            switch (a, b) {
            case (.matrix(let x), .matrix(let y)):
                switch op {
                case "+": return .matrix(try Matrix.add(x, y))
                case "-": return .matrix(try Matrix.subtract(x, y))
                case "*": return .matrix(try Matrix.multiply(x, y))
                case ".*": return .matrix(try Matrix.elementMultiply(x, y))
                case "./": return .matrix(try Matrix.elementDivide(x, y))
                case "/": throw fail("cannot divide a matrix by a matrix; use A * inv(B), solve(B, A) for B⁻¹·A, or ./ entrywise")
                case "^": throw fail("a matrix power needs an integer exponent, got a matrix")
                default: break
                }
            case (.matrix(let x), _):
                guard let s = b.scalar else { break }
                switch op {
                case "*", ".*": return .matrix(x.scaled(by: s))
                case "/", "./": return .matrix(try x.divided(by: s))
                case "^":
                    guard case .exact(let e) = s, e.isInteger else {
                        throw fail("a matrix power needs an integer exponent, got \(b.display())")
                    }
                    guard let k = e.smallInteger else { throw fail("matrix exponent \(b.display()) is too large") }
                    return .matrix(try x.power(k))
                case "+", "-":
                    let diagonal = x.isSquare ? ", or A \(op) c * eye(\(x.rows)) for the diagonal" : ""
                    throw fail("cannot \(op == "+" ? "add" : "subtract") a number \(op == "+" ? "to" : "from") a matrix; write A \(op) c * ones(\(x.rows), \(x.cols)) for every entry\(diagonal)")
                default: break
                }
            case (_, .matrix(let y)):
                guard let s = a.scalar else { break }
                switch op {
                case "*", ".*": return .matrix(y.scaled(by: s))
                case "./": return .matrix(try y.dividing(s))
                case "/": throw fail("cannot divide a number by a matrix; use c * inv(A), or ./ entrywise")
                case "+", "-":
                    throw fail("cannot \(op == "+" ? "add" : "subtract") a matrix \(op == "+" ? "to" : "from") a number; write c * ones(\(y.rows), \(y.cols)) \(op) A")
                case "^": throw fail("cannot raise a number to a matrix power")
                default: break
                }
            default: break
            }
        } catch let error as EngineError {
            throw fail(error)
        } catch let unwind as Unwind {
            throw unwind
        } catch {
            throw fail("\(error)")
        }
        throw fail("cannot apply '\(op)' to \(a.typeName) and \(b.typeName)")
    }

    // MARK: - Indexing

    /// One subscript along a dimension: an index or a half-open range.
    enum Axis {
        case one(Int)
        case span(Range<Int>)
    }

    static func axis(_ key: Key, count: Int, what: String) throws(Unwind) -> Axis {
        switch key {
        case .index(let v): return .one(try position(v, count: count, of: what))
        case .slice(let lo, let hi): return .span(try sliceBounds(lo, hi, count: count))
        default: throw fail("matrix subscripts are integers or slices like 0:2 and :")
        }
    }

    /// `A[i, j]`, `A[i, :]`, `A[:, j]`, `A[a:b, c:d]`; `v[i]` and `v[a:b]`
    /// on a row or column vector.
    static func get(_ m: Matrix, _ keys: [Key]) throws(Unwind) -> Value {
        let (rowAxis, colAxis) = try axes(m, keys)
        switch (rowAxis, colAxis) {
        case (.one(let i), .one(let j)): return Value(m.entry(i, j))
        default:
            return .matrix(submatrix(m, rows: range(rowAxis), cols: range(colAxis)))
        }
    }

    static func axes(_ m: Matrix, _ keys: [Key]) throws(Unwind) -> (Axis, Axis) {
        switch keys.count {
        case 2:
            return (try axis(keys[0], count: m.rows, what: "matrix rows"),
                    try axis(keys[1], count: m.cols, what: "matrix columns"))
        case 1 where m.rows == 1:
            return (.one(0), try axis(keys[0], count: m.cols, what: "vector"))
        case 1 where m.cols == 1:
            return (try axis(keys[0], count: m.rows, what: "vector"), .one(0))
        case 1:
            throw fail("a \(m.shapeText) matrix takes two subscripts: A[i, j] for an entry, A[i, :] for row i, A[:, j] for column j")
        default:
            throw fail("a matrix takes at most two subscripts, got \(keys.count)")
        }
    }

    static func range(_ a: Axis) -> Range<Int> {
        switch a {
        case .one(let i): return i..<(i + 1)
        case .span(let r): return r
        }
    }

    static func submatrix(_ m: Matrix, rows: Range<Int>, cols: Range<Int>) -> Matrix {
        switch m {
        case .exact(let x):
            var out: [Exact] = []
            out.reserveCapacity(rows.count * cols.count)
            for i in rows { out += x.entries[(i * x.cols + cols.lowerBound)..<(i * x.cols + cols.upperBound)] }
            return .exact(ExactMatrix(rows: rows.count, cols: cols.count, entries: out))
        case .float(let x):
            var out: [Double] = []
            out.reserveCapacity(rows.count * cols.count)
            for i in rows { out += x.entries[(i * x.cols + cols.lowerBound)..<(i * x.cols + cols.upperBound)] }
            return .float(FloatMatrix(rows: rows.count, cols: cols.count, entries: out))
        }
    }

    /// `A[i, j] = x`, `A[i, :] = row`, `A[a:b, c:d] = block`: the value must
    /// be a number (it fills the part) or a matrix of the part's shape.
    /// A float written into an exact matrix makes it float.
    static func set(_ m: inout Matrix, _ keys: [Key], _ value: Value) throws(Unwind) {
        let (rowAxis, colAxis) = try axes(m, keys)
        let rows = range(rowAxis), cols = range(colAxis)
        var source: Matrix
        if case .matrix(let v) = value {
            guard v.rows == rows.count && v.cols == cols.count else {
                throw fail("cannot assign a \(v.shapeText) matrix to a \(rows.count)×\(cols.count) part")
            }
            source = v
        } else if let s = value.scalar {
            switch s {
            case .exact(let e):
                source = .exact(ExactMatrix(rows: rows.count, cols: cols.count,
                                            entries: [Exact](repeating: e, count: rows.count * cols.count)))
            case .float(let d):
                source = .float(FloatMatrix(rows: rows.count, cols: cols.count,
                                            entries: [Double](repeating: d, count: rows.count * cols.count)))
            }
        } else {
            throw fail("matrix entries must be numbers, got \(article(value.typeName))")
        }
        if case .float = source, case .exact(let x) = m { m = .float(x.floatMatrix) }
        switch m {
        case .exact(var x):
            guard case .exact(let y) = source else { return }
            m = .float(FloatMatrix(rows: 0, cols: 0, entries: []))  // release the reference: x is unique
            for (a, i) in rows.enumerated() {
                for (b, j) in cols.enumerated() { x[i, j] = y[a, b] }
            }
            m = .exact(x)
        case .float(var x):
            let y = source.floatMatrix
            m = .exact(ExactMatrix(rows: 0, cols: 0, entries: []))
            for (a, i) in rows.enumerated() {
                for (b, j) in cols.enumerated() { x[i, j] = y[a, b] }
            }
            m = .float(x)
        }
    }
}
