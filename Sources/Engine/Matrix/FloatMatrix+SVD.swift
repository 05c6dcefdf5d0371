import COpenBLAS

// The singular value decomposition and what is built on it: pseudo-inverse,
// norms, condition number, rank, null space. One LAPACK routine, `dgesdd`
// (divide and conquer, numpy's choice), behind `divideAndConquerSVD`.

/// Which matrix norm `FloatMatrix.norm(_:)` computes, as `numpy.linalg.norm(A, p)`.
public enum MatrixNorm: Sendable {
    /// Largest column sum of absolute values (p = 1).
    case one
    /// Largest singular value (p = 2).
    case two
    /// Square root of the sum of squares (p = "fro").
    case frobenius
    /// Largest row sum of absolute values (p = inf).
    case infinity
}

extension FloatMatrix {
    /// The factors `dgesdd` returns for the column-major matrix B = Aᵀ (the
    /// row-major buffer as it is; B is `cols × rows`).
    private struct TransposedSVD {
        /// Singular values, descending.
        var values: [Double]
        /// B's left singular vectors, column-major (`cols` rows): A's right ones.
        var left: [Double]
        /// B's right singular vectors transposed, column-major: read row-major,
        /// A's left singular vectors.
        var rightTransposed: [Double]
    }

    /// LAPACK `dgesdd` on the row-major buffer read column-major (Aᵀ), so no
    /// transpose is needed on the way in. `job` is LAPACK's `jobz`: "N" for
    /// values only, "S" for the reduced factors, "A" for square ones.
    /// Requires a non-empty matrix with finite entries.
    private func divideAndConquerSVD(job: Unicode.Scalar, _ operation: String) throws(EngineError) -> TransposedSVD {
        let m = cols, n = rows, k = Swift.min(m, n)  // B = Aᵀ is m×n
        let m32 = try Self.lapackDimension(m, operation), n32 = try Self.lapackDimension(n, operation)
        var leftColumns = 0, rightRows = 0
        switch job {
        case "S": leftColumns = k; rightRows = k
        case "A": leftColumns = m; rightRows = n
        default: break
        }
        var buffer = entries
        var values = [Double](repeating: 0, count: k)
        var left = [Double](repeating: 0, count: try checkedCount(m, leftColumns))
        var rightTransposed = [Double](repeating: 0, count: try checkedCount(rightRows, n))
        let leftLead = Swift.max(1, leftColumns == 0 ? 1 : m32)
        let rightLead = try Self.lapackDimension(Swift.max(1, rightRows), operation)
        var integerWork = [LapackInt](repeating: 0, count: 8 * k)
        // The documented minimum workspace (LAPACK 3.11 dgesdd), a floor under the query.
        let minimum = job == "N" ? 3 * k + Swift.max(Swift.max(m, n), 7 * k)
                                 : 4 * k * k + 7 * k + Swift.max(m, n)

        var optimal = 0.0
        try checkLapackArguments(
            LAPACKE_dgesdd_work(LAPACK_COL_MAJOR, lapackChar(job), m32, n32, &buffer, m32, &values,
                                &left, leftLead, &rightTransposed, rightLead, &optimal, -1, &integerWork),
            "dgesdd", operation)
        var work = try lapackWorkspace(optimal, minimum: minimum, operation)
        let info = LAPACKE_dgesdd_work(LAPACK_COL_MAJOR, lapackChar(job), m32, n32, &buffer, m32, &values,
                                       &left, leftLead, &rightTransposed, rightLead,
                                       &work, LapackInt(work.count), &integerWork)
        try checkLapackArguments(info, "dgesdd", operation)
        if info > 0 { throw EngineError.numerical("\(operation): LAPACK dgesdd did not converge") }
        // Finite input can still overflow (entries near 1e308); everything
        // downstream compares singular values, so refuse rather than return inf.
        for value in values where !value.isFinite {
            throw EngineError.numerical("\(operation): singular values overflow (entries too large)")
        }
        return TransposedSVD(values: values, left: left, rightTransposed: rightTransposed)
    }

    /// Singular values, descending, after the input checks (empty for an empty matrix).
    private func checkedSingularValues(_ operation: String) throws(EngineError) -> [Double] {
        try requireLapackInput(operation)
        if rows == 0 || cols == 0 { return [] }
        return try divideAndConquerSVD(job: "N", operation).values
    }

    /// Rejects a tolerance that is negative or NaN.
    private static func requireTolerance(_ tolerance: Double?, _ operation: String) throws(EngineError) {
        if let tolerance, !(tolerance >= 0) {
            throw EngineError.invalidArgument("\(operation) tolerance must be a non-negative number, got \(tolerance)")
        }
    }

    /// The reduced singular value decomposition A = U·diag(S)·Vᵀ, like
    /// `numpy.linalg.svd(A, full_matrices=False)` (LAPACK `dgesdd`): for A
    /// m×n and k = min(m, n), U is m×k, S has k values in descending order,
    /// V is n×k (V, not Vᵀ). Singular vectors are unique only up to sign.
    public func svd() throws(EngineError) -> (u: FloatMatrix, s: [Double], v: FloatMatrix) {
        try requireLapackInput("svd")
        let m = rows, n = cols, k = Swift.min(m, n)
        if k == 0 { return (try FloatMatrix(zeros: m, 0), [], try FloatMatrix(zeros: n, 0)) }
        // Aᵀ = U'·S·V'ᵀ gives A = V'·S·U'ᵀ: A's U is V', whose transpose
        // dgesdd stored column-major (k×m) — read row-major, that is V'
        // itself. A's V is U', n×k column-major.
        let factors = try divideAndConquerSVD(job: "S", "svd")
        let u = FloatMatrix(rows: m, cols: k, entries: factors.rightTransposed)
        let v = FloatMatrix(columnMajorRows: n, cols: k, entries: factors.left)
        return (u, factors.values, v)
    }

    /// The singular values in descending order (LAPACK `dgesdd`, `jobz = 'N'`);
    /// min(m, n) of them, none for an empty matrix.
    public func singularValues() throws(EngineError) -> [Double] {
        try checkedSingularValues("svd")
    }

    /// The Moore–Penrose pseudo-inverse (n×m for A m×n), like
    /// `numpy.linalg.pinv`: V·diag(1/S)·Uᵀ from the SVD, dropping singular
    /// values at or below `rcond` times the largest (default 1e-15, numpy's).
    public func pseudoInverse(rcond: Double? = nil) throws(EngineError) -> FloatMatrix {
        try Self.requireTolerance(rcond, "pinv")
        try requireLapackInput("pinv")
        if rows == 0 || cols == 0 { return try FloatMatrix(zeros: cols, rows) }
        let (u, s, v) = try svd()
        let cutoff = (rcond ?? 1e-15) * (s.first ?? 0)
        let k = s.count
        var scaled = v
        for j in 0..<k {
            // s > cutoff >= 0, so the division is safe.
            let factor = s[j] > cutoff ? 1 / s[j] : 0
            for i in 0..<scaled.rows { scaled.entries[i * k + j] *= factor }
        }
        return try scaled.multiplied(by: u.transposed)
    }

    /// A matrix norm, like `numpy.linalg.norm(A, p)`; 0 for an empty
    /// matrix. The 1-, ∞- and Frobenius norms come from LAPACK `dlange`
    /// (scaled sums, so no spurious overflow) and pass NaN and infinity
    /// through as numpy does; the 2-norm needs an SVD and throws for
    /// non-finite entries.
    public func norm(_ kind: MatrixNorm) throws(EngineError) -> Double {
        if kind == .two { return try checkedSingularValues("norm").first ?? 0 }
        guard rows > 0, cols > 0 else { return 0 }
        // dlange sees Aᵀ (the buffer read column-major): its 1-norm is A's ∞-norm.
        let which: Unicode.Scalar
        switch kind {
        case .one: which = "I"
        case .infinity: which = "O"
        case .frobenius, .two: which = "F"
        }
        let m32 = try Self.lapackDimension(cols, "norm"), n32 = try Self.lapackDimension(rows, "norm")
        var work = [Double](repeating: 0, count: cols)  // dlange("I") accumulates row sums of Aᵀ here
        return LAPACKE_dlange_work(LAPACK_COL_MAJOR, lapackChar(which), m32, n32, entries, m32, &work)
    }

    /// The 2-norm condition number S.max / S.min, like `numpy.linalg.cond`;
    /// infinity when the smallest singular value is 0. Throws
    /// `invalidArgument` for an empty matrix (numpy: "not defined on empty arrays").
    public func conditionNumber() throws(EngineError) -> Double {
        guard rows > 0, cols > 0 else {
            throw EngineError.invalidArgument("cond is not defined for an empty matrix")
        }
        let s = try checkedSingularValues("cond")
        guard let largest = s.first, let smallest = s.last, smallest > 0 else { return .infinity }
        return largest / smallest
    }

    /// The numerical rank, like `numpy.linalg.matrix_rank`: how many singular
    /// values exceed `tolerance` (absolute), by default S.max · max(m, n) · ε.
    /// 0 for an empty matrix.
    public func rank(tolerance: Double? = nil) throws(EngineError) -> Int {
        try Self.requireTolerance(tolerance, "rank")
        let s = try checkedSingularValues("rank")
        let threshold = tolerance ?? (s.first ?? 0) * Double(Swift.max(rows, cols)) * Double.ulpOfOne
        return s.reduce(0) { $1 > threshold ? $0 + 1 : $0 }
    }

    /// An orthonormal basis of the null space as columns (n × (n − rank)),
    /// like `scipy.linalg.null_space`: the right singular vectors whose
    /// singular values are at or below `tolerance` (absolute, the same
    /// threshold as `rank(tolerance:)`; by default S.max · max(m, n) · ε,
    /// scipy's default), plus those without a singular value when m < n.
    /// Needs the full V: LAPACK `dgesdd` with `jobz = 'S'` when m ≥ n (the
    /// reduced V is square then), `'A'` when m < n (the full U is only m×m).
    public func nullspace(tolerance: Double? = nil) throws(EngineError) -> FloatMatrix {
        try Self.requireTolerance(tolerance, "nullspace")
        try requireLapackInput("nullspace")
        let m = rows, n = cols
        if n == 0 { return try FloatMatrix(zeros: 0, 0) }
        if m == 0 { return try FloatMatrix.identity(n) }
        _ = try checkedCount(n, n)  // the full V is n×n
        let factors = try divideAndConquerSVD(job: m >= n ? "S" : "A", "nullspace")
        let s = factors.values
        let threshold = tolerance ?? (s.first ?? 0) * Double(Swift.max(m, n)) * Double.ulpOfOne
        let rank = s.reduce(0) { $1 > threshold ? $0 + 1 : $0 }
        // factors.left is Aᵀ's U, n×n either way, i.e. A's full V, column-major;
        // the null space is spanned by its columns rank..<n.
        var basis = try FloatMatrix(zeros: n, n - rank)
        for j in 0..<(n - rank) {
            for i in 0..<n { basis.entries[i * (n - rank) + j] = factors.left[(rank + j) * n + i] }
        }
        return basis
    }
}
