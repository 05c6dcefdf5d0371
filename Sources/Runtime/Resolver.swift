import BigInt
import Lang

/// The resolver: walks the syntax tree once, binds every name to a local
/// slot, a captured cell or a global, reports undefined names (with "did you
/// mean"), assignments to `let` and misplaced `break`/`return`, and builds the
/// executable node tree.
struct Resolver {
    /// The state of one function being resolved (the top level is one too).
    final class FunctionState {
        let enclosing: FunctionState?
        /// Block scopes, innermost last.
        var scopes: [[String: LocalInfo]] = [[:]]
        var nextSlot = 0
        var frameSize = 0
        /// Cells this function captures from its enclosing functions.
        var upvalues: [(name: String, capture: FunctionNode.Capture, info: LocalInfo)] = []
        var loopDepth = 0
        let isTopLevel: Bool

        init(enclosing: FunctionState?, isTopLevel: Bool) {
            self.enclosing = enclosing
            self.isTopLevel = isTopLevel
        }

        func lookupLocal(_ name: String) -> LocalInfo? {
            for scope in scopes.reversed() {
                if let info = scope[name] { return info }
            }
            return nil
        }

        func declare(_ name: String, kind: BindingKind) -> LocalInfo {
            let info = LocalInfo(name: name, slot: nextSlot, kind: kind)
            nextSlot += 1
            frameSize = max(frameSize, nextSlot)
            scopes[scopes.count - 1][name] = info
            return info
        }

        /// Finds `name` in an enclosing function and threads it through as a
        /// captured cell (Lua's upvalues; Crafting Interpreters ch. 25).
        func resolveUpvalue(_ name: String) -> Int? {
            if let existing = upvalues.firstIndex(where: { $0.name == name }) { return existing }
            guard let outer = enclosing else { return nil }
            if let local = outer.lookupLocal(name) {
                local.captured = true
                upvalues.append((name, .local(local.slot), local))
                return upvalues.count - 1
            }
            if let index = outer.resolveUpvalue(name) {
                upvalues.append((name, .upvalue(index), outer.upvalues[index].info))
                return upvalues.count - 1
            }
            return nil
        }

        var visibleNames: [String] {
            var names = scopes.flatMap { $0.keys }
            names += upvalues.map(\.name)
            if let enclosing { names += enclosing.visibleNames }
            return names
        }
    }

    let vm: Interpreter
    var function: FunctionState
    var diagnostics: [Diagnostic] = []
    /// Globals declared anywhere at the top of this program, with their last
    /// declaration's kind: function bodies run after the whole program has
    /// been declared, so they may refer to them (mutual recursion).
    var hoistedGlobals: [String: BindingKind] = [:]
    /// Globals declared so far by this program's top-level statements, with
    /// the kind of the latest declaration: what top-level code sees.
    var declaredGlobals: [String: BindingKind] = [:]
    var functionDepth = 0

    init(vm: Interpreter) {
        self.vm = vm
        self.function = FunctionState(enclosing: nil, isTopLevel: true)
    }

    /// Resolves a whole program into a node for the top level, and the
    /// frame size the top level needs.
    mutating func resolve(_ program: Program) -> (BlockNode, Int) {
        for stmt in program.statements {
            switch stmt.kind {
            case .declare(let name, let mutable, _, _): hoistedGlobals[name] = mutable ? .varBinding : .letBinding
            case .function(let decl): if let name = decl.name { hoistedGlobals[name] = .function }
            default: break
            }
        }
        let nodes = program.statements.map { statement($0) }
        let location = program.statements.first?.location
            ?? SourceLocation(file: program.file, line: program.file.firstLine, column: 1, offset: 0)
        return (BlockNode(nodes, hasValue: true, location), function.frameSize)
    }

    mutating func report(_ message: String, at location: SourceLocation) {
        diagnostics.append(Diagnostic(.resolve, message, at: location))
    }

    var atTopScope: Bool { function.isTopLevel && function.scopes.count == 1 }

    // MARK: - Statements

    mutating func statement(_ stmt: Stmt) -> Node {
        switch stmt.kind {
        case .expr(let e, _):
            return expression(e)

        case .declare(let name, let mutable, let valueExpr, let nameLocation):
            let kind: BindingKind = mutable ? .varBinding : .letBinding
            // The value is resolved before the name exists: `let x = x + 1`
            // refers to an outer x. `let g = fn(x) ...` names the function g.
            let value = declaredValue(valueExpr, name: name)
            if atTopScope {
                let index = vm.reserveGlobal(name, kind: kind)
                declaredGlobals[name] = kind
                return DeclareGlobalNode(index, value, nameLocation)
            }
            let info = function.declare(name, kind: kind)
            return DeclareLocalNode(info, value, nameLocation)

        case .function(let decl):
            let name = decl.name ?? "<anonymous>"
            if atTopScope {
                let index = vm.reserveGlobal(name, kind: .function)
                declaredGlobals[name] = .function
                return DeclareGlobalNode(index, functionNode(decl), decl.location)
            }
            let info = function.declare(name, kind: .function)
            return DeclareLocalFunctionNode(info, functionNode(decl), decl.location)

        case .assign(let target, let op, let valueExpr):
            return assignment(target, op, valueExpr, stmt.location)

        case .whileLoop(let cond, let body):
            let test = expression(cond)
            function.loopDepth += 1
            let bodyNode = block(body)
            function.loopDepth -= 1
            return WhileNode(test, bodyNode, stmt.location)

        case .forLoop(let variable, let variableLocation, let iterable, let body):
            let iterableNode = expression(iterable)
            function.scopes.append([:])
            let info = function.declare(variable, kind: .loopVariable)
            function.loopDepth += 1
            let bodyNode = block(body)
            function.loopDepth -= 1
            endScope()
            _ = variableLocation
            return ForNode(info, iterableNode, bodyNode, stmt.location)

        case .breakLoop:
            if function.loopDepth == 0 { report("'break' outside a loop", at: stmt.location) }
            return BreakNode(stmt.location)

        case .continueLoop:
            if function.loopDepth == 0 { report("'continue' outside a loop", at: stmt.location) }
            return ContinueNode(stmt.location)

        case .returnValue(let value):
            if function.isTopLevel { report("'return' outside a function", at: stmt.location) }
            return ReturnNode(value.map { expression($0) }, stmt.location)
        }
    }

    mutating func endScope() {
        let scope = function.scopes.removeLast()
        // Slots of a finished scope are reused by the next one.
        function.nextSlot -= scope.count
    }

    /// A block as a node; a block of one expression is just that expression.
    mutating func block(_ block: Block) -> Node {
        if block.statements.count == 1, case .expr = block.statements[0].kind {
            function.scopes.append([:])
            defer { endScope() }
            return statement(block.statements[0])
        }
        return blockNode(block)
    }

    mutating func blockNode(_ block: Block) -> Node {
        function.scopes.append([:])
        defer { endScope() }
        let nodes = block.statements.map { statement($0) }
        // A block's value is its last statement's only when that is an expression.
        var hasValue = false
        if let last = block.statements.last, case .expr = last.kind { hasValue = true }
        return BlockNode.make(nodes, hasValue: hasValue, block.location)
    }

    // MARK: - Names

    enum Binding {
        case local(LocalInfo)
        case upvalue(Int, LocalInfo)
        case global(Int, kind: BindingKind, builtin: Bool)
    }

    mutating func lookup(_ name: String) -> Binding? {
        if let info = function.lookupLocal(name) { return .local(info) }
        if let index = function.resolveUpvalue(name) { return .upvalue(index, function.upvalues[index].info) }
        let inFunction = functionDepth > 0
        // Top-level code sees the declarations made so far; function bodies
        // run later and see the program's last declaration of each name.
        let kindHere = inFunction ? (hoistedGlobals[name] ?? declaredGlobals[name]) : declaredGlobals[name]
        if let index = vm.globalIndex[name] {
            let info = vm.globalInfo[index]
            if let kind = kindHere {
                return .global(index, kind: kind, builtin: false)
            }
            if vm.global(name) != nil {
                return .global(index, kind: info.kind, builtin: info.isBuiltin)
            }
        }
        if inFunction, let kind = hoistedGlobals[name] {
            return .global(vm.reserveGlobal(name, kind: kind), kind: kind, builtin: false)
        }
        return nil
    }

    mutating func undefined(_ name: String, at location: SourceLocation) {
        var candidates = function.visibleNames + Array(declaredGlobals.keys) + vm.globalNames
        if functionDepth > 0 { candidates += hoistedGlobals.keys }
        var message = "undefined name '\(name)'"
        if let guess = closestName(to: name, in: candidates) { message += "; did you mean '\(guess)'?" }
        report(message, at: location)
    }

    mutating func place(_ name: String, at location: SourceLocation, assigning: Bool) -> Place? {
        guard let binding = lookup(name) else {
            undefined(name, at: location)
            return nil
        }
        switch binding {
        case .local(let info):
            if assigning && !info.mutable { report(info.kind.assignmentError(name), at: location) }
            return .local(info.slot)
        case .upvalue(let index, let info):
            if assigning && !info.mutable { report(info.kind.assignmentError(name), at: location) }
            return .upvalue(index)
        case .global(let index, let kind, let builtin):
            if assigning && builtin { report("cannot assign to builtin '\(name)'; declare your own with 'let \(name) = ...'", at: location) }
            else if assigning && !kind.mutable { report(kind.assignmentError(name), at: location) }
            return .global(index, name)
        }
    }

    mutating func assignment(_ target: Expr, _ op: BinaryOp?, _ valueExpr: Expr, _ location: SourceLocation) -> Node {
        let value = expression(valueExpr)
        // Walk down to the variable at the root of `a.b[i].c`.
        var steps: [AssignPathNode.Step] = []
        var root = target
        while true {
            switch root.kind {
            case .field(let inner, let name):
                steps.insert(.field(name), at: 0)
                root = inner
                continue
            case .index(let inner, let subs):
                steps.insert(.index(subscripts(subs)), at: 0)
                root = inner
                continue
            default:
                break
            }
            break
        }
        guard case .name(let name) = root.kind else {
            report("cannot assign into this expression; the target must start with a variable", at: root.location)
            return ConstantNode(.nil, location)
        }
        guard let place = place(name, at: root.location, assigning: true) else { return ConstantNode(.nil, location) }
        if steps.isEmpty {
            if let op {
                let general = CompoundAssignNode(place, op, value, location)
                if op == .add, let list = value as? ListNode, list.items.count == 1 {
                    return AppendOneNode(place, item: list.items[0], general: general)
                }
                return general
            }
            return AssignNode(place, value, location)
        }
        return AssignPathNode(place, steps, op, value, location)
    }

    mutating func subscripts(_ subs: [Subscript]) -> [IndexNode.Sub] {
        subs.map { sub in
            switch sub {
            case .index(let e): return .index(expression(e))
            case .slice(let lo, let hi, _): return .slice(lo.map { expression($0) }, hi.map { expression($0) })
            }
        }
    }

    // MARK: - Functions

    /// A declaration's value; an anonymous function takes the variable's name
    /// (for error messages and traces).
    mutating func declaredValue(_ expr: Expr, name: String) -> Node {
        if case .function(let decl) = expr.kind, decl.name == nil {
            return functionNode(decl, inferredName: name)
        }
        return expression(expr)
    }

    mutating func functionNode(_ decl: FunctionDecl, inferredName: String? = nil) -> FunctionNode {
        let state = FunctionState(enclosing: function, isTopLevel: false)
        let outer = function
        function = state
        functionDepth += 1
        var parameterInfos: [LocalInfo] = []
        var defaults: [Node?] = []
        for parameter in decl.parameters {
            // Defaults see the parameters before them.
            defaults.append(parameter.defaultValue.map { expression($0) })
            parameterInfos.append(state.declare(parameter.name, kind: .parameter))
        }
        let body = block(decl.body)
        functionDepth -= 1
        function = outer
        let proto = FunctionProto(
            name: decl.name ?? inferredName ?? "",
            parameterNames: decl.parameters.map(\.name),
            defaults: defaults,
            body: body,
            frameSize: state.frameSize,
            capturedParameters: [],
            location: decl.location)
        proto.capturedParameters = parameterInfos.filter(\.captured).map(\.slot)
        return FunctionNode(proto, state.upvalues.map(\.capture), decl.location)
    }

    // MARK: - Expressions

    mutating func expression(_ expr: Expr) -> Node {
        let loc = expr.location
        switch expr.kind {
        case .nilLiteral: return ConstantNode(.nil, loc)
        case .bool(let b): return ConstantNode(.bool(b), loc)
        case .integer(let digits, let radix):
            // Reading a literal costs time quadratic in its length.
            if digits.utf8.count > 20_000 {
                report("integer literal too long (\(digits.utf8.count) digits; at most 20000)", at: loc)
                return ConstantNode(.nil, loc)
            }
            guard let big = BigInt(digits, radix: radix) else {
                report("invalid integer literal '\(digits)'", at: loc)
                return ConstantNode(.nil, loc)
            }
            if let small = Int(exactly: big) { return IntConstantNode(small, loc) }
            return ConstantNode(Value(big), loc)
        case .float(let d): return ConstantNode(.float(d), loc)
        case .string(let s): return ConstantNode(.string(s), loc)
        case .interpolated(let parts):
            let nodes = parts.map { part -> Node in
                switch part {
                case .text(let s): return ConstantNode(.string(s), loc)
                case .expr(let e): return expression(e)
                }
            }
            return InterpolationNode(nodes, loc)
        case .name(let name):
            guard let binding = lookup(name) else {
                undefined(name, at: loc)
                return ConstantNode(.nil, loc)
            }
            switch binding {
            case .local(let info): return LocalGetNode(info.slot, loc)
            case .upvalue(let index, _): return UpvalueGetNode(index, loc)
            case .global(let index, _, _): return GlobalGetNode(index, name, loc)
            }
        case .list(let items): return ListNode(items.map { expression($0) }, loc)
        case .matrix(let rows): return MatrixNode(rows.map { $0.map { expression($0) } }, loc)
        case .record(let fields):
            return RecordNode(fields.map(\.name), fields.map { expression($0.value) }, loc)
        case .unary(let op, let operand):
            let node = expression(operand)
            switch op {
            case .negate:
                if let constant = node as? IntConstantNode, constant.value != .min {
                    return IntConstantNode(-constant.value, loc)
                }
                return NegateNode(node, loc)
            case .plus: return UnaryPlusNode(node, loc)
            case .not: return NotNode(node, loc)
            }
        case .binary(let op, let l, let r):
            let left = expression(l), right = expression(r)
            if let k = (right as? IntConstantNode)?.value {
                switch op {
                case .add: return AddConstantNode(left, k, subtract: false, loc)
                case .subtract: return AddConstantNode(left, k, subtract: true, loc)
                case .less: return CompareConstantNode(.less, left, k, loc)
                case .lessEqual: return CompareConstantNode(.lessEqual, left, k, loc)
                case .greater: return CompareConstantNode(.greater, left, k, loc)
                case .greaterEqual: return CompareConstantNode(.greaterEqual, left, k, loc)
                default: break
                }
            }
            switch op {
            case .add: return AddNode(left, right, loc)
            case .subtract: return SubtractNode(left, right, loc)
            case .multiply: return MultiplyNode(left, right, loc)
            case .less: return CompareNode(.less, left, right, loc)
            case .lessEqual: return CompareNode(.lessEqual, left, right, loc)
            case .greater: return CompareNode(.greater, left, right, loc)
            case .greaterEqual: return CompareNode(.greaterEqual, left, right, loc)
            case .equal: return EqualNode(left, right, negated: false, loc)
            case .notEqual: return EqualNode(left, right, negated: true, loc)
            default: return BinaryNode(op, left, right, loc)
            }
        case .logical(let op, let l, let r):
            let left = expression(l), right = expression(r)
            switch op {
            case .and: return LogicalNode(isAnd: true, left, right, loc)
            case .or: return LogicalNode(isAnd: false, left, right, loc)
            case .coalesce: return CoalesceNode(left, right, loc)
            }
        case .range(let lo, let hi, let inclusive):
            return RangeNode(expression(lo), expression(hi), inclusive: inclusive, loc)
        case .call(let callee, let arguments):
            let args = arguments.map { expression($0.value) }
            let labels = arguments.map(\.label)
            if case .field(let receiver, let name) = callee.kind {
                // `x.f(...)` may fall back to a function `f` in scope (UFCS).
                let fallback: Node? = lookup(name).map { binding in
                    switch binding {
                    case .local(let info): return LocalGetNode(info.slot, loc)
                    case .upvalue(let index, _): return UpvalueGetNode(index, loc)
                    case .global(let index, _, _): return GlobalGetNode(index, name, loc)
                    }
                }
                return MethodCallNode(expression(receiver), name, args, labels, fallback: fallback, loc)
            }
            var calleeName: String?
            if case .name(let n) = callee.kind { calleeName = n }
            let calleeNode = expression(callee)
            let call = CallNode(calleeNode, args, labels, calleeName: calleeName, loc)
            if (1...3).contains(args.count) && call.allPositional {
                return SmallCallNode(call, globalIndex: (calleeNode as? GlobalGetNode)?.index)
            }
            return call
        case .index(let target, let subs):
            return IndexNode(expression(target), subscripts(subs), loc)
        case .field(let target, let name):
            return FieldNode(expression(target), name, loc)
        case .function(let decl):
            return functionNode(decl)
        case .ifElse(let cond, let then, let otherwise):
            return IfNode(expression(cond), block(then), otherwise.map { expression($0) }, loc)
        case .block(let b):
            return block(b)
        }
    }
}
