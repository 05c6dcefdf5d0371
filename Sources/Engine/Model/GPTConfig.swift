/// The shape of a GPT-2-family model: how many blocks, how wide, how many
/// attention heads, the longest sequence and the vocabulary size.
public struct GPTConfig: Sendable, Equatable, Codable {
    public var layers: Int
    public var dim: Int
    public var heads: Int
    public var context: Int
    public var vocabSize: Int
    /// Dropout probability on embeddings, attention weights and residual
    /// branches during training (as GPT-2's embd/attn/resid_pdrop); 0 = none.
    public var dropout: Float

    /// LayerNorm epsilon, fixed as in GPT-2 (`layer_norm_epsilon` 1e-5).
    public static let layerNormEpsilon: Float = 1e-5
    /// Largest parameter count accepted, so a typo cannot ask for terabytes.
    public static let maxParameters = 2_000_000_000

    public init(layers: Int, dim: Int, heads: Int, context: Int, vocabSize: Int, dropout: Float = 0) {
        self.layers = layers
        self.dim = dim
        self.heads = heads
        self.context = context
        self.vocabSize = vocabSize
        self.dropout = dropout
    }

    /// Width of one attention head.
    public var headSize: Int { dim / max(heads, 1) }

    /// Checks that the shape describes a buildable model; throws what is wrong.
    public func validate() throws(EngineError) {
        func positive(_ value: Int, _ name: String) throws(EngineError) {
            if value < 1 { throw .invalidArgument("model \(name) must be at least 1, got \(value)") }
        }
        try positive(layers, "layers")
        try positive(dim, "dim")
        try positive(heads, "heads")
        try positive(context, "context")
        try positive(vocabSize, "vocabulary size")
        if dim % heads != 0 {
            throw .invalidArgument("model heads (\(heads)) must divide dim (\(dim))")
        }
        if !(dropout >= 0 && dropout < 1) {
            throw .invalidArgument("model dropout must be in [0, 1), got \(dropout)")
        }
        // Bounds that keep every size computed from the shape far from Int overflow.
        for (value, name, limit) in [(layers, "layers", 4096), (dim, "dim", 65536), (heads, "heads", 65536),
                                     (context, "context", 1 << 20), (vocabSize, "vocabulary size", 1 << 24)]
        where value > limit {
            throw .tooLarge("model \(name) \(value) (at most \(limit))")
        }
        let count = Self.parameterCount(self)
        if count > Self.maxParameters {
            throw .tooLarge("a model with \(count) parameters (at most \(Self.maxParameters))")
        }
    }

    /// Number of parameters (embedding tied to the LM head, counted once).
    static func parameterCount(_ c: GPTConfig) -> Int {
        let perLayer = 12 * c.dim * c.dim + 13 * c.dim
        return c.vocabSize * c.dim + c.context * c.dim + c.layers * perLayer + 2 * c.dim
    }
}
