import XCTest
import TestSupport
@testable import Lang

/// Programs that must not parse: the exact message, where it points, and
/// whether the REPL should read another line (`atEndOfInput`).
final class ParserErrorTests: XCTestCase {
    /// One expected error: `LINE:COL message`, plus whether it is at the end of input.
    func assertError(_ text: String, _ expected: String, atEnd: Bool = false,
                     file: StaticString = #filePath, line: UInt = #line) {
        let diagnostics = Parse.errors(text)
        guard let first = diagnostics.first else {
            return XCTFail("\(text.debugDescription) parsed without errors: \(Parse.tree(text))", file: file, line: line)
        }
        let shown = "\(first.location.map { "\($0.line):\($0.column)" } ?? "?") \(first.message)"
        XCTAssertEqual(shown, expected, text.debugDescription, file: file, line: line)
        XCTAssertEqual(first.atEndOfInput, atEnd, "atEndOfInput of \(text.debugDescription)", file: file, line: line)
        XCTAssertEqual(first.kind, .syntax, file: file, line: line)
    }

    func testUnclosedBrackets() {
        assertError("(1 + 2", "1:7 expected ')' to close '(' at 1:1, found end of input", atEnd: true)
        assertError("x = (1 +\n  2", "2:4 expected ')' to close '(' at 1:5, found end of input", atEnd: true)
        assertError("f(1, 2", "1:7 expected ')' to close '(' at 1:2, found end of input", atEnd: true)
        assertError("f(1, 2]", "1:7 expected ')' to close '(' at 1:2, found ']'")
        assertError("(1 2)", "1:4 expected ')' to close '(' at 1:1, found '2'")
        assertError("[1, 2", "1:6 expected ']' to close '[' at 1:1, found end of input", atEnd: true)
        assertError("[1, 2)", "1:6 expected ',' or ']' to close '[' at 1:1, found ')'")
        assertError("x[1", "1:4 expected ']' to close '[' at 1:2, found end of input", atEnd: true)
        assertError("{a: 1", "1:6 expected '}' to close '{' at 1:1, found end of input", atEnd: true)
        assertError("fn f(x) {\n  x\n", "2:4 expected '}' to close '{' at 1:9, found end of input", atEnd: true)
        assertError("fn f(a, b", "1:10 expected ')' to close '(' at 1:5, found end of input", atEnd: true)
    }

    func testIncompleteInputAsksForMore() {
        assertError("1 +", "1:4 expected an expression, found end of input", atEnd: true)
        assertError("1 +\n", "1:4 expected an expression, found end of input", atEnd: true)
        assertError("fn f(x) {\n  x +\n", "2:6 expected an expression, found end of input", atEnd: true)
        assertError("if x {", "1:7 expected '}' to close '{' at 1:6, found end of input", atEnd: true)
        assertError("if x { 1 } else", "1:16 expected '{' after 'else', found end of input", atEnd: true)
        assertError("while x", "1:8 expected '{' after the 'while' condition, found end of input", atEnd: true)
        assertError("let f = fn(x) =>", "1:17 expected an expression, found end of input", atEnd: true)
        assertError("[1, 2,", "1:7 expected ']' to close '[' at 1:1, found end of input", atEnd: true)
        assertError("a.", "1:3 expected a field name after '.', found end of input", atEnd: true)
        assertError("\"abc", "1:1 unterminated string", atEnd: true)
        assertError("let s = \"\"\"\nabc\n", "1:9 unterminated string", atEnd: true)
    }

    func testDeclarations() {
        assertError("let = 3", "1:5 expected a name after 'let', found '='")
        assertError("var 1 = 3", "1:5 expected a name after 'var', found '1'")
        assertError("let x", "1:6 expected '=' after 'let x' (every variable starts with a value), found end of input",
                    atEnd: true)
        assertError("let x 3", "1:7 expected '=' after 'let x' (every variable starts with a value), found '3'")
        assertError("for in x {}", "1:5 expected a loop variable name after 'for', found 'in'")
        assertError("for x 1..2 {}", "1:7 expected 'in' after 'for x', found '1'")
    }

    func testUnterminatedStringOnOneLine() {
        assertError("x = \"abc\ny", "1:5 unterminated string")
    }

    func testExpressions() {
        assertError("1 + * 2", "1:5 expected an expression, found '*'")
        assertError("1 2", "1:3 expected end of statement (a newline or ';'), found '2'")
        assertError("a.1", "1:3 expected a field name after '.', found '1'")
        assertError("a.(b)", "1:3 expected a field name after '.', found '('")
        assertError(")", "1:1 expected an expression, found ')'")
        assertError("1..2..3", "1:5 ranges cannot be chained")
        assertError("3 = 4", "1:3 cannot assign to this expression; the left of '=' must be a name, an index or a field")
        assertError("f() += 1", "1:5 cannot assign to this expression; the left of '+=' must be a name, an index or a field")
    }

    func testComparisonsCannotBeChained() {
        assertError("1 < 2 < 3", "1:7 comparisons cannot be chained; combine them with 'and'")
        assertError("a == b == c", "1:8 comparisons cannot be chained; combine them with 'and'")
        assertError("a < b >= c", "1:7 comparisons cannot be chained; combine them with 'and'")
    }

    func testArgumentsAndParameters() {
        assertError("f(a: 1, 2)", "1:9 positional argument after a named one")
        assertError("f(a: 1, a: 2)", "1:9 argument 'a' given twice")
        assertError("fn f(a, a) {}", "1:9 duplicate parameter 'a'")
        assertError("fn f(a = 1, b) {}", "1:13 parameter 'b' needs a default value because an earlier one has one")
        assertError("fn f(1) {}", "1:6 expected a parameter name, found '1'")
        assertError("fn f x {}", "1:6 expected '(' to start the parameter list, found 'x'")
    }

    func testRecords() {
        assertError("{a 1}", "1:4 expected ':' after field 'a', found '1'")
        assertError("{a: 1, a: 2}", "1:8 field 'a' given twice")
        assertError("{1: 2}", "1:2 expected a field name in the record, found '1'")
        assertError("{\"\\(k)\": 1}", "1:2 a record key cannot be interpolated")
    }

    func testRaggedMatrixRows() {
        assertError("[1 2; 3]", "1:1 matrix row 2 has 1 entry but row 1 has 2")
        assertError("[1 2\n3 4 5]", "1:1 matrix row 2 has 3 entries but row 1 has 2")
        assertError("x = [1 2; 3 4; 5]", "1:5 matrix row 3 has 1 entry but row 1 has 2")
    }

    func testErrorsInsideInterpolationPointIntoTheString() {
        assertError("x = \"ab \\(1 + * 2) cd\"", "1:15 expected an expression, found '*'")
        XCTAssertEqual(Parse.errors("\"\\()\"").map { "\($0.location!.column) \($0.message)" },
                       ["4 expected an expression inside '\\( )', found end of input"])
    }

    /// An error at the end of an interpolation's code is not the end of the
    /// program: the REPL must report it, not wait for another line.
    func testAnIncompleteInterpolationIsNotEndOfInput() throws {
        let diagnostics = Parse.errors("\"a \\(1 +) b\"")
        XCTAssertEqual(diagnostics.map(\.message), ["expected an expression, found end of input"])
        XCTAssertEqual(diagnostics.first?.location?.column, 9)
        try knownBug("a syntax error at the end of interpolated code (\"a \\(1 +) b\") has atEndOfInput == true, "
                     + "so the REPL waits for more input instead of reporting it",
                     if: diagnostics.first?.atEndOfInput == true)
        XCTAssertEqual(diagnostics.first?.atEndOfInput, false)
        // Same for the empty interpolation.
        XCTAssertEqual(Parse.errors("\"\\()\"").first?.atEndOfInput, false)
    }

    /// 2,000 levels of each kind of nesting. All but the first spread over
    /// lines: the lexer is slow on very long lines (see LexerTests).
    func testTooDeepNestingIsAnErrorNotACrash() {
        for (open, close) in [("(", ")"), ("[\n", "]"), ("{a:\n", "}"), ("-", ""), ("f(\n", ")"), ("if x {\n", "}"),
                              ("fn() =>\n", ""), ("x[\n", "]")] {
            let text = String(repeating: open, count: 2000) + "1" + String(repeating: close, count: 2000)
            // Recovery goes on at the next line, so more errors may follow the first.
            let diagnostics = Parse.errors(text)
            XCTAssertEqual(diagnostics.first?.message, "program nested too deeply (more than 1000 levels)", open)
            XCTAssertLessThanOrEqual(diagnostics.count, 20)
        }
        let powers = Array(repeating: "2", count: 2000).joined(separator: "^\n")
        XCTAssertEqual(Parse.errors(powers).first?.message, "program nested too deeply (more than 1000 levels)")
        let nestedStrings = String(repeating: "\"\\(", count: 1100) + "1" + String(repeating: ")\"", count: 1100)
        XCTAssertEqual(Parse.errors(nestedStrings).map(\.message), ["program nested too deeply (more than 1000 levels)"])
    }

    /// The limit counts syntactic levels: 1000 nested parentheses are fine, a
    /// few more are not. (Bracket literals and records use two levels each.)
    func testTheNestingLimitIsWhereItSaysItIs() {
        func parens(_ n: Int) -> String { String(repeating: "(", count: n) + "1" + String(repeating: ")", count: n) }
        XCTAssertEqual(Parse.errors(parens(998)).count, 0)
        XCTAssertEqual(Parse.errors(parens(1001)).map(\.message), ["program nested too deeply (more than 1000 levels)"])
    }

    func testRecoveryReportsSeveralErrors() {
        let diagnostics = Parse.errors("let = 1\nlet y 2\nok()\n1 +")
        XCTAssertEqual(diagnostics.map { "\($0.location!.line):\($0.location!.column)" }, ["1:5", "2:7", "4:4"])
    }

    func testAtMostTwentyErrors() {
        let text = Array(repeating: "let = 1", count: 50).joined(separator: "\n")
        XCTAssertEqual(Parse.errors(text).count, 20)
    }

    // MARK: - Rendering

    func testRenderShowsFileLineColumnTheLineAndACaret() {
        let d = Parse.errors("let x = 1 +* 2", name: "calc.pv")[0]
        XCTAssertEqual(d.render(), """
            calc.pv:1:12: error: expected an expression, found '*'
                let x = 1 +* 2
                           ^
            """)
    }

    func testRenderAfterTabsAndNonASCIIText() {
        XCTAssertEqual(Parse.errors("\tlet = 3")[0].render(), """
            t.pv:1:6: error: expected a name after 'let', found '='
                 let = 3
                     ^
            """)
        XCTAssertEqual(Parse.errors("let s = \"αβγ\" +* 1")[0].render(), """
            t.pv:1:16: error: expected an expression, found '*'
                let s = "αβγ" +* 1
                               ^
            """)
    }

    func testRenderUsesTheLineTheErrorIsOn() {
        let file = Parse.file("let s = \"\"\"\na\n\"\"\" +* 1", name: "cell.pv", firstLine: 7)
        let d = Parser.parse(file).1[0]
        XCTAssertEqual(d.render(), """
            cell.pv:9:6: error: expected an expression, found '*'
                \"\"\" +* 1
                     ^
            """)
    }

    func testRenderCutsLongLinesAroundTheColumn() {
        let text = "x = " + String(repeating: "1 + ", count: 30) + ") + " + String(repeating: "2 + ", count: 30) + "3"
        let d = Parse.errors(text)[0]
        XCTAssertEqual(d.location?.column, 125)
        let lines = d.render().components(separatedBy: "\n")
        XCTAssertEqual(lines.count, 3)
        XCTAssertTrue(lines[1].hasPrefix("    ...") && lines[1].hasSuffix("..."), lines[1])
        XCTAssertLessThanOrEqual(lines[1].count, 4 + 3 + 100 + 3)
        // The caret is under the ')'.
        let caretColumn = lines[2].count - 1
        let shown = Array(lines[1])
        XCTAssertEqual(shown[caretColumn], ")")
    }
}
