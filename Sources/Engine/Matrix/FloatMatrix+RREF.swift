// Reduced row echelon form by Gauss–Jordan elimination, in Swift: no LAPACK
// routine computes it. Follows MATLAB's rref (partial pivoting, a tolerance
// of max(m, n)·ε·‖A‖∞).

extension FloatMatrix {
    /// The reduced row echelon form and its pivot columns (ascending), by
    /// Gauss–Jordan elimination with partial pivoting. A column whose largest
    /// remaining entry is at most `tolerance` (absolute; default
    /// max(m, n) · ε · ‖A‖∞, MATLAB's) has no pivot; entries at most
    /// `tolerance` in size are set to exactly 0, pivots are exactly 1.
    /// Never throws: NaN entries propagate; a negative or NaN tolerance
    /// counts as 0.
    public func rref(tolerance: Double? = nil) -> (matrix: FloatMatrix, pivots: [Int]) {
        let m = rows, n = cols
        guard m > 0, n > 0 else { return (self, []) }
        var a = entries
        var rowSumMax = 0.0
        for i in 0..<m {
            var sum = 0.0
            for j in 0..<n { sum += abs(a[i * n + j]) }
            rowSumMax = Swift.max(rowSumMax, sum)
        }
        var threshold = tolerance ?? Double(Swift.max(m, n)) * Double.ulpOfOne * rowSumMax
        if !(threshold >= 0) { threshold = 0 }

        var pivots: [Int] = []
        var row = 0
        for column in 0..<n where row < m {
            // Partial pivoting: the largest entry at or below `row` in this column.
            var best = row
            var bestSize = abs(a[row * n + column])
            for i in (row + 1)..<m where abs(a[i * n + column]) > bestSize {
                best = i
                bestSize = abs(a[i * n + column])
            }
            if bestSize <= threshold {
                // No pivot here: what is left of the column is negligible.
                for i in row..<m { a[i * n + column] = 0 }
                continue
            }
            if best != row {
                for j in column..<n { a.swapAt(row * n + j, best * n + j) }
            }
            let pivot = a[row * n + column]
            for j in (column + 1)..<n { a[row * n + j] /= pivot }
            a[row * n + column] = 1
            // Columns left of `column` are already zero in the pivot row.
            for i in 0..<m where i != row {
                let factor = a[i * n + column]
                if factor == 0 { continue }
                for j in (column + 1)..<n { a[i * n + j] -= factor * a[row * n + j] }
                a[i * n + column] = 0
            }
            pivots.append(column)
            row += 1
        }
        // Clean rounding residue; pivot entries are exactly 1 and stay.
        for index in 0..<a.count where abs(a[index]) <= threshold { a[index] = 0 }
        return (FloatMatrix(rows: m, cols: n, entries: a), pivots)
    }
}
