import Foundation
import Lang
import XCTest
@testable import Runtime

/// grpo(..., run: NAME) writes runs/NAME: config, one metrics line per step,
/// samples, checkpoints; an existing run is never overwritten.
final class RunDirectoryTests: XCTestCase {
    func testRunWritesItsDirectory() throws {
        try withTemporaryDirectory { dir in
            let fm = FileManager.default
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
            XCTAssertTrue(fm.fileExists(atPath: run.appendingPathComponent("checkpoints/step-3/optimizer.safetensors").path))  // the end of train
            // The same name again is an error, and the first run is untouched.
            let again = vm.run(SourceFile(name: "<test>", text: """
                grpo(model(layers: 1, dim: 32, heads: 2, context: 64), rewards.rows, tasks.transpose(), run: "first")
                """))
            XCTAssertEqual(again.diagnostics.first?.message, "grpo: runs/first already exists; resume(\"runs/first\") continues it, or choose another name (or overwrite: true)")
            XCTAssertEqual(try String(contentsOf: run.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n").count, 3)
            // overwrite: true replaces a run (a notebook replayed twice), never another directory.
            let replaced = vm.run(SourceFile(name: "<test>", text: """
                grpo(model(layers: 1, dim: 32, heads: 2, context: 64), rewards.rows, tasks.transpose(format: "compact"), prompts: 2, group: 2,
                     max_tokens: 4, run: "first", overwrite: true).train(1, progress: false).steps
                """))
            XCTAssertTrue(replaced.succeeded, replaced.diagnostics.first?.message ?? "")
            XCTAssertEqual(try String(contentsOf: run.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n").count, 1)
            try fm.createDirectory(at: dir.appendingPathComponent("runs/other"), withIntermediateDirectories: true)
            let refused = vm.run(SourceFile(name: "<test>", text: """
                grpo(model(layers: 1, dim: 32, heads: 2, context: 64), rewards.rows, tasks.transpose(), run: "other", overwrite: true)
                """))
            XCTAssertEqual(refused.diagnostics.first?.message, "grpo: runs/other exists and is not a run directory (no config.json); not overwriting it")
        }
    }

    // MARK: - resume

    /// A temporary working directory for one test.
    func withTemporaryDirectory(_ body: (URL) throws -> Void) throws {
        let fm = FileManager.default
        let dir = fm.temporaryDirectory.appendingPathComponent("pivot-run-\(UUID().uuidString)")
        try fm.createDirectory(at: dir, withIntermediateDirectories: true)
        let previous = fm.currentDirectoryPath
        XCTAssertTrue(fm.changeCurrentDirectoryPath(dir.path))
        defer {
            fm.changeCurrentDirectoryPath(previous)
            try? fm.removeItem(at: dir)
        }
        try body(dir)
    }

    /// A curriculum run with a KL reference, replay and a promotion at step 3:
    /// every piece of state a resume has to restore.
    static let setup = """
        let m = model(layers: 2, dim: 64, heads: 4, context: 64, seed: 1)
        let cur = curriculum([stage(tasks.diagonal(size: 2, entries: 1..3, format: "compact"), promote: fn(s) => s.steps >= 3),
                              tasks.transpose(size: 2, format: "compact")], window: 2, replay: 0.25)
        let R = [rewards.rows, rewards.within(tol: 0.05) * 2]
        fn start(name) { grpo(m, R, cur, prompts: 2, group: 4, max_tokens: 12, run: name, save_every: 2, beta: 0.05, lr: 1e-3) }

        """

    static let timingKeys: Set<String> = ["tokens_per_second", "step_time", "generation_time", "scoring_time", "update_time"]

    func metrics(_ file: URL) throws -> [[String: Any]] {
        try String(contentsOf: file, encoding: .utf8).split(separator: "\n").map {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    /// Same metrics (timings aside), bit for bit.
    func assertSameMetrics(_ a: [[String: Any]], _ b: [[String: Any]], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, file: file, line: line)
        for (x, y) in zip(a, b) {
            for (key, value) in x where !Self.timingKeys.contains(key) {
                XCTAssertEqual("\(value)", "\(y[key] ?? "missing")", "step \(x["step"] ?? "?"), \(key)", file: file, line: line)
            }
        }
    }

    /// Starts `pivot run` on a program in `dir` and sends `signal` once
    /// metrics.jsonl of `run` holds `lines` lines; returns the exit status.
    func runAndSignal(_ program: String, in dir: URL, run: String, lines: Int, signal: Int32) throws -> Int32 {
        guard let pivot = FuzzTests.pivotBinary else { throw XCTSkip("the pivot binary was not found next to the tests") }
        let source = dir.appendingPathComponent("program.pv")
        try program.write(to: source, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: pivot)
        process.arguments = ["run", source.path]
        process.currentDirectoryURL = dir
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let metricsFile = dir.appendingPathComponent("runs/\(run)/metrics.jsonl")
        let deadline = Date().addingTimeInterval(120)
        while process.isRunning && Date() < deadline {
            let text = (try? String(contentsOf: metricsFile, encoding: .utf8)) ?? ""
            if text.split(separator: "\n").count >= lines { break }
            usleep(2_000)
        }
        XCTAssertTrue(process.isRunning, "the run ended before it could be signalled")
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        return process.terminationStatus
    }

    func testResumeAfterKillLosesAndRepeatsNoStep() throws {
        try withTemporaryDirectory { dir in
            // The reference: 8 steps without interruption, in this process.
            let vm = Interpreter()
            vm.output = { _ in }
            let straight = vm.run(SourceFile(name: "<test>", text: Self.setup + "start(\"straight\").train(8, progress: false)\n"))
            XCTAssertTrue(straight.succeeded, straight.diagnostics.first?.message ?? "")

            // The same run in a subprocess, killed with SIGKILL after step 3
            // (the newest checkpoint is step 2 or later), then resumed here.
            _ = try runAndSignal(Self.setup + "start(\"killed\").train(1000, progress: false)\n", in: dir, run: "killed", lines: 3, signal: SIGKILL)
            let killedMetrics = try metrics(dir.appendingPathComponent("runs/killed/metrics.jsonl"))
            XCTAssertGreaterThanOrEqual(killedMetrics.count, 3)
            let resumed = Interpreter()
            var printed = ""
            resumed.output = { printed += $0 }
            let result = resumed.run(SourceFile(name: "<test>", text: Self.setup + """
                let run = resume("runs/killed")
                print("resumed at", run.steps)
                run.train(8 - run.steps, progress: false)
                """))
            XCTAssertTrue(result.succeeded, result.diagnostics.first?.message ?? "")
            XCTAssertTrue(printed.contains("resumed at"), printed)
            let a = try metrics(dir.appendingPathComponent("runs/straight/metrics.jsonl"))
            let b = try metrics(dir.appendingPathComponent("runs/killed/metrics.jsonl"))
            XCTAssertEqual(b.map { $0["step"] as? Int }, (1...8).map { $0 })
            XCTAssertEqual(b.compactMap { $0["stage"] as? Int }, a.compactMap { $0["stage"] as? Int })
            assertSameMetrics(a, b)
        }
    }

    func testCtrlCLeavesTheRunResumable() throws {
        try withTemporaryDirectory { dir in
            let status = try runAndSignal(Self.setup + "let r = start(\"stopped\")\nr.train(1000, progress: false)\nprint(r.steps)\n",
                                          in: dir, run: "stopped", lines: 3, signal: SIGINT)
            XCTAssertEqual(status, 0, "Ctrl-C during train stops at a step boundary and the program goes on")
            let lines = try metrics(dir.appendingPathComponent("runs/stopped/metrics.jsonl"))
            let last = try XCTUnwrap(lines.last?["step"] as? Int)
            // The interrupted step boundary was saved: nothing to redo.
            XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("runs/stopped/checkpoints/step-\(last)/run_state.json").path))
            let vm = Interpreter()
            vm.output = { _ in }
            let result = vm.run(SourceFile(name: "<test>", text: Self.setup + "let run = resume(\"runs/stopped\")\nrun.steps\n"))
            XCTAssertTrue(result.succeeded, result.diagnostics.first?.message ?? "")
            XCTAssertEqual(result.value?.display(), "\(last)")
        }
    }

    func testNonFiniteLossStopsAndKeepsTheLastGoodCheckpoint() throws {
        try withTemporaryDirectory { dir in
            let vm = Interpreter()
            vm.output = { _ in }
            let result = vm.run(SourceFile(name: "<test>", text: """
                let m = model(layers: 1, dim: 32, heads: 2, context: 64, seed: 1)
                fn longer(c, ex) { len(c) / 10 }
                grpo(m, longer, tasks.transpose(size: 2, format: "compact"), prompts: 2, group: 4, max_tokens: 12,
                     run: "nan", save_every: 1, lr: 1e30).train(5, progress: false)
                """))
            let message = try XCTUnwrap(result.diagnostics.first?.message)
            XCTAssertTrue(message.contains("is nan"), message)
            XCTAssertTrue(message.contains("The last good checkpoint is runs/nan/checkpoints/step-"), message)
            let steps = (try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("runs/nan/checkpoints").path)).sorted()
            XCTAssertFalse(steps.isEmpty)
            // The run can go on from it (with the same settings it would fail again; here we only check it loads).
            let again = Interpreter()
            again.output = { _ in }
            let resumed = again.run(SourceFile(name: "<test>", text: "fn longer(c, ex) { len(c) / 10 }\nresume(\"runs/nan\").steps"))
            XCTAssertTrue(resumed.succeeded, resumed.diagnostics.first?.message ?? "")
        }
    }

    func testResumeNeedsTheSameRewards() throws {
        try withTemporaryDirectory { dir in
            let vm = Interpreter()
            vm.output = { _ in }
            XCTAssertTrue(vm.run(SourceFile(name: "<test>", text: """
                fn mine(c, ex) { len(c) / 100 }
                grpo(model(layers: 1, dim: 32, heads: 2, context: 64), mine, tasks.transpose(size: 2, format: "compact"),
                     prompts: 2, group: 2, max_tokens: 4, run: "r").train(1, progress: false)
                """)).succeeded)
            let fresh = Interpreter()
            fresh.output = { _ in }
            XCTAssertEqual(fresh.run(SourceFile(name: "<test>", text: "resume(\"runs/r\")")).diagnostics.first?.message,
                           "resume: the run's rewards were the global 'mine', which this session does not define; define it first or pass rewards:")
            XCTAssertEqual(fresh.run(SourceFile(name: "<test>", text: "resume(\"runs/r\", rewards: rewards.rows)")).diagnostics.first?.message,
                           "resume: runs/r was trained with rewards [mine × 1.0], these are [rows × 1.0]")
            let ok = fresh.run(SourceFile(name: "<test>", text: "fn mine(c, ex) { 0 }\nresume(\"runs/r\").steps"))
            XCTAssertTrue(ok.succeeded, ok.diagnostics.first?.message ?? "")
            XCTAssertEqual(ok.value?.display(), "1")
            XCTAssertEqual(fresh.run(SourceFile(name: "<test>", text: "resume(\"nowhere\")")).diagnostics.first?.message,
                           "resume: nowhere is not a run directory (it has no config.json)")
        }
    }

    func testResumeRebuildsBuiltinTasksAndCurricula() throws {
        try withTemporaryDirectory { _ in
            let vm = Interpreter()
            vm.output = { _ in }
            let first = vm.run(SourceFile(name: "<test>", text: """
                let cur = curriculum([tasks.diagonal(size: 2, format: "compact"), tasks.inverse(size: 2, format: "compact")], window: 3, replay: 0.2)
                grpo(model(layers: 1, dim: 32, heads: 2, context: 64), rewards.rows, cur, prompts: 2, group: 2, max_tokens: 4, run: "c").train(2, progress: false)
                grpo(model(layers: 1, dim: 32, heads: 2, context: 64), rewards.rows, tasks.transpose(size: 3, format: "compact"),
                     prompts: 2, group: 2, max_tokens: 4, run: "t").train(1, progress: false)
                """))
            XCTAssertTrue(first.succeeded, first.diagnostics.first?.message ?? "")
            // A fresh session defines nothing: the tasks come back from their settings.
            let fresh = Interpreter()
            fresh.output = { _ in }
            let c = fresh.run(SourceFile(name: "<test>", text: "let r = resume(\"runs/c\")\nr.train(1, progress: false)\n[r.steps, r.stage.stage, r.stage.name]"))
            XCTAssertTrue(c.succeeded, c.diagnostics.first?.message ?? "")
            XCTAssertEqual(c.value?.display(), "[3, 1, \"inverse diagonal 2\"]")
            let t = fresh.run(SourceFile(name: "<test>", text: "resume(\"runs/t\").train(1, progress: false).history[-1].step"))
            XCTAssertTrue(t.succeeded, t.diagnostics.first?.message ?? "")
            XCTAssertEqual(t.value?.display(), "2")
        }
    }
}
