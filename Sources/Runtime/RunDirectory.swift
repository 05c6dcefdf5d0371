import Engine
import Foundation

/// runs/NAME/ for a training run: config.json, metrics.jsonl (one object per
/// step, each line written whole in one write(2)), samples.jsonl, and
/// checkpoints/step-N/ (written atomically by the engine).
final class RunDirectory {
    let url: URL
    let metrics: FileHandle
    let samples: FileHandle

    /// Creates runs/NAME under the working directory; an existing run is
    /// never overwritten.
    init(name: String, config: Value) throws(Unwind) {
        guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else {
            throw fail("run name must be a plain directory name, got \"\(name)\"")
        }
        let fm = FileManager.default
        let runs = URL(fileURLWithPath: fm.currentDirectoryPath).appendingPathComponent("runs")
        url = runs.appendingPathComponent(name)
        if fm.fileExists(atPath: url.path) {
            throw fail("runs/\(name) already exists; choose another name or delete it")
        }
        do {
            try fm.createDirectory(at: url.appendingPathComponent("checkpoints"), withIntermediateDirectories: true)
            try (RunDirectory.json(config, indent: 2) + "\n").write(to: url.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
            fm.createFile(atPath: url.appendingPathComponent("metrics.jsonl").path, contents: nil)
            fm.createFile(atPath: url.appendingPathComponent("samples.jsonl").path, contents: nil)
            metrics = try FileHandle(forWritingTo: url.appendingPathComponent("metrics.jsonl"))
            samples = try FileHandle(forWritingTo: url.appendingPathComponent("samples.jsonl"))
        } catch {
            throw fail("cannot create runs/\(name): \(error.localizedDescription)")
        }
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

    func checkpoint(step: Int, model: ModelObject) throws(Unwind) {
        let target = url.appendingPathComponent("checkpoints").appendingPathComponent("step-\(step)")
        do { try Checkpoint.save(model.model, tokenizer: model.tokenizer, to: target) } catch {
            throw fail("cannot save a checkpoint to \(target.path): \(error.message)")
        }
    }
}
