/// One number in a completion: "-3", "The determinant is -3/4.", "$\frac{1}{2}$".
extension CompletionParser {
    /// The last number in `text`: the arithmetic around its last digit
    /// (digits, '.', exponents, + - * /, parentheses, braces, `\frac`,
    /// spaces within a line), without a sentence's final '.' or unmatched
    /// brackets at its ends. Exact for integers and fractions, Float64 for
    /// decimals and scientific notation. A whole text `nan` or `inf` is an error.
    public static func parseNumber(_ text: String) -> Result<Scalar, CompletionParseError> {
        let bytes = ByteText(text)
        let whole = bytes.trimmed(0..<bytes.count)
        if whole.count <= 9 {
            let word = bytes.string(whole).lowercased()
            let bare = word.hasPrefix("-") || word.hasPrefix("+") ? String(word.dropFirst()) : word
            if ["nan", "inf", "infinity"].contains(bare) {
                return .failure(.notFinite(entry: .standalone, what: bytes.string(whole)))
            }
        }
        guard let run = NumberRunFinder(text: bytes).lastRun() else { return .failure(.noNumber) }
        var evaluator = EntryEvaluator(bytes, from: run.lowerBound, to: run.upperBound,
                                       entry: .standalone, whitespaceSeparates: false)
        do {
            let value = try evaluator.evaluate()
            let rest = bytes.trimmed(evaluator.pos..<run.upperBound)
            guard rest.isEmpty else {
                return .failure(.notANumber("'\(bytes.string(run))' (\(bytes.unexpected(at: rest.lowerBound).message))"))
            }
            return .success(value)
        } catch {
            return .failure(error)
        }
    }
}

/// Finds the arithmetic around the last digit of a text, in two scans
/// from that digit (left, then right): linear in the text.
struct NumberRunFinder {
    let text: ByteText

    func lastRun() -> Range<Int>? {
        var last = text.count - 1
        while last >= 0 && !isDigit(text[last]) { last -= 1 }
        guard last >= 0 else { return nil }
        var lower = last
        while let step = stepLeft(from: lower) { lower -= step }
        var upper = last + 1
        while let step = stepRight(from: upper) { upper += step }
        return balanced(text.trimmed(lower..<upper))
    }

    /// Whether the byte can be part of an arithmetic run by itself.
    func isRunByte(_ b: UInt8) -> Bool {
        isDigit(b) || b == UInt8(ascii: ".") || b == UInt8(ascii: "+") || b == UInt8(ascii: "-")
            || b == UInt8(ascii: "*") || b == UInt8(ascii: "/") || b == UInt8(ascii: "(") || b == UInt8(ascii: ")")
            || b == UInt8(ascii: "{") || b == UInt8(ascii: "}") || b == UInt8(ascii: " ") || b == UInt8(ascii: "\t")
    }

    static let commands: [StaticString] = ["\\frac", "\\dfrac", "\\tfrac", "\\cdot", "\\times", "\\div"]

    /// How many bytes before `i` belong to the run, or nil at its start.
    func stepLeft(from i: Int) -> Int? {
        if i <= 0 { return nil }
        let b = text[i - 1]
        if isRunByte(b) { return 1 }
        if b == 0x92 && text.isUnicodeMinus(at: i - 3) { return 3 }
        if b == UInt8(ascii: ",") && isDigit(text[i - 2]) && isDigit(text[i]) { return 1 }
        if (b == UInt8(ascii: "e") || b == UInt8(ascii: "E")) && isExponent(at: i - 1) { return 1 }
        if isLetter(b) {
            for command in NumberRunFinder.commands {
                let n = command.utf8CodeUnitCount
                if text.hasPrefix(command, at: i - n) { return n }
            }
        }
        return nil
    }

    /// How many bytes from `i` on belong to the run, or nil at its end.
    func stepRight(from i: Int) -> Int? {
        if i >= text.count { return nil }
        let b = text[i]
        if isRunByte(b) { return 1 }
        if text.isUnicodeMinus(at: i) { return 3 }
        if b == UInt8(ascii: ",") && isDigit(text[i - 1]) && isDigit(text[i + 1]) { return 1 }
        if (b == UInt8(ascii: "e") || b == UInt8(ascii: "E")) && isExponent(at: i) { return 1 }
        if b == UInt8(ascii: "\\") {
            for command in NumberRunFinder.commands where text.hasPrefix(command, at: i) {
                let n = command.utf8CodeUnitCount
                if !isLetter(text[i + n]) { return n }
            }
        }
        return nil
    }

    /// An 'e' between a mantissa and an exponent: "1e-3", "2.5E+10".
    func isExponent(at i: Int) -> Bool {
        let before = text[i - 1], after = text[i + 1]
        guard isDigit(before) || before == UInt8(ascii: ".") else { return false }
        return isDigit(after) || ((after == UInt8(ascii: "+") || after == UInt8(ascii: "-")) && isDigit(text[i + 2]))
    }

    /// The run without a sentence's final '.', operators at its ends, or
    /// brackets whose partners lie outside it: "(so x = 3)." gives "3".
    /// Brackets are matched once with a stack, so this stays linear.
    func balanced(_ run: Range<Int>) -> Range<Int> {
        // unmatched[k - run.lowerBound]: the bracket at k has no partner in the run.
        var unmatched = [Bool](repeating: false, count: run.count)
        var openers: [Int] = []
        for k in run {
            let c = text[k]
            if c == UInt8(ascii: "(") || c == UInt8(ascii: "{") {
                openers.append(k)
            } else if c == UInt8(ascii: ")") || c == UInt8(ascii: "}") {
                guard let open = openers.popLast() else { unmatched[k - run.lowerBound] = true; continue }
                if (text[open] == UInt8(ascii: "(")) != (c == UInt8(ascii: ")")) {
                    unmatched[open - run.lowerBound] = true
                    unmatched[k - run.lowerBound] = true
                }
            }
        }
        for k in openers { unmatched[k - run.lowerBound] = true }
        var lower = run.lowerBound, upper = run.upperBound
        while upper > lower {
            let end = text[upper - 1]
            guard unmatched[upper - 1 - run.lowerBound] || end == UInt8(ascii: ".") || isSpace(end)
                    || end == UInt8(ascii: "+") || end == UInt8(ascii: "-")
                    || end == UInt8(ascii: "*") || end == UInt8(ascii: "/") else { break }
            upper -= 1
        }
        while lower < upper {
            let start = text[lower]
            guard unmatched[lower - run.lowerBound] || isSpace(start)
                    || start == UInt8(ascii: "*") || start == UInt8(ascii: "/") else { break }
            lower += 1
        }
        return lower..<upper
    }
}
