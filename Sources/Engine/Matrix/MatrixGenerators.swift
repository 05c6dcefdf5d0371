/// How random entries are drawn: exact integers from a range, or floats
/// uniform in [-a, a] (Charton's "Linear algebra with transformers" draws
/// entries this way).
public enum EntryDistribution: Sendable, Equatable {
    case integers(ClosedRange<Int>)
    case uniform(Double)

    /// Integers from -9 to 9, as the seed experiment uses.
    public static let standard = EntryDistribution.integers(-9...9)

    func draw(_ rng: inout SeededRandom) -> Scalar {
        switch self {
        case .integers(let r): return .exact(Exact(rng.nextInt(r.lowerBound, r.upperBound)))
        case .uniform(let a): return .float((2 * rng.nextFloat() - 1) * a)
        }
    }

    /// A nonzero draw (for diagonals that must be invertible).
    func drawNonzero(_ rng: inout SeededRandom) throws(EngineError) -> Scalar {
        if case .integers(let r) = self, r.lowerBound == 0 && r.upperBound == 0 {
            throw EngineError.invalidArgument("entries 0..0 hold no nonzero value for the diagonal")
        }
        while true {
            let s = draw(&rng)
            if s.doubleValue != 0 { return s }
        }
    }

    var isExact: Bool { if case .integers = self { return true } else { return false } }
}

/// Random matrices for tasks and tests. Every generator takes the random
/// stream explicitly, so the same seed gives the same matrix everywhere.
public enum MatrixGenerator {
    /// How many candidates rejection sampling tries before giving up.
    public static let maxAttempts = 10_000

    /// An m×n matrix of independent entries.
    public static func random(_ m: Int, _ n: Int, entries: EntryDistribution,
                              rng: inout SeededRandom) throws(EngineError) -> Matrix {
        let count = try checkedCount(m, n)
        var scalars: [Scalar] = []
        scalars.reserveCapacity(count)
        for _ in 0..<count { scalars.append(entries.draw(&rng)) }
        return build(m, n, scalars)
    }

    /// Standard normal Float64 entries.
    public static func normal(_ m: Int, _ n: Int, rng: inout SeededRandom) throws(EngineError) -> Matrix {
        let count = try checkedCount(m, n)
        var values: [Double] = []
        values.reserveCapacity(count)
        for _ in 0..<count { values.append(rng.nextNormal()) }
        return .float(FloatMatrix(rows: m, cols: n, entries: values))
    }

    /// A symmetric matrix: the upper triangle drawn, the lower mirrored
    /// (a Wigner matrix when the entries are centred).
    public static func symmetric(_ n: Int, entries: EntryDistribution,
                                 rng: inout SeededRandom) throws(EngineError) -> Matrix {
        let count = try checkedCount(n, n)
        var scalars = [Scalar](repeating: .exact(.zero), count: count)
        for i in 0..<n {
            for j in i..<n {
                let s = entries.draw(&rng)
                scalars[i * n + j] = s
                scalars[j * n + i] = s
            }
        }
        return build(n, n, scalars)
    }

    /// An upper (or lower) triangular matrix with a nonzero diagonal, so it
    /// is invertible; `unit` puts ones on the diagonal.
    public static func triangular(_ n: Int, entries: EntryDistribution, lower: Bool, unit: Bool,
                                  rng: inout SeededRandom) throws(EngineError) -> Matrix {
        let count = try checkedCount(n, n)
        var scalars = [Scalar](repeating: entries.isExact ? .exact(.zero) : .float(0), count: count)
        for i in 0..<n {
            for j in 0..<n where lower ? j <= i : j >= i {
                if i == j {
                    scalars[i * n + j] = unit ? (entries.isExact ? .exact(.one) : .float(1)) : try entries.drawNonzero(&rng)
                } else {
                    scalars[i * n + j] = entries.draw(&rng)
                }
            }
        }
        return build(n, n, scalars)
    }

    /// An integer matrix with determinant ±1, hence an integer inverse:
    /// P·L·U with L, U unit triangular, rows signed at random. Entries stay
    /// within `bound`; the multipliers shrink when candidates keep
    /// overshooting (rejection sampling over a shrinking range).
    public static func unimodular(_ n: Int, bound: Int = 9,
                                  rng: inout SeededRandom) throws(EngineError) -> ExactMatrix {
        _ = try checkedCount(n, n)
        guard bound >= 1 && bound <= 1_000_000 else {
            throw EngineError.invalidArgument("unimodular entries need a bound from 1 to 1000000, got \(bound)")
        }
        if n == 0 { return ExactMatrix(rows: 0, cols: 0, entries: []) }
        var spread = bound
        for attempt in 1...maxAttempts {
            if attempt % 50 == 0 && spread > 1 { spread -= 1 }
            var l = [Int](repeating: 0, count: n * n), u = l
            for i in 0..<n {
                l[i * n + i] = 1
                u[i * n + i] = 1
                for j in 0..<i { l[i * n + j] = rng.nextInt(-spread, spread) }
                for j in (i + 1)..<n { u[i * n + j] = rng.nextInt(-spread, spread) }
            }
            var product = [Int](repeating: 0, count: n * n)
            var fits = true
            outer: for i in 0..<n {
                for j in 0..<n {
                    var sum = 0
                    for k in 0...min(i, j) { sum += l[i * n + k] * u[k * n + j] }
                    if abs(sum) > bound { fits = false; break outer }
                    product[i * n + j] = sum
                }
            }
            guard fits else { continue }
            // A random row order and random row signs keep det = ±1.
            var order = Array(0..<n)
            for i in stride(from: n - 1, to: 0, by: -1) { order.swapAt(i, rng.nextInt(0, i)) }
            var rows: [[Int]] = []
            for i in order {
                let sign = rng.nextInt(0, 1) == 0 ? 1 : -1
                rows.append((0..<n).map { sign * product[i * n + $0] })
            }
            return ExactMatrix(rows)
        }
        throw EngineError.invalidArgument("could not draw a \(n)×\(n) unimodular matrix with entries within ±\(bound)")
    }

    /// A random invertible matrix; with `maxCond`, its 2-norm condition
    /// number is at most that (rejection sampling).
    public static func invertible(_ n: Int, entries: EntryDistribution, maxCond: Double?,
                                  rng: inout SeededRandom) throws(EngineError) -> Matrix {
        _ = try checkedCount(n, n)
        if let maxCond, !(maxCond >= 1) {
            throw EngineError.invalidArgument("max_cond must be at least 1 (every matrix has condition number >= 1), got \(maxCond)")
        }
        for _ in 0..<maxAttempts {
            let candidate = try random(n, n, entries: entries, rng: &rng)
            switch candidate {
            case .exact(let m): if try m.determinant().isZero { continue }
            case .float(let m): if try m.determinant() == 0 { continue }
            }
            if let maxCond {
                let cond = try candidate.floatMatrix.conditionNumber()
                if !(cond <= maxCond) { continue }
            }
            return candidate
        }
        let condition = maxCond.map { " with condition number at most \(formatFloat($0))" } ?? ""
        throw EngineError.invalidArgument(
            "could not draw an invertible \(n)×\(n) matrix\(condition) in \(maxAttempts) tries; widen the entries or raise max_cond")
    }

    /// The identity plus a small perturbation. A float `eps` gives entries
    /// of I + E with E uniform in [-eps, eps]; an exact `eps` gives exact
    /// entries, E's entries multiples of eps/10 in [-eps, eps].
    public static func nearIdentity(_ n: Int, eps: Scalar, rng: inout SeededRandom) throws(EngineError) -> Matrix {
        let count = try checkedCount(n, n)
        switch eps {
        case .float(let e):
            var values = [Double](repeating: 0, count: count)
            for k in 0..<count { values[k] = (2 * rng.nextFloat() - 1) * e + (k % (n + 1) == 0 ? 1 : 0) }
            return .float(FloatMatrix(rows: n, cols: n, entries: values))
        case .exact(let e):
            let step = try e.dividing(by: Exact(10))
            var values = [Exact](repeating: .zero, count: count)
            for k in 0..<count {
                values[k] = step * Exact(rng.nextInt(-10, 10)) + (k % (n + 1) == 0 ? .one : .zero)
            }
            return .exact(ExactMatrix(rows: n, cols: n, entries: values))
        }
    }

    /// Exact when every scalar is exact, float otherwise.
    public static func build(_ m: Int, _ n: Int, _ scalars: [Scalar]) -> Matrix {
        var exact: [Exact] = []
        exact.reserveCapacity(scalars.count)
        for s in scalars {
            guard case .exact(let e) = s else {
                return .float(FloatMatrix(rows: m, cols: n, entries: scalars.map(\.doubleValue)))
            }
            exact.append(e)
        }
        return .exact(ExactMatrix(rows: m, cols: n, entries: exact))
    }
}
