import BigInt
import Engine

extension Arguments {
    /// Argument i as a matrix; a list of rows (lists of numbers) is
    /// converted, so `det([[1, 2], [3, 4]])` works as `det([1 2; 3 4])` does.
    func matrix(_ i: Int) throws(Unwind) -> Matrix {
        guard let m = try MatrixValues.asMatrix(values[i]) else { throw mismatch(i, "a matrix") }
        return m
    }

    /// Argument i as a square matrix (`operation` names it in the error).
    func squareMatrix(_ i: Int, for operation: String) throws(Unwind) -> Matrix {
        let m = try matrix(i)
        guard m.isSquare else { throw fail("needs a square matrix, got \(m.shapeText)") }
        return m
    }

    /// Runs engine code, turning its errors into this builtin's errors.
    func engine<T>(_ body: () throws(EngineError) -> T) throws(Unwind) -> T {
        do { return try body() } catch {
            // "inv needs a square matrix" reads "inv: needs a square matrix" here.
            var message = error.message
            for prefix in [builtin.name + ": ", builtin.name + " "] where message.hasPrefix(prefix) {
                message.removeFirst(prefix.count)
                break
            }
            throw fail(message)
        }
    }

    /// A non-negative dimension.
    func dimension(_ i: Int) throws(Unwind) -> Int {
        let n = try int(i)
        guard n >= 0 else { throw fail("argument '\(builtin.parameters[i].name)' must be a non-negative size, got \(n)") }
        return n
    }

    /// A row or column index of `m` (negative counts from the end).
    func rowIndex(_ i: Int, of m: Matrix) throws(Unwind) -> Int {
        do { return try position(values[i], count: m.rows, of: "matrix rows") } catch {
            if case .error(let e) = error { throw fail(e.message) }
            throw error
        }
    }
}

extension Builtins {
    /// Making matrices and taking them apart: matrix, eye, zeros, ones,
    /// diag, hcat, vcat, shape, rows, cols, transpose, and the elementary
    /// row operations.
    static func matrices() -> [Builtin] {
        [
            Builtin("matrix", [.required("rows")],
                    help: """
                    A matrix from a list of rows (each a list of numbers); a list of numbers gives one row.

                    Exact numbers give an exact matrix; any float makes it a float
                    matrix. The literal [1 2; 3 4] is the same as matrix([[1, 2], [3, 4]]).
                      matrix([[1, 2], [3, 4]])   # [1 2; 3 4]
                      matrix([1, 2, 3])          # [1 2 3]
                    """) { args throws(Unwind) in
                if case .matrix = args[0] { return args[0] }
                let items = try args.list(0)
                if items.allSatisfy({ Arithmetic.isNumber($0) }) { return try MatrixValues.fromRows([items]) }
                var rows: [[Value]] = []
                for (i, item) in items.enumerated() {
                    guard case .list(let row) = item else {
                        throw args.fail("row \(i) is \(article(item.typeName)), not a list of numbers")
                    }
                    rows.append(row)
                }
                return try MatrixValues.fromRows(rows)
            },
            Builtin("eye", [.required("n")],
                    help: """
                    The n×n identity matrix (exact).

                      eye(2)            # [1 0; 0 1]
                      eye(3) * [1; 2; 3]  # [1; 2; 3]
                    """) { args throws(Unwind) in
                let n = try args.dimension(0)
                return .matrix(.exact(try args.engine { () throws(EngineError) in try ExactMatrix.identity(n) }))
            },
            Builtin("zeros", [.required("m"), .optional("n")],
                    help: """
                    An m×n matrix of exact zeros (n defaults to m).

                      zeros(2, 3)   # [0 0 0; 0 0 0]
                      zeros(2)      # [0 0; 0 0]
                    """) { args throws(Unwind) in
                let m = try args.dimension(0), n = args.isNil(1) ? m : try args.dimension(1)
                return .matrix(.exact(try args.engine { () throws(EngineError) in try ExactMatrix(zeros: m, n) }))
            },
            Builtin("ones", [.required("m"), .optional("n")],
                    help: """
                    An m×n matrix of exact ones (n defaults to m).

                      ones(2, 3)    # [1 1 1; 1 1 1]
                      2 * ones(1, 2)  # [2 2]
                    """) { args throws(Unwind) in
                let m = try args.dimension(0), n = args.isNil(1) ? m : try args.dimension(1)
                let count = try MatrixValues.checkedCountOrFail(m, n)
                return .matrix(.exact(ExactMatrix(rows: m, cols: n, entries: [Exact](repeating: .one, count: count))))
            },
            Builtin("diag", [.required("x")],
                    help: """
                    A diagonal matrix from a list of numbers, or the diagonal of a matrix as a list.

                      diag([1, 2, 3])      # [1 0 0; 0 2 0; 0 0 3]
                      diag([1 2; 3 4])     # [1, 4]
                    """) { args throws(Unwind) in
                if case .matrix(let m) = args[0] {
                    return .list((0..<min(m.rows, m.cols)).map { Value(m.entry($0, $0)) })
                }
                let items = try args.sequence(0)
                let n = items.count
                _ = try MatrixValues.checkedCountOrFail(n, n)
                var rows = [[Value]](repeating: [Value](repeating: .int(0), count: n), count: n)
                for (i, v) in items.enumerated() {
                    guard Arithmetic.isNumber(v) else { throw args.fail("entry \(i) is \(article(v.typeName)), not a number") }
                    rows[i][i] = v
                }
                if n == 0 { return .matrix(.exact(ExactMatrix(rows: 0, cols: 0, entries: []))) }
                return try MatrixValues.fromRows(rows)
            },
            Builtin("hcat", [.variadic("matrices")],
                    help: """
                    Matrices side by side (same number of rows); [A B] is the same.

                      hcat([1; 2], [3; 4])   # [1 3; 2 4]
                      hcat(eye(2), [5; 6])   # [1 0 5; 0 1 6]
                    """) { args throws(Unwind) in
                try concatenate(args, horizontal: true)
            },
            Builtin("vcat", [.variadic("matrices")],
                    help: """
                    Matrices stacked top to bottom (same number of columns); [A; B] is the same.

                      vcat([1 2], [3 4])   # [1 2; 3 4]
                    """) { args throws(Unwind) in
                try concatenate(args, horizontal: false)
            },
            Builtin("shape", [.required("A")],
                    help: """
                    [rows, cols] of a matrix (also A.shape).

                      shape([1 2 3; 4 5 6])   # [2, 3]
                    """) { args throws(Unwind) in
                let m = try args.matrix(0)
                return .list([.int(m.rows), .int(m.cols)])
            },
            Builtin("rows", [.required("A")],
                    help: """
                    The number of rows of a matrix (also A.rows).

                      rows([1 2 3; 4 5 6])   # 2
                    """) { args throws(Unwind) in .int(try args.matrix(0).rows) },
            Builtin("cols", [.required("A")],
                    help: """
                    The number of columns of a matrix (also A.cols).

                      cols([1 2 3; 4 5 6])   # 3
                    """) { args throws(Unwind) in .int(try args.matrix(0).cols) },
            Builtin("transpose", [.required("A")],
                    help: """
                    The transpose; A.T is the same (Pivot has no A' because ' is not a quote character here).

                      transpose([1 2; 3 4])   # [1 3; 2 4]
                      [1 2 3].T               # [1; 2; 3]
                    """) { args throws(Unwind) in .matrix(try args.matrix(0).transposed) },
            Builtin("swap_rows", [.required("A"), .required("i"), .required("j")],
                    help: """
                    A copy of A with rows i and j exchanged (rows count from 0).

                    An elementary row operation, as traces and rewards use them.
                      swap_rows([1 2; 3 4], 0, 1)   # [3 4; 1 2]
                    """) { args throws(Unwind) in
                var m = try args.matrix(0)
                let i = try args.rowIndex(1, of: m), j = try args.rowIndex(2, of: m)
                switch m {
                case .exact(var x): m = .float(FloatMatrix(rows: 0, cols: 0, entries: [])); x.swapRows(i, j); return .matrix(.exact(x))
                case .float(let x): return .matrix(.float(x.swappingRows(i, j)))
                }
            },
            Builtin("scale_row", [.required("A"), .required("i"), .required("c")],
                    help: """
                    A copy of A with row i multiplied by the nonzero number c.

                    Scaling by 0 is an error: it is not an elementary operation (it loses the row).
                      scale_row([2 4; 1 3], 0, 1/2)   # [1 2; 1 3]
                    """) { args throws(Unwind) in
                let m = try args.matrix(0)
                let i = try args.rowIndex(1, of: m)
                guard let c = args[2].scalar else { throw args.mismatch(2, "a number") }
                if c.doubleValue == 0 { throw args.fail("c must be nonzero (scaling a row by 0 is not an elementary row operation)") }
                switch (m, c) {
                case (.exact(var x), .exact(let e)): x.scaleRow(i, by: e); return .matrix(.exact(x))
                default: return .matrix(.float(m.floatMatrix.scalingRow(i, by: c.doubleValue)))
                }
            },
            Builtin("add_row", [.required("A"), .required("i"), .required("j"), .required("c")],
                    help: """
                    A copy of A with c times row j added to row i (row i += c·row j; i ≠ j).

                      add_row([1 2; 3 4], 1, 0, -3)   # [1 2; 0 -2]
                    """) { args throws(Unwind) in
                let m = try args.matrix(0)
                let i = try args.rowIndex(1, of: m), j = try args.rowIndex(2, of: m)
                if i == j { throw args.fail("i and j must differ (adding a multiple of a row to itself is a scaling; use scale_row)") }
                guard let c = args[3].scalar else { throw args.mismatch(3, "a number") }
                switch (m, c) {
                case (.exact(var x), .exact(let e)): x.addRow(i, multiple: e, of: j); return .matrix(.exact(x))
                default: return .matrix(.float(m.floatMatrix.addingRow(i, multiple: c.doubleValue, of: j)))
                }
            },
        ]
    }

    static func concatenate(_ args: Arguments, horizontal: Bool) throws(Unwind) -> Value {
        let items = try args.list(0)
        guard !items.isEmpty else { throw args.fail("needs at least one matrix") }
        func operand(_ k: Int) throws(Unwind) -> Matrix {
            guard let m = try MatrixValues.asMatrix(items[k]) else {
                throw args.fail("argument \(k + 1) must be a matrix, got \(items[k].typeName)")
            }
            return m
        }
        var result = try operand(0)
        for k in 1..<items.count {
            let next = try operand(k)
            do { result = try MatrixValues.concat(result, next, horizontal: horizontal) } catch {
                if case .error(let e) = error { throw args.fail(e.message) }
                throw error
            }
        }
        return .matrix(result)
    }
}

extension FloatMatrix {
    func swappingRows(_ i: Int, _ j: Int) -> FloatMatrix {
        var out = self
        for k in 0..<cols { out.entries.swapAt(i * cols + k, j * cols + k) }
        return out
    }

    func scalingRow(_ i: Int, by c: Double) -> FloatMatrix {
        var out = self
        for k in 0..<cols { out.entries[i * cols + k] *= c }
        return out
    }

    func addingRow(_ i: Int, multiple c: Double, of j: Int) -> FloatMatrix {
        var out = self
        for k in 0..<cols { out.entries[i * cols + k] += c * entries[j * cols + k] }
        return out
    }
}
