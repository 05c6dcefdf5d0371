import Lang

/// A block: runs its statements; its value is the last one's when that is
/// an expression (`hasValue`), else nil.
final class BlockNode: Node {
    let statements: [Node]
    let hasValue: Bool
    init(_ statements: [Node], hasValue: Bool, _ location: SourceLocation) {
        self.statements = statements
        self.hasValue = hasValue
        super.init(location)
    }
    override func eval(_ vm: Interpreter) throws(Unwind) -> Value {
        var result = Value.nil
        var i = 0
        let count = statements.count
        while i < count {
            result = try statements[i].eval(vm)
            i &+= 1
        }
        return hasValue ? result : .nil
    }

    /// The fastest node for these statements: small blocks get fixed fields,
    /// which the evaluator reads without retaining.
    static func make(_ statements: [Node], hasValue: Bool, _ location: SourceLocation) -> Node {
        switch statements.count {
        case 2: return Block2Node(statements[0], statements[1], hasValue: hasValue, location)
        case 3: return Block3Node(statements[0], statements[1], statements[2], hasValue: hasValue, location)
        default: return BlockNode(statements, hasValue: hasValue, location)
        }
    }
}

final class Block2Node: Node {
    let first: Node, second: Node
    let hasValue: Bool
    init(_ first: Node, _ second: Node, hasValue: Bool, _ location: SourceLocation) {
        self.first = first; self.second = second
        self.hasValue = hasValue
        super.init(location)
    }
    override func eval(_ vm: Interpreter) throws(Unwind) -> Value {
        _ = try first.eval(vm)
        let result = try second.eval(vm)
        return hasValue ? result : .nil
    }
}

final class Block3Node: Node {
    let first: Node, second: Node, third: Node
    let hasValue: Bool
    init(_ first: Node, _ second: Node, _ third: Node, hasValue: Bool, _ location: SourceLocation) {
        self.first = first; self.second = second; self.third = third
        self.hasValue = hasValue
        super.init(location)
    }
    override func eval(_ vm: Interpreter) throws(Unwind) -> Value {
        _ = try first.eval(vm)
        _ = try second.eval(vm)
        let result = try third.eval(vm)
        return hasValue ? result : .nil
    }
}

/// A statement whose value is dropped (so a block ending in `let` is nil).
final class DiscardNode: Node {
    let inner: Node
    init(_ inner: Node) {
        self.inner = inner
        super.init(inner.location)
    }
    override func eval(_ vm: Interpreter) throws(Unwind) -> Value {
        _ = try inner.eval(vm)
        return .nil
    }
}

@inline(__always)
func condition(_ node: Node, _ vm: Interpreter, _ what: String) throws(Unwind) -> Bool {
    let v = try node.eval(vm)
    if case .bool(let b) = v { return b }
    throw vm.error("\(what) condition must be a bool, got \(v.typeName)\(v.isNil ? "" : " (\(v.shortDisplay))")",
                   at: node.location)
}

final class IfNode: Node {
    let test: Node, then: Node
    /// A nil constant when there is no `else` (an optional would cost a retain).
    let otherwise: Node
    init(_ test: Node, _ then: Node, _ otherwise: Node?, _ location: SourceLocation) {
        self.test = test; self.then = then
        self.otherwise = otherwise ?? ConstantNode(.nil, location)
        super.init(location)
    }
    override func eval(_ vm: Interpreter) throws(Unwind) -> Value {
        let v = try test.eval(vm)
        guard case .bool(let b) = v else { return try notBool(v, vm) }
        if b { return try then.eval(vm) }
        return try otherwise.eval(vm)
    }

    @inline(never)
    func notBool(_ v: Value, _ vm: Interpreter) throws(Unwind) -> Value {
        throw vm.error("'if' condition must be a bool, got \(v.typeName)\(v.isNil ? "" : " (\(v.shortDisplay))")",
                       at: test.location)
    }
}

final class WhileNode: Node {
    let test: Node, body: Node
    init(_ test: Node, _ body: Node, _ location: SourceLocation) {
        self.test = test; self.body = body
        super.init(location)
    }
    override func eval(_ vm: Interpreter) throws(Unwind) -> Value {
        while try condition(test, vm, "'while'") {
            do {
                _ = try body.eval(vm)
            } catch {
                switch error {
                case .breakLoop: return .nil
                case .continueLoop: break
                default: throw error
                }
            }
            try vm.checkInterrupt(at: location)
        }
        return .nil
    }
}

final class ForNode: Node {
    let variable: LocalInfo
    let iterable: Node, body: Node
    init(_ variable: LocalInfo, _ iterable: Node, _ body: Node, _ location: SourceLocation) {
        self.variable = variable
        self.iterable = iterable
        self.body = body
        super.init(location)
    }

    /// Runs the body once; false when the loop should stop (`break`).
    @inline(__always)
    func iterate(_ vm: Interpreter, _ item: Value) throws(Unwind) -> Bool {
        vm.stack[vm.base &+ variable.slot] = variable.captured ? .cell(Cell(item)) : item
        do {
            _ = try body.eval(vm)
        } catch {
            switch error {
            case .breakLoop: return false
            case .continueLoop: break
            default: throw error
            }
        }
        try vm.checkInterrupt(at: location)
        return true
    }

    override func eval(_ vm: Interpreter) throws(Unwind) -> Value {
        let collection = try iterable.eval(vm)
        switch collection {
        case .range(let lo, let hi):
            if hi < lo { return .nil }
            var i = lo
            while true {
                if try !iterate(vm, .int(i)) { break }
                if i == hi { break }
                i += 1
            }
        case .list(let items):
            for item in items where try !iterate(vm, item) { break }
        case .string(let s):
            for ch in s where try !iterate(vm, .string(String(ch))) { break }
        case .record(let r):
            for key in r.fields.keys where try !iterate(vm, .string(key)) { break }
        default:
            throw vm.error("cannot loop over \(collection.typeName); 'for' takes a list, range, string or record",
                           at: iterable.location)
        }
        return .nil
    }
}

final class BreakNode: Node {
    override func eval(_ vm: Interpreter) throws(Unwind) -> Value { throw .breakLoop }
}

final class ContinueNode: Node {
    override func eval(_ vm: Interpreter) throws(Unwind) -> Value { throw .continueLoop }
}

final class ReturnNode: Node {
    let value: Node?
    init(_ value: Node?, _ location: SourceLocation) {
        self.value = value
        super.init(location)
    }
    override func eval(_ vm: Interpreter) throws(Unwind) -> Value {
        throw .returnValue(try value?.eval(vm) ?? .nil)
    }
}

// MARK: - Literals

final class ListNode: Node {
    let items: [Node]
    init(_ items: [Node], _ location: SourceLocation) {
        self.items = items
        super.init(location)
    }
    override func eval(_ vm: Interpreter) throws(Unwind) -> Value {
        var values = [Value]()
        values.reserveCapacity(items.count)
        for item in items { values.append(try item.eval(vm)) }
        return .list(values)
    }
}

final class RecordNode: Node {
    let names: [String]
    let values: [Node]
    init(_ names: [String], _ values: [Node], _ location: SourceLocation) {
        self.names = names
        self.values = values
        super.init(location)
    }
    override func eval(_ vm: Interpreter) throws(Unwind) -> Value {
        var record = Record()
        record.fields.reserveCapacity(names.count)
        for i in names.indices { record.fields[names[i]] = try values[i].eval(vm) }
        return .record(record)
    }
}

/// `[1 2; 3 4]`. The entries are checked now; the matrix value itself comes
/// with the matrices module.
final class MatrixNode: Node {
    let rows: [[Node]]
    init(_ rows: [[Node]], _ location: SourceLocation) {
        self.rows = rows
        super.init(location)
    }
    override func eval(_ vm: Interpreter) throws(Unwind) -> Value {
        var entries: [[Value]] = []
        for row in rows {
            var values: [Value] = []
            for node in row {
                let v = try node.eval(vm)
                guard Arithmetic.isNumber(v) || v.isMatrix else {
                    throw vm.error("matrix entries must be numbers (or matrices, as blocks), got \(article(v.typeName))",
                                   at: node.location)
                }
                values.append(v)
            }
            entries.append(values)
        }
        return try vm.makeMatrix(entries, at: location)
    }
}

final class InterpolationNode: Node {
    let parts: [Node]
    init(_ parts: [Node], _ location: SourceLocation) {
        self.parts = parts
        super.init(location)
    }
    override func eval(_ vm: Interpreter) throws(Unwind) -> Value {
        var out = ""
        for part in parts { out += try part.eval(vm).text }
        return .string(out)
    }
}

/// `fn (...) {...}`: makes a closure, capturing cells of the enclosing frame.
final class FunctionNode: Node {
    enum Capture {
        case local(Int)
        case upvalue(Int)
    }
    let proto: FunctionProto
    var captures: [Capture]
    init(_ proto: FunctionProto, _ captures: [Capture], _ location: SourceLocation) {
        self.proto = proto
        self.captures = captures
        super.init(location)
    }
    override func eval(_ vm: Interpreter) throws(Unwind) -> Value {
        var cells: [Cell] = []
        cells.reserveCapacity(captures.count)
        for capture in captures {
            switch capture {
            case .local(let slot):
                if case .cell(let c) = vm.stack[vm.base &+ slot] {
                    cells.append(c)
                } else {
                    // Not yet boxed (declared before the capture was known): box it now.
                    let c = Cell(vm.stack[vm.base &+ slot])
                    vm.stack[vm.base &+ slot] = .cell(c)
                    cells.append(c)
                }
            case .upvalue(let i):
                cells.append(vm.closure.captures[i])
            }
        }
        return .function(Closure(proto: proto, captures: cells))
    }
}
