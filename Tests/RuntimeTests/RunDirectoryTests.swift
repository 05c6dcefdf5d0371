import Foundation
import Lang
import XCTest
@testable import Runtime

/// grpo(..., run: NAME) writes runs/NAME: config, one metrics line per step,
/// samples, checkpoints; an existing run is never overwritten.
final class RunDirectoryTests: XCTestCase {
    func testRunWritesItsDirectory() throws {
        let fm = FileManager.default
        let dir = fm.temporaryDirectory.appendingPathComponent("pivot-run-\(UUID().uuidString)")
        try fm.createDirectory(at: dir, withIntermediateDirectories: true)
        let previous = fm.currentDirectoryPath
        XCTAssertTrue(fm.changeCurrentDirectoryPath(dir.path))
        defer {
            fm.changeCurrentDirectoryPath(previous)
            try? fm.removeItem(at: dir)
        }
        let vm = Interpreter()
        vm.output = { _ in }
        let program = """
            let m = model(layers: 1, dim: 32, heads: 2, context: 64, seed: 0)
            let run = grpo(m, [rewards.rows, rewards.length(budget: 4)], tasks.transpose(format: "compact"), prompts: 2, group: 4,
                           max_tokens: 8, run: "first", save_every: 2, samples_every: 1)
            run.train(3, progress: false)
            run.steps
            """
        let result = vm.run(SourceFile(name: "<test>", text: program))
        XCTAssertTrue(result.succeeded, result.diagnostics.first?.message ?? "")
        let run = dir.appendingPathComponent("runs/first")
        let lines = try String(contentsOf: run.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 3)
        for (k, line) in lines.enumerated() {
            let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            XCTAssertEqual(object["step"] as? Int, k + 1)
            XCTAssertNotNil(object["rewards/rows/mean"])
            XCTAssertNotNil(object["completions/mean_length"])
        }
        let samples = try String(contentsOf: run.appendingPathComponent("samples.jsonl"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(samples.count, 3 * 8)
        let config = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: run.appendingPathComponent("config.json"))) as? [String: Any])
        XCTAssertEqual(config["group"] as? Int, 4)
        XCTAssertTrue(fm.fileExists(atPath: run.appendingPathComponent("checkpoints/step-2/model.safetensors").path))
        XCTAssertFalse(fm.fileExists(atPath: run.appendingPathComponent("checkpoints/step-3").path))
        // The same name again is an error, and the first run is untouched.
        let again = vm.run(SourceFile(name: "<test>", text: """
            grpo(model(layers: 1, dim: 32, heads: 2, context: 64), rewards.rows, tasks.transpose(), run: "first")
            """))
        XCTAssertEqual(again.diagnostics.first?.message, "grpo: runs/first already exists; choose another name or delete it")
        XCTAssertEqual(try String(contentsOf: run.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n").count, 3)
    }
}
