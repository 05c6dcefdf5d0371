import BigInt
import Foundation
import XCTest
@testable import Engine

/// CompletionParser against a corpus of adversarial completions
/// (Tests/fixtures/adversarial_completions.jsonl), hand-checked cases, and
/// stress input: random garbage, megabytes of text, deep nesting, huge
/// numbers. Nothing may crash, and everything must stay linear.
final class ParsingTests: XCTestCase {
    static let corpusPath = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fixtures/adversarial_completions.jsonl")

    // MARK: - The corpus

    /// Each line: {name, completion, parse: "answer" | "text", matrix: [[entry]] | error: message, answer?}.
    /// parse "answer" reads tag(completion, "answer") as `parse_matrix(tag(c, "answer"))`
    /// does (a missing tag is the error "no text (nil)"). Entries are exact
    /// ("p/q") unless written with '.', which means a float matrix.
    func testAdversarialCorpus() throws {
        let lines = try String(contentsOf: ParsingTests.corpusPath, encoding: .utf8)
            .split(separator: "\n").filter { !$0.isEmpty }
        XCTAssertGreaterThanOrEqual(lines.count, 30)
        for line in lines {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            let record = try XCTUnwrap(object, "not a JSON object: \(line.prefix(80))")
            let name = try XCTUnwrap(record["name"] as? String)
            let completion = try XCTUnwrap(record["completion"] as? String)
            let answer = CompletionParser.tag(completion, "answer")
            if record.keys.contains("answer") {
                XCTAssertEqual(answer, record["answer"] as? String, "\(name): tag(answer)")
            }
            let text = record["parse"] as? String == "text" ? completion : answer
            let result: Result<Matrix, CompletionParseError>? = text.map { CompletionParser.parseMatrix($0) }
            if let expected = record["matrix"] as? [[String]] {
                guard case .success(let m)? = result else {
                    XCTFail("\(name): expected a matrix, got \(result.map { "\($0)" } ?? "no text")")
                    continue
                }
                assertMatrix(m, expected, name)
            } else {
                let expected = try XCTUnwrap(record["error"] as? String, "\(name): needs matrix or error")
                switch result {
                case nil: XCTAssertEqual("no text (nil)", expected, name)
                case .success(let m)?: XCTFail("\(name): expected '\(expected)', got a \(m.shapeText) matrix")
                case .failure(let error)?: XCTAssertEqual(error.message, expected, name)
                }
            }
        }
    }

    func assertMatrix(_ m: Matrix, _ expected: [[String]], _ name: String) {
        XCTAssertEqual(m.rows, expected.count, "\(name): rows")
        XCTAssertEqual(m.cols, expected.first?.count ?? 0, "\(name): columns")
        let isFloat = expected.contains { $0.contains { $0.contains(".") } }
        XCTAssertEqual(m.isExact, !isFloat, "\(name): exact or float")
        guard m.rows == expected.count, m.cols == expected.first?.count ?? 0 else { return }
        for (i, row) in expected.enumerated() {
            for (j, want) in row.enumerated() {
                switch m.entry(i, j) {
                case .exact(let e): XCTAssertEqual(e.description, want, "\(name): entry (\(i), \(j))")
                case .float(let d): XCTAssertEqual(d, Double(want), "\(name): entry (\(i), \(j))")
                }
            }
        }
    }

    // MARK: - Cases an independent oracle checks

    /// Fractions and arithmetic against Rational arithmetic done here.
    func testArithmeticEntriesAreExact() throws {
        let m = try CompletionParser.parseMatrix("[[-176/66*1, (-484/66)/1, 2*(3-4)/(5+7)]]").get()
        let expected = [try Rational(-176, 66), try Rational(-484, 66), try Rational(-2, 12)]
        for (j, q) in expected.enumerated() {
            guard case .exact(let e) = m.entry(0, j) else { return XCTFail("entry \(j) is not exact") }
            XCTAssertEqual(e.rational, q)
        }
    }

    /// Decimals are read as Swift reads them (correctly rounded).
    func testDecimalsRoundLikeSwift() throws {
        let literals = ["0.1", "1e-300", "2.5E+10", "123456789.987654321", "5e-324", "1.7976931348623157e308"]
        let m = try CompletionParser.parseMatrix("[" + literals.joined(separator: ", ") + "]").get()
        for (j, literal) in literals.enumerated() {
            XCTAssertEqual(m.entry(0, j), .float(Double(literal)!), literal)
        }
    }

    func testTagsPairWithTheNearestOpenTagOfTheirName() {
        let pairs = CompletionParser.tags("<a>1<b>2</a>3</b><c><c>4</c></c>")
        XCTAssertEqual(pairs.map(\.name), ["a", "c", "c"])
        XCTAssertEqual(pairs.map(\.content), ["1<b>2", "<c>4</c>", "4"])
    }

    // MARK: - Stress: nothing crashes, everything is linear

    /// Random bytes from an alphabet rich in the parsers' special characters.
    func testRandomGarbageNeverCrashes() {
        var rng = SeededRandom(seed: 2025)
        let alphabet: [String] = ["[", "]", "[[", "]]", "(", ")", "{", "}", ",", ";", " ", "\n", "-", "+", "*", "/",
                                  "**", ".", "e", "E", "1", "0", "9", "42", "1e400", "nan", "inf", "&", "\\\\",
                                  "\\frac", "\\begin{bmatrix}", "\\end{bmatrix}", "\\begin{array}{cc}", "\\[", "\\left[",
                                  "<answer>", "</answer>", "<", ">", "/", "−", "–", "１", "é", "\u{0}", "\u{200B}",
                                  "\u{FFFF}", "😀", "\\cdot"]
        for _ in 0..<3000 {
            let length = Int(rng.next() % 60)
            var s = ""
            for _ in 0..<length { s += alphabet[Int(rng.next() % UInt64(alphabet.count))] }
            exerciseAll(s)
        }
        // Invalid UTF-8 repaired by String(decoding:) must not upset the byte scanner.
        for _ in 0..<500 {
            let bytes = (0..<Int(rng.next() % 40)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            exerciseAll(String(decoding: bytes, as: UTF8.self))
        }
    }

    func exerciseAll(_ s: String) {
        _ = CompletionParser.parseMatrix(s)
        _ = CompletionParser.parseVector(s)
        _ = CompletionParser.parseNumber(s)
        _ = CompletionParser.tag(s, "answer")
        _ = CompletionParser.tags(s)
    }

    /// The shapes of input that break naive parsers, each about 1 MB.
    static func hostileInputs() -> [(String, String)] {
        let mb = 1 << 20
        let reasoning = String(repeating: "Step 3: subtract 17/66 times row 2 from row 3 [see above]. ", count: mb / 60)
        return [
            ("1 MB reasoning then an answer", "<think>" + reasoning + "</think><answer>[[1, -84/66], [0, 1]]</answer>"),
            ("10^5 nested brackets", String(repeating: "[", count: 100_000) + "1" + String(repeating: "]", count: 100_000)),
            ("10^5 unclosed brackets", String(repeating: "[", count: 100_000)),
            ("10^5 nested parentheses", "[[" + String(repeating: "(", count: 100_000) + "1" + String(repeating: ")", count: 100_000) + "]]"),
            ("10^6-digit number", "[[" + String(repeating: "9", count: 1_000_000) + "]]"),
            ("one row of 250k entries", "[" + String(repeating: "1,", count: mb / 4) + "1]"),
            ("250k rows", "[" + String(repeating: "[1],", count: mb / 4) + "[1]]"),
            ("a 1 MB sum of fractions", "[[" + String(repeating: "1/3+", count: mb / 4) + "1]]"),
            ("a 1 MB chain of 400-digit products", "[[" + String(repeating: String(repeating: "7", count: 400) + "*", count: mb / 401) + "1]]"),
            ("10^5 unterminated tags", String(repeating: "<answer>", count: 100_000)),
            ("10^5 stray close tags", String(repeating: "</answer>", count: 100_000)),
            ("10^5 alternating open tags", String(repeating: "<a><b>", count: 100_000) + "</a>"),
            ("1 MB of signs", "[[" + String(repeating: "-", count: mb) + "1]]"),
            ("1 MB of digits and dots", String(repeating: "1.", count: mb / 2)),
            ("1 MB of unbalanced parentheses around a number", String(repeating: ")", count: mb / 2) + "1" + String(repeating: "(", count: mb / 2)),
            ("10^5 bmatrix openings", String(repeating: "\\begin{bmatrix}", count: 100_000)),
            ("10^5 unicode minus signs", "[[" + String(repeating: "−", count: 100_000) + "1]]"),
            ("1 MB of Chinese", String(repeating: "沙尘暴的预测", count: mb / 18)),
        ]
    }

    func testHostileInputsFinishQuicklyWithoutCrashing() {
        for (name, input) in ParsingTests.hostileInputs() {
            let start = Date()
            exerciseAll(input)
            let seconds = Date().timeIntervalSince(start)
            print(String(format: "ParsingTests: %@ (%d bytes): %.1f ms for all parsers", name, input.utf8.count, seconds * 1000))
            // Engine is built with -O even for tests; the bound is generous for a loaded machine.
            XCTAssertLessThan(seconds, 2.0, name)
        }
    }

    func testHostileInputsGiveTheRightErrors() {
        func error(_ s: String) -> String? {
            if case .failure(let e) = CompletionParser.parseMatrix(s) { return e.message }
            return nil
        }
        let inputs = Dictionary(uniqueKeysWithValues: ParsingTests.hostileInputs())
        XCTAssertEqual(error(inputs["10^5 nested brackets"]!), "brackets nested more than 3 deep at 1:4")
        XCTAssertEqual(error(inputs["10^5 unclosed brackets"]!), "unterminated '[' at 1:1")
        XCTAssertEqual(error(inputs["10^5 nested parentheses"]!), "parentheses nested more than 64 deep in entry (0, 0)")
        XCTAssertEqual(error(inputs["10^6-digit number"]!), "a number in entry (0, 0) has more than 1000 digits")
        XCTAssertEqual(error(inputs["a 1 MB chain of 400-digit products"]!), "entry (0, 0) is too large (more than 4096 bits)")
        XCTAssertEqual(error(inputs["a 1 MB sum of fractions"]!), nil)
        XCTAssertEqual(try CompletionParser.parseMatrix(inputs["1 MB reasoning then an answer"]!).get().shapeText, "2×2")
        XCTAssertEqual(try CompletionParser.parseMatrix(inputs["one row of 250k entries"]!).get().shapeText, "1×262145")
        XCTAssertEqual(try CompletionParser.parseMatrix(inputs["250k rows"]!).get().shapeText, "262145×1")
        XCTAssertEqual(CompletionParser.tag(inputs["10^5 unterminated tags"]!, "answer"), nil)
        XCTAssertEqual(CompletionParser.tags(inputs["10^5 alternating open tags"]!).count, 1)
    }

    /// A 400-digit number survives exactly.
    func testFourHundredDigitNumbers() throws {
        let digits = "3" + String(repeating: "1", count: 399)
        let m = try CompletionParser.parseMatrix("[[\(digits), -\(digits)/\(digits)]]").get()
        XCTAssertEqual(m.entry(0, 0), .exact(Exact(BigInt(digits, radix: 10) ?? 0)))
        XCTAssertEqual(m.entry(0, 1), .exact(Exact(-1)))
    }
}
