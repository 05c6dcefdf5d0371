import COpenBLAS

// The one Swift wrapper over LAPACK (through LAPACKE's `_work` entry points,
// which call the Fortran routines directly, with no hidden copies). This file
// holds the shared plumbing and the LU and QR families; the SVD family is in
// FloatMatrix+SVD.swift, eigenvalues in FloatMatrix+Eigen.swift.
//
// Layout: FloatMatrix is row-major and LAPACK is column-major. A row-major
// buffer read column-major is the transpose, so where the algebra allows we
// hand LAPACK that buffer as it is and factor Aᵀ (inv(Aᵀ) = inv(A)ᵀ,
// det(Aᵀ) = det(A), svd(Aᵀ) swaps U and V, Aᵀ has A's eigenvalues). Only LU
// and QR, whose factors are not symmetric in that way, transpose on the way
// in. Measured (release, 2 cores, n = 8…500) against LAPACK_ROW_MAJOR, which
// transposes in and out inside LAPACKE on every call: inv 1.0–1.4× faster,
// svd within noise.

/// LAPACK's integer. `lapack_int` is a macro in lapacke_config.h, which Swift
/// cannot import; Debian's LAPACKE is the LP64 build, so it is `int32_t`.
typealias LapackInt = Int32

/// The most workspace one LAPACK call may ask for, in Float64s (8 GiB). An
/// SVD of a maximal matrix would want more; refuse instead of failing to
/// allocate.
let maxLapackWorkspace = 1 << 30

/// A LAPACK character argument (`jobz`, `uplo`, `trans`, `norm`).
@inline(__always)
func lapackChar(_ scalar: Unicode.Scalar) -> CChar {
    CChar(truncatingIfNeeded: UInt8(ascii: scalar))
}

/// Throws for a negative `info`: LAPACK rejected argument `-info`. That is a
/// bug in this wrapper, but it is reported, never trapped on.
func checkLapackArguments(_ info: LapackInt, _ routine: String, _ operation: String) throws(EngineError) {
    if info < 0 {
        throw EngineError.numerical("\(operation): LAPACK \(routine) rejected argument \(-info) (internal error)")
    }
}

/// A workspace buffer sized from a LAPACK query (`lwork = -1` returns the
/// optimal size in `work[0]`), never smaller than the documented `minimum`.
func lapackWorkspace(_ optimal: Double, minimum: Int, _ operation: String) throws(EngineError) -> [Double] {
    // Compared as Doubles: a huge query result must not trap converting to Int.
    let requested = Swift.max(Double(Swift.max(minimum, 1)), optimal.isFinite ? optimal.rounded(.up) : 0)
    guard requested <= Double(Swift.min(maxLapackWorkspace, Int(LapackInt.max))) else {
        throw EngineError.tooLarge("\(operation) needs more than \(maxLapackWorkspace) numbers of LAPACK workspace")
    }
    return [Double](repeating: 0, count: Int(requested))
}

extension FloatMatrix {
    /// `value` as a LAPACK integer; matrix dimensions fit (at most 2^28
    /// entries), but checking costs nothing.
    static func lapackDimension(_ value: Int, _ operation: String) throws(EngineError) -> LapackInt {
        guard let converted = LapackInt(exactly: value) else {
            throw EngineError.tooLarge("\(operation) of a matrix with a dimension of \(value)")
        }
        return converted
    }

    /// Checks what every LAPACK call needs: sane dimensions and finite
    /// entries (NaN or infinity can make iterative routines fail to converge
    /// or loop for a long time).
    func requireLapackInput(_ operation: String) throws(EngineError) {
        guard rows >= 0, cols >= 0, rows <= Int(LapackInt.max), cols <= Int(LapackInt.max) else {
            throw EngineError.invalidArgument("\(operation): invalid matrix dimensions \(rows)×\(cols)")
        }
        for value in entries where !value.isFinite {
            throw EngineError.numerical("\(operation): matrix has NaN or infinite entries")
        }
    }

    /// Throws `notSquare` unless rows == cols.
    func requireSquare(_ operation: String) throws(EngineError) {
        guard rows == cols else {
            throw EngineError.notSquare(operation: operation, rows: rows, cols: cols)
        }
    }

    /// The entries column by column, the order LAPACK reads them.
    var columnMajorEntries: [Double] { transposed.entries }

    /// A `rows × cols` matrix from entries stored column by column with
    /// leading dimension `rows` (`entries.count` must be `rows * cols`).
    init(columnMajorRows rows: Int, cols: Int, entries: [Double]) {
        self = FloatMatrix(rows: cols, cols: rows, entries: entries).transposed
    }

    /// The matrix rank to report in a `singular` error: what `rank()` says,
    /// but below `size` (LU found an exact zero pivot, so the matrix is
    /// singular even when rounding makes the SVD see full rank).
    func singularRank() -> Int {
        let size = Swift.min(rows, cols)
        let measured = (try? rank()) ?? 0
        return Swift.max(0, Swift.min(measured, size - 1))
    }

    // MARK: - LU family

    /// LU factorization with partial pivoting of the column-major `buffer`
    /// (`m × n`, leading dimension max(1, m)) in place, through LAPACK
    /// `dgetrf`. Returns the 1-based pivots and `info` (> 0: U(info, info)
    /// is exactly zero; the factorization is still complete).
    private static func factorLU(_ buffer: inout [Double], _ m: Int, _ n: Int,
                                 _ operation: String) throws(EngineError) -> (pivots: [LapackInt], info: LapackInt) {
        let m32 = try lapackDimension(m, operation), n32 = try lapackDimension(n, operation)
        var pivots = [LapackInt](repeating: 0, count: Swift.min(m, n))
        if m == 0 || n == 0 { return (pivots, 0) }
        let info = LAPACKE_dgetrf_work(LAPACK_COL_MAJOR, m32, n32, &buffer, Swift.max(1, m32), &pivots)
        try checkLapackArguments(info, "dgetrf", operation)
        return (pivots, info)
    }

    /// The inverse, like `numpy.linalg.inv`: LAPACK `dgetrf` then `dgetri`
    /// (measured 1.5–2.5× faster than `dgesv` against the identity, which
    /// numpy uses, for n ≤ 200 and even at 500; same accuracy in the tests). Throws `notSquare` ("inv") and, when LU meets an
    /// exactly zero pivot, `singular` with the rank `rank()` measures. Nearly
    /// singular matrices invert to large entries, as in numpy.
    public func inverse() throws(EngineError) -> FloatMatrix {
        try requireSquare("inv")
        try requireLapackInput("inv")
        let n = rows
        if n == 0 { return self }
        let n32 = try Self.lapackDimension(n, "inv")
        // The buffer read column-major is Aᵀ, and inv(Aᵀ) = inv(A)ᵀ: inverting
        // it in place leaves inv(A) in row-major order, with no transposes.
        var buffer = entries
        let (pivots, info) = try Self.factorLU(&buffer, n, n, "inv")
        if info > 0 { throw EngineError.singular(rank: singularRank(), size: n) }
        var optimal = 0.0
        try checkLapackArguments(
            LAPACKE_dgetri_work(LAPACK_COL_MAJOR, n32, &buffer, n32, pivots, &optimal, -1), "dgetri", "inv")
        var work = try lapackWorkspace(optimal, minimum: n, "inv")
        let status = LAPACKE_dgetri_work(LAPACK_COL_MAJOR, n32, &buffer, n32, pivots, &work, LapackInt(work.count))
        try checkLapackArguments(status, "dgetri", "inv")
        if status > 0 { throw EngineError.singular(rank: singularRank(), size: n) }
        return FloatMatrix(rows: n, cols: n, entries: buffer)
    }

    /// The determinant, like `numpy.linalg.det`: the product of U's diagonal
    /// from LAPACK `dgetrf`, negated once per row interchange. 1 for 0×0,
    /// exactly 0 when LU meets a zero pivot. Throws `notSquare` ("det").
    public func determinant() throws(EngineError) -> Double {
        try requireSquare("det")
        try requireLapackInput("det")
        let n = rows
        if n == 0 { return 1 }
        // det(Aᵀ) = det(A): factor the row-major buffer as it is.
        var buffer = entries
        let (pivots, info) = try Self.factorLU(&buffer, n, n, "det")
        if info > 0 { return 0 }
        var product = 1.0
        for i in 0..<n {
            product *= buffer[i * n + i]
            if Int(pivots[i]) != i + 1 { product = -product }
        }
        return product
    }

    /// The solution X of A·X = B for square A (n×n) and B (n×k), like
    /// `numpy.linalg.solve`: LAPACK `dgetrf` on Aᵀ then `dgetrs` with
    /// `trans = 'T'` (the same work as `dgesv` on A, without transposing A).
    /// Throws `notSquare` ("solve"), `shapeMismatch` when B has the wrong
    /// number of rows, `singular` for an exactly singular A.
    public func solve(_ b: FloatMatrix) throws(EngineError) -> FloatMatrix {
        try requireSquare("solve")
        guard b.rows == rows else {
            throw EngineError.shapeMismatch(
                "cannot solve with a \(rows)×\(cols) matrix and a \(b.rows)×\(b.cols) right-hand side")
        }
        try requireLapackInput("solve")
        try b.requireLapackInput("solve")
        let n = rows, k = b.cols
        if n == 0 { return try FloatMatrix(zeros: 0, k) }
        let n32 = try Self.lapackDimension(n, "solve"), k32 = try Self.lapackDimension(k, "solve")
        var buffer = entries
        let (pivots, info) = try Self.factorLU(&buffer, n, n, "solve")
        if info > 0 { throw EngineError.singular(rank: singularRank(), size: n) }
        if k == 0 { return try FloatMatrix(zeros: n, 0) }
        // The buffer holds the LU of Aᵀ, so solving with its transpose solves A·X = B.
        var solution = b.columnMajorEntries
        let status = LAPACKE_dgetrs_work(LAPACK_COL_MAJOR, lapackChar("T"), n32, k32,
                                         buffer, n32, pivots, &solution, n32)
        try checkLapackArguments(status, "dgetrs", "solve")
        return FloatMatrix(columnMajorRows: n, cols: k, entries: solution)
    }

    /// The LU factorization A = P·L·U with partial pivoting, like
    /// `scipy.linalg.lu`: for A m×n and k = min(m, n), P is an m×m
    /// permutation, L m×k unit lower triangular, U k×n upper triangular.
    /// Works for singular and non-square matrices (LAPACK `dgetrf`).
    public func lu() throws(EngineError) -> (p: FloatMatrix, l: FloatMatrix, u: FloatMatrix) {
        try requireLapackInput("lu")
        let m = rows, n = cols, k = Swift.min(m, n)
        var permutation = try FloatMatrix(zeros: m, m)
        var lower = try FloatMatrix(zeros: m, k)
        var upper = try FloatMatrix(zeros: k, n)
        // P·L·U is not symmetric under transposition, so factor A itself.
        var buffer = columnMajorEntries
        let (pivots, _) = try Self.factorLU(&buffer, m, n, "lu")

        // dgetrf swapped row i with row pivots[i] - 1, in order; replaying the
        // swaps gives the row of A that ends up as row i of L·U.
        var order = Array(0..<m)
        for i in 0..<k {
            let swapWith = Int(pivots[i]) - 1
            guard swapWith >= i, swapWith < m else {
                throw EngineError.numerical("lu: LAPACK dgetrf returned pivot \(pivots[i]) out of range")
            }
            order.swapAt(i, swapWith)
        }
        for i in 0..<m { permutation.entries[order[i] * m + i] = 1 }
        for j in 0..<k {
            lower.entries[j * k + j] = 1
            for i in (j + 1)..<m { lower.entries[i * k + j] = buffer[j * m + i] }
        }
        for i in 0..<k {
            for j in i..<n { upper.entries[i * n + j] = buffer[j * m + i] }
        }
        return (permutation, lower, upper)
    }

    // MARK: - QR

    /// The reduced QR factorization A = Q·R, like `numpy.linalg.qr` (mode
    /// "reduced"): for A m×n and k = min(m, n), Q is m×k with orthonormal
    /// columns and R k×n upper triangular. Householder reflections from
    /// LAPACK `dgeqrf`, Q formed by `dorgqr` (numpy's routines, so the signs
    /// agree with numpy's).
    public func qr() throws(EngineError) -> (q: FloatMatrix, r: FloatMatrix) {
        try requireLapackInput("qr")
        let m = rows, n = cols, k = Swift.min(m, n)
        var r = try FloatMatrix(zeros: k, n)
        if k == 0 { return (try FloatMatrix(zeros: m, 0), r) }
        let m32 = try Self.lapackDimension(m, "qr"), n32 = try Self.lapackDimension(n, "qr")
        let k32 = try Self.lapackDimension(k, "qr")
        var buffer = columnMajorEntries
        var tau = [Double](repeating: 0, count: k)

        var optimal = 0.0
        try checkLapackArguments(
            LAPACKE_dgeqrf_work(LAPACK_COL_MAJOR, m32, n32, &buffer, m32, &tau, &optimal, -1), "dgeqrf", "qr")
        var work = try lapackWorkspace(optimal, minimum: n, "qr")
        try checkLapackArguments(
            LAPACKE_dgeqrf_work(LAPACK_COL_MAJOR, m32, n32, &buffer, m32, &tau, &work, LapackInt(work.count)),
            "dgeqrf", "qr")
        // R is the upper triangle of the first k rows, before dorgqr overwrites it.
        for i in 0..<k {
            for j in i..<n { r.entries[i * n + j] = buffer[j * m + i] }
        }

        // dorgqr builds Q from the reflectors in the first k columns.
        try checkLapackArguments(
            LAPACKE_dorgqr_work(LAPACK_COL_MAJOR, m32, k32, k32, &buffer, m32, tau, &optimal, -1), "dorgqr", "qr")
        work = try lapackWorkspace(optimal, minimum: k, "qr")
        try checkLapackArguments(
            LAPACKE_dorgqr_work(LAPACK_COL_MAJOR, m32, k32, k32, &buffer, m32, tau, &work, LapackInt(work.count)),
            "dorgqr", "qr")
        let q = FloatMatrix(columnMajorRows: m, cols: k, entries: Array(buffer[0..<(m * k)]))
        return (q, r)
    }
}
