/// A batch of token sequences with, at each position, the next token to
/// score and how much its log-probability counts in the loss:
/// loss = -Σ weights[i] · log p(targets[i] | inputs[..i]).
///
/// SFT uses weight 1/N on the N completion positions and 0 on the prompt
/// and padding; policy-gradient trainers put advantages (and their
/// normalisation) in the weights.
public struct TokenBatch: Sendable, Equatable {
    public var batchSize: Int
    public var length: Int
    /// Input tokens, row-major [batchSize, length].
    public var inputs: [Int32]
    /// Next tokens, -1 where nothing is predicted (padding).
    public var targets: [Int32]
    /// Loss weight of each position.
    public var weights: [Float]

    public init(batchSize: Int, length: Int, inputs: [Int32], targets: [Int32], weights: [Float]) {
        self.batchSize = batchSize
        self.length = length
        self.inputs = inputs
        self.targets = targets
        self.weights = weights
    }
}

/// What one forward (and backward) pass over a `TokenBatch` gave.
public struct BatchResult: Sendable {
    /// -Σ weights · log p(target).
    public var loss: Double
    /// log p(target) at every position, [batchSize, length] (0 where no target).
    public var logProbs: [Float]
}

extension GPTModel {
    /// Forward and backward over one batch: adds the loss's gradient into
    /// the model's gradients (zero them first with `zeroGradients()` when a
    /// step starts) and returns the loss. `temperature` divides the logits,
    /// as a sampler at that temperature would.
    public func accumulateGradients(_ batch: TokenBatch, temperature: Float = 1) throws(EngineError) -> BatchResult {
        let B = batch.batchSize, T = batch.length
        guard batch.weights.count == B * T else {
            throw .shapeMismatch("batch holds \(batch.weights.count) weights, expected \(B)×\(T)")
        }
        guard temperature > 0, temperature.isFinite else {
            throw .invalidArgument("temperature must be positive, got \(temperature)")
        }
        _ = gradients  // allocate before the forward, so a failure cannot leave half a step
        let logProbs = try forwardLogProbs(tokens: batch.inputs, targets: batch.targets, B: B, T: T,
                                           training: true, inverseTemperature: 1 / temperature)
        var loss = 0.0
        let a = activations
        for i in 0..<(B * T) {
            let weight = batch.targets[i] >= 0 ? batch.weights[i] : 0
            a.coefficients[i] = -weight
            loss -= Double(weight) * Double(logProbs[i])
        }
        let result = BatchResult(loss: loss, logProbs: Array(UnsafeBufferPointer(start: logProbs, count: B * T)))
        backward(B: B, T: T, inverseTemperature: 1 / temperature)
        return result
    }

    /// log p(target) at every position of a batch, without gradients.
    public func evaluate(_ batch: TokenBatch, temperature: Float = 1) throws(EngineError) -> BatchResult {
        let B = batch.batchSize, T = batch.length
        guard temperature > 0, temperature.isFinite else {
            throw .invalidArgument("temperature must be positive, got \(temperature)")
        }
        let logProbs = try forwardLogProbs(tokens: batch.inputs, targets: batch.targets, B: B, T: T,
                                           training: false, inverseTemperature: 1 / temperature)
        var loss = 0.0
        for i in 0..<(B * T) where batch.targets[i] >= 0 && i < batch.weights.count {
            loss -= Double(batch.weights[i]) * Double(logProbs[i])
        }
        return BatchResult(loss: loss, logProbs: Array(UnsafeBufferPointer(start: logProbs, count: B * T)))
    }
}

extension GPTModel {
    /// Forward and backward for a loss that depends on the log-probabilities
    /// themselves (PPO/GRPO clipped ratios, KL to a reference): after the
    /// forward, `loss(logProbs)` returns the loss and dLoss/d log p(target)
    /// at every position ([batchSize·length], 0 where there is no target);
    /// that gradient is backpropagated into the model's gradients.
    public func accumulateGradients(_ batch: TokenBatch, temperature: Float = 1,
                                    loss: ([Float]) throws(EngineError) -> (value: Double, gradient: [Float])) throws(EngineError) -> BatchResult {
        let B = batch.batchSize, T = batch.length
        guard temperature > 0, temperature.isFinite else {
            throw .invalidArgument("temperature must be positive, got \(temperature)")
        }
        _ = gradients
        let pointer = try forwardLogProbs(tokens: batch.inputs, targets: batch.targets, B: B, T: T,
                                          training: true, inverseTemperature: 1 / temperature)
        let logProbs = Array(UnsafeBufferPointer(start: pointer, count: B * T))
        let (value, gradient) = try loss(logProbs)
        guard gradient.count == B * T else {
            throw .shapeMismatch("loss gradient holds \(gradient.count) values, expected \(B)×\(T)")
        }
        for i in 0..<(B * T) {
            let g = gradient[i]
            activations.coefficients[i] = batch.targets[i] >= 0 && g.isFinite ? g : 0
        }
        backward(B: B, T: T, inverseTemperature: 1 / temperature)
        return BatchResult(loss: value, logProbs: logProbs)
    }
}
