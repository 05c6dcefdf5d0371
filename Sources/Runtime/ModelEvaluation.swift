import Engine
import Foundation

/// Scoring a model on a task, as Charton's "Linear algebra with
/// transformers" does: greedy answers, read back as matrices, correct at
/// tolerance τ when the d1 error sum|P − S| / sum|S| is below τ — or, for
/// inverses, when A·P is within τ of the identity (his default check
/// there, which needs no unique answer). Also exact matches, answers that
/// did not parse, and completions cut off by the token limit.
struct EvaluationResult {
    var count = 0
    var parsed = 0
    var exact = 0
    var truncated = 0
    var correct: [Int]
    var completionTokens = 0
    var seconds = 0.0
    var interrupted = false
    let tolerances: [Double]
    let inverseCheck: Bool
    let greedy: Bool
    let taskName: String

    init(tolerances: [Double], inverseCheck: Bool, greedy: Bool, taskName: String) {
        self.tolerances = tolerances
        self.inverseCheck = inverseCheck
        self.greedy = greedy
        self.taskName = taskName
        correct = [Int](repeating: 0, count: tolerances.count)
    }

    func rate(_ k: Int) -> Double { count == 0 ? 0 : Double(k) / Double(count) }
    var accuracies: [Double] { correct.map(rate) }
    var accuracy: Double { accuracies.first ?? rate(exact) }
    var metricName: String { inverseCheck ? "inverse" : "d1" }

    var record: Value {
        .record([
            ("n", .int(count)),
            ("accuracy", .float(accuracy)),
            ("exact", .float(rate(exact))),
            ("parse_failures", .float(rate(count - parsed))),
            ("truncated", .float(rate(truncated))),
            ("tol", .list(tolerances.map { .float($0) })),
            ("accuracies", .list(accuracies.map { .float($0) })),
            ("metric", .string(metricName)),
            ("mean_length", .float(count == 0 ? 0 : Double(completionTokens) / Double(count))),
            ("seconds", .float(seconds)),
            ("interrupted", .bool(interrupted)),
        ])
    }

    /// The table `evaluate` prints.
    var table: String {
        let metric = inverseCheck ? "error sum|A·P − I| / n (Charton's inverse check)" : "error sum|P − S| / sum|S| (Charton's d1)"
        var lines = ["evaluate \(taskName): \(count) examples, \(greedy ? "greedy" : "sampled"), \(metric)\(interrupted ? ", interrupted" : "")"]
        lines.append("  tolerance      accuracy")
        func row(_ label: String, _ value: Double) {
            let text = Self.percent(value)
            lines.append("  " + label.padding(toLength: 13, withPad: " ", startingAt: 0)
                         + String(repeating: " ", count: max(0, 9 - text.count)) + text)
        }
        for (tol, acc) in zip(tolerances, accuracies) { row(Self.percent(tol), acc) }
        row("exact", rate(exact))
        row("parse failed", rate(count - parsed))
        row("truncated", rate(truncated))
        return lines.joined(separator: "\n")
    }

    /// 0.953 -> "95.3%", 0.005 -> "0.5%".
    static func percent(_ x: Double) -> String {
        guard x.isFinite else { return "?" }
        let tenths = (x * 1000).rounded()
        if abs(tenths) < 1e15, tenths.truncatingRemainder(dividingBy: 10) == 0 { return "\(Int(tenths / 10))%" }
        let hundredths = (x * 10000).rounded()
        if abs(tenths - x * 1000) > 1e-6 && abs(hundredths) < 1e15 { return Engine.formatFloat(hundredths / 100) + "%" }
        return Engine.formatFloat(tenths / 10) + "%"
    }

    /// Scores one completion of `example`.
    mutating func score(_ completion: Completion, example: ModelExample, format: TaskFormat?, operation: TaskOperation) {
        count += 1
        completionTokens += completion.tokens.count
        if completion.truncated { truncated += 1 }
        guard let answer = AnswerReader.judge(completion.text, example: example, format: format, operation: operation) else { return }
        parsed += 1
        if answer.exact { exact += 1 }
        for (k, tol) in tolerances.enumerated() where answer.error < tol { correct[k] += 1 }
    }
}

extension AnswerReader {
    /// A completion's answer judged against the example: its error (Charton's
    /// d1, or sum|A·P − I| / n for inverses) and whether it is exactly right;
    /// nil when the example has no task answer or the answer does not parse.
    static func judge(_ completion: String, example: ModelExample, format: TaskFormat?,
                      operation: TaskOperation) -> (error: Double, exact: Bool)? {
        guard let task = example.task else { return nil }
        let text = answerText(completion)
        let expected = self.expected(task.answer, operation: operation)
        guard let p = read(text, format: format, expected: task.answer, operation: operation) else { return nil }
        let sameText = example.answerText.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) == text } ?? false
        let exact = sameText || (p.rows == expected.rows && p.cols == expected.cols && p == expected)
        let error = operation == .inverse ? CorrectnessRewards.inverseError(p, input: task.matrix)
                                          : CorrectnessRewards.error(p, expected, metric: .d1)
        return (error, exact)
    }
}

/// Reads the answer out of a completion, shaped like the task's answer.
/// Lists of rows, numbers and fractions go through the completion parser
/// (Engine/Parsing); Charton's encodings through `read(charton:)`.
enum AnswerReader {
    /// The text inside the last `<answer>` tag, or else the last non-empty
    /// line (a compact trace ends with the answer), trimmed.
    static func answerText(_ completion: String) -> String {
        if let inside = CompletionParser.tag(completion, "answer") {
            return inside.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let lines = completion.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        return lines.last(where: { !$0.isEmpty }) ?? ""
    }

    static func isVector(_ operation: TaskOperation) -> Bool { operation == .matvec || operation == .solve }

    /// The answer as a matrix: vectors (matvec, solve) as columns, lists
    /// (eigenvalues, singular values) as one row, numbers as 1×1.
    static func expected(_ answer: TaskAnswer, operation: TaskOperation) -> Matrix {
        switch answer {
        case .matrix(let m): return m
        case .scalar(let s): return matrix([s], rows: 1)
        case .list(let xs): return matrix(xs, rows: 1)
        }
    }

    static func matrix(_ scalars: [Scalar], rows: Int) -> Matrix {
        let cols = rows == 0 ? 0 : scalars.count / rows
        var exact: [Exact] = []
        for s in scalars {
            guard case .exact(let e) = s else {
                return .float(FloatMatrix(rows: rows, cols: cols, entries: scalars.map(\.doubleValue)))
            }
            exact.append(e)
        }
        return .exact(ExactMatrix(rows: rows, cols: cols, entries: exact))
    }

    static func read(_ text: String, format: TaskFormat?, expected: TaskAnswer, operation: TaskOperation) -> Matrix? {
        switch format {
        case .p10?, .p1000?, .fp15?:
            return readCharton(text, expected: expected)
        default:
            switch expected {
            case .matrix where isVector(operation):
                guard case .success(let v) = CompletionParser.parseVector(text) else { return nil }
                return matrix(v, rows: v.count)
            case .matrix:
                guard case .success(let m) = CompletionParser.parseMatrix(text) else { return nil }
                return m
            case .scalar:
                guard case .success(let s) = CompletionParser.parseNumber(text) else { return nil }
                return matrix([s], rows: 1)
            case .list:
                guard case .success(let v) = CompletionParser.parseVector(text) else { return nil }
                return matrix(v, rows: 1)
            }
        }
    }

    /// Charton's encodings: `V2 V2` then four numbers (a matrix), `V3` then
    /// three (a list), or one number; a number is a sign, mantissa digits
    /// in one or more words, and an exponent word (`+ 3 1 4 E-2`,
    /// `+ 314 E-2`), or one word (`+314E-2`).
    static func readCharton(_ text: String, expected: TaskAnswer) -> Matrix? {
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).map(String.init)
        var position = 0
        func dimension() -> Int? {
            guard position < words.count, words[position].hasPrefix("V"),
                  let n = Int(words[position].dropFirst()), n >= 0, n <= 4096 else { return nil }
            position += 1
            return n
        }
        func number() -> Double? {
            guard position < words.count else { return nil }
            let word = words[position]
            if word.count > 1, let e = word.firstIndex(of: "E") {
                // FP15: one word "+314E-2".
                position += 1
                return value(sign: String(word.prefix(1)), mantissa: String(word[word.index(after: word.startIndex)..<e]),
                             exponent: String(word[word.index(after: e)...]))
            }
            guard word == "+" || word == "-" else { return nil }
            position += 1
            var mantissa = ""
            while position < words.count, !words[position].isEmpty, words[position].allSatisfy(\.isASCIIDigit), mantissa.count <= 12 {
                mantissa += words[position]
                position += 1
            }
            guard position < words.count, words[position].hasPrefix("E") else { return nil }
            let exponent = String(words[position].dropFirst())
            position += 1
            return value(sign: word, mantissa: mantissa, exponent: exponent)
        }
        var values: [Double] = []
        var rows = 1, cols = 1
        switch expected {
        case .matrix:
            guard let r = dimension(), let c = dimension(), r.multipliedReportingOverflow(by: c).partialValue <= 4096 else { return nil }
            (rows, cols) = (r, c)
        case .list:
            guard let n = dimension() else { return nil }
            cols = n
        case .scalar:
            break
        }
        for _ in 0..<(rows * cols) {
            guard let x = number() else { return nil }
            values.append(x)
        }
        guard position == words.count else { return nil }
        return .float(FloatMatrix(rows: rows, cols: cols, entries: values))
    }

    static func value(sign: String, mantissa: String, exponent: String) -> Double? {
        guard sign == "+" || sign == "-", !mantissa.isEmpty, mantissa.count <= 12, mantissa.allSatisfy(\.isASCIIDigit),
              let m = Double(mantissa), let e = Int(exponent), abs(e) <= 400 else { return nil }
        let x = m * Foundation.pow(10, Double(e))
        guard x.isFinite else { return nil }
        return sign == "-" ? -x : x
    }
}

fileprivate extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
