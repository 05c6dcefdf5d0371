import Synchronization

/// Set by the SIGINT handler (Ctrl-C). The evaluator polls it at loop
/// back-edges and calls; long engine work (elimination on big exact
/// matrices, training) polls it too and stops with `EngineError.interrupted`.
/// Whoever acts on it clears it. A signal handler may do nothing else.
public let interruptRequested = Atomic<Bool>(false)

/// Clears a pending interrupt and reports whether there was one.
@inline(__always)
public func takeInterrupt() -> Bool {
    guard interruptRequested.load(ordering: .relaxed) else { return false }
    interruptRequested.store(false, ordering: .relaxed)
    return true
}
