import Foundation
import Lang

/// What running a piece of source gives.
public struct RunResult {
    /// The value of the last statement when it is an expression not ended
    /// by ';' (what the REPL and `-e` print); nil otherwise.
    public var value: Value?
    /// Syntax, resolve or runtime errors; empty on success.
    public var diagnostics: [Diagnostic]

    public var succeeded: Bool { diagnostics.isEmpty }
}

extension Interpreter {
    /// Parses, resolves and runs `file` in this interpreter's global scope.
    public func run(_ file: SourceFile) -> RunResult {
        let (program, syntaxErrors) = Parser.parse(file)
        if !syntaxErrors.isEmpty { return RunResult(value: nil, diagnostics: syntaxErrors) }
        return run(program)
    }

    /// Resolves and runs a parsed program.
    public func run(_ program: Program) -> RunResult {
        let savedIndex = globalIndex
        let savedCount = globals.count
        var resolver = Resolver(vm: self)
        let (node, frameSize) = resolver.resolve(program)
        if !resolver.diagnostics.isEmpty {
            // Forget the names this program would have declared.
            globalIndex = savedIndex
            globals.truncate(to: savedCount)
            globalInfo.removeSubrange(savedCount...)
            return RunResult(value: nil, diagnostics: resolver.diagnostics)
        }
        let result: Value
        do {
            result = try runTopLevel(node, frameSize: frameSize)
        } catch {
            return RunResult(value: nil, diagnostics: [diagnostic(for: error, in: program.file)])
        }
        var shown: Value?
        if let last = program.statements.last, case .expr(_, let silent) = last.kind, !silent {
            shown = result
        }
        return RunResult(value: shown, diagnostics: [])
    }

    func runTopLevel(_ node: BlockNode, frameSize: Int) throws(Unwind) -> Value {
        let savedBase = base, savedTop = top, savedDepth = depth
        let frameBase = try pushFrame(frameSize, site: node)
        base = frameBase
        closure = topLevelClosure
        defer {
            popFrame(frameBase)
            base = savedBase
            top = savedTop
            depth = savedDepth
        }
        return try node.eval(self)
    }

    /// Turns what escaped a program into a diagnostic with a call trace.
    func diagnostic(for unwind: Unwind, in file: SourceFile) -> Diagnostic {
        switch unwind {
        case .error(let e):
            var notes: [String] = []
            for entry in e.trace {
                let times = entry.repeats > 1 ? " (\(entry.repeats) times)" : ""
                notes.append("  in \(entry.function), called at \(entry.callSite)\(times)")
            }
            if e.omittedCalls > 0 { notes.append("  ... and \(e.omittedCalls) more calls") }
            return Diagnostic(.runtime, e.message, at: e.location, notes: notes)
        case .breakLoop, .continueLoop:
            return Diagnostic(.runtime, "'break' or 'continue' outside a loop", at: nil)
        case .returnValue:
            return Diagnostic(.runtime, "'return' outside a function", at: nil)
        }
    }
}

/// Runs `body` on a thread with a large stack, so deep recursion in Pivot
/// programs (10,000 calls and more) fits, and waits for it.
public func runOnLargeStack<T>(stackSize: Int = 4 << 30, _ body: @escaping () -> T) -> T {
    // A pthread of our own: Foundation's Thread quietly caps its stack size,
    // and the limit below must be the real one.
    let box = ResultBox(body, stackSize: stackSize)
    var attributes = pthread_attr_t()
    pthread_attr_init(&attributes)
    defer { pthread_attr_destroy(&attributes) }
    var thread = pthread_t()
    let context = Unmanaged.passRetained(box).toOpaque()
    let started = pthread_attr_setstacksize(&attributes, stackSize) == 0
        && pthread_create(&thread, &attributes, { context in
            guard let context else { return nil }
            (Unmanaged<AnyObject>.fromOpaque(context).takeRetainedValue() as? RunnableBox)?.runHere()
            return nil
        }, context) == 0
    if !started {
        // No thread (a limit on threads or memory): run here, with the
        // depth limit as the only guard.
        Unmanaged<ResultBox<T>>.fromOpaque(context).release()
        return body()
    }
    pthread_join(thread, nil)
    return box.value!
}

private protocol RunnableBox: AnyObject {
    func runHere()
}

private final class ResultBox<T>: RunnableBox, @unchecked Sendable {
    var value: T?
    let body: () -> T
    let stackSize: Int
    init(_ body: @escaping () -> T, stackSize: Int) {
        self.body = body
        self.stackSize = stackSize
    }

    func runHere() {
        // Leave 64 MiB below the last Pivot call for builtins and unwinding.
        let here = currentStackAddress()
        let usable = UInt(stackSize) - min(UInt(64 << 20), UInt(stackSize) / 4)
        Thread.current.threadDictionary[largeStackLowKey] = here > usable ? here - usable : 0
        value = body()
    }
}
