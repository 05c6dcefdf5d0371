import Engine
import Foundation

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
                .optional("run"), .optional("save_every", .int(50)), .optional("samples_every", .int(10)),
                .optional("accuracy_tol", .float(0.05)), .optional("keep_checkpoints", .int(3)),
                .optional("overwrite", .bool(false)),
            ], help: """
                A GRPO run (DeepSeekMath's GRPO with TRL's options) on a model, a reward set and a task or curriculum: run.train(steps), run.step(), run.history, run.samples(k), run.model.

                Each step draws `prompts` examples, samples `group` completions of each
                (temperature, max_tokens, top_k, top_p), scores them with the rewards
                (summed with their weights), normalises advantages per group
                (scale_rewards "group", "batch" or "none"), and takes num_iterations
                AdamW steps on the clipped objective (epsilon, epsilon_high for DAPO
                clip-higher) with a k3 KL to a frozen copy of the starting model when
                beta > 0 (no copy is kept when beta is 0); the rate warms up over
                warmup steps, then decays (cosine) to lr/10 at total_steps, and
                gradients are clipped at max_grad_norm. loss_type: "grpo", "bnpo",
                "dr_grpo", "dapo". mask_truncated_completions and drop_zero_variance
                are DAPO's options. The model is trained in place. The history holds
                TRL's metric names (reward, reward_std, rewards/NAME/mean,
                completions/mean_length, kl, entropy, clip_ratio/..., frac_reward_zero_std)
                and Pivot's: accuracy (share of completions whose answer is within
                accuracy_tol, Charton's d1 or A·P ≈ I for inverses; tasks only), stage
                (with a curriculum), tokens_per_second, step_time and its parts.
                task may be a curriculum(...): examples come from its current stage
                (and replayed earlier ones), run.stage holds the window's statistics
                and run.events the promotions and demotions. With run: "NAME" the run
                writes runs/NAME/ under the working directory: config.json,
                metrics.jsonl (a line per step), samples.jsonl (every samples_every
                steps) and checkpoints/step-N/ (model, optimizer, trainer and run
                state) at the start, every save_every steps, at the end of each
                train and on Ctrl-C, keeping the newest keep_checkpoints;
                resume("runs/NAME") continues it; an existing runs/NAME is an error
                unless overwrite: true (for notebooks that replay). A NaN or Inf loss, gradient or
                weight stops the run with the last good checkpoint kept.
                  grpo(model(layers: 1, dim: 32, heads: 2, context: 64), rewards.rows, tasks.transpose(format: "compact"), prompts: 2, group: 4, max_tokens: 8).train(2, progress: false).steps   # 2
                  let run = grpo(m, hardened_rewards, tasks.inverse(size: 2), prompts: 16, group: 8, beta: 0.02)
                  run.train(200)   # a progress line; Ctrl-C stops at a step boundary
                  let run = grpo(m, hardened_rewards, curriculum([tasks.diagonal(size: 2, format: "compact"), tasks.inverse(size: 2, format: "compact")]), run: "inv2")
                """) { args throws(Unwind) in
                guard case .object(let m as ModelObject) = args[0] else { throw args.mismatch(0, "a model") }
                let parts = try RewardSet.parts(args[1], what: "grpo")
                let source = try exampleSource(args, 2)
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
                let tolerance = try args.double(25)
                if !(tolerance > 0) || !tolerance.isFinite { throw args.fail("accuracy_tol must be a positive number, got \(args[25].shortDisplay)") }
                let trainer = try args.engine { () throws(EngineError) in
                    try GRPOTrainer(model: m.model, tokenizer: m.tokenizer, settings: s)
                }
                let run = RunObject(modelObject: m, trainer: trainer, parts: parts, source: source, accuracyTolerance: tolerance)
                try run.configureSaving(saveEvery: try args.int(23), samplesEvery: try args.int(24), keep: try args.int(26), args)
                if !args.isNil(22) {
                    let names = ["prompts", "group", "temperature", "max_tokens", "top_k", "top_p", "lr", "warmup", "total_steps",
                                 "beta", "epsilon", "epsilon_high", "loss_type", "scale_rewards", "num_iterations",
                                 "mask_truncated_completions", "drop_zero_variance", "max_grad_norm", "seed"]
                    var config: [(String, Value)] = [
                        ("kind", .string("grpo")), ("model", .string(m.display())), ("task", .string(args[2].display())),
                        ("rewards", .list(parts.map { .record([("name", .string($0.name)), ("weight", .float($0.weight))]) })),
                        ("recipe", RunRecipe.record(rewards: args[1], task: args[2], vm: args.vm)),
                    ]
                    for (k, name) in names.enumerated() { config.append((name, args[k + 3])) }
                    config += [("save_every", args[23]), ("samples_every", args[24]), ("accuracy_tol", args[25]), ("keep_checkpoints", args[26])]
                    let name = try args.string(22)
                    do throws(Unwind) { run.directory = try RunDirectory(name: name, config: .record(config), overwrite: try args.bool(27)) } catch {
                        if case .error(let e) = error { throw args.fail(e.message) }
                        throw error
                    }
                    // Step 0: every named run can be resumed, even one killed in its first steps.
                    try run.checkpoint()
                }
                return .object(run)
            },
            Builtin("resume", [.required("path"), .optional("rewards"), .optional("task")], help: """
                A GRPO run continued from its directory (runs/NAME) after a crash, a kill or a Ctrl-C: the newest checkpoint's model, optimizer, RNG, curriculum and step.

                metrics.jsonl and samples.jsonl lose the lines of steps after that
                checkpoint (they are computed again, the same way), so no step is
                lost or counted twice. Rewards and task are code, not data: by
                default they are the session's globals the run was started with
                (recorded in config.json), or the task rebuilt from its settings;
                pass rewards: and task: when those are not defined (a fresh
                session must define them first). The reward names and weights must
                match the run's.
                  let run = resume("runs/inv2")
                  run.train(100)
                """) { args throws(Unwind) in
                try RunRecipe.resume(args)
            },
        ]
    }

    /// A task, a function seed -> example, or a curriculum (a fresh state).
    static func exampleSource(_ args: Arguments, _ i: Int) throws(Unwind) -> ExampleSource {
        switch args[i] {
        case .object(let o) where o is TaskObject: return .task(args[i])
        case .object(let c as CurriculumObject): return .curriculum(CurriculumState(spec: c))
        case .function, .builtin: return .task(args[i])
        default: throw args.mismatch(i, "a task, a curriculum or a function from a seed to an example")
        }
    }
}

extension RunObject {
    func configureSaving(saveEvery: Int, samplesEvery: Int, keep: Int, _ args: Arguments) throws(Unwind) {
        if saveEvery < 0 { throw args.fail("save_every must be non-negative, got \(saveEvery)") }
        if samplesEvery < 0 { throw args.fail("samples_every must be non-negative, got \(samplesEvery)") }
        if keep < 1 { throw args.fail("keep_checkpoints must be at least 1, got \(keep)") }
        self.saveEvery = saveEvery
        self.samplesEvery = samplesEvery
        keepCheckpoints = keep
    }
}
