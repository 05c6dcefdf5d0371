/// A GPT-2-family decoder: token and learned position embeddings, pre-norm
/// blocks of causal multi-head attention and a 4×-wide GELU MLP, a final
/// LayerNorm and an LM head tied to the token embedding.
///
/// Parameters live in one flat Float32 block laid out as Hugging Face's
/// GPT-2 state dict (see `ParameterLayout`); gradients, when training, in a
/// second block of the same layout. Not thread-safe: one caller at a time.
public final class GPTModel {
    public let config: GPTConfig
    let layout: ParameterLayout
    let parameters: FloatBuffer
    /// Gradients, allocated on the first backward pass.
    var gradientBuffer: FloatBuffer?
    let activations = Activations()
    /// Draws dropout masks; seeded from the model's seed.
    var dropoutRandom: ModelRandom
    /// Counts writes to the parameters (a recorded forward is only valid
    /// for the weights it ran with).
    var parameterVersion = 0
    /// The last generation's KV cache and decode buffers (one set per
    /// worker), reused by the next.
    var workspace: (cache: KVCache, buffers: [DecodeBuffers])?

    /// A new model with GPT-2's initialisation: weights normal(0, 0.02),
    /// residual projections (attn.c_proj, mlp.c_proj) scaled by 1/√(2·layers),
    /// biases 0, LayerNorm weights 1. The same seed gives the same model.
    public init(config: GPTConfig, seed: UInt64) throws(EngineError) {
        try config.validate()
        self.config = config
        layout = ParameterLayout(config)
        parameters = FloatBuffer(count: layout.count)
        dropoutRandom = ModelRandom(seed: seed, stream: 0xD50F)
        var random = ModelRandom(seed: seed)
        let residualStd = 0.02 / (2 * Double(config.layers)).squareRoot()
        for spec in layout.specs {
            let p = parameters.pointer + spec.offset
            if spec.name.hasSuffix(".bias") {
                p.update(repeating: 0, count: spec.count)
            } else if spec.name.contains("ln_") {
                p.update(repeating: 1, count: spec.count)
            } else {
                let std = spec.name.hasSuffix("c_proj.weight") ? residualStd : 0.02
                for i in 0..<spec.count { p[i] = Float(random.nextNormal() * std) }
            }
        }
    }

    /// A model holding the given parameters (a loaded checkpoint).
    init(config: GPTConfig, parameters: FloatBuffer, seed: UInt64 = 0) {
        self.config = config
        layout = ParameterLayout(config)
        self.parameters = parameters
        dropoutRandom = ModelRandom(seed: seed, stream: 0xD50F)
    }

    /// Number of parameters (the tied LM head counted once).
    public var parameterCount: Int { layout.count }

    /// Names, shapes and offsets of every tensor, in checkpoint order.
    public var tensors: [TensorSpec] { layout.specs }

    /// The values of one tensor, by its Hugging Face name ("h.0.ln_1.weight").
    public func tensor(named name: String) -> [Float]? {
        guard let spec = layout.specs.first(where: { $0.name == name }) else { return nil }
        return Array(UnsafeBufferPointer(start: parameters.pointer + spec.offset, count: spec.count))
    }

    /// Overwrites one tensor (tests, surgery); the count must match.
    public func setTensor(named name: String, _ values: [Float]) throws(EngineError) {
        guard let spec = layout.specs.first(where: { $0.name == name }) else {
            throw .invalidArgument("model has no tensor '\(name)'")
        }
        guard values.count == spec.count else {
            throw .shapeMismatch("tensor '\(name)' holds \(spec.count) values, got \(values.count)")
        }
        values.withUnsafeBufferPointer { (parameters.pointer + spec.offset).update(from: $0.baseAddress!, count: spec.count) }
        parameterVersion &+= 1
    }

    /// A deep copy (a frozen reference policy, or the old policy of a step).
    public func copy() -> GPTModel {
        let values = FloatBuffer(count: layout.count)
        values.copy(from: parameters)
        let model = GPTModel(config: config, parameters: values)
        model.dropoutRandom = dropoutRandom
        return model
    }

    /// Copies another model's parameters into this one (same config).
    public func loadParameters(from other: GPTModel) throws(EngineError) {
        guard other.config == config else {
            throw .shapeMismatch("cannot copy parameters between models of different shapes")
        }
        parameters.copy(from: other.parameters)
        parameterVersion &+= 1
    }

    /// The gradient block, allocated (zeroed) on first use.
    var gradients: FloatBuffer {
        if let gradientBuffer { return gradientBuffer }
        let buffer = FloatBuffer(count: layout.count)
        gradientBuffer = buffer
        return buffer
    }

    /// Sets every gradient to zero (start of an accumulation).
    public func zeroGradients() { gradients.zero() }

    /// A copy of the gradient of one tensor (tests and diagnostics).
    public func gradient(named name: String) -> [Float]? {
        guard let spec = layout.specs.first(where: { $0.name == name }) else { return nil }
        return Array(UnsafeBufferPointer(start: gradients.pointer + spec.offset, count: spec.count))
    }
}
