import Foundation

/// GRPO's knobs, named as TRL's GRPOTrainer names them where it has them.
public struct GRPOSettings: Sendable, Codable {
    /// Prompts per step.
    public var prompts: Int = 16
    /// Completions per prompt (TRL's num_generations).
    public var group: Int = 8
    public var temperature: Double = 1
    public var topK: Int = 0
    public var topP: Double = 1
    public var maxTokens: Int = 64
    public var stop: [String] = []
    public var loss = GRPOLossSettings()
    public var scaleRewards: RewardScaling = .group
    /// Updates per generated batch; the sampling log-probabilities serve as
    /// the old policy's throughout (they are the old policy's).
    public var numIterations: Int = 1
    /// Truncated completions get no loss (DAPO).
    public var maskTruncatedCompletions = false
    /// Groups whose rewards all agree are dropped (DAPO dynamic sampling).
    public var dropZeroVarianceGroups = false
    public var schedule = LearningRateSchedule(peak: 1e-4, minimum: 1e-5, warmupSteps: 0, totalSteps: 1000)
    public var optimizer = AdamWSettings(weightDecay: 0)
    public var maxGradientNorm: Double = 1
    public var seed: Int = 0

    public init() {}

    func validate() throws(EngineError) {
        if prompts < 1 { throw .invalidArgument("prompts must be at least 1, got \(prompts)") }
        if group < 2 { throw .invalidArgument("group must be at least 2 (advantages compare completions of one prompt), got \(group)") }
        if !(temperature > 0) { throw .invalidArgument("GRPO samples: temperature must be positive, got \(temperature)") }
        if maxTokens < 1 { throw .invalidArgument("max_tokens must be at least 1, got \(maxTokens)") }
        if numIterations < 1 { throw .invalidArgument("num_iterations must be at least 1, got \(numIterations)") }
        if !(loss.epsilon >= 0 && loss.epsilon < 1) { throw .invalidArgument("epsilon must be in [0, 1), got \(loss.epsilon)") }
        if !(loss.beta >= 0) { throw .invalidArgument("beta must be non-negative, got \(loss.beta)") }
    }
}

/// One scored completion of a step, for `run.samples`.
public struct GRPOSample: Sendable {
    public var promptIndex: Int
    public var prompt: String
    public var completion: String
    public var parts: [Double]
    public var reward: Double
    public var advantage: Double
    public var length: Int
    public var truncated: Bool
}

/// What one GRPO step did: TRL's metrics plus timings.
public struct GRPOStepReport: Sendable {
    public var step: Int
    public var loss: Double
    public var reward: Double
    public var rewardStd: Double
    /// Mean and std of each reward part (unweighted values times weights as given).
    public var partMeans: [Double]
    public var partStds: [Double]
    public var meanLength: Double
    public var minLength: Int
    public var maxLength: Int
    /// Share of completions that hit max_tokens.
    public var clippedRatio: Double
    public var kl: Double
    /// Mean per-token entropy estimate −log p of the sampled tokens.
    public var entropy: Double
    public var clipLow: Double
    public var clipHigh: Double
    public var clipRegion: Double
    public var fracRewardZeroStd: Double
    public var learningRate: Double
    public var gradientNorm: Double
    public var tokens: Int
    public var generationSeconds: Double
    public var scoringSeconds: Double
    public var updateSeconds: Double
    public var samples: [GRPOSample]

    public var seconds: Double { generationSeconds + scoringSeconds + updateSeconds }
}

/// DeepSeekMath's GRPO on a `GPTModel`: sample a group per prompt, score,
/// normalise rewards within groups, and take clipped policy-gradient steps.
public final class GRPOTrainer {
    public let model: GPTModel
    public let tokenizer: any Tokenizer
    public let settings: GRPOSettings
    let optimizer: AdamW
    /// The frozen starting model for the KL term; none when beta is 0.
    let reference: GPTModel?
    public internal(set) var stepsTaken = 0

    public convenience init(model: GPTModel, tokenizer: any Tokenizer, settings: GRPOSettings) throws(EngineError) {
        try self.init(model: model, tokenizer: tokenizer, settings: settings,
                      reference: settings.loss.beta != 0 ? model.copy() : nil)
    }

    /// With a given reference model (restored from a checkpoint).
    init(model: GPTModel, tokenizer: any Tokenizer, settings: GRPOSettings, reference: GPTModel?) throws(EngineError) {
        try settings.validate()
        self.model = model
        self.tokenizer = tokenizer
        self.settings = settings
        self.optimizer = try AdamW(model: model, settings: settings.optimizer)
        self.reference = reference
    }

    /// One step on `prompts` (already rendered). `score` gets every
    /// completion text with its prompt index and returns the weighted reward
    /// parts of each (one row per completion).
    public func step(prompts: [String], score: ([String], [Int]) throws(EngineError) -> [[Double]]) throws(EngineError) -> GRPOStepReport {
        let clock = ContinuousClock()
        let g = settings.group
        // 1. Generate: each prompt once, its cache shared by its group.
        let start = clock.now
        let encoded = prompts.map { tokenizer.encode($0) }
        let sampling = SamplingSettings(temperature: Float(settings.temperature), topK: settings.topK, topP: Float(settings.topP),
                                        maxTokens: settings.maxTokens, stopStrings: settings.stop, stopAtEOS: true,
                                        seed: UInt64(bitPattern: Int64(settings.seed &* 1_000_003 &+ stepsTaken)))
        // The sampler keeps its forward pass: the update reuses it (while the weights are unchanged).
        let rollout = try model.generateForTraining(prompts: encoded, samplesPerPrompt: g, settings: sampling, tokenizer: tokenizer)
        let completions = rollout.completions
        let generated = clock.now

        // 2. Score.
        let parts = try score(completions.map(\.text), completions.map(\.promptIndex))
        guard parts.count == completions.count else {
            throw .shapeMismatch("rewards for \(parts.count) completions, expected \(completions.count)")
        }
        let rewards = parts.map { row in row.reduce(0) { $0 + ($1.isFinite ? $1 : 0) } }
        let scored = clock.now

        // 3. Advantages, masks, the loss and the update.
        let advantages = try GRPO.advantages(rewards, groupSize: g, scaling: settings.scaleRewards)
        let zeroVariance = GRPO.zeroVarianceGroups(rewards, groupSize: g)
        var mask = completions.map { c in [Bool](repeating: !(settings.maskTruncatedCompletions && c.truncated), count: c.tokens.count) }
        if settings.dropZeroVarianceGroups {
            for (k, c) in completions.enumerated() where zeroVariance[c.promptIndex] {
                mask[k] = [Bool](repeating: false, count: mask[k].count)
            }
        }
        let old = completions.map { $0.logProbs.map(Double.init) }
        let sequencePrompts = completions.map { encoded[$0.promptIndex] }
        let completionTokens = completions.map(\.tokens)
        var refLogProbs: [[Double]]? = nil
        if let reference {
            refLogProbs = try reference.completionLogProbs(prompts: sequencePrompts, completions: completionTokens,
                                                           padToken: tokenizer.padToken,
                                                           temperature: Float(settings.temperature)).map { $0.map(Double.init) }
        }
        var lossValue = 0.0, kl = 0.0, clipLow = 0.0, clipHigh = 0.0, gradientNorm = 0.0
        let trainable = mask.contains { $0.contains(true) }
        if trainable {
            // Completions wholly masked teach nothing: the loss sees the rest.
            // The first iteration backpropagates through the sampler's own
            // forward; later ones (the weights have moved) run a packed
            // forward: each prompt once per group, no padding, logits only
            // where a completion token is predicted.
            let keep = (0..<completions.count).filter { mask[$0].contains(true) && !completionTokens[$0].isEmpty }
            for _ in 0..<settings.numIterations {
                model.zeroGradients()
                var result: GRPOLossResult?
                _ = try model.accumulateGradients(rollout, keeping: keep, temperature: Float(settings.temperature)) { (current: [[Float]]) throws(EngineError) -> (value: Double, gradient: [[Float]]) in
                    let r = try GRPO.loss(logProbs: current.map { $0.map(Double.init) }, oldLogProbs: keep.map { old[$0] },
                                          refLogProbs: refLogProbs.map { refs in keep.map { refs[$0] } },
                                          advantages: keep.map { advantages[$0] }, mask: keep.map { mask[$0] },
                                          settings: settings.loss)
                    result = r
                    return (r.loss, r.gradient.map { $0.map(Float.init) })
                }
                if let result { lossValue = result.loss; kl = result.kl; clipLow = result.clipLow; clipHigh = result.clipHigh }
                guard lossValue.isFinite else {
                    throw .numerical("the GRPO loss is \(lossValue) at step \(stepsTaken + 1); the model was not updated")
                }
                gradientNorm = model.clipGradients(maxNorm: settings.maxGradientNorm)
                guard gradientNorm.isFinite else {
                    throw .numerical("the gradient norm is \(gradientNorm) at step \(stepsTaken + 1); the model was not updated")
                }
                try optimizer.update(model, learningRate: settings.schedule.rate(at: stepsTaken))
            }
        }
        if trainable && !model.weightsAreFinite {
            throw .numerical("the model's weights are no longer finite after the update of step \(stepsTaken + 1) (learning rate \(settings.schedule.rate(at: stepsTaken)))")
        }
        let updated = clock.now
        stepsTaken += 1

        // 4. Metrics, named as TRL's.
        let lengths = completions.map(\.tokens.count)
        let tokenCount = lengths.reduce(0, +)
        let entropy = tokenCount == 0 ? 0 : -completions.reduce(0.0) { $0 + $1.logProbs.reduce(0.0) { $0 + Double($1) } } / Double(tokenCount)
        let partCount = parts.first?.count ?? 0
        let partMeans = (0..<partCount).map { j in parts.reduce(0) { $0 + $1[j] } / Double(parts.count) }
        let partStds = (0..<partCount).map { j in GRPO.standardDeviation(parts.map { $0[j] }[...]) }
        let samples = completions.enumerated().map { (k, c) in
            GRPOSample(promptIndex: c.promptIndex, prompt: prompts[c.promptIndex], completion: c.text, parts: parts[k],
                       reward: rewards[k], advantage: advantages[k], length: c.tokens.count, truncated: c.truncated)
        }
        func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }
        return GRPOStepReport(
            step: stepsTaken, loss: lossValue, reward: rewards.reduce(0, +) / Double(rewards.count),
            rewardStd: GRPO.standardDeviation(rewards[...]), partMeans: partMeans, partStds: partStds,
            meanLength: Double(tokenCount) / Double(max(1, lengths.count)), minLength: lengths.min() ?? 0, maxLength: lengths.max() ?? 0,
            clippedRatio: Double(completions.filter(\.truncated).count) / Double(max(1, completions.count)),
            kl: kl, entropy: entropy, clipLow: clipLow, clipHigh: clipHigh, clipRegion: clipLow + clipHigh,
            fracRewardZeroStd: Double(zeroVariance.filter { $0 }.count) / Double(max(1, zeroVariance.count)),
            learningRate: Double(settings.schedule.rate(at: stepsTaken - 1)), gradientNorm: gradientNorm, tokens: tokenCount,
            generationSeconds: seconds(generated - start), scoringSeconds: seconds(scored - generated),
            updateSeconds: seconds(updated - scored), samples: samples)
    }
}
