/// The forward pass: embeddings, blocks, final LayerNorm, LM head, and the
/// log-probability of each position's target.
extension GPTModel {
    @inline(__always)
    func param(_ offset: Int) -> UnsafeMutablePointer<Float> { parameters.pointer + offset }

    /// Checks a batch's token ids and shape; throws what is wrong.
    func validate(tokens: [Int32], targets: [Int32]?, B: Int, T: Int) throws(EngineError) {
        if B < 1 || T < 1 { throw .invalidArgument("a batch needs at least one sequence of at least one token") }
        if T > config.context {
            throw .invalidArgument("sequence of \(T) tokens exceeds the model's context of \(config.context)")
        }
        if B > 1 << 20 || B * T > 1 << 26 { throw .tooLarge("a batch of \(B) sequences of \(T) tokens") }
        let gigabytes = Activations.estimatedBytes(config, B: B, T: T, training: true) / 1e9
        if gigabytes > Activations.maxGigabytes {
            throw .tooLarge("a batch of \(B) sequences of \(T) tokens needs about \(Int(gigabytes)) GB of activations (at most \(Int(Activations.maxGigabytes)))")
        }
        if tokens.count != B * T { throw .shapeMismatch("batch holds \(tokens.count) tokens, expected \(B)×\(T)") }
        let V = Int32(config.vocabSize)
        for (i, token) in tokens.enumerated() where token < 0 || token >= V {
            throw .invalidArgument("token id \(token) at position \(i % T) of sequence \(i / T) is outside the vocabulary 0..<\(V)")
        }
        if let targets {
            if targets.count != B * T { throw .shapeMismatch("batch holds \(targets.count) targets, expected \(B)×\(T)") }
            for (i, token) in targets.enumerated() where token < -1 || token >= V {
                throw .invalidArgument("target id \(token) at position \(i % T) of sequence \(i / T) is outside the vocabulary 0..<\(V)")
            }
        }
    }

    /// Runs embeddings and all blocks over `activations.tokens` (B×T), then
    /// the final LayerNorm into `activations.lnf`. `afterQKV(layer, qkv)` sees
    /// each block's keys and values (the sampler fills its KV cache from it).
    func forwardBlocks(B: Int, T: Int, training: Bool, afterQKV: ((Int, UnsafePointer<Float>) -> Void)? = nil) {
        forwardBlocks(rows: .padded(B: B, T: T), training: training, afterQKV: afterQKV)
    }

    /// The blocks over rows laid out as `layout` says (padded sequences, or
    /// a packed batch whose prompts run once per group).
    func forwardBlocks(rows: RowLayout, training: Bool, afterQKV: ((Int, UnsafePointer<Float>) -> Void)? = nil) {
        let a = activations
        a.version &+= 1
        let C = config.dim, NH = config.heads, BT = rows.count
        let useDropout = training && config.dropout > 0
        switch rows {
        case .padded(let B, let T):
            Kernels.embeddingForward(out: a.encoded, tokens: a.tokens, wte: param(layout.tokenEmbedding),
                                     wpe: param(layout.positionEmbedding), B: B, T: T, C: C)
        case .packed:
            Kernels.embeddingForward(out: a.encoded, tokens: a.tokens, positions: a.positions,
                                     wte: param(layout.tokenEmbedding), wpe: param(layout.positionEmbedding),
                                     B: 1, T: BT, C: C)
        }
        if useDropout, let mask = a.embedDropMask { applyDropout(a.encoded, mask: mask, count: BT * C) }
        var residual = a.encoded
        for l in 0..<config.layers {
            let w = layout.blocks[l], s = a.block(l)
            Kernels.layerNormForward(out: s.ln1, mean: s.ln1Mean, rstd: s.ln1Rstd, inp: residual,
                                     weight: param(w.ln1Weight), bias: param(w.ln1Bias), rows: BT, C: C)
            Kernels.linearForward(out: s.qkv, inp: s.ln1, weight: param(w.attnWeight), bias: param(w.attnBias),
                                  rows: BT, inC: C, outC: 3 * C)
            afterQKV?(l, s.qkv)
            switch rows {
            case .padded(let B, let T):
                Kernels.attentionForward(out: s.attnOut, att: s.att, qkv: s.qkv, B: B, T: T, C: C, NH: NH)
            case .packed(_, let attention):
                Kernels.packedAttentionForward(out: s.attnOut, qkv: s.qkv, layout: attention, C: C, NH: NH,
                                               scratch: a.attentionScratch)
            }
            addResidualBranch(out: s.residualAfterAttention, residual: residual, inp: s.attnOut,
                              weight: param(w.attnProjWeight), bias: param(w.attnProjBias),
                              rows: BT, inC: C, C: C, dropMask: useDropout ? s.attnDropMask : nil)
            Kernels.layerNormForward(out: s.ln2, mean: s.ln2Mean, rstd: s.ln2Rstd, inp: s.residualAfterAttention,
                                     weight: param(w.ln2Weight), bias: param(w.ln2Bias), rows: BT, C: C)
            Kernels.linearForward(out: s.fcPre, inp: s.ln2, weight: param(w.fcWeight), bias: param(w.fcBias),
                                  rows: BT, inC: C, outC: 4 * C)
            if case .packed = rows, training {
                // The slope replaces the pre-activation, which only the GELU's backward reads.
                Kernels.geluForward(out: s.fcGelu, inp: s.fcPre, slope: s.fcPre, count: BT * 4 * C)
            } else {
                Kernels.geluForward(out: s.fcGelu, inp: s.fcPre, count: BT * 4 * C)
            }
            addResidualBranch(out: s.residualAfterMLP, residual: s.residualAfterAttention, inp: s.fcGelu,
                              weight: param(w.fcProjWeight), bias: param(w.fcProjBias),
                              rows: BT, inC: 4 * C, C: C, dropMask: useDropout ? s.mlpDropMask : nil)
            residual = s.residualAfterMLP
        }
        Kernels.layerNormForward(out: a.lnf, mean: a.lnfMean, rstd: a.lnfRstd, inp: residual,
                                 weight: param(layout.lnfWeight), bias: param(layout.lnfBias), rows: BT, C: C)
    }

    /// out = residual + dropout(inp·W + b). Without dropout the product is
    /// added straight onto a copy of the residual (one pass fewer).
    func addResidualBranch(out: UnsafeMutablePointer<Float>, residual: UnsafePointer<Float>,
                           inp: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                           rows: Int, inC: Int, C: Int, dropMask: UnsafeMutablePointer<Float>?) {
        if let dropMask {
            Kernels.linearForward(out: out, inp: inp, weight: weight, bias: bias, rows: rows, inC: inC, outC: C)
            applyDropout(out, mask: dropMask, count: rows * C)
            for i in 0..<(rows * C) { out[i] += residual[i] }
        } else {
            if UnsafePointer(out) != residual { out.update(from: residual, count: rows * C) }
            Kernels.linearForward(out: out, inp: inp, weight: weight, bias: bias, rows: rows, inC: inC, outC: C,
                                  accumulate: true)
        }
    }

    /// Draws a fresh keep-mask (0 or 1/(1-p), inverted dropout) and applies it.
    func applyDropout(_ values: UnsafeMutablePointer<Float>, mask: UnsafeMutablePointer<Float>, count: Int) {
        let p = Double(config.dropout), keep = Float(1 / (1 - p))
        for i in 0..<count {
            mask[i] = dropoutRandom.nextUniform() < p ? 0 : keep
            values[i] *= mask[i]
        }
    }

    /// logits[rows, V] = lnf[rows, C]·wteᵀ (the LM head tied to wte).
    func forwardHead(rows: Int, lnf: UnsafePointer<Float>, logits: UnsafeMutablePointer<Float>) {
        let C = config.dim, V = config.vocabSize
        Kernels.gemm(transB: true, m: rows, n: V, k: C, a: lnf, lda: C, b: param(layout.tokenEmbedding), ldb: C,
                     beta: 0, c: logits, ldc: V)
    }

    /// Loads a validated batch into the activation buffers.
    func loadBatch(tokens: [Int32], targets: [Int32]?, B: Int, T: Int, training: Bool) {
        activations.plan(config, B: B, T: T, training: training)
        tokens.withUnsafeBufferPointer { activations.tokens.update(from: $0.baseAddress!, count: B * T) }
        if let targets {
            targets.withUnsafeBufferPointer { activations.targets.update(from: $0.baseAddress!, count: B * T) }
        } else {
            activations.targets.update(repeating: -1, count: B * T)
        }
    }

    /// A full forward over B×T tokens: returns log p(target) at every
    /// position (0 where the target is -1); probabilities stay in
    /// `activations.logits` for a backward pass.
    func forwardLogProbs(tokens: [Int32], targets: [Int32], B: Int, T: Int, training: Bool,
                         inverseTemperature: Float = 1) throws(EngineError) -> UnsafeMutablePointer<Float> {
        try validate(tokens: tokens, targets: targets, B: B, T: T)
        loadBatch(tokens: tokens, targets: targets, B: B, T: T, training: training)
        forwardBlocks(B: B, T: T, training: training)
        let a = activations
        forwardHead(rows: B * T, lnf: a.lnf, logits: a.logits)
        Kernels.softmaxCrossEntropyForward(probs: a.logits, logProbs: a.logProbs, targets: a.targets,
                                           rows: B * T, V: config.vocabSize, inverseTemperature: inverseTemperature)
        return a.logProbs
    }

    /// Logits [B·T, V] of a full forward (tests compare the KV-cache path to it).
    public func logits(tokens: [Int32], batchSize B: Int, length T: Int) throws(EngineError) -> [Float] {
        try validate(tokens: tokens, targets: nil, B: B, T: T)
        loadBatch(tokens: tokens, targets: nil, B: B, T: T, training: false)
        forwardBlocks(B: B, T: T, training: false)
        forwardHead(rows: B * T, lnf: activations.lnf, logits: activations.logits)
        return Array(UnsafeBufferPointer(start: activations.logits, count: B * T * config.vocabSize))
    }
}
