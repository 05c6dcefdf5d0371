/// A recursive-descent parser with Pratt (precedence-climbing) expressions.
/// Each grammar rule is named in a comment above the method that parses it.
/// On a syntax error it records a diagnostic, skips to the end of the
/// statement and goes on, so one run reports several errors.
public struct Parser {
    var tokens: [Token]
    var current = 0
    let file: SourceFile
    public private(set) var diagnostics: [Diagnostic] = []

    /// Inside ( ), [ ] and record { } newlines are blanks; in blocks they end
    /// statements.
    var ignoreNewlines = false
    /// Parsing an entry of a bracket literal, where `[1 -2]` and `[a (b)]`
    /// hold two entries (MATLAB's rule: a space before and none after a
    /// sign, or a space before a bracket, starts a new entry).
    var inBracketLiteral = false
    var depth = 0
    /// Deeper nesting is a syntax error rather than a stack overflow.
    public static let maxDepth = 1000
    static let maxErrors = 20

    struct Failure: Error {}

    public init(file: SourceFile) {
        self.file = file
        var lexer = Lexer(file: file)
        self.tokens = lexer.tokenize()
        self.diagnostics = lexer.diagnostics
    }

    init(tokens: [Token], file: SourceFile) {
        self.tokens = tokens
        self.file = file
    }

    /// Parses a whole file or REPL entry. Errors are in `diagnostics`.
    public mutating func parseProgram() -> Program {
        var statements: [Stmt] = []
        skipTerminators()
        while !check(.eof) {
            if diagnostics.count >= Parser.maxErrors { break }
            do {
                let stmt = try statement()
                try endOfStatement()
                statements.append(stmt)
            } catch {
                synchronize()
            }
            skipTerminators()
        }
        return Program(statements: statements, file: file)
    }

    /// Parses `source` as one program; throws the diagnostics when there are any.
    public static func parse(_ file: SourceFile) -> (Program, [Diagnostic]) {
        var parser = Parser(file: file)
        let program = parser.parseProgram()
        return (program, parser.diagnostics)
    }

    // MARK: - Tokens

    var peekToken: Token {
        var i = current
        if ignoreNewlines { while case .newline = tokens[i].kind { i += 1 } }
        return tokens[i]
    }

    var peekKind: TokenKind { peekToken.kind }

    /// The token after the next one (newlines skipped as `peek` does).
    var peekSecond: Token {
        var i = current
        if ignoreNewlines { while case .newline = tokens[i].kind { i += 1 } }
        if case .eof = tokens[i].kind { return tokens[i] }
        i += 1
        if ignoreNewlines { while case .newline = tokens[i].kind { i += 1 } }
        return tokens[i]
    }

    @discardableResult
    mutating func advance() -> Token {
        if ignoreNewlines { while case .newline = tokens[current].kind { current += 1 } }
        let token = tokens[current]
        if case .eof = token.kind { return token }
        current += 1
        return token
    }

    func check(_ kind: TokenKind) -> Bool { sameKind(peekKind, kind) }

    func sameKind(_ a: TokenKind, _ b: TokenKind) -> Bool {
        switch (a, b) {
        case (.integer, .integer), (.float, .float), (.string, .string): return true
        default: return a == b
        }
    }

    mutating func match(_ kind: TokenKind) -> Bool {
        if check(kind) { advance(); return true }
        return false
    }

    mutating func expect(_ kind: TokenKind, _ what: String) throws -> Token {
        if check(kind) { return advance() }
        throw error(what)
    }

    mutating func skipNewlines() {
        while case .newline = tokens[current].kind { current += 1 }
    }

    mutating func skipTerminators() {
        while true {
            switch tokens[current].kind {
            case .newline, .semicolon: current += 1
            default: return
            }
        }
    }

    /// Records an error at the next token, saying what was found.
    mutating func error(_ expected: String, at token: Token? = nil) -> Failure {
        let token = token ?? peekToken
        var found = token.kind.display
        if case .identifier = token.kind { found = "'\(token.text)'" }
        if case .integer = token.kind { found = "'\(token.text)'" }
        let message = expected.isEmpty ? "unexpected \(found)" : "expected \(expected), found \(found)"
        return report(message, at: token)
    }

    mutating func report(_ message: String, at token: Token) -> Failure {
        let atEnd: Bool
        if case .eof = token.kind { atEnd = true } else { atEnd = false }
        diagnostics.append(Diagnostic(.syntax, message, at: token.location, atEndOfInput: atEnd))
        return Failure()
    }

    /// Panic mode: skip to the start of the next statement.
    mutating func synchronize() {
        ignoreNewlines = false
        inBracketLiteral = false
        depth = 0
        while true {
            switch tokens[current].kind {
            case .eof: return
            case .newline, .semicolon: return
            default: current += 1
            }
        }
    }

    /// After a statement: a newline, ';', '}' or the end.
    mutating func endOfStatement() throws {
        switch tokens[current].kind {
        case .newline, .semicolon, .eof, .rightBrace: return
        default: throw error("end of statement (a newline or ';')", at: tokens[current])
        }
    }

    mutating func enter() throws {
        depth += 1
        if depth > Parser.maxDepth {
            throw report("program nested too deeply (more than \(Parser.maxDepth) levels)", at: peekToken)
        }
    }

    // MARK: - Statements

    /// statement: letDecl | fnDecl | whileStmt | forStmt | 'break' | 'continue'
    ///          | returnStmt | assignment | expression
    mutating func statement() throws -> Stmt {
        let token = peekToken
        switch token.kind {
        case .kwLet, .kwVar: return try declaration()
        case .kwFn:
            if case .identifier = peekSecond.kind { return try functionDeclaration() }
        case .kwWhile: return try whileStatement()
        case .kwFor: return try forStatement()
        case .kwBreak: advance(); return Stmt(.breakLoop, token.location)
        case .kwContinue: advance(); return Stmt(.continueLoop, token.location)
        case .kwReturn:
            advance()
            switch tokens[current].kind {
            case .newline, .semicolon, .rightBrace, .eof: return Stmt(.returnValue(nil), token.location)
            default: return Stmt(.returnValue(try expression()), token.location)
            }
        default: break
        }
        return try expressionStatement()
    }

    /// letDecl: ('let' | 'var') NAME '=' expression
    mutating func declaration() throws -> Stmt {
        let keyword = advance()
        let mutable = keyword.kind == .kwVar
        let name = try expect(.identifier, "a name after '\(keyword.text)'")
        guard match(.equal) else {
            throw error("'=' after '\(keyword.text) \(name.text)' (every variable starts with a value)")
        }
        skipNewlines()
        let value = try expression()
        return Stmt(.declare(name: name.text, mutable: mutable, value: value, nameLocation: name.location),
                    keyword.location)
    }

    /// fnDecl: 'fn' NAME '(' parameters ')' block
    mutating func functionDeclaration() throws -> Stmt {
        let keyword = advance()
        let name = advance()
        let parameters = try parameterList()
        let body: Block
        if check(.arrow) {
            let arrow = advance()
            skipNewlines()
            let value = try expression()
            body = Block(statements: [Stmt(.expr(value, silent: false), value.location)], location: arrow.location)
        } else {
            body = try block(after: "the parameters of '\(name.text)'")
        }
        let decl = FunctionDecl(name: name.text, parameters: parameters, body: body, location: keyword.location)
        return Stmt(.function(decl), keyword.location)
    }

    /// parameters: '(' [NAME ['=' expression] (',' NAME ['=' expression])* [',']] ')'
    mutating func parameterList() throws -> [Parameter] {
        let open = try expect(.leftParen, "'(' to start the parameter list")
        let saved = ignoreNewlines
        ignoreNewlines = true
        defer { ignoreNewlines = saved }
        var parameters: [Parameter] = []
        var seenDefault = false
        while !check(.rightParen) {
            let name = try expect(.identifier, "a parameter name")
            if parameters.contains(where: { $0.name == name.text }) {
                throw report("duplicate parameter '\(name.text)'", at: name)
            }
            var defaultValue: Expr?
            if match(.equal) {
                defaultValue = try expression()
                seenDefault = true
            } else if seenDefault {
                throw report("parameter '\(name.text)' needs a default value because an earlier one has one", at: name)
            }
            parameters.append(Parameter(name: name.text, defaultValue: defaultValue, location: name.location))
            if !match(.comma) { break }
        }
        guard match(.rightParen) else {
            throw error("')' to close '(' at \(open.location.line):\(open.location.column)")
        }
        return parameters
    }

    /// block: '{' statement* '}'
    mutating func block(after what: String) throws -> Block {
        let saved = ignoreNewlines
        let savedBracket = inBracketLiteral
        ignoreNewlines = false
        inBracketLiteral = false
        defer { ignoreNewlines = saved; inBracketLiteral = savedBracket }
        let open: Token
        if case .leftBrace = peekKind {
            open = advance()
        } else {
            // Allow the brace on the next line.
            skipNewlines()
            open = try expect(.leftBrace, "'{' after \(what)")
        }
        try enter()
        defer { depth -= 1 }
        var statements: [Stmt] = []
        skipTerminators()
        while !check(.rightBrace) {
            if check(.eof) {
                throw error("'}' to close '{' at \(open.location.line):\(open.location.column)")
            }
            let stmt = try statement()
            try endOfStatement()
            statements.append(stmt)
            skipTerminators()
        }
        advance()
        return Block(statements: statements, location: open.location)
    }

    /// whileStmt: 'while' expression block
    mutating func whileStatement() throws -> Stmt {
        let keyword = advance()
        let condition = try expression()
        let body = try block(after: "the 'while' condition")
        return Stmt(.whileLoop(condition: condition, body: body), keyword.location)
    }

    /// forStmt: 'for' NAME 'in' expression block
    mutating func forStatement() throws -> Stmt {
        let keyword = advance()
        let name = try expect(.identifier, "a loop variable name after 'for'")
        _ = try expect(.kwIn, "'in' after 'for \(name.text)'")
        let iterable = try expression()
        let body = try block(after: "the 'for' header")
        return Stmt(.forLoop(variable: name.text, variableLocation: name.location, iterable: iterable, body: body),
                    keyword.location)
    }

    /// assignment: target ('=' | '+=' | '-=' | '*=' | '/=') expression
    /// expression statement: expression [';']
    mutating func expressionStatement() throws -> Stmt {
        let start = peekToken
        let expr = try expression()
        let op: BinaryOp?
        switch peekKind {
        case .equal: op = nil
        case .plusEqual: op = .add
        case .minusEqual: op = .subtract
        case .starEqual: op = .multiply
        case .slashEqual: op = .divide
        default:
            var silent = false
            if case .semicolon = tokens[current].kind {
                silent = true
            }
            return Stmt(.expr(expr, silent: silent), start.location)
        }
        let opToken = advance()
        switch expr.kind {
        case .name, .index, .field: break
        default:
            throw report("cannot assign to this expression; the left of '\(opToken.text)' must be a name, an index or a field", at: opToken)
        }
        skipNewlines()
        let value = try expression()
        return Stmt(.assign(target: expr, op: op, value: value), opToken.location)
    }

    // MARK: - Expressions

    /// Binding power of each infix operator (higher binds tighter).
    enum Precedence: Int, Comparable {
        case none = 0, or, and, not, comparison, coalesce, range, additive, multiplicative, unary, power, postfix
        static func < (a: Precedence, b: Precedence) -> Bool { a.rawValue < b.rawValue }
    }

    func infixPrecedence(_ kind: TokenKind) -> Precedence {
        switch kind {
        case .kwOr: return .or
        case .kwAnd: return .and
        case .equalEqual, .bangEqual, .less, .lessEqual, .greater, .greaterEqual: return .comparison
        case .questionQuestion: return .coalesce
        case .dotDot, .dotDotLess: return .range
        case .plus, .minus: return .additive
        case .star, .slash, .slashSlash, .percent, .dotStar, .dotSlash: return .multiplicative
        case .caret: return .power
        case .leftParen, .leftBracket, .dot: return .postfix
        default: return .none
        }
    }

    /// expression: a Pratt parse over the operator table above.
    mutating func expression(_ minimum: Precedence = .or) throws -> Expr {
        try enter()
        defer { depth -= 1 }
        var left = try prefix()
        while true {
            let token = peekToken
            let precedence = infixPrecedence(token.kind)
            if precedence == .none || precedence < minimum { break }
            if inBracketLiteral && startsNewEntry(token) { break }
            left = try infix(left, token, precedence)
        }
        return left
    }

    /// In a bracket literal, does `token` start a new entry rather than continue this one?
    func startsNewEntry(_ token: Token) -> Bool {
        guard token.spaceBefore else { return false }
        switch token.kind {
        case .minus, .plus:
            if case .newline = tokens[current + 1].kind { return false }  // `[1 +` then a newline: the sum goes on
            return !tokens[current + 1].spaceBefore
        case .leftParen, .leftBracket:
            return true
        default:
            return false
        }
    }

    /// prefix: literal | NAME | '(' expression ')' | list | record | function
    ///       | ifExpr | ('-' | '+') unary | 'not' expression
    mutating func prefix() throws -> Expr {
        let token = peekToken
        switch token.kind {
        case .integer(let radix):
            advance()
            return Expr(.integer(token.text, radix: radix), token.location)
        case .float(let value):
            advance()
            return Expr(.float(value), token.location)
        case .string(let parts):
            advance()
            return try stringLiteral(parts, token)
        case .kwTrue: advance(); return Expr(.bool(true), token.location)
        case .kwFalse: advance(); return Expr(.bool(false), token.location)
        case .kwNil: advance(); return Expr(.nilLiteral, token.location)
        case .identifier: advance(); return Expr(.name(token.text), token.location)
        case .leftParen: return try group()
        case .leftBracket: return try bracketLiteral()
        case .leftBrace: return try record()
        case .kwFn: return try anonymousFunction()
        case .kwIf: return try ifExpression()
        case .minus, .plus:
            advance()
            let operand = try expression(.unary)
            return Expr(.unary(token.kind == .minus ? .negate : .plus, operand), token.location)
        case .kwNot:
            advance()
            let operand = try expression(.not)
            return Expr(.unary(.not, operand), token.location)
        case .rightParen, .rightBracket, .rightBrace:
            throw error("an expression")
        default:
            throw error("an expression")
        }
    }

    /// The infix and postfix rules: binary operators, ranges, calls, indexing, fields.
    mutating func infix(_ left: Expr, _ token: Token, _ precedence: Precedence) throws -> Expr {
        advance()
        switch token.kind {
        case .leftParen: return try call(left, token)
        case .leftBracket: return try index(left, token)
        case .dot:
            let name = advance()
            guard case .identifier = name.kind else {
                if case .eof = name.kind { throw error("a field name after '.'", at: name) }
                throw error("a field name after '.'", at: name)
            }
            return Expr(.field(left, name.text), name.location)
        case .kwAnd, .kwOr, .questionQuestion:
            skipNewlines()
            let op: LogicalOp = token.kind == .kwAnd ? .and : token.kind == .kwOr ? .or : .coalesce
            // `??` is right-associative: a ?? b ?? c = a ?? (b ?? c).
            let next = op == .coalesce ? precedence : Precedence(rawValue: precedence.rawValue + 1)!
            let right = try expression(next)
            return Expr(.logical(op, left, right), token.location)
        case .dotDot, .dotDotLess:
            skipNewlines()
            let right = try expression(.additive)
            if infixPrecedence(peekKind) == .range {
                throw report("ranges cannot be chained", at: peekToken)
            }
            return Expr(.range(left, right, inclusive: token.kind == .dotDot), token.location)
        default:
            break
        }
        guard let op = binaryOperator(token.kind) else { throw error("", at: token) }
        skipNewlines()
        // '^' is right-associative and its right side may be negative: 2^-1.
        let right = op == .power ? try expression(.unary) : try expression(Precedence(rawValue: precedence.rawValue + 1)!)
        if precedence == .comparison && infixPrecedence(peekKind) == .comparison && !(inBracketLiteral && startsNewEntry(peekToken)) {
            throw report("comparisons cannot be chained; combine them with 'and'", at: peekToken)
        }
        return Expr(.binary(op, left, right), token.location)
    }

    func binaryOperator(_ kind: TokenKind) -> BinaryOp? {
        switch kind {
        case .plus: return .add
        case .minus: return .subtract
        case .star: return .multiply
        case .slash: return .divide
        case .slashSlash: return .floorDivide
        case .percent: return .modulo
        case .caret: return .power
        case .dotStar: return .elementMultiply
        case .dotSlash: return .elementDivide
        case .equalEqual: return .equal
        case .bangEqual: return .notEqual
        case .less: return .less
        case .lessEqual: return .lessEqual
        case .greater: return .greater
        case .greaterEqual: return .greaterEqual
        default: return nil
        }
    }

    /// group: '(' expression ')'
    mutating func group() throws -> Expr {
        let open = advance()
        let saved = (ignoreNewlines, inBracketLiteral)
        ignoreNewlines = true
        inBracketLiteral = false
        defer { (ignoreNewlines, inBracketLiteral) = saved }
        let inner = try expression()
        guard match(.rightParen) else {
            throw error("')' to close '(' at \(open.location.line):\(open.location.column)")
        }
        return inner
    }

    /// call: expression '(' [argument (',' argument)* [',']] ')'
    /// argument: [NAME ':'] expression
    mutating func call(_ callee: Expr, _ open: Token) throws -> Expr {
        let saved = (ignoreNewlines, inBracketLiteral)
        ignoreNewlines = true
        inBracketLiteral = false
        defer { (ignoreNewlines, inBracketLiteral) = saved }
        var arguments: [Argument] = []
        var seenNamed = false
        while !check(.rightParen) {
            let start = peekToken
            if case .identifier = start.kind, case .colon = peekSecond.kind {
                advance(); advance()
                if arguments.contains(where: { $0.label == start.text }) {
                    throw report("argument '\(start.text)' given twice", at: start)
                }
                arguments.append(Argument(label: start.text, value: try expression(), location: start.location))
                seenNamed = true
            } else {
                if seenNamed {
                    throw report("positional argument after a named one", at: start)
                }
                arguments.append(Argument(label: nil, value: try expression(), location: start.location))
            }
            if !match(.comma) { break }
        }
        guard match(.rightParen) else {
            throw error("')' to close '(' at \(open.location.line):\(open.location.column)")
        }
        return Expr(.call(callee, arguments), callee.location)
    }

    /// index: expression '[' subscript (',' subscript)* ']'
    /// subscript: expression | [expression] ':' [expression]
    mutating func index(_ target: Expr, _ open: Token) throws -> Expr {
        let saved = (ignoreNewlines, inBracketLiteral)
        ignoreNewlines = true
        inBracketLiteral = false
        defer { (ignoreNewlines, inBracketLiteral) = saved }
        var subscripts: [Subscript] = []
        repeat {
            let start = peekToken
            var lower: Expr?
            if !check(.colon) { lower = try expression() }
            if match(.colon) {
                var upper: Expr?
                if !check(.comma) && !check(.rightBracket) { upper = try expression() }
                subscripts.append(.slice(lower, upper, start.location))
            } else if let lower {
                subscripts.append(.index(lower))
            }
        } while match(.comma)
        guard match(.rightBracket) else {
            throw error("']' to close '[' at \(open.location.line):\(open.location.column)")
        }
        return Expr(.index(target, subscripts), open.location)
    }

    /// list: '[' [expression (',' expression)* [',']] ']'
    /// matrix: '[' row (';' row)* ']' where row: entry ([','] entry)*
    mutating func bracketLiteral() throws -> Expr {
        let open = advance()
        let saved = (ignoreNewlines, inBracketLiteral)
        ignoreNewlines = false
        defer { (ignoreNewlines, inBracketLiteral) = saved }
        try enter()
        defer { depth -= 1 }
        var rows: [[Expr]] = [[]]
        var juxtaposed = false
        skipNewlines()
        func closing() -> String { "']' to close '[' at \(open.location.line):\(open.location.column)" }
        while !check(.rightBracket) {
            if case .eof = peekKind { throw error(closing()) }
            inBracketLiteral = true
            let entry = try expression()
            inBracketLiteral = false
            rows[rows.count - 1].append(entry)
            switch tokens[current].kind {
            case .comma:
                advance()
                skipNewlines()
            case .semicolon, .newline:
                while true {
                    if case .semicolon = tokens[current].kind { current += 1; continue }
                    if case .newline = tokens[current].kind { current += 1; continue }
                    break
                }
                if !check(.rightBracket) { rows.append([]) }
            case .rightBracket:
                break
            case .eof:
                throw error(closing())
            default:
                if canStartExpression(tokens[current].kind) {
                    juxtaposed = true
                } else {
                    throw error("',' or \(closing())")
                }
            }
        }
        advance()
        if rows.count == 1 && !juxtaposed {
            return Expr(.list(rows[0]), open.location)
        }
        // Ragged rows are a syntax error when every entry is a number; an
        // entry that may be a matrix is a block ([A b], [A; r]), whose
        // shapes are checked when the literal is evaluated.
        let width = rows[0].count
        for (i, row) in rows.enumerated() where row.count != width && rows.allSatisfy({ $0.allSatisfy(isNumberLiteral) }) {
            throw report("matrix row \(i + 1) has \(row.count) \(row.count == 1 ? "entry" : "entries") but row 1 has \(width)", at: open)
        }
        return Expr(.matrix(rows), open.location)
    }

    /// A number written out: `3`, `-1/2`, `2.5e3` (never a matrix).
    func isNumberLiteral(_ e: Expr) -> Bool {
        switch e.kind {
        case .integer, .float: return true
        case .unary(_, let x): return isNumberLiteral(x)
        case .binary(_, let a, let b): return isNumberLiteral(a) && isNumberLiteral(b)
        default: return false
        }
    }

    func canStartExpression(_ kind: TokenKind) -> Bool {
        switch kind {
        case .integer, .float, .string, .identifier, .leftParen, .leftBracket, .leftBrace,
             .minus, .plus, .kwNot, .kwTrue, .kwFalse, .kwNil, .kwFn, .kwIf:
            return true
        default:
            return false
        }
    }

    /// record: '{' [field (',' field)* [',']] '}'
    /// field: (NAME | STRING) ':' expression | NAME
    mutating func record() throws -> Expr {
        let open = advance()
        let saved = (ignoreNewlines, inBracketLiteral)
        ignoreNewlines = true
        inBracketLiteral = false
        defer { (ignoreNewlines, inBracketLiteral) = saved }
        try enter()
        defer { depth -= 1 }
        var fields: [RecordField] = []
        while !check(.rightBrace) {
            let key = advance()
            let name: String
            switch key.kind {
            case .identifier: name = key.text
            case .string(let parts):
                guard parts.count <= 1, case .text(let text) = parts.first ?? .text("") else {
                    throw report("a record key cannot be interpolated", at: key)
                }
                name = text
            default:
                throw error("a field name in the record", at: key)
            }
            if fields.contains(where: { $0.name == name }) {
                throw report("field '\(name)' given twice", at: key)
            }
            if match(.colon) {
                fields.append(RecordField(name: name, value: try expression(), location: key.location))
            } else if case .identifier = key.kind, check(.comma) || check(.rightBrace) {
                // Shorthand: {a, b} means {a: a, b: b}.
                fields.append(RecordField(name: name, value: Expr(.name(name), key.location), location: key.location))
            } else {
                throw error("':' after field '\(name)'")
            }
            if !match(.comma) { break }
        }
        guard match(.rightBrace) else {
            throw error("'}' to close '{' at \(open.location.line):\(open.location.column)")
        }
        return Expr(.record(fields), open.location)
    }

    /// function: 'fn' parameters ('=>' expression | block)
    mutating func anonymousFunction() throws -> Expr {
        let keyword = advance()
        let parameters = try parameterList()
        let body: Block
        if check(.arrow) {
            let arrow = advance()
            skipNewlines()
            let value = try expression()
            body = Block(statements: [Stmt(.expr(value, silent: false), value.location)], location: arrow.location)
        } else {
            body = try block(after: "the parameters")
        }
        return Expr(.function(FunctionDecl(name: nil, parameters: parameters, body: body, location: keyword.location)),
                    keyword.location)
    }

    /// ifExpr: 'if' expression block ['else' (ifExpr | block)]
    mutating func ifExpression() throws -> Expr {
        let keyword = advance()
        let saved = (ignoreNewlines, inBracketLiteral)
        ignoreNewlines = false
        inBracketLiteral = false
        let condition = try expression()
        let then = try block(after: "the 'if' condition")
        // 'else' may start the next line.
        var lookahead = current
        while case .newline = tokens[lookahead].kind { lookahead += 1 }
        var elseBranch: Expr?
        if case .kwElse = tokens[lookahead].kind {
            current = lookahead + 1
            if check(.kwIf) {
                elseBranch = try ifExpression()
            } else {
                let block = try block(after: "'else'")
                elseBranch = Expr(.block(block), block.location)
            }
        }
        (ignoreNewlines, inBracketLiteral) = saved
        return Expr(.ifElse(condition: condition, then: then, else: elseBranch), keyword.location)
    }

    /// string: text with `\(expression)` interpolations.
    mutating func stringLiteral(_ parts: [StringPart], _ token: Token) throws -> Expr {
        if parts.isEmpty { return Expr(.string(""), token.location) }
        if parts.count == 1, case .text(let text) = parts[0] { return Expr(.string(text), token.location) }
        var pieces: [Interpolation] = []
        for part in parts {
            switch part {
            case .text(let text): pieces.append(.text(text))
            case .code(let code, let line, let column, let offset):
                var lexer = Lexer(file: file, fragment: code, line: line, column: column, offset: offset)
                var sub = Parser(tokens: lexer.tokenize(), file: file)
                sub.diagnostics = lexer.diagnostics
                sub.depth = depth
                if !sub.diagnostics.isEmpty { diagnostics += sub.diagnostics; throw Failure() }
                do {
                    if case .eof = sub.peekKind { throw sub.error("an expression inside '\\( )'") }
                    let expr = try sub.expression()
                    if !sub.check(.eof) { throw sub.error("')' to end the interpolation") }
                    pieces.append(.expr(expr))
                } catch {
                    // The end of interpolated code is not the end of the input: the REPL must not wait for more.
                    diagnostics += sub.diagnostics.map { Diagnostic($0.kind, $0.message, at: $0.location, notes: $0.notes) }
                    throw Failure()
                }
            }
        }
        return Expr(.interpolated(pieces), token.location)
    }
}
