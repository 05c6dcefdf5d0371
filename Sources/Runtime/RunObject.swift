import Engine
import Foundation

/// Where a run's examples come from: one task (or function seed ->
/// example), or a curriculum of them.
enum ExampleSource {
    case task(Value)
    case curriculum(CurriculumState)

    var curriculum: CurriculumState? {
        if case .curriculum(let c) = self { return c }
        return nil
    }

    /// The task of stage `stage` (0 without a curriculum).
    func task(stage: Int) -> Value {
        switch self {
        case .task(let t): return t
        case .curriculum(let c): return c.spec.stages[stage].task
        }
    }
}

/// What a run keeps beside the trainer in each checkpoint (`run_state.json`).
struct RunState: Codable {
    var step: Int
    var examplesDrawn: Int
    var curriculum: CurriculumProgress?
    var accuracyTolerance: Double
    var modelSeed: Int
    var modelStepsTrained: Int
    var modelSamplingCalls: Int
    var modelExamplesSeen: Int
    static let file = "run_state.json"
}

/// A GRPO run as a language value: `run.train(steps)` continues where it
/// stopped, `run.step()`, `run.history`, `run.samples(k)`, `run.model`,
/// `run.events` and `run.stage` with a curriculum.
final class RunObject: NativeObject {
    let modelObject: ModelObject
    let trainer: GRPOTrainer
    let parts: [RewardSet.Part]
    let source: ExampleSource
    /// A completion is accurate when its answer's error is below this.
    let accuracyTolerance: Double
    var history: [Value] = []
    var lastSamples: [GRPOSample] = []
    var lastExamples: [Value] = []
    var examplesDrawn = 0
    /// runs/NAME when the run was named.
    var directory: RunDirectory?
    var saveEvery = 0
    var samplesEvery = 10
    var keepCheckpoints = 3
    /// The step of the newest checkpoint on disk (nil: none yet).
    var lastCheckpoint: Int?
    /// The progress line while `train` runs (cleared before messages).
    private var progress: ProgressLine?
    /// Called after each step of `train` with (steps done, steps asked for),
    /// the progress line cleared: `plot(run, ..., watch: true)` redraws there.
    var watchers: [String: (_ done: Int, _ total: Int) -> Void] = [:]

    init(modelObject: ModelObject, trainer: GRPOTrainer, parts: [RewardSet.Part], source: ExampleSource, accuracyTolerance: Double) {
        self.modelObject = modelObject
        self.trainer = trainer
        self.parts = parts
        self.source = source
        self.accuracyTolerance = accuracyTolerance
    }

    var typeName: String { "run" }

    var label: String { directory.map { "runs/\($0.name)" } ?? "grpo" }

    func display() -> String {
        var text = "<grpo run"
        if let directory { text += " runs/\(directory.name)" }
        guard case .record(let last)? = history.last, let reward = last["reward"] else { return text + ": no steps yet>" }
        text += ": \(history.count) steps, reward \(reward.display())"
        if let a = last["accuracy"].flatMap(Arithmetic.double) { text += ", accuracy \(EvaluationResult.percent(a))" }
        if let c = source.curriculum { text += ", stage \(c.progress.stage + 1)/\(c.spec.stages.count)" }
        return text + ">"
    }

    var memberNames: [String] { ["train", "step", "history", "samples", "model", "steps", "stage", "events", "path"] }

    func member(_ name: String, vm: Interpreter) throws(Unwind) -> Value? {
        switch name {
        case "history": return .list(history)
        case "model": return .object(modelObject)
        case "steps": return .int(history.count)
        case "path": return directory.map { .string($0.url.path) } ?? .nil
        case "stage":
            guard let c = source.curriculum else { return .nil }
            return c.stats
        case "events":
            guard let c = source.curriculum else { return .list([]) }
            return .list(c.progress.events.map(c.record))
        case "step":
            return .builtin(Builtin("step", [], help: "One GRPO step; returns its metrics.") { args throws(Unwind) in
                let record = try deferringInterrupts { () throws(Unwind) in try self.step(vm: args.vm) }
                try self.checkpointIfDue()
                return record
            })
        case "train":
            return .builtin(Builtin("train", [.required("steps"), .optional("progress", .bool(true))], help: "GRPO steps; Ctrl-C stops at a step boundary.") { args throws(Unwind) in
                try self.train(steps: try args.int(0), progress: try args.bool(1), vm: args.vm)
            })
        case "samples":
            return .builtin(Builtin("samples", [.optional("k", .int(8))], help: "The latest completions with their prompt, reward parts and advantage.") { args throws(Unwind) in
                let k = max(0, try args.int(0))
                return .list(self.lastSamples.prefix(k).map { self.sampleRecord($0) })
            })
        default: return nil
        }
    }

    func sampleLine(_ s: GRPOSample, step: Int) -> Value {
        guard case .record(var r) = sampleRecord(s) else { return .nil }
        r.fields.updateValue(.int(step), forKey: "step", insertingAt: 0)
        return .record(r)
    }

    func sampleRecord(_ s: GRPOSample) -> Value {
        var rewards: [(String, Value)] = []
        for (p, v) in zip(parts, s.parts) { rewards.append((p.name, .float(v))) }
        return .record([
            ("prompt", .string(s.prompt)), ("completion", .string(s.completion)),
            ("reward", .float(s.reward)), ("rewards", .record(rewards)), ("advantage", .float(s.advantage)),
            ("length", .int(s.length)), ("truncated", .bool(s.truncated)),
        ])
    }

    // MARK: - training

    func train(steps: Int, progress showProgress: Bool, vm: Interpreter) throws(Unwind) -> Value {
        guard steps >= 0 else { throw fail("train: steps must be non-negative, got \(steps)") }
        let line = ProgressLine(enabled: showProgress, total: steps)
        progress = line
        defer { progress = nil }
        var done = 0
        let started = Date()
        while done < steps {
            if takeInterrupt() {
                try checkpoint()
                let message = "\(label): interrupted after \(done) of \(steps) steps; run.train(...) continues\(resumeHint)"
                if showProgress { line.finish(message) } else { FileHandle.standardError.write(Data((message + "\n").utf8)) }
                return .object(self)
            }
            let metrics: Record
            do throws(Unwind) {
                // One Ctrl-C waits for the step to end (the run stays whole); two stop it now.
                guard case .record(let m) = try deferringInterrupts({ () throws(Unwind) in try step(vm: vm) }) else { break }
                metrics = m
                try checkpointIfDue()
            } catch {
                line.finish()
                throw error
            }
            done += 1
            let elapsed = Date().timeIntervalSince(started)
            let eta = ProgressLine.duration(elapsed / Double(done) * Double(steps - done))
            func number(_ key: String, _ digits: Int = 4) -> String {
                guard let v = metrics[key], let d = Arithmetic.double(v) else { return "-" }
                return formatFloat(d, significantDigits: digits)
            }
            var text = "\(label) step \(trainer.stepsTaken) (\(done)/\(steps))"
            if let c = source.curriculum { text += "  stage \(c.progress.stage + 1)/\(c.spec.stages.count)" }
            text += "  reward \(number("reward"))"
            if let a = metrics["accuracy"].flatMap(Arithmetic.double) { text += "  accuracy \(EvaluationResult.percent(a))" }
            text += "  length \(number("completions/mean_length", 3))  \(number("tokens_per_second", 4)) tok/s  ETA \(eta)"
            if !watchers.isEmpty {
                line.clear()
                for watcher in watchers.values { watcher(done, steps) }
            }
            line.update(text, count: done, total: steps)
        }
        try checkpoint()
        line.finish()
        return .object(self)
    }

    var resumeHint: String {
        guard let directory, lastCheckpoint != nil else { return "" }
        return "; after a restart, resume(\"runs/\(directory.name)\")"
    }

    /// Draws the step's examples, runs the trainer, records metrics.
    func step(vm: Interpreter) throws(Unwind) -> Value {
        let settings = trainer.settings
        let curriculum = source.curriculum
        curriculum?.vm = vm
        // Examples for this step: seeds continue across calls.
        var examples: [ModelExample] = []
        var records: [Value] = []
        var stageOf: [Int] = []
        var judges: [(format: TaskFormat?, operation: TaskOperation)?] = []
        for _ in 0..<settings.prompts {
            let seed = settings.seed &* 1_000_003 &+ examplesDrawn
            let stage = curriculum?.stageIndex(example: examplesDrawn, seed: settings.seed) ?? 0
            examplesDrawn += 1
            stageOf.append(stage)
            switch source.task(stage: stage) {
            case .object(let t as TaskObject):
                let e = try t.modelExample(seed: seed, trace: false, vm: vm)
                examples.append(e)
                if let te = e.task { records.append(try t.record(te, vm: vm)) } else { records.append(.nil) }
                judges.append((t.template == nil ? t.spec.format : nil, t.spec.operation))
            case let task:
                let v = try vm.call(task, [.int(seed)])
                guard case .record(let r) = v else { throw fail("grpo: the task function must return an example record, got \(article(v.typeName))") }
                do { examples.append(try ModelExample(record: r, trace: false, requireTarget: false)) } catch { throw fail("grpo: \(error.message)") }
                records.append(v)
                judges.append(nil)
            }
        }
        var scoringError: Unwind?
        let report: GRPOStepReport
        do throws(EngineError) {
            report = try trainer.step(prompts: examples.map(\.prompt)) { (texts: [String], prompts: [Int]) throws(EngineError) -> [[Double]] in
                var rows: [[Double]] = []
                rows.reserveCapacity(texts.count)
                for (text, p) in zip(texts, prompts) {
                    var row: [Double] = []
                    for part in self.parts {
                        do throws(Unwind) {
                            let value = try RewardSet.value(of: part.function, [.string(text), records[p]], vm: vm)
                            row.append(part.weight * value)
                        } catch {
                            scoringError = error
                            throw EngineError.invalidArgument("a reward failed")
                        }
                    }
                    rows.append(row)
                }
                return rows
            }
        } catch {
            if let scoringError { throw scoringError }
            if case .numerical = error {
                var message = "\(label): stopped: \(error.message)"
                if let directory, let lastCheckpoint {
                    message += ". The last good checkpoint is runs/\(directory.name)/checkpoints/step-\(lastCheckpoint); resume(\"runs/\(directory.name)\") continues from it (a lower lr or max_grad_norm may help)"
                }
                throw fail(message)
            }
            throw fail("grpo: \(error.message)")
        }
        lastSamples = report.samples
        lastExamples = records

        // Accuracy at the run's tolerance, over completions whose task has an answer.
        var judged = 0, correct = 0
        var stageCompletions = 0, stageJudged = 0, stageCorrect = 0, stageReward = 0.0, stageLength = 0
        let current = curriculum?.progress.stage ?? 0
        for s in report.samples {
            var isCorrect = false
            let judge = judges[s.promptIndex]
            if let judge {
                judged += 1
                if let a = AnswerReader.judge(s.completion, example: examples[s.promptIndex], format: judge.format, operation: judge.operation),
                   a.error < accuracyTolerance {
                    isCorrect = true
                    correct += 1
                }
            }
            if stageOf[s.promptIndex] == current {
                stageCompletions += 1
                stageReward += s.reward
                stageLength += s.length
                if judge != nil {
                    stageJudged += 1
                    if isCorrect { stageCorrect += 1 }
                }
            }
        }

        let stepNumber = trainer.stepsTaken
        var metrics: [(String, Value)] = [("step", .int(stepNumber))]
        if curriculum != nil { metrics.append(("stage", .int(current + 1))) }
        metrics += [("loss", .float(report.loss)), ("reward", .float(report.reward)), ("reward_std", .float(report.rewardStd))]
        if judged > 0 { metrics.append(("accuracy", .float(Double(correct) / Double(judged)))) }
        for (k, p) in parts.enumerated() {
            metrics.append(("rewards/\(p.name)/mean", .float(report.partMeans[k])))
            metrics.append(("rewards/\(p.name)/std", .float(report.partStds[k])))
        }
        metrics += [
            ("completions/mean_length", .float(report.meanLength)), ("completions/min_length", .int(report.minLength)),
            ("completions/max_length", .int(report.maxLength)), ("completions/clipped_ratio", .float(report.clippedRatio)),
            ("kl", .float(report.kl)), ("entropy", .float(report.entropy)),
            ("clip_ratio/low_mean", .float(report.clipLow)), ("clip_ratio/high_mean", .float(report.clipHigh)),
            ("clip_ratio/region_mean", .float(report.clipRegion)), ("frac_reward_zero_std", .float(report.fracRewardZeroStd)),
            ("learning_rate", .float(report.learningRate)), ("grad_norm", .float(report.gradientNorm)),
            ("tokens_per_second", .float(Double(report.tokens) / max(report.seconds, 1e-9))),
            ("step_time", .float(report.seconds)), ("generation_time", .float(report.generationSeconds)),
            ("scoring_time", .float(report.scoringSeconds)), ("update_time", .float(report.updateSeconds)),
        ]
        let record = Value.record(metrics)
        history.append(record)
        modelObject.stepsTrained += 1
        if let directory {
            try directory.append(record, to: directory.metrics)
            if samplesEvery > 0 && stepNumber % samplesEvery == 0 {
                for s in report.samples { try directory.append(sampleLine(s, step: stepNumber), to: directory.samples) }
            }
        }
        if let curriculum, stageCompletions > 0 {
            let observation = CurriculumObservation(
                reward: stageReward / Double(stageCompletions),
                accuracy: stageJudged > 0 ? Double(stageCorrect) / Double(stageJudged) : nil,
                length: Double(stageLength) / Double(stageCompletions), loss: nil)
            if let event = try curriculum.observe(observation, steps: 1, at: stepNumber, vm: vm) {
                progress?.clear()
                vm.output(curriculum.message(event, run: label) + "\n")
            }
        }
        return record
    }

    // MARK: - checkpoints

    func checkpointIfDue() throws(Unwind) {
        if saveEvery > 0 && trainer.stepsTaken % saveEvery == 0 { try checkpoint() }
    }

    /// Saves model, optimizer, trainer and run state under
    /// checkpoints/step-N (once per step), keeping the newest few.
    func checkpoint() throws(Unwind) {
        let step = trainer.stepsTaken
        guard let directory, lastCheckpoint != step else { return }
        let state = RunState(step: step, examplesDrawn: examplesDrawn, curriculum: source.curriculum?.progress,
                             accuracyTolerance: accuracyTolerance, modelSeed: modelObject.seed,
                             modelStepsTrained: modelObject.stepsTrained, modelSamplingCalls: modelObject.samplingCalls,
                             modelExamplesSeen: modelObject.examplesSeen)
        let data: Data
        do { data = try JSONEncoder().encode(state) } catch { throw fail("cannot encode the run state: \(error)") }
        let target = directory.checkpointURL(step: step)
        do throws(EngineError) {
            try trainer.save(to: target, extraFiles: [RunState.file: data])
        } catch {
            throw fail("\(label): cannot save a checkpoint: \(error.message)")
        }
        lastCheckpoint = step
        directory.pruneCheckpoints(keep: keepCheckpoints)
    }
}
