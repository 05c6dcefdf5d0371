import Engine

extension Arguments {
    /// Runs `draw` with the generator the `seed:` argument names: an integer
    /// (a fresh stream) or a stream from random(seed:) (which advances).
    func withSeed<T>(_ i: Int, _ draw: (inout SeededRandom) throws(EngineError) -> T) throws(Unwind) -> T {
        switch values[i] {
        case .int(let seed):
            var rng = SeededRandom(seed: seed)
            return try engine { () throws(EngineError) in try draw(&rng) }
        case .object(let stream as RandomStream):
            return try engine { () throws(EngineError) in try draw(&stream.generator) }
        case .nil:
            throw fail("pass a seed so that results can be replayed, e.g. seed: 1 (or seed: random(seed: 1) to draw from a stream)")
        default:
            throw mismatch(i, "an integer seed or a random stream")
        }
    }

    /// `entries:` as a distribution: an integer range (exact) or a number a
    /// (floats uniform in [-a, a]).
    func entries(_ i: Int) throws(Unwind) -> EntryDistribution {
        switch values[i] {
        case .nil: return .standard
        case .range(let lo, let hi):
            guard lo <= hi else { throw fail("entries range \(lo)..\(hi) is empty") }
            return .integers(lo...hi)
        default:
            guard let a = Arithmetic.double(values[i]), a.isFinite, a > 0 else {
                throw fail("entries must be an integer range like -9..9 or a positive number a (floats in [-a, a]), got \(values[i].shortDisplay)")
            }
            return .uniform(a)
        }
    }
}

extension Builtins {
    /// Random matrices: randmat, randn and the generators tasks use.
    static func matrixRandom() -> [Builtin] {
        [
            Builtin("randmat", [.required("m"), .optional("n"), .optional("entries"), .optional("seed")],
                    help: """
                    An m×n matrix of random entries (n defaults to m): exact integers from entries (default -9..9), or floats in [-a, a] for entries: a.

                    seed: is required: an integer, or a stream from random(seed:).
                      shape(randmat(2, 3, seed: 1))              # [2, 3]
                      randmat(2, seed: 7) == randmat(2, seed: 7)   # true
                    """) { args throws(Unwind) in
                let m = try args.dimension(0), n = args.isNil(1) ? m : try args.dimension(1)
                let entries = try args.entries(2)
                return .matrix(try args.withSeed(3) { (rng) throws(EngineError) in
                    try MatrixGenerator.random(m, n, entries: entries, rng: &rng)
                })
            },
            Builtin("randn", [.required("m"), .optional("n"), .optional("seed")],
                    help: """
                    An m×n float matrix of standard normal entries (n defaults to m).

                      shape(randn(3, 2, seed: 1))   # [3, 2]
                    """) { args throws(Unwind) in
                let m = try args.dimension(0), n = args.isNil(1) ? m : try args.dimension(1)
                return .matrix(try args.withSeed(2) { (rng) throws(EngineError) in try MatrixGenerator.normal(m, n, rng: &rng) })
            },
            Builtin("random_unimodular", [.required("n"), .optional("bound", .int(9)), .optional("seed")],
                    help: """
                    An n×n integer matrix with determinant ±1, so its inverse is an integer matrix too; entries within ±bound.

                      abs(det(random_unimodular(4, seed: 3)))          # 1
                      let U = random_unimodular(3, seed: 1)
                    """) { args throws(Unwind) in
                let n = try args.dimension(0), bound = try args.int(1)
                return .matrix(.exact(try args.withSeed(2) { (rng) throws(EngineError) in
                    try MatrixGenerator.unimodular(n, bound: bound, rng: &rng)
                }))
            },
            Builtin("random_invertible", [.required("n"), .optional("entries"), .optional("max_cond"), .optional("seed")],
                    help: """
                    A random invertible n×n matrix (entries as randmat); with max_cond, its condition number is at most that.

                    Drawn by rejection, so a tight max_cond on a large matrix may fail
                    with an error saying so.
                      det(random_invertible(3, seed: 2)) != 0              # true
                      cond(random_invertible(3, max_cond: 10, seed: 2)) <= 10   # true
                    """) { args throws(Unwind) in
                let n = try args.dimension(0), entries = try args.entries(1)
                let maxCond: Double? = args.isNil(2) ? nil : try args.double(2)
                return .matrix(try args.withSeed(3) { (rng) throws(EngineError) in
                    try MatrixGenerator.invertible(n, entries: entries, maxCond: maxCond, rng: &rng)
                })
            },
            Builtin("random_symmetric", [.required("n"), .optional("entries"), .optional("seed")],
                    help: """
                    A random symmetric n×n matrix (a Wigner matrix): the upper triangle drawn as randmat draws, mirrored.

                      let S = random_symmetric(3, seed: 4)
                      random_symmetric(3, seed: 4) == random_symmetric(3, seed: 4).T   # true
                    """) { args throws(Unwind) in
                let n = try args.dimension(0), entries = try args.entries(1)
                return .matrix(try args.withSeed(2) { (rng) throws(EngineError) in
                    try MatrixGenerator.symmetric(n, entries: entries, rng: &rng)
                })
            },
            Builtin("random_triangular", [.required("n"), .optional("entries"), .optional("lower", .bool(false)),
                                          .optional("unit", .bool(false)), .optional("seed")],
                    help: """
                    A random upper (or lower: true) triangular n×n matrix with a nonzero diagonal (ones with unit: true), so it is invertible.

                      det(random_triangular(3, unit: true, seed: 5))   # 1
                      rank(random_triangular(4, seed: 5))              # 4
                    """) { args throws(Unwind) in
                let n = try args.dimension(0), entries = try args.entries(1)
                let lower = try args.bool(2), unit = try args.bool(3)
                return .matrix(try args.withSeed(4) { (rng) throws(EngineError) in
                    try MatrixGenerator.triangular(n, entries: entries, lower: lower, unit: unit, rng: &rng)
                })
            },
            Builtin("near_identity", [.required("n"), .optional("eps", .float(0.1)), .optional("seed")],
                    help: """
                    The identity plus a small perturbation: I + E with E's entries uniform in [-eps, eps].

                    A float eps gives a float matrix; an exact eps (like 1/10) an exact one
                    whose perturbations are multiples of eps/10.
                      near_identity(2, eps: 0, seed: 1)             # [1 0; 0 1]
                      dist(near_identity(3, seed: 1), eye(3)) < 0.34   # true
                    """) { args throws(Unwind) in
                let n = try args.dimension(0)
                guard let eps = args[1].scalar, eps.doubleValue >= 0, eps.doubleValue.isFinite else {
                    throw args.fail("eps must be a non-negative number, got \(args[1].shortDisplay)")
                }
                return .matrix(try args.withSeed(2) { (rng) throws(EngineError) in
                    try MatrixGenerator.nearIdentity(n, eps: eps, rng: &rng)
                })
            },
        ]
    }
}
