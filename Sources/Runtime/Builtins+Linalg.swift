import Engine

extension Builtins {
    /// Linear algebra: exact for exact matrices (inv, det, rref, rank,
    /// solve, nullspace, trace), LAPACK for float matrices and for the
    /// factorizations (lu, qr, svd, eig), which are always float.
    static func linalg() -> [Builtin] {
        [
            Builtin("inv", [.required("A")],
                    help: """
                    The inverse of a square matrix: exact for exact matrices, LAPACK (dgesv) for floats.

                    A singular matrix is an error that gives its rank.
                      inv([2 1; 1 1])    # [1 -1; -1 2]
                      inv([2 0; 0 4])    # [1/2 0; 0 1/4]
                    """) { args throws(Unwind) in
                switch try args.matrix(0) {
                case .exact(let m): return .matrix(.exact(try args.engine { () throws(EngineError) in try m.inverse() }))
                case .float(let m): return .matrix(.float(try args.engine { () throws(EngineError) in try m.inverse() }))
                }
            },
            Builtin("det", [.required("A")],
                    help: """
                    The determinant: exact (Bareiss elimination) for exact matrices, LAPACK (dgetrf) for floats.

                      det([1 2; 3 4])      # -2
                      det([1/2 0; 0 3])    # 3/2
                      det(eye(0))          # 1
                    """) { args throws(Unwind) in
                switch try args.matrix(0) {
                case .exact(let m): return Value(try args.engine { () throws(EngineError) in try m.determinant() })
                case .float(let m): return .float(try args.engine { () throws(EngineError) in try m.determinant() })
                }
            },
            Builtin("rref", [.required("A"), .optional("pivots", .bool(false))],
                    help: """
                    The reduced row echelon form; with pivots: true, {matrix, pivots} with the pivot columns.

                    Exact matrices give exact rationals (as sympy's Matrix.rref()). For
                    floats, partial pivoting with entries below a tolerance set to 0.
                      rref([1 2; 3 4])               # [1 0; 0 1]
                      rref([1 2 3; 2 4 6])           # [1 2 3; 0 0 0]
                      rref([1 2; 2 4], pivots: true).pivots   # [0]
                    """) { args throws(Unwind) in
                let (matrix, pivots): (Matrix, [Int])
                switch try args.matrix(0) {
                case .exact(let m):
                    let r = try args.engine { () throws(EngineError) in try m.rref() }
                    (matrix, pivots) = (.exact(r.matrix), r.pivots)
                case .float(let m):
                    let r = m.rref()
                    (matrix, pivots) = (.float(r.matrix), r.pivots)
                }
                guard try args.bool(1) else { return .matrix(matrix) }
                return .record(Record(["matrix": .matrix(matrix), "pivots": .list(pivots.map { .int($0) })]))
            },
            Builtin("rank", [.required("A")],
                    help: """
                    The rank: exact for exact matrices; for floats, singular values above max(m, n)·ε·σmax (as numpy).

                      rank([1 2; 2 4])     # 1
                      rank(eye(3))         # 3
                    """) { args throws(Unwind) in
                switch try args.matrix(0) {
                case .exact(let m): return .int(try args.engine { () throws(EngineError) in try m.rank() })
                case .float(let m): return .int(try args.engine { () throws(EngineError) in try m.rank() })
                }
            },
            Builtin("solve", [.required("A"), .required("b")],
                    help: """
                    The x with A·x = b for square invertible A; b is a matrix or a list of numbers (then x is a list).

                      solve([2 1; 1 3], [3, 5])      # [4/5, 7/5]
                      solve([2 0; 0 4], [2; 4])      # [1; 1]
                    """) { args throws(Unwind) in
                let a = try args.matrix(0)
                var asList = false
                let b: Matrix
                if case .list(let items) = args[1], items.allSatisfy({ Arithmetic.isNumber($0) }) {
                    asList = true
                    guard case .matrix(let column) = try MatrixValues.fromRows(items.map { [$0] }) else {
                        throw args.mismatch(1, "a matrix or a list of numbers")
                    }
                    b = items.isEmpty ? .exact(ExactMatrix(rows: 0, cols: 1, entries: [])) : column
                } else {
                    b = try args.matrix(1)
                }
                let x: Matrix
                switch (a, b) {
                case (.exact(let m), .exact(let r)):
                    x = .exact(try args.engine { () throws(EngineError) in try m.solve(r) })
                default:
                    let (m, r) = (a.floatMatrix, b.floatMatrix)
                    x = .float(try args.engine { () throws(EngineError) in try m.solve(r) })
                }
                if asList { return .list((0..<x.rows).map { Value(x.entry($0, 0)) }) }
                return .matrix(x)
            },
            Builtin("nullspace", [.required("A")],
                    help: """
                    A basis of the null space {x : A·x = 0} as the columns of a matrix (n × (n − rank)).

                    Exact matrices give sympy's basis (one column per free variable of
                    the rref); floats an orthonormal basis from the SVD.
                      nullspace([1 2; 2 4])    # [-2; 1]
                      shape(nullspace(eye(2)))  # [2, 0]
                    """) { args throws(Unwind) in
                switch try args.matrix(0) {
                case .exact(let m): return .matrix(.exact(try args.engine { () throws(EngineError) in try m.nullspace() }))
                case .float(let m): return .matrix(.float(try args.engine { () throws(EngineError) in try m.nullspace() }))
                }
            },
            Builtin("trace", [.required("A")],
                    help: """
                    The sum of the diagonal of a square matrix.

                      trace([1 2; 3 4])    # 5
                    """) { args throws(Unwind) in
                switch try args.squareMatrix(0, for: "trace") {
                case .exact(let m): return Value(m.trace)
                case .float(let m): return .float(m.trace)
                }
            },
            Builtin("norm", [.required("A"), .optional("p", .int(2))],
                    help: """
                    A matrix norm: p = 1 (largest column sum), 2 (largest singular value), "fro" or "inf" (largest row sum).

                    p = 1 and "inf" stay exact for exact matrices; 2 and "fro" are floats.
                      norm([1 -2; 3 4], 1)       # 6
                      norm([1 -2; 3 4], "inf")   # 7
                      norm([3 0; 0 4], "fro")    # 5.0
                      norm([3 0; 0 -4])          # 4.0
                    """) { args throws(Unwind) in
                let m = try args.matrix(0)
                let kind = try normKind(args, 1)
                if case .exact(let x) = m, kind == .one || kind == .infinity {
                    return Value(exactNorm(x, columns: kind == .one))
                }
                let f = m.floatMatrix
                return .float(try args.engine { () throws(EngineError) in try f.norm(kind) })
            },
            Builtin("dist", [.required("P"), .required("S")],
                    help: """
                    Charton's relative error: sum|P − S| / sum|S| over all entries, as a float.

                    From "Linear algebra with transformers": a prediction P is correct at
                    tolerance τ when dist(P, S) < τ. When S is all zeros the result is 0.0 if
                    P equals S and inf otherwise. Shapes must match.
                      dist([1 2; 3 4], [1 2; 3 4])     # 0.0
                      dist([1 2; 3 5], [1 2; 3 4])     # 0.1
                    """) { args throws(Unwind) in
                let p = try args.matrix(0), s = try args.matrix(1)
                guard p.rows == s.rows && p.cols == s.cols else {
                    throw args.fail("shapes differ: \(p.shapeText) and \(s.shapeText)")
                }
                return .float(relativeL1(p, s))
            },
            Builtin("approx", [.required("P"), .required("S"), .optional("tol", .float(1e-9))],
                    help: """
                    Whether P ≈ S: same shape and max|P − S| ≤ tol · max(1, max|S|); numbers and lists of numbers work too.

                      approx(float([1 2]), [1 2])            # true
                      approx([1.0 2.0], [1 2.001], 0.01)     # true
                      approx(0.1 + 0.2, 0.3)                 # true
                      approx([1.0, 3.0], [1, 3])             # true
                    """) { args throws(Unwind) in
                let tol = try args.double(2)
                if let a = Arithmetic.double(args[0]), let b = Arithmetic.double(args[1]) {
                    return .bool(abs(a - b) <= tol * max(1, abs(b)))
                }
                // Lists of numbers compare as rows.
                func operand(_ i: Int) throws(Unwind) -> FloatMatrix {
                    if case .list(let items) = args[i], items.allSatisfy({ Arithmetic.isNumber($0) }) {
                        return FloatMatrix(rows: 1, cols: items.count, entries: items.map { Arithmetic.double($0) ?? .nan })
                    }
                    return try args.matrix(i).floatMatrix
                }
                let p = try operand(0), s = try operand(1)
                guard p.rows == s.rows && p.cols == s.cols else { return .bool(false) }
                var worst = 0.0, scale = 1.0
                for k in p.entries.indices {
                    let d = abs(p.entries[k] - s.entries[k])
                    if !(d <= worst) { worst = d }  // nan propagates as "not close"
                    scale = max(scale, abs(s.entries[k]))
                }
                return .bool(worst <= tol * scale)
            },
            Builtin("cond", [.required("A")],
                    help: """
                    The 2-norm condition number σmax / σmin (inf for a singular matrix), as numpy.linalg.cond.

                      cond([2 0; 0 1])    # 2.0
                      cond([1 1; 1 1])    # inf
                    """) { args throws(Unwind) in
                let m = try args.matrix(0).floatMatrix
                return .float(try args.engine { () throws(EngineError) in try m.conditionNumber() })
            },
            Builtin("lu", [.required("A")],
                    help: """
                    The LU factorization with partial pivoting as a record {P, L, U} with A = P·L·U (floats, as scipy.linalg.lu).

                      lu([1 2; 3 4]).P       # [0.0 1.0; 1.0 0.0]
                      let f = lu([1 2; 3 4])
                      f.P * f.L * f.U        # equals [1 2; 3 4] up to rounding
                    """) { args throws(Unwind) in
                let m = try args.matrix(0).floatMatrix
                let f = try args.engine { () throws(EngineError) in try m.lu() }
                return .record(Record(["P": .matrix(.float(f.p)), "L": .matrix(.float(f.l)), "U": .matrix(.float(f.u))]))
            },
            Builtin("qr", [.required("A")],
                    help: """
                    The reduced QR factorization as a record {Q, R}: Q has orthonormal columns, R is upper triangular, A = Q·R.

                      shape(qr([1 2; 3 4; 5 6]).R)   # [2, 2]
                      let f = qr([1 2; 3 4])
                      f.Q * f.R              # equals [1 2; 3 4] up to rounding
                    """) { args throws(Unwind) in
                let m = try args.matrix(0).floatMatrix
                let f = try args.engine { () throws(EngineError) in try m.qr() }
                return .record(Record(["Q": .matrix(.float(f.q)), "R": .matrix(.float(f.r))]))
            },
            Builtin("svd", [.required("A")],
                    help: """
                    The singular value decomposition as a record {U, S, V} with A = U·diag(S)·V.T (S a list, descending).

                    Reduced, as numpy.linalg.svd(A, full_matrices=False); LAPACK dgesdd.
                      svd([3 0; 0 -4]).S     # [4.0, 3.0]
                      let f = svd([1 2; 3 4])
                      f.U * diag(f.S) * f.V.T   # equals [1 2; 3 4] up to rounding
                    """) { args throws(Unwind) in
                let m = try args.matrix(0).floatMatrix
                let f = try args.engine { () throws(EngineError) in try m.svd() }
                return .record(Record(["U": .matrix(.float(f.u)), "S": .list(f.s.map { .float($0) }),
                                       "V": .matrix(.float(f.v))]))
            },
            Builtin("singular_values", [.required("A")],
                    help: """
                    The singular values, descending, as a list of floats.

                      singular_values([3 0; 0 -4])   # [4.0, 3.0]
                    """) { args throws(Unwind) in
                let m = try args.matrix(0).floatMatrix
                return .list(try args.engine { () throws(EngineError) in try m.singularValues() }.map { .float($0) })
            },
            Builtin("eig", [.required("A")],
                    help: """
                    Eigenvalues and eigenvectors of a symmetric matrix as {values, vectors}: values ascending, vectors as columns.

                    LAPACK dsyevd, as numpy.linalg.eigh. For a general matrix use eigenvalues(A).
                      eig([2 0; 0 1]).values     # [1.0, 2.0]
                      eig([2 1; 1 2]).values     # [1.0, 3.0]
                      let e = eig([2 1; 1 2])
                      [2 1; 1 2] * e.vectors     # equals e.vectors * diag(e.values) up to rounding
                    """) { args throws(Unwind) in
                let m = try args.matrix(0).floatMatrix
                let e = try args.engine { () throws(EngineError) in try m.symmetricEigen() }
                return .record(Record(["values": .list(e.values.map { .float($0) }), "vectors": .matrix(.float(e.vectors))]))
            },
            Builtin("eigenvalues", [.required("A")],
                    help: """
                    The eigenvalues of a square matrix, sorted by real part then imaginary part, descending.

                    A real eigenvalue is a float; a complex one is a record {re, im}, and
                    complex eigenvalues come in conjugate pairs (re + im·i first). LAPACK dgeev.
                      eigenvalues([2 0; 0 3])     # [3.0, 2.0]
                      eigenvalues([0 -1; 1 0])    # [{re: 0.0, im: 1.0}, {re: 0.0, im: -1.0}]
                    """) { args throws(Unwind) in
                let m = try args.matrix(0).floatMatrix
                let values = try args.engine { () throws(EngineError) in try m.eigenvalues() }
                return .list(values.map { v in
                    v.im == 0 ? .float(v.re) : .record(Record(["re": .float(v.re), "im": .float(v.im)]))
                })
            },
            Builtin("pinv", [.required("A")],
                    help: """
                    The Moore–Penrose pseudo-inverse (floats, from the SVD, as numpy.linalg.pinv).

                      pinv([2 0; 0 0])    # [0.5 0.0; 0.0 0.0]
                    """) { args throws(Unwind) in
                let m = try args.matrix(0).floatMatrix
                return .matrix(.float(try args.engine { () throws(EngineError) in try m.pseudoInverse() }))
            },
        ]
    }

    static func normKind(_ args: Arguments, _ i: Int) throws(Unwind) -> MatrixNorm {
        switch args[i] {
        case .int(1): return .one
        case .int(2): return .two
        case .string("fro"): return .frobenius
        case .string("inf"): return .infinity
        case .float(let d) where d.isInfinite && d > 0: return .infinity
        default: throw args.fail("p must be 1, 2, \"fro\" or \"inf\", got \(args[i].shortDisplay)")
        }
    }

    /// The largest column (or row) sum of absolute values, exactly.
    static func exactNorm(_ m: ExactMatrix, columns: Bool) -> Exact {
        var best = Exact.zero
        for outer in 0..<(columns ? m.cols : m.rows) {
            var sum = Exact.zero
            for inner in 0..<(columns ? m.rows : m.cols) {
                sum = sum + (columns ? m[inner, outer] : m[outer, inner]).magnitude
            }
            if best < sum { best = sum }
        }
        return best
    }

    /// sum|P − S| / sum|S|, in Float64 (Charton's d1 metric).
    static func relativeL1(_ p: Matrix, _ s: Matrix) -> Double {
        let a = p.floatMatrix.entries, b = s.floatMatrix.entries
        var difference = 0.0, size = 0.0
        for k in a.indices {
            difference += abs(a[k] - b[k])
            size += abs(b[k])
        }
        if size == 0 { return difference == 0 ? 0 : .infinity }
        return difference / size
    }
}
