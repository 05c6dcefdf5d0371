/// Errors raised by engine code. The engine throws; the front end formats.
public enum EngineError: Error, Equatable, Sendable {
    case divisionByZero
    /// A result would be too large to hold (e.g. an exponent with millions of digits).
    case tooLarge(String)
    case invalidArgument(String)
    /// Operands whose shapes do not fit ("cannot multiply 2×3 by 2×3").
    case shapeMismatch(String)
    /// A square matrix without an inverse.
    case singular(rank: Int, size: Int)
    /// An operation that needs a square matrix got another shape.
    case notSquare(operation: String, rows: Int, cols: Int)
    /// A LAPACK routine failed to converge or reported an error.
    case numerical(String)
    /// Ctrl-C stopped the work.
    case interrupted

    public var message: String {
        switch self {
        case .divisionByZero: return "division by zero"
        case .tooLarge(let what): return "result too large: \(what)"
        case .invalidArgument(let what): return what
        case .shapeMismatch(let what): return what
        case .singular(let rank, let size): return "matrix is singular (rank \(rank) of \(size))"
        case .notSquare(let operation, let rows, let cols):
            return "\(operation) needs a square matrix, got \(rows)×\(cols)"
        case .numerical(let what): return what
        case .interrupted: return "interrupted"
        }
    }
}
