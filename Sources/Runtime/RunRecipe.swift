import Engine
import Foundation

/// How a run directory names the code it was trained with — rewards and
/// task are functions, which a checkpoint cannot hold — so that `resume`
/// can find them again: the session's global that held them, a builtin's
/// name, or a task's settings.
enum RunRecipe {
    /// {rewards: {global | builtin}, task: {global, task}} for config.json.
    static func record(rewards: Value, task: Value, vm: Interpreter) -> Value {
        var fields: [(String, Value)] = []
        if let name = globalName(of: rewards, vm: vm) {
            fields.append(("rewards", .record([("global", .string(name))])))
        } else if case .builtin(let b) = rewards {
            fields.append(("rewards", .record([("builtin", .string(b.name))])))
        }
        var taskFields: [(String, Value)] = []
        if let name = globalName(of: task, vm: vm) { taskFields.append(("global", .string(name))) }
        if case .object(let t as TaskObject) = task, t.template == nil { taskFields.append(("task", specRecord(t.spec))) }
        if case .builtin(let b) = task { taskFields.append(("builtin", .string(b.name))) }
        if case .object(let c as CurriculumObject) = task, let rebuilt = curriculumRecord(c) { taskFields.append(("curriculum", rebuilt)) }
        if !taskFields.isEmpty { fields.append(("task", .record(taskFields))) }
        return .record(fields)
    }

    /// The user global holding `v` (the same object, function or list of them).
    static func globalName(of v: Value, vm: Interpreter) -> String? {
        for name in vm.globalNames {
            guard let g = vm.global(name), !vm.isBuiltinGlobal(name) else { continue }
            if same(g, v) { return name }
        }
        return nil
    }

    static func same(_ a: Value, _ b: Value) -> Bool {
        switch (a, b) {
        case (.function(let x), .function(let y)): return x === y
        case (.builtin(let x), .builtin(let y)): return x === y
        case (.object(let x), .object(let y)): return x === y
        case (.list(let xs), .list(let ys)):
            return xs.count == ys.count && zip(xs, ys).allSatisfy { same($0, $1) }
        default: return false
        }
    }

    /// A curriculum of builtin tasks with the default rules, as data
    /// (nil when a stage has a rule or a function: code, not data).
    static func curriculumRecord(_ c: CurriculumObject) -> Value? {
        var stages: [Value] = []
        for stage in c.stages {
            guard stage.promote == nil, stage.demote == nil,
                  case .object(let t as TaskObject) = stage.task, t.template == nil else { return nil }
            stages.append(.record([("task", specRecord(t.spec)), ("name", .string(stage.name)), ("min_steps", .int(stage.minSteps))]))
        }
        return .record([("stages", .list(stages)), ("window", .int(c.window)), ("replay", .float(c.replay))])
    }

    static func curriculum(from v: Value) -> CurriculumObject? {
        guard case .record(let r) = v, case .list(let items)? = r["stages"], !items.isEmpty,
              case .int(let window)? = r["window"], window >= 1, let replay = r["replay"].flatMap(Arithmetic.double) else { return nil }
        var stages: [StageObject] = []
        for item in items {
            guard case .record(let s) = item, let specValue = s["task"], let spec = spec(from: specValue),
                  case .string(let name)? = s["name"], case .int(let minSteps)? = s["min_steps"] else { return nil }
            stages.append(StageObject(task: .object(TaskObject(spec: spec, template: nil)), promote: nil, demote: nil, minSteps: minSteps, name: name))
        }
        return CurriculumObject(stages: stages, window: window, replay: replay)
    }

    static func specRecord(_ spec: TaskSpec) -> Value {
        let entries: Value
        switch spec.entries {
        case .integers(let r): entries = .record([("integers", .list([.int(r.lowerBound), .int(r.upperBound)]))])
        case .uniform(let a): entries = .record([("uniform", .float(a))])
        }
        return .record([
            ("operation", .string(spec.operation.rawValue)),
            ("sizes", .list([.int(spec.sizes.lowerBound), .int(spec.sizes.upperBound)])),
            ("entries", entries), ("kind", .string(spec.kind.rawValue)),
            ("max_cond", spec.maxCond.map { .float($0) } ?? .nil), ("format", .string(spec.format.rawValue)),
        ])
    }

    static func spec(from v: Value) -> TaskSpec? {
        guard case .record(let r) = v,
              case .string(let op)? = r["operation"], let operation = TaskOperation(rawValue: op),
              case .list(let sizes)? = r["sizes"], sizes.count == 2, case .int(let lo) = sizes[0], case .int(let hi) = sizes[1], lo <= hi,
              case .string(let k)? = r["kind"], let kind = MatrixKind(rawValue: k),
              case .string(let f)? = r["format"], let format = TaskFormat(rawValue: f),
              case .record(let e)? = r["entries"] else { return nil }
        let entries: EntryDistribution
        if case .list(let b)? = e["integers"], b.count == 2, case .int(let a) = b[0], case .int(let z) = b[1], a <= z {
            entries = .integers(a...z)
        } else if let a = e["uniform"].flatMap(Arithmetic.double) {
            entries = .uniform(a)
        } else {
            return nil
        }
        let maxCond = r["max_cond"].flatMap(Arithmetic.double)
        return try? TaskSpec(operation, sizes: lo...hi, entries: entries, kind: kind, maxCond: maxCond, format: format)
    }

    // MARK: - resume

    static func resume(_ args: Arguments) throws(Unwind) -> Value {
        let vm = args.vm
        let path = try args.string(0)
        let fm = FileManager.default
        let url = URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: fm.currentDirectoryPath)).standardizedFileURL
        let configURL = url.appendingPathComponent(RunDirectory.configFile)
        guard fm.fileExists(atPath: configURL.path) else {
            throw args.fail("\(path) is not a run directory (it has no \(RunDirectory.configFile))")
        }
        let config: Record
        do {
            let text = try String(contentsOf: configURL, encoding: .utf8)
            guard case .record(let r) = try JSONParser.parse(text) else { throw args.fail("\(path)/config.json is not a JSON object") }
            config = r
        } catch let error as Unwind {
            throw error
        } catch {
            throw args.fail("cannot read \(path)/config.json: \(error)")
        }
        if case .string(let kind)? = config["kind"], kind != "grpo" {
            throw args.fail("\(path) is a \(kind) run; resume continues GRPO runs")
        }
        let directory = url.appendingPathComponent("checkpoints")
        guard let step = RunDirectory.checkpointSteps(in: directory).last else {
            throw args.fail("\(path) has no complete checkpoint to resume from (checkpoints/step-N with \(GRPOTrainer.stateFile))")
        }
        let checkpoint = directory.appendingPathComponent("step-\(step)")
        let trainer = try args.engine { () throws(EngineError) in try GRPOTrainer.resume(from: checkpoint) }
        let state: RunState
        do {
            state = try JSONDecoder().decode(RunState.self, from: Data(contentsOf: checkpoint.appendingPathComponent(RunState.file)))
        } catch {
            throw args.fail("\(checkpoint.path)/\(RunState.file) is missing or unreadable: \(error.localizedDescription)")
        }
        guard state.step == step, state.step == trainer.stepsTaken else {
            throw args.fail("\(checkpoint.path) is inconsistent: directory step \(step), run state step \(state.step), trainer step \(trainer.stepsTaken)")
        }
        let recipe: Record = { if case .record(let r)? = config["recipe"] { return r } else { return Record([]) } }()

        // Rewards: given, or the global / builtin the run was started with.
        let rewardsValue: Value
        if !args.isNil(1) {
            rewardsValue = args[1]
        } else if case .record(let r)? = recipe["rewards"], case .string(let name)? = r["global"] {
            guard let v = vm.global(name) else {
                throw args.fail("the run's rewards were the global '\(name)', which this session does not define; define it first or pass rewards:")
            }
            rewardsValue = v
        } else if case .record(let r)? = recipe["rewards"], case .string(let name)? = r["builtin"], let b = vm.builtinsByName[name] {
            rewardsValue = .builtin(b)
        } else {
            throw args.fail("\(path) does not say where its rewards came from (they were not a global); pass rewards:")
        }
        let parts = try RewardSet.parts(rewardsValue, what: "resume")
        if case .list(let saved)? = config["rewards"] {
            let savedParts = saved.compactMap { item -> (String, Double)? in
                guard case .record(let r) = item, case .string(let n)? = r["name"], let w = r["weight"].flatMap(Arithmetic.double) else { return nil }
                return (n, w)
            }
            let same = savedParts.count == parts.count && zip(savedParts, parts).allSatisfy { $0.0 == $1.name && $0.1 == $1.weight }
            if !same {
                func show(_ xs: [(String, Double)]) -> String { "[" + xs.map { "\($0.0) × \(Value.formatFloat($0.1))" }.joined(separator: ", ") + "]" }
                throw args.fail("\(path) was trained with rewards \(show(savedParts)), these are \(show(parts.map { ($0.name, $0.weight) }))")
            }
        }

        // Task or curriculum.
        var taskValue: Value? = args.isNil(2) ? nil : args[2]
        if taskValue == nil, case .record(let t)? = recipe["task"] {
            if case .string(let name)? = t["global"], let v = vm.global(name) { taskValue = v }
            else if let specValue = t["task"], let spec = spec(from: specValue) { taskValue = .object(TaskObject(spec: spec, template: nil)) }
            else if case .string(let name)? = t["builtin"], let b = vm.builtinsByName[name] { taskValue = .builtin(b) }
            else if let c = t["curriculum"].flatMap(curriculum(from:)) { taskValue = .object(c) }
            else if case .string(let name)? = t["global"] {
                throw args.fail("the run's task was the global '\(name)', which this session does not define; define it first or pass task:")
            }
        }
        guard let taskValue else { throw args.fail("\(path) does not say where its task came from; pass task:") }
        let source: ExampleSource
        switch taskValue {
        case .object(let o) where o is TaskObject: source = .task(taskValue)
        case .function, .builtin: source = .task(taskValue)
        case .object(let c as CurriculumObject):
            let curriculum = CurriculumState(spec: c)
            if let progress = state.curriculum {
                guard progress.stage < c.stages.count, progress.events.allSatisfy({ $0.from < c.stages.count && $0.to < c.stages.count }) else {
                    throw args.fail("the run was at stage \(progress.stage + 1), but this curriculum has \(c.stages.count) stages")
                }
                curriculum.progress = progress
            }
            source = .curriculum(curriculum)
        default: throw args.mismatch(2, "a task, a curriculum or a function from a seed to an example")
        }
        if state.curriculum != nil, source.curriculum == nil {
            throw args.fail("\(path) was trained with a curriculum; pass the curriculum as task:")
        }

        let model = ModelObject(model: trainer.model, tokenizer: trainer.tokenizer, seed: state.modelSeed)
        model.stepsTrained = state.modelStepsTrained
        model.samplingCalls = state.modelSamplingCalls
        model.examplesSeen = state.modelExamplesSeen
        let run = RunObject(modelObject: model, trainer: trainer, parts: parts, source: source, accuracyTolerance: state.accuracyTolerance)
        func int(_ key: String, _ fallback: Int) -> Int {
            if case .int(let n)? = config[key] { return n }
            return fallback
        }
        try run.configureSaving(saveEvery: int("save_every", 50), samplesEvery: int("samples_every", 10), keep: int("keep_checkpoints", 3), args)
        run.examplesDrawn = state.examplesDrawn
        let opened = try RunDirectory(resuming: url, after: step)
        run.directory = opened
        run.history = opened.keptMetrics
        run.lastCheckpoint = step
        if run.history.count != step {
            vm.output("resume: warning: \(path)/metrics.jsonl holds \(run.history.count) steps up to the checkpoint at step \(step)\n")
        }
        return .object(run)
    }
}
