import COpenBLAS

// Eigenvalues: LAPACK `dsyevd` for symmetric matrices (with vectors),
// `dgeev` for general ones (values only).

extension FloatMatrix {
    /// How far from symmetric a matrix may be and still count as symmetric,
    /// relative to its largest entry. A product like B·Bᵀ is symmetric only
    /// up to rounding (about n·ε·max|entry|); 1e-10 allows that for any n
    /// Pivot can hold, while real asymmetry is far larger.
    static let symmetryTolerance = 1e-10

    /// Eigenvalues and eigenvectors of a symmetric matrix, like
    /// `numpy.linalg.eigh`: values ascending, orthonormal eigenvectors as the
    /// columns of `vectors` (column j belongs to `values[j]`). LAPACK
    /// `dsyevd` (divide and conquer, numpy's routine) reading the lower
    /// triangle, as numpy does. Throws `notSquare` ("eig") and
    /// `invalidArgument("eig needs a symmetric matrix")` when some
    /// |a[i,j] − a[j,i]| exceeds 1e-10 · max |a[k,l]|.
    public func symmetricEigen() throws(EngineError) -> (values: [Double], vectors: FloatMatrix) {
        try requireSquare("eig")
        try requireLapackInput("eig")
        let n = rows
        if n == 0 { return ([], self) }
        let largest = entries.reduce(0.0) { Swift.max($0, abs($1)) }
        let allowed = Self.symmetryTolerance * largest
        for i in 0..<n {
            for j in (i + 1)..<n where abs(entries[i * n + j] - entries[j * n + i]) > allowed {
                throw EngineError.invalidArgument("eig needs a symmetric matrix")
            }
        }
        let n32 = try Self.lapackDimension(n, "eig")
        // Read column-major the buffer is Aᵀ, whose upper triangle is A's
        // lower triangle: uplo = 'U' here is numpy's UPLO = 'L'.
        var buffer = entries
        var values = [Double](repeating: 0, count: n)
        var optimal = 0.0
        var optimalIntegers: LapackInt = 0
        try checkLapackArguments(
            LAPACKE_dsyevd_work(LAPACK_COL_MAJOR, lapackChar("V"), lapackChar("U"), n32, &buffer, n32, &values,
                                &optimal, -1, &optimalIntegers, -1),
            "dsyevd", "eig")
        // Documented minimums for jobz = 'V': 1 + 6n + 2n² reals, 3 + 5n integers.
        var work = try lapackWorkspace(optimal, minimum: 1 + 6 * n + 2 * n * n, "eig")
        let integerCount = Swift.max(Int(optimalIntegers), 3 + 5 * n)
        guard integerCount <= maxLapackWorkspace else {
            throw EngineError.tooLarge("eig workspace of \(integerCount) integers")
        }
        var integerWork = [LapackInt](repeating: 0, count: integerCount)
        let info = LAPACKE_dsyevd_work(LAPACK_COL_MAJOR, lapackChar("V"), lapackChar("U"), n32, &buffer, n32,
                                       &values, &work, LapackInt(work.count),
                                       &integerWork, LapackInt(integerWork.count))
        try checkLapackArguments(info, "dsyevd", "eig")
        if info > 0 { throw EngineError.numerical("eig: LAPACK dsyevd did not converge") }
        for value in values where !value.isFinite {
            throw EngineError.numerical("eig: eigenvalues overflow (entries too large)")
        }
        // dsyevd leaves the eigenvectors as the columns of a column-major matrix.
        return (values, FloatMatrix(columnMajorRows: n, cols: n, entries: buffer))
    }

    /// The eigenvalues of a square matrix, like `numpy.linalg.eigvals`
    /// (LAPACK `dgeev` without vectors), as (real, imaginary) pairs sorted by
    /// real part descending, then imaginary part descending — so a complex
    /// conjugate pair appears as a + bi before a − bi. Throws `notSquare` ("eig").
    public func eigenvalues() throws(EngineError) -> [(re: Double, im: Double)] {
        try requireSquare("eig")
        try requireLapackInput("eig")
        let n = rows
        if n == 0 { return [] }
        let n32 = try Self.lapackDimension(n, "eig")
        // Aᵀ (the buffer read column-major) has A's eigenvalues.
        var buffer = entries
        var real = [Double](repeating: 0, count: n), imaginary = [Double](repeating: 0, count: n)
        var optimal = 0.0
        try checkLapackArguments(
            LAPACKE_dgeev_work(LAPACK_COL_MAJOR, lapackChar("N"), lapackChar("N"), n32, &buffer, n32,
                               &real, &imaginary, nil, 1, nil, 1, &optimal, -1),
            "dgeev", "eig")
        var work = try lapackWorkspace(optimal, minimum: 3 * n, "eig")
        let info = LAPACKE_dgeev_work(LAPACK_COL_MAJOR, lapackChar("N"), lapackChar("N"), n32, &buffer, n32,
                                      &real, &imaginary, nil, 1, nil, 1, &work, LapackInt(work.count))
        try checkLapackArguments(info, "dgeev", "eig")
        if info > 0 { throw EngineError.numerical("eig: LAPACK dgeev did not converge") }
        var pairs: [(re: Double, im: Double)] = []
        pairs.reserveCapacity(n)
        for i in 0..<n {
            // Checked so the sort below sees a total order (no NaN).
            guard real[i].isFinite, imaginary[i].isFinite else {
                throw EngineError.numerical("eig: eigenvalues overflow (entries too large)")
            }
            pairs.append((real[i], imaginary[i]))
        }
        pairs.sort { $0.re != $1.re ? $0.re > $1.re : $0.im > $1.im }
        return pairs
    }
}
