import Engine
import Foundation

/// A transformer as a language value: the engine's `GPTModel`, its
/// tokenizer, and the counters that make a session replayable (the seed of
/// the next sampling call, the seed of the next SFT example).
///
/// `sft` trains the model in place; `m.copy()` gives an independent one.
final class ModelObject: NativeObject {
    let model: GPTModel
    let tokenizer: any Tokenizer
    /// The initialisation seed; sampling without `seed:` draws from a stream derived from it.
    let seed: Int
    /// Sampling calls made without a seed (the position in the model's own stream).
    var samplingCalls = 0
    /// Task examples SFT has drawn without a seed: the next one uses this seed.
    var examplesSeen = 0
    /// Optimizer steps taken by every `sft` call on this model.
    var stepsTrained = 0

    init(model: GPTModel, tokenizer: any Tokenizer, seed: Int) {
        self.model = model
        self.tokenizer = tokenizer
        self.seed = seed
    }

    var typeName: String { "model" }

    var tokenizerName: String { Tokenizers.name(of: tokenizer) }

    func display() -> String {
        let c = model.config
        let trained = stepsTrained > 0 ? " steps=\(stepsTrained)" : ""
        return "<model layers=\(c.layers) dim=\(c.dim) heads=\(c.heads) context=\(c.context) vocab=\(c.vocabSize) tokenizer=\(tokenizerName) parameters=\(model.parameterCount)\(trained)>"
    }

    var memberNames: [String] {
        ["config", "parameters", "params", "tokenizer", "seed", "steps", "sample", "generate", "logprobs", "logprob",
         "encode", "decode", "save", "copy"]
    }

    var configRecord: Value {
        let c = model.config
        return .record([
            ("layers", .int(c.layers)), ("dim", .int(c.dim)), ("heads", .int(c.heads)), ("context", .int(c.context)),
            ("vocab", .int(c.vocabSize)), ("dropout", .float(Double(c.dropout))), ("tokenizer", .string(tokenizerName)),
        ])
    }

    func member(_ name: String, vm: Interpreter) throws(Unwind) -> Value? {
        switch name {
        case "config": return configRecord
        case "parameters", "params": return .int(model.parameterCount)
        case "tokenizer": return .string(tokenizerName)
        case "seed": return .int(seed)
        case "steps": return .int(stepsTrained)
        case "sample", "generate": return .builtin(sampleMethod(name))
        case "logprobs", "logprob":
            let sum = name == "logprob"
            return .builtin(Builtin("model.\(name)", [.required("prompt"), .required("completion")],
                                    help: sum ? "The sum of the completion tokens' log-probabilities given the prompt."
                                              : "The log-probability of each completion token given the prompt.") { args throws(Unwind) in
                let prompt = try self.promptTokens(args[0], args, what: "prompt")
                let completion = try self.completionTokens(args, 1)
                if completion.isEmpty { throw args.fail("the completion is empty: there is nothing to score") }
                let values = try args.engine { () throws(EngineError) in
                    try self.model.completionLogProbs(prompts: [prompt], completions: [completion], padToken: self.tokenizer.padToken)
                }
                let row = values.first ?? []
                if sum { return .float(row.reduce(0.0) { $0 + Double($1) }) }
                return .list(row.map { .float(Double($0)) })
            })
        case "encode":
            return .builtin(Builtin("model.encode", [.required("text")], help: "The token ids of a text.") { args throws(Unwind) in
                .list(try self.tokens(try args.string(0), args).map { .int(Int($0)) })
            })
        case "decode":
            return .builtin(Builtin("model.decode", [.required("tokens")], help: "The text of a list of token ids (special tokens dropped).") { args throws(Unwind) in
                var ids: [Int32] = []
                for (i, v) in try args.list(0).enumerated() {
                    guard case .int(let id) = v, id >= 0, id < self.tokenizer.vocabSize else {
                        throw args.fail("token \(i) is \(v.shortDisplay), not an id in 0..\(self.tokenizer.vocabSize - 1)")
                    }
                    ids.append(Int32(id))
                }
                return .string(self.tokenizer.decode(ids))
            })
        case "save":
            return .builtin(Builtin("model.save", [.required("dir")], help: "Writes the model to a directory (model.safetensors, config.json, tokenizer.json), atomically.") { args throws(Unwind) in
                try self.save(to: try args.string(0), args)
                return .nil
            })
        case "copy":
            return .builtin(Builtin("model.copy", [], help: "An independent copy of the model.") { _ throws(Unwind) in
                .object(self.copy())
            })
        default: return nil
        }
    }

    func copy() -> ModelObject {
        let other = ModelObject(model: model.copy(), tokenizer: tokenizer, seed: seed)
        other.samplingCalls = samplingCalls
        other.examplesSeen = examplesSeen
        other.stepsTrained = stepsTrained
        return other
    }

    // MARK: - Tokens

    /// The ids of `text`; a word-level tokenizer refuses words it cannot spell.
    func tokens(_ text: String, _ args: Arguments) throws(Unwind) -> [Int32] {
        try args.engine { () throws(EngineError) in try Tokenizers.encodeChecked(text, self.tokenizer) }
    }

    /// A completion: a string (encoded) or a list of token ids (as `m.sample` returns them).
    func completionTokens(_ args: Arguments, _ i: Int) throws(Unwind) -> [Int32] {
        switch args[i] {
        case .string(let s): return try tokens(s, args)
        case .list(let items):
            var ids: [Int32] = []
            for (k, v) in items.enumerated() {
                guard case .int(let id) = v, id >= 0, id < model.config.vocabSize else {
                    throw args.fail("completion token \(k) is \(v.shortDisplay), not an id in 0..\(model.config.vocabSize - 1)")
                }
                ids.append(Int32(id))
            }
            return ids
        default: throw args.mismatch(i, "a string or a list of token ids")
        }
    }

    /// A prompt: a string as it is, or an example record with its template
    /// applied (see `ModelExample`).
    func promptText(_ value: Value, _ args: Arguments, what: String) throws(Unwind) -> String {
        switch value {
        case .string(let s): return s
        case .record(let r):
            do { return try ModelExample(record: r, trace: false, requireTarget: false).prompt } catch {
                throw args.fail("\(what): \(error.message)")
            }
        default:
            throw args.fail("\(what) must be a string or an example record, got \(article(value.typeName))")
        }
    }

    func promptTokens(_ value: Value, _ args: Arguments, what: String) throws(Unwind) -> [Int32] {
        let ids = try tokens(try promptText(value, args, what: what), args)
        if ids.isEmpty { throw args.fail("\(what) is empty; a prompt needs at least one token") }
        return ids
    }

    // MARK: - Sampling

    func sampleMethod(_ name: String) -> Builtin {
        Builtin("model.\(name)", [
            .required("prompt"), .optional("n", .int(1)), .optional("temperature", .float(1)), .optional("top_k", .int(0)),
            .optional("top_p", .float(1)), .optional("max_tokens"), .optional("stop", .list([])), .optional("seed"),
        ], help: "Samples completions of a prompt (a string, an example record, or a list of them).") { args throws(Unwind) in
            try self.sample(args)
        }
    }

    /// The seed of a sampling call: the one given, or the next of the model's own stream.
    func samplingSeed(_ args: Arguments, _ i: Int) throws(Unwind) -> UInt64 {
        switch args[i] {
        case .nil:
            samplingCalls += 1
            return UInt64(bitPattern: Int64(seed)) &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(samplingCalls)
        case .int(let s): return UInt64(bitPattern: Int64(s))
        default: throw args.mismatch(i, "an integer seed")
        }
    }

    func sample(_ args: Arguments) throws(Unwind) -> Value {
        let single: Bool
        var promptValues: [Value]
        if case .list(let items) = args[0] {
            single = false
            promptValues = items
        } else {
            single = true
            promptValues = [args[0]]
        }
        var prompts: [[Int32]] = []
        var texts: [String] = []
        for (i, v) in promptValues.enumerated() {
            let text = try promptText(v, args, what: single ? "prompt" : "prompt \(i)")
            let ids = try tokens(text, args)
            if ids.isEmpty { throw args.fail("\(single ? "the prompt" : "prompt \(i)") is empty; a prompt needs at least one token") }
            if ids.count > model.config.context {
                throw args.fail("\(single ? "the prompt" : "prompt \(i)") has \(ids.count) tokens, more than the model's context of \(model.config.context)")
            }
            prompts.append(ids)
            texts.append(text)
        }
        let n = try args.int(1)
        if n < 1 { throw args.fail("n must be at least 1, got \(n)") }
        let temperature = try args.double(2)
        let topK = try args.int(3)
        let topP = try args.double(4)
        let longest = prompts.map(\.count).max() ?? 0
        let maxTokens = args.isNil(5) ? max(1, model.config.context - longest) : try args.int(5)
        var stops: [String] = []
        switch args[6] {
        case .string(let s): stops = [s]
        case .list(let items):
            for item in items {
                guard case .string(let s) = item else { throw args.fail("stop must be a string or a list of strings, got \(item.shortDisplay) in the list") }
                stops.append(s)
            }
        default: throw args.mismatch(6, "a string or a list of strings")
        }
        let settings = SamplingSettings(temperature: Float(temperature), topK: topK, topP: Float(topP), maxTokens: maxTokens,
                                        stopStrings: stops, seed: try samplingSeed(args, 7))
        let completions = try args.engine { () throws(EngineError) in
            try self.model.generate(prompts: prompts, samplesPerPrompt: n, settings: settings, tokenizer: self.tokenizer)
        }
        let records = completions.map { completionRecord($0, prompt: texts[$0.promptIndex]) }
        if single && n == 1, let only = records.first { return only }
        return .list(records)
    }

    func completionRecord(_ c: Completion, prompt: String) -> Value {
        let finish: String
        switch c.finishReason {
        case .endOfSequence: finish = "eos"
        case .stopString: finish = "stop"
        case .length: finish = "length"
        }
        return .record([
            ("prompt", .string(prompt)),
            ("text", .string(c.text)),
            ("tokens", .list(c.tokens.map { .int(Int($0)) })),
            ("logprobs", .list(c.logProbs.map { .float(Double($0)) })),
            ("truncated", .bool(c.truncated)),
            ("finish", .string(finish)),
        ])
    }

    // MARK: - Checkpoints

    static let stateFile = "pivot.json"

    func save(to path: String, _ args: Arguments) throws(Unwind) {
        if path.isEmpty { throw args.fail("the directory name is empty") }
        let state: [String: Any] = ["seed": seed, "sampling_calls": samplingCalls, "examples_seen": examplesSeen,
                                    "steps": stepsTrained]
        let data = (try? JSONSerialization.data(withJSONObject: state, options: [.sortedKeys])) ?? Data()
        try args.engine { () throws(EngineError) in
            try Checkpoint.save(model, tokenizer: tokenizer, to: URL(fileURLWithPath: path), extraFiles: [Self.stateFile: data])
        }
    }

    static func load(_ path: String, _ args: Arguments) throws(Unwind) -> ModelObject {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw args.fail("there is no directory \(path)")
        }
        guard isDirectory.boolValue else { throw args.fail("\(path) is a file; a model is a directory (written by m.save)") }
        let url = URL(fileURLWithPath: path)
        let model: GPTModel, tokenizer: any Tokenizer
        do {
            (model, tokenizer) = try Checkpoint.load(from: url)
        } catch {
            // Name the directory as the user wrote it.
            let message = error.message
            if message.contains(url.path) { throw args.fail(message.replacingOccurrences(of: url.path, with: path)) }
            throw args.fail("cannot load \(path): \(message)")
        }
        var state: [String: Any] = [:]
        if let data = try? Data(contentsOf: url.appendingPathComponent(stateFile)),
           let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] {
            state = object
        }
        func count(_ key: String) -> Int { (state[key] as? Int).map { max($0, 0) } ?? 0 }
        let object = ModelObject(model: model, tokenizer: tokenizer, seed: (state["seed"] as? Int) ?? 0)
        object.samplingCalls = count("sampling_calls")
        object.examplesSeen = count("examples_seen")
        object.stepsTrained = count("steps")
        return object
    }
}
