/// Errors raised by engine code. The engine throws; the front end formats.
public enum EngineError: Error, Equatable, Sendable {
    case divisionByZero
    /// A result would be too large to hold (e.g. an exponent with millions of digits).
    case tooLarge(String)
    case invalidArgument(String)

    public var message: String {
        switch self {
        case .divisionByZero: return "division by zero"
        case .tooLarge(let what): return "result too large: \(what)"
        case .invalidArgument(let what): return what
        }
    }
}
