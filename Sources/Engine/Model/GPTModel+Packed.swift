/// Completions that share prompts, packed into rows without padding, so a
/// policy-gradient step pays only for what it learns from:
///
///   - each prompt's tokens run once for its whole group, not once per
///     completion (`Kernels.packedAttentionForward` lets every completion
///     row see its prompt's rows);
///   - a completion's last token predicts nothing and is left out;
///   - no row is padding, and the LM head (logits, softmax and their
///     backward, the largest per-token cost after the blocks) runs only at
///     the rows that predict a completion token: the prompt's last row
///     (once per completion, as each predicts its own first token) and the
///     completion's own rows.
///
/// A completion row attends exactly as it would in prompt + completion run
/// alone, so log-probabilities and gradients equal the padded batch's up to
/// float rounding (ModelPackedTests). Dropout, when the model has it, draws
/// one mask for a prompt's rows that its whole group shares.
public struct PackedBatch: Sendable {
    /// The prompts (each used by at least one completion, or left out).
    public let prompts: [[Int32]]
    public let completions: [[Int32]]
    /// The prompt of each completion.
    public let promptIndex: [Int]

    /// Token rows through the blocks, with each row's input and position.
    let rows: Int
    let tokens: [Int32]
    let positions: [Int32]
    /// Who attends to whom: each group's prompt, then its completions.
    let attention: AttentionLayout
    /// One entry per completion token: the row whose output predicts it,
    /// and the token. Completion k's tokens start at `headStart[k]`.
    let headRows: [Int32]
    let headTargets: [Int32]
    let headStart: [Int]

    /// Packs completions (each at least one token) after their prompts
    /// (each at least one token); prompt + completion must fit `context`
    /// plus the completion's last token, which is never an input.
    public init(prompts: [[Int32]], completions: [[Int32]], promptIndex: [Int], context: Int) throws(EngineError) {
        if completions.isEmpty { throw .invalidArgument("a batch needs at least one completion") }
        if promptIndex.count != completions.count {
            throw .shapeMismatch("\(completions.count) completions but \(promptIndex.count) prompt indices")
        }
        var members = [[Int]](repeating: [], count: prompts.count)
        for (k, p) in promptIndex.enumerated() {
            guard prompts.indices.contains(p) else {
                throw .invalidArgument("completion \(k) continues prompt \(p); there are \(prompts.count) prompts")
            }
            if completions[k].isEmpty { throw .invalidArgument("completion \(k) is empty; it needs at least one token") }
            let inputs = prompts[p].count + completions[k].count - 1
            if inputs > context {
                throw .invalidArgument("sequence \(k) has \(inputs + 1) tokens; the model's context holds \(context + 1) (context \(context) plus the last target)")
            }
            members[p].append(k)
        }
        var tokens: [Int32] = [], positions: [Int32] = [], attention = AttentionLayout()
        var headRows: [Int32] = [], headTargets: [Int32] = []
        var headStart = [Int](repeating: 0, count: completions.count)
        for (p, prompt) in prompts.enumerated() where !members[p].isEmpty {
            if prompt.isEmpty { throw .invalidArgument("prompt \(p) is empty; a prompt needs at least one token") }
            let promptStart = Int32(tokens.count)
            tokens += prompt
            positions += (0..<prompt.count).map(Int32.init)
            attention.addPrompt(rows: promptStart..<(promptStart + Int32(prompt.count)))
            for k in members[p] {
                let completion = completions[k], own = completion.count - 1
                let start = Int32(tokens.count)
                tokens += completion[..<own]
                positions += (prompt.count..<(prompt.count + own)).map(Int32.init)
                attention.addCompletion(rows: start..<(start + Int32(own)))
                headStart[k] = headRows.count
                headRows.append(promptStart + Int32(prompt.count) - 1)
                headRows += start..<(start + Int32(own))
                headTargets += completion
            }
        }
        self.init(prompts: prompts, completions: completions, promptIndex: promptIndex, rows: tokens.count,
                  tokens: tokens, positions: positions, attention: attention,
                  headRows: headRows, headTargets: headTargets, headStart: headStart)
    }

    /// A batch laid out by its maker (a sampler recording its rows).
    init(prompts: [[Int32]], completions: [[Int32]], promptIndex: [Int], rows: Int, tokens: [Int32], positions: [Int32],
         attention: AttentionLayout, headRows: [Int32], headTargets: [Int32], headStart: [Int]) {
        self.prompts = prompts
        self.completions = completions
        self.promptIndex = promptIndex
        self.rows = rows
        self.tokens = tokens
        self.positions = positions
        self.attention = attention
        self.headRows = headRows
        self.headTargets = headTargets
        self.headStart = headStart
    }

    /// The activation plan for this batch.
    func shape(_ config: GPTConfig, training: Bool) -> Activations.Shape {
        Activations.Shape(rows: rows, headRows: headRows.count, attentionFloats: 0,
                          attentionScratchFloats: attention.scratchFloats(headSize: config.headSize),
                          gathersHead: true, training: training)
    }
}

/// How a batch's rows are laid out: B right-padded sequences of T tokens,
/// or a packed batch of prompts and their completions.
enum RowLayout {
    case padded(B: Int, T: Int)
    /// `rows` rows at `activations.positions`, attending as `attention` says.
    case packed(rows: Int, attention: AttentionLayout)

    /// Rows through the blocks.
    var count: Int {
        switch self {
        case .padded(let B, let T): return B * T
        case .packed(let rows, _): return rows
        }
    }
}

extension GPTModel {
    /// log p(token) of every completion token of a packed batch, without gradients.
    public func completionLogProbs(_ batch: PackedBatch, temperature: Float = 1) throws(EngineError) -> [[Float]] {
        let logProbs = try forwardPacked(batch, training: false, temperature: temperature)
        return batch.completions.indices.map { k in
            Array(UnsafeBufferPointer(start: logProbs + batch.headStart[k], count: batch.completions[k].count))
        }
    }

    /// Forward and backward for a loss on the completion tokens' log-probabilities
    /// (GRPO's clipped ratios): after the forward, `loss(logProbs)` gets one
    /// row per completion and returns the loss and dLoss/d log p in the same
    /// shape; that gradient is added into the model's gradients (zero them
    /// first when a step starts). Returns the loss and the log-probabilities.
    public func accumulateGradients(_ batch: PackedBatch, temperature: Float = 1,
                                    loss: ([[Float]]) throws(EngineError) -> (value: Double, gradient: [[Float]]))
        throws(EngineError) -> (loss: Double, logProbs: [[Float]]) {
        _ = gradients  // allocate before the forward, so a failure cannot leave half a step
        let pointer = try forwardPacked(batch, training: true, temperature: temperature)
        let logProbs = batch.completions.indices.map { k in
            Array(UnsafeBufferPointer(start: pointer + batch.headStart[k], count: batch.completions[k].count))
        }
        let (value, gradient) = try loss(logProbs)
        guard gradient.count == logProbs.count, zip(gradient, logProbs).allSatisfy({ $0.count == $1.count }) else {
            throw .shapeMismatch("loss gradient has \(gradient.count) rows; expected one per completion, as long as it")
        }
        let coefficients = activations.coefficients
        for (k, row) in gradient.enumerated() {
            for (t, g) in row.enumerated() { coefficients[batch.headStart[k] + t] = g.isFinite ? g : 0 }
        }
        backwardPacked(batch, inverseTemperature: 1 / temperature)
        return (value, logProbs)
    }

    /// The forward over a packed batch: returns log p(target) for each head
    /// row (completion tokens in `headStart` order); probabilities stay in
    /// `activations.logits` for the backward.
    func forwardPacked(_ batch: PackedBatch, training: Bool, temperature: Float) throws(EngineError) -> UnsafeMutablePointer<Float> {
        guard temperature > 0, temperature.isFinite else {
            throw .invalidArgument("temperature must be positive, got \(temperature)")
        }
        let V = Int32(config.vocabSize)
        for (k, completion) in batch.completions.enumerated() {
            if let bad = completion.first(where: { $0 < 0 || $0 >= V }) {
                throw .invalidArgument("token id \(bad) of completion \(k) is outside the vocabulary 0..<\(V)")
            }
        }
        for (p, prompt) in batch.prompts.enumerated() {
            if let bad = prompt.first(where: { $0 < 0 || $0 >= V }) {
                throw .invalidArgument("token id \(bad) of prompt \(p) is outside the vocabulary 0..<\(V)")
            }
        }
        if batch.prompts.contains(where: { $0.count > config.context }) || batch.positions.contains(where: { Int($0) >= config.context }) {
            throw .invalidArgument("a sequence exceeds the model's context of \(config.context)")
        }
        let shape = batch.shape(config, training: training)
        let gigabytes = 4 * Double(Activations.floatCount(config, shape, workers: ModelThreading.workers)) / 1e9
        if gigabytes > Activations.maxGigabytes {
            throw .tooLarge("a batch of \(batch.rows) rows needs about \(Int(gigabytes)) GB of activations (at most \(Int(Activations.maxGigabytes)))")
        }
        let a = activations
        a.plan(config, shape)
        batch.tokens.withUnsafeBufferPointer { a.tokens.update(from: $0.baseAddress!, count: batch.rows) }
        batch.positions.withUnsafeBufferPointer { a.positions.update(from: $0.baseAddress!, count: batch.rows) }
        batch.headTargets.withUnsafeBufferPointer { a.targets.update(from: $0.baseAddress!, count: $0.count) }
        forwardBlocks(rows: .packed(rows: batch.rows, attention: batch.attention), training: training)
        let C = config.dim, H = batch.headRows.count
        batch.headRows.withUnsafeBufferPointer { headRows in
            Parallel.forEachChunk(H, costPerItem: C) { _, range in
                for j in range { (a.headInput + j * C).update(from: a.lnf + Int(headRows[j]) * C, count: C) }
            }
        }
        forwardHead(rows: H, lnf: a.headInput, logits: a.logits)
        Kernels.softmaxCrossEntropyForward(probs: a.logits, logProbs: a.logProbs, targets: a.targets,
                                           rows: H, V: config.vocabSize, inverseTemperature: 1 / temperature)
        return a.logProbs
    }

    /// Backpropagates `activations.coefficients` (dLoss/d log p per head
    /// row) through the packed forward that just ran in training mode.
    func backwardPacked(_ batch: PackedBatch, inverseTemperature: Float) {
        let a = activations
        let C = config.dim, V = config.vocabSize, H = batch.headRows.count
        Kernels.softmaxCrossEntropyBackward(dlogits: a.logits, coefficients: a.coefficients, targets: a.targets,
                                            rows: H, V: V, inverseTemperature: inverseTemperature)
        // LM head: dwte += dlogitsᵀ·headInput, then headInput becomes its own gradient dlogits·wte.
        Kernels.gemm(transA: true, m: V, n: C, k: H, a: a.logits, lda: V, b: a.headInput, ldb: C,
                     beta: 1, c: grad(layout.tokenEmbedding), ldc: C)
        Kernels.gemm(m: H, n: C, k: V, a: a.logits, lda: V, b: param(layout.tokenEmbedding), ldb: C,
                     beta: 0, c: a.headInput, ldc: C)
        // Scatter back to the rows: a prompt's last row collects one share per
        // completion. Workers own column ranges, so the adds never race.
        a.dLn.update(repeating: 0, count: batch.rows * C)
        batch.headRows.withUnsafeBufferPointer { headRows in
            Parallel.forEachChunk(C, costPerItem: H) { _, columns in
                for j in 0..<H {
                    let source = a.headInput + j * C, target = a.dLn + Int(headRows[j]) * C
                    for c in columns { target[c] += source[c] }
                }
            }
        }
        backwardBlocks(rows: .packed(rows: batch.rows, attention: batch.attention))
    }
}
