import Lang

// Binary operators. The common ones get a class each with the Int fast path
// inline; the rest share `BinaryNode`.

final class AddNode: Node {
    let left: Node, right: Node
    init(_ left: Node, _ right: Node, _ location: SourceLocation) {
        self.left = left; self.right = right
        super.init(location)
    }
    override func eval(_ vm: Interpreter) throws(Unwind) -> Value {
        let a = try left.eval(vm)
        let b = try right.eval(vm)
        if case .int(let x) = a, case .int(let y) = b {
            let (r, overflow) = x.addingReportingOverflow(y)
            if !overflow { return .int(r) }
        }
        do { return try Arithmetic.add(a, b) } catch { throw located(error) }
    }
}

final class SubtractNode: Node {
    let left: Node, right: Node
    init(_ left: Node, _ right: Node, _ location: SourceLocation) {
        self.left = left; self.right = right
        super.init(location)
    }
    override func eval(_ vm: Interpreter) throws(Unwind) -> Value {
        let a = try left.eval(vm)
        let b = try right.eval(vm)
        if case .int(let x) = a, case .int(let y) = b {
            let (r, overflow) = x.subtractingReportingOverflow(y)
            if !overflow { return .int(r) }
        }
        do { return try Arithmetic.subtract(a, b) } catch { throw located(error) }
    }
}

final class MultiplyNode: Node {
    let left: Node, right: Node
    init(_ left: Node, _ right: Node, _ location: SourceLocation) {
        self.left = left; self.right = right
        super.init(location)
    }
    override func eval(_ vm: Interpreter) throws(Unwind) -> Value {
        let a = try left.eval(vm)
        let b = try right.eval(vm)
        if case .int(let x) = a, case .int(let y) = b {
            let (r, overflow) = x.multipliedReportingOverflow(by: y)
            if !overflow { return .int(r) }
        }
        if case .float(let x) = a, case .float(let y) = b { return .float(x * y) }
        do { return try Arithmetic.multiply(a, b) } catch { throw located(error) }
    }
}

/// `<`, `<=`, `>`, `>=` with the Int fast path.
final class CompareNode: Node {
    enum Kind {
        case less, lessEqual, greater, greaterEqual

        /// Whether a comparison whose result is `order` (-1, 0, 1) satisfies this operator.
        @inline(__always)
        func holds(_ order: Int) -> Bool {
            switch self {
            case .less: return order < 0
            case .lessEqual: return order <= 0
            case .greater: return order > 0
            case .greaterEqual: return order >= 0
            }
        }

        var symbol: String {
            switch self {
            case .less: return "<"
            case .lessEqual: return "<="
            case .greater: return ">"
            case .greaterEqual: return ">="
            }
        }
    }
    let left: Node, right: Node
    let kind: Kind
    init(_ kind: Kind, _ left: Node, _ right: Node, _ location: SourceLocation) {
        self.kind = kind
        self.left = left; self.right = right
        super.init(location)
    }
    override func eval(_ vm: Interpreter) throws(Unwind) -> Value {
        let a = try left.eval(vm)
        let b = try right.eval(vm)
        let order: Int
        if case .int(let x) = a, case .int(let y) = b {
            order = x < y ? -1 : (x == y ? 0 : 1)
        } else if case .float(let x) = a, case .float(let y) = b, !x.isNaN, !y.isNaN {
            order = x < y ? -1 : (x == y ? 0 : 1)
        } else {
            do { order = try Arithmetic.compare(a, b, symbol) } catch { throw located(error) }
        }
        return .bool(kind.holds(order))
    }
    var symbol: String { kind.symbol }
}

final class EqualNode: Node {
    let left: Node, right: Node
    let negated: Bool
    init(_ left: Node, _ right: Node, negated: Bool, _ location: SourceLocation) {
        self.left = left; self.right = right
        self.negated = negated
        super.init(location)
    }
    override func eval(_ vm: Interpreter) throws(Unwind) -> Value {
        let a = try left.eval(vm)
        let b = try right.eval(vm)
        if case .int(let x) = a, case .int(let y) = b { return .bool((x == y) != negated) }
        return .bool(Value.equal(a, b) != negated)
    }
}

final class BinaryNode: Node {
    let op: BinaryOp
    let left: Node, right: Node
    init(_ op: BinaryOp, _ left: Node, _ right: Node, _ location: SourceLocation) {
        self.op = op
        self.left = left; self.right = right
        super.init(location)
    }
    override func eval(_ vm: Interpreter) throws(Unwind) -> Value {
        let a = try left.eval(vm)
        let b = try right.eval(vm)
        do { return try applyBinary(op, a, b) } catch { throw located(error) }
    }
}

final class NegateNode: Node {
    let operand: Node
    init(_ operand: Node, _ location: SourceLocation) {
        self.operand = operand
        super.init(location)
    }
    override func eval(_ vm: Interpreter) throws(Unwind) -> Value {
        let v = try operand.eval(vm)
        if case .int(let x) = v, x != .min { return .int(-x) }
        do { return try Arithmetic.negate(v) } catch { throw located(error) }
    }
}

/// Unary `+`: checks that the operand is a number.
final class UnaryPlusNode: Node {
    let operand: Node
    init(_ operand: Node, _ location: SourceLocation) {
        self.operand = operand
        super.init(location)
    }
    override func eval(_ vm: Interpreter) throws(Unwind) -> Value {
        let v = try operand.eval(vm)
        guard Arithmetic.isNumber(v) else { throw vm.error("cannot apply unary '+' to \(v.typeName)", at: location) }
        return v
    }
}

final class NotNode: Node {
    let operand: Node
    init(_ operand: Node, _ location: SourceLocation) {
        self.operand = operand
        super.init(location)
    }
    override func eval(_ vm: Interpreter) throws(Unwind) -> Value {
        let v = try operand.eval(vm)
        guard case .bool(let b) = v else {
            throw vm.error("'not' needs a bool, got \(v.typeName)", at: location)
        }
        return .bool(!b)
    }
}

/// `and`, `or`: both sides must be bools; the right runs only when needed.
final class LogicalNode: Node {
    let isAnd: Bool
    let left: Node, right: Node
    init(isAnd: Bool, _ left: Node, _ right: Node, _ location: SourceLocation) {
        self.isAnd = isAnd
        self.left = left; self.right = right
        super.init(location)
    }
    override func eval(_ vm: Interpreter) throws(Unwind) -> Value {
        let word = isAnd ? "and" : "or"
        let l = try left.eval(vm)
        guard case .bool(let a) = l else {
            throw vm.error("'\(word)' needs bools; its left side is \(l.typeName)", at: location)
        }
        if a != isAnd { return .bool(a) }
        let b = try right.eval(vm)
        guard case .bool = b else {
            throw vm.error("'\(word)' needs bools; its right side is \(b.typeName)", at: location)
        }
        return b
    }
}

/// `a ?? b`: a unless it is nil.
final class CoalesceNode: Node {
    let left: Node, right: Node
    init(_ left: Node, _ right: Node, _ location: SourceLocation) {
        self.left = left; self.right = right
        super.init(location)
    }
    override func eval(_ vm: Interpreter) throws(Unwind) -> Value {
        let a = try left.eval(vm)
        if case .nil = a { return try right.eval(vm) }
        return a
    }
}

final class RangeNode: Node {
    let low: Node, high: Node
    let inclusive: Bool
    init(_ low: Node, _ high: Node, inclusive: Bool, _ location: SourceLocation) {
        self.low = low; self.high = high
        self.inclusive = inclusive
        super.init(location)
    }
    override func eval(_ vm: Interpreter) throws(Unwind) -> Value {
        let a = try low.eval(vm)
        let b = try high.eval(vm)
        guard case .int(let lo) = a, case .int(var hi) = b else {
            let bothIntegers = Arithmetic.bigint(a) != nil && Arithmetic.bigint(b) != nil
            let bad = bothIntegers ? "integers that fit in 64 bits" : "integers"
            throw vm.error("range bounds must be \(bad), got \(a.typeName) and \(b.typeName)", at: location)
        }
        if !inclusive {
            if hi == .min { return .range(0, -1) }
            hi -= 1
        }
        return .range(lo, hi)
    }
}

// Specialisations for an integer constant on the right (`n - 1`, `i < 10`):
// one virtual call fewer and no constant to copy.

final class AddConstantNode: Node {
    let left: Node
    let constant: Int
    let negated: Bool
    init(_ left: Node, _ constant: Int, subtract: Bool, _ location: SourceLocation) {
        self.left = left
        self.constant = constant
        self.negated = subtract
        super.init(location)
    }
    override func eval(_ vm: Interpreter) throws(Unwind) -> Value {
        let a = try left.eval(vm)
        if case .int(let x) = a {
            let (r, overflow) = negated ? x.subtractingReportingOverflow(constant) : x.addingReportingOverflow(constant)
            if !overflow { return .int(r) }
        }
        do {
            return negated ? try Arithmetic.subtract(a, .int(constant)) : try Arithmetic.add(a, .int(constant))
        } catch { throw located(error) }
    }
}

final class CompareConstantNode: Node {
    let left: Node
    let constant: Int
    let kind: CompareNode.Kind
    init(_ kind: CompareNode.Kind, _ left: Node, _ constant: Int, _ location: SourceLocation) {
        self.kind = kind
        self.left = left
        self.constant = constant
        super.init(location)
    }
    override func eval(_ vm: Interpreter) throws(Unwind) -> Value {
        let a = try left.eval(vm)
        let order: Int
        if case .int(let x) = a {
            order = x < constant ? -1 : (x == constant ? 0 : 1)
        } else {
            do { order = try Arithmetic.compare(a, .int(constant), kind.symbol) } catch { throw located(error) }
        }
        return .bool(kind.holds(order))
    }
}
