import Foundation

/// One supervised example: a prompt (not scored) and the completion the
/// model should learn to produce after it (include the EOS token in it if
/// the model should learn to stop).
public struct SFTExample: Sendable, Equatable {
    public var prompt: [Int32]
    public var completion: [Int32]

    public init(prompt: [Int32], completion: [Int32]) {
        self.prompt = prompt
        self.completion = completion
    }
}

/// How an SFT run trains: learning-rate schedule, AdamW, clipping.
public struct SFTSettings: Sendable, Equatable, Codable {
    public var schedule: LearningRateSchedule
    public var optimizer: AdamWSettings
    /// Clip the global gradient norm to this (0: no clipping).
    public var maxGradientNorm: Double
    /// The token that fills short sequences (never scored).
    public var padToken: Int32

    public init(schedule: LearningRateSchedule, optimizer: AdamWSettings = AdamWSettings(),
                maxGradientNorm: Double = 1, padToken: Int32) {
        self.schedule = schedule
        self.optimizer = optimizer
        self.maxGradientNorm = maxGradientNorm
        self.padToken = padToken
    }
}

/// What one optimizer step did.
public struct SFTStepReport: Sendable, Equatable {
    /// 1-based number of the step just taken.
    public var step: Int
    /// Mean negative log-likelihood per completion token.
    public var loss: Double
    /// Global gradient norm before clipping.
    public var gradientNorm: Double
    public var learningRate: Float
    /// Completion tokens scored in the step.
    public var tokens: Int
    /// Every token the step processed (prompt, completion and padding).
    public var processedTokens: Int
    public var seconds: Double
}

/// Supervised fine-tuning: next-token loss on each example's completion,
/// none on its prompt, batches padded to their longest sequence.
public final class SFTTrainer {
    public let model: GPTModel
    public let optimizer: AdamW
    public let settings: SFTSettings
    /// Steps taken so far (the schedule's position).
    public private(set) var step: Int = 0

    public init(model: GPTModel, settings: SFTSettings) throws(EngineError) {
        try settings.schedule.validate()
        if settings.padToken < 0 || Int(settings.padToken) >= model.config.vocabSize {
            throw .invalidArgument("pad token \(settings.padToken) is outside the vocabulary 0..<\(model.config.vocabSize)")
        }
        if !(settings.maxGradientNorm >= 0) {
            throw .invalidArgument("gradient clipping norm must be at least 0, got \(settings.maxGradientNorm)")
        }
        self.model = model
        self.settings = settings
        optimizer = try AdamW(model: model, settings: settings.optimizer)
    }

    /// Packs examples into a right-padded batch: position i of a sequence
    /// predicts token i+1, weighted 1/N when that token is part of the
    /// completion (N: completion tokens in the whole batch), else 0.
    /// Padding goes after the sequence, so causal attention never sees it.
    public static func makeBatch(_ examples: [SFTExample], padToken: Int32, context: Int) throws(EngineError) -> TokenBatch {
        if examples.isEmpty { throw .invalidArgument("an SFT batch needs at least one example") }
        var length = 1
        var scored = 0
        for (index, example) in examples.enumerated() {
            let total = example.prompt.count + example.completion.count
            if total < 2 { throw .invalidArgument("SFT example \(index) has fewer than 2 tokens") }
            if total - 1 > context {
                throw .invalidArgument("SFT example \(index) has \(total) tokens; the model's context holds \(context + 1) (context \(context) plus the last target)")
            }
            length = max(length, total - 1)
            scored += example.prompt.isEmpty ? example.completion.count - 1 : example.completion.count
        }
        if scored == 0 { throw .invalidArgument("an SFT batch needs at least one completion token") }
        let B = examples.count
        var inputs = [Int32](repeating: padToken, count: B * length)
        var targets = [Int32](repeating: -1, count: B * length)
        var weights = [Float](repeating: 0, count: B * length)
        let weight = 1 / Float(scored)
        for (b, example) in examples.enumerated() {
            let sequence = example.prompt + example.completion
            for i in 0..<(sequence.count - 1) {
                inputs[b * length + i] = sequence[i]
                targets[b * length + i] = sequence[i + 1]
                if i + 1 >= example.prompt.count { weights[b * length + i] = weight }
            }
        }
        return TokenBatch(batchSize: B, length: length, inputs: inputs, targets: targets, weights: weights)
    }

    /// One optimizer step on a batch: forward, backward, clip, AdamW at
    /// the scheduled rate. Returns the mean loss per completion token.
    public func step(_ examples: [SFTExample]) throws(EngineError) -> SFTStepReport {
        let start = DispatchTime.now().uptimeNanoseconds
        let batch = try Self.makeBatch(examples, padToken: settings.padToken, context: model.config.context)
        model.zeroGradients()
        let result = try model.accumulateGradients(batch)
        let norm = model.clipGradients(maxNorm: settings.maxGradientNorm)
        let rate = settings.schedule.rate(at: step)
        try optimizer.update(model, learningRate: rate)
        step += 1
        let tokens = batch.weights.reduce(0) { $0 + ($1 > 0 ? 1 : 0) }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return SFTStepReport(step: step, loss: result.loss, gradientNorm: norm, learningRate: rate,
                             tokens: tokens, processedTokens: batch.batchSize * batch.length, seconds: seconds)
    }

    /// Runs `steps` steps, asking `nextBatch(step)` for each batch and
    /// calling `progress` after each; `progress` returns false to stop at
    /// this step boundary (the runtime polls Ctrl-C there).
    @discardableResult
    public func train(steps: Int, nextBatch: (Int) throws(EngineError) -> [SFTExample],
                      progress: (SFTStepReport) -> Bool = { _ in true }) throws(EngineError) -> [SFTStepReport] {
        var reports: [SFTStepReport] = []
        for _ in 0..<max(steps, 0) {
            let report = try step(try nextBatch(step))
            reports.append(report)
            if !progress(report) { break }
        }
        return reports
    }

    /// Sets the step counter when resuming (see `TrainerCheckpoint`).
    func restore(step: Int) { self.step = step }
}
