import Foundation

/// Saving and resuming a GRPO trainer: the model directory (`Checkpoint`),
/// `optimizer.safetensors` (AdamW's moments), `reference.safetensors` (the
/// frozen KL model, when beta > 0) and `trainer_state.json` (step count,
/// settings, dropout stream). Sampling seeds derive from the seed and the
/// step count, so a resumed trainer samples what the original would have.
struct GRPOStateFile: Codable {
    var kind: String
    var step: Int
    var settings: GRPOSettings
    var dropoutRandom: ModelRandom
}

extension GRPOTrainer {
    public static let stateFile = "trainer_state.json"
    public static let referenceFile = "reference.safetensors"

    /// Writes everything `resume(from:)` needs, plus `extraFiles` (the
    /// caller's own state), to `directory` atomically. Refuses weights that
    /// are not finite: a checkpoint is always one worth resuming from.
    public func save(to directory: URL, extraFiles: [String: Data] = [:]) throws(EngineError) {
        guard model.weightsAreFinite else {
            throw .numerical("the model's weights are not finite; no checkpoint written to \(directory.path)")
        }
        let state = GRPOStateFile(kind: "grpo", step: stepsTaken, settings: settings, dropoutRandom: model.dropoutRandom)
        var files = extraFiles
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            files[Self.stateFile] = try encoder.encode(state)
        } catch {
            throw .invalidArgument("cannot encode \(Self.stateFile): \(error)")
        }
        files[AdamW.stateFile] = try optimizer.encodeState(for: model)
        if let reference { files[Self.referenceFile] = try Checkpoint.weights(reference) }
        try Checkpoint.save(model, tokenizer: tokenizer, to: directory, extraFiles: files)
    }

    /// A trainer restored from `save(to:)`, with its model and tokenizer.
    public static func resume(from directory: URL) throws(EngineError) -> GRPOTrainer {
        let (model, tokenizer) = try Checkpoint.load(from: directory)
        let state: GRPOStateFile
        do {
            state = try JSONDecoder().decode(GRPOStateFile.self, from: try Checkpoint.read(directory, stateFile))
        } catch let error as EngineError {
            throw error
        } catch {
            throw .invalidArgument("\(directory.path)/\(stateFile) is not a valid GRPO trainer state: \(error)")
        }
        if state.kind != "grpo" { throw .invalidArgument("\(stateFile) is for a \(state.kind) trainer, not GRPO") }
        if state.step < 0 || state.dropoutRandom.state.count != 4 {
            throw .invalidArgument("\(directory.path)/\(stateFile) holds an impossible state")
        }
        var reference: GPTModel? = nil
        if state.settings.loss.beta != 0 {
            let file = try SafeTensors.decode(try Checkpoint.read(directory, referenceFile), name: referenceFile)
            reference = GPTModel(config: model.config, parameters: try Checkpoint.readParameters(file, config: model.config))
        }
        model.dropoutRandom = state.dropoutRandom
        let trainer = try GRPOTrainer(model: model, tokenizer: tokenizer, settings: state.settings, reference: reference)
        try trainer.optimizer.restoreState(try Checkpoint.read(directory, AdamW.stateFile), for: model)
        trainer.stepsTaken = state.step
        return trainer
    }
}

extension GPTModel {
    /// No weight is NaN or infinite.
    public var weightsAreFinite: Bool {
        let p = parameters.pointer
        var bad = false
        for i in 0..<parameterCount where !p[i].isFinite {
            bad = true
            break
        }
        return !bad
    }
}
