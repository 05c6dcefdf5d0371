/// A task's answer: a matrix, a number, or a list of numbers.
public enum TaskAnswer: Sendable {
    case matrix(Matrix)
    case scalar(Scalar)
    case list([Scalar])
}

/// One generated example: what the model sees, the answer, and the
/// worked solution (for SFT warm-up).
public struct TaskExample: Sendable {
    public var task: String
    public var kind: String
    public var n: Int
    /// The input matrix A.
    public var matrix: Matrix
    /// The second operand: B (add, multiply), v (matvec), b (solve).
    public var operand: Matrix?
    public var answer: TaskAnswer
    /// The system prompt (chat format) or nil.
    public var system: String?
    /// The rendered user prompt.
    public var prompt: String
    /// The answer as the format writes it (what a perfect completion holds).
    public var answerText: String
    /// Step-by-step solution then the answer, as text.
    public var trace: String
    /// 2-norm condition number of A (nil when singular or not computed).
    public var cond: Double?
    /// A rough difficulty: n times the digits of the answer's entries.
    public var difficulty: Double
    public var seed: Int
}

extension TaskSpec {
    /// The example for one seed.
    public func sample(seed: Int) throws(EngineError) -> TaskExample {
        // Mix the seed with the task's identity so tasks.inverse and
        // tasks.transpose do not draw the same matrices for seed 1.
        var rng = SeededRandom(seed: seed ^ Int(truncatingIfNeeded: stableHash(name + kind.rawValue)))
        let n = sizes.lowerBound == sizes.upperBound ? sizes.lowerBound : rng.nextInt(sizes.lowerBound, sizes.upperBound)
        let a = try drawMatrix(n, &rng)
        var operand: Matrix? = nil
        switch operation {
        case .add, .multiply: operand = try MatrixGenerator.random(n, n, entries: entries, rng: &rng)
        case .matvec, .solve: operand = try MatrixGenerator.random(n, 1, entries: entries, rng: &rng)
        default: break
        }
        let answer = try solve(a, operand)
        let cond = try? a.floatMatrix.conditionNumber()
        var example = TaskExample(
            task: name, kind: kind.rawValue, n: n, matrix: a, operand: operand, answer: answer,
            system: nil, prompt: "", answerText: "", trace: "",
            cond: cond.flatMap { $0.isFinite ? $0 : nil }, difficulty: 0, seed: seed)
        render(&example)
        example.trace = trace(example)
        example.difficulty = Double(n) * Double(max(1, example.answerText.count / max(1, n * n)))
        return example
    }

    /// `count` examples; example i uses a seed derived from (seed, i).
    public func batch(_ count: Int, seed: Int) throws(EngineError) -> [TaskExample] {
        guard count >= 0 && count <= 1_000_000 else {
            throw EngineError.invalidArgument("batch size must be between 0 and 1000000, got \(count)")
        }
        var mixer = SeededRandom(seed: seed)
        var out: [TaskExample] = []
        out.reserveCapacity(count)
        for _ in 0..<count { out.append(try sample(seed: Int(truncatingIfNeeded: mixer.next()))) }
        return out
    }

    /// A matrix of this task's kind; invertible when the operation needs it.
    func drawMatrix(_ n: Int, _ rng: inout SeededRandom) throws(EngineError) -> Matrix {
        for _ in 0..<MatrixGenerator.maxAttempts {
            let m: Matrix
            switch kind {
            case .random where operation.wantsRankDeficient:
                m = try lowRank(n, &rng)
            case .random:
                m = operation.needsInvertible
                    ? try MatrixGenerator.invertible(n, entries: entries, maxCond: maxCond, rng: &rng)
                    : try MatrixGenerator.random(n, n, entries: entries, rng: &rng)
            case .diagonal:
                var d = try MatrixGenerator.random(n, n, entries: entries, rng: &rng)
                d = diagonalOnly(d, nonzero: operation.needsInvertible, &rng)
                m = d
            case .triangular:
                m = try MatrixGenerator.triangular(n, entries: entries, lower: false, unit: false, rng: &rng)
            case .unimodular:
                var bound = 9
                if case .integers(let r) = entries { bound = max(1, max(abs(r.lowerBound), abs(r.upperBound))) }
                m = .exact(try MatrixGenerator.unimodular(n, bound: min(bound, 1_000_000), rng: &rng))
            case .symmetric:
                m = try MatrixGenerator.symmetric(n, entries: entries, rng: &rng)
            case .nearIdentity:
                m = try nearIdentity(n, &rng)
            case .wellConditioned:
                m = try MatrixGenerator.invertible(n, entries: entries, maxCond: maxCond ?? 10, rng: &rng)
            }
            if operation.needsInvertible, try isSingular(m) { continue }
            return m
        }
        throw EngineError.invalidArgument("could not draw an invertible \(kind.rawValue) \(n)×\(n) matrix; widen the entries")
    }

    /// A matrix of random rank: L·R with L n×r from the entries and R r×n
    /// from -2..2. rref of a full-rank square matrix is always I — the
    /// seed talk's "bad distribution for RREF", where answering the identity
    /// was right most of the time — so rref and rank draw every rank, and
    /// nullspace draws ranks below n (a non-empty answer).
    func lowRank(_ n: Int, _ rng: inout SeededRandom) throws(EngineError) -> Matrix {
        let r = operation == .nullspace ? rng.nextInt(0, n - 1) : rng.nextInt(1, n)
        if r == 0 { return try MatrixGenerator.random(n, n, entries: .integers(0...0), rng: &rng) }
        let left = try MatrixGenerator.random(n, r, entries: entries, rng: &rng)
        let right = try MatrixGenerator.random(r, n, entries: .integers(-2...2), rng: &rng)
        return try Matrix.multiply(left, right)
    }

    func isSingular(_ m: Matrix) throws(EngineError) -> Bool {
        switch m {
        case .exact(let x): return try x.determinant().isZero
        case .float(let x): return try x.determinant() == 0
        }
    }

    /// Zeroes everything off the diagonal (redrawing zeros on it when the
    /// matrix must be invertible).
    func diagonalOnly(_ m: Matrix, nonzero: Bool, _ rng: inout SeededRandom) -> Matrix {
        let n = m.rows
        switch m {
        case .exact(var x):
            for i in 0..<n {
                for j in 0..<n where i != j { x[i, j] = .zero }
                if nonzero && x[i, i].isZero { x[i, i] = (try? entries.drawNonzero(&rng)).flatMap { if case .exact(let e) = $0 { e } else { nil } } ?? .one }
            }
            return .exact(x)
        case .float(var x):
            for i in 0..<n {
                for j in 0..<n where i != j { x[i, j] = 0 }
                if nonzero && x[i, i] == 0 { x[i, i] = 1 }
            }
            return .float(x)
        }
    }

    /// The identity plus a small perturbation: for integer entries, one to
    /// n−1 off-diagonal entries from -2..2 (exact, usually with a simple
    /// inverse); for float entries, I + E with E uniform in [-a/10, a/10].
    func nearIdentity(_ n: Int, _ rng: inout SeededRandom) throws(EngineError) -> Matrix {
        switch entries {
        case .uniform(let a):
            return try MatrixGenerator.nearIdentity(n, eps: .float(a / 10), rng: &rng)
        case .integers:
            var m = try ExactMatrix.identity(n)
            if n > 1 {
                for _ in 0..<rng.nextInt(1, n - 1) {
                    let i = rng.nextInt(0, n - 1)
                    var j = rng.nextInt(0, n - 2)
                    if j >= i { j += 1 }
                    m[i, j] = Exact(rng.nextInt(-2, 2))
                }
            }
            return .exact(m)
        }
    }

    /// The exact (or float) answer.
    func solve(_ a: Matrix, _ operand: Matrix?) throws(EngineError) -> TaskAnswer {
        switch operation {
        case .transpose: return .matrix(a.transposed)
        case .add: return .matrix(try Matrix.add(a, operand ?? a))
        case .multiply, .matvec: return .matrix(try Matrix.multiply(a, operand ?? a))
        case .trace:
            switch a {
            case .exact(let x): return .scalar(.exact(x.trace))
            case .float(let x): return .scalar(.float(x.trace))
            }
        case .determinant:
            switch a {
            case .exact(let x): return .scalar(.exact(try x.determinant()))
            case .float(let x): return .scalar(.float(try x.determinant()))
            }
        case .inverse:
            switch a {
            case .exact(let x): return .matrix(.exact(try x.inverse()))
            case .float(let x): return .matrix(.float(try x.inverse()))
            }
        case .rref:
            switch a {
            case .exact(let x): return .matrix(.exact(try x.rref().matrix))
            case .float(let x): return .matrix(.float(x.rref().matrix))
            }
        case .rank:
            switch a {
            case .exact(let x): return .scalar(.exact(Exact(try x.rank())))
            case .float(let x): return .scalar(.exact(Exact(try x.rank())))
            }
        case .solve:
            let b = operand ?? a
            switch (a, b) {
            case (.exact(let x), .exact(let y)): return .matrix(.exact(try x.solve(y)))
            default: return .matrix(.float(try a.floatMatrix.solve(b.floatMatrix)))
            }
        case .nullspace:
            switch a {
            case .exact(let x): return .matrix(.exact(try x.nullspace()))
            case .float(let x): return .matrix(.float(try x.nullspace()))
            }
        case .eigenvalues:
            return .list(try a.floatMatrix.symmetricEigen().values.map { .float($0) })
        case .singularValues:
            return .list(try a.floatMatrix.singularValues().map { .float($0) })
        }
    }
}

/// FNV-1a over the bytes: a hash that is the same in every process (Swift's
/// Hasher is seeded per process).
func stableHash(_ s: String) -> UInt64 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
    return h
}
