/// The backward pass, the forward's steps in reverse; gradients are added
/// into `gradients` (callers zero them when an accumulation starts).
extension GPTModel {
    @inline(__always)
    func grad(_ offset: Int) -> UnsafeMutablePointer<Float> { gradients.pointer + offset }

    /// Backpropagates dLoss/d(log p(target)) = `activations.coefficients`
    /// through the forward that just ran in training mode on B×T tokens.
    func backward(B: Int, T: Int, inverseTemperature: Float = 1) {
        let a = activations
        let C = config.dim, V = config.vocabSize, BT = B * T
        Kernels.softmaxCrossEntropyBackward(dlogits: a.logits, coefficients: a.coefficients, targets: a.targets,
                                            rows: BT, V: V, inverseTemperature: inverseTemperature)
        // LM head: dlnf = dlogits·wte, dwte += dlogitsᵀ·lnf.
        Kernels.gemm(m: BT, n: C, k: V, a: a.logits, lda: V, b: param(layout.tokenEmbedding), ldb: C,
                     beta: 0, c: a.dLn, ldc: C)
        Kernels.gemm(transA: true, m: V, n: C, k: BT, a: a.logits, lda: V, b: a.lnf, ldb: C,
                     beta: 1, c: grad(layout.tokenEmbedding), ldc: C)
        backwardBlocks(rows: .padded(B: B, T: T))
    }

    /// Backpropagates the gradient at the final LayerNorm's output
    /// (`activations.dLn`) through the blocks and embeddings of the forward
    /// that just ran in training mode on `rows`.
    func backwardBlocks(rows: RowLayout) {
        let a = activations
        let C = config.dim, NH = config.heads, BT = rows.count
        let useDropout = config.dropout > 0
        a.dResidual.update(repeating: 0, count: BT * C)
        let last = config.layers - 1
        Kernels.layerNormBackward(dinp: a.dResidual, dweight: grad(layout.lnfWeight), dbias: grad(layout.lnfBias),
                                  dout: a.dLn, inp: a.blocks[last].residualAfterMLP, weight: param(layout.lnfWeight),
                                  mean: a.lnfMean, rstd: a.lnfRstd, rows: BT, C: C, scratch: a.layerNormScratch)
        for l in stride(from: last, through: 0, by: -1) {
            let w = layout.blocks[l], s = a.blocks[l]
            let residualIn = l == 0 ? a.encoded : a.blocks[l - 1].residualAfterMLP
            // MLP branch.
            var dBranch = UnsafePointer(a.dResidual)
            if useDropout, let mask = s.mlpDropMask {
                for i in 0..<(BT * C) { a.dLn[i] = a.dResidual[i] * mask[i] }
                dBranch = UnsafePointer(a.dLn)
            }
            Kernels.linearBackward(dinp: a.dFc, dweight: grad(w.fcProjWeight), dbias: grad(w.fcProjBias),
                                   dout: dBranch, inp: s.fcGelu, weight: param(w.fcProjWeight),
                                   rows: BT, inC: 4 * C, outC: C)
            if case .packed = rows {
                Kernels.geluBackward(dinp: a.dFc, slope: s.fcPre, dout: a.dFc, count: BT * 4 * C)
            } else {
                Kernels.geluBackward(dinp: a.dFc, inp: s.fcPre, dout: a.dFc, count: BT * 4 * C)
            }
            Kernels.linearBackward(dinp: a.dLn, dweight: grad(w.fcWeight), dbias: grad(w.fcBias),
                                   dout: a.dFc, inp: s.ln2, weight: param(w.fcWeight), rows: BT, inC: C, outC: 4 * C)
            Kernels.layerNormBackward(dinp: a.dResidual, dweight: grad(w.ln2Weight), dbias: grad(w.ln2Bias),
                                      dout: a.dLn, inp: s.residualAfterAttention, weight: param(w.ln2Weight),
                                      mean: s.ln2Mean, rstd: s.ln2Rstd, rows: BT, C: C, scratch: a.layerNormScratch)
            // Attention branch.
            dBranch = UnsafePointer(a.dResidual)
            if useDropout, let mask = s.attnDropMask {
                for i in 0..<(BT * C) { a.dLn[i] = a.dResidual[i] * mask[i] }
                dBranch = UnsafePointer(a.dLn)
            }
            Kernels.linearBackward(dinp: a.dAttnOut, dweight: grad(w.attnProjWeight), dbias: grad(w.attnProjBias),
                                   dout: dBranch, inp: s.attnOut, weight: param(w.attnProjWeight),
                                   rows: BT, inC: C, outC: C)
            switch rows {
            case .padded(let B, let T):
                Kernels.attentionBackward(dqkv: a.dQKV, dout: a.dAttnOut, qkv: s.qkv, att: s.att,
                                          B: B, T: T, C: C, NH: NH, scratch: a.attentionScratch)
            case .packed(_, let attention):
                Kernels.packedAttentionBackward(dqkv: a.dQKV, dout: a.dAttnOut, qkv: s.qkv, layout: attention,
                                                C: C, NH: NH, scratch: a.attentionScratch)
            }
            Kernels.linearBackward(dinp: a.dLn, dweight: grad(w.attnWeight), dbias: grad(w.attnBias),
                                   dout: a.dQKV, inp: s.ln1, weight: param(w.attnWeight), rows: BT, inC: C, outC: 3 * C)
            Kernels.layerNormBackward(dinp: a.dResidual, dweight: grad(w.ln1Weight), dbias: grad(w.ln1Bias),
                                      dout: a.dLn, inp: residualIn, weight: param(w.ln1Weight),
                                      mean: s.ln1Mean, rstd: s.ln1Rstd, rows: BT, C: C, scratch: a.layerNormScratch)
        }
        if useDropout, let mask = a.embedDropMask {
            for i in 0..<(BT * C) { a.dResidual[i] *= mask[i] }
        }
        switch rows {
        case .padded(let B, let T):
            Kernels.embeddingBackward(dwte: grad(layout.tokenEmbedding), dwpe: grad(layout.positionEmbedding),
                                      dout: a.dResidual, tokens: a.tokens, B: B, T: T, C: C)
        case .packed:
            Kernels.embeddingBackward(dwte: grad(layout.tokenEmbedding), dwpe: grad(layout.positionEmbedding),
                                      dout: a.dResidual, tokens: a.tokens, positions: a.positions, B: 1, T: BT, C: C)
        }
    }
}
