import Foundation

/// Saving and resuming training: the model directory (see `Checkpoint`)
/// plus `optimizer.safetensors` (AdamW's moments, named
/// `exp_avg.<tensor>` / `exp_avg_sq.<tensor>` as in torch) and
/// `trainer_state.json` (step counters, settings, dropout stream).
extension AdamW {
    public static let stateFile = "optimizer.safetensors"

    /// The moments as a safetensors file.
    func encodeState(for model: GPTModel) throws(EngineError) -> Data {
        var tensors: [(name: String, shape: [Int], values: UnsafeBufferPointer<Float>)] = []
        for spec in model.tensors {
            tensors.append((name: "exp_avg." + spec.name, shape: spec.shape,
                            values: UnsafeBufferPointer(start: firstMoment.pointer + spec.offset, count: spec.count)))
        }
        for spec in model.tensors {
            tensors.append((name: "exp_avg_sq." + spec.name, shape: spec.shape,
                            values: UnsafeBufferPointer(start: secondMoment.pointer + spec.offset, count: spec.count)))
        }
        return try SafeTensors.encode(tensors, metadata: ["step": String(step)])
    }

    /// Restores the moments and step from `encodeState`'s output.
    func restoreState(_ data: Data, for model: GPTModel) throws(EngineError) {
        let file = try SafeTensors.decode(data, name: Self.stateFile)
        guard let stepText = file.metadata["step"], let savedStep = Int(stepText), savedStep >= 0 else {
            throw .invalidArgument("\(Self.stateFile): metadata has no step count")
        }
        var first = [Float](repeating: 0, count: model.parameterCount), second = first
        for spec in model.tensors {
            for (prefix, isFirst) in [("exp_avg.", true), ("exp_avg_sq.", false)] {
                guard let entry = file.entries[prefix + spec.name] else {
                    throw .invalidArgument("\(Self.stateFile): missing tensor '\(prefix + spec.name)'")
                }
                if entry.shape != spec.shape {
                    throw .invalidArgument("\(Self.stateFile): tensor '\(prefix + spec.name)' has shape \(entry.shape), the model's is \(spec.shape)")
                }
                let values = file.floats(entry)
                for i in 0..<spec.count {
                    if isFirst { first[spec.offset + i] = values[i] } else { second[spec.offset + i] = values[i] }
                }
            }
        }
        try restore(step: savedStep, first: first, second: second)
    }
}

/// What `trainer_state.json` holds.
struct TrainerStateFile: Codable {
    var kind: String
    var step: Int
    var settings: SFTSettings
    var dropoutRandom: ModelRandom
}

extension SFTTrainer {
    public static let stateFile = "trainer_state.json"

    /// Writes model, tokenizer, optimizer and trainer state to `directory`
    /// atomically; `resume(from:)` continues exactly where this left off.
    public func save(to directory: URL, tokenizer: any Tokenizer) throws(EngineError) {
        let state = TrainerStateFile(kind: "sft", step: step, settings: settings, dropoutRandom: model.dropoutRandom)
        let stateData: Data
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            stateData = try encoder.encode(state)
        } catch {
            throw .invalidArgument("cannot encode \(Self.stateFile): \(error)")
        }
        try Checkpoint.save(model, tokenizer: tokenizer, to: directory,
                            extraFiles: [AdamW.stateFile: try optimizer.encodeState(for: model), Self.stateFile: stateData])
    }

    /// A trainer (with its model and tokenizer) restored from `save(to:)`.
    public static func resume(from directory: URL) throws(EngineError) -> (trainer: SFTTrainer, tokenizer: any Tokenizer) {
        let (model, tokenizer) = try Checkpoint.load(from: directory)
        let state: TrainerStateFile
        do {
            state = try JSONDecoder().decode(TrainerStateFile.self, from: try Checkpoint.read(directory, stateFile))
        } catch let error as EngineError {
            throw error
        } catch {
            throw .invalidArgument("\(stateFile) is not a valid SFT trainer state: \(error)")
        }
        if state.kind != "sft" { throw .invalidArgument("\(stateFile) is for a \(state.kind) trainer, not SFT") }
        if state.step < 0 || state.dropoutRandom.state.count != 4 {
            throw .invalidArgument("\(stateFile) holds an impossible state")
        }
        model.dropoutRandom = state.dropoutRandom
        let trainer = try SFTTrainer(model: model, settings: state.settings)
        try trainer.optimizer.restoreState(try Checkpoint.read(directory, AdamW.stateFile), for: model)
        trainer.restore(step: state.step)
        return (trainer, tokenizer)
    }
}
