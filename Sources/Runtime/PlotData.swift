import Engine
import Foundation
import OrderedCollections

/// A run's metrics as plot data: one record per step, the metric names in
/// the order they first appear. Made from a live run, a loaded run, an sft
/// run, any object with a `history`, a list of step records, or a record of
/// columns (`{loss: [...], evals: [{step, accuracy}, ...]}`).
struct PlotSource {
    /// "runs/NAME" for a named run; nil for an unnamed one.
    var label: String?
    var records: [Record]
    var metricNames: [String]
    /// The live run, so `watch: true` can redraw during its training.
    var run: RunObject?

    init(label: String?, records: [Record], run: RunObject? = nil) {
        self.label = label
        self.records = records
        self.run = run
        var names = OrderedSet<String>()
        for r in records { for key in r.fields.keys { names.append(key) } }
        metricNames = Array(names)
    }

    /// "runs/x" or "the run" for messages.
    var name: String { label ?? "the run" }

    /// Names worth plotting (all but `step`).
    var plottable: [String] { metricNames.filter { $0 != "step" } }

    /// The value as plot data when it is run-like; nil otherwise.
    static func from(_ value: Value, vm: Interpreter) throws(Unwind) -> PlotSource? {
        switch value {
        case .object(let run as RunObject):
            return PlotSource(label: run.directory.map { "runs/\($0.name)" }, records: records(run.history), run: run)
        case .object(let loaded as LoadedRun):
            return PlotSource(label: loaded.label, records: loaded.records)
        case .object(let o):
            guard let history = try o.member("history", vm: vm) else { return nil }
            switch history {
            case .list(let items) where items.allSatisfy(isRecord): return PlotSource(label: nil, records: records(items))
            case .record(let columns): return PlotSource(label: nil, records: fromColumns(columns))
            default: return nil
            }
        case .list(let items) where !items.isEmpty && items.allSatisfy(isRecord):
            return PlotSource(label: nil, records: records(items))
        case .record(let columns) where columns.fields.values.contains(where: isList):
            return PlotSource(label: nil, records: fromColumns(columns))
        default:
            return nil
        }
    }

    static func isRecord(_ v: Value) -> Bool { if case .record = v { return true } else { return false } }
    static func isList(_ v: Value) -> Bool { if case .list = v { return true } else { return false } }

    static func records(_ values: [Value]) -> [Record] {
        values.compactMap { if case .record(let r) = $0 { return r } else { return nil } }
    }

    /// A record of columns as step records: a list of numbers is one value
    /// per step (step i+1), a list of records with a `step` field adds
    /// `NAME/FIELD` metrics at those steps (sft's `evals`); other fields
    /// are not per step and are left out.
    static func fromColumns(_ columns: Record) -> [Record] {
        var rows: [Int: Record] = [:]
        func put(_ step: Int, _ key: String, _ value: Value) {
            if rows[step] == nil { rows[step] = Record([("step", .int(step))]) }
            rows[step]![key] = value
        }
        for (name, column) in columns.fields {
            guard case .list(let items) = column, name != "step" else { continue }
            for (i, item) in items.enumerated() {
                switch item {
                case .record(let r):
                    guard let s = r["step"], case .int(let step) = s else { continue }
                    for (field, v) in r.fields where field != "step" { put(step, "\(name)/\(field)", v) }
                default:
                    put(i + 1, name, item)
                }
            }
        }
        return rows.keys.sorted().map { rows[$0]! }
    }

    /// The metric names a request means: exact names, or `*` patterns
    /// ("rewards/*/mean" is every reward's mean).
    func resolve(_ requested: [String]) throws(Unwind) -> [String] {
        var out: [String] = []
        for name in requested {
            if name.contains("*") {
                let matches = plottable.filter { PlotSource.glob(name, $0) }
                if matches.isEmpty { throw fail("plot: no metric of \(self.name) matches '\(name)'; \(listing)") }
                for m in matches where !out.contains(m) { out.append(m) }
            } else if metricNames.contains(name) {
                if !out.contains(name) { out.append(name) }
            } else {
                var message = "plot: \(self.name) has no metric '\(name)'"
                if let guess = closestName(to: name, in: plottable) { message += "; did you mean '\(guess)'?" }
                throw fail(message + "; " + listing)
            }
        }
        return out
    }

    /// What to plot when no metric is named: reward, else loss, else every
    /// metric when there are few.
    func defaultMetrics() throws(Unwind) -> [String] {
        if metricNames.contains("reward") { return ["reward"] }
        if metricNames.contains("loss") { return ["loss"] }
        let all = plottable
        if !all.isEmpty && all.count <= 8 { return all }
        throw fail("plot: which metrics of \(name)? Name them, e.g. plot(run, \"\(all.first ?? "reward")\"); \(listing)")
    }

    var listing: String {
        plottable.isEmpty ? "it has no metrics" : "its metrics: " + plottable.joined(separator: ", ")
    }

    /// `*` matches any run of characters; everything else matches itself.
    static func glob(_ pattern: String, _ text: String) -> Bool {
        let parts = pattern.split(separator: "*", omittingEmptySubsequences: false).map(String.init)
        guard parts.count > 1 else { return pattern == text }
        guard text.hasPrefix(parts[0]) else { return false }
        var rest = Substring(text.dropFirst(parts[0].count))
        for (k, part) in parts.enumerated().dropFirst() {
            if k == parts.count - 1 { return part.isEmpty || (rest.hasSuffix(part) && rest.count >= part.count) }
            guard let r = rest.range(of: part) else { return false }
            rest = rest[r.upperBound...]
        }
        return true
    }

    // MARK: - columns

    /// A metric's value as a number: nil, NaN and non-numbers are NaN (a gap).
    static func number(_ v: Value?) -> Double {
        switch v {
        case .bool(let b)?: return b ? 1 : 0
        case let x?: return Arithmetic.double(x) ?? .nan
        case nil: return .nan
        }
    }

    /// x and y of `metric` over the steps that have it (a step without the
    /// key is skipped; one whose value is nil or NaN is a gap).
    func column(_ metric: String, x: PlotX) -> (x: [Double], y: [Double]) {
        let xs = xValues(x)
        var outX: [Double] = [], outY: [Double] = []
        for (i, r) in records.enumerated() {
            guard let v = r[metric], xs[i].isFinite else { continue }
            outX.append(xs[i])
            outY.append(PlotSource.number(v))
        }
        return (outX, outY)
    }

    /// The x of every record: its step (or its position), the training time
    /// so far in seconds, or another metric.
    func xValues(_ x: PlotX) -> [Double] {
        switch x {
        case .step:
            return records.enumerated().map { i, r in
                if let s = r["step"], let d = Arithmetic.double(s) { return d }
                return Double(i + 1)
            }
        case .time:
            var total = 0.0
            return records.map { r in
                let t = PlotSource.number(r["step_time"])
                if t.isFinite && t > 0 { total += t }
                return total
            }
        case .metric(let name):
            return records.map { PlotSource.number($0[name]) }
        }
    }

    var hasStepTime: Bool { records.contains { $0["step_time"] != nil } }

    /// Where the `stage` metric changes: x of the first step of each new
    /// stage, and the stage it became.
    func stageChanges(x: PlotX) -> [(x: Double, stage: String)] {
        let xs = xValues(x)
        var out: [(Double, String)] = []
        var previous: Double?
        for (i, r) in records.enumerated() {
            let s = PlotSource.number(r["stage"])
            guard s.isFinite else { continue }
            if let p = previous, p != s, xs[i].isFinite {
                out.append((xs[i], s == s.rounded() && abs(s) < 1e15 ? String(Int(s)) : "\(s)"))
            }
            previous = s
        }
        return out
    }
}

/// What the x axis shows for runs.
enum PlotX: Equatable {
    case step
    /// Seconds of training: the running sum of `step_time`.
    case time
    case metric(String)

    var isMetric: Bool { if case .metric = self { return true } else { return false } }
}

/// Curve smoothing.
enum PlotSmoothing: Equatable {
    case none
    /// TensorBoard's: an exponential moving average whose weight on the past
    /// is `w`, divided by 1 - w^n so the first steps are not pulled to 0.
    case ema(Double)
    /// The mean of the last `n` values.
    case window(Int)

    func apply(_ y: [Double]) -> [Double] {
        switch self {
        case .none:
            return y
        case .ema(let w):
            var last = 0.0, seen = 0
            return y.map { v in
                guard v.isFinite else { return v }
                last = last * w + (1 - w) * v
                seen += 1
                let debias = 1 - pow(w, Double(seen))
                return debias > 0 ? last / debias : v
            }
        case .window(let n):
            // Over the finite values among the last n points; gaps stay gaps.
            var out = [Double](repeating: .nan, count: y.count)
            var sum = 0.0, count = 0
            for i in y.indices {
                if y[i].isFinite { sum += y[i]; count += 1 }
                if i >= n, y[i - n].isFinite { sum -= y[i - n]; count -= 1 }
                if y[i].isFinite && count > 0 { out[i] = sum / Double(count) }
            }
            return out
        }
    }
}
