import Foundation
import XCTest
@testable import Engine

/// The optimizer against hand-computed values, the schedule, clipping, and
/// a small model that must actually learn a task.
final class ModelTrainingTests: XCTestCase {
    func testAdamWMatchesHandComputedSteps() throws {
        let model = try GPTModel(config: GPTConfig(layers: 1, dim: 4, heads: 1, context: 2, vocabSize: 3), seed: 1)
        let settings = AdamWSettings(beta1: 0.9, beta2: 0.99, epsilon: 1e-8, weightDecay: 0.5)
        let optimizer = try AdamW(model: model, settings: settings)
        let wte = model.tensors.first { $0.name == "wte.weight" }!          // decays
        let bias = model.tensors.first { $0.name == "h.0.ln_1.bias" }!      // never decays
        var p = [Double(model.parameters.pointer[wte.offset]), Double(model.parameters.pointer[bias.offset])]
        var m = [0.0, 0.0], v = [0.0, 0.0]
        let gradientsPerStep: [[Double]] = [[0.5, -2], [-1, 0.25], [0.125, 4]]
        let lr = 0.01
        for (t, g) in gradientsPerStep.enumerated() {
            model.zeroGradients()
            model.gradients.pointer[wte.offset] = Float(g[0])
            model.gradients.pointer[bias.offset] = Float(g[1])
            try optimizer.update(model, learningRate: Float(lr))
            // torch.optim.AdamW, written out.
            let step = Double(t + 1)
            for i in 0..<2 {
                m[i] = 0.9 * m[i] + 0.1 * g[i]
                v[i] = 0.99 * v[i] + 0.01 * g[i] * g[i]
                let decay = i == 0 ? 0.5 : 0
                p[i] *= 1 - lr * decay
                p[i] -= lr * (m[i] / (1 - pow(0.9, step))) / ((v[i] / (1 - pow(0.99, step))).squareRoot() + 1e-8)
            }
            XCTAssertEqual(Double(model.parameters.pointer[wte.offset]), p[0], accuracy: 1e-6)
            XCTAssertEqual(Double(model.parameters.pointer[bias.offset]), p[1], accuracy: 1e-6)
        }
        XCTAssertEqual(optimizer.step, 3)
        // A parameter with zero gradient still decays (decoupled decay) when it is a matrix.
        let other = model.parameters.pointer[wte.offset + 1]
        XCTAssertNotEqual(other, 0)
    }

    func testLearningRateScheduleWarmsUpThenFollowsACosine() {
        let schedule = LearningRateSchedule(peak: 1, minimum: 0.1, warmupSteps: 4, totalSteps: 14)
        XCTAssertEqual(schedule.rate(at: 0), 0.25)
        XCTAssertEqual(schedule.rate(at: 3), 1)
        XCTAssertEqual(schedule.rate(at: 4), 1)
        XCTAssertEqual(schedule.rate(at: 9), 0.55, accuracy: 1e-6)  // half-way: (1 + 0.1) / 2
        XCTAssertEqual(schedule.rate(at: 14), 0.1)
        XCTAssertEqual(schedule.rate(at: 100), 0.1)
    }

    func testClippingScalesToTheMaximumNorm() throws {
        let model = try GPTModel(config: GPTConfig(layers: 1, dim: 4, heads: 1, context: 2, vocabSize: 3), seed: 1)
        model.zeroGradients()
        model.gradients.pointer[0] = 3
        model.gradients.pointer[5] = 4
        XCTAssertEqual(model.clipGradients(maxNorm: 1), 5)
        XCTAssertEqual(model.gradientNorm(), 1, accuracy: 1e-5)
        XCTAssertEqual(model.gradients.pointer[0], 0.6, accuracy: 1e-5)
        XCTAssertEqual(model.clipGradients(maxNorm: 10), 1, accuracy: 1e-5)  // under the limit: unchanged
        XCTAssertEqual(model.gradients.pointer[5], 0.8, accuracy: 1e-5)
    }

    func testSFTBatchMasksThePromptAndPadding() throws {
        let batch = try SFTTrainer.makeBatch([SFTExample(prompt: [1, 2], completion: [3, 4]),
                                              SFTExample(prompt: [5], completion: [6])], padToken: 0, context: 8)
        XCTAssertEqual(batch.length, 3)
        XCTAssertEqual(batch.inputs, [1, 2, 3, 5, 0, 0])
        XCTAssertEqual(batch.targets, [2, 3, 4, 6, -1, -1])
        XCTAssertEqual(batch.weights, [0, 1 / 3, 1 / 3, 1 / 3, 0, 0])
        XCTAssertThrowsError(try SFTTrainer.makeBatch([SFTExample(prompt: [1], completion: [Int32](repeating: 2, count: 9))],
                                                      padToken: 0, context: 8))
    }

    /// The closure form (loss from the log-probabilities, for GRPO) gives
    /// the same gradients as fixed weights when it encodes the same loss.
    func testLossClosureMatchesFixedWeights() throws {
        let model = try GPTModel(config: GPTConfig(layers: 1, dim: 8, heads: 2, context: 6, vocabSize: 11), seed: 4)
        let batch = TokenBatch(batchSize: 1, length: 4, inputs: [1, 2, 3, 4], targets: [2, 3, 4, -1],
                               weights: [0.5, -1, 2, 0])
        model.zeroGradients()
        let fixed = try model.accumulateGradients(batch)
        let expected = model.gradients.array
        model.zeroGradients()
        let viaClosure = try model.accumulateGradients(batch) { (logProbs: [Float]) -> (value: Double, gradient: [Float]) in
            var value = 0.0
            for (logProb, weight) in zip(logProbs, batch.weights) { value -= Double(logProb) * Double(weight) }
            let gradient: [Float] = batch.weights.map { -$0 }
            return (value, gradient)
        }
        XCTAssertEqual(viaClosure.loss, fixed.loss, accuracy: 1e-9)
        XCTAssertEqual(model.gradients.array, expected)
    }

    /// Dropout changes training passes (fresh masks each time) but never
    /// inference, and its gradients still lower the loss.
    func testDropoutTrainsAndLeavesInferenceAlone() throws {
        let tokenizer = ByteTokenizer()
        let model = try GPTModel(config: GPTConfig(layers: 2, dim: 16, heads: 2, context: 8,
                                                   vocabSize: tokenizer.vocabSize, dropout: 0.2), seed: 3)
        let batch = try SFTTrainer.makeBatch([SFTExample(prompt: tokenizer.encode("ab"), completion: tokenizer.encode("cdef"))],
                                             padToken: tokenizer.padToken, context: 8)
        let first = try model.evaluate(batch), second = try model.evaluate(batch)
        XCTAssertEqual(first.loss, second.loss)
        model.zeroGradients()
        let a = try model.accumulateGradients(batch).loss
        model.zeroGradients()
        let b = try model.accumulateGradients(batch).loss
        XCTAssertNotEqual(a, b)
        let trainer = try SFTTrainer(model: model, settings: SFTSettings(schedule: .constant(1e-2), padToken: tokenizer.padToken))
        for _ in 0..<60 { _ = try trainer.step([SFTExample(prompt: tokenizer.encode("ab"), completion: tokenizer.encode("cdef"))]) }
        XCTAssertLessThan(try model.evaluate(batch).loss, first.loss / 2)
    }

    /// A 2-layer model learns to reverse 4 digits ("1234=" -> "4321<eos>")
    /// and gets at least 95% of held-out numbers exactly right, greedily.
    func testLearnsToReverseDigits() throws {
        let start = Date()
        let tokenizer = ByteTokenizer()
        let model = try GPTModel(config: GPTConfig(layers: 2, dim: 64, heads: 4, context: 12,
                                                   vocabSize: tokenizer.vocabSize), seed: 1)
        let steps = 500
        let trainer = try SFTTrainer(model: model, settings: SFTSettings(
            schedule: LearningRateSchedule(peak: 3e-3, minimum: 3e-4, warmupSteps: 30, totalSteps: steps),
            optimizer: AdamWSettings(weightDecay: 0.01), maxGradientNorm: 1, padToken: tokenizer.padToken))
        func example(_ n: Int) -> SFTExample {
            let digits = String(String(n + 10_000).dropFirst())
            return SFTExample(prompt: tokenizer.encode(digits + "="),
                              completion: tokenizer.encode(String(digits.reversed())) + [tokenizer.eosToken])
        }
        // Held out: every number ≡ 0 (mod 50) — 200 numbers never trained on.
        var random = ModelRandom(seed: 11)
        var lastLoss = 0.0
        try trainer.train(steps: steps, nextBatch: { _ in
            (0..<64).map { _ in
                var n = random.nextIndex(10_000)
                while n % 50 == 0 { n = random.nextIndex(10_000) }
                return example(n)
            }
        }, progress: { report in
            lastLoss = report.loss
            return true
        })
        let heldOut = stride(from: 0, to: 10_000, by: 50).map(example)
        let completions = try model.generate(prompts: heldOut.map(\.prompt),
                                             settings: SamplingSettings(temperature: 0, maxTokens: 6), tokenizer: tokenizer)
        let correct = zip(heldOut, completions).filter { $0.completion == $1.tokens }.count
        let accuracy = Double(correct) / Double(heldOut.count)
        let seconds = Date().timeIntervalSince(start)
        print("reverse-digits: final loss \(lastLoss), held-out exact accuracy \(accuracy) (\(correct)/\(heldOut.count)), \(String(format: "%.1f", seconds)) s")
        XCTAssertGreaterThanOrEqual(accuracy, 0.95)
    }
}
