/// The kinds of token the lexer produces.
public enum TokenKind: Equatable, Sendable {
    // Literals and names.
    case identifier
    /// An integer literal; `Token.text` holds its digits without `_`, and
    /// `radix` whether it was written in hex (16) or binary (2).
    case integer(radix: Int)
    case float(Double)
    /// A string literal; the parts are text and interpolated code.
    case string([StringPart])

    // Punctuation.
    case leftParen, rightParen, leftBracket, rightBracket, leftBrace, rightBrace
    case comma, dot, semicolon, colon, question
    case plus, minus, star, slash, slashSlash, percent, caret
    case dotStar, dotSlash
    case equal, equalEqual, bangEqual, less, lessEqual, greater, greaterEqual
    case plusEqual, minusEqual, starEqual, slashEqual
    case arrow          // =>
    case dotDot         // ..
    case dotDotLess     // ..<
    case questionQuestion // ??

    // Keywords.
    case kwLet, kwVar, kwFn, kwIf, kwElse, kwWhile, kwFor, kwIn
    case kwBreak, kwContinue, kwReturn, kwAnd, kwOr, kwNot
    case kwNil, kwTrue, kwFalse

    case newline
    case eof
}

/// A piece of a string literal: plain text, or the source of an
/// interpolation `\(expr)` with where that source starts.
public enum StringPart: Equatable, Sendable {
    case text(String)
    case code(String, line: Int, column: Int, offset: Int)
}

public struct Token: Sendable {
    public let kind: TokenKind
    /// The token's text as written (for strings, the raw source).
    public let text: String
    public let location: SourceLocation
    /// Whitespace (or a comment) directly precedes this token. Matrix
    /// literals use it: in `[1 -2]` the minus starts a new entry.
    public let spaceBefore: Bool

    public init(kind: TokenKind, text: String, location: SourceLocation, spaceBefore: Bool) {
        self.kind = kind
        self.text = text
        self.location = location
        self.spaceBefore = spaceBefore
    }
}

public let keywords: [String: TokenKind] = [
    "let": .kwLet, "var": .kwVar, "fn": .kwFn, "if": .kwIf, "else": .kwElse,
    "while": .kwWhile, "for": .kwFor, "in": .kwIn, "break": .kwBreak,
    "continue": .kwContinue, "return": .kwReturn, "and": .kwAnd, "or": .kwOr,
    "not": .kwNot, "nil": .kwNil, "true": .kwTrue, "false": .kwFalse,
]

extension TokenKind {
    /// How the token reads in an error message: `'+'`, `a number`, `end of input`.
    public var display: String {
        switch self {
        case .identifier: return "a name"
        case .integer, .float: return "a number"
        case .string: return "a string"
        case .newline: return "end of line"
        case .eof: return "end of input"
        default: return "'\(symbol)'"
        }
    }

    public var symbol: String {
        switch self {
        case .leftParen: return "("
        case .rightParen: return ")"
        case .leftBracket: return "["
        case .rightBracket: return "]"
        case .leftBrace: return "{"
        case .rightBrace: return "}"
        case .comma: return ","
        case .dot: return "."
        case .semicolon: return ";"
        case .colon: return ":"
        case .question: return "?"
        case .plus: return "+"
        case .minus: return "-"
        case .star: return "*"
        case .slash: return "/"
        case .slashSlash: return "//"
        case .percent: return "%"
        case .caret: return "^"
        case .dotStar: return ".*"
        case .dotSlash: return "./"
        case .equal: return "="
        case .equalEqual: return "=="
        case .bangEqual: return "!="
        case .less: return "<"
        case .lessEqual: return "<="
        case .greater: return ">"
        case .greaterEqual: return ">="
        case .plusEqual: return "+="
        case .minusEqual: return "-="
        case .starEqual: return "*="
        case .slashEqual: return "/="
        case .arrow: return "=>"
        case .dotDot: return ".."
        case .dotDotLess: return "..<"
        case .questionQuestion: return "??"
        case .kwLet: return "let"
        case .kwVar: return "var"
        case .kwFn: return "fn"
        case .kwIf: return "if"
        case .kwElse: return "else"
        case .kwWhile: return "while"
        case .kwFor: return "for"
        case .kwIn: return "in"
        case .kwBreak: return "break"
        case .kwContinue: return "continue"
        case .kwReturn: return "return"
        case .kwAnd: return "and"
        case .kwOr: return "or"
        case .kwNot: return "not"
        case .kwNil: return "nil"
        case .kwTrue: return "true"
        case .kwFalse: return "false"
        case .identifier: return "name"
        case .integer, .float: return "number"
        case .string: return "string"
        case .newline: return "newline"
        case .eof: return "end of input"
        }
    }
}
