import BigInt

/// A dense matrix of exact rationals, row-major. Arithmetic stays exact
/// (`Exact` entries move from machine words to BigInt as they grow);
/// elimination is fraction-free (`ExactMatrix+Elimination.swift`).
public struct ExactMatrix: Hashable, Sendable {
    public let rows: Int
    public let cols: Int
    /// Entry (i, j) is `entries[i * cols + j]`.
    public var entries: [Exact]

    /// `entries` must hold `rows * cols` values, row by row.
    public init(rows: Int, cols: Int, entries: [Exact]) {
        precondition(entries.count == rows * cols, "ExactMatrix: \(entries.count) entries for \(rows)×\(cols)")
        self.rows = rows
        self.cols = cols
        self.entries = entries
    }

    public init(zeros rows: Int, _ cols: Int) throws(EngineError) {
        let count = try checkedCount(rows, cols)
        self.init(rows: rows, cols: cols, entries: [Exact](repeating: .zero, count: count))
    }

    /// A matrix of small integers, row by row (for tests and generators).
    public init(_ rowsOfInts: [[Int]]) {
        let cols = rowsOfInts.first?.count ?? 0
        precondition(rowsOfInts.allSatisfy { $0.count == cols }, "ExactMatrix: ragged rows")
        self.init(rows: rowsOfInts.count, cols: cols, entries: rowsOfInts.flatMap { $0.map(Exact.init) })
    }

    public static func identity(_ n: Int) throws(EngineError) -> ExactMatrix {
        var m = try ExactMatrix(zeros: n, n)
        for i in 0..<n { m.entries[i * n + i] = .one }
        return m
    }

    public subscript(i: Int, j: Int) -> Exact {
        get { entries[i * cols + j] }
        set { entries[i * cols + j] = newValue }
    }

    public var isSquare: Bool { rows == cols }
    public var isIntegral: Bool { entries.allSatisfy(\.isInteger) }

    public var transposed: ExactMatrix {
        var out = [Exact](repeating: .zero, count: entries.count)
        for i in 0..<rows {
            for j in 0..<cols { out[j * rows + i] = entries[i * cols + j] }
        }
        return ExactMatrix(rows: cols, cols: rows, entries: out)
    }

    public var floatMatrix: FloatMatrix {
        FloatMatrix(rows: rows, cols: cols, entries: entries.map(\.doubleValue))
    }

    public func map(_ f: (Exact) throws(EngineError) -> Exact) throws(EngineError) -> ExactMatrix {
        var out = entries
        for k in out.indices { out[k] = try f(out[k]) }
        return ExactMatrix(rows: rows, cols: cols, entries: out)
    }

    /// Entrywise combination of two matrices of the same shape; `op` names
    /// the operation in the error ("add", "subtract", ...).
    public func zipWith(_ other: ExactMatrix, _ op: String,
                        _ f: (Exact, Exact) throws(EngineError) -> Exact) throws(EngineError) -> ExactMatrix {
        guard rows == other.rows && cols == other.cols else {
            throw EngineError.shapeMismatch("cannot \(op) \(rows)×\(cols) and \(other.rows)×\(other.cols)")
        }
        var out = entries
        for k in out.indices { out[k] = try f(out[k], other.entries[k]) }
        return ExactMatrix(rows: rows, cols: cols, entries: out)
    }

    /// The matrix product. Integer entries accumulate in 128 bits; the
    /// general path sums exact rationals.
    public func multiplied(by other: ExactMatrix) throws(EngineError) -> ExactMatrix {
        guard cols == other.rows else {
            throw EngineError.shapeMismatch("cannot multiply \(rows)×\(cols) by \(other.rows)×\(other.cols)")
        }
        var out = try ExactMatrix(zeros: rows, other.cols)
        let n = other.cols
        for i in 0..<rows {
            if takeInterrupt() { throw EngineError.interrupted }
            for j in 0..<n {
                out.entries[i * n + j] = dot(row: i, with: other, column: j)
            }
        }
        return out
    }

    func dot(row i: Int, with other: ExactMatrix, column j: Int) -> Exact {
        let n = other.cols
        // Fast path: integer entries summed in a 128-bit accumulator; at the
        // first rational entry or overflow the rest is summed exactly.
        var wide: Int128 = 0
        var k = 0
        while k < cols {
            guard case .small(let a, 1) = entries[i * cols + k], case .small(let b, 1) = other.entries[k * n + j] else { break }
            let (sum, overflow) = wide.addingReportingOverflow(Int128(a) * Int128(b))
            if overflow { break }
            wide = sum
            k += 1
        }
        if k == cols { return Exact(wide: wide, 1) }
        var total = Exact(wide: wide, 1)
        while k < cols {
            total = total + entries[i * cols + k] * other.entries[k * n + j]
            k += 1
        }
        return total
    }

    public var trace: Exact {
        var sum = Exact.zero
        for i in 0..<Swift.min(rows, cols) { sum = sum + self[i, i] }
        return sum
    }

    /// `self^k` for k >= 0 by repeated squaring; negative powers are the
    /// caller's (through the inverse).
    public func power(_ k: UInt) throws(EngineError) -> ExactMatrix {
        guard isSquare else { throw EngineError.notSquare(operation: "^", rows: rows, cols: cols) }
        var result = try ExactMatrix.identity(rows)
        var base = self
        var e = k
        while e > 0 {
            if e & 1 == 1 { result = try result.multiplied(by: base) }
            e >>= 1
            if e > 0 { base = try base.multiplied(by: base) }
            try base.checkSize()
        }
        return result
    }

    /// Total bits of all numerators and denominators: powers and products
    /// stop before a matrix would fill the memory.
    func checkSize() throws(EngineError) {
        var bits = 0
        for e in entries {
            if case .big(let q) = e { bits += q.numerator.bitWidth + q.denominator.bitWidth }
        }
        if bits > 50_000_000 { throw EngineError.tooLarge("matrix entries would need more than 50,000,000 bits") }
    }

    // MARK: - Elementary row operations (in place)

    public mutating func swapRows(_ a: Int, _ b: Int) {
        guard a != b else { return }
        for j in 0..<cols { entries.swapAt(a * cols + j, b * cols + j) }
    }

    /// row i *= c
    public mutating func scaleRow(_ i: Int, by c: Exact) {
        for j in 0..<cols { entries[i * cols + j] = entries[i * cols + j] * c }
    }

    /// row i += c · row j
    public mutating func addRow(_ i: Int, multiple c: Exact, of j: Int) {
        for k in 0..<cols { entries[i * cols + k] = entries[i * cols + k] + c * entries[j * cols + k] }
    }
}
