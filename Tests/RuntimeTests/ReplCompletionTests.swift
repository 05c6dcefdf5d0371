import Foundation
import XCTest
@testable import Runtime

/// What TAB offers. `complete(line)` puts the word start where libedit
/// would: after the last character of `LineEditor.wordBreaks`.
final class ReplCompletionTests: XCTestCase {
    var repl: Repl!

    override func setUp() {
        // Globals start with "zz" so that builtins added later do not join in.
        repl = replSession(["let record = {alpha: 1, beta: 2, also: 3}", "fn zzsquare(x) { x * x }", "let zzsqrt2 = 1.414"]).repl
    }

    func complete(_ line: String) -> LineEditor.Completion {
        let breaks = Set(String(cString: LineEditor.wordBreaks).unicodeScalars)
        let scalars = Array(line.unicodeScalars)
        var start = scalars.count
        while start > 0, !breaks.contains(scalars[start - 1]) { start -= 1 }
        return repl.complete(line, wordStart: start)
    }

    func testBuiltinsGetAnOpeningParenthesis() {
        XCTAssertEqual(complete("prin"), LineEditor.Completion(replacements: ["print"], appended: "("))
        XCTAssertEqual(complete("x = zzsqu"), LineEditor.Completion(replacements: ["zzsquare"], appended: "("))
    }

    func testKeywordsAndGlobals() {
        XCTAssertEqual(complete("whi"), LineEditor.Completion(replacements: ["while"], appended: " "))
        XCTAssertEqual(complete("fals").replacements, ["false"])
        XCTAssertNil(complete("fals").appended)
        XCTAssertEqual(complete("1 + zzs").replacements, ["zzsqrt2", "zzsquare"])
        XCTAssertNil(complete("1 + zzsqr").appended, "a number is followed by nothing")
        XCTAssertEqual(complete("[recor").replacements, ["record"])
        XCTAssertTrue(complete("an").replacements.contains("ans"), "ans is a global")
    }

    func testRecordFieldsAfterAPlainVariable() {
        XCTAssertEqual(complete("record.al").replacements, ["alpha", "also"])
        XCTAssertEqual(complete("len(record.b").replacements, ["beta"])
        XCTAssertEqual(complete("record.").replacements, ["alpha", "beta", "also"])
        XCTAssertEqual(complete("record.al").appended, nil)
    }

    func testNothingIsEvaluatedToCompleteAField() {
        XCTAssertEqual(complete("zzsquare(2).a"), .none)
        XCTAssertEqual(complete("record.alpha.x"), .none)
        XCTAssertEqual(complete("nothing_here.x"), .none)
        XCTAssertEqual(complete("1.5"), .none)
    }

    func testNothingInsideStringsAndComments() {
        XCTAssertEqual(complete("print(\"prin"), .none)
        XCTAssertEqual(complete("1 # prin"), .none)
        XCTAssertEqual(complete("\"a\\\"b\" + prin").replacements, ["print"])
    }

    func testTabAfterBlanksIndents() {
        XCTAssertEqual(complete("").replacements, ["    "])
        XCTAssertEqual(complete("  ").replacements, ["    "])
    }

    func testCommandsAndTheirArguments() {
        XCTAssertEqual(complete(":he"), LineEditor.Completion(replacements: ["help"], appended: " "))
        XCTAssertEqual(complete(":h").replacements, ["help", "history"])
        XCTAssertEqual(complete(":help prin").replacements, ["print"])
        XCTAssertEqual(complete(":help :lo").replacements, ["load"])
        XCTAssertEqual(complete(":help whi").replacements, ["while"])
        XCTAssertEqual(complete(":time zzsqu").replacements, ["zzsquare"])
        XCTAssertEqual(complete(":time record.be").replacements, ["beta"])
        XCTAssertEqual(complete(":reset x"), .none)
    }

    func testFileNamesForLoadAndSave() throws {
        let directory = NSTemporaryDirectory() + "pivot-complete-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory + "/sub.dir", withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: directory + "/notes.pv", contents: Data())
        FileManager.default.createFile(atPath: directory + "/notebook.pv", contents: Data())
        FileManager.default.createFile(atPath: directory + "/.hidden", contents: Data())

        // The editor's word is what follows the last '/', '.' or '-'.
        XCTAssertEqual(complete(":load \(directory)/no").replacements, ["notebook.pv", "notes.pv"])
        XCTAssertEqual(complete(":load \(directory)/notes.").replacements, ["pv"])
        XCTAssertEqual(complete(":save \(directory)/su").replacements, ["sub.dir/"])
        XCTAssertEqual(complete(":load \(directory)/").replacements, ["notebook.pv", "notes.pv", "sub.dir/"])
        XCTAssertEqual(complete(":load \(directory)/.h").replacements, ["hidden"])
    }

    func testNativeObjectMembers() {
        final class Thing: NativeObject {
            var typeName: String { "thing" }
            func member(_ name: String, vm: Interpreter) throws(Unwind) -> Value? { nil }
            var memberNames: [String] { ["sample", "size"] }
            func display() -> String { "<thing>" }
        }
        repl.vm.defineGlobal("thing", .object(Thing()))
        XCTAssertEqual(complete("thing.s").replacements, ["sample", "size"])
    }
}
