import Foundation
import XCTest
@testable import Engine

/// GRPO advantages, losses and gradients against torch autograd
/// (Tests/fixtures/grpo_loss.py, TRL's formulas, outputs checked in beside it).
final class GRPOLossTests: XCTestCase {
    struct Fixture: Decodable {
        struct Case: Decodable {
            let loss_type: String
            let scale_rewards: String
            let epsilon: Double
            let epsilon_high: Double
            let beta: Double
            let max_completion_length: Int
            let advantages: [Double]
            let loss: Double
            let gradient: [[Double]]
            let kl: Double
        }
        let group_size: Int
        let rewards: [Double]
        let logp: [[Double]]
        let old: [[Double]]
        let ref: [[Double]]
        let mask: [[Bool]]
        let cases: [Case]
    }

    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fixtures/grpo_loss.json")

    func testEveryLossTypeAndScalingMatchesTorch() throws {
        let f = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: Self.fixture))
        XCTAssertEqual(f.cases.count, 24)
        for c in f.cases {
            let what = "\(c.loss_type)/\(c.scale_rewards)/β=\(c.beta)/ε_high=\(c.epsilon_high)"
            let scaling = try XCTUnwrap(RewardScaling(rawValue: c.scale_rewards))
            let advantages = try GRPO.advantages(f.rewards, groupSize: f.group_size, scaling: scaling)
            for (a, b) in zip(advantages, c.advantages) { XCTAssertEqual(a, b, accuracy: 1e-12, what) }
            let settings = GRPOLossSettings(epsilon: c.epsilon, epsilonHigh: c.epsilon_high, beta: c.beta,
                                            lossType: try XCTUnwrap(GRPOLossType(rawValue: c.loss_type)),
                                            maxCompletionLength: c.max_completion_length)
            let result = try GRPO.loss(logProbs: f.logp, oldLogProbs: f.old, refLogProbs: f.ref,
                                       advantages: advantages, mask: f.mask, settings: settings)
            XCTAssertEqual(result.loss, c.loss, accuracy: 1e-12, what)
            XCTAssertEqual(result.kl, c.kl, accuracy: 1e-12, what)
            for (row, expected) in zip(result.gradient, c.gradient) {
                for (g, e) in zip(row, expected) { XCTAssertEqual(g, e, accuracy: 1e-12, "gradient, \(what)") }
            }
        }
    }

    func testClipMetricsAndZeroVarianceGroups() throws {
        // One token pushed far up with a positive advantage, one far down with a negative one.
        let r = try GRPO.loss(logProbs: [[0.0], [0.0], [0.0]], oldLogProbs: [[-1.0], [1.0], [0.0]], refLogProbs: nil,
                              advantages: [1, -1, 1], mask: [[true], [true], [true]], settings: GRPOLossSettings())
        XCTAssertEqual(r.clipHigh, 1.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(r.clipLow, 1.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(r.gradient[0][0], 0, "a clipped token has no gradient")
        XCTAssertEqual(GRPO.zeroVarianceGroups([1, 1, 0, 2, 3, 3], groupSize: 2), [true, false, true])
        XCTAssertThrowsError(try GRPO.advantages([1, 2, 3], groupSize: 2, scaling: .group))
        XCTAssertThrowsError(try GRPO.loss(logProbs: [[0]], oldLogProbs: [[0]], refLogProbs: nil, advantages: [1],
                                           mask: [[true]], settings: GRPOLossSettings(beta: 0.1)))
    }
}
