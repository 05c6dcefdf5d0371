import Engine

extension Value {
    /// Structural equality: numbers by value across kinds (`1 == 1.0`,
    /// `1/2 == 0.5`), lists and records element by element, functions and
    /// objects by identity.
    public static func equal(_ a: Value, _ b: Value) -> Bool {
        switch (a, b) {
        case (.list, .list), (.record, .record):
            return equalNested(a, b)
        default:
            return equalShallow(a, b)
        }
    }

    /// Lists and records compared with an explicit work list instead of
    /// recursion, so a list nested a million deep compares without
    /// exhausting the stack.
    static func equalNested(_ a: Value, _ b: Value) -> Bool {
        var pending: [(Value, Value)] = [(a, b)]
        while let (x, y) = pending.popLast() {
            switch (x, y) {
            case (.list(let u), .list(let v)):
                guard u.count == v.count else { return false }
                for i in u.indices.reversed() { pending.append((u[i], v[i])) }
            case (.record(let u), .record(let v)):
                guard u.fields.count == v.fields.count else { return false }
                for (key, value) in u.fields {
                    guard let other = v.fields[key] else { return false }
                    pending.append((value, other))
                }
            default:
                if !equalShallow(x, y) { return false }
            }
        }
        return true
    }

    static func equalShallow(_ a: Value, _ b: Value) -> Bool {
        switch (a, b) {
        case (.int(let x), .int(let y)): return x == y
        case (.nil, .nil): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.string(let x), .string(let y)): return x == y
        case (.list(let x), .list(let y)):
            guard x.count == y.count else { return false }
            for i in x.indices where !equal(x[i], y[i]) { return false }
            return true
        case (.record(let x), .record(let y)):
            guard x.fields.count == y.fields.count else { return false }
            for (key, value) in x.fields {
                guard let other = y.fields[key], equal(value, other) else { return false }
            }
            return true
        case (.matrix(let x), .matrix(let y)): return x == y
        case (.range(let a1, let b1), .range(let a2, let b2)):
            return (a1 == a2 && b1 == b2) || (b1 < a1 && b2 < a2)
        case (.function(let x), .function(let y)): return x === y
        case (.builtin(let x), .builtin(let y)): return x === y
        case (.object(let x), .object(let y)): return x === y
        default:
            if case .int(let i) = a, case .float(let v) = b, i.magnitude <= 1 << 53 { return Double(i) == v }
            if case .float(let u) = a, case .int(let i) = b, i.magnitude <= 1 << 53 { return u == Double(i) }
            guard let x = Arithmetic.number(a), let y = Arithmetic.number(b) else { return false }
            return Arithmetic.numericOrder(x, y) == 0
        }
    }
}
