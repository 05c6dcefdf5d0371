import Engine
import Foundation

/// A reward with a weight: any function (completion, example) -> number,
/// scaled. `rewards.tags * 0.5` and `my_reward * 2` make these; calling one
/// gives the weighted value. A list of rewards is a reward set.
final class RewardObject: CallableObject {
    let name: String
    let weight: Double
    let function: Value

    init(name: String, weight: Double, function: Value) {
        self.name = name
        self.weight = weight
        self.function = function
    }

    var typeName: String { "reward" }

    func display() -> String { "<reward \(name) × \(Value.formatFloat(weight))>" }

    var memberNames: [String] { ["name", "weight", "function"] }

    func member(_ name: String, vm: Interpreter) throws(Unwind) -> Value? {
        switch name {
        case "name": return .string(self.name)
        case "weight": return .float(weight)
        case "function": return function
        default: return nil
        }
    }

    func call(_ positional: [Value], _ named: [(String, Value)], vm: Interpreter) throws(Unwind) -> Value {
        let value = try RewardSet.value(of: function, positional, named, vm: vm)
        return .float(CorrectnessRewards.finite(weight * value))
    }
}

/// Reward sets: a single reward or a list of them, each with its name and weight.
enum RewardSet {
    struct Part {
        let name: String
        let weight: Double
        let function: Value
    }

    /// The parts of a reward or a list of rewards.
    static func parts(_ v: Value, what: String) throws(Unwind) -> [Part] {
        switch v {
        case .list(let items):
            var out: [Part] = []
            for (i, item) in items.enumerated() {
                guard let part = part(item) else {
                    throw fail("\(what): element \(i) of the reward list is \(article(item.typeName)), not a reward or function")
                }
                out.append(part)
            }
            return out
        default:
            guard let part = part(v) else { throw fail("\(what): expected a reward, a function or a list of them, got \(article(v.typeName))") }
            return [part]
        }
    }

    static func part(_ v: Value) -> Part? {
        switch v {
        case .object(let r as RewardObject): return Part(name: r.name, weight: r.weight, function: r.function)
        case .function(let c): return Part(name: c.proto.name.isEmpty ? "fn" : c.proto.name, weight: 1, function: v)
        case .builtin(let b): return Part(name: b.name.hasPrefix("rewards.") ? String(b.name.dropFirst(8)) : b.name, weight: 1, function: v)
        case .object(let o as CallableObject): return Part(name: o.typeName, weight: 1, function: v)
        default: return nil
        }
    }

    /// Calls a reward function; the result must be a number and is made finite.
    static func value(of f: Value, _ positional: [Value], _ named: [(String, Value)] = [], vm: Interpreter) throws(Unwind) -> Double {
        let result = try vm.call(f, positional, named: named)
        switch result {
        case .bool(let b): return b ? 1 : 0
        default:
            guard let d = Arithmetic.double(result) else {
                throw fail("a reward must return a number, got \(article(result.typeName))")
            }
            return CorrectnessRewards.finite(d)
        }
    }

    /// `f * w` where f is callable: a weighted reward.
    static func weighted(_ f: Value, _ w: Value) -> Value? {
        guard let weight = Arithmetic.double(w), weight.isFinite else { return nil }
        switch f {
        case .object(let r as RewardObject):
            return .object(RewardObject(name: r.name, weight: r.weight * weight, function: r.function))
        default:
            guard let p = part(f) else { return nil }
            return .object(RewardObject(name: p.name, weight: weight, function: f))
        }
    }
}

/// The result of `score`: a total and one row per part; prints as a table.
final class ScoreObject: NativeObject {
    let total: Double
    let parts: [(name: String, weight: Double, value: Double)]

    init(total: Double, parts: [(name: String, weight: Double, value: Double)]) {
        self.total = total
        self.parts = parts
    }

    var typeName: String { "score" }
    var memberNames: [String] { ["total", "parts"] }

    func member(_ name: String, vm: Interpreter) throws(Unwind) -> Value? {
        switch name {
        case "total": return .float(total)
        case "parts":
            return .list(parts.map { p in
                .record([("name", .string(p.name)), ("weight", .float(p.weight)), ("value", .float(p.value)),
                         ("weighted", .float(p.weight * p.value))])
            })
        default: return nil
        }
    }

    func display() -> String {
        let width = max(6, parts.map(\.name.count).max() ?? 0)
        func pad(_ s: String, _ w: Int) -> String { s + String(repeating: " ", count: max(0, w - s.count)) }
        func num(_ d: Double) -> String {
            let s = formatFloat(d, significantDigits: 4)
            return String(repeating: " ", count: max(0, 9 - s.count)) + s
        }
        var out = pad("reward", width) + "   weight      value   weighted\n"
        for p in parts {
            out += pad(p.name, width) + num(p.weight) + "  " + num(p.value) + "  " + num(p.weight * p.value) + "\n"
        }
        out += pad("total", width) + String(repeating: " ", count: 22) + num(total)
        return out
    }
}
