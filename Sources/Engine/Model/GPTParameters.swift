/// One named tensor inside the flat parameter block: its Hugging Face GPT-2
/// name, its shape, where it starts and whether AdamW decays it.
public struct TensorSpec: Sendable, Equatable {
    public var name: String
    public var shape: [Int]
    public var offset: Int
    /// Weight decay applies to matrices only, never to LayerNorm parameters
    /// or biases (the GPT-2/nanoGPT convention).
    public var decays: Bool
    public var count: Int { shape.reduce(1, *) }
}

/// Where each of the model's tensors lives in one flat Float32 block.
///
/// Names and layouts are Hugging Face GPT-2's, so a checkpoint is a copy of
/// the block: linear weights are Conv1D `[in, out]` (y = x·W + b), which is
/// also what row-major `sgemm` wants with no transpose.
struct ParameterLayout: Sendable {
    let specs: [TensorSpec]
    let count: Int

    /// Offsets of one block's tensors.
    struct Block: Sendable {
        var ln1Weight = 0, ln1Bias = 0
        var attnWeight = 0, attnBias = 0
        var attnProjWeight = 0, attnProjBias = 0
        var ln2Weight = 0, ln2Bias = 0
        var fcWeight = 0, fcBias = 0
        var fcProjWeight = 0, fcProjBias = 0
    }

    let tokenEmbedding: Int     // wte [vocab, dim]
    let positionEmbedding: Int  // wpe [context, dim]
    let blocks: [Block]
    let lnfWeight: Int, lnfBias: Int

    init(_ config: GPTConfig) {
        let C = config.dim
        var specs: [TensorSpec] = []
        var offset = 0
        func add(_ name: String, _ shape: [Int], decays: Bool) -> Int {
            let spec = TensorSpec(name: name, shape: shape, offset: offset, decays: decays)
            specs.append(spec)
            offset += spec.count
            return spec.offset
        }
        tokenEmbedding = add("wte.weight", [config.vocabSize, C], decays: true)
        positionEmbedding = add("wpe.weight", [config.context, C], decays: true)
        var blocks: [Block] = []
        for l in 0..<config.layers {
            var b = Block()
            let p = "h.\(l)."
            b.ln1Weight = add(p + "ln_1.weight", [C], decays: false)
            b.ln1Bias = add(p + "ln_1.bias", [C], decays: false)
            b.attnWeight = add(p + "attn.c_attn.weight", [C, 3 * C], decays: true)
            b.attnBias = add(p + "attn.c_attn.bias", [3 * C], decays: false)
            b.attnProjWeight = add(p + "attn.c_proj.weight", [C, C], decays: true)
            b.attnProjBias = add(p + "attn.c_proj.bias", [C], decays: false)
            b.ln2Weight = add(p + "ln_2.weight", [C], decays: false)
            b.ln2Bias = add(p + "ln_2.bias", [C], decays: false)
            b.fcWeight = add(p + "mlp.c_fc.weight", [C, 4 * C], decays: true)
            b.fcBias = add(p + "mlp.c_fc.bias", [4 * C], decays: false)
            b.fcProjWeight = add(p + "mlp.c_proj.weight", [4 * C, C], decays: true)
            b.fcProjBias = add(p + "mlp.c_proj.bias", [C], decays: false)
            blocks.append(b)
        }
        self.blocks = blocks
        lnfWeight = add("ln_f.weight", [C], decays: false)
        lnfBias = add("ln_f.bias", [C], decays: false)
        self.specs = specs
        self.count = offset
    }
}
