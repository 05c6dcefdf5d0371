import Engine
import Foundation

/// Where SFT examples come from.
enum SFTSource {
    /// A task: example seeds base, base+1, ...
    case task(TaskObject)
    /// A fixed list, reshuffled (seeded) every epoch.
    case list([SFTExample])
    /// A function seed -> example record.
    case function(Value)
    /// A curriculum of tasks, advancing on evaluated accuracy.
    case curriculum(CurriculumState)
}

extension Builtins {
    static func sft() -> Builtin {
        Builtin("sft", [
            .required("model"), .required("data"), .required("steps"), .optional("batch", .int(32)),
            .optional("lr", .float(3e-4)), .optional("warmup"), .optional("min_lr"), .optional("trace", .bool(false)),
            .optional("eval_every"), .optional("eval_n", .int(64)), .optional("seed"), .optional("progress", .bool(true)),
            .optional("seconds"),
        ], help: """
            Supervised fine-tuning in place: next-token loss on each example's answer, none on its prompt.

            data: a task (its examples), a list of example records, a function
            seed -> example record, or a curriculum of tasks: every eval_every
            steps (default 50) the current stage is evaluated on eval_n held-out
            examples, and its rules see {accuracy, length, loss, steps} over the
            last `window` evaluations; promotions and demotions are printed and
            kept in the run's events. A record needs prompt and answer_text (or a
            string answer, or completion used as it is); with system it is a chat
            example. Templates: chat "SYSTEM\\n\\nUser: PROMPT\\nAssistant: " ->
            "<answer>\\nANSWER\\n</answer>"; other formats "PROMPT = " -> "ANSWER"; the
            EOS token ends every target. trace: true learns the worked solution
            (the example's trace) instead of the bare answer. AdamW at lr with
            linear warm-up (default min(100, steps/10) steps) and cosine decay to
            min_lr (default lr/10), gradients clipped at norm 1. Task examples use
            seeds from seed (default: where the model's previous sft stopped).
            eval_every: k evaluates eval_n held-out examples every k steps (tasks
            only). A progress line (step, loss, tokens/s, ETA) goes to stderr
            (progress: false silences it); Ctrl-C stops at the next step boundary
            with the model usable. seconds: a time budget: training stops at the
            first step boundary after that many seconds (steps is then an upper
            bound and the schedule still spans it; min_lr: lr makes the rate
            constant). Returns a run with fields steps, loss (per
            step), final_loss, evals ([{step, accuracy, exact}]), tokens_per_second,
            seconds, interrupted, and history (all of them as a record).
              sft(model(layers: 1, dim: 8, heads: 1, context: 8), [{prompt: "a", answer_text: "b"}], steps: 2, batch: 1, progress: false).steps   # 2
            """) { args throws(Unwind) in
            try runSFT(args)
        }
    }

    static func runSFT(_ args: Arguments) throws(Unwind) -> Value {
        let m = try args.model(0)
        let steps = try args.int(2)
        if steps < 1 || steps > 100_000_000 { throw args.fail("steps must be between 1 and 100000000, got \(steps)") }
        let batch = try args.int(3)
        if batch < 1 || batch > 1 << 16 { throw args.fail("batch must be between 1 and 65536, got \(batch)") }
        let lr = try args.double(4)
        let warmup = args.isNil(5) ? min(100, steps / 10) : try args.int(5)
        let minLR = args.isNil(6) ? lr / 10 : try args.double(6)
        let trace = try args.bool(7)
        let requestedEvalEvery: Int? = args.isNil(8) ? nil : try args.int(8)
        let evalN = try args.int(9)
        let explicitSeed: Int? = args.isNil(10) ? nil : try args.int(10)
        let showProgress = try args.bool(11)
        if let requestedEvalEvery, requestedEvalEvery < 1 { throw args.fail("eval_every must be at least 1, got \(requestedEvalEvery)") }
        if evalN < 1 { throw args.fail("eval_n must be at least 1, got \(evalN)") }
        let budget: Double? = args.isNil(12) ? nil : try args.double(12)
        if let budget, !(budget > 0 && budget.isFinite) { throw args.fail("seconds must be a positive number, got \(formatFloat(budget))") }

        let source: SFTSource
        switch args[1] {
        case .object(let o as TaskObject): source = .task(o)
        case .list(let items):
            if items.isEmpty { throw args.fail("the list of examples is empty") }
            var examples: [SFTExample] = []
            for (i, item) in items.enumerated() {
                guard case .record(let r) = item else { throw args.fail("example \(i) is \(article(item.typeName)), not a record") }
                let e: ModelExample
                do { e = try ModelExample(record: r, trace: trace) } catch { throw args.fail("example \(i): \(error.message)") }
                examples.append(try tokenized(e, m, args, what: "example \(i)"))
            }
            source = .list(examples)
        case .function, .builtin: source = .function(args[1])
        case .object(let c as CurriculumObject):
            for (i, stage) in c.stages.enumerated() {
                guard case .object(let task as TaskObject) = stage.task else {
                    throw args.fail("stage \(i + 1) of the curriculum is a function; sft advances on evaluated accuracy, which needs tasks")
                }
                try checkFormat(task, m, args)
            }
            source = .curriculum(CurriculumState(spec: c))
        default: throw args.mismatch(1, "a task, a curriculum, a list of example records or a function seed -> example")
        }
        if case .task(let task) = source { try checkFormat(task, m, args) }
        var evalEvery = requestedEvalEvery
        switch source {
        case .task: break
        case .curriculum: evalEvery = evalEvery ?? 50
        default: if evalEvery != nil { throw args.fail("eval_every needs a task to draw held-out examples from") }
        }
        let curriculum: CurriculumState? = { if case .curriculum(let c) = source { return c } else { return nil } }()
        curriculum?.vm = args.vm

        let settings = SFTSettings(schedule: LearningRateSchedule(peak: Float(lr), minimum: Float(minLR), warmupSteps: warmup, totalSteps: steps),
                                   padToken: m.tokenizer.padToken)
        let trainer = try args.engine { () throws(EngineError) in try SFTTrainer(model: m.model, settings: settings) }

        let baseSeed = explicitSeed ?? m.examplesSeen
        var drawn = 0
        var order: [Int] = []
        var shuffler = SeededRandom(seed: explicitSeed ?? m.stepsTrained)
        func nextBatch() throws(Unwind) -> [SFTExample] {
            var out: [SFTExample] = []
            out.reserveCapacity(batch)
            for _ in 0..<batch {
                let exampleSeed = baseSeed &+ drawn
                drawn += 1
                switch source {
                case .task(let task):
                    let e = try task.modelExample(seed: exampleSeed, trace: trace, vm: args.vm)
                    out.append(try tokenized(e, m, args, what: "the example with seed \(exampleSeed)"))
                case .curriculum(let c):
                    let stage = c.stageIndex(example: drawn - 1, seed: baseSeed)
                    guard case .object(let task as TaskObject) = c.spec.stages[stage].task else { break }
                    let e = try task.modelExample(seed: exampleSeed, trace: trace, vm: args.vm)
                    out.append(try tokenized(e, m, args, what: "the example with seed \(exampleSeed)"))
                case .list(let examples):
                    if order.isEmpty {
                        // A new epoch: Fisher-Yates with the run's seeded stream.
                        order = Array(examples.indices)
                        for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, shuffler.nextInt(0, i)) }
                    }
                    out.append(examples[order.removeLast()])
                case .function(let f):
                    let value = try args.vm.call(f, [.int(exampleSeed)])
                    guard case .record(let r) = value else {
                        throw args.fail("the example function must return a record, got \(article(value.typeName)) for seed \(exampleSeed)")
                    }
                    let e: ModelExample
                    do { e = try ModelExample(record: r, trace: trace) } catch { throw args.fail("seed \(exampleSeed): \(error.message)") }
                    out.append(try tokenized(e, m, args, what: "the example for seed \(exampleSeed)"))
                }
            }
            return out
        }

        let start = DispatchTime.now().uptimeNanoseconds
        let progress = ProgressLine(enabled: showProgress, total: steps)
        var losses: [Value] = []
        var evals: [Value] = []
        var processed = 0
        var interrupted = false
        var lastAccuracy: String = ""
        var lossesSinceEval: [Double] = []
        for step in 1...steps {
            let examples = try nextBatch()
            let report = try args.engine { () throws(EngineError) in try trainer.step(examples) }
            m.stepsTrained += 1
            losses.append(.float(report.loss))
            lossesSinceEval.append(report.loss)
            processed += report.processedTokens
            if let evalEvery, step % evalEvery == 0 || step == steps, let task = evaluationTask(source) {
                let r = try runEvaluation(m, task, n: evalN, tolerances: [0.05], seed: 0, temperature: 0, trace: trace,
                                          progress: false, args)
                var record: [(String, Value)] = [("step", .int(step)), ("accuracy", .float(r.accuracy)), ("exact", .float(r.rate(r.exact)))]
                if let curriculum {
                    record.append(("stage", .int(curriculum.progress.stage + 1)))
                    let observation = CurriculumObservation(reward: nil, accuracy: r.accuracy, length: r.count == 0 ? 0 : Double(r.completionTokens) / Double(r.count),
                                                            loss: lossesSinceEval.reduce(0, +) / Double(max(1, lossesSinceEval.count)))
                    if let event = try curriculum.observe(observation, steps: lossesSinceEval.count, at: step, vm: args.vm) {
                        progress.clear()
                        args.vm.output(curriculum.message(event, run: "sft") + "\n")
                    }
                }
                lossesSinceEval = []
                evals.append(.record(record))
                lastAccuracy = "  \(curriculum.map { "stage \($0.progress.stage + 1)/\($0.spec.stages.count)  " } ?? "")accuracy \(EvaluationResult.percent(r.accuracy))  exact \(EvaluationResult.percent(r.rate(r.exact)))"
                // Ctrl-C during the evaluation stops the training too.
                if r.interrupted {
                    interrupted = true
                    break
                }
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            var eta = seconds / Double(step) * Double(steps - step)
            if let budget { eta = min(eta, max(0, budget - seconds)) }
            progress.update("sft step \(step)/\(steps)  loss \(formatFloat(report.loss, significantDigits: 4))  lr \(formatFloat(Double(report.learningRate), significantDigits: 3))\(lastAccuracy)  \(Int(Double(processed) / max(seconds, 1e-9))) tok/s  ETA \(ProgressLine.duration(eta))",
                            count: step, total: steps)
            // A Ctrl-C during the last step is consumed too: sft has stopped, as asked.
            if takeInterrupt() {
                interrupted = step < steps
                break
            }
            if let budget, seconds >= budget { break }
        }
        if explicitSeed == nil, case .function = source { m.examplesSeen &+= drawn }
        if explicitSeed == nil, case .task = source { m.examplesSeen &+= drawn }
        if explicitSeed == nil, case .curriculum = source { m.examplesSeen &+= drawn }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        progress.finish(interrupted ? "sft: interrupted after step \(losses.count) of \(steps); the model keeps what it learned" : nil)
        return .object(SFTRun(fields: [
            ("steps", .int(losses.count)),
            ("loss", .list(losses)),
            ("final_loss", losses.last ?? .nil),
            ("evals", .list(evals)),
            ("tokens_per_second", .float(Double(processed) / max(seconds, 1e-9))),
            ("seconds", .float(seconds)),
            ("interrupted", .bool(interrupted)),
            ("events", .list(curriculum.map { c in c.progress.events.map(c.record) } ?? [])),
            ("stage", curriculum?.stats ?? .nil),
        ]))
    }

    /// The task `sft` evaluates: the task, or the curriculum's current stage.
    static func evaluationTask(_ source: SFTSource) -> TaskObject? {
        switch source {
        case .task(let t): return t
        case .curriculum(let c):
            if case .object(let t as TaskObject) = c.stage.task { return t }
            return nil
        default: return nil
        }
    }

    /// A Charton tokenizer reads only its own encoding: refuse a task written otherwise.
    static func checkFormat(_ task: TaskObject, _ m: ModelObject, _ args: Arguments) throws(Unwind) {
        guard m.tokenizer is ChartonTokenizer, task.template == nil, task.spec.format.rawValue != m.tokenizerName else { return }
        throw args.fail("a \(m.tokenizerName) model reads tasks written in format: \"\(m.tokenizerName)\", this task's format is \"\(task.spec.format.rawValue)\"")
    }

    /// An example's tokens: the templated prompt, then the target and EOS.
    static func tokenized(_ e: ModelExample, _ m: ModelObject, _ args: Arguments, what: String) throws(Unwind) -> SFTExample {
        guard let target = e.target else { throw args.fail("\(what) has no answer to learn") }
        let prompt: [Int32], completion: [Int32]
        do {
            prompt = try Tokenizers.encodeChecked(e.prompt, m.tokenizer)
            completion = try Tokenizers.encodeChecked(target, m.tokenizer) + [m.tokenizer.eosToken]
        } catch {
            throw args.fail("\(what): \(error.message)")
        }
        // The last token is only a target: a sequence of L tokens needs a context of L - 1.
        let needed = prompt.count + completion.count - 1
        if needed > m.model.config.context {
            throw args.fail("\(what) needs a context of \(needed) (prompt \(prompt.count) tokens, answer and EOS \(completion.count), less one), the model's is \(m.model.config.context)")
        }
        return SFTExample(prompt: prompt, completion: completion)
    }
}

/// What `sft` returns: its history as fields (`h.loss`, `h.evals`, ...),
/// shown in one line so the REPL does not print hundreds of losses.
final class SFTRun: NativeObject {
    let record: Record

    init(fields: [(String, Value)]) { record = Record(fields) }

    var typeName: String { "sft_run" }

    var memberNames: [String] { Array(record.fields.keys) + ["history"] }

    func member(_ name: String, vm: Interpreter) throws(Unwind) -> Value? {
        if name == "history" { return .record(record) }
        return record[name]
    }

    func display() -> String {
        var text = "<sft run: \(record["steps"]?.display() ?? "0") steps"
        if case .list(let losses)? = record["loss"], let first = losses.first, let last = losses.last,
           let a = Arithmetic.double(first), let b = Arithmetic.double(last) {
            text += ", loss \(formatFloat(a, significantDigits: 4)) -> \(formatFloat(b, significantDigits: 4))"
        }
        if case .list(let evals)? = record["evals"], case .record(let e)? = evals.last, let exact = e["exact"].flatMap(Arithmetic.double) {
            text += ", exact \(EvaluationResult.percent(exact))"
        }
        if case .bool(true)? = record["interrupted"] { text += ", interrupted" }
        return text + ">"
    }
}
