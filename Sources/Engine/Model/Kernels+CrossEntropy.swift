/// Softmax over the vocabulary and the log-probability of each row's target
/// token; the backward takes dL/d(log p(target)) per row, which covers the
/// SFT loss (-mask/N) and policy-gradient losses alike.
extension Kernels {
    /// Turns logits [rows, V] into probabilities in place (after scaling by
    /// 1/temperature) and writes logProbs[r] = log p(targets[r]); rows whose
    /// target is negative get 0.
    static func softmaxCrossEntropyForward(probs: UnsafeMutablePointer<Float>, logProbs: UnsafeMutablePointer<Float>,
                                           targets: UnsafePointer<Int32>, rows: Int, V: Int,
                                           inverseTemperature: Float = 1) {
        Parallel.forEachChunk(rows, costPerItem: 12 * V) { _, range in
            for r in range {
                let row = probs + r * V
                if inverseTemperature != 1 { for v in 0..<V { row[v] *= inverseTemperature } }
                let target = Int(targets[r])
                let targetLogit = target >= 0 ? row[target] : 0
                let logNormaliser = softmaxInPlace(row, count: V)
                logProbs[r] = target >= 0 ? targetLogit - logNormaliser : 0
            }
        }
    }

    /// dlogits[r] = coefficient[r]·(onehot(target) - p)/temperature, in place
    /// over the probabilities; rows with a zero coefficient become zero.
    static func softmaxCrossEntropyBackward(dlogits probs: UnsafeMutablePointer<Float>,
                                            coefficients: UnsafePointer<Float>, targets: UnsafePointer<Int32>,
                                            rows: Int, V: Int, inverseTemperature: Float = 1) {
        Parallel.forEachChunk(rows, costPerItem: 2 * V) { _, range in
            for r in range {
                let row = probs + r * V
                let scale = coefficients[r] * inverseTemperature
                let target = Int(targets[r])
                if scale == 0 || target < 0 {
                    row.update(repeating: 0, count: V)
                    continue
                }
                for v in 0..<V { row[v] *= -scale }
                row[target] += scale
            }
        }
    }
}
