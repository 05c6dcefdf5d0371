import Engine

/// One example as a model sees it: the prompt text with its template
/// applied, and the text the model should write after it (the EOS token
/// follows it in training). The same template serves `sft`, `evaluate` and
/// `m.sample(example)`, so a model is asked at test time exactly as it was
/// taught.
///
/// Templates:
/// - chat (the example has a `system` prompt):
///   `SYSTEM\n\nUser: PROMPT\nAssistant: ` and the target
///   `<answer>\nANSWER\n</answer>` — or, with `trace: true`, the example's
///   trace, which is `<reasoning>…</reasoning>\n<answer>…</answer>`;
/// - otherwise (compact, p10, p1000, fp15, template functions):
///   `PROMPT = ` and the target ANSWER (or the trace: the steps, then the
///   answer on the last line). With a word-level (Charton) tokenizer the
///   `=` is a word of its own.
struct ModelExample {
    var prompt: String
    /// nil when the source gave no answer (only a prompt to sample from).
    var target: String?
    /// What `evaluate` compares against, when the example came from a task.
    var answerText: String?
    var task: TaskExample?

    static func chatPrompt(system: String, prompt: String) -> String {
        "\(system)\n\nUser: \(prompt)\nAssistant: "
    }

    static func compactPrompt(_ prompt: String) -> String { prompt + " = " }

    static func chatAnswer(_ answer: String) -> String { "<answer>\n\(answer)\n</answer>" }

    /// A task's example (its prompt possibly rewritten by the task's template record).
    init(task e: TaskExample, prompt: String, system: String?, trace: Bool) {
        if let system {
            self.prompt = Self.chatPrompt(system: system, prompt: prompt)
            target = trace ? e.trace : Self.chatAnswer(e.answerText)
        } else {
            self.prompt = Self.compactPrompt(prompt)
            target = trace ? e.trace : e.answerText
        }
        answerText = e.answerText
        task = e
    }

    /// An example record: `prompt` (a string) and `system` (a string, for
    /// the chat template) with the target taken from `completion` (used as
    /// it is), else `trace` (with `trace: true`), else `answer_text`, else a
    /// string `answer`.
    init(record r: Record, trace: Bool, requireTarget: Bool = true) throws(EngineError) {
        guard case .string(let prompt)? = r["prompt"] else {
            throw .invalidArgument("an example record needs a string field 'prompt'")
        }
        var system: String?
        switch r["system"] {
        case .string(let s)?: system = s
        case nil, .nil?: system = nil
        case let other?: throw .invalidArgument("an example's 'system' must be a string or nil, got \(other.typeName)")
        }
        self.prompt = system.map { Self.chatPrompt(system: $0, prompt: prompt) } ?? Self.compactPrompt(prompt)
        func string(_ name: String) throws(EngineError) -> String? {
            switch r[name] {
            case .string(let s)?: return s
            case nil, .nil?: return nil
            case let other?: throw .invalidArgument("an example's '\(name)' must be a string, got \(other.typeName)")
            }
        }
        let answer = try string("answer_text") ?? (try? string("answer")) ?? nil
        answerText = answer
        if let completion = try string("completion") {
            target = completion
        } else if trace {
            guard let t = try string("trace") else {
                throw .invalidArgument("trace: true needs a string field 'trace' in every example")
            }
            target = t
        } else if let answer {
            target = system == nil ? answer : Self.chatAnswer(answer)
        } else {
            target = nil
        }
        if requireTarget && target == nil {
            throw .invalidArgument("an example record needs a string 'answer_text', 'answer' or 'completion' to learn from")
        }
    }
}

extension TaskObject {
    /// Example `seed` of this task as the model sees it; a template
    /// function rewrites its prompt as it does for `t.sample`.
    func modelExample(seed: Int, trace: Bool, vm: Interpreter) throws(Unwind) -> ModelExample {
        let e: TaskExample
        do { e = try spec.sample(seed: seed) } catch { throw fail(error.message) }
        guard template != nil else { return ModelExample(task: e, prompt: e.prompt, system: e.system, trace: trace) }
        guard case .record(let r) = try record(e, vm: vm) else { throw fail("a task example is not a record") }
        var example: ModelExample
        do { example = try ModelExample(record: r, trace: trace) } catch { throw fail(error.message) }
        example.task = e
        return example
    }
}
