import Engine
import Foundation

/// runs/NAME/ for a training run: config.json, metrics.jsonl (one object per
/// step, each line written whole in one write(2)), samples.jsonl, and
/// checkpoints/step-N/ (written atomically by the engine: write, then rename).
final class RunDirectory {
    let url: URL
    let name: String
    let metrics: FileHandle
    let samples: FileHandle

    static let configFile = "config.json"
    static let metricsFile = "metrics.jsonl"
    static let samplesFile = "samples.jsonl"

    /// Creates runs/NAME under the working directory. An existing run is
    /// replaced only with `overwrite` (and only if it is a run directory).
    init(name: String, config: Value, overwrite: Bool = false) throws(Unwind) {
        guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else {
            throw fail("run name must be a plain directory name, got \"\(name)\"")
        }
        let fm = FileManager.default
        let runs = URL(fileURLWithPath: fm.currentDirectoryPath).appendingPathComponent("runs")
        url = runs.appendingPathComponent(name)
        self.name = name
        if fm.fileExists(atPath: url.path) {
            guard overwrite else {
                throw fail("runs/\(name) already exists; resume(\"runs/\(name)\") continues it, or choose another name (or overwrite: true)")
            }
            guard fm.fileExists(atPath: url.appendingPathComponent(Self.configFile).path) else {
                throw fail("runs/\(name) exists and is not a run directory (no \(Self.configFile)); not overwriting it")
            }
            do { try fm.removeItem(at: url) } catch {
                throw fail("cannot remove runs/\(name) to overwrite it: \(error.localizedDescription)")
            }
        }
        do {
            try fm.createDirectory(at: url.appendingPathComponent("checkpoints"), withIntermediateDirectories: true)
            try (RunDirectory.json(config, indent: 2) + "\n").write(to: url.appendingPathComponent(Self.configFile), atomically: true, encoding: .utf8)
            fm.createFile(atPath: url.appendingPathComponent(Self.metricsFile).path, contents: nil)
            fm.createFile(atPath: url.appendingPathComponent(Self.samplesFile).path, contents: nil)
            metrics = try FileHandle(forWritingTo: url.appendingPathComponent(Self.metricsFile))
            samples = try FileHandle(forWritingTo: url.appendingPathComponent(Self.samplesFile))
        } catch {
            throw fail("cannot create runs/\(name): \(error.localizedDescription)")
        }
    }

    /// Opens an existing run to continue it after checkpoint `step`: the
    /// lines of metrics.jsonl and samples.jsonl for later steps (written
    /// before a crash, and about to be computed again) are dropped, as is a
    /// torn last line. Returns the kept metrics records with the directory.
    init(resuming url: URL, after step: Int) throws(Unwind) {
        self.url = url
        name = url.lastPathComponent
        let metricsURL = url.appendingPathComponent(Self.metricsFile)
        let samplesURL = url.appendingPathComponent(Self.samplesFile)
        keptMetrics = try RunDirectory.truncate(metricsURL, toStep: step)
        _ = try RunDirectory.truncate(samplesURL, toStep: step)
        do {
            metrics = try FileHandle(forWritingTo: metricsURL)
            samples = try FileHandle(forWritingTo: samplesURL)
        } catch {
            throw fail("cannot open \(url.path) for writing: \(error.localizedDescription)")
        }
    }

    /// The metrics records a resumed directory kept (empty for a new one).
    private(set) var keptMetrics: [Value] = []

    /// Rewrites a JSON-lines file (atomically) without the lines whose
    /// `step` is above `step` and without unreadable lines; returns the kept records.
    static func truncate(_ file: URL, toStep step: Int) throws(Unwind) -> [Value] {
        let text: String
        do { text = try String(contentsOf: file, encoding: .utf8) } catch {
            if !FileManager.default.fileExists(atPath: file.path) {
                FileManager.default.createFile(atPath: file.path, contents: nil)
                return []
            }
            throw fail("cannot read \(file.path): \(error.localizedDescription)")
        }
        var kept: [Value] = []
        var out = ""
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            guard let value = try? JSONParser.parse(String(line)), case .record(let r) = value,
                  let s = r["step"], case .int(let lineStep) = s else { continue }
            if lineStep > step { continue }
            kept.append(value)
            out += line + "\n"
        }
        do { try out.write(to: file, atomically: true, encoding: .utf8) } catch {
            throw fail("cannot rewrite \(file.path): \(error.localizedDescription)")
        }
        return kept
    }

    /// JSON text of a value (nan and inf become null: a metric may be undefined).
    static func json(_ v: Value, indent: Int? = nil) -> String {
        var writer = JSONWriter(indent: indent)
        do throws(JSONWriter.Failure) {
            try writer.write(sanitized(v), depth: 0)
        } catch {
            return "null"
        }
        return writer.out
    }

    static func sanitized(_ v: Value) -> Value {
        switch v {
        case .float(let d) where !d.isFinite: return .nil
        case .record(var r):
            for (k, x) in r.fields { r.fields[k] = sanitized(x) }
            return .record(r)
        case .list(let xs): return .list(xs.map(sanitized))
        default: return v
        }
    }

    /// Appends one line; a single write keeps the line whole.
    func append(_ v: Value, to handle: FileHandle) throws(Unwind) {
        do {
            try handle.seekToEnd()
            try handle.write(contentsOf: Data((RunDirectory.json(v) + "\n").utf8))
        } catch {
            throw fail("cannot write to \(url.path): \(error.localizedDescription)")
        }
    }

    // MARK: - checkpoints

    var checkpoints: URL { url.appendingPathComponent("checkpoints") }

    func checkpointURL(step: Int) -> URL { checkpoints.appendingPathComponent("step-\(step)") }

    /// Steps of the complete checkpoints, ascending (temporary and
    /// half-replaced directories start with a dot and are ignored).
    static func checkpointSteps(in directory: URL) -> [Int] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.compactMap { name -> Int? in
            guard name.hasPrefix("step-"), let n = Int(name.dropFirst(5)), n >= 0 else { return nil }
            let state = directory.appendingPathComponent(name).appendingPathComponent(GRPOTrainer.stateFile)
            return FileManager.default.fileExists(atPath: state.path) ? n : nil
        }.sorted()
    }

    /// Deletes all but the newest `keep` checkpoints (and leftovers of
    /// interrupted writes).
    func pruneCheckpoints(keep: Int) {
        let fm = FileManager.default
        let steps = Self.checkpointSteps(in: checkpoints)
        for step in steps.dropLast(max(1, keep)) { try? fm.removeItem(at: checkpointURL(step: step)) }
        for name in (try? fm.contentsOfDirectory(atPath: checkpoints.path)) ?? [] where name.hasPrefix(".step-") {
            try? fm.removeItem(at: checkpoints.appendingPathComponent(name))
        }
    }
}
