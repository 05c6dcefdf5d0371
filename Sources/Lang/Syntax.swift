/// The syntax tree the parser builds. Every node carries its location.
/// Statements and expressions are separate: `let`, `while`, `for` have no
/// value; `if` and blocks are expressions (a block's value is its last
/// expression statement).

public struct Expr: @unchecked Sendable {
    public let kind: Kind
    public let location: SourceLocation

    public init(_ kind: Kind, _ location: SourceLocation) {
        self.kind = kind
        self.location = location
    }

    public indirect enum Kind {
        case nilLiteral
        case bool(Bool)
        /// Digits in the given radix; the runtime makes an exact integer.
        case integer(String, radix: Int)
        case float(Double)
        case string(String)
        /// `"a \(x) b"`: text and expressions, concatenated.
        case interpolated([Interpolation])
        case name(String)
        case list([Expr])
        /// `[1 2; 3 4]`: rows of entries.
        case matrix([[Expr]])
        case record([RecordField])
        case unary(UnaryOp, Expr)
        case binary(BinaryOp, Expr, Expr)
        /// `and`, `or`, `??`: the right side runs only when needed.
        case logical(LogicalOp, Expr, Expr)
        /// `lo..hi` (inclusive) or `lo..<hi`.
        case range(Expr, Expr, inclusive: Bool)
        case call(Expr, [Argument])
        case index(Expr, [Subscript])
        case field(Expr, String)
        case function(FunctionDecl)
        case ifElse(condition: Expr, then: Block, else: Expr?)
        case block(Block)
    }
}

public enum Interpolation {
    case text(String)
    case expr(Expr)
}

public struct RecordField {
    public let name: String
    public let value: Expr
    public let location: SourceLocation
}

/// A call argument, positional (`label` nil) or named (`seed: 7`).
public struct Argument {
    public let label: String?
    public let value: Expr
    public let location: SourceLocation
}

/// One subscript of `x[...]`: an index, or a slice `a:b` with optional ends.
public enum Subscript {
    case index(Expr)
    case slice(Expr?, Expr?, SourceLocation)
}

public enum UnaryOp: String { case negate = "-", not = "not", plus = "+" }

public enum BinaryOp: String {
    case add = "+", subtract = "-", multiply = "*", divide = "/", floorDivide = "//"
    case modulo = "%", power = "^", elementMultiply = ".*", elementDivide = "./"
    case equal = "==", notEqual = "!=", less = "<", lessEqual = "<=", greater = ">", greaterEqual = ">="
}

public enum LogicalOp: String { case and = "and", or = "or", coalesce = "??" }

public struct Parameter {
    public let name: String
    public let defaultValue: Expr?
    public let location: SourceLocation
}

public final class FunctionDecl {
    /// nil for anonymous functions.
    public let name: String?
    public let parameters: [Parameter]
    public let body: Block
    public let location: SourceLocation

    public init(name: String?, parameters: [Parameter], body: Block, location: SourceLocation) {
        self.name = name
        self.parameters = parameters
        self.body = body
        self.location = location
    }
}

public struct Block {
    public let statements: [Stmt]
    public let location: SourceLocation
}

public struct Stmt {
    public let kind: Kind
    public let location: SourceLocation

    public init(_ kind: Kind, _ location: SourceLocation) {
        self.kind = kind
        self.location = location
    }

    public enum Kind {
        /// An expression statement. `silent` is set by a trailing `;`: the
        /// REPL does not print its value.
        case expr(Expr, silent: Bool)
        case declare(name: String, mutable: Bool, value: Expr, nameLocation: SourceLocation)
        case function(FunctionDecl)
        /// `target = value` or `target op= value`; target is a name, index or field.
        case assign(target: Expr, op: BinaryOp?, value: Expr)
        case whileLoop(condition: Expr, body: Block)
        case forLoop(variable: String, variableLocation: SourceLocation, iterable: Expr, body: Block)
        case breakLoop
        case continueLoop
        case returnValue(Expr?)
    }
}

/// A parsed file or REPL entry.
public struct Program {
    public let statements: [Stmt]
    public let file: SourceFile
}
