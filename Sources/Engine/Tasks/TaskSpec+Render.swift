// How examples are written: prompts and answers in each format.

extension TaskSpec {
    /// The system prompt of the chat format: the seed experiment's, as in
    /// the well-known GRPO GSM8K demo.
    public static let chatSystemPrompt = """
        Respond in the following format:
        <reasoning>
        ...
        </reasoning>
        <answer>
        ...
        </answer>
        """

    /// Significant digits of float entries in prompts and answers (Charton
    /// rounds to three).
    static let floatDigits = 3

    func render(_ e: inout TaskExample) {
        let operands = operandNames(e)
        switch format {
        case .chat:
            e.system = TaskSpec.chatSystemPrompt
            let given = operands.map { "\($0.name) = \(TaskSpec.text($0.value, compact: false, vector: $0.vector))" }
                .joined(separator: " and ")
            e.prompt = "Compute \(operation.phrase) \(given). " + answerInstructions
            e.answerText = TaskSpec.text(e.answer, compact: false, vector: isVectorAnswer)
        case .compact:
            let given = operands.map { TaskSpec.text($0.value, compact: true, vector: $0.vector) }.joined(separator: " ")
            e.prompt = "\(operation.shortName) \(given)"
            e.answerText = TaskSpec.text(e.answer, compact: true, vector: isVectorAnswer)
        case .p10, .p1000, .fp15:
            let given = operands.map { ChartonEncoding.encode($0.value, format) }.joined(separator: " ")
            e.prompt = "\(operation.shortName) \(given)"
            e.answerText = ChartonEncoding.encode(e.answer, format)
        }
    }

    var isVectorAnswer: Bool { operation == .matvec || operation == .solve }

    var answerInstructions: String {
        switch operation {
        case .trace, .determinant, .rank:
            return "Write the answer as a single number (an exact fraction like -3/5 when it is not an integer)."
        case .eigenvalues, .singularValues:
            return "Write the answer as a list of numbers, e.g. [1.5, 2.25]."
        case .matvec, .solve:
            return "Write the answer as a list of numbers, e.g. [1, -3/5], with exact fractions."
        default:
            return "Write the answer as a list of rows, e.g. [[1, 0], [0, 1]], with exact fractions like -3/5."
        }
    }

    func operandNames(_ e: TaskExample) -> [(name: String, value: Matrix, vector: Bool)] {
        switch operation {
        case .add, .multiply: return [("A", e.matrix, false), ("B", e.operand ?? e.matrix, false)]
        case .matvec: return [("A", e.matrix, false), ("v", e.operand ?? e.matrix, true)]
        case .solve: return [("A", e.matrix, false), ("b", e.operand ?? e.matrix, true)]
        default: return [("A", e.matrix, false)]
        }
    }

    // MARK: - Text of values

    static func text(_ s: Scalar) -> String {
        switch s {
        case .exact(let e): return e.description
        case .float(let d): return formatFloat(d, significantDigits: floatDigits)
        }
    }

    /// `[[2, 1], [3, 4]]` (or `[[2,1],[3,4]]` compact); a column as a flat list when `vector`.
    static func text(_ m: Matrix, compact: Bool, vector: Bool) -> String {
        let comma = compact ? "," : ", "
        if vector && m.cols == 1 {
            return "[" + (0..<m.rows).map { text(m.entry($0, 0)) }.joined(separator: comma) + "]"
        }
        return "[" + (0..<m.rows).map { i in
            "[" + (0..<m.cols).map { j in text(m.entry(i, j)) }.joined(separator: comma) + "]"
        }.joined(separator: comma) + "]"
    }

    static func text(_ a: TaskAnswer, compact: Bool, vector: Bool) -> String {
        switch a {
        case .matrix(let m): return text(m, compact: compact, vector: vector)
        case .scalar(let s): return text(s)
        case .list(let xs): return "[" + xs.map(text).joined(separator: compact ? "," : ", ") + "]"
        }
    }
}

/// The number encodings of Charton's "Linear algebra with transformers"
/// (2021): every number rounded to three significant digits and written as
///   P10:   sign, three digit tokens, exponent   `+ 3 1 4 E-2`
///   P1000: sign, one mantissa token, exponent   `+ 314 E-2`
///   FP15:  one token per number                 `+314E-2`
/// A matrix starts with its dimensions `V2 V3`; a list with its length `V3`.
public enum ChartonEncoding {
    /// (negative, mantissa in 100...999 or 0, exponent) with
    /// |x| ≈ mantissa · 10^exponent.
    static func decompose(_ x: Double) -> (negative: Bool, mantissa: Int, exponent: Int) {
        guard x.isFinite, x != 0 else { return (false, 0, 0) }
        var v = abs(x), e = 0
        while v >= 1000 { v /= 10; e += 1 }
        while v < 100 { v *= 10; e -= 1 }
        var m = Int(v.rounded())
        if m == 1000 { m = 100; e += 1 }
        return (x < 0, m, e)
    }

    public static func encode(_ x: Double, _ format: TaskFormat) -> String {
        let (negative, m, e) = decompose(x)
        let sign = negative ? "-" : "+"
        switch format {
        case .p10:
            let digits = String(m).count < 3 ? String(repeating: "0", count: 3 - String(m).count) + String(m) : String(m)
            return "\(sign) " + digits.map(String.init).joined(separator: " ") + " E\(e)"
        case .p1000: return "\(sign) \(m) E\(e)"
        default: return "\(sign)\(m)E\(e)"
        }
    }

    public static func encode(_ m: Matrix, _ format: TaskFormat) -> String {
        var parts = ["V\(m.rows)", "V\(m.cols)"]
        for i in 0..<m.rows { for j in 0..<m.cols { parts.append(encode(m.entry(i, j).doubleValue, format)) } }
        return parts.joined(separator: " ")
    }

    public static func encode(_ a: TaskAnswer, _ format: TaskFormat) -> String {
        switch a {
        case .matrix(let m): return encode(m, format)
        case .scalar(let s): return encode(s.doubleValue, format)
        case .list(let xs): return (["V\(xs.count)"] + xs.map { encode($0.doubleValue, format) }).joined(separator: " ")
        }
    }
}
