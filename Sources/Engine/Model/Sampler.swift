import Foundation

/// How to draw completions.
public struct SamplingSettings: Sendable, Equatable {
    /// Softmax temperature; 0 means greedy (always the most likely token).
    public var temperature: Float
    /// Keep only the k most likely tokens (0: all).
    public var topK: Int
    /// Keep the smallest set of most likely tokens whose probability
    /// reaches p (nucleus sampling; 1: all).
    public var topP: Float
    /// Most tokens to generate per completion.
    public var maxTokens: Int
    /// Stop when the completion's text contains one of these; the text is
    /// cut right after it (the stop string is kept, so tags still parse).
    public var stopStrings: [String]
    /// Stop at the tokenizer's end-of-sequence token (kept in `tokens`).
    public var stopAtEOS: Bool
    public var seed: UInt64

    public init(temperature: Float = 1, topK: Int = 0, topP: Float = 1, maxTokens: Int,
                stopStrings: [String] = [], stopAtEOS: Bool = true, seed: UInt64 = 0) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.maxTokens = maxTokens
        self.stopStrings = stopStrings
        self.stopAtEOS = stopAtEOS
        self.seed = seed
    }

    func validate() throws(EngineError) {
        if !(temperature == 0 || (temperature >= 1e-4 && temperature.isFinite)) {
            throw .invalidArgument("temperature must be 0 (greedy) or at least 0.0001, got \(temperature)")
        }
        if topK < 0 { throw .invalidArgument("top-k must be at least 0, got \(topK)") }
        if !(topP > 0 && topP <= 1) { throw .invalidArgument("top-p must be in (0, 1], got \(topP)") }
        if maxTokens < 1 { throw .invalidArgument("max tokens must be at least 1, got \(maxTokens)") }
        if stopStrings.contains("") { throw .invalidArgument("a stop string must not be empty") }
    }
}

/// Why a completion ended.
public enum FinishReason: Sendable, Equatable {
    case endOfSequence
    case stopString(String)
    /// Hit `maxTokens` or the model's context: the completion is truncated.
    case length
}

/// One sampled completion.
public struct Completion: Sendable, Equatable {
    /// Index of the prompt it continues.
    public var promptIndex: Int
    /// Generated token ids (the EOS token included when it ended there).
    public var tokens: [Int32]
    /// Decoded text (special tokens dropped, cut after a stop string).
    public var text: String
    /// log p of each generated token under the model at the sampling
    /// temperature (at temperature 1 for greedy), before top-k/top-p.
    public var logProbs: [Float]
    public var finishReason: FinishReason
    /// True when the completion ran out of tokens or context.
    public var truncated: Bool { finishReason == .length }
}

extension GPTModel {
    /// Samples `samplesPerPrompt` completions of each prompt, all sequences
    /// in one batch with a KV cache. Each prompt runs once; every sample of
    /// its group reads its keys and values from there. Sequence s draws from
    /// its own random stream (seed, s), so results do not depend on batch
    /// composition or threads. Returns completions prompt by prompt.
    public func generate(prompts: [[Int32]], samplesPerPrompt: Int = 1, settings: SamplingSettings,
                         tokenizer: any Tokenizer) throws(EngineError) -> [Completion] {
        try sample(prompts: prompts, samplesPerPrompt: samplesPerPrompt, settings: settings, tokenizer: tokenizer,
                   record: false).completions
    }

    /// `generate`, and with `record` the forward pass kept in the training
    /// activations, laid out as a packed batch (see `generateForTraining`).
    func sample(prompts: [[Int32]], samplesPerPrompt: Int, settings: SamplingSettings, tokenizer: any Tokenizer,
                record: Bool) throws(EngineError) -> (completions: [Completion], recorded: PackedBatch?) {
        try settings.validate()
        if prompts.isEmpty { return ([], nil) }
        if samplesPerPrompt < 1 { throw .invalidArgument("samples per prompt must be at least 1, got \(samplesPerPrompt)") }
        if tokenizer.vocabSize > config.vocabSize {
            throw .invalidArgument("tokenizer has \(tokenizer.vocabSize) tokens, the model only \(config.vocabSize)")
        }
        for (p, prompt) in prompts.enumerated() {
            if prompt.isEmpty { throw .invalidArgument("prompt \(p) is empty; a prompt needs at least one token") }
            if prompt.count > config.context {
                throw .invalidArgument("prompt \(p) has \(prompt.count) tokens, more than the model's context of \(config.context)")
            }
        }
        if samplesPerPrompt > 1 << 20 || prompts.count > 1 << 20 || prompts.count * samplesPerPrompt > 1 << 20 {
            throw .tooLarge("\(prompts.count) prompts × \(samplesPerPrompt) samples (at most 2^20 sequences)")
        }
        let S = prompts.count * samplesPerPrompt
        let longest = prompts.map(\.count).max() ?? 1
        let capacity = min(config.context, longest + min(settings.maxTokens, config.context))
        let bytes = 8 * Double(config.layers) * Double(S) * Double(capacity) * Double(config.dim)
        if bytes > 16e9 {
            throw .tooLarge("a KV cache of \(S) sequences × \(capacity) positions (\(Int(bytes / 1e6)) MB, at most 16 GB)")
        }
        // Each worker takes a fixed share of the sequences through every
        // decode step on its own: a sequence's step depends only on its own
        // cache (and its prompt's), so the workers never wait for each other.
        let workers = max(1, min(ModelThreading.workers, S))
        let (cache, buffers) = generationWorkspace(sequences: S, capacity: capacity,
                                                   rows: (S + workers - 1) / workers, workers: workers)
        // The first sample of each group holds the prompt's cache; the others read it there.
        let slots = prompts.indices.map { $0 * samplesPerPrompt }
        let recording = record ? try planRecording(prompts: prompts, samplesPerPrompt: samplesPerPrompt,
                                                   maxTokens: settings.maxTokens, workers: workers) : nil
        let prefillLogits: [Float]
        if let recording {
            prefillLogits = try prefillRecorded(recording, slots: slots, cache: cache)
        } else {
            prefillLogits = try prefill(prompts: prompts, slots: slots, cache: cache)
        }
        let V = config.vocabSize
        var states: [SequenceState] = []
        for s in 0..<S {
            let p = s / samplesPerPrompt
            cache.sharePrefix(from: p * samplesPerPrompt, to: s, count: prompts[p].count)
            states.append(SequenceState(random: ModelRandom(seed: settings.seed, stream: UInt64(s))))
        }
        let context = config.context
        var used = [Int](repeating: 0, count: workers)
        states.withUnsafeMutableBufferPointer { states in
            used.withUnsafeMutableBufferPointer { used in
                Parallel.forEachChunk(workers, costPerItem: 1 << 20) { _, shares in
                    for share in shares {
                        let draw = TokenDrawer(V: V, settings: settings)
                        var active: [Int] = []
                        for s in Parallel.chunk(share, of: workers, count: S) {
                            let p = s / samplesPerPrompt
                            prefillLogits.withUnsafeBufferPointer { logits in
                                draw.next(logits: logits.baseAddress! + p * V, state: &states[s])
                            }
                            if !finish(&states[s], position: prompts[p].count, capacity: context,
                                       settings: settings, tokenizer: tokenizer) {
                                active.append(s)
                            }
                        }
                        // A recording writes each step's rows after the last step's, in its worker's region.
                        var row = recording?.regionStarts[share]
                        while !active.isEmpty {
                            let tokens = active.map { states[$0].tokens.last ?? 0 }
                            let logits = decodeStep(sequences: active, tokens: tokens, cache: cache, buffers: buffers[share],
                                                    recordAt: row)
                            var stillActive: [Int] = []
                            for (i, s) in active.enumerated() {
                                if let row { states[s].rows.append(Int32(row + i)) }
                                draw.next(logits: logits + i * V, state: &states[s])
                                let position = prompts[s / samplesPerPrompt].count + states[s].tokens.count - 1
                                if !finish(&states[s], position: position, capacity: context,
                                           settings: settings, tokenizer: tokenizer) {
                                    stillActive.append(s)
                                }
                            }
                            row = row.map { $0 + active.count }
                            active = stillActive
                        }
                        if let row, let start = recording?.regionStarts[share] { used[share] = row - start }
                    }
                }
            }
        }
        let completions = states.enumerated().map { s, state in
            Completion(promptIndex: s / samplesPerPrompt, tokens: state.tokens,
                       text: state.text ?? tokenizer.decode(state.tokens),
                       logProbs: state.logProbs, finishReason: state.finishReason ?? .length)
        }
        guard let recording else { return (completions, nil) }
        return (completions, finishRecording(recording, completions: completions, rows: states.map(\.rows), used: used))
    }

    /// Decides whether a sequence whose newest token sits at `position` is
    /// done; sets its finish reason (and cut text) when it is.
    private func finish(_ state: inout SequenceState, position: Int, capacity: Int,
                        settings: SamplingSettings, tokenizer: any Tokenizer) -> Bool {
        guard let token = state.tokens.last else { return true }
        if settings.stopAtEOS && token == tokenizer.eosToken {
            state.finishReason = .endOfSequence
            return true
        }
        if !settings.stopStrings.isEmpty {
            let text = tokenizer.decode(state.tokens)
            var earliest: (String.Index, String)?
            for stop in settings.stopStrings {
                if let range = text.range(of: stop), earliest == nil || range.upperBound < earliest!.0 {
                    earliest = (range.upperBound, stop)
                }
            }
            if let (end, stop) = earliest {
                state.text = String(text[..<end])
                state.finishReason = .stopString(stop)
                return true
            }
        }
        // The next token would sit at position + 1: it needs room in the context.
        if state.tokens.count >= settings.maxTokens || position + 1 >= capacity {
            state.finishReason = .length
            return true
        }
        return false
    }
}

/// One sequence's progress through generation.
struct SequenceState {
    var random: ModelRandom
    var tokens: [Int32] = []
    /// Rows of the recorded activations that hold its decode steps (recording only).
    var rows: [Int32] = []
    var logProbs: [Float] = []
    var text: String?
    var finishReason: FinishReason?
}

/// Draws the next token from a row of logits: temperature, top-k, top-p.
final class TokenDrawer {
    let V: Int
    let settings: SamplingSettings
    /// Scratch reused for every draw.
    private let probabilities: FloatBuffer
    private let order: UnsafeMutablePointer<Int32>

    init(V: Int, settings: SamplingSettings) {
        self.V = V
        self.settings = settings
        probabilities = FloatBuffer(count: V)
        order = UnsafeMutablePointer<Int32>.allocate(capacity: V)
    }

    deinit { order.deallocate() }

    func next(logits: UnsafePointer<Float>, state: inout SequenceState) {
        let p = probabilities.pointer
        let inverse: Float = settings.temperature > 0 ? 1 / settings.temperature : 1
        for v in 0..<V { p[v] = logits[v] * inverse }
        let logNormaliser = Kernels.softmaxInPlace(p, count: V)
        var chosen = 0
        if settings.temperature == 0 {
            for v in 1..<V where logits[v] > logits[chosen] { chosen = v }
        } else {
            chosen = drawFiltered(p, random: &state.random)
        }
        state.tokens.append(Int32(chosen))
        state.logProbs.append(logits[chosen] * inverse - logNormaliser)
    }

    /// Draws from p restricted to its top-k / top-p set (renormalised).
    private func drawFiltered(_ p: UnsafeMutablePointer<Float>, random: inout ModelRandom) -> Int {
        let filtering = (settings.topK > 0 && settings.topK < V) || settings.topP < 1
        let u = random.nextUniform()
        if !filtering {
            var cumulative = 0.0
            for v in 0..<V {
                cumulative += Double(p[v])
                if u < cumulative { return v }
            }
            return lastNonZero(p)
        }
        for v in 0..<V { order[v] = Int32(v) }
        var ranked = UnsafeMutableBufferPointer(start: order, count: V)
        // Most likely first; ties by id so the order is deterministic.
        ranked.sort { (a: Int32, b: Int32) -> Bool in
            let pa: Float = p[Int(a)], pb: Float = p[Int(b)]
            return pa > pb || (pa == pb && a < b)
        }
        var keep = settings.topK > 0 ? min(settings.topK, V) : V
        if settings.topP < 1 {
            var cumulative: Float = 0
            for k in 0..<keep {
                cumulative += p[Int(order[k])]
                if cumulative >= settings.topP {
                    keep = k + 1
                    break
                }
            }
        }
        var total = 0.0
        for k in 0..<keep { total += Double(p[Int(order[k])]) }
        var cumulative = 0.0
        for k in 0..<keep {
            cumulative += Double(p[Int(order[k])])
            if u * total < cumulative { return Int(order[k]) }
        }
        return Int(order[keep - 1])
    }

    private func lastNonZero(_ p: UnsafeMutablePointer<Float>) -> Int {
        for v in stride(from: V - 1, through: 0, by: -1) where p[v] > 0 { return v }
        return V - 1
    }
}
