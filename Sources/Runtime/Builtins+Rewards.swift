import Engine

/// What a native reward reads from a completion and its example.
struct RewardContext {
    let completion: String
    let example: Value

    /// The answer the model gave, as a matrix (numbers are 1×1, lists 1×n;
    /// a row is turned into a column when the true answer is a column).
    func parsedAnswer(shapedLike expected: Matrix?) -> Matrix? {
        var parsed = RewardContext.parse(completion)
        if let p = parsed, let e = expected, e.cols == 1, p.rows == 1, p.cols == e.rows { parsed = p.transposed }
        return parsed
    }

    /// The answer of a completion parsed once for all the rewards of a set:
    /// they are called one after another on the same completion. (The
    /// interpreter runs on one thread; the cache holds one entry.)
    nonisolated(unsafe) static var lastParsed: (completion: String, answer: Matrix?)?

    static func parse(_ completion: String) -> Matrix? {
        if let last = lastParsed, last.completion == completion { return last.answer }
        let text = CompletionParser.tag(completion, "answer") ?? completion
        var parsed: Matrix?
        if case .success(let m) = CompletionParser.parseMatrix(text) {
            parsed = m
        } else if case .success(let s) = CompletionParser.parseNumber(text) {
            parsed = MatrixValues.single(s)
        }
        lastParsed = (completion, parsed)
        return parsed
    }

    func field(_ name: String) -> Value? {
        if case .record(let r) = example { return r[name] }
        return nil
    }

    /// The example's true answer as a matrix (numbers 1×1, lists 1×n).
    var expected: Matrix? {
        guard let answer = field("answer") else { return nil }
        switch answer {
        case .matrix(let m): return m
        case .list(let items):
            let scalars = items.compactMap(\.scalar)
            guard scalars.count == items.count else { return nil }
            return MatrixGenerator.build(1, scalars.count, scalars)
        default: return answer.scalar.map(MatrixValues.single)
        }
    }

    var input: Matrix? { if case .matrix(let m)? = field("matrix") { return m } else { return nil } }
    var isInverseTask: Bool { if case .string("inverse")? = field("task") { return true } else { return false } }

    /// The error of the answer: against A·P = I for inverse tasks (no
    /// inverse needed, and the identity hack scores badly), else against the
    /// true answer. +inf when unparsable.
    func answerError(metric: ErrorMetric, inverseCheck: Bool) -> Double {
        let truth = expected
        guard let p = parsedAnswer(shapedLike: truth) else { return .infinity }
        if inverseCheck, isInverseTask, let a = input { return CorrectnessRewards.inverseError(p, input: a) }
        guard let truth else { return .infinity }
        return CorrectnessRewards.error(p, truth, metric: metric)
    }
}

extension MatrixValues {
    static func single(_ s: Scalar) -> Matrix {
        switch s {
        case .exact(let e): return .exact(ExactMatrix(rows: 1, cols: 1, entries: [e]))
        case .float(let d): return .float(FloatMatrix(rows: 1, cols: 1, entries: [d]))
        }
    }
}

extension Builtins {
    typealias RewardBody = (RewardContext, Arguments) throws(Unwind) -> Double

    /// A native reward `rewards.NAME`: called with (completion, example) it
    /// scores; called with only its options it returns a configured reward.
    static func reward(_ name: String, _ options: [Builtin.Parameter], help: String,
                       _ body: @escaping RewardBody) -> Builtin {
        let parameters: [Builtin.Parameter] = [.optional("completion"), .optional("example")] + options
        return Builtin("rewards.\(name)", parameters, help: help) { args throws(Unwind) in
            if args.isNil(0) && args.isNil(1) {
                // Configured: remember the options and return a reward.
                let settings = args
                let described = options.enumerated().compactMap { (k, p) -> String? in
                    let v = settings[k + 2]
                    if let d = p.defaultValue, Value.equal(d, v) { return nil }
                    return "\(p.name)=\(v.shortDisplay)"
                }
                let label = described.isEmpty ? name : "\(name)(\(described.joined(separator: ", ")))"
                let scorer = Builtin(label, [.required("completion"), .required("example")], help: "") { inner throws(Unwind) in
                    .float(try score(inner, settings, body))
                }
                return .object(RewardObject(name: label, weight: 1, function: .builtin(scorer)))
            }
            return .float(try score(args, args, body))
        }
    }

    static func score(_ call: Arguments, _ settings: Arguments, _ body: RewardBody) throws(Unwind) -> Double {
        guard case .string(let completion) = call[0] else { throw call.mismatch(0, "a string (the completion)") }
        let context = RewardContext(completion: completion, example: call.values.count > 1 ? call[1] : .nil)
        return CorrectnessRewards.finite(try body(context, settings))
    }

    static func metric(_ args: Arguments, _ i: Int) throws(Unwind) -> ErrorMetric {
        let name = try args.string(i)
        guard let m = ErrorMetric(rawValue: name) else {
            throw args.fail("metric must be one of \(ErrorMetric.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(name)\"")
        }
        return m
    }

    /// The builtin rewards, score and probe.
    static func rewards() -> [Builtin] {
        [
            reward("exact", [], help: """
                1 when the answer equals the true answer exactly (same shape, equal entries), else 0.

                The answer is the last <answer>…</answer> (or the whole completion when
                there is no tag), read by parse_matrix (a number or list for scalar tasks).
                  rewards.exact("<answer>[[1, 0], [0, 1]]</answer>", {answer: eye(2)})   # 1.0
                  rewards.exact("<answer>[[1.0, 0], [0, 1]]</answer>", {answer: eye(2)})   # 1.0
                """) { c, _ throws(Unwind) in
                guard let truth = c.expected else { return 0 }
                return CorrectnessRewards.exact(c.parsedAnswer(shapedLike: truth), truth)
            },
            reward("within", [.optional("tol", .float(0.05)), .optional("metric", .string("d1"))], help: """
                1 when the answer's relative error is below tol (Charton's d1 by default; "l2" and "max" too), else 0.

                  rewards.within("<answer>[[1.01, 0], [0, 1]]</answer>", {answer: eye(2)})   # 1.0
                  rewards.within(tol: 0.001)("[[1.01, 0], [0, 1]]", {answer: eye(2)})   # 0.0
                """) { c, s throws(Unwind) in
                let tol = try s.double(2), m = try metric(s, 3)
                return c.answerError(metric: m, inverseCheck: false) < tol ? 1 : 0
            },
            reward("inverse_check", [.optional("tol", .float(0.05))], help: """
                For inverse tasks, 1 when A·P ≈ I (d1 error of A·P against I below tol); other tasks compare with the answer.

                The seed's fix for the identity-matrix hack: it needs no inverse, and
                answering I scores 0 unless A is near I.
                  rewards.inverse_check("<answer>[[1, -1], [-1, 2]]</answer>", {task: "inverse", matrix: [2 1; 1 1], answer: inv([2 1; 1 1])})   # 1.0
                  rewards.inverse_check("<answer>[[1, 0], [0, 1]]</answer>", {task: "inverse", matrix: [2 1; 1 1], answer: inv([2 1; 1 1])})   # 0.0
                """) { c, s throws(Unwind) in
                c.answerError(metric: .d1, inverseCheck: true) < (try s.double(2)) ? 1 : 0
            },
            reward("continuous", [.optional("scale", .int(2)), .optional("tol", .float(0.05)), .optional("metric", .string("d1"))], help: """
                scale · exp(−err / tol): full credit for an exact answer, less as the error grows; err is A·P against I for inverse tasks.

                  rewards.continuous("<answer>[[1, 0], [0, 1]]</answer>", {answer: eye(2)})   # 2.0
                  rewards.continuous("no answer", {answer: eye(2)})   # 0.0
                """) { c, s throws(Unwind) in
                let err = c.answerError(metric: try metric(s, 4), inverseCheck: true)
                return CorrectnessRewards.continuous(error: err, scale: try s.double(2), tol: try s.double(3))
            },
            reward("rows", [], help: """
                Row-by-row partial credit: the share of rows of the true answer the model got exactly right.

                  rewards.rows("<answer>[[1, 0], [5, 5]]</answer>", {answer: eye(2)})   # 0.5
                """) { c, _ throws(Unwind) in
                guard let truth = c.expected else { return 0 }
                return CorrectnessRewards.rows(c.parsedAnswer(shapedLike: truth), truth)
            },
            reward("tags", [], help: """
                1 when the completion has both <reasoning>…</reasoning> and <answer>…</answer>.

                  rewards.tags("<reasoning>x</reasoning><answer>1</answer>", {})   # 1.0
                  rewards.tags("<answer>1</answer>", {})   # 0.0
                """) { c, _ throws(Unwind) in FormatRewards.tagsPresent(c.completion) },
            reward("tags_order", [], help: """
                1 when each of the four tags appears exactly once, reasoning before answer.

                  rewards.tags_order("<answer>1</answer><reasoning>x</reasoning>", {})   # 0.0
                """) { c, _ throws(Unwind) in FormatRewards.tagsInOrder(c.completion) },
            reward("strict_format", [], help: """
                The GSM8K GRPO demo's strict format reward: 1 when the completion matches ^<reasoning>\\n.*?\\n</reasoning>\\n<answer>\\n.*?\\n</answer>\\n$.

                As in the demo (no DOTALL), '.' does not cross lines: reasoning and
                answer are one line each.
                  rewards.strict_format("<reasoning>\\nrow ops\\n</reasoning>\\n<answer>\\n[[1]]\\n</answer>\\n", {})   # 1.0
                """) { c, _ throws(Unwind) in FormatRewards.strictFormat(c.completion) },
            reward("soft_format", [], help: """
                The GSM8K GRPO demo's soft format reward: 1 when the completion starts with <reasoning>.*?</reasoning>\\s*<answer>.*?</answer>.

                  rewards.soft_format("<reasoning>ok</reasoning> <answer>[[1]]</answer>", {})   # 1.0
                """) { c, _ throws(Unwind) in FormatRewards.softFormat(c.completion) },
            reward("xmlcount", [], help: """
                The GSM8K GRPO demo's count_xml: 0.125 per tag line present once, less 0.001 per character after the answer.

                  rewards.xmlcount("<reasoning>\\nx\\n</reasoning>\\n<answer>\\n1\\n</answer>\\n", {})   # 0.5
                """) { c, _ throws(Unwind) in FormatRewards.xmlCount(c.completion) },
            reward("is_matrix", [], help: """
                1 when the answer parses as a matrix of the true answer's shape.

                  rewards.is_matrix("<answer>[[7, 7], [7, 7]]</answer>", {answer: eye(2)})   # 1.0
                  rewards.is_matrix("<answer>[[7, 7]]</answer>", {answer: eye(2)})   # 0.0
                """) { c, _ throws(Unwind) in
                let truth = c.expected
                guard let p = c.parsedAnswer(shapedLike: truth) else { return 0 }
                guard let truth else { return 1 }
                return p.rows == truth.rows && p.cols == truth.cols ? 1 : 0
            },
            reward("integer_entries", [], help: """
                1 when every entry of the answer is an integer.

                  rewards.integer_entries("<answer>[[1, 2]]</answer>", {})   # 1.0
                  rewards.integer_entries("<answer>[[1/2, 2]]</answer>", {})   # 0.0
                """) { c, _ throws(Unwind) in
                CorrectnessRewards.integerEntries(c.parsedAnswer(shapedLike: nil))
            },
            reward("no_extra_text", [], help: """
                1 when nothing but whitespace lies outside the reasoning and answer tags.

                  rewards.no_extra_text("<reasoning>x</reasoning>\\n<answer>1</answer>", {})   # 1.0
                  rewards.no_extra_text("Sure! <reasoning>x</reasoning><answer>1</answer>", {})   # 0.0
                """) { c, _ throws(Unwind) in FormatRewards.noExtraText(c.completion) },
            reward("length", [.optional("budget", .int(1024)), .optional("per_char", .float(0.001))], help: """
                A length penalty: 0 up to budget characters, then −per_char for each character beyond.

                  rewards.length("abc", {})   # 0.0
                  rewards.length(budget: 2, per_char: 0.5)("abcd", {})   # -1.0
                """) { c, s throws(Unwind) in
                FormatRewards.lengthPenalty(c.completion, budget: try s.int(2), perCharacter: try s.double(3))
            },
            reward("overlong", [.optional("max", .int(1024)), .optional("cache", .int(256))], help: """
                DAPO's soft overlong penalty: 0 up to max − cache characters, falling linearly to −1 at max, −1 beyond.

                  rewards.overlong(max: 10, cache: 4)("abcdefgh", {})   # -0.5
                """) { c, s throws(Unwind) in
                FormatRewards.overlong(length: FormatRewards.length(c.completion), maxLength: try s.int(2), cache: try s.int(3))
            },
            reward("language", [], help: """
                1 minus the share of characters that are neither ASCII nor mathematical: a completion that switches language scores below 1.

                  rewards.language("det = 2 · λ", {})   # 1.0
                  rewards.language("答案", {})   # 0.0
                """) { c, _ throws(Unwind) in FormatRewards.language(c.completion) },
            Builtin("score", [.required("rewards"), .required("completion"), .required("example")], help: """
                Scores a completion with a reward or a list of rewards: {total, parts}, printed as a table of each part's weight and value.

                  score([rewards.tags * 0.5, rewards.exact], "<reasoning>x</reasoning><answer>[[1]]</answer>", {answer: eye(1)}).total   # 1.5
                """) { args throws(Unwind) in
                let parts = try RewardSet.parts(args[0], what: "score")
                var rows: [(name: String, weight: Double, value: Double)] = []
                var total = 0.0
                for p in parts {
                    let v = try RewardSet.value(of: p.function, [args[1], args[2]], vm: args.vm)
                    rows.append((p.name, p.weight, v))
                    total += CorrectnessRewards.finite(p.weight * v)
                }
                return .object(ScoreObject(total: total, parts: rows))
            },
        ]
    }
}
