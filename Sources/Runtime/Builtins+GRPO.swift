import Engine
import Foundation

/// A GRPO run as a language value: `run.train(steps)` continues where it
/// stopped, `run.step()`, `run.history`, `run.samples(k)`, `run.model`.
final class RunObject: NativeObject {
    let modelObject: ModelObject
    let trainer: GRPOTrainer
    let parts: [RewardSet.Part]
    /// A task object or a user task (a function seed -> example).
    let task: Value
    var history: [Value] = []
    var lastSamples: [GRPOSample] = []
    var lastExamples: [Value] = []
    var examplesDrawn = 0
    /// runs/NAME when the run was named.
    var directory: RunDirectory?
    var saveEvery = 0
    var samplesEvery = 10

    init(modelObject: ModelObject, trainer: GRPOTrainer, parts: [RewardSet.Part], task: Value) {
        self.modelObject = modelObject
        self.trainer = trainer
        self.parts = parts
        self.task = task
    }

    var typeName: String { "run" }

    func display() -> String {
        guard case .record(let last)? = history.last, let reward = last["reward"] else { return "<grpo run: no steps yet>" }
        return "<grpo run: \(history.count) steps, reward \(reward.display())>"
    }

    var memberNames: [String] { ["train", "step", "history", "samples", "model", "steps"] }

    func member(_ name: String, vm: Interpreter) throws(Unwind) -> Value? {
        switch name {
        case "history": return .list(history)
        case "model": return .object(modelObject)
        case "steps": return .int(history.count)
        case "step":
            return .builtin(Builtin("step", [], help: "One GRPO step; returns its metrics.") { args throws(Unwind) in
                try self.step(vm: args.vm)
            })
        case "train":
            return .builtin(Builtin("train", [.required("steps"), .optional("progress", .bool(true))], help: "GRPO steps; Ctrl-C stops at a step boundary.") { args throws(Unwind) in
                try self.train(steps: try args.int(0), progress: try args.bool(1), vm: args.vm)
            })
        case "samples":
            return .builtin(Builtin("samples", [.optional("k", .int(8))], help: "The latest completions with their prompt, reward parts and advantage.") { args throws(Unwind) in
                let k = max(0, try args.int(0))
                return .list(self.lastSamples.prefix(k).map { self.sampleRecord($0) })
            })
        default: return nil
        }
    }

    func sampleLine(_ s: GRPOSample, step: Int) -> Value {
        guard case .record(var r) = sampleRecord(s) else { return .nil }
        r.fields.updateValue(.int(step), forKey: "step", insertingAt: 0)
        return .record(r)
    }

    func sampleRecord(_ s: GRPOSample) -> Value {
        var rewards: [(String, Value)] = []
        for (p, v) in zip(parts, s.parts) { rewards.append((p.name, .float(v))) }
        return .record([
            ("prompt", .string(s.prompt)), ("completion", .string(s.completion)),
            ("reward", .float(s.reward)), ("rewards", .record(rewards)), ("advantage", .float(s.advantage)),
            ("length", .int(s.length)), ("truncated", .bool(s.truncated)),
        ])
    }

    func train(steps: Int, progress: Bool, vm: Interpreter) throws(Unwind) -> Value {
        guard steps >= 0 else { throw fail("train: steps must be non-negative, got \(steps)") }
        let line = ProgressLine(enabled: progress, total: steps)
        var done = 0
        let started = Date()
        while done < steps {
            if takeInterrupt() {
                line.finish("grpo: interrupted after \(done) of \(steps) steps; run.train(...) continues")
                return .object(self)
            }
            guard case .record(let metrics) = try step(vm: vm) else { break }
            done += 1
            let elapsed = Date().timeIntervalSince(started)
            let eta = ProgressLine.duration(elapsed / Double(done) * Double(steps - done))
            func number(_ key: String) -> String {
                guard let v = metrics[key], let d = Arithmetic.double(v) else { return "-" }
                return formatFloat(d, significantDigits: 4)
            }
            line.update("grpo step \(history.count) (\(done)/\(steps))  reward \(number("reward"))  length \(number("completions/mean_length"))  \(number("tokens_per_second")) tok/s  ETA \(eta)",
                        count: done, total: steps)
        }
        line.finish()
        return .object(self)
    }

    func step(vm: Interpreter) throws(Unwind) -> Value {
        let settings = trainer.settings
        // Examples for this step: seeds continue across calls.
        var examples: [ModelExample] = []
        var records: [Value] = []
        for _ in 0..<settings.prompts {
            let seed = settings.seed &* 1_000_003 &+ examplesDrawn
            examplesDrawn += 1
            switch task {
            case .object(let t as TaskObject):
                let e = try t.modelExample(seed: seed, trace: false, vm: vm)
                examples.append(e)
                if let te = e.task { records.append(try t.record(te, vm: vm)) } else { records.append(.nil) }
            default:
                let v = try vm.call(task, [.int(seed)])
                guard case .record(let r) = v else { throw fail("grpo: the task function must return an example record, got \(article(v.typeName))") }
                do { examples.append(try ModelExample(record: r, trace: false, requireTarget: false)) } catch { throw fail("grpo: \(error.message)") }
                records.append(v)
            }
        }
        var scoringError: Unwind?
        let report: GRPOStepReport
        do throws(EngineError) {
            report = try trainer.step(prompts: examples.map(\.prompt)) { (texts: [String], prompts: [Int]) throws(EngineError) -> [[Double]] in
                var rows: [[Double]] = []
                rows.reserveCapacity(texts.count)
                for (text, p) in zip(texts, prompts) {
                    var row: [Double] = []
                    for part in self.parts {
                        do throws(Unwind) {
                            let value = try RewardSet.value(of: part.function, [.string(text), records[p]], vm: vm)
                            row.append(part.weight * value)
                        } catch {
                            scoringError = error
                            throw EngineError.invalidArgument("a reward failed")
                        }
                    }
                    rows.append(row)
                }
                return rows
            }
        } catch {
            if let scoringError { throw scoringError }
            throw fail("grpo: \(error.message)")
        }
        lastSamples = report.samples
        lastExamples = records
        var metrics: [(String, Value)] = [
            ("step", .int(history.count + 1)), ("loss", .float(report.loss)),
            ("reward", .float(report.reward)), ("reward_std", .float(report.rewardStd)),
        ]
        for (k, p) in parts.enumerated() {
            metrics.append(("rewards/\(p.name)/mean", .float(report.partMeans[k])))
            metrics.append(("rewards/\(p.name)/std", .float(report.partStds[k])))
        }
        metrics += [
            ("completions/mean_length", .float(report.meanLength)), ("completions/min_length", .int(report.minLength)),
            ("completions/max_length", .int(report.maxLength)), ("completions/clipped_ratio", .float(report.clippedRatio)),
            ("kl", .float(report.kl)), ("entropy", .float(report.entropy)),
            ("clip_ratio/low_mean", .float(report.clipLow)), ("clip_ratio/high_mean", .float(report.clipHigh)),
            ("clip_ratio/region_mean", .float(report.clipRegion)), ("frac_reward_zero_std", .float(report.fracRewardZeroStd)),
            ("learning_rate", .float(report.learningRate)), ("grad_norm", .float(report.gradientNorm)),
            ("tokens_per_second", .float(Double(report.tokens) / max(report.seconds, 1e-9))),
            ("step_time", .float(report.seconds)), ("generation_time", .float(report.generationSeconds)),
            ("scoring_time", .float(report.scoringSeconds)), ("update_time", .float(report.updateSeconds)),
        ]
        let record = Value.record(metrics)
        history.append(record)
        modelObject.stepsTrained += 1
        if let directory {
            try directory.append(record, to: directory.metrics)
            let stepNumber = history.count
            if samplesEvery > 0 && stepNumber % samplesEvery == 0 {
                for s in report.samples { try directory.append(sampleLine(s, step: stepNumber), to: directory.samples) }
            }
            if saveEvery > 0 && stepNumber % saveEvery == 0 { try directory.checkpoint(step: stepNumber, model: modelObject) }
        }
        return record
    }
}

extension Builtins {
    static func grpo() -> [Builtin] {
        [
            Builtin("grpo", [
                .required("model"), .required("rewards"), .required("task"),
                .optional("prompts", .int(16)), .optional("group", .int(8)), .optional("temperature", .float(1)),
                .optional("max_tokens", .int(64)), .optional("top_k", .int(0)), .optional("top_p", .float(1)),
                .optional("lr", .float(1e-4)), .optional("warmup", .int(0)), .optional("total_steps", .int(1000)),
                .optional("beta", .float(0)), .optional("epsilon", .float(0.2)), .optional("epsilon_high"),
                .optional("loss_type", .string("bnpo")), .optional("scale_rewards", .string("group")),
                .optional("num_iterations", .int(1)), .optional("mask_truncated_completions", .bool(false)),
                .optional("drop_zero_variance", .bool(false)), .optional("max_grad_norm", .float(1)), .optional("seed", .int(0)),
                .optional("run"), .optional("save_every", .int(0)), .optional("samples_every", .int(10)),
            ], help: """
                A GRPO run (DeepSeekMath's GRPO with TRL's options) on a model, a reward set and a task: run.train(steps), run.step(), run.history, run.samples(k), run.model.

                Each step draws `prompts` examples, samples `group` completions of each
                (temperature, max_tokens, top_k, top_p), scores them with the rewards
                (summed with their weights), normalises advantages per group
                (scale_rewards "group", "batch" or "none"), and takes num_iterations
                AdamW steps on the clipped objective (epsilon, epsilon_high for DAPO
                clip-higher) with a k3 KL to a frozen copy of the starting model when
                beta > 0 (no copy is kept when beta is 0). loss_type: "grpo", "bnpo",
                "dr_grpo", "dapo". mask_truncated_completions and drop_zero_variance
                are DAPO's options. The model is trained in place. The history holds
                TRL's metric names (reward, reward_std, rewards/NAME/mean,
                completions/mean_length, kl, entropy, clip_ratio/..., frac_reward_zero_std)
                and Pivot's (tokens_per_second, step_time, and its parts). With run: "NAME"
                the run writes runs/NAME/ under the working directory: config.json,
                metrics.jsonl (a line per step), samples.jsonl (every samples_every
                steps) and checkpoints/step-N/ (every save_every steps).
                  grpo(model(layers: 1, dim: 32, heads: 2, context: 64), rewards.rows, tasks.transpose(format: "compact"), prompts: 2, group: 4, max_tokens: 8).train(2, progress: false).steps   # 2
                  let run = grpo(m, hardened_rewards, tasks.inverse(size: 2), prompts: 16, group: 8, beta: 0.02)
                  run.train(200)   # a progress line; Ctrl-C stops at a step boundary
                """) { args throws(Unwind) in
                guard case .object(let m as ModelObject) = args[0] else { throw args.mismatch(0, "a model") }
                let parts = try RewardSet.parts(args[1], what: "grpo")
                switch args[2] {
                case .object(let o) where o is TaskObject: break
                case .function, .builtin: break
                default: throw args.mismatch(2, "a task or a function from a seed to an example")
                }
                var s = GRPOSettings()
                s.prompts = try args.int(3)
                s.group = try args.int(4)
                s.temperature = try args.double(5)
                s.maxTokens = try args.int(6)
                s.topK = try args.int(7)
                s.topP = try args.double(8)
                let lr = Float(try args.double(9))
                s.schedule = LearningRateSchedule(peak: lr, minimum: lr / 10, warmupSteps: try args.int(10), totalSteps: max(1, try args.int(11)))
                guard let lossType = GRPOLossType(rawValue: try args.string(15)) else {
                    throw args.fail("loss_type must be one of \(GRPOLossType.allCases.map(\.rawValue).joined(separator: ", ")), got \(args[15].shortDisplay)")
                }
                guard let scaling = RewardScaling(rawValue: try args.string(16)) else {
                    throw args.fail("scale_rewards must be one of \(RewardScaling.allCases.map(\.rawValue).joined(separator: ", ")), got \(args[16].shortDisplay)")
                }
                s.loss = GRPOLossSettings(epsilon: try args.double(13), epsilonHigh: args.isNil(14) ? nil : try args.double(14),
                                          beta: try args.double(12), lossType: lossType, maxCompletionLength: s.maxTokens)
                s.scaleRewards = scaling
                s.numIterations = try args.int(17)
                s.maskTruncatedCompletions = try args.bool(18)
                s.dropZeroVarianceGroups = try args.bool(19)
                s.maxGradientNorm = try args.double(20)
                s.seed = try args.int(21)
                let trainer = try args.engine { () throws(EngineError) in
                    try GRPOTrainer(model: m.model, tokenizer: m.tokenizer, settings: s)
                }
                let run = RunObject(modelObject: m, trainer: trainer, parts: parts, task: args[2])
                run.saveEvery = max(0, try args.int(23))
                run.samplesEvery = max(0, try args.int(24))
                if !args.isNil(22) {
                    let names = ["prompts", "group", "temperature", "max_tokens", "top_k", "top_p", "lr", "warmup", "total_steps",
                                 "beta", "epsilon", "epsilon_high", "loss_type", "scale_rewards", "num_iterations",
                                 "mask_truncated_completions", "drop_zero_variance", "max_grad_norm", "seed"]
                    var config: [(String, Value)] = [("model", .string(m.display())), ("task", .string(args[2].shortDisplay)),
                                                     ("rewards", .list(parts.map { .record([("name", .string($0.name)), ("weight", .float($0.weight))]) }))]
                    for (k, name) in names.enumerated() { config.append((name, args[k + 3])) }
                    let name = try args.string(22)
                    do throws(Unwind) { run.directory = try RunDirectory(name: name, config: .record(config)) } catch {
                        if case .error(let e) = error { throw args.fail(e.message) }
                        throw error
                    }
                }
                return .object(run)
            },
        ]
    }
}
