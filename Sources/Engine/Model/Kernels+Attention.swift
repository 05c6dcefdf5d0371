/// Causal multi-head self-attention over a [B, T, 3C] block of queries,
/// keys and values (GPT-2's c_attn output: q, k, v side by side, each split
/// into heads of C / NH channels).
///
/// Each (batch, head) pair is an independent job for the workers; inside a
/// job the products run through sgemm in blocks of rows, so the masked upper
/// triangle of the T×T score matrix is mostly never computed.
extension Kernels {
    static let attentionBlock = 64

    /// out[b, t, h·hs ..< (h+1)·hs] = softmax(q·kᵀ/√hs, causal)·v; keeps the
    /// attention weights `att` [B, NH, T, T] (zero above the diagonal).
    static func attentionForward(out: UnsafeMutablePointer<Float>, att: UnsafeMutablePointer<Float>,
                                 qkv: UnsafePointer<Float>, B: Int, T: Int, C: Int, NH: Int) {
        let hs = C / NH, C3 = 3 * C
        let scale = 1 / Float(hs).squareRoot()
        Parallel.forEachChunk(B * NH, costPerItem: 2 * T * T * hs) { _, jobs in
            for job in jobs {
                let b = job / NH, h = job % NH
                let q = qkv + b * T * C3 + h * hs, k = q + C, v = q + 2 * C
                let weights = att + job * T * T
                var r0 = 0
                while r0 < T {
                    let r1 = min(T, r0 + attentionBlock)
                    gemmCall(false, true, r1 - r0, r1, hs, scale, q + r0 * C3, C3, k, C3, 0, weights + r0 * T, T)
                    r0 = r1
                }
                for t in 0..<T {
                    let row = weights + t * T
                    softmaxInPlace(row, count: t + 1)
                    if t + 1 < T { (row + t + 1).update(repeating: 0, count: T - t - 1) }
                }
                r0 = 0
                while r0 < T {
                    let r1 = min(T, r0 + attentionBlock)
                    gemmCall(false, false, r1 - r0, hs, r1, 1, weights + r0 * T, T, v, C3,
                             0, out + b * T * C + r0 * C + h * hs, C)
                    r0 = r1
                }
            }
        }
    }

    /// Backward of `attentionForward`: writes all of dqkv (no accumulation).
    /// `scratch` holds T·T floats per worker for the weights' gradient.
    static func attentionBackward(dqkv: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
                                  qkv: UnsafePointer<Float>, att: UnsafePointer<Float>,
                                  B: Int, T: Int, C: Int, NH: Int, scratch: UnsafeMutablePointer<Float>) {
        let hs = C / NH, C3 = 3 * C
        let scale = 1 / Float(hs).squareRoot()
        Parallel.forEachChunk(B * NH, costPerItem: 4 * T * T * hs) { worker, jobs in
            let dWeights = scratch + worker * T * T
            for job in jobs {
                let b = job / NH, h = job % NH
                let q = qkv + b * T * C3 + h * hs, k = q + C, v = q + 2 * C
                let dq = dqkv + b * T * C3 + h * hs, dk = dq + C, dv = dq + 2 * C
                let dy = dout + b * T * C + h * hs
                let weights = att + job * T * T
                var r0 = 0
                // dWeights = dy·vᵀ (lower triangle by blocks); dv = weightsᵀ·dy.
                while r0 < T {
                    let r1 = min(T, r0 + attentionBlock)
                    gemmCall(false, true, r1 - r0, r1, hs, 1, dy + r0 * C, C, v, C3, 0, dWeights + r0 * T, T)
                    gemmCall(true, false, r1 - r0, hs, T - r0, 1, weights + r0 * T + r0, T, dy + r0 * C, C,
                             0, dv + r0 * C3, C3)
                    r0 = r1
                }
                // Softmax backward: dScore = w ⊙ (dw - Σ w·dw), row by row.
                for t in 0..<T {
                    let w = weights + t * T, dw = dWeights + t * T
                    var dot: Float = 0
                    for j in 0...t { dot += w[j] * dw[j] }
                    for j in 0...t { dw[j] = w[j] * (dw[j] - dot) }
                    if t + 1 < T { (dw + t + 1).update(repeating: 0, count: T - t - 1) }
                }
                // dq = scale·dScore·k; dk = scale·dScoreᵀ·q.
                r0 = 0
                while r0 < T {
                    let r1 = min(T, r0 + attentionBlock)
                    gemmCall(false, false, r1 - r0, hs, r1, scale, dWeights + r0 * T, T, k, C3, 0, dq + r0 * C3, C3)
                    gemmCall(true, false, r1 - r0, hs, T - r0, scale, dWeights + r0 * T + r0, T, q + r0 * C3, C3,
                             0, dk + r0 * C3, C3)
                    r0 = r1
                }
            }
        }
    }
}
