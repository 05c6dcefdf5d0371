import Foundation

/// AdamW (Loshchilov & Hutter, "Decoupled Weight Decay Regularization"),
/// as torch.optim.AdamW: bias-corrected moments, and weight decay applied to
/// the parameter directly (p ← p·(1 - lr·λ)) rather than through the
/// gradient. LayerNorm parameters and biases are never decayed.
public struct AdamWSettings: Sendable, Equatable, Codable {
    public var beta1: Float = 0.9
    public var beta2: Float = 0.95
    public var epsilon: Float = 1e-8
    public var weightDecay: Float = 0.1

    public init(beta1: Float = 0.9, beta2: Float = 0.95, epsilon: Float = 1e-8, weightDecay: Float = 0.1) {
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
    }

    func validate() throws(EngineError) {
        if !(beta1 >= 0 && beta1 < 1) { throw .invalidArgument("AdamW beta1 must be in [0, 1), got \(beta1)") }
        if !(beta2 >= 0 && beta2 < 1) { throw .invalidArgument("AdamW beta2 must be in [0, 1), got \(beta2)") }
        if !(epsilon > 0) { throw .invalidArgument("AdamW epsilon must be positive, got \(epsilon)") }
        if !(weightDecay >= 0) { throw .invalidArgument("AdamW weight decay must be at least 0, got \(weightDecay)") }
    }
}

/// The optimizer's state for one model: first and second moments and the
/// number of steps taken (for bias correction).
public final class AdamW {
    public let settings: AdamWSettings
    public private(set) var step: Int = 0
    let firstMoment: FloatBuffer
    let secondMoment: FloatBuffer
    /// 1 where the parameter decays, 0 where it does not (per element).
    private let decayRanges: [(Range<Int>, Bool)]

    public init(model: GPTModel, settings: AdamWSettings = AdamWSettings()) throws(EngineError) {
        try settings.validate()
        self.settings = settings
        firstMoment = FloatBuffer(count: model.parameterCount)
        secondMoment = FloatBuffer(count: model.parameterCount)
        decayRanges = model.tensors.map { ($0.offset..<($0.offset + $0.count), $0.decays) }
    }

    /// One update of `model`'s parameters from its gradients at learning
    /// rate `lr`.
    public func update(_ model: GPTModel, learningRate lr: Float) throws(EngineError) {
        guard model.parameterCount == firstMoment.count else {
            throw .shapeMismatch("optimizer state was made for a model of another shape")
        }
        guard lr.isFinite && lr >= 0 else { throw .invalidArgument("learning rate must be at least 0, got \(lr)") }
        step += 1
        model.parameterVersion &+= 1
        let b1 = settings.beta1, b2 = settings.beta2, eps = settings.epsilon
        let correction1 = 1 - Float(Foundation.pow(Double(b1), Double(step)))
        let correction2 = 1 - Float(Foundation.pow(Double(b2), Double(step)))
        let p = model.parameters.pointer, g = model.gradients.pointer
        let m = firstMoment.pointer, v = secondMoment.pointer
        for (range, decays) in decayRanges {
            let shrink = decays ? 1 - lr * settings.weightDecay : 1
            Parallel.forEachChunk(range.count, costPerItem: 12) { _, chunk in
                for i in (range.lowerBound + chunk.lowerBound)..<(range.lowerBound + chunk.upperBound) {
                    let gi = g[i]
                    m[i] = b1 * m[i] + (1 - b1) * gi
                    v[i] = b2 * v[i] + (1 - b2) * gi * gi
                    let mHat = m[i] / correction1
                    let vHat = v[i] / correction2
                    p[i] = p[i] * shrink - lr * mHat / (vHat.squareRoot() + eps)
                }
            }
        }
    }

    /// Restores a saved state (see `TrainerState`).
    func restore(step: Int, first: [Float], second: [Float]) throws(EngineError) {
        guard first.count == firstMoment.count, second.count == secondMoment.count else {
            throw .shapeMismatch("optimizer state holds \(first.count) moments, the model has \(firstMoment.count) parameters")
        }
        self.step = step
        first.withUnsafeBufferPointer { firstMoment.pointer.update(from: $0.baseAddress!, count: first.count) }
        second.withUnsafeBufferPointer { secondMoment.pointer.update(from: $0.baseAddress!, count: second.count) }
    }
}

/// Gradient clipping by global norm (torch.nn.utils.clip_grad_norm_).
extension GPTModel {
    /// The L2 norm of all gradients together, summed in Float64.
    public func gradientNorm() -> Double {
        let g = gradients.pointer
        var total = 0.0
        var i = 0
        let n = parameterCount
        while i < n {
            let end = min(n, i + 4096)
            var partial: Float = 0
            for j in i..<end { partial += g[j] * g[j] }
            total += Double(partial)
            i = end
        }
        return total.squareRoot()
    }

    /// Scales the gradients so their global norm is at most `maxNorm`;
    /// returns the norm before clipping. A non-finite norm zeroes the
    /// gradients (the step then only decays weights) rather than writing NaN.
    @discardableResult
    public func clipGradients(maxNorm: Double) -> Double {
        let norm = gradientNorm()
        if !norm.isFinite {
            zeroGradients()
            return norm
        }
        if maxNorm > 0 && norm > maxNorm {
            let scale = Float(maxNorm / (norm + 1e-6))
            let g = gradients.pointer
            for i in 0..<parameterCount { g[i] *= scale }
        }
        return norm
    }
}
