import Lang

/// A runtime error: a message, where it happened, and the calls that led
/// there (innermost first). Errors are data; `Diagnostic` renders them.
public final class RuntimeError: Error {
    public let message: String
    /// The expression that failed; nil until the nearest node that knows its
    /// location fills it in (builtins throw without one).
    public var location: SourceLocation?
    /// The function calls active when the error happened, innermost first.
    public var trace: [TraceEntry] = []
    /// Calls left out of `trace` (deep recursion keeps only the innermost).
    public var omittedCalls = 0
    static let maxTrace = 12

    func addTrace(_ entry: TraceEntry) {
        // Deep recursion repeats one entry thousands of times: count instead.
        if let last = trace.last, last.function == entry.function,
           last.callSite.offset == entry.callSite.offset, last.callSite.file === entry.callSite.file {
            trace[trace.count - 1].repeats += 1
        } else if trace.count < RuntimeError.maxTrace {
            trace.append(entry)
        } else {
            omittedCalls += 1
        }
    }

    public init(_ message: String, at location: SourceLocation? = nil) {
        self.message = message
        self.location = location
    }

    public struct TraceEntry {
        /// The function that was running.
        public let function: String
        /// Where it was called from.
        public let callSite: SourceLocation
        /// How many times in a row this same call appears (recursion).
        public var repeats = 1
    }
}

/// Everything that leaves an expression other than its value: errors, and
/// the control flow of `break`, `continue` and `return`. The interpreter uses
/// typed throws so that none of these allocates.
public enum Unwind: Error {
    case error(RuntimeError)
    case breakLoop
    case continueLoop
    case returnValue(Value)
}

/// Shorthand for builtins: `throw fail("len: expected ...")`.
@inline(never)
public func fail(_ message: String) -> Unwind {
    .error(RuntimeError(message))
}
