import XCTest
@testable import Engine

/// The GRPO trainer end to end on a tiny model: it must raise the reward it
/// is given, keep KL at 0 on the first step, and mask what it is told to.
final class GRPOTrainerTests: XCTestCase {
    func makeTrainer(beta: Double = 0, lr: Float = 3e-2) throws -> GRPOTrainer {
        let tokenizer = ByteTokenizer()
        let model = try GPTModel(config: GPTConfig(layers: 1, dim: 32, heads: 2, context: 32, vocabSize: tokenizer.vocabSize), seed: 3)
        var settings = GRPOSettings()
        settings.prompts = 2
        settings.group = 8
        settings.maxTokens = 6
        settings.loss = GRPOLossSettings(epsilon: 0.2, beta: beta)
        settings.schedule = LearningRateSchedule(peak: lr, minimum: lr, warmupSteps: 0, totalSteps: 100)
        settings.seed = 11
        return try GRPOTrainer(model: model, tokenizer: tokenizer, settings: settings)
    }

    /// Reward: the share of the letter "x" in the completion.
    static func score(_ texts: [String], _ prompts: [Int]) -> [[Double]] {
        texts.map { t in [t.isEmpty ? 0 : Double(t.filter { $0 == "x" }.count) / Double(t.count)] }
    }

    func testRewardGoesUp() throws {
        let trainer = try makeTrainer()
        var rewards: [Double] = []
        for _ in 0..<60 {
            let report = try trainer.step(prompts: ["a", "b"]) { texts, prompts throws(EngineError) in Self.score(texts, prompts) }
            XCTAssertTrue(report.loss.isFinite)
            XCTAssertEqual(report.samples.count, 16)
            rewards.append(report.reward)
        }
        let first = rewards.prefix(10).reduce(0, +) / 10, last = rewards.suffix(10).reduce(0, +) / 10
        print("GRPOTrainerTests: mean reward first 10 steps \(first), last 10 steps \(last)")
        XCTAssertGreaterThan(last, first + 0.2, "GRPO should learn to write x")
    }

    func testKLStartsAtZeroAndGroupsAreDropped() throws {
        let trainer = try makeTrainer(beta: 0.1)
        let report = try trainer.step(prompts: ["a", "b"]) { texts, _ throws(EngineError) in texts.map { _ in [1.0] } }
        XCTAssertEqual(report.kl, 0, accuracy: 1e-4, "the reference is the starting model")
        XCTAssertEqual(report.fracRewardZeroStd, 1, "equal rewards: every group has zero variance")
        XCTAssertEqual(report.loss, 0, accuracy: 1e-6, "zero advantages and zero KL give zero loss")
        XCTAssertThrowsError(try trainer.step(prompts: ["a"]) { _, _ throws(EngineError) in [] })
    }
}
