import BigInt
import Engine

/// A function written in Swift. Its parameters have names, so builtins take
/// named arguments (`round(x, digits: 2)`) as Pivot functions do.
public final class Builtin {
    public struct Parameter {
        public let name: String
        /// nil: required.
        public let defaultValue: Value?
        /// Collects the remaining positional arguments as a list.
        public let variadic: Bool

        public static func required(_ name: String) -> Parameter {
            Parameter(name: name, defaultValue: nil, variadic: false)
        }
        public static func optional(_ name: String, _ value: Value = .nil) -> Parameter {
            Parameter(name: name, defaultValue: value, variadic: false)
        }
        public static func variadic(_ name: String) -> Parameter {
            Parameter(name: name, defaultValue: .list([]), variadic: true)
        }
    }

    public typealias Body = (inout Arguments) throws(Unwind) -> Value

    public let name: String
    public let parameters: [Parameter]
    /// What `:help NAME` prints after the signature: a one-line summary, a
    /// blank line, details and examples.
    public let help: String
    let body: Body

    public init(_ name: String, _ parameters: [Parameter], help: String, _ body: @escaping Body) {
        self.name = name
        self.parameters = parameters
        self.help = help
        self.body = body
    }

    /// `name(a, b = 2, ...rest)`
    public var signature: String {
        let params = parameters.map { p -> String in
            if p.variadic { return "..." + p.name }
            if let d = p.defaultValue { return "\(p.name) = \(d.display())" }
            return p.name
        }
        return "\(name)(\(params.joined(separator: ", ")))"
    }

    /// The first line of the help text.
    public var summary: String {
        String(help.split(separator: "\n", maxSplits: 1).first ?? "")
    }

    /// Binds positional and named arguments to parameters.
    func bind(_ positional: [Value], _ named: [(String, Value)], vm: Interpreter) throws(Unwind) -> Arguments {
        var values = [Value]()
        values.reserveCapacity(parameters.count)
        var filled = [Bool](repeating: false, count: parameters.count)
        var p = 0
        for (i, param) in parameters.enumerated() {
            if param.variadic {
                values.append(.list(p < positional.count ? Array(positional[p...]) : []))
                p = positional.count
                filled[i] = true
            } else if p < positional.count {
                values.append(positional[p])
                p += 1
                filled[i] = true
            } else {
                values.append(param.defaultValue ?? .nil)
            }
        }
        if p < positional.count {
            let most = parameters.count
            throw fail("\(name) takes at most \(most) argument\(most == 1 ? "" : "s"), got \(positional.count)")
        }
        for (label, value) in named {
            guard let i = parameters.firstIndex(where: { $0.name == label && !$0.variadic }) else {
                let names = parameters.filter { !$0.variadic }.map(\.name)
                var message = "\(name) has no parameter '\(label)'"
                if let guess = closestName(to: label, in: names) { message += "; did you mean '\(guess)'?" }
                throw fail(message)
            }
            if filled[i] { throw fail("\(name): argument '\(label)' given twice") }
            values[i] = value
            filled[i] = true
        }
        for (i, param) in parameters.enumerated() where !filled[i] && param.defaultValue == nil {
            throw fail("\(name) is missing argument '\(param.name)' (\(signature))")
        }
        return Arguments(values: values, builtin: self, vm: vm)
    }
}

/// The bound arguments of a builtin call, one per parameter, with checked
/// accessors whose errors name the function and the parameter.
public struct Arguments {
    public var values: [Value]
    let builtin: Builtin
    public let vm: Interpreter

    public subscript(_ i: Int) -> Value { values[i] }

    public func isNil(_ i: Int) -> Bool { values[i].isNil }

    // `fail` here is `Arguments.fail`, which already puts the builtin's name in front.
    func mismatch(_ i: Int, _ expected: String) -> Unwind {
        fail("argument '\(builtin.parameters[i].name)' must be \(expected), got \(values[i].typeName)")
    }

    public func int(_ i: Int) throws(Unwind) -> Int {
        switch values[i] {
        case .int(let v): return v
        case .bigint: throw fail("argument '\(builtin.parameters[i].name)' is too large")
        case .float(let d) where d == d.rounded() && abs(d) < 9e15: return Int(d)
        default: throw mismatch(i, "an integer")
        }
    }

    public func double(_ i: Int) throws(Unwind) -> Double {
        guard let d = Arithmetic.double(values[i]) else { throw mismatch(i, "a number") }
        return d
    }

    public func string(_ i: Int) throws(Unwind) -> String {
        guard case .string(let s) = values[i] else { throw mismatch(i, "a string") }
        return s
    }

    public func bool(_ i: Int) throws(Unwind) -> Bool {
        guard case .bool(let b) = values[i] else { throw mismatch(i, "a bool") }
        return b
    }

    public func list(_ i: Int) throws(Unwind) -> [Value] {
        guard case .list(let items) = values[i] else { throw mismatch(i, "a list") }
        return items
    }

    public func record(_ i: Int) throws(Unwind) -> Record {
        guard case .record(let r) = values[i] else { throw mismatch(i, "a record") }
        return r
    }

    /// A list, a range or a string (as its characters), as a list of values.
    public func sequence(_ i: Int) throws(Unwind) -> [Value] {
        guard let items = try values[i].elements(limit: Interpreter.maxSequence) else {
            throw mismatch(i, "a list, range or string")
        }
        return items
    }

    /// A function or builtin.
    public func callable(_ i: Int) throws(Unwind) -> Value {
        switch values[i] {
        case .function, .builtin: return values[i]
        case .object(let o) where o is CallableObject: return values[i]
        default: throw mismatch(i, "a function")
        }
    }

    public func fail(_ message: String) -> Unwind {
        Runtime.fail("\(builtin.name): \(message)")
    }
}

/// A native object that can be called like a function.
public protocol CallableObject: NativeObject {
    func call(_ positional: [Value], _ named: [(String, Value)], vm: Interpreter) throws(Unwind) -> Value
}

extension Value {
    /// The elements of a list, range or string; nil for other values.
    public func elements(limit: Int) throws(Unwind) -> [Value]? {
        switch self {
        case .list(let items): return items
        case .range(let lo, let hi):
            if hi < lo { return [] }
            let (count, overflow) = hi.subtractingReportingOverflow(lo)
            if overflow || count >= limit { throw fail("range \(lo)..\(hi) is too long to make a list of (\(limit) elements at most)") }
            return (lo...hi).map { .int($0) }
        case .string(let s): return s.map { .string(String($0)) }
        default: return nil
        }
    }
}

/// The closest of `names` to `name` by edit distance, when close enough to
/// be a likely typo.
public func closestName(to name: String, in names: [String]) -> String? {
    let target = Array(name.lowercased().unicodeScalars)
    // A one-letter name is as close to every other as to any: no guess.
    if target.count < 2 { return nil }
    var best: (String, Int)?
    for candidate in names where candidate != name {
        let c = Array(candidate.lowercased().unicodeScalars)
        if abs(c.count - target.count) > 2 { continue }
        let d = editDistance(target, c)
        let limit = max(1, min(target.count, c.count) / 3)
        if d <= limit && (best == nil || d < best!.1) { best = (candidate, d) }
    }
    return best?.0
}

func editDistance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Int {
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    // Optimal string alignment: Levenshtein plus adjacent transpositions
    // ("widht" is one edit from "width").
    var beforePrevious = [Int](repeating: 0, count: b.count + 1)
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            let cost = a[i - 1] == b[j - 1] ? 0 : 1
            current[j] = Swift.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                current[j] = Swift.min(current[j], beforePrevious[j - 2] + 1)
            }
        }
        (beforePrevious, previous, current) = (previous, current, beforePrevious)
    }
    return previous[b.count]
}
