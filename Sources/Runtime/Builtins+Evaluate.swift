import Engine
import Foundation

extension Builtins {
    static func evaluate() -> Builtin {
        Builtin("evaluate", [
            .required("model"), .required("task"), .optional("n", .int(100)),
            .optional("tol", .list([.float(0.05), .float(0.02), .float(0.01), .float(0.005)])),
            .optional("seed"), .optional("temperature", .float(0)), .optional("trace", .bool(false)),
            .optional("print", .bool(true)), .optional("progress", .bool(true)),
        ], help: """
            Accuracy of a model on n held-out examples of a task, at each tolerance, as Charton measures it.

            Answers are greedy (temperature 0) unless temperature is given; the
            prompt is templated as sft does. An answer is read from the last
            <answer> tag, else the completion's last line, as the task's format
            writes it, and is correct at tolerance τ when Charton's d1 error
            sum|P − S| / sum|S| is below τ — for inverse tasks when A·P is within
            τ of the identity (sum|A·P − I| / n). Prints a table (print: false
            silences it) and returns {n, accuracy (at the first tolerance), exact,
            parse_failures, truncated, tol, accuracies, metric, mean_length,
            seconds, interrupted}. Examples use negative seeds (-1 - seed·n - i),
            which sft never draws. Ctrl-C stops between batches and reports what
            was scored. trace: true gives room for a worked solution.
              evaluate(model(layers: 1, dim: 8, heads: 1, context: 64), tasks.transpose(format: "compact"), n: 4, print: false, progress: false).n   # 4
            """) { args throws(Unwind) in
            let model = try args.model(0)
            guard case .object(let o) = args[1], let task = o as? TaskObject else { throw args.mismatch(1, "a task") }
            let n = try args.int(2)
            if n < 1 || n > 1_000_000 { throw args.fail("n must be between 1 and 1000000, got \(n)") }
            try Builtins.checkFormat(task, model, args)
            let tolerances = try Builtins.tolerances(args, 3)
            let seed: Int = args.isNil(4) ? 0 : try args.int(4)
            let temperature = try args.double(5)
            let result = try Builtins.runEvaluation(model, task, n: n, tolerances: tolerances, seed: seed,
                                                    temperature: temperature, trace: try args.bool(6),
                                                    progress: try args.bool(8), args)
            if try args.bool(7) { args.vm.output(result.table + "\n") }
            return result.record
        }
    }

    static func tolerances(_ args: Arguments, _ i: Int) throws(Unwind) -> [Double] {
        var out: [Double] = []
        let items: [Value]
        if case .list(let xs) = args[i] { items = xs } else { items = [args[i]] }
        for item in items {
            guard let d = Arithmetic.double(item), d > 0, d.isFinite else {
                throw args.fail("tol must be a positive number or a list of them, got \(item.shortDisplay)")
            }
            out.append(d)
        }
        if out.isEmpty { throw args.fail("tol must hold at least one tolerance") }
        return out
    }

    /// Seed of held-out example i: negative, so never one sft draws (those are ≥ 0).
    static func evaluationSeed(_ seed: Int, n: Int, _ i: Int) -> Int {
        ~((seed &* n &+ i) & (Int.max >> 1))
    }

    /// Samples and scores `n` examples of `task` in batches of 64.
    static func runEvaluation(_ m: ModelObject, _ task: TaskObject, n: Int, tolerances: [Double], seed: Int,
                              temperature: Double, trace: Bool, progress showProgress: Bool,
                              _ args: Arguments) throws(Unwind) -> EvaluationResult {
        let start = DispatchTime.now().uptimeNanoseconds
        let operation = task.spec.operation
        var result = EvaluationResult(tolerances: tolerances, inverseCheck: operation == .inverse,
                                      greedy: temperature == 0, taskName: task.spec.name)
        let format: TaskFormat? = task.template == nil ? task.spec.format : nil
        let context = m.model.config.context
        let progress = ProgressLine(enabled: showProgress, total: n)
        let batchSize = 64
        var done = 0
        while done < n {
            let count = min(batchSize, n - done)
            var examples: [ModelExample] = []
            var prompts: [[Int32]] = []
            var longestTarget = 1
            for i in done..<(done + count) {
                let example = try task.modelExample(seed: evaluationSeed(seed, n: n, i), trace: trace, vm: args.vm)
                let ids = try m.tokens(example.prompt, args)
                if ids.count >= context {
                    throw args.fail("an example's prompt has \(ids.count) tokens, and the model's context of \(context) leaves no room for an answer")
                }
                if let target = example.target {
                    longestTarget = max(longestTarget, m.tokenizer.encode(target).count + 1)
                }
                examples.append(example)
                prompts.append(ids)
            }
            let longestPrompt = prompts.map(\.count).max() ?? 1
            // Room for twice the longest expected answer: a model that rambles is cut, not waited for.
            let maxTokens = max(1, min(context - longestPrompt, 2 * longestTarget + 8))
            let settings = SamplingSettings(temperature: Float(temperature), maxTokens: maxTokens,
                                            seed: UInt64(bitPattern: Int64(seed &+ done)))
            let completions = try args.engine { () throws(EngineError) in
                try m.model.generate(prompts: prompts, settings: settings, tokenizer: m.tokenizer)
            }
            for c in completions {
                result.score(c, example: examples[c.promptIndex], format: format, operation: operation)
            }
            done += count
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            let eta = seconds / Double(done) * Double(n - done)
            progress.update("evaluate \(done)/\(n)  accuracy \(EvaluationResult.percent(result.accuracy))  exact \(EvaluationResult.percent(result.rate(result.exact)))  \(Int(Double(result.completionTokens) / max(seconds, 1e-9))) tok/s  ETA \(ProgressLine.duration(eta))",
                            count: done, total: n)
            if takeInterrupt() {
                result.interrupted = done < n
                break
            }
        }
        progress.finish(result.interrupted ? "evaluate: interrupted after \(done) of \(n) examples" : nil)
        result.seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return result
    }
}
