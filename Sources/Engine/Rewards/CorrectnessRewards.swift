import Foundation

/// How far a predicted matrix is from the true one.
public enum ErrorMetric: String, CaseIterable, Sendable {
    /// Charton's relative entrywise L1 error sum|P − S| / sum|S|.
    case d1
    /// Relative Frobenius error ‖P − S‖_F / ‖S‖_F.
    case l2
    /// Relative max error max|P − S| / max|S|.
    case max
}

/// Correctness rewards: functions of the parsed answer and the example.
/// Every result is finite: a non-finite intermediate gives the worst score.
public enum CorrectnessRewards {
    /// The relative error; +inf for a shape mismatch or a non-finite entry.
    public static func error(_ p: Matrix, _ s: Matrix, metric: ErrorMetric) -> Double {
        guard p.rows == s.rows && p.cols == s.cols else { return .infinity }
        let a = p.floatMatrix.entries, b = s.floatMatrix.entries
        var difference = 0.0, size = 0.0
        for k in a.indices {
            let d = Swift.abs(a[k] - b[k]), m = Swift.abs(b[k])
            switch metric {
            case .d1: difference += d; size += m
            case .l2: difference += d * d; size += m * m
            case .max: difference = Swift.max(difference, d); size = Swift.max(size, m)
            }
        }
        if !difference.isFinite || !size.isFinite { return .infinity }
        if metric == .l2 { difference = difference.squareRoot(); size = size.squareRoot() }
        if size == 0 { return difference == 0 ? 0 : .infinity }
        return difference / size
    }

    /// 1 for an exactly equal answer (same shape, equal entries), else 0.
    public static func exact(_ p: Matrix?, _ s: Matrix) -> Double {
        guard let p else { return 0 }
        return p == s ? 1 : 0
    }

    /// 1 when the error is below `tol`.
    public static func withinTolerance(_ p: Matrix?, _ s: Matrix, tol: Double, metric: ErrorMetric) -> Double {
        guard let p else { return 0 }
        return error(p, s, metric: metric) < tol ? 1 : 0
    }

    /// The error of A·P against the identity (the inverse check): no need
    /// to know the inverse, and the identity-matrix hack scores badly.
    public static func inverseError(_ p: Matrix, input a: Matrix) -> Double {
        guard a.cols == p.rows, p.cols == a.rows, a.isSquare,
              let product = try? Matrix.multiply(a, p), let identity = try? ExactMatrix.identity(a.rows) else {
            return .infinity
        }
        return error(product, .exact(identity), metric: .d1)
    }

    /// scale · exp(−err / tol): full credit for an exact answer, smoothly
    /// less as the error grows (the seed's "continuous reward").
    public static func continuous(error: Double, scale: Double, tol: Double) -> Double {
        guard error.isFinite, tol > 0 else { return 0 }
        let value = scale * exp(-error / tol)
        return value.isFinite ? value : 0
    }

    /// The share of rows of S that P has exactly right (row-by-row partial credit).
    public static func rows(_ p: Matrix?, _ s: Matrix) -> Double {
        guard let p, p.cols == s.cols, s.rows > 0 else { return 0 }
        var right = 0
        for i in 0..<min(p.rows, s.rows) {
            var same = true
            for j in 0..<s.cols where !entriesEqual(p.entry(i, j), s.entry(i, j)) { same = false; break }
            if same { right += 1 }
        }
        // Extra rows cost as much as missing ones.
        return Double(right) / Double(max(s.rows, p.rows))
    }

    static func entriesEqual(_ a: Scalar, _ b: Scalar) -> Bool {
        switch (a, b) {
        case (.exact(let x), .exact(let y)): return x == y
        default: return a.doubleValue == b.doubleValue
        }
    }

    /// 1 when every entry of P is an integer.
    public static func integerEntries(_ p: Matrix?) -> Double {
        guard let p else { return 0 }
        switch p {
        case .exact(let m): return m.isIntegral ? 1 : 0
        case .float(let m): return m.entries.allSatisfy { $0.isFinite && $0 == $0.rounded() } ? 1 : 0
        }
    }

    /// A reward is always a finite number.
    @inline(__always)
    public static func finite(_ x: Double) -> Double { x.isFinite ? x : 0 }
}
