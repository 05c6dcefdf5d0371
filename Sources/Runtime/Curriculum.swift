import Engine
import Foundation

/// One stage of a curriculum: a task and the rules that move a run on to
/// the next stage or back to the one before.
final class StageObject: NativeObject {
    /// A task object or a function seed -> example record.
    let task: Value
    /// fn(stats) -> bool; nil: accuracy ≥ 0.9 over the window.
    let promote: Value?
    let demote: Value?
    let minSteps: Int
    let name: String

    init(task: Value, promote: Value?, demote: Value?, minSteps: Int, name: String) {
        self.task = task
        self.promote = promote
        self.demote = demote
        self.minSteps = minSteps
        self.name = name
    }

    var typeName: String { "stage" }

    func display() -> String { "<stage \(name)\(minSteps > 0 ? " min_steps=\(minSteps)" : "")>" }

    var memberNames: [String] { ["task", "name", "promote", "demote", "min_steps"] }

    func member(_ name: String, vm: Interpreter) throws(Unwind) -> Value? {
        switch name {
        case "task": return task
        case "name": return .string(self.name)
        case "promote": return promote ?? .nil
        case "demote": return demote ?? .nil
        case "min_steps": return .int(minSteps)
        default: return nil
        }
    }

    /// "inverse diagonal 2" for a task object, the function's name otherwise.
    static func defaultName(_ task: Value) -> String {
        switch task {
        case .object(let t as TaskObject):
            let s = t.spec.sizes
            let size = s.lowerBound == s.upperBound ? "\(s.lowerBound)" : "\(s.lowerBound)..\(s.upperBound)"
            var name = "\(t.spec.name) \(t.spec.kind.rawValue) \(size)"
            switch t.spec.entries {
            case .integers(let r) where r != -9...9: name += " entries \(r.lowerBound)..\(r.upperBound)"
            case .uniform(let a): name += " entries ±" + Value.formatFloat(a)
            default: break
            }
            return name
        case .function(let c): return c.proto.displayName
        case .builtin(let b): return b.name
        default: return task.typeName
        }
    }
}

/// An easy-to-hard sequence of stages with a moving window of statistics
/// and a replay share of earlier stages. A description only: each run that
/// uses it keeps its own `CurriculumState`.
final class CurriculumObject: NativeObject {
    let stages: [StageObject]
    let window: Int
    let replay: Double

    init(stages: [StageObject], window: Int, replay: Double) {
        self.stages = stages
        self.window = window
        self.replay = replay
    }

    var typeName: String { "curriculum" }

    func display() -> String {
        "<curriculum \(stages.map(\.name).joined(separator: " -> ")), window \(window), replay \(Value.formatFloat(replay))>"
    }

    var memberNames: [String] { ["stages", "window", "replay"] }

    func member(_ name: String, vm: Interpreter) throws(Unwind) -> Value? {
        switch name {
        case "stages": return .list(stages.map { .object($0) })
        case "window": return .int(window)
        case "replay": return .float(replay)
        default: return nil
        }
    }
}

/// What one step (GRPO) or one evaluation (SFT) tells the curriculum.
struct CurriculumObservation: Codable {
    var reward: Double?
    var accuracy: Double?
    var length: Double
    var loss: Double?
}

/// A promotion or a demotion.
struct CurriculumEvent: Codable {
    /// The run's step after which it happened.
    var step: Int
    /// 0-based stages.
    var from: Int
    var to: Int
    var reason: String
}

/// Where a run stands in its curriculum; saved in checkpoints.
struct CurriculumProgress: Codable {
    var stage = 0
    var stepsInStage = 0
    var window: [CurriculumObservation] = []
    var events: [CurriculumEvent] = []
}

/// A run's position in a curriculum: which stage examples come from, the
/// window of recent statistics, and the promotions and demotions so far.
final class CurriculumState {
    let spec: CurriculumObject
    var progress = CurriculumProgress()

    init(spec: CurriculumObject) { self.spec = spec }

    var stage: StageObject { spec.stages[progress.stage] }

    /// The stage example number `index` comes from: the current one, or
    /// with probability `replay` an earlier one chosen uniformly. A hash of
    /// the seed and the index decides, so a resumed run draws the same.
    func stageIndex(example index: Int, seed: Int) -> Int {
        let current = progress.stage
        guard current > 0, spec.replay > 0 else { return current }
        var x = UInt64(bitPattern: Int64(seed)) &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(bitPattern: Int64(index))
        func mix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        let u = Double(mix() >> 11) * 0x1p-53
        guard u < spec.replay else { return current }
        return Int(mix() % UInt64(current))
    }

    /// The statistics the rules see: means over the window.
    var stats: Value {
        let w = progress.window
        func mean(_ xs: [Double]) -> Value { xs.isEmpty ? .nil : .float(xs.reduce(0, +) / Double(xs.count)) }
        return .record([
            ("stage", .int(progress.stage + 1)), ("name", .string(stage.name)),
            ("steps", .int(progress.stepsInStage)), ("window", .int(w.count)),
            ("reward", mean(w.compactMap(\.reward))), ("accuracy", mean(w.compactMap(\.accuracy))),
            ("length", mean(w.map(\.length))), ("loss", mean(w.compactMap(\.loss))),
        ])
    }

    /// Adds an observation covering `steps` training steps and applies the
    /// current stage's rules once the window is full and min_steps passed.
    /// Returns the event when the stage changed.
    func observe(_ observation: CurriculumObservation, steps: Int, at step: Int, vm: Interpreter) throws(Unwind) -> CurriculumEvent? {
        progress.window.append(observation)
        if progress.window.count > spec.window { progress.window.removeFirst(progress.window.count - spec.window) }
        progress.stepsInStage += steps
        let current = progress.stage
        guard progress.window.count >= spec.window, progress.stepsInStage >= stage.minSteps else { return nil }
        let stats = self.stats
        var target: Int? = nil
        var reason = ""
        if current + 1 < spec.stages.count, try rule(stage.promote, stats, "promote") {
            target = current + 1
            reason = "promoted"
        } else if current > 0, stage.demote != nil, try rule(stage.demote, stats, "demote") {
            target = current - 1
            reason = "demoted"
        }
        guard let target else { return nil }
        let event = CurriculumEvent(step: step, from: current, to: target, reason: "\(reason): \(Self.summary(stats))")
        progress.events.append(event)
        progress.stage = target
        progress.stepsInStage = 0
        progress.window = []
        return event
    }

    /// "accuracy 93%, reward 1.82, length 24.1 over 20 steps"
    static func summary(_ stats: Value) -> String {
        guard case .record(let r) = stats else { return "" }
        var parts: [String] = []
        if let a = r["accuracy"].flatMap(Arithmetic.double) { parts.append("accuracy \(EvaluationResult.percent(a))") }
        if let x = r["reward"].flatMap(Arithmetic.double) { parts.append("reward \(formatFloat(x, significantDigits: 3))") }
        if let x = r["loss"].flatMap(Arithmetic.double) { parts.append("loss \(formatFloat(x, significantDigits: 3))") }
        if let x = r["length"].flatMap(Arithmetic.double) { parts.append("length \(formatFloat(x, significantDigits: 3))") }
        let unit = r["reward"].map { $0.isNil } ?? true ? "evaluations" : "steps"
        return parts.joined(separator: ", ") + " over the last \(r["window"]?.display() ?? "?") \(unit)"
    }

    private func rule(_ f: Value?, _ stats: Value, _ what: String) throws(Unwind) -> Bool {
        guard let f else {
            // The default promotion: 90% accuracy over the window.
            guard case .record(let r) = stats, let accuracy = r["accuracy"].flatMap(Arithmetic.double) else {
                throw fail("curriculum stage \(progress.stage + 1) (\(stage.name)) has no promote rule, and its task gives no accuracy; give stage(..., promote: fn(s) => ...)")
            }
            return accuracy >= 0.9
        }
        let result = try vm_call(f, stats)
        guard case .bool(let b) = result else {
            throw fail("curriculum stage \(progress.stage + 1) (\(stage.name)): \(what) must return true or false, got \(result.shortDisplay)")
        }
        return b
    }

    /// Set by the run before observing (rules are language functions).
    var vm: Interpreter?

    private func vm_call(_ f: Value, _ stats: Value) throws(Unwind) -> Value {
        guard let vm else { throw fail("curriculum: no interpreter to run the stage's rule") }
        return try vm.call(f, [stats])
    }

    /// The event as a record for `run.events`.
    func record(_ e: CurriculumEvent) -> Value {
        .record([
            ("step", .int(e.step)), ("from", .int(e.from + 1)), ("to", .int(e.to + 1)),
            ("from_name", .string(spec.stages[e.from].name)), ("to_name", .string(spec.stages[e.to].name)),
            ("reason", .string(e.reason)),
        ])
    }

    /// The line printed when the stage changes.
    func message(_ e: CurriculumEvent, run: String) -> String {
        "\(run) step \(e.step): stage \(e.from + 1) (\(spec.stages[e.from].name)) -> stage \(e.to + 1) (\(spec.stages[e.to].name)), \(e.reason)"
    }
}

extension Builtins {
    static func curricula() -> [Builtin] {
        [
            Builtin("stage", [
                .required("task"), .optional("promote"), .optional("demote"), .optional("min_steps", .int(0)), .optional("name"),
            ], help: """
                One stage of a curriculum: a task (or a function seed -> example) and the rules that move a run on or back.

                promote and demote are functions of the window's statistics
                {stage, name, steps, window, reward, accuracy, length, loss} returning
                true or false; they are asked after every step once the window is
                full and the stage has run min_steps steps. promote moves to the
                next stage (default: accuracy >= 0.9), demote back to the previous
                one (default: never). name defaults to the task's operation, kind
                and size.
                  stage(tasks.inverse(size: 2, kind: "diagonal", format: "compact")).name   # "inverse diagonal 2"
                  stage(tasks.inverse(size: 2, format: "compact"), promote: fn(s) => s.accuracy > 0.8, min_steps: 50).min_steps   # 50
                """) { args throws(Unwind) in
                switch args[0] {
                case .object(let o) where o is TaskObject: break
                case .function, .builtin: break
                default: throw args.mismatch(0, "a task or a function from a seed to an example")
                }
                for i in [1, 2] where !args.isNil(i) {
                    switch args[i] {
                    case .function, .builtin: break
                    default: throw args.mismatch(i, "a function stats -> bool")
                    }
                }
                let minSteps = try args.int(3)
                if minSteps < 0 { throw args.fail("min_steps must be non-negative, got \(minSteps)") }
                let name = args.isNil(4) ? StageObject.defaultName(args[0]) : try args.string(4)
                return .object(StageObject(task: args[0], promote: args.isNil(1) ? nil : args[1],
                                           demote: args.isNil(2) ? nil : args[2], minSteps: minSteps, name: name))
            },
            Builtin("curriculum", [.required("stages"), .optional("window", .int(20)), .optional("replay", .float(0))], help: """
                An easy-to-hard curriculum for grpo and sft: a list of stages (or tasks), a moving window of statistics, and a replay share.

                A run starts on the first stage. After each step (grpo) or each
                evaluation (sft, every eval_every steps) the statistics of the
                last `window` of them — reward, accuracy at the run's tolerance,
                completion length, loss — go to the current stage's promote and
                demote rules. Promotions and demotions are printed, kept in
                run.events and in the `stage` metric. replay: the share of each
                batch drawn from earlier stages (uniformly), so the model does not
                forget them. A task in the list is a stage with default rules.
                  curriculum([tasks.diagonal(size: 2, format: "compact"), tasks.inverse(size: 2, format: "compact")], window: 10).window   # 10
                  let c = curriculum([stage(tasks.diagonal(size: 2, format: "compact"), promote: fn(s) => s.accuracy > 0.9), stage(tasks.inverse(size: 3, format: "compact"))], replay: 0.1)
                """) { args throws(Unwind) in
                guard case .list(let items) = args[0], !items.isEmpty else {
                    throw args.fail("stages must be a non-empty list of stages or tasks")
                }
                var stages: [StageObject] = []
                for (i, item) in items.enumerated() {
                    switch item {
                    case .object(let s as StageObject): stages.append(s)
                    case .object(let o) where o is TaskObject:
                        stages.append(StageObject(task: item, promote: nil, demote: nil, minSteps: 0, name: StageObject.defaultName(item)))
                    default: throw args.fail("stage \(i + 1) is \(article(item.typeName)); expected a stage(...) or a task")
                    }
                }
                let window = try args.int(1)
                if window < 1 || window > 100_000 { throw args.fail("window must be between 1 and 100000, got \(window)") }
                let replay = try args.double(2)
                if !(replay >= 0 && replay < 1) { throw args.fail("replay must be a share in [0, 1), got \(args[2].shortDisplay)") }
                return .object(CurriculumObject(stages: stages, window: window, replay: replay))
            },
        ]
    }
}
