import Lang

/// `f(a, b, name: c)`.
final class CallNode: Node {
    let callee: Node
    let arguments: [Node]
    /// Labels of the trailing named arguments (nil for positional ones).
    let labels: [String?]
    let allPositional: Bool
    /// The callee's variable name, for error messages.
    let calleeName: String?

    init(_ callee: Node, _ arguments: [Node], _ labels: [String?], calleeName: String?, _ location: SourceLocation) {
        self.callee = callee
        self.arguments = arguments
        self.labels = labels
        self.allPositional = labels.allSatisfy { $0 == nil }
        self.calleeName = calleeName
        super.init(location)
    }

    override func eval(_ vm: Interpreter) throws(Unwind) -> Value {
        let f = try callee.eval(vm)
        if case .function(let c) = f, allPositional, arguments.count == c.proto.parameterNames.count {
            // Fast path: arguments go straight into the new frame.
            let frameBase = try vm.pushFrame(c.proto.frameSize, site: self)
            do {
                for i in 0..<arguments.count {
                    vm.stack[frameBase &+ i] = try arguments[i].eval(vm)
                }
            } catch {
                vm.popFrame(frameBase)
                throw error
            }
            return try vm.invoke(c, frameBase: frameBase, site: self)
        }
        var positional: [Value] = []
        var named: [(String, Value)] = []
        for i in 0..<arguments.count {
            let v = try arguments[i].eval(vm)
            if let label = labels[i] { named.append((label, v)) } else { positional.append(v) }
        }
        return try callValue(f, positional, named, vm)
    }

    func callValue(_ f: Value, _ positional: [Value], _ named: [(String, Value)], _ vm: Interpreter) throws(Unwind) -> Value {
        switch f {
        case .function, .builtin, .object(is CallableObject):
            do {
                return try vm.call(f, positional, named: named, at: location)
            } catch {
                throw located(error)
            }
        default:
            let what = calleeName.map { " (variable '\($0)')" } ?? ""
            throw vm.error("cannot call \(article(f.typeName))\(what)", at: location)
        }
    }
}

func article(_ typeName: String) -> String {
    if typeName == "nil" { return "nil" }
    let vowels: Set<Character> = ["a", "e", "i", "o", "u"]
    return (vowels.contains(typeName.first ?? "x") ? "an " : "a ") + typeName
}

/// `x.name(args)`: a record's function field, an object's method, or else
/// the global function `name` with `x` as its first argument, so
/// `"a,b".split(",")` is `split("a,b", ",")`.
final class MethodCallNode: Node {
    let receiver: Node
    let name: String
    let arguments: [Node]
    let labels: [String?]
    /// The function `name` in scope where the call is written, if any.
    let fallback: Node?

    init(_ receiver: Node, _ name: String, _ arguments: [Node], _ labels: [String?], fallback: Node?,
         _ location: SourceLocation) {
        self.receiver = receiver
        self.name = name
        self.arguments = arguments
        self.labels = labels
        self.fallback = fallback
        super.init(location)
    }

    /// The function `x.name(...)` falls back to: the one in scope, or a
    /// global defined since (the REPL).
    func fallbackFunction(_ vm: Interpreter) -> Value? {
        if let fallback, let f = try? fallback.eval(vm), isCallable(f) { return f }
        if let f = vm.global(name), isCallable(f) { return f }
        return nil
    }

    override func eval(_ vm: Interpreter) throws(Unwind) -> Value {
        let target = try receiver.eval(vm)
        var method: Value?
        switch target {
        case .record(let r):
            method = r.fields[name]
        default:
            break  // objects: see below, after the arguments
        }
        // Not a field or method: the global function `name`, receiver first.
        var positional: [Value] = []
        if method == nil, case .object = target {} else if method == nil {
            guard let f = fallbackFunction(vm) else {
                throw vm.error(noMethodMessage(target, vm), at: location)
            }
            method = f
            positional.append(target)
        }
        var named: [(String, Value)] = []
        for i in 0..<arguments.count {
            let v = try arguments[i].eval(vm)
            if let label = labels[i] { named.append((label, v)) } else { positional.append(v) }
        }
        if case .object(let o) = target {
            // Native fast path, then the bound method, then the UFCS fallback.
            do {
                if named.isEmpty, let result = try o.callMethod(name, positional, vm: vm) { return result }
                method = try o.member(name, vm: vm)
            } catch { throw located(error) }
        }
        if method == nil, case .object = target {
            guard let f = fallbackFunction(vm) else {
                throw vm.error(noMethodMessage(target, vm), at: location)
            }
            method = f
            positional.insert(target, at: 0)
        }
        guard let f = method else { throw vm.error(noMethodMessage(target, vm), at: location) }
        guard isCallable(f) else {
            throw vm.error("field '\(name)' is \(article(f.typeName)), not a function", at: location)
        }
        do {
            return try vm.call(f, positional, named: named, at: location)
        } catch {
            throw located(error)
        }
    }

    func isCallable(_ v: Value) -> Bool {
        switch v {
        case .function, .builtin, .object(is CallableObject): return true
        default: return false
        }
    }

    func noMethodMessage(_ target: Value, _ vm: Interpreter) -> String {
        var candidates = vm.globalNames
        if case .record(let r) = target { candidates += r.fields.keys }
        if case .object(let o) = target { candidates += o.memberNames }
        var message = "\(target.typeName) has no method '\(name)'"
        if case .record = target { message = "record has no field or method '\(name)'" }
        if let guess = closestName(to: name, in: candidates) { message += "; did you mean '\(guess)'?" }
        return message
    }
}

/// `x.name`
final class FieldNode: Node {
    let target: Node
    let name: String
    init(_ target: Node, _ name: String, _ location: SourceLocation) {
        self.target = target
        self.name = name
        super.init(location)
    }
    override func eval(_ vm: Interpreter) throws(Unwind) -> Value {
        let v = try target.eval(vm)
        do { return try getField(v, name, vm: vm) } catch { throw located(error) }
    }
}

func getField(_ v: Value, _ name: String, vm: Interpreter) throws(Unwind) -> Value {
    switch v {
    case .record(let r):
        if let field = r.fields[name] { return field }
        var message = "record has no field '\(name)'"
        if let guess = closestName(to: name, in: Array(r.fields.keys)) { message += "; did you mean '\(guess)'?" }
        else if !r.fields.isEmpty && r.fields.count <= 8 { message += " (fields: \(r.fields.keys.joined(separator: ", ")))" }
        throw fail(message)
    case .object(let o):
        if let member = try o.member(name, vm: vm) { return member }
        var message = "\(o.typeName) has no field '\(name)'"
        if let guess = closestName(to: name, in: o.memberNames) { message += "; did you mean '\(guess)'?" }
        throw fail(message)
    case .matrix(let m):
        switch name {
        // The transpose: A.T, as in numpy (transpose(A) is the same).
        case "T": return .matrix(m.transposed)
        case "rows": return .int(m.rows)
        case "cols": return .int(m.cols)
        case "shape": return .list([.int(m.rows), .int(m.cols)])
        default: throw fail("matrix has no field '\(name)' (fields: T, rows, cols, shape)")
        }
    case .range(let lo, let hi):
        switch name {
        // Both ends are inclusive: (0..<5).hi is 4.
        case "lo": return .int(lo)
        case "hi": return .int(hi)
        default: break
        }
    default:
        break
    }
    throw fail("\(v.typeName) has no field '\(name)'")
}

/// A call with one to three positional arguments (the common case): the
/// arguments sit in fields rather than an array, and a global callee is read
/// without a virtual call. Anything unusual defers to the general `CallNode`.
final class SmallCallNode: Node {
    let general: CallNode
    let globalIndex: Int
    let calleeIsGlobal: Bool
    // Unused arguments hold a placeholder: optionals would cost a retain per call.
    let a0: Node, a1: Node, a2: Node
    let count: Int

    init(_ general: CallNode, globalIndex: Int?) {
        self.general = general
        self.globalIndex = globalIndex ?? 0
        self.calleeIsGlobal = globalIndex != nil
        let args = general.arguments
        a0 = args[0]
        a1 = args.count > 1 ? args[1] : args[0]
        a2 = args.count > 2 ? args[2] : args[0]
        count = args.count
        super.init(general.location)
    }

    override func eval(_ vm: Interpreter) throws(Unwind) -> Value {
        let f = calleeIsGlobal ? vm.globals[globalIndex] : try general.callee.eval(vm)
        guard case .function(let c) = f, c.proto.parameterNames.count == count else {
            return try slowPath(f, vm)
        }
        let frameBase = try vm.pushFrame(c.proto.frameSize, site: self)
        do {
            vm.stack[frameBase] = try a0.eval(vm)
            if count > 1 {
                vm.stack[frameBase &+ 1] = try a1.eval(vm)
                if count > 2 { vm.stack[frameBase &+ 2] = try a2.eval(vm) }
            }
        } catch {
            vm.popFrame(frameBase)
            throw error
        }
        return try vm.invoke(c, frameBase: frameBase, site: self)
    }

    @inline(never)
    func slowPath(_ f: Value, _ vm: Interpreter) throws(Unwind) -> Value {
        if case .cell = f, let name = general.calleeName {
            throw vm.error("'\(name)' is used before it is defined", at: location)
        }
        var positional: [Value] = [try a0.eval(vm)]
        if count > 1 { positional.append(try a1.eval(vm)) }
        if count > 2 { positional.append(try a2.eval(vm)) }
        return try general.callValue(f, positional, [], vm)
    }
}
