import Lang

/// One evaluated subscript.
enum Key {
    case index(Value)
    case slice(Value?, Value?)
    case field(String)
    /// Several subscripts at once: `A[i, j]`.
    case multi([Key])
}

/// `x[i]`, `x[a:b]`, `r["key"]`.
final class IndexNode: Node {
    enum Sub {
        case index(Node)
        case slice(Node?, Node?)
    }
    let target: Node
    let subscripts: [Sub]
    init(_ target: Node, _ subscripts: [Sub], _ location: SourceLocation) {
        self.target = target
        self.subscripts = subscripts
        super.init(location)
    }

    override func eval(_ vm: Interpreter) throws(Unwind) -> Value {
        let v = try target.eval(vm)
        if subscripts.count == 1, case .index(let node) = subscripts[0] {
            let i = try node.eval(vm)
            if case .list(let items) = v, case .int(let n) = i, n >= 0, n < items.count { return items[n] }
            do { return try getIndex(v, .index(i)) } catch { throw located(error) }
        }
        let keys = try evalKeys(subscripts, vm)
        if case .matrix(let m) = v {
            do { return try MatrixValues.get(m, keys) } catch { throw located(error) }
        }
        guard keys.count == 1 else {
            throw vm.error("\(v.typeName) takes one subscript, got \(keys.count)", at: location)
        }
        do { return try getIndex(v, keys[0]) } catch { throw located(error) }
    }
}

func evalKeys(_ subscripts: [IndexNode.Sub], _ vm: Interpreter) throws(Unwind) -> [Key] {
    var keys: [Key] = []
    for sub in subscripts {
        switch sub {
        case .index(let node): keys.append(.index(try node.eval(vm)))
        case .slice(let lo, let hi): keys.append(.slice(try lo?.eval(vm), try hi?.eval(vm)))
        }
    }
    return keys
}

/// A Python-style position: negative counts from the end. Throws when out of range.
func position(_ index: Value, count: Int, of what: String) throws(Unwind) -> Int {
    guard case .int(let i) = index else {
        if case .bigint = index { throw fail("index \(index.display()) out of range for \(what) of length \(count)") }
        throw fail("\(what) index must be an integer, got \(index.typeName)")
    }
    let p = i < 0 ? i &+ count : i
    guard p >= 0 && p < count else { throw fail("index \(i) out of range for \(what) of length \(count)") }
    return p
}

/// Slice bounds clamped to 0...count, as Python does; nil ends mean the ends.
func sliceBounds(_ lo: Value?, _ hi: Value?, count: Int) throws(Unwind) -> Range<Int> {
    func bound(_ v: Value?, _ fallback: Int) throws(Unwind) -> Int {
        guard let v, !v.isNil else { return fallback }
        guard case .int(let i) = v else {
            if case .bigint(let b) = v { return b.sign == .minus ? 0 : count }
            throw fail("slice bounds must be integers, got \(v.typeName)")
        }
        let p = i < 0 ? max(0, i &+ count) : min(i, count)
        return p
    }
    let a = try bound(lo, 0), b = try bound(hi, count)
    return a..<max(a, b)
}

func getIndex(_ v: Value, _ key: Key) throws(Unwind) -> Value {
    switch (v, key) {
    case (.list(let items), .index(let i)):
        return items[try position(i, count: items.count, of: "list")]
    case (.list(let items), .slice(let lo, let hi)):
        return .list(Array(items[try sliceBounds(lo, hi, count: items.count)]))
    case (.string(let s), .index(let i)):
        let chars = Array(s)
        return .string(String(chars[try position(i, count: chars.count, of: "string")]))
    case (.string(let s), .slice(let lo, let hi)):
        let chars = Array(s)
        return .string(String(chars[try sliceBounds(lo, hi, count: chars.count)]))
    case (.range(let lo, let hi), .index(let i)):
        // The length may not fit in 64 bits (0..Int.max): index from the ends.
        guard case .int(let k) = i else {
            if case .bigint = i { throw fail("index \(i.display()) out of range for range \(lo)..\(hi)") }
            throw fail("range index must be an integer, got \(i.typeName)")
        }
        if hi >= lo {
            if k >= 0, case (let v, false) = lo.addingReportingOverflow(k), v <= hi { return .int(v) }
            if k < 0, case (let v, false) = hi.addingReportingOverflow(k &+ 1), v >= lo { return .int(v) }
        }
        let (span, overflow) = hi.subtractingReportingOverflow(lo)
        let length = hi < lo ? "0" : (overflow || span == .max ? "more than 2^63" : String(span + 1))
        throw fail("index \(k) out of range for range of length \(length)")
    case (.matrix(let m), .index), (.matrix(let m), .slice):
        return try MatrixValues.get(m, [key])
    case (.matrix(let m), .multi(let keys)):
        return try MatrixValues.get(m, keys)
    case (.range, .slice):
        throw fail("ranges cannot be sliced; take a slice of list(r), or write the range you want")
    case (.record, .index(.string(let name))):
        return try getFieldNoVM(v, name)
    case (.record, .index(let i)):
        throw fail("record keys are strings, got \(i.typeName)")
    default:
        if case .field(let name) = key { return try getFieldNoVM(v, name) }
        throw fail("cannot index \(v.typeName)")
    }
}

func getFieldNoVM(_ v: Value, _ name: String) throws(Unwind) -> Value {
    guard case .record(let r) = v else { throw fail("\(v.typeName) has no field '\(name)'") }
    if let field = r.fields[name] { return field }
    var message = "record has no field '\(name)'"
    if let guess = closestName(to: name, in: Array(r.fields.keys)) { message += "; did you mean '\(guess)'?" }
    throw fail(message)
}

/// Replaces the part of `container` the keys lead to, in place where the
/// storage is unique. `update` gets the old part and returns the new one.
func setPath(_ container: inout Value, _ keys: ArraySlice<Key>,
             _ update: (Value) throws(Unwind) -> Value) throws(Unwind) {
    guard let key = keys.first else {
        container = try update(container)
        return
    }
    let rest = keys.dropFirst()
    if case .matrix(var m) = container {
        guard rest.isEmpty else { throw fail("a matrix entry is a number; it has no parts to assign to") }
        let matrixKeys: [Key]
        switch key {
        case .multi(let ks): matrixKeys = ks
        case .index, .slice: matrixKeys = [key]
        case .field(let name): throw fail("cannot set field '\(name)' on a matrix")
        }
        let new = try update(try MatrixValues.get(m, matrixKeys))
        container = .nil  // m is now the only reference: written in place
        defer { container = .matrix(m) }
        try MatrixValues.set(&m, matrixKeys, new)
        return
    }
    switch key {
    case .index(let i):
        if case .list = container {
            guard case .list(var items) = consume container else { container = .nil; return }
            container = .nil
            defer { container = .list(items) }
            let p = try position(i, count: items.count, of: "list")
            try setPath(&items[p], rest, update)
            return
        }
        if case .record = container, case .string(let name) = i {
            try setField(&container, name, rest, update)
            return
        }
        if case .string = container { throw fail("strings cannot be changed in place; build a new one") }
        throw fail("cannot assign into \(article(container.typeName)) by index")
    case .field(let name):
        guard case .record = container else {
            throw fail("cannot set field '\(name)' on \(article(container.typeName))")
        }
        try setField(&container, name, rest, update)
    case .slice:
        throw fail("cannot assign to a slice")
    case .multi(let ks):
        throw fail("\(container.typeName) takes one subscript, got \(ks.count)")
    }
}

func setField(_ container: inout Value, _ name: String, _ rest: ArraySlice<Key>,
              _ update: (Value) throws(Unwind) -> Value) throws(Unwind) {
    guard case .record(var r) = consume container else { container = .nil; return }
    container = .nil
    defer { container = .record(r) }
    if rest.isEmpty {
        // Setting a new field is allowed: records grow.
        r.fields[name] = try update(r.fields[name] ?? .nil)
        return
    }
    guard var inner = r.fields[name] else {
        throw fail("record has no field '\(name)'")
    }
    r.fields[name] = .nil
    defer { r.fields[name] = inner }
    try setPath(&inner, rest, update)
}

/// `x[i] = v`, `r.f = v`, `r.a[2].b += 1`.
final class AssignPathNode: Node {
    enum Step {
        case index([IndexNode.Sub])
        case field(String)
    }
    let place: Place
    let steps: [Step]
    let op: BinaryOp?
    let value: Node
    init(_ place: Place, _ steps: [Step], _ op: BinaryOp?, _ value: Node, _ location: SourceLocation) {
        self.place = place
        self.steps = steps
        self.op = op
        self.value = value
        super.init(location)
    }

    override func eval(_ vm: Interpreter) throws(Unwind) -> Value {
        var keys: [Key] = []
        for step in steps {
            switch step {
            case .field(let name): keys.append(.field(name))
            case .index(let subs):
                let evaluated = try evalKeys(subs, vm)
                keys.append(evaluated.count == 1 ? evaluated[0] : .multi(evaluated))
            }
        }
        let rhs = try value.eval(vm)
        var root = try vm.take(place, at: location)
        defer { vm.write(place, root) }
        let op = self.op
        do {
            try setPath(&root, keys[...]) { (old: Value) throws(Unwind) -> Value in
                guard let op else { return rhs }
                var current = old
                if op == .add && current.appendInPlace(rhs) { return current }
                return try applyBinary(op, old, rhs)
            }
        } catch {
            throw located(error)
        }
        return .nil
    }
}
