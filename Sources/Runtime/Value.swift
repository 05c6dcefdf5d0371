import BigInt
import Engine

/// A value of the Pivot language.
///
/// Numbers form a tower: `int` (the Int64 fast path), `bigint` (exact, any
/// size; always outside Int's range), `rational` (exact, denominator > 1,
/// lowest terms) and `float` (Float64). Arithmetic keeps values in the
/// smallest exact case that holds them, so `bigint` never holds a small
/// number and `rational` never holds an integer.
///
/// Lists and records have value semantics: assigning one to another variable
/// copies it (lazily, copy-on-write), so a function can never change a list
/// its caller holds.
public enum Value {
    case `nil`
    case bool(Bool)
    case int(Int)
    case float(Double)
    indirect case bigint(BigInt)
    indirect case rational(Rational)
    case string(String)
    case list([Value])
    case record(Record)
    /// A matrix: exact (integers and rationals) or float (Float64).
    indirect case matrix(Matrix)
    /// An inclusive integer range `lo..hi` (empty when hi < lo).
    case range(Int, Int)
    case function(Closure)
    case builtin(Builtin)
    /// Engine values and other native objects (random streams, tasks, models...).
    case object(NativeObject)
    /// A captured variable's box. Only ever stored in a frame slot that the
    /// resolver marked as captured; never visible to programs.
    case cell(Cell)
}

/// A mutable box holding one captured variable (an "upvalue" in Lua's terms).
public final class Cell {
    public var value: Value
    public init(_ value: Value) { self.value = value }
}

/// A native value with a type name, fields and methods (`x.name`, `x.f(...)`).
public protocol NativeObject: AnyObject {
    /// The name `type(x)` returns.
    var typeName: String { get }
    /// Field or bound method `name`, or nil when there is none.
    func member(_ name: String, vm: Interpreter) throws(Unwind) -> Value?
    /// Names offered by tab completion after `x.`.
    var memberNames: [String] { get }
    /// The text the REPL shows.
    func display() -> String
    /// A fast path for `x.name(positional...)` that skips making a bound
    /// method; nil means "use `member`".
    func callMethod(_ name: String, _ positional: [Value], vm: Interpreter) throws(Unwind) -> Value?
}

extension NativeObject {
    public var memberNames: [String] { [] }
    public func callMethod(_ name: String, _ positional: [Value], vm: Interpreter) throws(Unwind) -> Value? { nil }
}

extension Value {
    /// The language-level type name, as `type(x)` returns it.
    public var typeName: String {
        switch self {
        case .nil: return "nil"
        case .bool: return "bool"
        case .int, .bigint: return "int"
        case .rational: return "rational"
        case .float: return "float"
        case .string: return "string"
        case .list: return "list"
        case .record: return "record"
        case .range: return "range"
        case .matrix: return "matrix"
        case .function, .builtin: return "function"
        case .object(let o): return o.typeName
        case .cell(let c): return c.value.typeName
        }
    }

    /// Makes an exact integer value, in the Int fast path when it fits.
    public init(_ big: BigInt) {
        if let small = Int(exactly: big) { self = .int(small) } else { self = .bigint(big) }
    }

    /// Makes an exact number value from a rational, as an integer when the
    /// denominator is 1.
    public init(_ q: Rational) {
        if q.denominator == 1 { self.init(q.numerator) } else { self = .rational(q) }
    }

    public var isNil: Bool { if case .nil = self { return true } else { return false } }
}
