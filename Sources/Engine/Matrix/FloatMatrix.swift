import COpenBLAS

/// A dense Float64 matrix, row-major. Products go through OpenBLAS
/// (`cblas_dgemm`); factorizations through LAPACK (`FloatMatrix+LAPACK.swift`).
/// A value type: copies share storage until one is written (copy-on-write).
public struct FloatMatrix: Equatable, Sendable {
    public let rows: Int
    public let cols: Int
    /// Entry (i, j) is `entries[i * cols + j]`.
    public var entries: [Double]

    /// `entries` must hold `rows * cols` values, row by row.
    public init(rows: Int, cols: Int, entries: [Double]) {
        precondition(entries.count == rows * cols, "FloatMatrix: \(entries.count) entries for \(rows)×\(cols)")
        self.rows = rows
        self.cols = cols
        self.entries = entries
    }

    /// A matrix of zeros; throws when the size cannot be allocated.
    public init(zeros rows: Int, _ cols: Int) throws(EngineError) {
        let count = try checkedCount(rows, cols)
        self.init(rows: rows, cols: cols, entries: [Double](repeating: 0, count: count))
    }

    public static func identity(_ n: Int) throws(EngineError) -> FloatMatrix {
        var m = try FloatMatrix(zeros: n, n)
        for i in 0..<n { m.entries[i * n + i] = 1 }
        return m
    }

    public subscript(i: Int, j: Int) -> Double {
        get { entries[i * cols + j] }
        set { entries[i * cols + j] = newValue }
    }

    public var isSquare: Bool { rows == cols }

    public var transposed: FloatMatrix {
        var out = [Double](repeating: 0, count: entries.count)
        entries.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for i in 0..<rows {
                    for j in 0..<cols { dst[j * rows + i] = src[i * cols + j] }
                }
            }
        }
        return FloatMatrix(rows: cols, cols: rows, entries: out)
    }

    /// Entrywise map.
    public func map(_ f: (Double) -> Double) -> FloatMatrix {
        FloatMatrix(rows: rows, cols: cols, entries: entries.map(f))
    }

    /// Entrywise combination of two matrices of the same shape.
    public func zipWith(_ other: FloatMatrix, _ op: String, _ f: (Double, Double) -> Double) throws(EngineError) -> FloatMatrix {
        guard rows == other.rows && cols == other.cols else {
            throw EngineError.shapeMismatch("cannot \(op) \(rows)×\(cols) and \(other.rows)×\(other.cols)")
        }
        var out = entries
        other.entries.withUnsafeBufferPointer { b in
            out.withUnsafeMutableBufferPointer { a in
                for k in 0..<a.count { a[k] = f(a[k], b[k]) }
            }
        }
        return FloatMatrix(rows: rows, cols: cols, entries: out)
    }

    /// The matrix product `self * other` through `cblas_dgemm`.
    public func multiplied(by other: FloatMatrix) throws(EngineError) -> FloatMatrix {
        guard cols == other.rows else {
            throw EngineError.shapeMismatch("cannot multiply \(rows)×\(cols) by \(other.rows)×\(other.cols)")
        }
        var out = try FloatMatrix(zeros: rows, other.cols)
        if rows == 0 || other.cols == 0 || cols == 0 { return out }
        entries.withUnsafeBufferPointer { a in
            other.entries.withUnsafeBufferPointer { b in
                out.entries.withUnsafeMutableBufferPointer { c in
                    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans,
                                Int32(rows), Int32(other.cols), Int32(cols),
                                1.0, a.baseAddress, Int32(cols),
                                b.baseAddress, Int32(other.cols),
                                0.0, c.baseAddress, Int32(other.cols))
                }
            }
        }
        return out
    }

    public var trace: Double {
        var sum = 0.0
        for i in 0..<Swift.min(rows, cols) { sum += self[i, i] }
        return sum
    }
}

/// Largest number of entries a matrix may hold (2^28 Float64s = 2 GiB).
public let maxMatrixEntries = 1 << 28

/// `rows * cols`, or an error when a dimension is negative or the product
/// is too large to allocate.
public func checkedCount(_ rows: Int, _ cols: Int) throws(EngineError) -> Int {
    guard rows >= 0, cols >= 0 else {
        throw EngineError.invalidArgument("matrix dimensions must be non-negative, got \(rows)×\(cols)")
    }
    let (count, overflow) = rows.multipliedReportingOverflow(by: cols)
    guard !overflow, count <= maxMatrixEntries else {
        throw EngineError.tooLarge("a \(rows)×\(cols) matrix (at most \(maxMatrixEntries) entries)")
    }
    return count
}
