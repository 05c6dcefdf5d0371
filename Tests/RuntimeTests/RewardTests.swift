import Engine
import Foundation
import Lang
import TestSupport
import XCTest
@testable import Runtime

/// Rewards against an independent implementation and against garbage.
final class RewardTests: XCTestCase {
    static let corpus = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fixtures/reward_corpus.jsonl")

    func makeInterpreter() -> Interpreter {
        let vm = Interpreter()
        vm.output = { _ in }
        return vm
    }

    func call(_ vm: Interpreter, _ expression: String, _ completion: String, _ example: Value) throws -> Double {
        let result = vm.run(SourceFile(name: "<test>", text: expression))
        guard let reward = result.value, result.succeeded else {
            throw XCTSkip("cannot evaluate \(expression): \(result.diagnostics.first?.message ?? "")")
        }
        let value = try vm.call(reward, [.string(completion), example])
        return Arithmetic.double(value) ?? .nan
    }

    /// Tests/fixtures/reward_corpus.jsonl: adversarial completions (the seed
    /// talk's among them) with scores from the Python rewards of
    /// scripts/bench/rewards (re + fractions, as the GSM8K demo writes them).
    func testCorpusScoresMatchTheReferenceImplementation() throws {
        let text = try String(contentsOf: Self.corpus, encoding: .utf8)
        let vm = makeInterpreter()
        let expressions = [
            "continuous": "rewards.continuous(scale: 2)",
            "inverse_check": "rewards.inverse_check(tol: 0.02)",
            "strict_format": "rewards.strict_format",
            "xmlcount": "rewards.xmlcount",
            "no_extra_text": "rewards.no_extra_text",
            "language": "rewards.language",
        ]
        var checked = 0
        for line in text.split(separator: "\n") {
            let row = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let name = row["name"] as? String ?? "?"
            let completion = try XCTUnwrap(row["completion"] as? String)
            let example = try XCTUnwrap(row["example"] as? [String: Any])
            let rows = try XCTUnwrap(example["matrix"] as? [[Int]])
            let answer = try XCTUnwrap(example["answer"] as? [[Int]])
            let exampleValue = vm.run(SourceFile(name: "<example>", text:
                "{task: \"inverse\", matrix: matrix(\(rows)), answer: matrix(\(answer))}")).value ?? .nil
            let scores = try XCTUnwrap(row["scores"] as? [String: Double])
            for (reward, expected) in scores {
                let expression = try XCTUnwrap(expressions[reward])
                let got = try call(vm, expression, completion, exampleValue)
                XCTAssertEqual(got, expected, accuracy: 1e-8, "\(reward) of '\(name)'")
                checked += 1
            }
        }
        XCTAssertGreaterThanOrEqual(checked, 100)
    }

    /// Garbage of every kind: every builtin reward returns a finite number,
    /// quickly, and nothing traps.
    func testRewardsStayFiniteAndFastOnGarbage() throws {
        let vm = makeInterpreter()
        let names = ["exact", "within", "inverse_check", "continuous", "rows", "tags", "tags_order", "strict_format",
                     "soft_format", "xmlcount", "is_matrix", "integer_entries", "no_extra_text", "length", "overlong", "language"]
        let example = vm.run(SourceFile(name: "<example>", text: "tasks.inverse(size: 3).sample(seed: 1)")).value ?? .nil
        var rng = SplitMix64(seed: 42)
        var inputs: [String] = [
            String(repeating: "[", count: 100_000),
            String(repeating: "<answer>", count: 20_000),
            "<answer>" + String(repeating: "9", count: 5_000) + "</answer>",
            "<answer>[[1e308, 1e308, 1e308], [1e308, -1e308, 1], [1, 1, 1]]</answer>",
            "<answer>[[nan, inf, -inf], [1/0, 0/0, 1], [1, 1, 1]]</answer>",
            "<answer>" + String(repeating: "(", count: 10_000) + "1" + String(repeating: ")", count: 10_000) + "</answer>",
            String(repeating: "答案", count: 50_000),
            "",
        ]
        let alphabet = Array("<>/answer[],;-. 0123456789eE\n\t\\bmatrix{}()λ答\u{2212}".unicodeScalars)
        for _ in 0..<200 {
            var s = String.UnicodeScalarView()
            for _ in 0..<Int(rng.next() % 300) { s.append(alphabet[Int(rng.next() % UInt64(alphabet.count))]) }
            inputs.append(String(s))
        }
        for name in names {
            let start = Date()
            for input in inputs {
                let v = try call(vm, "rewards.\(name)", input, example)
                XCTAssertTrue(v.isFinite, "rewards.\(name) gave \(v) on \(input.prefix(60))")
            }
            // Debug build: generous; the bench measures release speed.
            XCTAssertLessThan(Date().timeIntervalSince(start), 20, "rewards.\(name) is too slow on garbage")
        }
    }
}
