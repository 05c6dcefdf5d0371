import Synchronization

/// Set by the SIGINT handler (Ctrl-C). The evaluator polls it at loop
/// back-edges and calls; long engine work (elimination on big exact
/// matrices, training) polls it too and stops with `EngineError.interrupted`.
/// Whoever acts on it clears it. A signal handler may do nothing else.
public let interruptRequested = Atomic<Bool>(false)

/// Ctrl-C presses not yet acted on (the signal handler counts them).
public let interruptPresses = Atomic<Int>(0)

/// Nonzero while a training step runs: code the step calls (rewards, task
/// functions) leaves a single Ctrl-C to the step boundary, so the run stops
/// whole and resumable; a second Ctrl-C stops it where it is.
public let interruptsDeferred = Atomic<Int>(0)

/// What the SIGINT handler does (lock-free atomics only).
@inline(__always)
public func recordInterrupt() {
    interruptPresses.add(1, ordering: .relaxed)
    interruptRequested.store(true, ordering: .relaxed)
}

/// Clears a pending interrupt and reports whether there was one.
@inline(__always)
public func takeInterrupt() -> Bool {
    guard interruptRequested.load(ordering: .relaxed) else { return false }
    interruptRequested.store(false, ordering: .relaxed)
    interruptPresses.store(0, ordering: .relaxed)
    return true
}

/// For code inside a step (the evaluator, regex matching): takes a pending
/// interrupt unless a step defers it and it was pressed only once.
@inline(__always)
public func takeInterruptUnlessDeferred() -> Bool {
    guard interruptRequested.load(ordering: .relaxed) else { return false }
    if interruptsDeferred.load(ordering: .relaxed) > 0 && interruptPresses.load(ordering: .relaxed) < 2 { return false }
    return takeInterrupt()
}

/// Runs `body` with single interrupts deferred to its end.
@inline(__always)
public func deferringInterrupts<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
    interruptsDeferred.add(1, ordering: .relaxed)
    defer { interruptsDeferred.subtract(1, ordering: .relaxed) }
    return try body()
}
