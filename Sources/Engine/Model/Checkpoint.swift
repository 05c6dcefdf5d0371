import Foundation

/// A model directory Hugging Face `transformers` can read as it is:
/// `model.safetensors` (GPT-2 tensor names, Conv1D layouts, F32),
/// `config.json` (a GPT2Config) and `tokenizer.json` (Pivot's tokenizer
/// description). Written atomically: the files go to a temporary sibling
/// directory that is then renamed into place.
public enum Checkpoint {
    public static let weightsFile = "model.safetensors"
    public static let configFile = "config.json"

    /// Writes the model and tokenizer to `directory` (replacing it whole).
    public static func save(_ model: GPTModel, tokenizer: any Tokenizer, to directory: URL,
                            extraFiles: [String: Data] = [:]) throws(EngineError) {
        var files = extraFiles
        files[weightsFile] = try weights(model)
        files[configFile] = try configJSON(model.config, tokenizer: tokenizer)
        files[TokenizerFile.name] = try TokenizerFile.encode(tokenizer)
        try writeAtomically(files, to: directory)
    }

    /// Reads a model directory, checking names, dtypes, shapes, offsets and
    /// sizes; throws an error naming the file and what is wrong with it.
    public static func load(from directory: URL) throws(EngineError) -> (model: GPTModel, tokenizer: any Tokenizer) {
        let config = try readConfig(try read(directory, configFile))
        let tokenizer = try TokenizerFile.decode(try read(directory, TokenizerFile.name))
        if tokenizer.vocabSize > config.vocabSize {
            throw .invalidArgument("\(TokenizerFile.name) has \(tokenizer.vocabSize) tokens but \(configFile) says vocab_size \(config.vocabSize)")
        }
        let file = try SafeTensors.decode(try read(directory, weightsFile), name: weightsFile)
        let parameters = try readParameters(file, config: config)
        return (GPTModel(config: config, parameters: parameters), tokenizer)
    }

    // MARK: - weights

    static func weights(_ model: GPTModel) throws(EngineError) -> Data {
        let base = UnsafePointer(model.parameters.pointer)
        let tensors = model.tensors.map { spec in
            (name: spec.name, shape: spec.shape, values: UnsafeBufferPointer(start: base + spec.offset, count: spec.count))
        }
        return try SafeTensors.encode(tensors, metadata: ["format": "pt"])
    }

    /// Tensors Hugging Face checkpoints carry that Pivot recomputes or ties.
    static func isIgnorable(_ name: String) -> Bool {
        name == "lm_head.weight" || name.hasSuffix(".attn.bias") && name.hasPrefix("h.") && !name.contains("c_attn")
            || name.hasSuffix(".attn.masked_bias")
    }

    static func readParameters(_ file: SafeTensors.File, config: GPTConfig) throws(EngineError) -> FloatBuffer {
        let layout = ParameterLayout(config)
        // Accept names with or without the "transformer." prefix HF adds.
        var byName: [String: SafeTensors.Entry] = [:]
        for (name, entry) in file.entries {
            let short = name.hasPrefix("transformer.") ? String(name.dropFirst("transformer.".count)) : name
            if byName[short] != nil { throw .invalidArgument("\(weightsFile): tensor '\(short)' appears twice") }
            byName[short] = entry
        }
        let known = Set(layout.specs.map(\.name))
        for name in byName.keys.sorted() where !known.contains(name) && !isIgnorable(name) {
            throw .invalidArgument("\(weightsFile): unexpected tensor '\(name)' (not part of a \(config.layers)-layer GPT-2)")
        }
        let parameters = FloatBuffer(count: layout.count)
        for spec in layout.specs {
            guard let entry = byName[spec.name] else {
                throw .invalidArgument("\(weightsFile): missing tensor '\(spec.name)'")
            }
            if entry.shape != spec.shape {
                throw .invalidArgument("\(weightsFile): tensor '\(spec.name)' has shape \(entry.shape), \(configFile) implies \(spec.shape)")
            }
            let values = file.floats(entry)
            if let bad = values.firstIndex(where: { !$0.isFinite }) {
                throw .invalidArgument("\(weightsFile): tensor '\(spec.name)' holds a non-finite value (\(values[bad])) at index \(bad)")
            }
            values.withUnsafeBufferPointer { (parameters.pointer + spec.offset).update(from: $0.baseAddress!, count: spec.count) }
        }
        return parameters
    }

    // MARK: - config.json

    /// A GPT2Config that GPT2LMHeadModel accepts as it is.
    static func configJSON(_ config: GPTConfig, tokenizer: any Tokenizer) throws(EngineError) -> Data {
        let json: [String: Any] = [
            "architectures": ["GPT2LMHeadModel"],
            "model_type": "gpt2",
            "vocab_size": config.vocabSize,
            "n_positions": config.context,
            "n_ctx": config.context,
            "n_embd": config.dim,
            "n_layer": config.layers,
            "n_head": config.heads,
            "n_inner": NSNull(),
            "activation_function": "gelu_new",
            "resid_pdrop": Double(config.dropout),
            "embd_pdrop": Double(config.dropout),
            "attn_pdrop": 0.0,  // Pivot drops out residual branches and embeddings, not attention weights
            "layer_norm_epsilon": 1e-5,
            "initializer_range": 0.02,
            "scale_attn_weights": true,
            "tie_word_embeddings": true,
            "use_cache": true,
            "bos_token_id": Int(tokenizer.eosToken),
            "eos_token_id": Int(tokenizer.eosToken),
            "pad_token_id": Int(tokenizer.padToken),
            "torch_dtype": "float32",
        ]
        do {
            return try JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys])
        } catch {
            throw .invalidArgument("cannot encode \(configFile): \(error)")
        }
    }

    static func readConfig(_ data: Data) throws(EngineError) -> GPTConfig {
        guard let object = try? JSONSerialization.jsonObject(with: data), let json = object as? [String: Any] else {
            throw .invalidArgument("\(configFile) is not a JSON object")
        }
        if let type = json["model_type"] as? String, type != "gpt2" {
            throw .invalidArgument("\(configFile): model_type is \"\(type)\", Pivot reads gpt2 only")
        }
        func integer(_ key: String) throws(EngineError) -> Int {
            guard let value = json[key], let n = SafeTensors.exactInt(value) else {
                throw .invalidArgument("\(configFile): \(key) is missing or not an integer")
            }
            return n
        }
        if let activation = json["activation_function"] as? String, activation != "gelu_new" {
            throw .invalidArgument("\(configFile): activation_function is \"\(activation)\", Pivot implements gelu_new only")
        }
        if let epsilon = json["layer_norm_epsilon"] as? Double, abs(epsilon - 1e-5) > 1e-12 {
            throw .invalidArgument("\(configFile): layer_norm_epsilon is \(epsilon), Pivot uses 1e-5 only")
        }
        let dim = try integer("n_embd")
        if let inner = json["n_inner"], !(inner is NSNull), SafeTensors.exactInt(inner) != 4 * dim {
            throw .invalidArgument("\(configFile): n_inner must be null or 4·n_embd")
        }
        let dropout = (json["resid_pdrop"] as? Double) ?? 0
        let config = GPTConfig(layers: try integer("n_layer"), dim: dim, heads: try integer("n_head"),
                               context: try integer("n_positions"), vocabSize: try integer("vocab_size"),
                               dropout: Float(dropout))
        do {
            try config.validate()
        } catch {
            throw .invalidArgument("\(configFile): \(error.message)")
        }
        return config
    }

    // MARK: - files

    static func read(_ directory: URL, _ name: String) throws(EngineError) -> Data {
        let url = directory.appendingPathComponent(name)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw .invalidArgument("\(directory.path) has no \(name)")
        }
        do {
            return try Data(contentsOf: url)
        } catch {
            throw .invalidArgument("cannot read \(url.path): \(error.localizedDescription)")
        }
    }

    /// Writes `files` into a fresh temporary sibling of `directory`, then
    /// renames it into place (moving any old directory aside first and
    /// deleting it after), so a reader sees the old or the new checkpoint,
    /// never half of one.
    public static func writeAtomically(_ files: [String: Data], to directory: URL) throws(EngineError) {
        let manager = FileManager.default
        let parent = directory.deletingLastPathComponent()
        let tag = "\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max))"
        let temporary = parent.appendingPathComponent(".\(directory.lastPathComponent).tmp-\(tag)")
        let old = parent.appendingPathComponent(".\(directory.lastPathComponent).old-\(tag)")
        do {
            try manager.createDirectory(at: parent, withIntermediateDirectories: true)
            try manager.createDirectory(at: temporary, withIntermediateDirectories: false)
            for (name, data) in files {
                try data.write(to: temporary.appendingPathComponent(name))
            }
        } catch {
            try? manager.removeItem(at: temporary)
            throw .invalidArgument("cannot write checkpoint \(directory.path): \(error.localizedDescription)")
        }
        var isDirectory: ObjCBool = false
        let existed = manager.fileExists(atPath: directory.path, isDirectory: &isDirectory)
        if existed && rename(directory.path, old.path) != 0 {
            try? manager.removeItem(at: temporary)
            throw .invalidArgument("cannot replace checkpoint \(directory.path): \(String(cString: strerror(errno)))")
        }
        if rename(temporary.path, directory.path) != 0 {
            let reason = String(cString: strerror(errno))
            if existed { _ = rename(old.path, directory.path) }
            try? manager.removeItem(at: temporary)
            throw .invalidArgument("cannot write checkpoint \(directory.path): \(reason)")
        }
        if existed { try? manager.removeItem(at: old) }
    }
}
