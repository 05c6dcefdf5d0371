import Engine
import Foundation
import Lang
import Synchronization

/// Runs resolved programs. One value stack holds every frame's slots (as in
/// clox), so a call allocates nothing; globals live in an array indexed by
/// slot numbers the resolver assigns.
public final class Interpreter {
    /// The value stack. Fixed capacity: the pointer never moves.
    let stack: UnsafeMutablePointer<Value>
    let capacity: Int
    /// First slot of the running frame.
    var base = 0
    /// First free slot.
    var top = 0
    /// Slots below this are initialised (to nil when unused): frames are
    /// pushed without initialising and popped by storing nil.
    var initializedTop = 0
    /// The running closure (a placeholder at top level).
    unowned(unsafe) var closure: Closure
    let topLevelClosure: Closure

    var globals = GlobalStore()
    var builtinList: [Builtin] = []
    var builtinsByName: [String: Builtin] = [:]
    var builtinGroupTitles: [(title: String, names: [String])] = []
    /// Name -> global slot, and what the resolver must know of each global.
    var globalIndex: [String: Int] = [:]
    var globalInfo: [GlobalInfo] = []

    var depth = 0
    /// Where the running builtin was called from: callbacks it makes get it
    /// as their call site.
    var builtinCallSite: SourceLocation?
    /// Calls nested deeper than this raise "stack overflow". The evaluator
    /// runs on a thread whose stack holds this many (see `runOnLargeStack`).
    public var maxDepth = 50_000

    /// Longest list a range may be turned into.
    public static let maxSequence = 100_000_000

    /// Where `print` writes (tests capture it).
    public var output: (String) -> Void = { text in
        FileHandle.standardOutput.write(text.data(using: .utf8)!)
    }

    /// Set while a notebook runs (`pivot replay`, `pivot run` of a notebook,
    /// the REPL's recording): `plot(...)` calls it with a function that
    /// writes the plot as a PNG to a path (returning an error message or
    /// nil). The recorder picks the path beside the notebook and prints the
    /// `plot: PATH.png` line that the notebook keeps as `# => plot: PATH.png`.
    public var plotRecorder: ((_ writePNG: (String) -> String?) -> Void)? = nil

    struct GlobalInfo {
        let name: String
        var kind: BindingKind
        var isBuiltin: Bool
    }

    /// Marks a global slot that has no value yet.
    static let undefinedMarker = Value.cell(Cell(.nil))

    /// The lowest native stack address calls may reach: a Pivot call's
    /// native frames vary with how deeply its body nests, so the call depth
    /// alone cannot keep the thread's stack from overflowing.
    var nativeStackLimit: UInt = 0

    /// Sets the native stack limit for the thread that will run programs,
    /// keeping a margin for builtins and error handling below the last call.
    /// `runOnLargeStack` records its thread's bounds; other threads are
    /// assumed to have three quarters of their stack size left (8 MiB when
    /// Foundation does not say).
    public func bindToCurrentThread() {
        let here = currentStackAddress()
        if let low = Thread.current.threadDictionary[largeStackLowKey] as? UInt {
            nativeStackLimit = low
            return
        }
        let size = UInt(max(Thread.current.stackSize, 0))
        let usable = (size > 0 ? size : 8 << 20) / 4 * 3
        nativeStackLimit = here > usable ? here - usable : 0
    }

    public init(stackSlots: Int = 1 << 20) {
        capacity = stackSlots
        stack = UnsafeMutablePointer<Value>.allocate(capacity: stackSlots)
        let proto = FunctionProto(name: "<top level>", parameterNames: [], defaults: [],
                                  body: BlockNode([], hasValue: false, SourceLocation(file: SourceFile(name: "<none>", text: ""), line: 1, column: 1, offset: 0)),
                                  frameSize: 0, capturedParameters: [],
                                  location: SourceLocation(file: SourceFile(name: "<none>", text: ""), line: 1, column: 1, offset: 0))
        topLevelClosure = Closure(proto: proto, captures: [])
        closure = topLevelClosure
        bindToCurrentThread()
        registerBuiltins()
    }

    deinit {
        stack.deinitialize(count: initializedTop)
        stack.deallocate()
        globals.release()
    }

    // MARK: - Globals

    /// Defines (or redefines) a global and returns its slot.
    @discardableResult
    public func defineGlobal(_ name: String, _ value: Value, mutable: Bool = false, builtin: Bool = false) -> Int {
        let index = reserveGlobal(name, kind: mutable ? .varBinding : .letBinding)
        globals[index] = value
        globalInfo[index].isBuiltin = builtin
        return index
    }

    func reserveGlobal(_ name: String, kind: BindingKind) -> Int {
        if let index = globalIndex[name] {
            globalInfo[index].kind = kind
            globalInfo[index].isBuiltin = false
            return index
        }
        let index = globals.count
        globals.append(Interpreter.undefinedMarker)
        globalInfo.append(GlobalInfo(name: name, kind: kind, isBuiltin: false))
        globalIndex[name] = index
        return index
    }

    /// The value of a defined global.
    public func global(_ name: String) -> Value? {
        guard let index = globalIndex[name] else { return nil }
        if case .cell = globals[index] { return nil }
        return globals[index]
    }

    /// Whether a global is one of the builtins (not defined by the user).
    func isBuiltinGlobal(_ name: String) -> Bool {
        guard let index = globalIndex[name] else { return false }
        return globalInfo[index].isBuiltin
    }

    /// Names of all defined globals (for completion and "did you mean").
    public var globalNames: [String] {
        globalIndex.keys.filter { global($0) != nil }.sorted()
    }

    // MARK: - Errors

    @inline(never)
    func error(_ message: String, at location: SourceLocation) -> Unwind {
        .error(RuntimeError(message, at: location))
    }

    @inline(__always)
    func checkInterrupt(at location: SourceLocation) throws(Unwind) {
        if takeInterruptUnlessDeferred() { throw error("interrupted", at: location) }
    }

    // MARK: - Calls

    /// Reserves a frame of `size` slots above the stack top, initialised to nil.
    @inline(__always)
    func pushFrame(_ size: Int, site: Node) throws(Unwind) -> Int {
        let newBase = top
        guard depth < maxDepth, newBase &+ size <= capacity, nativeStackAvailable() else {
            throw stackOverflow(at: site.location)
        }
        let newTop = newBase &+ size
        if newTop > initializedTop {
            // Grow the initialised region in chunks, so this is rare.
            let grown = Swift.min(capacity, Swift.max(newTop, initializedTop &+ 4096))
            (stack + initializedTop).initialize(repeating: .nil, count: grown &- initializedTop)
            initializedTop = grown
        }
        top = newTop
        return newBase
    }

    /// Whether the native stack has room for another call.
    @inline(__always)
    func nativeStackAvailable() -> Bool {
        currentStackAddress() > nativeStackLimit
    }

    @inline(never)
    func stackOverflow(at location: SourceLocation) -> Unwind {
        error("stack overflow (depth \(depth))", at: location)
    }

    @inline(__always)
    func popFrame(_ frameBase: Int) {
        var i = frameBase
        while i < top {
            stack[i] = .nil
            i &+= 1
        }
        top = frameBase
    }

    /// Runs a closure whose arguments are already in the frame at `frameBase`.
    @inline(__always)
    func invoke(_ callee: Closure, frameBase: Int, site: Node) throws(Unwind) -> Value {
        let proto = callee.proto
        let savedBase = base
        // The caller keeps its closure alive; no need to retain it here.
        unowned(unsafe) let savedClosure = closure
        base = frameBase
        closure = callee
        depth &+= 1
        defer {
            depth &-= 1
            base = savedBase
            closure = savedClosure
            popFrame(frameBase)
        }
        if interruptRequested.load(ordering: .relaxed) { try checkInterrupt(at: site.location) }
        if proto.hasCapturedParameters {
            for slot in proto.capturedParameters {
                // A default value's closure may have boxed it already.
                if case .cell = stack[frameBase &+ slot] { continue }
                stack[frameBase &+ slot] = .cell(Cell(stack[frameBase &+ slot]))
            }
        }
        do {
            return try proto.body.eval(self)
        } catch {
            switch error {
            case .returnValue(let v): return v
            case .error(let e):
                e.addTrace(RuntimeError.TraceEntry(function: proto.displayName, callSite: site.location))
                throw error
            default:
                throw error
            }
        }
    }

    /// Calls any callable value with evaluated arguments (used by builtins
    /// such as `map` and `sort`, and by method calls).
    public func call(_ callee: Value, _ positional: [Value], named: [(String, Value)] = [],
                     at location: SourceLocation? = nil) throws(Unwind) -> Value {
        switch callee {
        case .function(let c):
            // A builtin calling back (map, sort(key:)) reports its own call site.
            let site = LocatedSite(location ?? builtinCallSite ?? closure.proto.location)
            let frameBase = try pushFrame(c.proto.frameSize, site: site)
            do {
                try bindArguments(c, positional, named, frameBase: frameBase)
            } catch {
                popFrame(frameBase)
                throw error
            }
            return try invoke(c, frameBase: frameBase, site: site)
        case .builtin(let b):
            let saved = builtinCallSite
            if let location { builtinCallSite = location }
            defer { builtinCallSite = saved }
            var args = try b.bind(positional, named, vm: self)
            return try b.body(&args)
        case .object(let o as CallableObject):
            return try o.call(positional, named, vm: self)
        default:
            throw fail("cannot call \(callee.typeName)")
        }
    }

    /// Puts arguments into parameter slots, filling defaults; checks arity and names.
    func bindArguments(_ callee: Closure, _ positional: [Value], _ named: [(String, Value)],
                       frameBase: Int) throws(Unwind) {
        let proto = callee.proto
        let count = proto.parameterNames.count
        if positional.count > count {
            throw fail("\(proto.displayName) takes \(count) argument\(count == 1 ? "" : "s"), got \(positional.count)")
        }
        var filled = [Bool](repeating: false, count: count)
        for (i, v) in positional.enumerated() {
            stack[frameBase + i] = v
            filled[i] = true
        }
        for (label, v) in named {
            guard let i = proto.parameterNames.firstIndex(of: label) else {
                var message = "\(proto.displayName) has no parameter '\(label)'"
                if let guess = closestName(to: label, in: proto.parameterNames) { message += "; did you mean '\(guess)'?" }
                throw fail(message)
            }
            if filled[i] { throw fail("\(proto.displayName): argument '\(label)' given twice") }
            stack[frameBase + i] = v
            filled[i] = true
        }
        for i in 0..<count where !filled[i] {
            guard let defaultNode = proto.defaults[i] else {
                throw fail("\(proto.displayName) is missing argument '\(proto.parameterNames[i])'")
            }
            // Defaults run in the callee's frame so they can use earlier
            // parameters, and count as a call level (`fn f(x = f())`).
            guard depth < maxDepth, nativeStackAvailable() else { throw fail("stack overflow (depth \(depth))") }
            let savedBase = base
            unowned(unsafe) let savedClosure = closure
            base = frameBase
            closure = callee
            depth &+= 1
            defer { base = savedBase; closure = savedClosure; depth &-= 1 }
            stack[frameBase + i] = try defaultNode.eval(self)
        }
    }

    // MARK: - Matrices

    /// Builds a matrix from literal entries (numbers, or matrices as blocks).
    func makeMatrix(_ rows: [[Value]], at location: SourceLocation) throws(Unwind) -> Value {
        do {
            return try MatrixValues.fromRows(rows)
        } catch {
            if case .error(let e) = error, e.location == nil { e.location = location }
            throw error
        }
    }
}

/// Where the thread dictionary keeps the lowest stack address calls may use.
let largeStackLowKey = "pivot.nativeStackLow"

/// An address in the caller's stack frame (stacks grow down).
@inline(__always)
func currentStackAddress() -> UInt {
    var marker: UInt8 = 0
    return withUnsafeMutablePointer(to: &marker) { UInt(bitPattern: $0) }
}
