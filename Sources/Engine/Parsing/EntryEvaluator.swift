import BigInt

/// Evaluates one matrix entry or number: a small safe arithmetic language,
/// never a general eval.
///
///     expression := term (('+' | '-') term)*
///     term       := unary (('*' | '/' | '\cdot' | '\times' | '\div') unary)*
///     unary      := ('+' | '-')* primary
///     primary    := number | '(' expression ')' | '{' expression '}'
///                 | ('\frac' | '\dfrac' | '\tfrac') group group
///     number     := digits ['.' digits] [('e' | 'E') ['+' | '-'] digits]
///
/// '-' is also the Unicode minus sign U+2212. Integers and fractions of
/// them are exact (`Exact`); a decimal point or an exponent makes a Float64,
/// and anything combined with a float is a float, as in the language.
/// Recursion is bounded by `CompletionParser.maxParenthesisDepth`; literals
/// by `maxDigits`; exact values by `maxBits`; floats must stay finite.
struct EntryEvaluator {
    let text: ByteText
    var pos: Int
    /// Reading stops here (the span's closing bracket or the text's end).
    let end: Int
    let entry: EntryPosition
    /// MATLAB's rule for rows without commas: at the top level, whitespace
    /// before a sign that is not itself followed by whitespace starts a new
    /// entry, so `[1 -2]` has two entries and `[1 - 2]` one.
    let whitespaceSeparates: Bool

    init(_ text: ByteText, from pos: Int, to end: Int, entry: EntryPosition, whitespaceSeparates: Bool) {
        self.text = text
        self.pos = pos
        self.end = min(end, text.count)
        self.entry = entry
        self.whitespaceSeparates = whitespaceSeparates
    }

    enum Operator { case add, subtract, multiply, divide }

    mutating func evaluate() throws(CompletionParseError) -> Scalar {
        try expression(depth: 0)
    }

    // MARK: - Reading bytes

    /// The byte k places ahead, or 0 at and beyond `end`.
    @inline(__always)
    func peek(_ k: Int = 0) -> UInt8 { pos + k < end ? text[pos + k] : 0 }

    /// Skips whitespace and LaTeX spacing (`\,` `\;` `\:` `\!` `\ `);
    /// whether anything was skipped.
    @discardableResult
    mutating func skipSpaces() -> Bool {
        let start = pos
        while pos < end {
            let b = peek()
            if isSpace(b) { pos += 1; continue }
            if b == UInt8(ascii: "\\") {
                let next = peek(1)
                if next == UInt8(ascii: ",") || next == UInt8(ascii: ";") || next == UInt8(ascii: ":")
                    || next == UInt8(ascii: "!") || next == UInt8(ascii: " ") {
                    pos += 2
                    continue
                }
            }
            break
        }
        return pos > start
    }

    /// The length of the LaTeX command `name` (with its backslash) at pos,
    /// when it is there and not the prefix of a longer command.
    func command(_ name: StaticString) -> Int? {
        let n = name.utf8CodeUnitCount
        guard pos + n <= end, text.hasPrefix(name, at: pos), !isLetter(peek(n)) else { return nil }
        return n
    }

    func additiveOperator() -> (Operator, Int)? {
        switch peek() {
        case UInt8(ascii: "+"): return (.add, 1)
        case UInt8(ascii: "-"): return (.subtract, 1)
        case 0xE2 where pos + 3 <= end && text.isUnicodeMinus(at: pos): return (.subtract, 3)
        default: return nil
        }
    }

    func multiplicativeOperator() -> (Operator, Int)? {
        switch peek() {
        // '**' is a power in Python; it is not supported, so it is not read as '*'.
        case UInt8(ascii: "*"): return peek(1) == UInt8(ascii: "*") ? nil : (.multiply, 1)
        case UInt8(ascii: "/"): return (.divide, 1)
        case UInt8(ascii: "\\"):
            if let n = command("\\cdot") ?? command("\\times") { return (.multiply, n) }
            if let n = command("\\div") { return (.divide, n) }
            return nil
        default: return nil
        }
    }

    // MARK: - Grammar

    /// expression := term (('+' | '-') term)*
    mutating func expression(depth: Int) throws(CompletionParseError) -> Scalar {
        var value = try term(depth: depth)
        while true {
            let save = pos
            let spaced = skipSpaces()
            guard let (op, length) = additiveOperator() else { pos = save; return value }
            if whitespaceSeparates && depth == 0 && spaced && !isSpace(peek(length)) { pos = save; return value }
            pos += length
            skipSpaces()
            let rhs = try term(depth: depth)
            value = try combine(value, op, rhs)
        }
    }

    /// term := unary (('*' | '/') unary)*
    mutating func term(depth: Int) throws(CompletionParseError) -> Scalar {
        var value = try unary(depth: depth)
        while true {
            let save = pos
            skipSpaces()
            guard let (op, length) = multiplicativeOperator() else { pos = save; return value }
            pos += length
            skipSpaces()
            let rhs = try unary(depth: depth)
            value = try combine(value, op, rhs)
        }
    }

    /// unary := ('+' | '-')* primary — signs in a loop, not by recursion.
    mutating func unary(depth: Int) throws(CompletionParseError) -> Scalar {
        var negative = false
        while let (op, length) = additiveOperator() {
            if op == .subtract { negative.toggle() }
            pos += length
            skipSpaces()
        }
        let value = try primary(depth: depth)
        if !negative { return value }
        switch value {
        case .exact(let e): return .exact(-e)
        case .float(let d): return .float(-d)
        }
    }

    /// primary := number | '(' expression ')' | '{' expression '}' | '\frac' group group
    mutating func primary(depth: Int) throws(CompletionParseError) -> Scalar {
        let b = peek()
        if isDigit(b) || (b == UInt8(ascii: ".") && isDigit(peek(1))) { return try number() }
        if b == UInt8(ascii: "(") || b == UInt8(ascii: "{") { return try group(depth: depth) }
        if b == UInt8(ascii: "\\"), let n = command("\\frac") ?? command("\\dfrac") ?? command("\\tfrac") {
            pos += n
            skipSpaces()
            let numerator = try fractionPart(depth: depth)
            skipSpaces()
            let denominator = try fractionPart(depth: depth)
            return try combine(numerator, .divide, denominator)
        }
        if isLetter(b) {
            let start = pos
            var k = pos
            while k < end && k - start < 40 && isLetter(text[k]) { k += 1 }
            let word = text.string(start..<k)
            if ["nan", "inf", "infinity"].contains(word.lowercased()) {
                throw .notFinite(entry: entry, what: word)
            }
        }
        if pos >= end { throw .missingEntry(at: text.position(pos)) }
        throw text.unexpected(at: pos)
    }

    /// A `\frac` argument: a braced group, or one digit as TeX reads `\frac12`.
    mutating func fractionPart(depth: Int) throws(CompletionParseError) -> Scalar {
        let b = peek()
        if isDigit(b) {
            pos += 1
            return .exact(Exact(Int(b - UInt8(ascii: "0"))))
        }
        guard b == UInt8(ascii: "{") else {
            if pos >= end { throw .missingEntry(at: text.position(pos)) }
            throw text.unexpected(at: pos)
        }
        return try group(depth: depth)
    }

    /// '(' expression ')' or '{' expression '}', at most `maxParenthesisDepth` deep.
    mutating func group(depth: Int) throws(CompletionParseError) -> Scalar {
        guard depth < CompletionParser.maxParenthesisDepth else { throw .parenthesesTooDeep(entry: entry) }
        let open = pos
        let close = peek() == UInt8(ascii: "(") ? UInt8(ascii: ")") : UInt8(ascii: "}")
        pos += 1
        skipSpaces()
        let value = try expression(depth: depth + 1)
        skipSpaces()
        guard peek() == close else {
            if pos >= end { throw .unterminated(text.string(open..<(open + 1)), at: text.position(open)) }
            throw text.unexpected(at: pos)
        }
        pos += 1
        return value
    }

    /// number := digits ['.' digits] [('e' | 'E') ['+' | '-'] digits]
    mutating func number() throws(CompletionParseError) -> Scalar {
        let start = pos
        var digits = 0
        var small = 0  // the value while it fits in 18 digits
        while isDigit(peek()) {
            if digits < 18 { small = small * 10 + Int(peek() - UInt8(ascii: "0")) }
            digits += 1
            pos += 1
        }
        var isFloat = false
        if peek() == UInt8(ascii: ".") {
            isFloat = true
            pos += 1
            while isDigit(peek()) { digits += 1; pos += 1 }
        }
        let e = peek()
        if e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            let signed = peek(1) == UInt8(ascii: "+") || peek(1) == UInt8(ascii: "-")
            if isDigit(peek(signed ? 2 : 1)) {
                isFloat = true
                pos += signed ? 2 : 1
                var exponentDigits = 0
                while isDigit(peek()) { exponentDigits += 1; pos += 1 }
                if exponentDigits > 9 { digits = Int.max }
            }
        }
        guard digits <= CompletionParser.maxDigits else { throw .tooManyDigits(entry: entry) }
        if isFloat {
            let literal = text.string(start..<pos)
            guard let d = Double(literal), d.isFinite else { throw .notFinite(entry: entry, what: literal) }
            return .float(d)
        }
        if digits <= 18 { return .exact(Exact(small)) }
        guard let big = BigInt(text.string(start..<pos), radix: 10) else { throw text.unexpected(at: start) }
        return .exact(Exact(big))
    }

    // MARK: - Arithmetic

    func combine(_ a: Scalar, _ op: Operator, _ b: Scalar) throws(CompletionParseError) -> Scalar {
        if case .exact(let x) = a, case .exact(let y) = b {
            let result: Exact
            switch op {
            case .add: result = x + y
            case .subtract: result = x - y
            case .multiply: result = x * y
            case .divide:
                guard !y.isZero else { throw .divisionByZero(entry: entry) }
                do { result = try x.dividing(by: y) } catch { throw .divisionByZero(entry: entry) }
            }
            if case .big(let q) = result,
               q.numerator.magnitude.bitWidth > CompletionParser.maxBits
                || q.denominator.magnitude.bitWidth > CompletionParser.maxBits {
                throw .tooLarge(entry: entry)
            }
            return .exact(result)
        }
        let x = a.doubleValue, y = b.doubleValue
        let result: Double
        switch op {
        case .add: result = x + y
        case .subtract: result = x - y
        case .multiply: result = x * y
        case .divide:
            guard y != 0 else { throw .divisionByZero(entry: entry) }
            result = x / y
        }
        guard result.isFinite else { throw .notFinite(entry: entry, what: "overflow") }
        return .float(result)
    }
}
