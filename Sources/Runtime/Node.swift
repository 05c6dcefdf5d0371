import Lang

/// A node of the executable tree the resolver builds from the syntax tree:
/// names are already slots, operators already specialised. `eval` returns
/// the node's value; statements return nil.
class Node {
    let location: SourceLocation

    init(_ location: SourceLocation) {
        self.location = location
    }

    func eval(_ vm: Interpreter) throws(Unwind) -> Value {
        throw vm.error("internal error: \(type(of: self)) has no evaluator", at: location)
    }

    /// Errors thrown by code that does not know its location (arithmetic,
    /// builtins) get this node's.
    @inline(never)
    final func located(_ error: Unwind) -> Unwind {
        if case .error(let e) = error, e.location == nil { e.location = location }
        return error
    }
}

/// A call site known only by its location (calls made from builtins).
final class LocatedSite: Node {}

/// What the resolver knows about a local variable. `captured` is set when an
/// inner function refers to it; the variable then lives in a `Cell`.
final class LocalInfo {
    let name: String
    let slot: Int
    let kind: BindingKind
    var captured = false

    var mutable: Bool { kind.mutable }

    init(name: String, slot: Int, kind: BindingKind) {
        self.name = name
        self.slot = slot
        self.kind = kind
    }
}

/// How a name was introduced; decides whether it may be assigned and what
/// the error says when it may not.
enum BindingKind {
    case letBinding, varBinding, function, loopVariable, parameter

    var mutable: Bool { self == .varBinding || self == .parameter }

    /// Why `name` cannot be assigned.
    func assignmentError(_ name: String) -> String {
        switch self {
        case .function: return "cannot assign to '\(name)': it is a function declared with 'fn'"
        case .loopVariable: return "cannot assign to loop variable '\(name)'"
        default: return "cannot assign to '\(name)': it is declared with 'let' (use 'var' to allow changes)"
        }
    }
}

// MARK: - Constants and names

final class IntConstantNode: Node {
    let value: Int
    init(_ value: Int, _ location: SourceLocation) {
        self.value = value
        super.init(location)
    }
    override func eval(_ vm: Interpreter) throws(Unwind) -> Value { .int(value) }
}

final class ConstantNode: Node {
    let value: Value
    init(_ value: Value, _ location: SourceLocation) {
        self.value = value
        super.init(location)
    }
    override func eval(_ vm: Interpreter) throws(Unwind) -> Value { value }
}

final class LocalGetNode: Node {
    let slot: Int
    init(_ slot: Int, _ location: SourceLocation) {
        self.slot = slot
        super.init(location)
    }
    override func eval(_ vm: Interpreter) throws(Unwind) -> Value {
        let p = vm.stack + (vm.base &+ slot)
        // Ints first: no reference counting at all on the commonest path.
        if case .int(let i) = p.pointee { return .int(i) }
        if case .cell(let c) = p.pointee { return c.value }
        return p.pointee
    }
}

final class UpvalueGetNode: Node {
    let index: Int
    init(_ index: Int, _ location: SourceLocation) {
        self.index = index
        super.init(location)
    }
    override func eval(_ vm: Interpreter) throws(Unwind) -> Value {
        vm.closure.captures[index].value
    }
}

final class GlobalGetNode: Node {
    let index: Int
    let name: String
    init(_ index: Int, _ name: String, _ location: SourceLocation) {
        self.index = index
        self.name = name
        super.init(location)
    }
    override func eval(_ vm: Interpreter) throws(Unwind) -> Value {
        let v = vm.globals[index]
        if case .cell = v {
            throw vm.error("'\(name)' is used before it is defined", at: location)
        }
        return v
    }
}

// MARK: - Declarations and assignment

final class DeclareLocalNode: Node {
    let info: LocalInfo
    let value: Node
    init(_ info: LocalInfo, _ value: Node, _ location: SourceLocation) {
        self.info = info
        self.value = value
        super.init(location)
    }
    override func eval(_ vm: Interpreter) throws(Unwind) -> Value {
        let v = try value.eval(vm)
        vm.stack[vm.base &+ info.slot] = info.captured ? .cell(Cell(v)) : v
        return .nil
    }
}

/// `fn name(...)` in a block: the cell exists before the closure is made, so
/// the function can call itself.
final class DeclareLocalFunctionNode: Node {
    let info: LocalInfo
    let function: FunctionNode
    init(_ info: LocalInfo, _ function: FunctionNode, _ location: SourceLocation) {
        self.info = info
        self.function = function
        super.init(location)
    }
    override func eval(_ vm: Interpreter) throws(Unwind) -> Value {
        if info.captured {
            let cell = Cell(.nil)
            vm.stack[vm.base &+ info.slot] = .cell(cell)
            cell.value = try function.eval(vm)
        } else {
            vm.stack[vm.base &+ info.slot] = try function.eval(vm)
        }
        return .nil
    }
}

final class DeclareGlobalNode: Node {
    let index: Int
    let value: Node
    init(_ index: Int, _ value: Node, _ location: SourceLocation) {
        self.index = index
        self.value = value
        super.init(location)
    }
    override func eval(_ vm: Interpreter) throws(Unwind) -> Value {
        let v = try value.eval(vm)
        vm.globals[index] = v
        return .nil
    }
}

/// Where an assignment writes.
enum Place {
    case local(Int)
    case upvalue(Int)
    case global(Int, String)
}

extension Interpreter {
    @inline(__always)
    func read(_ place: Place, at location: SourceLocation) throws(Unwind) -> Value {
        switch place {
        case .local(let slot):
            let v = stack[base &+ slot]
            if case .cell(let c) = v { return c.value }
            return v
        case .upvalue(let i): return closure.captures[i].value
        case .global(let i, let name):
            let v = globals[i]
            if case .cell = v { throw error("'\(name)' is used before it is defined", at: location) }
            return v
        }
    }

    @inline(__always)
    func write(_ place: Place, _ value: Value) {
        switch place {
        case .local(let slot):
            if case .cell(let c) = stack[base &+ slot] { c.value = value } else { stack[base &+ slot] = value }
        case .upvalue(let i): closure.captures[i].value = value
        case .global(let i, _): globals[i] = value
        }
    }

    /// Moves the value out of a place, leaving nil, so that an in-place
    /// update (`s += "x"`, `xs[i] = v`) finds its storage uniquely referenced
    /// and does not copy it.
    @inline(__always)
    func take(_ place: Place, at location: SourceLocation) throws(Unwind) -> Value {
        switch place {
        case .local(let slot):
            if case .cell(let c) = stack[base &+ slot] {
                let v = c.value
                c.value = .nil
                return v
            }
            let v = stack[base &+ slot]
            stack[base &+ slot] = .nil
            return v
        case .upvalue(let i):
            let c = closure.captures[i]
            let v = c.value
            c.value = .nil
            return v
        case .global(let i, let name):
            let v = globals[i]
            if case .cell = v { throw error("'\(name)' is used before it is defined", at: location) }
            globals[i] = .nil
            return v
        }
    }
}

/// `name = value`
final class AssignNode: Node {
    let place: Place
    let value: Node
    init(_ place: Place, _ value: Node, _ location: SourceLocation) {
        self.place = place
        self.value = value
        super.init(location)
    }
    override func eval(_ vm: Interpreter) throws(Unwind) -> Value {
        let v = try value.eval(vm)
        if case .global(let i, let name) = place, case .cell = vm.globals[i] {
            throw vm.error("'\(name)' is used before it is defined", at: location)
        }
        vm.write(place, v)
        return .nil
    }
}

/// `name op= value`. Strings and lists are extended in place.
final class CompoundAssignNode: Node {
    let place: Place
    let op: BinaryOp
    let value: Node
    init(_ place: Place, _ op: BinaryOp, _ value: Node, _ location: SourceLocation) {
        self.place = place
        self.op = op
        self.value = value
        super.init(location)
    }
    override func eval(_ vm: Interpreter) throws(Unwind) -> Value {
        let rhs = try value.eval(vm)
        if case .int(let b) = rhs, op == .add || op == .subtract,
           case .int(let a) = try vm.read(place, at: location) {
            let (s, overflow) = op == .add ? a.addingReportingOverflow(b) : a.subtractingReportingOverflow(b)
            if !overflow { vm.write(place, .int(s)); return .nil }
        }
        var current = try vm.take(place, at: location)
        if op == .add {
            if current.appendInPlace(rhs) {
                vm.write(place, current)
                return .nil
            }
        }
        do {
            let result = try applyBinary(op, current, rhs)
            vm.write(place, result)
        } catch {
            vm.write(place, current)
            throw located(error)
        }
        return .nil
    }
}

extension Value {
    /// `self += other` for strings and lists without copying when the
    /// storage is uniquely held. Returns false when the types do not allow it.
    mutating func appendInPlace(_ other: Value) -> Bool {
        switch other {
        case .string(let b):
            guard case .string = self else { return false }
            let moved = self
            self = .nil
            guard case .string(var a) = consume moved else { return false }
            a += b
            self = .string(a)
            return true
        case .list(let b):
            guard case .list = self else { return false }
            let moved = self
            self = .nil
            guard case .list(var a) = consume moved else { return false }
            a += b
            self = .list(a)
            return true
        default:
            return false
        }
    }
}

func applyBinary(_ op: BinaryOp, _ a: Value, _ b: Value) throws(Unwind) -> Value {
    switch op {
    case .add: return try Arithmetic.add(a, b)
    case .subtract: return try Arithmetic.subtract(a, b)
    case .multiply: return try Arithmetic.multiply(a, b)
    case .divide: return try Arithmetic.divide(a, b)
    case .floorDivide: return try Arithmetic.floorDivide(a, b)
    case .modulo: return try Arithmetic.modulo(a, b)
    case .power: return try Arithmetic.power(a, b)
    case .elementMultiply, .elementDivide:
        guard a.isMatrix || b.isMatrix else {
            throw fail("'\(op.rawValue)' applies to matrices, got \(a.typeName) and \(b.typeName)")
        }
        return try MatrixValues.binary(op.rawValue, a, b)
    case .equal: return .bool(Value.equal(a, b))
    case .notEqual: return .bool(!Value.equal(a, b))
    case .less: return .bool(try Arithmetic.compare(a, b, "<") < 0)
    case .lessEqual: return .bool(try Arithmetic.compare(a, b, "<=") <= 0)
    case .greater: return .bool(try Arithmetic.compare(a, b, ">") > 0)
    case .greaterEqual: return .bool(try Arithmetic.compare(a, b, ">=") >= 0)
    }
}

/// `xs += [item]`, the common way to grow a list: appends in place without
/// building the one-element list first. Anything but a list on the left
/// takes the general path.
final class AppendOneNode: Node {
    let place: Place
    let item: Node
    let general: CompoundAssignNode
    init(_ place: Place, item: Node, general: CompoundAssignNode) {
        self.place = place
        self.item = item
        self.general = general
        super.init(general.location)
    }
    override func eval(_ vm: Interpreter) throws(Unwind) -> Value {
        guard case .list = try vm.read(place, at: location) else { return try general.eval(vm) }
        let v = try item.eval(vm)
        // Read again: evaluating the item may have changed the variable.
        let current = try vm.take(place, at: location)
        guard case .list = current else {
            // The item's evaluation replaced the list: do it the general way.
            vm.write(place, current)
            var value = current
            return try appendGeneral(&value, v, vm)
        }
        guard case .list(var items) = consume current else { return .nil }
        items.append(v)
        vm.write(place, .list(items))
        return .nil
    }

    @inline(never)
    func appendGeneral(_ value: inout Value, _ item: Value, _ vm: Interpreter) throws(Unwind) -> Value {
        do {
            vm.write(place, try Arithmetic.add(value, .list([item])))
        } catch { throw located(error) }
        return .nil
    }
}
