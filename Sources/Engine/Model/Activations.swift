/// Every buffer one forward and backward pass needs for a batch of B
/// sequences of T tokens, carved out of one allocation when the batch shape
/// changes (and only grown, never shrunk), so the hot loop allocates nothing.
///
/// In training each block keeps its own activations for the backward pass;
/// for inference all blocks share one set, which is all a forward needs.
final class Activations {
    /// Pointers to one block's activations (llm.c's names, spelled out).
    struct Block {
        var ln1: UnsafeMutablePointer<Float>             // [BT, C]
        var ln1Mean: UnsafeMutablePointer<Float>         // [BT]
        var ln1Rstd: UnsafeMutablePointer<Float>         // [BT]
        var qkv: UnsafeMutablePointer<Float>             // [BT, 3C]
        var att: UnsafeMutablePointer<Float>             // [B, NH, T, T]
        var attnOut: UnsafeMutablePointer<Float>         // [BT, C] heads joined, before c_proj
        var residualAfterAttention: UnsafeMutablePointer<Float>  // [BT, C]
        var ln2: UnsafeMutablePointer<Float>             // [BT, C]
        var ln2Mean: UnsafeMutablePointer<Float>         // [BT]
        var ln2Rstd: UnsafeMutablePointer<Float>         // [BT]
        var fcPre: UnsafeMutablePointer<Float>           // [BT, 4C] before GELU (packed, training: its slope)
        var fcGelu: UnsafeMutablePointer<Float>          // [BT, 4C]
        var residualAfterMLP: UnsafeMutablePointer<Float>  // [BT, C]
        /// Dropout keep-masks (scaled by 1/(1-p)), only when dropout > 0.
        var attnDropMask: UnsafeMutablePointer<Float>?   // [BT, C]
        var mlpDropMask: UnsafeMutablePointer<Float>?    // [BT, C]
    }

    /// What a plan is made for: the rows of a batch, the rows the LM head
    /// scores, and the attention weights' size.
    struct Shape: Equatable {
        /// Token rows through the blocks (B·T when padded).
        var rows: Int
        /// Rows whose logits are computed (all rows when padded).
        var headRows: Int
        /// Attention weights of one block, all heads (B·NH·T·T when padded).
        var attentionFloats: Int
        /// Attention scratch per worker (T·T when padded: the backward's).
        var attentionScratchFloats: Int
        /// Whether the head reads a gathered copy of its rows (`headInput`)
        /// rather than `lnf` itself.
        var gathersHead: Bool
        var training: Bool

        /// B right-padded sequences of T tokens: every row is scored.
        static func padded(_ config: GPTConfig, B: Int, T: Int, training: Bool) -> Shape {
            Shape(rows: B * T, headRows: B * T, attentionFloats: B * config.heads * T * T,
                  attentionScratchFloats: T * T, gathersHead: false, training: training)
        }
    }

    private(set) var shape: Shape?
    /// Counts layouts and forward passes: what a recorded forward
    /// (`PolicyRollout`) left here is still there while this is unchanged.
    var version = 0
    private var storage: FloatBuffer
    private var tokenStorage: UnsafeMutablePointer<Int32>
    private var tokenCapacity = 0

    var tokens: UnsafeMutablePointer<Int32>           // [BT] inputs
    var positions: UnsafeMutablePointer<Int32>        // [BT] each row's position (packed batches; padded: t)
    var targets: UnsafeMutablePointer<Int32>          // [H] next tokens, -1 = none
    var encoded: UnsafeMutablePointer<Float>          // [BT, C] wte + wpe
    var embedDropMask: UnsafeMutablePointer<Float>?   // [BT, C]
    var blocks: [Block] = []
    var lnf: UnsafeMutablePointer<Float>              // [BT, C]
    var lnfMean: UnsafeMutablePointer<Float>          // [BT]
    var lnfRstd: UnsafeMutablePointer<Float>          // [BT]
    var headInput: UnsafeMutablePointer<Float>        // [H, C] the head's rows of lnf (gathered), then their gradient
    var logits: UnsafeMutablePointer<Float>           // [H, V]; probabilities, then their gradient
    var logProbs: UnsafeMutablePointer<Float>         // [H] log p(target)
    var coefficients: UnsafeMutablePointer<Float>     // [H] dLoss/d logProb
    // Gradient scratch, shared by all blocks (training only).
    var dResidual: UnsafeMutablePointer<Float>        // [BT, C]
    var dLn: UnsafeMutablePointer<Float>              // [BT, C]
    var dAttnOut: UnsafeMutablePointer<Float>         // [BT, C]
    var dQKV: UnsafeMutablePointer<Float>             // [BT, 3C]
    var dFc: UnsafeMutablePointer<Float>              // [BT, 4C]
    var attentionScratch: UnsafeMutablePointer<Float> // [workers, shape.attentionScratchFloats]
    var layerNormScratch: UnsafeMutablePointer<Float> // [workers, 2C]

    init() {
        storage = FloatBuffer(count: 0)
        tokenStorage = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
        let p = storage.pointer
        tokens = tokenStorage; positions = tokenStorage; targets = tokenStorage
        encoded = p; lnf = p; lnfMean = p; lnfRstd = p; headInput = p; logits = p; logProbs = p; coefficients = p
        dResidual = p; dLn = p; dAttnOut = p; dQKV = p; dFc = p; attentionScratch = p; layerNormScratch = p
    }

    deinit { tokenStorage.deallocate() }

    /// Number of floats a plan for this shape needs.
    static func floatCount(_ config: GPTConfig, _ shape: Shape, workers: Int) -> Int {
        let BT = shape.rows, H = shape.headRows, C = config.dim, V = config.vocabSize
        let dropout = shape.training && config.dropout > 0
        let perBlock = BT * (16 * C + 4) + shape.attentionFloats + (dropout ? 2 * BT * C : 0)
        let blocks = shape.training ? config.layers : 1
        var total = BT * C * (dropout ? 2 : 1) + blocks * perBlock + BT * (C + 2) + (shape.gathersHead ? H * C : 0)
            + H * V + 2 * H
        if shape.training { total += BT * (3 * C + 3 * C + 4 * C) }
        total += workers * (2 * C + shape.attentionScratchFloats)
        return total
    }

    /// Most memory a batch may plan for.
    static let maxGigabytes = 64.0

    /// The bytes `floatCount` would give, in Float64 so absurd shapes cannot
    /// overflow before they are refused.
    static func estimatedBytes(_ config: GPTConfig, B: Int, T: Int, training: Bool) -> Double {
        let BT = Double(B) * Double(T), C = Double(config.dim)
        let attention = Double(B) * Double(config.heads) * Double(T) * Double(T)
        let blocks = training ? Double(config.layers) : 1
        return 4 * (blocks * (BT * (16 * C + 4) + attention + 2 * BT * C) + BT * (Double(config.vocabSize) + 16 * C))
    }

    /// Lays the buffers out for B sequences of T tokens, growing the
    /// allocation if this shape needs more than any before it.
    func plan(_ config: GPTConfig, B: Int, T: Int, training: Bool) {
        plan(config, .padded(config, B: B, T: T, training: training))
    }

    /// Lays the buffers out for `shape`, growing the allocation if it needs
    /// more than any shape before it.
    func plan(_ config: GPTConfig, _ shape: Shape) {
        if shape == self.shape && !blocks.isEmpty { return }
        version &+= 1
        let workers = ModelThreading.workers
        let needed = Self.floatCount(config, shape, workers: workers)
        if needed > storage.count {
            // With room to spare: packed batches change size a little every
            // step, and each new block costs its pages' first-touch faults.
            storage = FloatBuffer(count: 0)
            storage = FloatBuffer(count: needed + needed / 8)
        }
        let BT = shape.rows, H = shape.headRows, C = config.dim, V = config.vocabSize
        if 2 * BT + H > tokenCapacity {
            tokenStorage.deallocate()
            tokenCapacity = 2 * BT + H
            tokenStorage = UnsafeMutablePointer<Int32>.allocate(capacity: tokenCapacity)
        }
        tokens = tokenStorage
        positions = tokenStorage + BT
        targets = tokenStorage + 2 * BT
        self.shape = shape

        let training = shape.training
        let dropout = training && config.dropout > 0
        var next = storage.pointer
        func take(_ count: Int) -> UnsafeMutablePointer<Float> {
            defer { next += count }
            return next
        }
        encoded = take(BT * C)
        embedDropMask = dropout ? take(BT * C) : nil
        blocks = []
        for _ in 0..<(training ? config.layers : 1) {
            blocks.append(Block(
                ln1: take(BT * C), ln1Mean: take(BT), ln1Rstd: take(BT), qkv: take(BT * 3 * C),
                att: take(shape.attentionFloats), attnOut: take(BT * C), residualAfterAttention: take(BT * C),
                ln2: take(BT * C), ln2Mean: take(BT), ln2Rstd: take(BT), fcPre: take(BT * 4 * C),
                fcGelu: take(BT * 4 * C), residualAfterMLP: take(BT * C),
                attnDropMask: dropout ? take(BT * C) : nil, mlpDropMask: dropout ? take(BT * C) : nil))
        }
        lnf = take(BT * C)
        lnfMean = take(BT)
        lnfRstd = take(BT)
        headInput = shape.gathersHead ? take(H * C) : lnf
        logits = take(H * V)
        logProbs = take(H)
        coefficients = take(H)
        layerNormScratch = take(workers * 2 * C)
        if training {
            dResidual = take(BT * C)
            dLn = take(BT * C)
            dAttnOut = take(BT * C)
            dQKV = take(BT * 3 * C)
            dFc = take(BT * 4 * C)
        }
        attentionScratch = take(workers * shape.attentionScratchFloats)
    }

    /// The activations of block `layer` (all blocks share one set in inference).
    @inline(__always)
    func block(_ layer: Int) -> Block { shape?.training == true ? blocks[layer] : blocks[0] }
}
