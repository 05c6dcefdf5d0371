import XCTest
@testable import Engine

/// The packed batch (each prompt once per group, no padding, logits only
/// where a completion token is predicted) against the padded batch, whose
/// backward the gradient checks prove, and against finite differences of
/// the Float64 reference model run on each sequence alone.
final class ModelPackedTests: XCTestCase {
    let config = GPTConfig(layers: 2, dim: 16, heads: 4, context: 12, vocabSize: 19)
    // Two prompts; completions of lengths 1 (only the prompt's last row
    // predicts), 4 and 7 (it fills the context) for the first, 2 and 5 for the second.
    let prompts: [[Int32]] = [[3, 7, 1], [9, 2, 5, 5, 11]]
    let completions: [[Int32]] = [[4], [8, 8, 0, 13], [1, 2, 3, 4, 5, 6, 18], [17, 6], [12, 3, 3, 10, 2]]
    let promptIndex = [0, 0, 0, 1, 1]

    /// dLoss/d log p of token k of completion b: distinct, some negative.
    func coefficient(_ b: Int, _ k: Int) -> Float { Float((b * 7 + k * 3) % 11) / 10 - 0.4 }

    func makeModel() throws -> GPTModel {
        let model = try GPTModel(config: config, seed: 5)
        // Bigger-than-init weights so every path carries a visible gradient.
        var numbers = TestNumbers(3)
        for spec in model.tensors {
            let values = model.tensor(named: spec.name)!
            try model.setTensor(named: spec.name, values.map { $0 * 10 + Float(numbers.next() * 0.1) })
        }
        return model
    }

    func testPackedBatchMatchesPaddedBatch() throws {
        let model = try makeModel()
        for temperature: Float in [1, 0.7] {
            // Padded: one sequence per completion, its prompt repeated.
            let padded = try TokenBatch.completions(prompts: promptIndex.map { prompts[$0] }, completions: completions,
                                                    padToken: 0, context: config.context) { b, k in -self.coefficient(b, k) }
            model.zeroGradients()
            let paddedResult = try model.accumulateGradients(padded, temperature: temperature)
            let expectedGradients = model.gradients.array
            let expectedLogProbs = completions.indices.map { b in
                let start = b * padded.length + prompts[promptIndex[b]].count - 1
                return Array(paddedResult.logProbs[start..<(start + completions[b].count)])
            }

            let packed = try PackedBatch(prompts: prompts, completions: completions, promptIndex: promptIndex,
                                         context: config.context)
            XCTAssertEqual(packed.rows, 3 + 5 + (0 + 3 + 6) + (1 + 4), "each prompt once, each completion but its last token")
            model.zeroGradients()
            let packedResult = try model.accumulateGradients(packed, temperature: temperature) { logProbs throws(EngineError) in
                var value = 0.0
                for (b, row) in logProbs.enumerated() {
                    for (k, logProb) in row.enumerated() { value += Double(coefficient(b, k)) * Double(logProb) }
                }
                return (value, logProbs.indices.map { b in logProbs[b].indices.map { k in coefficient(b, k) } })
            }
            XCTAssertEqual(packedResult.loss, paddedResult.loss, accuracy: 1e-5 * max(1, abs(paddedResult.loss)))
            for (row, expected) in zip(packedResult.logProbs, expectedLogProbs) {
                XCTAssertEqual(row.count, expected.count)
                for (a, b) in zip(row, expected) { XCTAssertEqual(a, b, accuracy: 1e-5 * max(1, abs(b))) }
            }
            let scale = expectedGradients.map(abs).max() ?? 1
            XCTAssertGreaterThan(scale, 0)
            let worst = zip(model.gradients.array, expectedGradients).map { abs($0 - $1) }.max() ?? 0
            XCTAssertLessThan(worst / scale, 1e-5, "temperature \(temperature): packed gradients differ from padded ones")
            // Inference gives the same log-probabilities.
            let scored = try model.completionLogProbs(packed, temperature: temperature)
            XCTAssertEqual(scored, packedResult.logProbs)
        }
    }

    /// Every tensor's gradient (sampled entries) against finite differences
    /// of Σ coefficient · log p, each sequence run alone through the Float64
    /// reference model.
    func testPackedGradientsMatchFiniteDifferences() throws {
        let model = try makeModel()
        let packed = try PackedBatch(prompts: prompts, completions: completions, promptIndex: promptIndex,
                                     context: config.context)
        model.zeroGradients()
        let result = try model.accumulateGradients(packed) { logProbs throws(EngineError) in
            (0, logProbs.indices.map { b in logProbs[b].indices.map { k in coefficient(b, k) } })
        }
        var params: [String: [Double]] = [:]
        for spec in model.tensors { params[spec.name] = model.tensor(named: spec.name)!.map(Double.init) }
        let V = config.vocabSize
        func loss(_ p: [String: [Double]]) -> Double {
            var total = 0.0
            for (b, completion) in completions.enumerated() {
                let prompt = prompts[promptIndex[b]]
                let inputs = prompt + completion.dropLast()
                let logits = Reference.gptLogits(p, layers: 2, C: 16, NH: 4, V: V, tokens: inputs, B: 1, T: inputs.count)
                for (k, token) in completion.enumerated() {
                    let row = prompt.count - 1 + k
                    total += Double(coefficient(b, k)) * Reference.logSoftmax(Array(logits[(row * V)..<((row + 1) * V)]))[Int(token)]
                }
            }
            return total
        }
        let logProbTotal = zip(result.logProbs.indices, result.logProbs).reduce(0.0) { sum, pair in
            sum + pair.1.enumerated().reduce(0.0) { $0 + Double(coefficient(pair.0, $1.offset)) * Double($1.element) }
        }
        XCTAssertEqual(logProbTotal, loss(params), accuracy: 1e-4 * max(1, abs(logProbTotal)))
        for spec in model.tensors {
            let indices = Array(stride(from: 0, to: spec.count, by: max(1, spec.count / 10)))
            let analytic = model.gradient(named: spec.name)!
            let numeric = Reference.numericGradient({ values in
                var p = params
                p[spec.name] = values
                return loss(p)
            }, at: params[spec.name]!, indices: indices)
            let error = Reference.relativeError(indices.map { Double(analytic[$0]) }, numeric)
            XCTAssertLessThan(error, 2e-3, "\(spec.name): packed gradient differs from finite differences")
        }
    }

    /// The sampler's recorded forward (one region of rows per worker,
    /// compacted) gives the log-probabilities and gradients of a fresh
    /// packed forward, for any number of workers; once the weights change
    /// the same call runs the forward itself.
    func testRecordedRolloutMatchesAFreshForward() throws {
        let tokenizer = ByteTokenizer()
        let model = try GPTModel(config: GPTConfig(layers: 2, dim: 16, heads: 4, context: 16, vocabSize: tokenizer.vocabSize), seed: 6)
        let prompts = [tokenizer.encode("ab"), tokenizer.encode("xyz12"), tokenizer.encode("q")]
        let settings = SamplingSettings(temperature: 0.9, maxTokens: 12, stopAtEOS: false, seed: 4)
        let kept = [0, 2, 3, 5, 7, 8]
        func loss(_ logProbs: [[Float]]) -> (value: Double, gradient: [[Float]]) {
            (0, logProbs.indices.map { b in logProbs[b].indices.map { k in self.coefficient(b, k) } })
        }
        let savedWorkers = ModelThreading.workers
        defer { ModelThreading.workers = savedWorkers }
        for workers in [1, 2, 3] {
            ModelThreading.workers = workers
            let plain = try model.generate(prompts: prompts, samplesPerPrompt: 3, settings: settings, tokenizer: tokenizer)
            let rollout = try model.generateForTraining(prompts: prompts, samplesPerPrompt: 3, settings: settings, tokenizer: tokenizer)
            XCTAssertNotNil(rollout.recorded)
            XCTAssertEqual(rollout.completions.map(\.tokens), plain.map(\.tokens), "workers \(workers): recording changed the draws")
            XCTAssertTrue(rollout.completions.contains { $0.tokens.count == 12 } && rollout.completions.contains { $0.tokens.count < 12 },
                          "the context cuts the longest prompt's completions short")
            model.zeroGradients()
            let recorded = try model.accumulateGradients(rollout, keeping: kept, temperature: 0.9, reforwardBelow: 0) { logProbs throws(EngineError) in loss(logProbs) }
            let recordedGradients = model.gradients.array
            for (row, k) in zip(recorded.logProbs, kept) {
                for (a, b) in zip(row, rollout.completions[k].logProbs) { XCTAssertEqual(a, b, accuracy: 1e-5) }
            }
            let batch = try PackedBatch(prompts: prompts, completions: kept.map { rollout.completions[$0].tokens },
                                        promptIndex: kept.map { rollout.completions[$0].promptIndex }, context: 16)
            model.zeroGradients()
            let fresh = try model.accumulateGradients(batch, temperature: 0.9) { logProbs throws(EngineError) in loss(logProbs) }
            for (a, b) in zip(recorded.logProbs.joined(), fresh.logProbs.joined()) { XCTAssertEqual(a, b, accuracy: 1e-5) }
            let scale = recordedGradients.map(abs).max() ?? 1
            XCTAssertGreaterThan(scale, 0)
            let worst = zip(recordedGradients, model.gradients.array).map { abs($0 - $1) }.max() ?? 0
            XCTAssertLessThan(worst / scale, 1e-5, "workers \(workers): recorded gradients differ from a fresh forward's")
            // Few kept completions (dropped groups): a forward of just those, with the same result.
            let few = [kept[1]]
            let again = try model.generateForTraining(prompts: prompts, samplesPerPrompt: 3, settings: settings, tokenizer: tokenizer)
            XCTAssertEqual(again.completions.map(\.tokens), rollout.completions.map(\.tokens))
            model.zeroGradients()
            _ = try model.accumulateGradients(again, keeping: few, temperature: 0.9, reforwardBelow: 0) { logProbs throws(EngineError) in loss(logProbs) }
            let fromRecording = model.gradients.array
            model.zeroGradients()
            let reforwarded = try model.accumulateGradients(again, keeping: few, temperature: 0.9) { logProbs throws(EngineError) in loss(logProbs) }
            XCTAssertEqual(reforwarded.logProbs[0].count, again.completions[few[0]].tokens.count)
            let worstFew = zip(fromRecording, model.gradients.array).map { abs($0 - $1) }.max() ?? 0
            XCTAssertLessThan(worstFew / max(fromRecording.map(abs).max() ?? 1, 1e-30), 1e-5, "workers \(workers): a forward of the kept completions differs from the recording")
        }
        // Changed weights (or any forward since) make the recording stale: the call runs the forward.
        let rollout = try model.generateForTraining(prompts: prompts, samplesPerPrompt: 3, settings: settings, tokenizer: tokenizer)
        try model.setTensor(named: "ln_f.bias", [Float](repeating: 0.5, count: 16))
        model.zeroGradients()
        let stale = try model.accumulateGradients(rollout, keeping: kept, temperature: 0.9) { logProbs throws(EngineError) in loss(logProbs) }
        let batch = try PackedBatch(prompts: prompts, completions: kept.map { rollout.completions[$0].tokens },
                                    promptIndex: kept.map { rollout.completions[$0].promptIndex }, context: 16)
        let expected = try model.completionLogProbs(batch, temperature: 0.9)
        XCTAssertEqual(stale.logProbs, expected)
        XCTAssertThrowsError(try model.accumulateGradients(rollout, keeping: [9], temperature: 0.9) { logProbs throws(EngineError) in loss(logProbs) })
        // Sampling never drops out, so a model with dropout records nothing and trains with a forward of its own.
        let dropping = try GPTModel(config: GPTConfig(layers: 1, dim: 16, heads: 2, context: 16, vocabSize: tokenizer.vocabSize,
                                                      dropout: 0.1), seed: 2)
        let unrecorded = try dropping.generateForTraining(prompts: prompts, samplesPerPrompt: 2, settings: settings, tokenizer: tokenizer)
        XCTAssertNil(unrecorded.recorded)
        dropping.zeroGradients()
        let trained = try dropping.accumulateGradients(unrecorded, keeping: [1, 4], temperature: 0.9) { logProbs throws(EngineError) in loss(logProbs) }
        XCTAssertEqual(trained.logProbs.map(\.count), [1, 4].map { unrecorded.completions[$0].tokens.count })
        XCTAssertGreaterThan(dropping.gradientNorm(), 0)
    }

    /// Decoding with 32-wide heads (attention in registers) and groups that
    /// read their prompt from one place gives the log-probabilities a
    /// fresh forward computes, for samples that finish at different steps.
    func testDecodeWith32WideHeadsMatchesAFreshForward() throws {
        let tokenizer = ByteTokenizer()
        let model = try GPTModel(config: GPTConfig(layers: 2, dim: 64, heads: 2, context: 24, vocabSize: tokenizer.vocabSize), seed: 9)
        let prompts = [tokenizer.encode("inv [[1,2],[3,4]]"), tokenizer.encode("ab")]
        let stops = (Array("abcdefghijklmnopqrstuvwxyz0123456789")).map(String.init)
        let settings = SamplingSettings(temperature: 1, maxTokens: 10, stopStrings: stops, seed: 5)
        let completions = try model.generate(prompts: prompts, samplesPerPrompt: 5, settings: settings, tokenizer: tokenizer)
        XCTAssertGreaterThan(Set(completions.map(\.tokens.count)).count, 1, "samples should stop at different steps")
        let scored = try model.completionLogProbs(prompts: completions.map { prompts[$0.promptIndex] },
                                                  completions: completions.map(\.tokens), padToken: tokenizer.padToken)
        for (completion, expected) in zip(completions, scored) {
            for (a, b) in zip(completion.logProbs, expected) { XCTAssertEqual(a, b, accuracy: 1e-5) }
        }
    }

    func testBadPackedBatchesThrow() throws {
        XCTAssertThrowsError(try PackedBatch(prompts: [[1]], completions: [[]], promptIndex: [0], context: 8))
        XCTAssertThrowsError(try PackedBatch(prompts: [[1]], completions: [[2]], promptIndex: [1], context: 8))
        XCTAssertThrowsError(try PackedBatch(prompts: [[]], completions: [[2]], promptIndex: [0], context: 8))
        XCTAssertThrowsError(try PackedBatch(prompts: [[1, 2]], completions: [[3, 4, 5, 6]], promptIndex: [0], context: 4))
        XCTAssertNoThrow(try PackedBatch(prompts: [[1, 2]], completions: [[3, 4, 5]], promptIndex: [0], context: 4))
        let model = try makeModel()
        let outside = try PackedBatch(prompts: [[1]], completions: [[99]], promptIndex: [0], context: 8)
        XCTAssertThrowsError(try model.completionLogProbs(outside))
    }
}
