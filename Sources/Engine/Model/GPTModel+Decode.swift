/// Incremental forward passes over a KV cache: a prompt prefill (the full
/// forward, keeping keys and values) and one-token decode steps.
extension GPTModel {
    /// Buffers for decode steps of up to `rows` sequences, made once per
    /// generation and reused for every token.
    final class DecodeBuffers {
        let x, ln, qkv, attnOut, fc, fcGelu, lnf, logits, scores: FloatBuffer
        let mean, rstd: FloatBuffer
        init(rows: Int, config: GPTConfig, capacity: Int) {
            let C = config.dim
            x = FloatBuffer(count: rows * C)
            ln = FloatBuffer(count: rows * C)
            qkv = FloatBuffer(count: rows * 3 * C)
            attnOut = FloatBuffer(count: rows * C)
            fc = FloatBuffer(count: rows * 4 * C)
            fcGelu = FloatBuffer(count: rows * 4 * C)
            lnf = FloatBuffer(count: rows * C)
            logits = FloatBuffer(count: rows * config.vocabSize)
            scores = FloatBuffer(count: ModelThreading.workers * capacity)
            mean = FloatBuffer(count: rows)
            rstd = FloatBuffer(count: rows)
        }
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
    func decodeStep(sequences: [Int], tokens: [Int32], cache: KVCache, buffers: DecodeBuffers) -> UnsafeMutablePointer<Float> {
        let n = sequences.count, C = config.dim, NH = config.heads, hs = C / NH
        let x = buffers.x.pointer, ln = buffers.ln.pointer, qkv = buffers.qkv.pointer
        let attnOut = buffers.attnOut.pointer, fc = buffers.fc.pointer
        let wte = param(layout.tokenEmbedding), wpe = param(layout.positionEmbedding)
        for i in 0..<n {
            let token = wte + Int(tokens[i]) * C, position = wpe + cache.lengths[sequences[i]] * C
            for c in 0..<C { x[i * C + c] = token[c] + position[c] }
        }
        let scale = 1 / Float(hs).squareRoot()
        for l in 0..<config.layers {
            let w = layout.blocks[l]
            Kernels.layerNormForward(out: ln, mean: nil, rstd: nil, inp: x, weight: param(w.ln1Weight),
                                     bias: param(w.ln1Bias), rows: n, C: C)
            Kernels.linearForward(out: qkv, inp: ln, weight: param(w.attnWeight), bias: param(w.attnBias),
                                  rows: n, inC: C, outC: 3 * C)
            for i in 0..<n {
                cache.store(layer: l, sequence: sequences[i], position: cache.lengths[sequences[i]],
                            qkvRow: qkv + i * 3 * C)
            }
            let averageLength = cache.lengths.reduce(0, +) / max(cache.lengths.count, 1) + 1
            Parallel.forEachChunk(n * NH, costPerItem: 4 * averageLength * hs) { worker, jobs in
                let scores = buffers.scores.pointer + worker * cache.capacity
                for job in jobs {
                    let i = job / NH, h = job % NH, s = sequences[i]
                    cache.attend(layer: l, sequence: s, head: h, length: cache.lengths[s] + 1,
                                 query: qkv + i * 3 * C + h * hs, scale: scale, scores: scores,
                                 out: attnOut + i * C + h * hs)
                }
            }
            Kernels.linearForward(out: x, inp: attnOut, weight: param(w.attnProjWeight), bias: param(w.attnProjBias),
                                  rows: n, inC: C, outC: C, accumulate: true)
            Kernels.layerNormForward(out: ln, mean: nil, rstd: nil, inp: x, weight: param(w.ln2Weight),
                                     bias: param(w.ln2Bias), rows: n, C: C)
            Kernels.linearForward(out: fc, inp: ln, weight: param(w.fcWeight), bias: param(w.fcBias),
                                  rows: n, inC: C, outC: 4 * C)
            // Out of place: an in-place call defeats the loop's vectorisation.
            Kernels.geluForward(out: buffers.fcGelu.pointer, inp: fc, count: n * 4 * C)
            Kernels.linearForward(out: x, inp: buffers.fcGelu.pointer, weight: param(w.fcProjWeight), bias: param(w.fcProjBias),
                                  rows: n, inC: 4 * C, outC: C, accumulate: true)
        }
        for s in sequences { cache.lengths[s] += 1 }
        Kernels.layerNormForward(out: buffers.lnf.pointer, mean: nil, rstd: nil, inp: x,
                                 weight: param(layout.lnfWeight), bias: param(layout.lnfBias), rows: n, C: C)
        forwardHead(rows: n, lnf: buffers.lnf.pointer, logits: buffers.logits.pointer)
        return buffers.logits.pointer
    }
}
