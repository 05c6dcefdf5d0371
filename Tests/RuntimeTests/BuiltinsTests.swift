import Foundation
import Lang
import XCTest
import Engine
@testable import Runtime

/// Runs Pivot code in a fresh interpreter; returns the last value or the error message.
private func eval(_ code: String) -> Result<Value, RuntimeTestError> {
    let vm = Interpreter()
    vm.output = { _ in }
    // As in every session: the reward sets of stdlib/rewards.pv are defined.
    if let warning = vm.loadStandardLibrary() { return .failure(RuntimeTestError(message: warning)) }
    let result = vm.run(SourceFile(name: "<test>", text: code))
    if let d = result.diagnostics.first { return .failure(RuntimeTestError(message: d.message)) }
    return .success(result.value ?? .nil)
}

private struct RuntimeTestError: Error {
    let message: String
}

private func parse(_ text: String) -> Result<Value, JSONSyntaxError> {
    Result { () throws(JSONSyntaxError) -> Value in try JSONParser.parse(text) }
}

/// Seconds `body` takes (the best of a few runs, so a busy machine does not fail the test).
private func bestTime(runs: Int = 3, _ body: () -> Void) -> Double {
    var best = Double.infinity
    for _ in 0..<runs {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    return best
}

final class JSONParserTests: XCTestCase {
    func testValuesOfEveryKind() throws {
        let v = try parse(#"{"a": [1, -2.5e3, null, true, false, "s\u00e9\n"], "b": {}}"#).get()
        XCTAssertEqual(v.display(), #"{a: [1, -2500.0, nil, true, false, "sé\n"], b: {}}"#)
    }

    func testIntegersOfAnySizeAreExact() throws {
        let digits = String(repeating: "9", count: 5000)
        let v = try parse(digits).get()
        guard case .bigint(let b) = v else { return XCTFail("expected a big int, got \(v.typeName)") }
        XCTAssertEqual(b.description, digits)
        XCTAssertEqual(try parse("-9223372036854775808").get().display(), "-9223372036854775808")
        guard case .bigint = try parse("9223372036854775808").get() else { return XCTFail("Int.max + 1 must be a bigint") }
    }

    func testErrorsSayWhereAndWhat() {
        let cases: [(String, String)] = [
            ("", "expected a JSON value, found end of input at 1:1"),
            ("[1,]", "expected a JSON value, found ']' at 1:4"),
            ("{\"a\":1\n,\"b\" 2}", "expected ':' after an object key, found '2' at 2:6"),
            ("[1] 2", "unexpected text after the JSON value, found '2' at 1:5"),
            ("\"abc", "unterminated string at 1:1"),
            ("[\"é\", tru]", "expected a JSON value, found 't' at 1:7"),
            ("01", "leading zeros are not allowed in JSON numbers, found '1' at 1:2"),
            ("\"a\tb\"", "control character in a string (escape it as \\u00XX) at 1:3"),
            ("\"\\u12\"", "expected 4 hex digits after \\u, found '\"' at 1:6"),
        ]
        for (text, expected) in cases {
            switch parse(text) {
            case .success(let v): XCTFail("\(text.debugDescription) parsed as \(v.display())")
            case .failure(let e): XCTAssertEqual(e.description, expected, "for \(text.debugDescription)")
            }
        }
    }

    func testDeepNestingIsRefusedNotACrash() {
        // 100,000 open brackets: far beyond any thread stack if parsed recursively.
        for opener in ["[", "{\"a\":"] {
            let text = String(repeating: opener, count: 100_000)
            guard case .failure(let e) = parse(text) else { return XCTFail("deep nesting must fail") }
            XCTAssertTrue(e.message.hasPrefix("json nested too deeply (more than 10000 levels)"), e.message)
        }
        let justDeepEnough = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        XCTAssertNoThrow(try parse(justDeepEnough).get())
    }

    func testGarbageNeverCrashes() {
        // Random text made of JSON's own characters, plus random mutations of a
        // valid document: every one must parse or give an error, never trap.
        var rng = SplitMix(seed: 12345)
        let alphabet = Array("{}[]\":,0123456789-+.eE truefalsnul\\u\"é\n")
        let valid = #"{"a": [1, 2.5, {"b": null}], "c": "x\"y", "d": [true, false, -0.5e-3]}"#
        var parsed = 0, failed = 0
        for round in 0..<4000 {
            var text: String
            if round % 2 == 0 {
                text = String((0..<Int(rng.next() % 40)).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] })
            } else {
                var chars = Array(valid)
                for _ in 0..<(1 + Int(rng.next() % 3)) {
                    let i = Int(rng.next() % UInt64(chars.count))
                    switch rng.next() % 3 {
                    case 0: chars.remove(at: i)
                    case 1: chars.insert(alphabet[Int(rng.next() % UInt64(alphabet.count))], at: i)
                    default: chars[i] = alphabet[Int(rng.next() % UInt64(alphabet.count))]
                    }
                }
                text = String(chars)
            }
            switch parse(text) {
            case .success(let v):
                parsed += 1
                // Whatever parses re-encodes to text that parses to the same value.
                if case .success(let again) = eval("parse_json(json(parse_json(\(Value.string(text).display()))))") {
                    XCTAssertTrue(Value.equal(again, v) || containsNaNOrInf(v), "round trip of \(text.debugDescription)")
                }
            case .failure: failed += 1
            }
        }
        XCTAssertGreaterThan(parsed, 50)
        XCTAssertGreaterThan(failed, 1000)
    }

    /// Agreement with Foundation's JSONSerialization (an independent parser)
    /// on which mutated documents are valid JSON. Foundation accepts a
    /// trailing comma (`[1,]`), which RFC 8259 does not; those are left out.
    func testAcceptsExactlyWhatFoundationAccepts() {
        var rng = SplitMix(seed: 99)
        let valid = #"{"a": [1, 2.5, {"b": null}], "c": "x y", "d": [true, false, -0.5e-3, 0]}"#
        let alphabet = Array("{}[]\":,0123456789-.e tfn")
        var disagreements: [String] = []
        for _ in 0..<3000 {
            var chars = Array(valid)
            let i = Int(rng.next() % UInt64(chars.count))
            switch rng.next() % 3 {
            case 0: chars.remove(at: i)
            case 1: chars.insert(alphabet[Int(rng.next() % UInt64(alphabet.count))], at: i)
            default: chars[i] = alphabet[Int(rng.next() % UInt64(alphabet.count))]
            }
            let text = String(chars)
            let ours: Bool
            if case .success = parse(text) { ours = true } else { ours = false }
            let theirs = (try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])) != nil
            let trailingComma = text.range(of: #",\s*[\]}]"#, options: .regularExpression) != nil
            if ours != theirs && !(theirs && trailingComma) { disagreements.append(text) }
        }
        XCTAssertEqual(disagreements, [], "documents where Foundation and parse_json disagree")
    }

    func testMegabyteInputsParseInLinearTime() throws {
        // About 1 MB each: 200,000 numbers, one long string, 30,000 records.
        func numbers(_ n: Int) -> String { "[" + (0..<n).map { String($0 * 7 % 100_000) }.joined(separator: ",") + "]" }
        func string(_ n: Int) -> String { "\"" + String(repeating: "reward hacking ", count: n) + "\"" }
        func records(_ n: Int) -> String {
            "[" + Array(repeating: #"{"step":1,"reward":0.5,"ok":true}"#, count: n).joined(separator: ",") + "]"
        }
        let inputs: [(String, String, String)] = [
            ("numbers", numbers(20_000), numbers(200_000)),
            ("string", string(7_000), string(70_000)),
            ("records", records(3_000), records(30_000)),
        ]
        for (name, small, big) in inputs {
            XCTAssertGreaterThan(big.utf8.count, 1_000_000 - 100_000, name)
            let tSmall = bestTime { _ = try? JSONParser.parse(small) }
            let tBig = bestTime { _ = try? JSONParser.parse(big) }
            // Ten times the input may take at most ~twice ten times as long.
            XCTAssertLessThan(tBig, 20 * tSmall + 0.005, "\(name): \(tSmall) s for 100 KB, \(tBig) s for 1 MB")
            #if !DEBUG
            XCTAssertLessThan(tBig, 0.05, "parsing 1 MB of \(name) took \(tBig) s")
            #endif
        }
        guard case .list(let items) = try parse(numbers(200_000)).get() else { return XCTFail("expected a list") }
        XCTAssertEqual(items.count, 200_000)
    }

    func testEncodingDeepValuesIsLimited() {
        // Encoding recurses; the interpreter runs on a large stack, as here.
        let message: String? = runOnLargeStack {
            var v = Value.list([])
            for _ in 0..<20_000 { v = .list([v]) }
            var writer = JSONWriter(indent: nil)
            do throws(JSONWriter.Failure) {
                try writer.write(v, depth: 0)
                return nil
            } catch {
                if case .unencodable(let m, _) = error { return m }
                return "other"
            }
        }
        XCTAssertEqual(message, "value nested too deeply (more than 10000 levels)")
    }

    private func containsNaNOrInf(_ v: Value) -> Bool {
        switch v {
        case .float(let d): return !d.isFinite
        case .list(let items): return items.contains(where: containsNaNOrInf)
        case .record(let r): return r.fields.values.contains(where: containsNaNOrInf)
        default: return false
        }
    }
}

final class RegexBuiltinTests: XCTestCase {
    func testMatchRecord() throws {
        let v = try eval(#"match("héllo 2024-05!", r"(?<y>\d+)-(?<m>\d+)(x)?")"#).get()
        XCTAssertEqual(v.display(), #"{text: "2024-05", start: 6, end: 13, groups: ["2024", "05", nil], named: {y: "2024", m: "05"}}"#)
    }

    func testBadPatternsGiveClearErrors() {
        for (pattern, reason) in [("(ab", "expected ')'"), ("[a-", "expected ']'"), ("*a", "quantifier '*' must appear after expression")] {
            guard case .failure(let error) = eval("match(\"x\", \(Value.string(pattern).display()))") else {
                return XCTFail("\(pattern) must be refused")
            }
            XCTAssertEqual(error.message, "match: invalid regular expression \(Value.string(pattern).display()): \(reason)")
        }
    }

    func testCompiledPatternsAreCachedAndBounded() throws {
        _ = try eval(#"is_match("a", r"cache-probe-\d")"#).get()
        XCTAssertNotNil(CompiledPattern.cache.withLock { $0["cache-probe-\\d"] })
        _ = try eval(#"for i in 1..600 { is_match("a", "p" + str(i)) }"#).get()
        XCTAssertLessThanOrEqual(CompiledPattern.cache.withLock { $0.count }, CompiledPattern.cacheSize)
    }

    func testGroupNamesSkipEscapesAndClasses() {
        XCTAssertEqual(Builtins.groupNames(in: #"\((?<a>x)[(](?:y)(z)(?<b>\))"#, count: 3), ["a", nil, "b"])
        XCTAssertEqual(Builtins.groupNames(in: #"(?<=a)(?<!b)(c)"#, count: 1), [nil])
        XCTAssertEqual(Builtins.groupNames(in: #"\Q(?<no>\E(?<yes>x)"#, count: 1), ["yes"])
    }

    func testMegabyteScansAreFast() throws {
        let text = String(repeating: "Step 12: row 2 minus 3 times row 1 gives [[1, 0], [0, 1]]. ", count: 17_000) + "<answer>42</answer>"
        XCTAssertGreaterThan(text.utf8.count, 1_000_000)
        let vm = Interpreter()
        vm.defineGlobal("text", .string(text))
        #if DEBUG
        let limit = 1.0
        #else
        let limit = 0.1
        #endif
        let programs = [
            #"match(text, r"<answer>(\d+)</answer>").groups[0]"#,
            #"len(find_all(text, r"\d+"))"#,
            #"len(regex_replace(text, r"row", "r"))"#,
        ]
        var results: [String] = []
        for program in programs {
            let seconds = bestTime {
                results.append(vm.run(SourceFile(name: "<bench>", text: program)).value?.display() ?? "error")
            }
            XCTAssertLessThan(seconds, limit, program)
        }
        XCTAssertEqual(Array(results.prefix(1)), [#""42""#])
    }
}

final class RandomStreamTests: XCTestCase {
    func testIntIsUnbiasedAndInRange() {
        let r = RandomStream(seed: 3)
        var counts = [Int](repeating: 0, count: 6)
        for _ in 0..<60_000 { counts[r.nextInt(1, 6) - 1] += 1 }
        for c in counts { XCTAssertEqual(Double(c), 10_000, accuracy: 400) }
        XCTAssertEqual(r.nextInt(5, 5), 5)
        for _ in 0..<1000 {
            let x = r.nextInt(Int.max - 2, Int.max)
            XCTAssertTrue(x >= Int.max - 2)
        }
    }

    func testPortableLogAgreesWithLibm() {
        var rng = SplitMix(seed: 5)
        for i in 0..<100_000 {
            // Uniform in (0, 1) as the polar method uses it, and spread over many binades.
            var x = Double(rng.next() >> 11) * 0x1p-53 + 0x1p-60
            if i % 2 == 1 { x = Foundation.exp(Double(Int(rng.next() % 1400)) - 700) * (1 + x) }
            let expected = Foundation.log(x)
            XCTAssertEqual(portableLog(x), expected, accuracy: expected.ulp, "log(\(x))")
        }
        XCTAssertEqual(portableLog(1), 0)
        XCTAssertEqual(portableLog(0), -.infinity)
    }
}

final class BuiltinCatalogTests: XCTestCase {
    func testEveryBuiltinHasAUniqueNameAndUsefulHelp() {
        let vm = Interpreter()
        var seen = Set<String>()
        for b in vm.builtinList {
            XCTAssertTrue(seen.insert(b.name).inserted, "\(b.name) is defined twice")
            let lines = b.help.split(separator: "\n", omittingEmptySubsequences: false)
            XCTAssertFalse(b.summary.isEmpty, "\(b.name) has no summary")
            XCTAssertFalse(b.summary.hasSuffix(" "), "\(b.name)'s summary ends in a space")
            if lines.count > 1 { XCTAssertEqual(lines[1], "", "\(b.name): a blank line must follow the summary") }
        }
    }
}

extension BuiltinCatalogTests {
    /// Help examples written `  CODE   # VALUE` must be true: CODE must give
    /// VALUE. Comments that are prose rather than a value ("a new list") and
    /// examples needing earlier lines (`let`, `for`, `print`) are skipped.
    func testHelpExamplesAreTrue() throws {
        let example = try NSRegularExpression(pattern: #"^\s{2,}(\S.*?)\s+# (.*)$"#)
        var checked = 0
        for b in Interpreter().builtinList {
            for line in b.help.split(separator: "\n").map(String.init) {
                let range = NSRange(line.startIndex..., in: line)
                guard let m = example.firstMatch(in: line, range: range),
                      let codeRange = Range(m.range(at: 1), in: line),
                      let expectedRange = Range(m.range(at: 2), in: line) else { continue }
                let code = String(line[codeRange]), expected = String(line[expectedRange])
                if ["let ", "for ", "print(", "if "].contains(where: code.hasPrefix) { continue }
                guard case .success(let want) = eval(expected) else { continue }
                switch eval(code) {
                case .success(let got):
                    XCTAssertEqual(got.display(), want.display(), "help of \(b.name): \(code)")
                case .failure(let error):
                    XCTFail("help of \(b.name): \(code) fails: \(error.message)")
                }
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 100)
    }
}

/// splitmix64, for test data (independent of the code under test's use of it).
private struct SplitMix {
    var x: UInt64
    init(seed: UInt64) { x = seed }
    mutating func next() -> UInt64 {
        x &+= 0x9E37_79B9_7F4A_7C15
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
