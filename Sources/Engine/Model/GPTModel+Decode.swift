/// Incremental forward passes over a KV cache: a prompt prefill (the full
/// forward, keeping keys and values) and one-token decode steps.
extension GPTModel {
    /// Buffers for decode steps of up to `rows` sequences, made once per
    /// generation and reused for every token.
    final class DecodeBuffers {
        let x, ln, qkv, attnOut, fc, fcGelu, lnf, logits, scores: FloatBuffer
        let mean, rstd: FloatBuffer
        let rows: Int, capacity: Int
        init(rows: Int, config: GPTConfig, capacity: Int) {
            self.rows = rows
            self.capacity = capacity
            let C = config.dim
            x = FloatBuffer(count: rows * C)
            ln = FloatBuffer(count: rows * C)
            qkv = FloatBuffer(count: rows * 3 * C)
            attnOut = FloatBuffer(count: rows * C)
            fc = FloatBuffer(count: rows * 4 * C)
            fcGelu = FloatBuffer(count: rows * 4 * C)
            lnf = FloatBuffer(count: rows * C)
            logits = FloatBuffer(count: rows * config.vocabSize)
            scores = FloatBuffer(count: ModelThreading.workers * rows * capacity)
            mean = FloatBuffer(count: rows)
            rstd = FloatBuffer(count: rows)
        }
    }

    /// A KV cache for `sequences` × `capacity` positions and decode buffers
    /// for `rows` sequences per worker: the last generation's when they are
    /// large enough (a GRPO run samples the same shape every step; fresh
    /// pages would cost a fault each).
    func generationWorkspace(sequences: Int, capacity: Int, rows: Int, workers: Int) -> (cache: KVCache, buffers: [DecodeBuffers]) {
        let L = config.layers, C = config.dim, NH = config.heads
        if let (cache, buffers) = workspace, cache.fits(layers: L, sequences: sequences, capacity: capacity, C: C, heads: NH),
           buffers.count >= workers, buffers.allSatisfy({ $0.rows >= rows && $0.capacity >= capacity }) {
            cache.reset(sequences: sequences, capacity: capacity)
            return (cache, buffers)
        }
        workspace = nil  // free the old one before allocating
        let made = (KVCache(layers: L, sequences: sequences, capacity: capacity, C: C, heads: NH),
                    (0..<workers).map { _ in DecodeBuffers(rows: rows, config: config, capacity: capacity) })
        workspace = made
        return made
    }

    /// Runs the prompts (right-padded into one batch) through the model,
    /// storing each prompt's keys and values into cache sequence
    /// `slots[p]`; returns the logits [P, V] after each prompt's last token.
    func prefill(prompts: [[Int32]], slots: [Int], cache: KVCache) throws(EngineError) -> [Float] {
        let P = prompts.count
        let T = prompts.map(\.count).max() ?? 1
        var tokens = [Int32](repeating: 0, count: P * T)
        for (p, prompt) in prompts.enumerated() {
            for (t, token) in prompt.enumerated() { tokens[p * T + t] = token }
        }
        try validate(tokens: tokens, targets: nil, B: P, T: T)
        loadBatch(tokens: tokens, targets: nil, B: P, T: T, training: false)
        let C = config.dim
        forwardBlocks(B: P, T: T, training: false) { layer, qkv in
            for (p, prompt) in prompts.enumerated() {
                for t in 0..<prompt.count {
                    cache.store(layer: layer, sequence: slots[p], position: t, qkvRow: qkv + (p * T + t) * 3 * C)
                }
            }
        }
        for (p, prompt) in prompts.enumerated() { cache.lengths[slots[p]] = prompt.count }
        // Only the last position of each prompt needs logits.
        var lastRows = [Float](repeating: 0, count: P * C)
        for (p, prompt) in prompts.enumerated() {
            let source = activations.lnf + (p * T + prompt.count - 1) * C
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

    /// One decode step: token `tokens[i]` at position `cache.lengths[s]` for
    /// each cache sequence s = `sequences[i]`; appends its key and value and
    /// returns a pointer to the logits [n, V] (valid until the next step).
    ///
    /// With `recordAt`, the step's activations are written to rows
    /// recordAt ..< recordAt + n of the training plan `activations` holds
    /// (inputs, positions, every block's buffers, the final LayerNorm), as
    /// a training forward would leave them, for a backward pass without a
    /// second forward (`GPTModel+Rollout`); else to `buffers`, reused.
    func decodeStep(sequences: [Int], tokens: [Int32], cache: KVCache, buffers: DecodeBuffers,
                    recordAt row: Int? = nil) -> UnsafeMutablePointer<Float> {
        let n = sequences.count, C = config.dim, NH = config.heads, hs = C / NH
        let a = activations
        /// Rows of this step in a buffer `width` floats wide: the recording's, or the scratch's.
        func rows(_ recorded: UnsafeMutablePointer<Float>?, _ scratch: FloatBuffer, _ width: Int) -> UnsafeMutablePointer<Float> {
            if let row, let recorded { return recorded + row * width }
            return scratch.pointer
        }
        func stats(_ recorded: UnsafeMutablePointer<Float>) -> UnsafeMutablePointer<Float>? {
            row.map { recorded + $0 }
        }
        let recording = row != nil ? a : nil
        let wte = param(layout.tokenEmbedding), wpe = param(layout.positionEmbedding)
        var x = rows(recording?.encoded, buffers.x, C)
        for i in 0..<n {
            let position = cache.lengths[sequences[i]]
            if let row {
                a.tokens[row + i] = tokens[i]
                a.positions[row + i] = Int32(position)
            }
            let token = wte + Int(tokens[i]) * C, positionRow = wpe + position * C
            for c in 0..<C { x[i * C + c] = token[c] + positionRow[c] }
        }
        let scale = 1 / Float(hs).squareRoot()
        // Runs of rows whose sequences read the same prompt (a group's
        // samples): their attention to it is one product per head.
        var runs: [Range<Int>] = []
        var runStart = 0
        for i in 1...n where i == n || !cache.sharePrompt(sequences[i], sequences[runStart]) {
            runs.append(runStart..<i)
            runStart = i
        }
        for l in 0..<config.layers {
            let w = layout.blocks[l], s = recording?.blocks[l]
            let ln1 = rows(s?.ln1, buffers.ln, C), qkv = rows(s?.qkv, buffers.qkv, 3 * C)
            let attnOut = rows(s?.attnOut, buffers.attnOut, C)
            let afterAttention = rows(s?.residualAfterAttention, buffers.x, C), ln2 = rows(s?.ln2, buffers.ln, C)
            let fcPre = rows(s?.fcPre, buffers.fc, 4 * C), fcGelu = rows(s?.fcGelu, buffers.fcGelu, 4 * C)
            let afterMLP = rows(s?.residualAfterMLP, buffers.x, C)
            Kernels.layerNormForward(out: ln1, mean: s.flatMap { stats($0.ln1Mean) }, rstd: s.flatMap { stats($0.ln1Rstd) },
                                     inp: x, weight: param(w.ln1Weight), bias: param(w.ln1Bias), rows: n, C: C)
            Kernels.linearForward(out: qkv, inp: ln1, weight: param(w.attnWeight), bias: param(w.attnBias),
                                  rows: n, inC: C, outC: 3 * C)
            for i in 0..<n {
                cache.store(layer: l, sequence: sequences[i], position: cache.lengths[sequences[i]],
                            qkvRow: qkv + i * 3 * C)
            }
            let averageLength = sequences.reduce(0) { $0 + cache.lengths[$1] } / max(n, 1) + 1
            Parallel.forEachChunk(runs.count * NH, costPerItem: 4 * averageLength * hs * n / max(runs.count, 1)) { worker, jobs in
                let scores = buffers.scores.pointer + worker * buffers.rows * cache.capacity
                for job in jobs {
                    let run = runs[job / NH], h = job % NH
                    cache.attend(layer: l, sequences: sequences[run], head: h, queries: qkv + run.lowerBound * 3 * C + h * hs,
                                 queryStride: 3 * C, scale: scale, scores: scores,
                                 out: attnOut + run.lowerBound * C + h * hs, outStride: C)
                }
            }
            addResidualBranch(out: afterAttention, residual: x, inp: attnOut, weight: param(w.attnProjWeight),
                              bias: param(w.attnProjBias), rows: n, inC: C, C: C, dropMask: nil)
            Kernels.layerNormForward(out: ln2, mean: s.flatMap { stats($0.ln2Mean) }, rstd: s.flatMap { stats($0.ln2Rstd) },
                                     inp: afterAttention, weight: param(w.ln2Weight), bias: param(w.ln2Bias), rows: n, C: C)
            Kernels.linearForward(out: fcPre, inp: ln2, weight: param(w.fcWeight), bias: param(w.fcBias),
                                  rows: n, inC: C, outC: 4 * C)
            // Out of place: an in-place call defeats the loop's vectorisation.
            if row != nil {
                Kernels.geluForward(out: fcGelu, inp: fcPre, slope: fcPre, count: n * 4 * C)
            } else {
                Kernels.geluForward(out: fcGelu, inp: fcPre, count: n * 4 * C)
            }
            addResidualBranch(out: afterMLP, residual: afterAttention, inp: fcGelu, weight: param(w.fcProjWeight),
                              bias: param(w.fcProjBias), rows: n, inC: 4 * C, C: C, dropMask: nil)
            x = afterMLP
        }
        for s in sequences { cache.lengths[s] += 1 }
        let lnf = rows(recording?.lnf, buffers.lnf, C)
        Kernels.layerNormForward(out: lnf, mean: recording.flatMap { stats($0.lnfMean) },
                                 rstd: recording.flatMap { stats($0.lnfRstd) }, inp: x,
                                 weight: param(layout.lnfWeight), bias: param(layout.lnfBias), rows: n, C: C)
        forwardHead(rows: n, lnf: lnf, logits: buffers.logits.pointer)
        return buffers.logits.pointer
    }
}
