import BigInt

// Exact elimination without fractions.
//
// Every routine here first scales each row by the lcm of its denominators, so
// it works on an integer matrix with the same row space, rank, rref and
// (up to the known scale) determinant and inverse. On that integer matrix it
// runs Bareiss's fraction-free elimination (Bareiss 1968), in its
// Gauss-Jordan form: at pivot p_k every other row becomes
//     a_ij <- (p_k * a_ij - a_ik * a_kj) / p_(k-1)
// and the division is exact, because every entry is a minor of the scaled
// matrix (Sylvester's identity). Entries therefore stay as small as the
// determinant, never growing like the products of naive elimination, and
// no gcd is taken until the very end. The work is done in machine words with
// 128-bit intermediates; on overflow it restarts in BigInt.

/// An integer type fraction-free elimination can run in.
protocol EliminationInteger {
    static var one: Self { get }
    var isZero: Bool { get }
    /// `(p * a - f * b) / previous`, or nil when it overflows or is inexact.
    static func bareissUpdate(_ p: Self, _ a: Self, _ f: Self, _ b: Self, _ previous: Self) -> Self?
    /// `self / divisor` as an exact entry (lowest terms).
    func over(_ divisor: Self) -> Exact
}

extension Int: EliminationInteger {
    static var one: Int { 1 }
    var isZero: Bool { self == 0 }

    @inline(__always)
    static func bareissUpdate(_ p: Int, _ a: Int, _ f: Int, _ b: Int, _ previous: Int) -> Int? {
        // |entries| < 2^63 (Int.min is never stored), so the difference of
        // two products stays below 2^127.
        if f == 0 {
            if previous == 1 { let (v, o) = p.multipliedReportingOverflow(by: a); return o || v == .min ? nil : v }
            if a == 0 { return 0 }
        }
        let numerator = Int128(p) * Int128(a) - Int128(f) * Int128(b)
        // (Int.min / -1 would trap: that case takes the wide path.)
        if let small = Int(exactly: numerator), small != .min {
            let (q, r) = small.quotientAndRemainder(dividingBy: previous)
            return r == 0 && q != .min ? q : nil
        }
        // A 128-by-64-bit hardware division (Int128's `/` is a library
        // call); it cannot trap because the quotient is checked to fit first.
        let magnitude = numerator.magnitude, divisor = UInt64(previous.magnitude)
        let high = UInt64(truncatingIfNeeded: magnitude >> 64), low = UInt64(truncatingIfNeeded: magnitude)
        guard high < divisor else { return nil }
        let (q, r) = divisor.dividingFullWidth((high: high, low: low))
        guard r == 0, q <= UInt64(Int.max) else { return nil }
        return (numerator < 0) != (previous < 0) ? -Int(q) : Int(q)
    }

    func over(_ divisor: Int) -> Exact {
        // Neither side is Int.min (never stored), so negation is safe and
        // the reduction stays in 64 bits.
        if divisor == 1 { return .small(self, 1) }
        let g = gcd(self, divisor)
        let sign = divisor < 0 ? -1 : 1
        return .small(sign * (self / g), sign * (divisor / g))
    }

}

extension BigInt: EliminationInteger {
    static var one: BigInt { 1 }

    static func bareissUpdate(_ p: BigInt, _ a: BigInt, _ f: BigInt, _ b: BigInt, _ previous: BigInt) -> BigInt? {
        let numerator = f.isZero ? p * a : p * a - f * b
        if previous == 1 { return numerator }
        let (q, r) = numerator.quotientAndRemainder(dividingBy: previous)
        return r.isZero ? q : nil
    }

    func over(_ divisor: BigInt) -> Exact { (try? Exact(self, divisor)) ?? .zero }
}

/// An integer matrix under fraction-free elimination.
struct FractionFree<T: EliminationInteger> {
    var a: [T]
    let rows: Int
    let cols: Int
    /// Pivot columns in order (their count is the rank of the eliminated part).
    var pivots: [Int] = []
    var swaps = 0
    /// The last pivot: after Gauss-Jordan every pivot entry equals it.
    var last: T = .one

    init(_ a: [T], rows: Int, cols: Int) {
        self.a = a
        self.rows = rows
        self.cols = cols
    }

    /// Eliminates with pivots among the first `pivotColumns` columns; above
    /// the pivots too when `jordan`. False when a machine word overflowed.
    /// Ctrl-C is honoured between pivots (big exact matrices take seconds).
    mutating func run(pivotColumns: Int, jordan: Bool) throws(EngineError) -> Bool {
        var previous = T.one
        var r = 0
        for c in 0..<pivotColumns where r < rows {
            if takeInterrupt() { throw EngineError.interrupted }
            var p = r
            while p < rows && a[p * cols + c].isZero { p += 1 }
            if p == rows { continue }
            if p != r {
                for j in 0..<cols { a.swapAt(p * cols + j, r * cols + j) }
                swaps += 1
            }
            let pivot = a[r * cols + c]
            // Forward elimination leaves columns left of c alone: they are
            // zero in the pivot row and in every row below it.
            for i in (jordan ? 0 : r + 1)..<rows where i != r {
                let f = a[i * cols + c]
                // Left of c the pivot row is zero, so an entry there only
                // scales (p·a/prev), and a zero stays zero; below the pivot
                // row everything left of c is already zero.
                if i < r {
                    for j in 0..<c where !a[i * cols + j].isZero {
                        guard let v = T.bareissUpdate(pivot, a[i * cols + j], f, a[r * cols + j], previous) else {
                            return false
                        }
                        a[i * cols + j] = v
                    }
                }
                for j in c..<cols {
                    guard let v = T.bareissUpdate(pivot, a[i * cols + j], f, a[r * cols + j], previous) else {
                        return false
                    }
                    a[i * cols + j] = v
                }
            }
            previous = pivot
            pivots.append(c)
            r += 1
        }
        last = previous
        return true
    }
}

extension ExactMatrix {
    /// Each row times the lcm of its denominators: integer rows with the
    /// same row space. Returns the scaled entries and the scales.
    func integerRows() -> (entries: [BigInt], scales: [BigInt]) {
        var out: [BigInt] = []
        out.reserveCapacity(entries.count)
        var scales: [BigInt] = []
        for i in 0..<rows {
            var l = BigInt(1)
            for j in 0..<cols {
                let d = self[i, j].denominator
                if d != 1 { l = l / l.greatestCommonDivisor(with: d) * d }
            }
            scales.append(l)
            for j in 0..<cols {
                let e = self[i, j]
                out.append(l == 1 ? e.numerator : e.numerator * (l / e.denominator))
            }
        }
        return (out, scales)
    }

    /// `integerRows` in machine words, or nil when a scaled entry or a
    /// row's lcm does not fit (then the BigInt version runs).
    func smallIntegerRows() -> (entries: [Int], scales: [Int])? {
        var out = [Int](repeating: 0, count: entries.count)
        var scales = [Int](repeating: 1, count: rows)
        for i in 0..<rows {
            var l = 1
            for j in 0..<cols {
                switch entries[i * cols + j] {
                case .small(_, 1): continue
                case .small(_, let d):
                    let (scaled, overflow) = (l / gcd(l, d)).multipliedReportingOverflow(by: d)
                    if overflow { return nil }
                    l = scaled
                case .big: return nil
                }
            }
            scales[i] = l
            for j in 0..<cols {
                guard case .small(let n, let d) = entries[i * cols + j] else { return nil }
                let (v, overflow) = n.multipliedReportingOverflow(by: l / d)
                if overflow || v == .min { return nil }
                out[i * cols + j] = v
            }
        }
        return (out, scales)
    }

    /// Runs fraction-free elimination on `self` (rows scaled to integers)
    /// with `extra` columns appended, in machine words when they suffice,
    /// and returns the pivots plus the columns in `reduce` of the result
    /// divided by the last pivot (the Gauss-Jordan form in lowest terms).
    func eliminate(appending extra: ExactMatrix? = nil, jordan: Bool,
                   reduce: Range<Int> = 0..<0) throws(EngineError) -> Elimination {
        var joined = self
        if let extra { joined = try hcat(extra) }
        let width = joined.cols
        if let (small, scales) = joined.smallIntegerRows() {
            var ff = FractionFree(small, rows: rows, cols: width)
            if try ff.run(pivotColumns: cols, jordan: jordan) {
                return ff.finish(reduce: reduce, scales: { scales.reduce(BigInt(1)) { $0 * BigInt($1) } })
            }
        }
        let (big, scales) = joined.integerRows()
        var ff = FractionFree(big, rows: rows, cols: width)
        guard try ff.run(pivotColumns: cols, jordan: jordan) else {
            throw EngineError.numerical("internal error: inexact fraction-free division")
        }
        return ff.finish(reduce: reduce, scales: { scales.reduce(BigInt(1), *) })
    }

    /// Columns of `self` then `other` (same number of rows).
    public func hcat(_ other: ExactMatrix) throws(EngineError) -> ExactMatrix {
        guard rows == other.rows else {
            throw EngineError.shapeMismatch("cannot hcat \(rows)×\(cols) and \(other.rows)×\(other.cols): row counts differ")
        }
        var out: [Exact] = []
        out.reserveCapacity(rows * (cols + other.cols))
        for i in 0..<rows {
            out.append(contentsOf: entries[(i * cols)..<((i + 1) * cols)])
            out.append(contentsOf: other.entries[(i * other.cols)..<((i + 1) * other.cols)])
        }
        return ExactMatrix(rows: rows, cols: cols + other.cols, entries: out)
    }

    // MARK: - The operations

    /// The reduced row echelon form and its pivot columns.
    public func rref() throws(EngineError) -> (matrix: ExactMatrix, pivots: [Int]) {
        let e = try eliminate(jordan: true, reduce: 0..<cols)
        // Rows past the rank are zero after full elimination.
        return (ExactMatrix(rows: rows, cols: cols, entries: e.reduced), e.pivots)
    }

    public func rank() throws(EngineError) -> Int {
        try eliminate(jordan: false).pivots.count
    }

    /// The determinant by Bareiss elimination.
    public func determinant() throws(EngineError) -> Exact {
        guard isSquare else { throw EngineError.notSquare(operation: "det", rows: rows, cols: cols) }
        if rows == 0 { return .one }
        let e = try eliminate(jordan: false)
        guard e.pivots.count == rows else { return .zero }
        // det(D·A) = ±(last pivot), D = diag(scales).
        let d = try e.corner.dividing(by: Exact(e.scaleProduct()))
        return e.swaps % 2 == 1 ? -d : d
    }

    public func inverse() throws(EngineError) -> ExactMatrix {
        guard isSquare else { throw EngineError.notSquare(operation: "inv", rows: rows, cols: cols) }
        let e = try eliminate(appending: try ExactMatrix.identity(rows), jordan: true, reduce: rows..<(2 * rows))
        guard e.pivots.count == rows else { throw EngineError.singular(rank: e.pivots.count, size: rows) }
        // The scaling covers the whole row: [D·A | D] -> [p·I | p·(D·A)⁻¹·D] = [p·I | p·A⁻¹].
        return ExactMatrix(rows: rows, cols: rows, entries: e.reduced)
    }

    /// The solution X of A·X = B for square, invertible A.
    public func solve(_ b: ExactMatrix) throws(EngineError) -> ExactMatrix {
        guard isSquare else { throw EngineError.notSquare(operation: "solve", rows: rows, cols: cols) }
        guard b.rows == rows else {
            throw EngineError.shapeMismatch(
                "cannot solve with a \(rows)×\(cols) matrix and a \(b.rows)×\(b.cols) right-hand side")
        }
        let e = try eliminate(appending: b, jordan: true, reduce: cols..<(cols + b.cols))
        guard e.pivots.count == rows else { throw EngineError.singular(rank: e.pivots.count, size: rows) }
        return ExactMatrix(rows: rows, cols: b.cols, entries: e.reduced)
    }

    /// A basis of {x : A·x = 0} as the columns of a cols × (cols - rank)
    /// matrix: one column per free variable, from the rref (as sympy's
    /// `nullspace` builds it).
    public func nullspace() throws(EngineError) -> ExactMatrix {
        let (r, pivots) = try rref()
        let free = (0..<cols).filter { !pivots.contains($0) }
        var out = try ExactMatrix(zeros: cols, free.count)
        for (k, f) in free.enumerated() {
            out[f, k] = .one
            for (i, p) in pivots.enumerated() { out[p, k] = -r[i, f] }
        }
        return out
    }
}

/// What an elimination leaves, whatever integer type it ran in.
struct Elimination {
    var pivots: [Int]
    var swaps: Int
    /// The requested columns divided by the last pivot, row by row.
    var reduced: [Exact]
    /// The bottom-right entry of the eliminated part as it stands
    /// (±det(D·A) after forward elimination of a nonsingular square matrix).
    var corner: Exact
    /// The product of the row scales D (computed only when asked).
    var scaleProduct: () -> BigInt
}

extension FractionFree {
    func finish(reduce columns: Range<Int>, scales: @escaping () -> BigInt) -> Elimination {
        var reduced: [Exact] = []
        reduced.reserveCapacity(rows * columns.count)
        for i in 0..<rows {
            for j in columns { reduced.append(a[i * cols + j].over(last)) }
        }
        let corner = rows > 0 && cols > 0 ? a[(rows - 1) * cols + min(rows, cols) - 1].over(.one) : Exact.one
        return Elimination(pivots: pivots, swaps: swaps, reduced: reduced, corner: corner, scaleProduct: scales)
    }
}
