/// Why a completion did not parse as a matrix, vector or number. Errors are
/// data: the parser returns them, and `message` renders them once.
///
/// Entry positions are 0-based `(row, column)`, as `A[i, j]` indexes; row
/// counts in `raggedRows` are 1-based, as a person counts rows. Text
/// positions are `line:column`, both 1-based, columns counted in Unicode
/// scalars.
public enum CompletionParseError: Error, Equatable, Sendable {
    /// No bracket group, LaTeX matrix environment or number in the text.
    case noMatrix
    case noNumber
    /// A matrix with no entries (`[]`, `[[]]`, an empty `bmatrix`).
    case empty
    /// Rows of different lengths (rows 1-based).
    case raggedRows(row: Int, count: Int, firstCount: Int)
    case divisionByZero(entry: EntryPosition)
    /// nan, inf, or a float that overflowed.
    case notFinite(entry: EntryPosition, what: String)
    /// A literal with more digits than `CompletionParser.maxDigits`.
    case tooManyDigits(entry: EntryPosition)
    /// An exact value whose numerator or denominator outgrew `CompletionParser.maxBits`.
    case tooLarge(entry: EntryPosition)
    /// Parentheses, braces or `\frac` nested deeper than `CompletionParser.maxParenthesisDepth`.
    case parenthesesTooDeep(entry: EntryPosition)
    /// Brackets nested deeper than a matrix needs.
    case bracketsTooDeep(at: TextPosition)
    /// An opening `[`, `(`, `{` or `\begin{...}` without its close.
    case unterminated(String, at: TextPosition)
    /// An ASCII character or word that cannot appear where it does.
    case unexpected(String, at: TextPosition)
    /// A non-ASCII character (a look-alike such as a fullwidth digit or an en dash).
    case unexpectedCharacter(Unicode.Scalar, at: TextPosition)
    /// Two separators in a row (`[1, , 2]`) or a separator where an entry must be.
    case missingEntry(at: TextPosition)
    /// A nested list whose items are not all rows (`[[1, 2], 3]`).
    case mixedNesting(at: TextPosition)
    /// Three levels of brackets around more than one matrix.
    case notAMatrix(items: Int)
    /// `parseVector` got a matrix with more than one row and column.
    case notAVector(rows: Int, cols: Int)
    /// `parseNumber` got a vector or matrix-shaped run, or a number followed by more.
    case notANumber(String)

    public var message: String {
        switch self {
        case .noMatrix: return "no matrix found"
        case .noNumber: return "no number found"
        case .empty: return "empty matrix"
        case .raggedRows(let row, let count, let firstCount):
            return "row \(row) has \(count) \(count == 1 ? "entry" : "entries"), row 1 has \(firstCount)"
        case .divisionByZero(let entry): return "division by zero in \(entry)"
        case .notFinite(let entry, let what):
            return entry == .standalone ? "not a finite number (\(what))" : "\(entry) is not a finite number (\(what))"
        case .tooManyDigits(let entry):
            return "a number in \(entry) has more than \(CompletionParser.maxDigits) digits"
        case .tooLarge(let entry):
            return "\(entry) is too large (more than \(CompletionParser.maxBits) bits)"
        case .parenthesesTooDeep(let entry):
            return "parentheses nested more than \(CompletionParser.maxParenthesisDepth) deep in \(entry)"
        case .bracketsTooDeep(let at):
            return "brackets nested more than \(CompletionParser.maxBracketDepth) deep at \(at)"
        case .unterminated(let what, let at): return "unterminated '\(what)' at \(at)"
        case .unexpected(let what, let at): return "unexpected '\(what)' at \(at)"
        case .unexpectedCharacter(let scalar, let at):
            let code = String(scalar.value, radix: 16, uppercase: true)
            let padded = String(repeating: "0", count: max(0, 4 - code.count)) + code
            let name = (scalar.properties.name ?? scalar.properties.nameAlias).map { " " + $0 } ?? ""
            // Invisible characters (NUL, a zero-width space) are shown only by code and name.
            let invisible: Set<Unicode.GeneralCategory> = [.control, .format, .spaceSeparator, .lineSeparator,
                                                            .paragraphSeparator, .surrogate, .privateUse, .unassigned]
            let shown = invisible.contains(scalar.properties.generalCategory) ? "" : "'\(scalar)' "
            return "unexpected character \(shown)(U+\(padded)\(name)) at \(at)"
        case .missingEntry(let at): return "missing entry at \(at)"
        case .mixedNesting(let at): return "a row must be a list: found a number beside rows at \(at)"
        case .notAMatrix(let items): return "three levels of brackets hold \(items) matrices, not one"
        case .notAVector(let rows, let cols): return "expected a vector (one row or one column), got a \(rows)×\(cols) matrix"
        case .notANumber(let what): return "expected one number, got \(what)"
        }
    }
}

/// A matrix entry's place, 0-based: "entry (0, 1)". Numbers parsed alone
/// (`parseNumber`) have no place and read "the number".
public struct EntryPosition: Equatable, Sendable, CustomStringConvertible {
    public let row: Int
    public let column: Int
    public static let standalone = EntryPosition(row: -1, column: -1)

    public init(row: Int, column: Int) {
        self.row = row
        self.column = column
    }

    public var description: String { row < 0 ? "the number" : "entry (\(row), \(column))" }
}

/// A place in the text, 1-based line and column (columns in Unicode scalars).
public struct TextPosition: Equatable, Sendable, CustomStringConvertible {
    public let line: Int
    public let column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public var description: String { "\(line):\(column)" }
}
