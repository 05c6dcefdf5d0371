import Foundation

/// Sampling that keeps its forward pass for the update that follows.
///
/// A policy-gradient step samples completions, then computes the
/// log-probabilities of those same tokens under the same weights, with
/// gradients. The sampler's decode steps already ran that forward, token by
/// token; here they write each token's activations (every block's
/// LayerNorms, keys and values, MLP and residual stream) into the training
/// buffers as they go, laid out as a `PackedBatch`: the prompts first (one
/// prefill each, no padding), then each worker's decode steps. The update
/// then only recomputes the LM head at the completion tokens and runs the
/// backward pass — no second forward through the blocks.
///
/// The recording is valid until the weights change or another forward runs
/// on the model; `accumulateGradients(_:keeping:temperature:loss:)` checks
/// both and otherwise runs the packed forward itself, as it also does for
/// models with dropout (which sampling never applies).
public struct PolicyRollout: Sendable {
    public let completions: [Completion]
    /// The prompts, and each completion's.
    let prompts: [[Int32]]
    /// The recorded batch (every completion), when there is one.
    let recorded: PackedBatch?
    /// The model that sampled, and its `activations.version` and
    /// `parameterVersion` when the recording ended.
    let model: ObjectIdentifier
    let activationsVersion: Int
    let parameterVersion: Int
}

/// Where a recording's rows go while it is made: prompts from row 0, each
/// worker's decode steps in a region of its own, large enough for its
/// sequences' longest possible completions (compacted at the end).
struct RecordingPlan {
    let prompts: [[Int32]]
    let samplesPerPrompt: Int
    let promptStarts: [Int]
    let promptRows: Int
    let regionStarts: [Int]
    let attention: AttentionLayout
}

extension GPTModel {
    /// Samples `samplesPerPrompt` completions of each prompt as `generate`
    /// does (the same draws for the same seed, but for float rounding: the
    /// prompts run packed here), keeping the forward pass for
    /// `accumulateGradients(_:keeping:temperature:loss:)`.
    public func generateForTraining(prompts: [[Int32]], samplesPerPrompt: Int, settings: SamplingSettings,
                                    tokenizer: any Tokenizer) throws(EngineError) -> PolicyRollout {
        let record = config.dropout == 0 && !prompts.isEmpty
        let (completions, recorded) = try sample(prompts: prompts, samplesPerPrompt: samplesPerPrompt, settings: settings,
                                                 tokenizer: tokenizer, record: record)
        return PolicyRollout(completions: completions, prompts: prompts, recorded: recorded, model: ObjectIdentifier(self),
                             activationsVersion: activations.version, parameterVersion: parameterVersion)
    }

    /// Forward and backward for a loss on the log-probabilities of the
    /// completions `kept` (indices into `rollout.completions`, each at least
    /// one token): `loss` gets their log-probabilities, one row each in
    /// `kept` order, and returns the loss and its gradient in the same
    /// shape, which is added into the model's gradients (zero them first).
    /// Uses the rollout's recorded forward while it is valid; otherwise
    /// packs the kept completions and runs the forward. The recorded
    /// backward runs over every recorded row, so when the kept completions
    /// hold less than `reforwardBelow` of the completion tokens (DAPO's
    /// dropped groups) a packed forward and backward of just those costs
    /// less (a forward is about half a backward) and is used instead.
    public func accumulateGradients(_ rollout: PolicyRollout, keeping kept: [Int], temperature: Float = 1,
                                    reforwardBelow: Double = 0.5,
                                    loss: ([[Float]]) throws(EngineError) -> (value: Double, gradient: [[Float]]))
        throws(EngineError) -> (loss: Double, logProbs: [[Float]]) {
        guard temperature > 0, temperature.isFinite else {
            throw .invalidArgument("temperature must be positive, got \(temperature)")
        }
        for k in kept where !rollout.completions.indices.contains(k) {
            throw .invalidArgument("completion \(k) is not in the rollout (\(rollout.completions.count) completions)")
        }
        let keptTokens = kept.reduce(0) { $0 + rollout.completions[$1].tokens.count }
        let allTokens = rollout.completions.reduce(0) { $0 + $1.tokens.count }
        guard let batch = rollout.recorded, rollout.model == ObjectIdentifier(self), rollout.activationsVersion == activations.version,
              rollout.parameterVersion == parameterVersion, Double(keptTokens) >= reforwardBelow * Double(allTokens) else {
            let batch = try PackedBatch(prompts: rollout.prompts, completions: kept.map { rollout.completions[$0].tokens },
                                        promptIndex: kept.map { rollout.completions[$0].promptIndex }, context: config.context)
            return try accumulateGradients(batch, temperature: temperature, loss: loss)
        }
        _ = gradients
        let logProbs = headLogProbs(batch, temperature: temperature)
        let (value, gradient) = try loss(kept.map { logProbs[$0] })
        guard gradient.count == kept.count, zip(gradient, kept).allSatisfy({ $0.count == logProbs[$1].count }) else {
            throw .shapeMismatch("loss gradient has \(gradient.count) rows; expected one per kept completion, as long as it")
        }
        let coefficients = activations.coefficients
        coefficients.update(repeating: 0, count: batch.headRows.count)
        for (row, k) in zip(gradient, kept) {
            for (t, g) in row.enumerated() { coefficients[batch.headStart[k] + t] = g.isFinite ? g : 0 }
        }
        backwardPacked(batch, inverseTemperature: 1 / temperature)
        return (value, kept.map { logProbs[$0] })
    }

    /// The LM head over a recorded batch's head rows: log p of every
    /// completion token, probabilities left for the backward.
    func headLogProbs(_ batch: PackedBatch, temperature: Float) -> [[Float]] {
        let a = activations
        let C = config.dim, H = batch.headRows.count
        batch.headTargets.withUnsafeBufferPointer { a.targets.update(from: $0.baseAddress!, count: H) }
        batch.headRows.withUnsafeBufferPointer { headRows in
            Parallel.forEachChunk(H, costPerItem: C) { _, range in
                for j in range { (a.headInput + j * C).update(from: a.lnf + Int(headRows[j]) * C, count: C) }
            }
        }
        forwardHead(rows: H, lnf: a.headInput, logits: a.logits)
        Kernels.softmaxCrossEntropyForward(probs: a.logits, logProbs: a.logProbs, targets: a.targets,
                                           rows: H, V: config.vocabSize, inverseTemperature: 1 / temperature)
        return batch.completions.indices.map { k in
            Array(UnsafeBufferPointer(start: a.logProbs + batch.headStart[k], count: batch.completions[k].count))
        }
    }

    /// Lays out the training activations for a recording: every prompt's
    /// rows, then per worker room for its sequences' longest completions.
    func planRecording(prompts: [[Int32]], samplesPerPrompt: Int, maxTokens: Int, workers: Int) throws(EngineError) -> RecordingPlan {
        let S = prompts.count * samplesPerPrompt
        var attention = AttentionLayout()
        var promptStarts: [Int] = [], row = 0
        for prompt in prompts {
            promptStarts.append(row)
            attention.addPrompt(rows: Int32(row)..<Int32(row + prompt.count))
            row += prompt.count
        }
        let promptRows = row
        // A completion of L tokens takes L − 1 decode steps; L is at most
        // maxTokens and what the context leaves after the prompt.
        func steps(_ s: Int) -> Int { max(0, min(maxTokens, config.context - prompts[s / samplesPerPrompt].count) - 1) }
        var regionStarts: [Int] = [], longestSteps = 0, headRows = 0
        for share in 0..<workers {
            regionStarts.append(row)
            for s in Parallel.chunk(share, of: workers, count: S) {
                row += steps(s)
                longestSteps = max(longestSteps, steps(s))
                headRows += steps(s) + 1
            }
        }
        let longestPrompt = prompts.map(\.count).max() ?? 0
        let hs = config.headSize
        let scratch = AttentionLayout.scratchFloats(longestSegment: max(longestPrompt, longestSteps),
                                                    widest: longestPrompt + longestSteps, longestPrompt: longestPrompt,
                                                    headSize: hs)
        let shape = Activations.Shape(rows: row, headRows: headRows, attentionFloats: 0, attentionScratchFloats: scratch,
                                      gathersHead: true, training: true)
        let gigabytes = 4 * Double(Activations.floatCount(config, shape, workers: ModelThreading.workers)) / 1e9
        if gigabytes > Activations.maxGigabytes {
            throw .tooLarge("recording \(S) completions needs about \(Int(gigabytes)) GB of activations (at most \(Int(Activations.maxGigabytes)))")
        }
        _ = gradients  // the update will need them; allocate while memory is checked
        activations.plan(config, shape)
        return RecordingPlan(prompts: prompts, samplesPerPrompt: samplesPerPrompt, promptStarts: promptStarts,
                             promptRows: promptRows, regionStarts: regionStarts, attention: attention)
    }

    /// The prompts' forward in training mode into rows 0 ..< promptRows,
    /// keys and values stored into cache sequence `slots[p]`; returns the
    /// logits [P, V] after each prompt's last token.
    func prefillRecorded(_ plan: RecordingPlan, slots: [Int], cache: KVCache) throws(EngineError) -> [Float] {
        let a = activations
        let C = config.dim, P = plan.prompts.count
        for (p, prompt) in plan.prompts.enumerated() {
            for (t, token) in prompt.enumerated() {
                a.tokens[plan.promptStarts[p] + t] = token
                a.positions[plan.promptStarts[p] + t] = Int32(t)
            }
        }
        forwardBlocks(rows: .packed(rows: plan.promptRows, attention: plan.attention), training: true) { layer, qkv in
            for (p, prompt) in plan.prompts.enumerated() {
                for t in 0..<prompt.count {
                    cache.store(layer: layer, sequence: slots[p], position: t, qkvRow: qkv + (plan.promptStarts[p] + t) * 3 * C)
                }
            }
        }
        for (p, prompt) in plan.prompts.enumerated() { cache.lengths[slots[p]] = prompt.count }
        var lastRows = [Float](repeating: 0, count: P * C)
        for (p, prompt) in plan.prompts.enumerated() {
            let source = a.lnf + (plan.promptStarts[p] + prompt.count - 1) * C
            for i in 0..<C { lastRows[p * C + i] = source[i] }
        }
        var logits = [Float](repeating: 0, count: P * config.vocabSize)
        lastRows.withUnsafeBufferPointer { rows in
            logits.withUnsafeMutableBufferPointer { out in
                forwardHead(rows: P, lnf: rows.baseAddress!, logits: out.baseAddress!)
            }
        }
        return logits
    }

    /// Moves each worker's rows down to follow the previous worker's (so
    /// no row between them is empty) and describes the result as a packed
    /// batch: `rows[s]` are sequence s's decode rows, `used[w]` how many
    /// rows worker w wrote.
    func finishRecording(_ plan: RecordingPlan, completions: [Completion], rows: [[Int32]], used: [Int]) -> PackedBatch {
        let a = activations
        let C = config.dim
        var shifts: [Int] = [], next = plan.promptRows
        for (start, count) in zip(plan.regionStarts, used) {
            shifts.append(start - next)
            next += count
        }
        let total = next
        // Every per-row buffer: (base, floats per row).
        var buffers: [(UnsafeMutableRawPointer, Int)] = [(UnsafeMutableRawPointer(a.tokens), 4), (UnsafeMutableRawPointer(a.positions), 4),
                                                          (UnsafeMutableRawPointer(a.encoded), 4 * C)]
        for s in a.blocks {
            for (p, width) in [(s.ln1, C), (s.ln1Mean, 1), (s.ln1Rstd, 1), (s.qkv, 3 * C), (s.attnOut, C),
                               (s.residualAfterAttention, C), (s.ln2, C), (s.ln2Mean, 1), (s.ln2Rstd, 1), (s.fcPre, 4 * C),
                               (s.fcGelu, 4 * C), (s.residualAfterMLP, C)] {
                buffers.append((UnsafeMutableRawPointer(p), 4 * width))
            }
        }
        for (p, width) in [(a.lnf, C), (a.lnfMean, 1), (a.lnfRstd, 1)] { buffers.append((UnsafeMutableRawPointer(p), 4 * width)) }
        Parallel.forEachChunk(buffers.count, costPerItem: total * C) { _, range in
            for (base, bytes) in buffers[range] {
                for (w, shift) in shifts.enumerated() where shift != 0 && used[w] > 0 {
                    let from = plan.regionStarts[w]
                    memmove(base + (from - shift) * bytes, base + from * bytes, used[w] * bytes)
                }
            }
        }
        let S = completions.count, G = plan.samplesPerPrompt
        let workers = plan.regionStarts.count
        var shiftOf = [Int](repeating: 0, count: S)
        for w in 0..<workers { for s in Parallel.chunk(w, of: workers, count: S) { shiftOf[s] = shifts[w] } }
        var attention = AttentionLayout()
        var headRows: [Int32] = [], headTargets: [Int32] = [], headStart = [Int](repeating: 0, count: S)
        for (p, prompt) in plan.prompts.enumerated() {
            let promptStart = Int32(plan.promptStarts[p])
            attention.addPrompt(rows: promptStart..<(promptStart + Int32(prompt.count)))
            for s in (p * G)..<((p + 1) * G) {
                let own = rows[s].map { $0 - Int32(shiftOf[s]) }
                attention.addCompletion(rows: own)
                headStart[s] = headRows.count
                headRows.append(promptStart + Int32(prompt.count) - 1)
                headRows += own
                headTargets += completions[s].tokens
            }
        }
        return PackedBatch(prompts: plan.prompts, completions: completions.map(\.tokens),
                           promptIndex: completions.map(\.promptIndex), rows: total,
                           tokens: Array(UnsafeBufferPointer(start: a.tokens, count: total)),
                           positions: Array(UnsafeBufferPointer(start: a.positions, count: total)),
                           attention: attention, headRows: headRows, headTargets: headTargets, headStart: headStart)
    }
}
