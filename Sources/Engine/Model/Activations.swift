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
        var fcPre: UnsafeMutablePointer<Float>           // [BT, 4C] before GELU
        var fcGelu: UnsafeMutablePointer<Float>          // [BT, 4C]
        var residualAfterMLP: UnsafeMutablePointer<Float>  // [BT, C]
        /// Dropout keep-masks (scaled by 1/(1-p)), only when dropout > 0.
        var attnDropMask: UnsafeMutablePointer<Float>?   // [BT, C]
        var mlpDropMask: UnsafeMutablePointer<Float>?    // [BT, C]
    }

    private(set) var B = 0, T = 0
    private(set) var training = false
    private var storage: FloatBuffer
    private var tokenStorage: UnsafeMutablePointer<Int32>
    private var tokenCapacity = 0

    var tokens: UnsafeMutablePointer<Int32>           // [BT] inputs
    var targets: UnsafeMutablePointer<Int32>          // [BT] next tokens, -1 = none
    var encoded: UnsafeMutablePointer<Float>          // [BT, C] wte + wpe
    var embedDropMask: UnsafeMutablePointer<Float>?   // [BT, C]
    var blocks: [Block] = []
    var lnf: UnsafeMutablePointer<Float>              // [BT, C]
    var lnfMean: UnsafeMutablePointer<Float>          // [BT]
    var lnfRstd: UnsafeMutablePointer<Float>          // [BT]
    var logits: UnsafeMutablePointer<Float>           // [BT, V]; probabilities, then their gradient
    var logProbs: UnsafeMutablePointer<Float>         // [BT] log p(target)
    var coefficients: UnsafeMutablePointer<Float>     // [BT] dLoss/d logProb
    // Gradient scratch, shared by all blocks (training only).
    var dResidual: UnsafeMutablePointer<Float>        // [BT, C]
    var dLn: UnsafeMutablePointer<Float>              // [BT, C]
    var dAttnOut: UnsafeMutablePointer<Float>         // [BT, C]
    var dQKV: UnsafeMutablePointer<Float>             // [BT, 3C]
    var dFc: UnsafeMutablePointer<Float>              // [BT, 4C]
    var attentionScratch: UnsafeMutablePointer<Float> // [workers, T, T]
    var layerNormScratch: UnsafeMutablePointer<Float> // [workers, 2C]

    init() {
        storage = FloatBuffer(count: 0)
        tokenStorage = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
        let p = storage.pointer
        tokens = tokenStorage; targets = tokenStorage
        encoded = p; lnf = p; lnfMean = p; lnfRstd = p; logits = p; logProbs = p; coefficients = p
        dResidual = p; dLn = p; dAttnOut = p; dQKV = p; dFc = p; attentionScratch = p; layerNormScratch = p
    }

    deinit { tokenStorage.deallocate() }

    /// Number of floats a plan for this shape needs.
    static func floatCount(_ config: GPTConfig, B: Int, T: Int, training: Bool, workers: Int) -> Int {
        let BT = B * T, C = config.dim, NH = config.heads, V = config.vocabSize
        let dropout = training && config.dropout > 0
        let perBlock = BT * (16 * C + 4) + B * NH * T * T + (dropout ? 2 * BT * C : 0)
        let blocks = training ? config.layers : 1
        var total = BT * C * (dropout ? 2 : 1) + blocks * perBlock + BT * (C + 2) + BT * V + 2 * BT
        if training { total += BT * (3 * C + 3 * C + 4 * C) + workers * T * T }
        total += workers * 2 * C
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
        if B == self.B && T == self.T && training == self.training && !blocks.isEmpty { return }
        let workers = ModelThreading.workers
        let needed = Self.floatCount(config, B: B, T: T, training: training, workers: workers)
        if needed > storage.count { storage = FloatBuffer(count: needed) }
        if B * T > tokenCapacity {
            tokenStorage.deallocate()
            tokenCapacity = B * T
            tokenStorage = UnsafeMutablePointer<Int32>.allocate(capacity: 2 * tokenCapacity)
        }
        tokens = tokenStorage
        targets = tokenStorage + B * T
        self.B = B
        self.T = T
        self.training = training

        let BT = B * T, C = config.dim, NH = config.heads, V = config.vocabSize
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
                att: take(B * NH * T * T), attnOut: take(BT * C), residualAfterAttention: take(BT * C),
                ln2: take(BT * C), ln2Mean: take(BT), ln2Rstd: take(BT), fcPre: take(BT * 4 * C),
                fcGelu: take(BT * 4 * C), residualAfterMLP: take(BT * C),
                attnDropMask: dropout ? take(BT * C) : nil, mlpDropMask: dropout ? take(BT * C) : nil))
        }
        lnf = take(BT * C)
        lnfMean = take(BT)
        lnfRstd = take(BT)
        logits = take(BT * V)
        logProbs = take(BT)
        coefficients = take(BT)
        layerNormScratch = take(workers * 2 * C)
        if training {
            dResidual = take(BT * C)
            dLn = take(BT * C)
            dAttnOut = take(BT * C)
            dQKV = take(BT * 3 * C)
            dFc = take(BT * 4 * C)
            attentionScratch = take(workers * T * T)
        }
    }

    /// The activations of block `layer` (all blocks share one set in inference).
    @inline(__always)
    func block(_ layer: Int) -> Block { training ? blocks[layer] : blocks[0] }
}
