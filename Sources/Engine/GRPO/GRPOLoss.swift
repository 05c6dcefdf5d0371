import Foundation

// The GRPO objective (Shao et al. 2024, DeepSeekMath) with the options and
// names of TRL's GRPOTrainer: group-relative advantages, the PPO-style
// clipped ratio with separate low and high clip (DAPO clip-higher), an
// optional KL penalty to a reference policy with the k3 estimator
// (Schulman 2020), and four ways to aggregate token losses. Everything here
// works on per-token log-probabilities, so it is tested without a model:
// the trainer feeds the model's log-probabilities in and the gradient with
// respect to them back out.

/// How token losses become one number (TRL's `loss_type`).
public enum GRPOLossType: String, CaseIterable, Sendable, Codable {
    /// Mean over each sequence's tokens, then over sequences (the original GRPO).
    case grpo
    /// Sum over all tokens / number of tokens in the batch.
    case bnpo
    /// Sum over all tokens / (sequences × max completion length) (Liu et al. 2025).
    case drGRPO = "dr_grpo"
    /// Sum over all tokens / tokens in the global batch (Yu et al. 2025); in
    /// one process and one step, the same as bnpo.
    case dapo
}

/// How rewards are scaled into advantages (TRL's `scale_rewards`).
public enum RewardScaling: String, CaseIterable, Sendable, Codable {
    /// (r − group mean) / (group std + 1e-4).
    case group
    /// (r − group mean) / (batch std + 1e-4).
    case batch
    /// r − group mean (Dr. GRPO: no std normalisation).
    case none
}

public struct GRPOLossSettings: Sendable, Codable {
    /// Lower clip: the ratio is clipped below at 1 − epsilon.
    public var epsilon: Double
    /// Upper clip: at 1 + epsilonHigh (DAPO clip-higher); epsilon when nil.
    public var epsilonHigh: Double?
    /// KL coefficient; 0 needs no reference model.
    public var beta: Double
    public var lossType: GRPOLossType
    /// dr_grpo's constant denominator.
    public var maxCompletionLength: Int

    public init(epsilon: Double = 0.2, epsilonHigh: Double? = nil, beta: Double = 0,
                lossType: GRPOLossType = .bnpo, maxCompletionLength: Int = 256) {
        self.epsilon = epsilon
        self.epsilonHigh = epsilonHigh
        self.beta = beta
        self.lossType = lossType
        self.maxCompletionLength = maxCompletionLength
    }
}

/// The loss, its gradient with respect to every token's log-probability,
/// and TRL's clip and KL metrics.
public struct GRPOLossResult: Sendable {
    public var loss: Double
    /// dLoss/dlogp, one row per completion (0 on masked tokens).
    public var gradient: [[Double]]
    /// Mean over masked tokens of the k3 KL estimate (0 when beta is 0).
    public var kl: Double
    /// Share of tokens clipped below (ratio < 1 − ε with a negative advantage).
    public var clipLow: Double
    /// Share clipped above (ratio > 1 + ε_high with a positive advantage).
    public var clipHigh: Double
    public var clipRegion: Double { clipLow + clipHigh }
}

public enum GRPO {
    /// TRL's epsilon in the std denominator.
    public static let stdEpsilon = 1e-4

    /// Group-relative advantages: `rewards` holds consecutive groups of
    /// `groupSize`. Standard deviations are unbiased (n − 1), as torch.std.
    public static func advantages(_ rewards: [Double], groupSize: Int, scaling: RewardScaling) throws(EngineError) -> [Double] {
        guard groupSize >= 1, rewards.count % groupSize == 0 else {
            throw EngineError.invalidArgument("\(rewards.count) rewards do not split into groups of \(groupSize)")
        }
        var out = [Double](repeating: 0, count: rewards.count)
        let batchStd = standardDeviation(rewards[...])
        for start in stride(from: 0, to: rewards.count, by: groupSize) {
            let group = rewards[start..<(start + groupSize)]
            let mean = group.reduce(0, +) / Double(groupSize)
            let scale: Double
            switch scaling {
            case .group: scale = standardDeviation(group) + stdEpsilon
            case .batch: scale = batchStd + stdEpsilon
            case .none: scale = 1
            }
            for i in group.indices { out[i] = (rewards[i] - mean) / scale }
        }
        return out
    }

    /// The unbiased standard deviation (0 for fewer than two values).
    public static func standardDeviation(_ xs: ArraySlice<Double>) -> Double {
        guard xs.count > 1 else { return 0 }
        let mean = xs.reduce(0, +) / Double(xs.count)
        let squares = xs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        return (squares / Double(xs.count - 1)).squareRoot()
    }

    /// Whether each group's rewards all agree (zero variance): DAPO's
    /// dynamic sampling drops those groups, which teach nothing.
    public static func zeroVarianceGroups(_ rewards: [Double], groupSize: Int) -> [Bool] {
        stride(from: 0, to: rewards.count, by: max(1, groupSize)).map { start in
            let group = rewards[start..<min(rewards.count, start + groupSize)]
            return group.allSatisfy { $0 == group.first }
        }
    }

    /// The GRPO loss over completions i (tokens t):
    ///   ratio = exp(logp − old), A_i the advantage,
    ///   ℓ_it = −min(ratio·A_i, clip(ratio, 1 − ε, 1 + ε_high)·A_i) + β·k3_it,
    ///   k3 = exp(ref − logp) − (ref − logp) − 1,
    /// aggregated by `lossType` over the tokens where `mask` is true.
    public static func loss(logProbs: [[Double]], oldLogProbs: [[Double]], refLogProbs: [[Double]]?,
                            advantages: [Double], mask: [[Bool]], settings: GRPOLossSettings) throws(EngineError) -> GRPOLossResult {
        let n = logProbs.count
        guard oldLogProbs.count == n, advantages.count == n, mask.count == n, refLogProbs.map({ $0.count == n }) ?? true else {
            throw EngineError.shapeMismatch("GRPO loss: \(n) completions but \(oldLogProbs.count) old log-probs, \(advantages.count) advantages, \(mask.count) masks")
        }
        for i in 0..<n {
            let length = logProbs[i].count
            guard oldLogProbs[i].count == length, mask[i].count == length, (refLogProbs?[i].count ?? length) == length else {
                throw EngineError.shapeMismatch("GRPO loss: completion \(i) has \(length) log-probs but mismatched old/ref/mask lengths")
            }
        }
        if settings.beta != 0 && refLogProbs == nil {
            throw EngineError.invalidArgument("GRPO loss: beta is \(settings.beta) but there are no reference log-probs")
        }
        let low = 1 - settings.epsilon, high = 1 + (settings.epsilonHigh ?? settings.epsilon)
        var gradient = logProbs.map { [Double](repeating: 0, count: $0.count) }
        var totalTokens = 0
        for row in mask { totalTokens += row.reduce(0) { $0 + ($1 ? 1 : 0) } }
        var loss = 0.0, kl = 0.0, clippedLow = 0, clippedHigh = 0
        for i in 0..<n {
            let tokens = mask[i].reduce(0) { $0 + ($1 ? 1 : 0) }
            // Each token's weight in the aggregate.
            let weight: Double
            switch settings.lossType {
            case .grpo: weight = 1 / (Double(max(tokens, 1)) * Double(n))
            case .bnpo, .dapo: weight = 1 / Double(max(totalTokens, 1))
            case .drGRPO: weight = 1 / (Double(n) * Double(max(settings.maxCompletionLength, 1)))
            }
            let a = advantages[i]
            for t in 0..<logProbs[i].count where mask[i][t] {
                let ratio = exp(logProbs[i][t] - oldLogProbs[i][t])
                let clipped = min(max(ratio, low), high)
                let unclippedTerm = ratio * a, clippedTerm = clipped * a
                var tokenLoss = -min(unclippedTerm, clippedTerm)
                // d(−min)/dlogp: the unclipped branch's −A·ratio when it is the
                // minimum (or the clip is inactive), else 0.
                var dLoss = 0.0
                if unclippedTerm <= clippedTerm || (ratio >= low && ratio <= high) { dLoss = -a * ratio }
                if ratio < low && a < 0 { clippedLow += 1 }
                if ratio > high && a > 0 { clippedHigh += 1 }
                if let ref = refLogProbs?[i][t] {
                    let d = ref - logProbs[i][t]
                    let k3 = exp(d) - d - 1
                    kl += k3
                    if settings.beta != 0 {
                        tokenLoss += settings.beta * k3
                        dLoss += settings.beta * (1 - exp(d))
                    }
                }
                loss += weight * tokenLoss
                gradient[i][t] = weight * dLoss
            }
        }
        let count = Double(max(totalTokens, 1))
        return GRPOLossResult(loss: loss, gradient: gradient, kl: kl / count,
                              clipLow: Double(clippedLow) / count, clipHigh: Double(clippedHigh) / count)
    }
}
