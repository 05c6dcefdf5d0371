import Foundation
import XCTest
@testable import Engine

/// Checkpoints: round trips, Hugging Face names, and a clear error (never a
/// trap) for every kind of damaged file.
final class ModelCheckpointTests: XCTestCase {
    let config = GPTConfig(layers: 2, dim: 8, heads: 2, context: 6, vocabSize: 259)
    let tokenizer = ByteTokenizer()
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("pivot-model-test-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString)")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    var checkpoint: URL { directory.appendingPathComponent("ckpt") }

    func testRoundTripKeepsEveryParameterAndTheTokenizer() throws {
        let model = try GPTModel(config: config, seed: 1)
        try Checkpoint.save(model, tokenizer: tokenizer, to: checkpoint)
        try Checkpoint.save(model, tokenizer: tokenizer, to: checkpoint)  // replacing an existing one works
        let (loaded, loadedTokenizer) = try Checkpoint.load(from: checkpoint)
        XCTAssertEqual(loaded.config, config)
        XCTAssertEqual(loaded.parameters.array, model.parameters.array)
        XCTAssertEqual(loadedTokenizer as? ByteTokenizer, tokenizer)
        let tokens: [Int32] = [1, 2, 3, 4]
        XCTAssertEqual(try loaded.logits(tokens: tokens, batchSize: 1, length: 4),
                       try model.logits(tokens: tokens, batchSize: 1, length: 4))
        let files = try FileManager.default.contentsOfDirectory(atPath: checkpoint.path).sorted()
        XCTAssertEqual(files, ["config.json", "model.safetensors", "tokenizer.json"])
        // No temporary or old directories are left behind.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["ckpt"])
    }

    func testHuggingFaceNamesShapesAndConfig() throws {
        let model = try GPTModel(config: config, seed: 1)
        try Checkpoint.save(model, tokenizer: tokenizer, to: checkpoint)
        let file = try SafeTensors.decode(try Data(contentsOf: checkpoint.appendingPathComponent("model.safetensors")))
        XCTAssertEqual(file.entries["wte.weight"]?.shape, [259, 8])
        XCTAssertEqual(file.entries["wpe.weight"]?.shape, [6, 8])
        XCTAssertEqual(file.entries["h.1.attn.c_attn.weight"]?.shape, [8, 24])  // Conv1D: [in, out]
        XCTAssertEqual(file.entries["h.1.mlp.c_proj.weight"]?.shape, [32, 8])
        XCTAssertEqual(file.entries["ln_f.bias"]?.shape, [8])
        XCTAssertEqual(file.entries.count, 2 + 2 * 12 + 2)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: checkpoint.appendingPathComponent("config.json"))) as! [String: Any]
        XCTAssertEqual(json["model_type"] as? String, "gpt2")
        XCTAssertEqual(json["n_embd"] as? Int, 8)
        XCTAssertEqual(json["n_ctx"] as? Int, 6)
        XCTAssertEqual(json["activation_function"] as? String, "gelu_new")
        XCTAssertEqual(json["eos_token_id"] as? Int, 256)
    }

    func testTruncatedFilesSayWhatIsMissing() throws {
        let model = try GPTModel(config: config, seed: 1)
        try Checkpoint.save(model, tokenizer: tokenizer, to: checkpoint)
        let weights = checkpoint.appendingPathComponent("model.safetensors")
        let full = try Data(contentsOf: weights)
        let headerLength = Int(full[0]) | Int(full[1]) << 8 | Int(full[2]) << 16
        let cases: [(Int, String)] = [
            (0, "model.safetensors: file is truncated: 0 bytes, but a safetensors file starts with an 8-byte header length"),
            (5, "model.safetensors: file is truncated: 5 bytes, but a safetensors file starts with an 8-byte header length"),
            (8 + headerLength / 2, "model.safetensors: file is truncated: the header should be \(headerLength) bytes but only \(headerLength / 2) follow the length"),
            (full.count - 1, "model.safetensors: file is truncated: tensor"),
        ]
        for (length, message) in cases {
            try full.prefix(length).write(to: weights)
            XCTAssertThrowsError(try Checkpoint.load(from: checkpoint)) { error in
                let text = (error as? EngineError)?.message ?? "\(error)"
                XCTAssertTrue(text.hasPrefix(message), "cut at \(length): \(text)")
            }
        }
    }

    func testCorruptedFilesSayWhatIsWrong() throws {
        let model = try GPTModel(config: config, seed: 1)
        try Checkpoint.save(model, tokenizer: tokenizer, to: checkpoint)
        let weights = checkpoint.appendingPathComponent("model.safetensors")
        let good = try Data(contentsOf: weights)
        let headerLength = Int(good[0]) | Int(good[1]) << 8 | Int(good[2]) << 16
        let header = String(decoding: good[8..<(8 + headerLength)], as: UTF8.self)

        func expect(_ header: String, _ message: String, file: StaticString = #filePath, line: UInt = #line) throws {
            var bytes = Data(header.utf8)
            while bytes.count % 8 != 0 { bytes.append(0x20) }
            var data = Data()
            withUnsafeBytes(of: UInt64(bytes.count).littleEndian) { data.append(contentsOf: $0) }
            data.append(bytes)
            data.append(good[(8 + headerLength)...])
            try data.write(to: weights)
            XCTAssertThrowsError(try Checkpoint.load(from: checkpoint), file: file, line: line) { error in
                XCTAssertEqual((error as? EngineError)?.message, message, file: file, line: line)
            }
        }
        try expect("{not json", "model.safetensors: header is not a JSON object (the file is corrupt)")
        try expect(header.replacingOccurrences(of: "\"F32\"", with: "\"F16\""), "model.safetensors: tensor '\(firstTensor(header))' has dtype F16; Pivot reads F32 only")
        try expect(header.replacingOccurrences(of: "\"ln_f.bias\"", with: "\"ln_f.bias_renamed\""),
                   "model.safetensors: unexpected tensor 'ln_f.bias_renamed' (not part of a 2-layer GPT-2)")
        // A shape that disagrees with its byte range.
        try expect(header.replacingOccurrences(of: "\"shape\":[6,8]", with: "\"shape\":[6,9]"),
                   "model.safetensors: tensor 'wpe.weight' has shape [6, 9] (216 bytes as F32) but its data_offsets span 192 bytes")
        // Two tensors claiming the same bytes.
        let wpe = try XCTUnwrap(SafeTensors.decode(good).entries["wpe.weight"])
        let wte = try XCTUnwrap(SafeTensors.decode(good).entries["wte.weight"])
        try expect(header.replacingOccurrences(of: "\"data_offsets\":[\(wpe.begin),\(wpe.end)]",
                                               with: "\"data_offsets\":[\(wte.begin),\(wte.begin + 192)]"),
                   "model.safetensors: tensors 'wpe.weight' and 'wte.weight' overlap in the data")
        // A huge header length.
        var huge = good
        huge.replaceSubrange(0..<8, with: [0, 0, 0, 0, 0, 1, 0, 0])
        try huge.write(to: weights)
        XCTAssertThrowsError(try Checkpoint.load(from: checkpoint)) {
            XCTAssertTrue(($0 as? EngineError)?.message.contains("implausible") ?? false)
        }
        // A NaN in the weights.
        var poisoned = good
        let at = 8 + headerLength + wpe.begin + 4 * 3
        poisoned.replaceSubrange(at..<(at + 4), with: withUnsafeBytes(of: Float.nan.bitPattern.littleEndian) { Array($0) })
        try poisoned.write(to: weights)
        XCTAssertThrowsError(try Checkpoint.load(from: checkpoint)) {
            XCTAssertEqual(($0 as? EngineError)?.message, "model.safetensors: tensor 'wpe.weight' holds a non-finite value (nan) at index 3")
        }
        // A config that disagrees with the weights, and one that is impossible.
        try good.write(to: weights)
        let configURL = checkpoint.appendingPathComponent("config.json")
        let configText = try String(contentsOf: configURL, encoding: .utf8)
        try configText.replacingOccurrences(of: "\"n_positions\" : 6", with: "\"n_positions\" : 7").write(to: configURL, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try Checkpoint.load(from: checkpoint)) {
            XCTAssertEqual(($0 as? EngineError)?.message, "model.safetensors: tensor 'wpe.weight' has shape [6, 8], config.json implies [7, 8]")
        }
        try configText.replacingOccurrences(of: "\"n_head\" : 2", with: "\"n_head\" : 3").write(to: configURL, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try Checkpoint.load(from: checkpoint)) {
            XCTAssertEqual(($0 as? EngineError)?.message, "config.json: model heads (3) must divide dim (8)")
        }
        try FileManager.default.removeItem(at: configURL)
        XCTAssertThrowsError(try Checkpoint.load(from: checkpoint)) {
            XCTAssertEqual(($0 as? EngineError)?.message, "\(self.checkpoint.path) has no config.json")
        }
    }

    /// Saving a trainer mid-run and resuming gives the same parameters as
    /// training straight through.
    func testTrainerResumesExactly() throws {
        let settings = SFTSettings(schedule: LearningRateSchedule(peak: 1e-2, warmupSteps: 2, totalSteps: 6),
                                   padToken: tokenizer.padToken)
        let batch = [SFTExample(prompt: tokenizer.encode("ab"), completion: tokenizer.encode("cd")),
                     SFTExample(prompt: tokenizer.encode("x"), completion: tokenizer.encode("yz1"))]
        let straight = try SFTTrainer(model: GPTModel(config: config, seed: 2), settings: settings)
        for _ in 0..<5 { _ = try straight.step(batch) }

        let first = try SFTTrainer(model: GPTModel(config: config, seed: 2), settings: settings)
        for _ in 0..<3 { _ = try first.step(batch) }
        try first.save(to: checkpoint, tokenizer: tokenizer)
        let (resumed, _) = try SFTTrainer.resume(from: checkpoint)
        XCTAssertEqual(resumed.step, 3)
        XCTAssertEqual(resumed.optimizer.step, 3)
        for _ in 0..<2 { _ = try resumed.step(batch) }
        XCTAssertEqual(resumed.model.parameters.array, straight.model.parameters.array)
    }

    private func firstTensor(_ header: String) -> String {
        // Keys are sorted, so "h.0.attn.c_attn.bias" comes first.
        "h.0.attn.c_attn.bias"
    }
}
