import Engine

/// A task generator as a language value: `t.sample(seed: 1)`, `t.batch(8, seed: 1)`.
final class TaskObject: NativeObject {
    let spec: TaskSpec
    /// A user template: example record -> prompt string (or {prompt, answer_text}).
    let template: Value?

    init(spec: TaskSpec, template: Value?) {
        self.spec = spec
        self.template = template
    }

    var typeName: String { "task" }

    func display() -> String {
        let sizes = spec.sizes.lowerBound == spec.sizes.upperBound ? "\(spec.sizes.lowerBound)" : "\(spec.sizes.lowerBound)..\(spec.sizes.upperBound)"
        let entries: String
        switch spec.entries {
        case .integers(let r): entries = "\(r.lowerBound)..\(r.upperBound)"
        case .uniform(let a): entries = "±" + Value.formatFloat(a)
        }
        let cond = spec.maxCond.map { " max_cond=\(Value.formatFloat($0))" } ?? ""
        let format = template == nil ? spec.format.rawValue : "template"
        return "<task \(spec.name) size=\(sizes) entries=\(entries) kind=\(spec.kind.rawValue)\(cond) format=\(format)>"
    }

    var memberNames: [String] { ["name", "kind", "format", "sample", "batch"] }

    func member(_ name: String, vm: Interpreter) throws(Unwind) -> Value? {
        switch name {
        case "name": return .string(spec.name)
        case "kind": return .string(spec.kind.rawValue)
        case "format": return .string(template == nil ? spec.format.rawValue : "template")
        case "sample":
            return .builtin(Builtin("sample", [.optional("seed")], help: "An example of this task for a seed.") { args throws(Unwind) in
                try self.sample(seed: try self.seed(args, 0), vm: args.vm)
            })
        case "batch":
            return .builtin(Builtin("batch", [.required("n"), .optional("seed")], help: "n examples of this task.") { args throws(Unwind) in
                let n = try args.int(0)
                let examples = try args.engine { () throws(EngineError) in try self.spec.batch(n, seed: try self.seedValue(args, 1)) }
                var out: [Value] = []
                out.reserveCapacity(examples.count)
                for e in examples { out.append(try self.record(e, vm: args.vm)) }
                return .list(out)
            })
        default: return nil
        }
    }

    func seed(_ args: Arguments, _ i: Int) throws(Unwind) -> Int {
        guard case .int(let s) = args[i] else {
            if args.isNil(i) { throw args.fail("pass a seed so that examples can be replayed, e.g. t.sample(seed: 1)") }
            throw args.mismatch(i, "an integer seed")
        }
        return s
    }

    func seedValue(_ args: Arguments, _ i: Int) throws(EngineError) -> Int {
        guard case .int(let s) = args[i] else {
            throw EngineError.invalidArgument("pass an integer seed so that examples can be replayed, e.g. t.batch(8, seed: 1)")
        }
        return s
    }

    func sample(seed: Int, vm: Interpreter) throws(Unwind) -> Value {
        let e: TaskExample
        do { e = try spec.sample(seed: seed) } catch { throw fail("sample: \(error.message)") }
        return try record(e, vm: vm)
    }

    /// The example as a record; a template rewrites its prompt.
    func record(_ e: TaskExample, vm: Interpreter) throws(Unwind) -> Value {
        var fields: [(String, Value)] = [
            ("task", .string(e.task)),
            ("prompt", .string(e.prompt)),
            ("answer", TaskValues.answer(e.answer)),
            ("answer_text", .string(e.answerText)),
            ("matrix", .matrix(e.matrix)),
        ]
        if let operand = e.operand {
            let name = spec.operation == .solve ? "b" : (spec.operation == .matvec ? "v" : "B")
            fields.append((name, .matrix(operand)))
        }
        fields += [
            ("n", .int(e.n)),
            ("system", e.system.map { .string($0) } ?? .nil),
            ("trace", .string(e.trace)),
            ("meta", .record([
                ("kind", .string(e.kind)),
                ("format", .string(template == nil ? spec.format.rawValue : "template")),
                ("cond", e.cond.map { .float($0) } ?? .nil),
                ("difficulty", .float(e.difficulty)),
                ("seed", .int(e.seed)),
            ])),
        ]
        var record = Record(fields)
        if let template {
            let rendered = try vm.call(template, [.record(record)])
            switch rendered {
            case .string(let prompt): record["prompt"] = .string(prompt)
            case .record(let r):
                for (k, v) in r.fields { record[k] = v }
            default:
                throw fail("the task's format function must return a prompt string or a record, got \(article(rendered.typeName))")
            }
        }
        return .record(record)
    }
}

enum TaskValues {
    static func answer(_ a: TaskAnswer) -> Value {
        switch a {
        case .matrix(let m): return .matrix(m)
        case .scalar(let s): return Value(s)
        case .list(let xs): return .list(xs.map { Value($0) })
        }
    }
}

extension Builtins {
    static let taskParameters: [Builtin.Parameter] = [
        .optional("size", .int(2)), .optional("entries"), .optional("kind"), .optional("max_cond"), .optional("format", .string("chat")),
    ]

    /// tasks.transpose, tasks.inverse, ... and the kind shortcuts tasks.diagonal, ...
    static func tasks() -> [Builtin] {
        var out: [Builtin] = []
        for op in TaskOperation.allCases {
            out.append(Builtin("tasks.\(op.rawValue)", taskParameters, help: """
                A task generator: \(op.phrase) a generated matrix. t.sample(seed: s) gives an example record, t.batch(n, seed: s) a list.

                size: an integer or a range (2..4); entries: an integer range (exact,
                default -9..9) or a number a (floats in [-a, a], as Charton); kind:
                "random", "diagonal", "triangular", "unimodular", "symmetric",
                "near_identity" or "well_conditioned" (with max_cond, default 10);
                format: "chat" (system prompt asking for <reasoning> and <answer>),
                "compact", "p10", "p1000", "fp15", or a function from the example
                record to a prompt string. An example holds prompt, answer (exact),
                answer_text, matrix (and B, v or b), n, system, trace (worked
                solution then the answer) and meta {kind, format, cond, difficulty, seed}.
                  tasks.\(op.rawValue)(size: 2).sample(seed: 1).task   # "\(op.rawValue)"
                """) { args throws(Unwind) in
                try makeTask(args, op)
            })
        }
        for kind in MatrixKind.allCases where kind != .random {
            out.append(Builtin("tasks.\(kind.rawValue)", taskParameters.filter { $0.name != "kind" } + [.optional("op", .string("inverse"))], help: """
                A task on \(kind.rawValue.replacingOccurrences(of: "_", with: " ")) matrices (the inverse unless op: names another operation): a curriculum stage.

                Same arguments as tasks.inverse, with the kind fixed.
                  tasks.\(kind.rawValue)(size: 2).kind   # "\(kind.rawValue)"
                """) { args throws(Unwind) in
                guard let op = TaskOperation(rawValue: try args.string(4)) else {
                    throw args.fail("op must be one of \(TaskOperation.allCases.map(\.rawValue).joined(separator: ", ")), got \(args[4].shortDisplay)")
                }
                return try makeTask(args, op, kind: kind)
            })
        }
        return out
    }

    static func makeTask(_ args: Arguments, _ op: TaskOperation, kind fixedKind: MatrixKind? = nil) throws(Unwind) -> Value {
        let sizes: ClosedRange<Int>
        switch args[0] {
        case .int(let n): sizes = n...n
        case .range(let lo, let hi) where lo <= hi: sizes = lo...hi
        default: throw args.fail("size must be an integer or a non-empty range like 2..4, got \(args[0].shortDisplay)")
        }
        let entries = try args.entries(1)
        var kind = fixedKind
        if fixedKind == nil, !args.isNil(2) {
            let name = try args.string(2)
            guard let k = MatrixKind(rawValue: name) else {
                throw args.fail("kind must be one of \(MatrixKind.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(name)\"")
            }
            kind = k
        }
        let condIndex = fixedKind == nil ? 3 : 2
        let formatIndex = fixedKind == nil ? 4 : 3
        let maxCond: Double? = args.isNil(condIndex) ? nil : try args.double(condIndex)
        var format = TaskFormat.chat
        var template: Value? = nil
        switch args[formatIndex] {
        case .string(let f):
            guard let known = TaskFormat(rawValue: f) else {
                throw args.fail("format must be one of \(TaskFormat.allCases.map(\.rawValue).joined(separator: ", ")) or a function, got \"\(f)\"")
            }
            format = known
        case .function, .builtin: template = args[formatIndex]
        default: throw args.mismatch(formatIndex, "a format name or a function")
        }
        let spec = try args.engine { () throws(EngineError) in
            try TaskSpec(op, sizes: sizes, entries: entries, kind: kind, maxCond: maxCond, format: format)
        }
        return .object(TaskObject(spec: spec, template: template))
    }
}
