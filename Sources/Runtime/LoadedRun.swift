import Engine
import Foundation

/// A run directory read back (`load_run("runs/NAME")`): its config, its
/// metrics one record per step, and its samples (read when first asked
/// for), so old runs can be plotted and compared with live ones.
final class LoadedRun: NativeObject {
    /// The path as the user wrote it, without a trailing slash ("runs/inv2").
    let label: String
    let url: URL
    let config: Value
    let records: [Record]
    /// Lines of metrics.jsonl that were not a JSON object (a torn last line
    /// after a crash, or damage).
    let skippedLines: Int
    private var samplesCache: (records: [Record], skipped: Int)?

    init(label: String, url: URL, config: Value, records: [Record], skippedLines: Int) {
        self.label = label
        self.url = url
        self.config = config
        self.records = records
        self.skippedLines = skippedLines
    }

    var typeName: String { "loaded_run" }

    var memberNames: [String] { ["name", "path", "config", "history", "steps", "samples", "sample_steps", "events", "skipped"] }

    func display() -> String {
        var text = "<loaded run \(label)"
        guard let last = records.last else { return text + ": no steps>" }
        text += ": \(records.count) steps"
        if let reward = last["reward"], !reward.isNil { text += ", reward \(reward.display())" }
        if let a = last["accuracy"].flatMap(Arithmetic.double) { text += ", accuracy \(EvaluationResult.percent(a))" }
        if let s = last["stage"], !s.isNil { text += ", stage \(s.display())" }
        if skippedLines > 0 { text += " (\(skippedLines) unreadable line\(skippedLines == 1 ? "" : "s") skipped)" }
        return text + ">"
    }

    func member(_ name: String, vm: Interpreter) throws(Unwind) -> Value? {
        switch name {
        case "name": return .string(label)
        case "path": return .string(url.path)
        case "config": return config
        case "history": return .list(records.map(Value.record))
        case "steps": return .int(records.count)
        case "skipped": return .int(skippedLines)
        case "events": return .list(events)
        case "sample_steps":
            var steps: [Int] = []
            for r in try samples() {
                if case .int(let s)? = r["step"], steps.last != s { steps.append(s) }
            }
            return .list(steps.map(Value.int))
        case "samples":
            return .builtin(Builtin("samples", [.optional("k", .int(8)), .optional("step")], help: """
                Completions saved in samples.jsonl: the first k of the newest sampled step, or of step `step`.

                k: nil gives all of that step's.
                """) { args throws(Unwind) in
                let all = try self.samples()
                let step: Int
                if args.isNil(1) {
                    guard case .int(let newest)? = all.last?["step"] else { return .list([]) }
                    step = newest
                } else {
                    step = try args.int(1)
                }
                var chosen = all.filter { if case .int(let s)? = $0["step"] { return s == step } else { return false } }
                if !args.isNil(0) { chosen = Array(chosen.prefix(max(0, try args.int(0)))) }
                return .list(chosen.map(Value.record))
            })
        default: return nil
        }
    }

    /// Stage changes, as the `stage` metric shows them: {step, from, to}.
    var events: [Value] {
        var out: [Value] = []
        var previous: Value?
        for r in records {
            guard let stage = r["stage"], !stage.isNil else { continue }
            if let p = previous, !Value.equal(p, stage) {
                out.append(.record([("step", r["step"] ?? .nil), ("from", p), ("to", stage)]))
            }
            previous = stage
        }
        return out
    }

    func samples() throws(Unwind) -> [Record] {
        if let cached = samplesCache { return cached.records }
        let file = url.appendingPathComponent(RunDirectory.samplesFile)
        let read = try LoadedRun.readLines(file, missingIsEmpty: true, what: "load_run")
        samplesCache = read
        return read.records
    }

    // MARK: - reading

    /// Reads runs/NAME (or NAME under runs/ when there is no such path).
    static func load(_ path: String) throws(Unwind) -> LoadedRun {
        let fm = FileManager.default
        var label = path
        while label.count > 1 && label.hasSuffix("/") { label.removeLast() }
        if label.isEmpty { throw fail("load_run: the path is empty; give a run directory such as \"runs/NAME\"") }
        let cwd = URL(fileURLWithPath: fm.currentDirectoryPath)
        var url = label.hasPrefix("/") ? URL(fileURLWithPath: label) : cwd.appendingPathComponent(label)
        var isDirectory: ObjCBool = false
        if !fm.fileExists(atPath: url.path, isDirectory: &isDirectory), !label.contains("/") {
            let underRuns = cwd.appendingPathComponent("runs").appendingPathComponent(label)
            if fm.fileExists(atPath: underRuns.path, isDirectory: &isDirectory) {
                url = underRuns
                label = "runs/" + label
            }
        }
        guard fm.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            var message = "load_run: there is no run directory \(label)"
            let runs = cwd.appendingPathComponent("runs").path
            if let names = try? fm.contentsOfDirectory(atPath: runs), !names.isEmpty {
                let list = names.filter { !$0.hasPrefix(".") }.sorted()
                let base = String(label.split(separator: "/").last ?? "")
                if let guess = closestName(to: base, in: list) { message += "; did you mean runs/\(guess)?" }
                if !list.isEmpty { message += " (runs/ holds \(list.prefix(20).joined(separator: ", "))\(list.count > 20 ? ", ..." : ""))" }
            } else {
                message += " (looked in \(fm.currentDirectoryPath))"
            }
            throw fail(message)
        }
        guard isDirectory.boolValue else { throw fail("load_run: \(label) is a file, not a run directory") }
        let configURL = url.appendingPathComponent(RunDirectory.configFile)
        let metricsURL = url.appendingPathComponent(RunDirectory.metricsFile)
        let hasConfig = fm.fileExists(atPath: configURL.path), hasMetrics = fm.fileExists(atPath: metricsURL.path)
        guard hasConfig || hasMetrics else {
            throw fail("load_run: \(label) is not a run directory: it has no \(RunDirectory.configFile) or \(RunDirectory.metricsFile)")
        }
        var config = Value.nil
        if hasConfig {
            let text: String
            do { text = try String(contentsOf: configURL, encoding: .utf8) } catch {
                throw fail("load_run: cannot read \(label)/\(RunDirectory.configFile): \(error.localizedDescription)")
            }
            do throws(JSONSyntaxError) { config = try JSONParser.parse(text) } catch {
                throw fail("load_run: \(label)/\(RunDirectory.configFile) is not valid JSON: \(error.message)")
            }
        }
        let metrics = try readLines(metricsURL, missingIsEmpty: true, what: "load_run")
        if metrics.skipped > 0 {
            let s = metrics.skipped
            FileHandle.standardError.write(Data("load_run: skipped \(s) unreadable line\(s == 1 ? "" : "s") of \(label)/\(RunDirectory.metricsFile)\n".utf8))
        }
        return LoadedRun(label: label, url: url, config: config, records: metrics.records, skippedLines: metrics.skipped)
    }

    /// The JSON objects of a JSON-lines file; other lines are counted and skipped.
    static func readLines(_ file: URL, missingIsEmpty: Bool, what: String) throws(Unwind) -> (records: [Record], skipped: Int) {
        let data: Data
        do { data = try Data(contentsOf: file) } catch {
            if missingIsEmpty && !FileManager.default.fileExists(atPath: file.path) { return ([], 0) }
            throw fail("\(what): cannot read \(file.path): \(error.localizedDescription)")
        }
        var records: [Record] = []
        var skipped = 0
        for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
            let text = String(decoding: line, as: UTF8.self)
            if text.allSatisfy(\.isWhitespace) { continue }
            if let value = try? JSONParser.parse(text), case .record(let r) = value {
                records.append(r)
            } else {
                skipped += 1
            }
        }
        return (records, skipped)
    }
}
