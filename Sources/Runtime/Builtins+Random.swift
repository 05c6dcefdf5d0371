import Engine
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

/// A deterministic random stream as a language value; the generator is
/// the engine's `SeededRandom`.
final class RandomStream: NativeObject {
    let seed: Int
    let fromClock: Bool
    var generator: SeededRandom

    init(seed: Int, fromClock: Bool = false) {
        self.seed = seed
        self.fromClock = fromClock
        self.generator = SeededRandom(seed: seed)
    }

    var typeName: String { "random" }

    func display() -> String { "<random seed=\(seed)\(fromClock ? " from clock" : "")>" }

    var memberNames: [String] { ["seed", "float", "int", "normal", "choice", "shuffle", "sample"] }

    // MARK: - Generators

    func nextFloat() -> Double { generator.nextFloat() }
    func nextInt(_ lo: Int, _ hi: Int) -> Int { generator.nextInt(lo, hi) }
    func nextNormal() -> Double { generator.nextNormal() }

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

