import Engine

/// `probe(R, task)`: how much reward do the known hacks earn? The hacks are
/// the failures of the seed talk and the GRPO literature, built for each
/// sampled example and scored with the reward set beside the true answer.
enum Probe {
    static let hackNames = [
        "true answer", "identity matrix", "zero matrix", "input copied", "input transposed",
        "right shape, random entries", "empty answer", "tags only", "long scratchpad, no answer",
        "unrelated code", "other language", "true answer + garbage",
    ]

    /// The completions for one example, in `hackNames` order.
    static func completions(for example: Record, rng: inout SeededRandom) -> [String] {
        let answerText: String
        if case .string(let s)? = example["answer_text"] { answerText = s } else { answerText = "" }
        var shape = (rows: 1, cols: 1)
        if case .matrix(let m)? = example["answer"] { shape = (m.rows, m.cols) }
        var input: Matrix? = nil
        if case .matrix(let m)? = example["matrix"] { input = m }
        let chat: Bool = { if case .string(let s)? = example["system"] { return !s.isEmpty } else { return false } }()

        func rows(_ r: Int, _ c: Int, _ entry: (Int, Int) -> String) -> String {
            "[" + (0..<r).map { i in "[" + (0..<c).map { j in entry(i, j) }.joined(separator: ", ") + "]" }.joined(separator: ", ") + "]"
        }
        func text(_ m: Matrix) -> String { rows(m.rows, m.cols) { Matrix.entryText(m.entry($0, $1)) } }
        func wrap(_ answer: String, reasoning: String = "I apply row operations to find the answer.") -> String {
            chat ? "<reasoning>\n\(reasoning)\n</reasoning>\n<answer>\n\(answer)\n</answer>\n" : answer
        }
        let identity = rows(shape.rows, shape.cols) { $0 == $1 ? "1" : "0" }
        let zero = rows(shape.rows, shape.cols) { _, _ in "0" }
        let random = rows(shape.rows, shape.cols) { _, _ in String(rng.nextInt(-9, 9)) }
        let scratchpad = String(repeating: "Let me think about the row operations step by step. ", count: 60)
        let code = "```python\nimport numpy as np\nA = np.array(A)\nprint(np.linalg.inv(A))\n```"
        let garbage = String(repeating: "}]{[ lorem ipsum 42 ", count: 100)
        return [
            wrap(answerText),
            wrap(identity),
            wrap(zero),
            wrap(input.map(text) ?? identity),
            wrap(input.map { text($0.transposed) } ?? identity),
            wrap(random),
            chat ? "<reasoning>\n\n</reasoning>\n<answer>\n\n</answer>\n" : "",
            chat ? "<reasoning></reasoning><answer></answer>" : "<answer></answer>",
            chat ? "<reasoning>\n\(scratchpad)\n</reasoning>\n" : scratchpad,
            code,
            wrap("答案是上面的矩阵。", reasoning: "我们对矩阵进行初等行变换，逐步消元，得到答案。"),
            wrap(answerText) + garbage,
        ]
    }
}

/// The result of `probe`: one row per hack, printed as a table.
final class ProbeObject: NativeObject {
    let rows: [(name: String, mean: Double, max: Double, isTrue: Bool)]
    let reference: Double

    init(rows: [(name: String, mean: Double, max: Double, isTrue: Bool)]) {
        self.rows = rows
        self.reference = rows.first?.mean ?? 0
    }

    var typeName: String { "probe" }
    var memberNames: [String] { ["rows", "worst"] }

    func share(_ x: Double) -> Double { reference > 0 ? x / reference : 0 }

    func member(_ name: String, vm: Interpreter) throws(Unwind) -> Value? {
        switch name {
        case "rows":
            return .list(rows.map { r in
                .record([("hack", .string(r.name)), ("mean", .float(r.mean)), ("max", .float(r.max)), ("share", .float(share(r.mean)))])
            })
        case "worst":
            // The hack that earns the largest share of the true answer's
            // reward (hacks whose answer is the true one, like the identity
            // for an invertible matrix's rref, do not count).
            guard let worst = rows.dropFirst().filter({ !$0.isTrue }).max(by: { $0.mean < $1.mean }) else { return .nil }
            return .record([("hack", .string(worst.name)), ("mean", .float(worst.mean)), ("share", .float(share(worst.mean)))])
        default: return nil
        }
    }

    func display() -> String {
        let width = Probe.hackNames.map(\.count).max() ?? 10
        func pad(_ s: String) -> String { s + String(repeating: " ", count: max(0, width - s.count)) }
        func num(_ d: Double) -> String {
            let s = formatFloat(d, significantDigits: 4)
            return String(repeating: " ", count: max(0, 9 - s.count)) + s
        }
        var out = pad("completion") + "       mean        max   share of true\n"
        for r in rows {
            let percent = String(Int((share(r.mean) * 100).rounded())) + "%"
            let flag = r.name == "true answer" ? "" : r.isTrue ? "   (the true answer on every example)"
                : share(r.mean) > 0.25 ? "   <- earns more than a quarter" : ""
            out += pad(r.name) + "  " + num(r.mean) + "  " + num(r.max) + "   " + String(repeating: " ", count: max(0, 5 - percent.count)) + percent + flag + "\n"
        }
        return String(out.dropLast())
    }
}

extension Builtins {
    static func probe() -> [Builtin] {
        [
            Builtin("probe", [.required("rewards"), .required("task"), .optional("n", .int(8)), .optional("seed", .int(1))], help: """
                Scores the known reward hacks against a reward set on n sampled examples and prints how much each earns beside the true answer.

                A hack is scored only on examples where its answer is wrong (the identity
                is the right rref of an invertible matrix).

                The hacks: the identity matrix, the zero matrix, the input copied or
                transposed, the right shape with random entries, an empty answer, tags
                only, a long scratchpad with no answer, unrelated code, another
                language, the true answer padded with garbage. Run it before you spend
                compute: a hack that earns a large share of the true answer's reward
                will be found by the model. The result has rows and worst.
                  probe(hardened_rewards, tasks.inverse(size: 2), n: 2).worst.share < 0.25   # true
                  probe(naive_rewards, tasks.inverse(size: 2), n: 2).worst.hack   # "true answer + garbage"
                """) { args throws(Unwind) in
                let parts = try RewardSet.parts(args[0], what: "probe")
                let n = try args.int(2), seed = try args.int(3)
                guard n >= 1 && n <= 10_000 else { throw args.fail("n must be between 1 and 10000, got \(n)") }
                let examples = try sampleExamples(args, task: args[1], n: n, seed: seed)
                var sums = [Double](repeating: 0, count: Probe.hackNames.count)
                var maxima = [Double](repeating: -.infinity, count: Probe.hackNames.count)
                // A hack whose answer happens to be the true one (the identity
                // for a full-rank rref) is not a hack on that example: it is
                // scored only on the examples where it is wrong.
                var counted = [Int](repeating: 0, count: Probe.hackNames.count)
                var rng = SeededRandom(seed: seed)
                for example in examples {
                    guard case .record(let record) = example else { throw args.fail("the task must give example records, got \(article(example.typeName))") }
                    let completions = Probe.completions(for: record, rng: &rng)
                    let truth = RewardContext(completion: completions[0], example: example)
                    let trueAnswer = truth.parsedAnswer(shapedLike: truth.expected)
                    for (k, completion) in completions.enumerated() {
                        if k > 0 && k <= 5, let t = trueAnswer,
                           let h = RewardContext(completion: completion, example: example).parsedAnswer(shapedLike: truth.expected),
                           h == t {
                            continue
                        }
                        counted[k] += 1
                        var total = 0.0
                        for p in parts {
                            total += CorrectnessRewards.finite(p.weight * (try RewardSet.value(of: p.function, [.string(completion), example], vm: args.vm)))
                        }
                        sums[k] += total
                        maxima[k] = max(maxima[k], total)
                    }
                }
                let rows = Probe.hackNames.enumerated().map { (k, name) in
                    (name: name, mean: counted[k] > 0 ? sums[k] / Double(counted[k]) : 0, max: counted[k] > 0 ? maxima[k] : 0,
                     isTrue: counted[k] == 0)
                }
                return .object(ProbeObject(rows: rows))
            },
        ]
    }

    /// n examples from a task object or a user task (a function seed -> example).
    static func sampleExamples(_ args: Arguments, task: Value, n: Int, seed: Int) throws(Unwind) -> [Value] {
        switch task {
        case .object(let t as TaskObject):
            let examples = try args.engine { () throws(EngineError) in try t.spec.batch(n, seed: seed) }
            var out: [Value] = []
            for e in examples { out.append(try t.record(e, vm: args.vm)) }
            return out
        case .function, .builtin:
            var out: [Value] = []
            for i in 0..<n { out.append(try args.vm.call(task, [.int(seed &+ i)])) }
            return out
        default:
            throw args.fail("task must be a task (tasks.inverse(...)) or a function from a seed to an example, got \(article(task.typeName))")
        }
    }
}
