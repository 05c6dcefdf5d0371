import Foundation

extension Builtins {
    /// random(seed:) and the random stream's methods.
    static func random() -> [Builtin] {
        [
            Builtin("random", [.optional("seed")],
                    help: """
                    A seeded stream of random numbers: r.float(), r.int(lo, hi), r.normal(), r.choice(xs), r.shuffle(xs), r.sample(xs, k).

                    Nothing in Pivot is random without a seed, so a replay gives the
                    same numbers: the same seed gives the same sequence on every
                    machine (xoshiro256** seeded by splitmix64; normal() uses only
                    exactly rounded arithmetic). random(seed: "clock") seeds from
                    the clock and shows the seed it chose. A stream is an object:
                    copies of it share one position.
                      let r = random(seed: 42)
                      r.int(1, 6)          # a die roll, the same every run
                      r.float()            # in [0, 1)
                      r.shuffle([1, 2, 3]) # a new list
                    """) { args throws(Unwind) in
                switch args[0] {
                case .nil:
                    throw args.fail("pass a seed so that results can be replayed, e.g. random(seed: 42) (or random(seed: \"clock\"))")
                case .int(let seed):
                    return .object(RandomStream(seed: seed))
                case .string("clock"):
                    // Wall clock and uptime mixed; bit patterns, so no conversion can trap.
                    let now = Date().timeIntervalSince1970.bitPattern
                    let tick = DispatchTime.now().uptimeNanoseconds
                    let mixed = (now ^ (tick &* 0x9E37_79B9_7F4A_7C15)) & 0x7FFF_FFFF_FFFF_FFFF
                    return .object(RandomStream(seed: Int(truncatingIfNeeded: mixed), fromClock: true))
                case .bigint:
                    throw args.fail("seed must be between \(Int.min) and \(Int.max)")
                default:
                    throw args.mismatch(0, "an integer or \"clock\"")
                }
            },
        ]
    }
}

/// A deterministic random stream: xoshiro256** (Blackman & Vigna, 2018),
/// its state filled from the seed by splitmix64 as the authors recommend.
final class RandomStream: NativeObject {
    let seed: Int
    let fromClock: Bool
    var state: (UInt64, UInt64, UInt64, UInt64)

    init(seed: Int, fromClock: Bool = false) {
        self.seed = seed
        self.fromClock = fromClock
        var x = UInt64(bitPattern: Int64(seed))
        func splitmix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (splitmix(), splitmix(), splitmix(), splitmix())
    }

    var typeName: String { "random" }

    func display() -> String { "<random seed=\(seed)\(fromClock ? " from clock" : "")>" }

    var memberNames: [String] { ["seed", "float", "int", "normal", "choice", "shuffle", "sample"] }

    // MARK: - Generators

    func next() -> UInt64 {
        let result = rotate(state.1 &* 5, 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = rotate(state.3, 45)
        return result
    }

    func rotate(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// Uniform in [0, 1) with 53 random bits.
    func nextFloat() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// Uniform in lo...hi without bias (Lemire's multiply-and-reject).
    func nextInt(_ lo: Int, _ hi: Int) -> Int {
        let span = UInt64(bitPattern: Int64(hi)) &- UInt64(bitPattern: Int64(lo)) &+ 1
        if span == 0 { return Int(truncatingIfNeeded: next()) }
        var m = next().multipliedFullWidth(by: span)
        if m.low < span {
            let threshold = (0 &- span) % span
            while m.low < threshold { m = next().multipliedFullWidth(by: span) }
        }
        return lo &+ Int(truncatingIfNeeded: m.high)
    }

    /// Standard normal by Marsaglia's polar method; the logarithm is
    /// `portableLog`, so the numbers are the same on every platform.
    func nextNormal() -> Double {
        while true {
            let u = 2 * nextFloat() - 1, v = 2 * nextFloat() - 1
            let s = u * u + v * v
            if s > 0 && s < 1 { return u * (-2 * portableLog(s) / s).squareRoot() }
        }
    }

    // MARK: - Methods

    /// `r.float()` and `r.int(lo, hi)` run in tight loops: no bound method.
    func callMethod(_ name: String, _ positional: [Value], vm: Interpreter) throws(Unwind) -> Value? {
        switch (name, positional.count) {
        case ("float", 0): return .float(nextFloat())
        case ("int", 2):
            guard case .int(let lo) = positional[0], case .int(let hi) = positional[1], lo <= hi else { return nil }
            return .int(nextInt(lo, hi))
        default: return nil
        }
    }

    func member(_ name: String, vm: Interpreter) throws(Unwind) -> Value? {
        switch name {
        case "seed": return .int(seed)
        case "float":
            return .builtin(Builtin("float", [.optional("lo", .int(0)), .optional("hi", .int(1))],
                                    help: "A float uniform in [lo, hi), by default [0, 1).") { args throws(Unwind) in
                let lo = try args.double(0), hi = try args.double(1)
                guard lo <= hi, (hi - lo).isFinite else { throw args.fail("needs finite lo <= hi, got \(lo) and \(hi)") }
                return .float(lo + (hi - lo) * self.nextFloat())
            })
        case "int":
            return .builtin(Builtin("int", [.required("lo"), .required("hi")],
                                    help: "An integer uniform in lo..hi, both included.") { args throws(Unwind) in
                let lo = try args.int(0), hi = try args.int(1)
                guard lo <= hi else { throw args.fail("lo (\(lo)) is greater than hi (\(hi))") }
                return .int(self.nextInt(lo, hi))
            })
        case "normal":
            return .builtin(Builtin("normal", [.optional("mean", .int(0)), .optional("std", .int(1))],
                                    help: "A float from the normal distribution with this mean and standard deviation.") { args throws(Unwind) in
                let mean = try args.double(0), std = try args.double(1)
                guard std >= 0 else { throw args.fail("std must not be negative, got \(args[1].shortDisplay)") }
                return .float(mean + std * self.nextNormal())
            })
        case "choice":
            return .builtin(Builtin("choice", [.required("xs")],
                                    help: "One element of a list, range or string, each equally likely.") { args throws(Unwind) in
                if case .range(let lo, let hi) = args[0] {
                    guard lo <= hi else { throw args.fail("cannot choose from an empty range") }
                    return .int(self.nextInt(lo, hi))
                }
                let items = try args.sequence(0)
                guard !items.isEmpty else { throw args.fail("cannot choose from an empty \(args[0].typeName)") }
                return items[self.nextInt(0, items.count - 1)]
            })
        case "shuffle":
            return .builtin(Builtin("shuffle", [.required("xs")],
                                    help: "A new list with the elements in random order (Fisher-Yates).") { args throws(Unwind) in
                var items = try args.sequence(0)
                var i = items.count - 1
                while i > 0 {
                    items.swapAt(i, self.nextInt(0, i))
                    i -= 1
                }
                return .list(items)
            })
        case "sample":
            return .builtin(Builtin("sample", [.required("xs"), .required("k")],
                                    help: "k distinct elements (by position), in random order, without replacement.") { args throws(Unwind) in
                var items = try args.sequence(0)
                let k = try args.int(1)
                guard k >= 0 && k <= items.count else {
                    throw args.fail("k must be between 0 and \(items.count) (the number of elements), got \(k)")
                }
                for i in 0..<k { items.swapAt(i, self.nextInt(i, items.count - 1)) }
                return .list(Array(items[0..<k]))
            })
        default:
            return nil
        }
    }
}

/// ln(x) for x > 0 from +, -, *, / alone, so it gives the same bits on
/// every platform (libm's log may differ in the last bit between systems).
/// The reduction follows fdlibm's e_log.c: x = 2^e * (1 + f) with 1 + f in
/// [sqrt(1/2), sqrt(2)), s = f / (2 + f), and
/// ln(1 + f) = f - (f^2/2 - s * (f^2/2 + R)), R = sum 2 s^(2k) / (2k + 1),
/// here with the series' own coefficients rather than fdlibm's minimax ones.
func portableLog(_ x: Double) -> Double {
    guard x > 0, x.isFinite else { return x == 0 ? -.infinity : .nan }
    var m = x.significand
    var e = Double(x.exponent)
    if m > 1.4142135623730951 {
        m /= 2
        e += 1
    }
    let f = m - 1
    let s = f / (2 + f)
    let z = s * s
    var r = 0.0
    var k = 12.0
    while k >= 1 {
        r = z * (2 / (2 * k + 1) + r)
        k -= 1
    }
    let halfSquare = 0.5 * f * f
    // ln 2 split in two so that e * ln2High is exact.
    let ln2High = 6.93147180369123816490e-01, ln2Low = 1.90821492927058770002e-10
    return e * ln2High - ((halfSquare - (s * (halfSquare + r) + e * ln2Low)) - f)
}
