import Dispatch
import Engine
import Lang
import XCTest
@testable import Runtime

/// Models through the language: a tiny transformer learns a task with
/// `sft` and `evaluate` measures it; Ctrl-C stops training with the model
/// intact.
final class ModelLearningTests: XCTestCase {
    private func run(_ code: String) -> Result<Value, Error> {
        let vm = Interpreter()
        vm.output = { _ in }
        let result = vm.run(SourceFile(name: "<test>", text: code))
        if let d = result.diagnostics.first { return .failure(ModelTestError(message: d.message)) }
        return .success(result.value ?? .nil)
    }

    private struct ModelTestError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    /// Learning, not just running: 300 SFT steps on 2×2 transposes (digits
    /// 0-9, compact format) reach ≥ 95% exact answers on 200 held-out
    /// examples — and on the ones whose matrix never appeared in training,
    /// checked by comparing prompts against every training example.
    func testSFTLearnsTransposeToNinetyFivePercentOnHeldOutExamples() throws {
        let start = DispatchTime.now().uptimeNanoseconds
        let value = try run("""
            let t = tasks.transpose(size: 2, entries: 0..9, format: "compact")
            let m = model(layers: 2, dim: 64, heads: 4, context: 40, seed: 1)
            let h = sft(m, t, steps: 300, batch: 32, lr: 3e-3, seed: 0, progress: false)
            let r = evaluate(m, t, n: 200, print: false, progress: false)
            var seen = {}
            for s in 0..(300 * 32 - 1) { seen[t.sample(seed: s).prompt] = true }
            let unseen = filter(map(0..199, fn(i) => t.sample(seed: -1 - i)), fn(e) => not has(seen, e.prompt))
            let right = filter(unseen, fn(e) => m.sample(e, temperature: 0).text == e.answer_text)
            [h.loss[0], h.final_loss, r.exact, r.accuracy, r.parse_failures, len(unseen), len(right)]
            """).get()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        guard case .list(let items) = value, items.count == 7,
              let firstLoss = Arithmetic.double(items[0]), let finalLoss = Arithmetic.double(items[1]),
              let exact = Arithmetic.double(items[2]), let accuracy = Arithmetic.double(items[3]),
              let parseFailures = Arithmetic.double(items[4]),
              case .int(let unseen) = items[5], case .int(let right) = items[6] else {
            return XCTFail("unexpected result \(value.display())")
        }
        print("transpose 2×2: loss \(firstLoss) -> \(finalLoss), exact \(exact), accuracy@5% \(accuracy), held-out unseen \(right)/\(unseen), \(seconds) s")
        XCTAssertLessThan(finalLoss, firstLoss / 20)
        XCTAssertGreaterThanOrEqual(exact, 0.95)
        XCTAssertGreaterThanOrEqual(accuracy, exact)
        XCTAssertLessThanOrEqual(parseFailures, 0.05)
        XCTAssertGreaterThan(unseen, 20, "the held-out set should hold matrices training never showed")
        XCTAssertGreaterThanOrEqual(Double(right), 0.95 * Double(unseen))
    }

    /// Ctrl-C during sft stops at a step boundary: sft returns its history
    /// marked interrupted, and the model samples as usual afterwards.
    func testInterruptStopsSFTAtAStepBoundaryAndKeepsTheModel() throws {
        defer { _ = takeInterrupt() }
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.5) {
            interruptRequested.store(true, ordering: .relaxed)
        }
        let value = try run("""
            let t = tasks.transpose(size: 2, entries: 0..9, format: "compact")
            let m = model(layers: 1, dim: 32, heads: 2, context: 40, seed: 1)
            let h = sft(m, t, steps: 1000000, batch: 8, progress: false)
            [h.interrupted, h.steps, m.steps, len(h.loss), m.sample({prompt: "T [[1,2],[3,4]]"}, temperature: 0, max_tokens: 3).finish]
            """).get()
        guard case .list(let items) = value, items.count == 5, case .bool(let interrupted) = items[0],
              case .int(let steps) = items[1], case .int(let modelSteps) = items[2], case .int(let losses) = items[3] else {
            return XCTFail("unexpected result \(value.display())")
        }
        XCTAssertTrue(interrupted)
        XCTAssertGreaterThan(steps, 0)
        XCTAssertLessThan(steps, 1_000_000)
        XCTAssertEqual(steps, modelSteps)
        XCTAssertEqual(steps, losses)
        XCTAssertFalse(interruptRequested.load(ordering: .relaxed), "sft consumes the interrupt it acted on")
    }

    /// Charton's encodings decode back to the text `ChartonEncoding` wrote,
    /// for every number format and task answer shape.
    func testChartonTokenizersRoundTripTaskText() throws {
        for encoding in ChartonTokenizer.Encoding.allCases {
            let tokenizer = ChartonTokenizer(encoding)
            let format = TaskFormat(rawValue: encoding.rawValue)!
            for op in [TaskOperation.inverse, .transpose, .determinant, .eigenvalues, .solve] {
                let spec = try TaskSpec(op, sizes: 1...4, entries: .uniform(10), format: format)
                for seed in 0..<20 {
                    let e = try spec.sample(seed: seed)
                    for text in [e.prompt, e.answerText] {
                        let ids = try tokenizer.encodeChecked(text)
                        XCTAssertEqual(ids.count, text.split(separator: " ").count, text)
                        XCTAssertEqual(tokenizer.decode(ids), text)
                        XCTAssertFalse(ids.contains(tokenizer.unknownToken))
                    }
                    // The answer reader gives back the answer's values (3 significant digits).
                    let expected = AnswerReader.expected(e.answer, operation: op)
                    let read = try XCTUnwrap(AnswerReader.read(e.answerText, format: format, expected: e.answer, operation: op))
                    XCTAssertLessThan(CorrectnessRewards.error(read, expected, metric: .d1), 0.005, e.answerText)
                }
            }
        }
    }
}
