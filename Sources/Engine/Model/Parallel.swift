import COpenBLAS
import Foundation

/// How the model spreads its work over the machine's cores.
///
/// Matrix products either run on OpenBLAS's own threads (`.blasThreads`) or
/// are split into row blocks that `DispatchQueue.concurrentPerform` runs on
/// single-threaded OpenBLAS (`.splitRows`). Attention and elementwise loops
/// always use `concurrentPerform`, with OpenBLAS held to one thread inside so
/// the two thread pools never compete. `scripts/bench/model` measures both.
public enum ModelThreading: String, Sendable, CaseIterable {
    case blasThreads
    case splitRows

    /// The mode in force; `splitRows` measured faster on 2 cores (see README).
    nonisolated(unsafe) public static var matmul: ModelThreading = .splitRows
    /// Workers for parallel loops: the machine's cores (at least 1, at most 16).
    nonisolated(unsafe) public static var workers: Int =
        max(1, min(ProcessInfo.processInfo.activeProcessorCount, 16))
}

/// Parallel loops over index ranges, cut into one contiguous chunk per
/// worker. The cut depends only on the count and the number of workers, so
/// results (including float sums per chunk) are the same on every run.
///
/// A loop started inside a chunk of another runs inline, as the outer
/// chunk's worker: its per-worker scratch slot is then the outer worker's,
/// which no other thread touches. (The sampler runs each worker's share of
/// the sequences through whole decode steps this way.)
enum Parallel {
    /// OpenBLAS's thread count as last set by us (0: not yet set).
    nonisolated(unsafe) static var blasThreads: Int32 = 0

    /// Per thread: 1 + the index of the worker whose chunk the thread is
    /// running, or nothing outside parallel loops.
    private static let workerKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    /// The worker whose chunk this thread is running, if any.
    static var currentWorker: Int? {
        guard let marker = pthread_getspecific(workerKey) else { return nil }
        return Int(bitPattern: marker) - 1
    }

    /// Sets OpenBLAS's thread count if it differs from what we last set.
    /// Inside a parallel loop OpenBLAS is already held to one thread, and
    /// the count is left alone (it is global to the process).
    static func setBlasThreads(_ count: Int) {
        if currentWorker != nil { return }
        let wanted = Int32(max(1, count))
        if blasThreads != wanted {
            openblas_set_num_threads(wanted)
            blasThreads = wanted
        }
    }

    /// The chunk of `0..<count` that worker `index` of `workers` handles.
    @inline(__always)
    static func chunk(_ index: Int, of workers: Int, count: Int) -> Range<Int> {
        let base = count / workers, extra = count % workers
        let start = index * base + min(index, extra)
        return start..<(start + base + (index < extra ? 1 : 0))
    }

    /// Runs `body(worker, range)` over `0..<count` split into chunks, on all
    /// workers when the work is worth it (`count * costPerItem` above about
    /// 30k operations), else inline on worker 0 (or, inside another loop's
    /// chunk, inline as that chunk's worker).
    static func forEachChunk(_ count: Int, costPerItem: Int = 1,
                             _ body: (_ worker: Int, _ range: Range<Int>) -> Void) {
        if let outer = currentWorker {
            if count > 0 { body(outer, 0..<count) }
            return
        }
        let workers = min(ModelThreading.workers, count)
        if workers <= 1 || count * costPerItem < 30_000 {
            if count > 0 { body(0, 0..<count) }
            return
        }
        // OpenBLAS calls inside the chunks must not start threads of their own.
        setBlasThreads(1)
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            pthread_setspecific(workerKey, UnsafeRawPointer(bitPattern: worker + 1))
            body(worker, chunk(worker, of: workers, count: count))
            pthread_setspecific(workerKey, nil)
        }
    }
}

/// A fixed block of Float32 memory owned by a class, so views into it can be
/// passed to C and to parallel workers without copies or exclusivity checks.
final class FloatBuffer: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Float>
    let count: Int

    init(count: Int) {
        self.count = count
        pointer = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    deinit { pointer.deallocate() }

    func zero() { pointer.update(repeating: 0, count: count) }

    func copy(from other: FloatBuffer) {
        pointer.update(from: other.pointer, count: min(count, other.count))
    }

    var array: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }
}
