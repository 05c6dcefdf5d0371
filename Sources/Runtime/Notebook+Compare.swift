import Foundation

/// How `pivot replay --check` decides that a cell's output is the one
/// recorded, and how it shows the difference when it is not.
///
/// Lines are compared one by one. Equal text matches. Otherwise a line is
/// split into numbers and words (whitespace only separates them, so column
/// alignment may shift); if either side holds a float — a number with a
/// decimal point or an exponent, or `nan`/`inf` — the lines match when
/// they have the same tokens, every word and every pair of integers equal,
/// and every other pair of numbers close:
/// `|a - b| <= atol + rtol * max(|a|, |b|)`. A line with no float must
/// match exactly: integers, rationals (`-14/11`), strings and exact
/// matrices are exact.
public struct NotebookTolerance: Equatable, CustomStringConvertible {
    public var rtol: Double
    public var atol: Double

    public static let standard = NotebookTolerance(rtol: 1e-6, atol: 1e-12)

    public init(rtol: Double, atol: Double) {
        self.rtol = rtol
        self.atol = atol
    }

    public var description: String { "rtol \(Self.format(rtol)), atol \(Self.format(atol))" }

    static func format(_ x: Double, digits: Int = 6) -> String {
        if x == 0 { return "0" }
        let text = String(format: "%.\(digits)g", x)
        return text.replacingOccurrences(of: "e-0", with: "e-").replacingOccurrences(of: "e+0", with: "e+")
    }

    /// Whether two floats are within tolerance (nan matches nan, an
    /// infinity only itself).
    public func close(_ a: Double, _ b: Double) -> Bool {
        if a == b || (a.isNaN && b.isNaN) { return true }
        guard a.isFinite && b.isFinite else { return false }
        return abs(a - b) <= atol + rtol * max(abs(a), abs(b))
    }
}

/// One piece of an output line.
enum OutputToken: Equatable {
    /// Digits, perhaps signed: compared exactly (as text, so any size works).
    case integer(String)
    /// A number with '.' or an exponent, or nan/inf: compared with tolerance.
    case float(Double)
    /// Anything else between whitespace and numbers.
    case word(String)

    var isFloat: Bool { if case .float = self { true } else { false } }
}

extension Notebook {
    /// Splits an output line into numbers and words; whitespace is dropped.
    static func tokens(_ line: String) -> [OutputToken] {
        let chars = Array(line.unicodeScalars)
        var tokens: [OutputToken] = []
        var word = String.UnicodeScalarView()
        func flushWord() {
            if !word.isEmpty { tokens.append(.word(String(word))) }
            word = String.UnicodeScalarView()
        }
        func isDigit(_ i: Int) -> Bool { i >= 0 && i < chars.count && ("0"..."9").contains(chars[i]) }
        func isLetter(_ i: Int) -> Bool {
            i >= 0 && i < chars.count && (chars[i].properties.isAlphabetic || chars[i] == "_")
        }
        // nan, inf, -inf as whole words: floats a computation may give.
        func specialFloat(at i: Int) -> (Double, Int)? {
            guard !isLetter(i - 1) else { return nil }
            for (name, value) in [("-inf", -Double.infinity), ("inf", .infinity), ("nan", .nan)] {
                let scalars = Array(name.unicodeScalars)
                if i + scalars.count <= chars.count, Array(chars[i..<i + scalars.count]) == scalars,
                   !isLetter(i + scalars.count), !isDigit(i + scalars.count) {
                    return (value, scalars.count)
                }
            }
            return nil
        }
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c.properties.isWhitespace {
                flushWord()
                i += 1
                continue
            }
            if let (value, length) = specialFloat(at: i) {
                flushWord()
                tokens.append(.float(value))
                i += length
                continue
            }
            // A number: [-]digits[.digits][e[+-]digits]; a '-' is a sign only
            // where it cannot be a binary minus between two names or numbers.
            let signed = (c == "-" || c == "+") && isDigit(i + 1) && !isLetter(i - 1) && !isDigit(i - 1)
            if isDigit(i) || signed {
                flushWord()
                var j = signed ? i + 1 : i
                while isDigit(j) { j += 1 }
                var isFloat = false
                if j < chars.count, chars[j] == ".", isDigit(j + 1) {
                    isFloat = true
                    j += 1
                    while isDigit(j) { j += 1 }
                }
                if j < chars.count, chars[j] == "e" || chars[j] == "E" {
                    var k = j + 1
                    if k < chars.count, chars[k] == "+" || chars[k] == "-" { k += 1 }
                    if isDigit(k) {
                        isFloat = true
                        j = k
                        while isDigit(j) { j += 1 }
                    }
                }
                var text = String(String.UnicodeScalarView(chars[i..<j]))
                if text.hasPrefix("+") { text.removeFirst() }
                if isFloat, let value = Double(text) {
                    tokens.append(.float(value))
                } else {
                    tokens.append(.integer(text))
                }
                i = j
                continue
            }
            word.append(c)
            i += 1
        }
        flushWord()
        return tokens
    }

    /// Whether a replayed output line matches the recorded one.
    static func linesMatch(recorded: String, got: String, tolerance: NotebookTolerance) -> Bool {
        if recorded == got { return true }
        let a = tokens(recorded), b = tokens(got)
        guard a.count == b.count, a.contains(where: \.isFloat) || b.contains(where: \.isFloat) else { return false }
        for (x, y) in zip(a, b) {
            switch (x, y) {
            case (.word(let u), .word(let v)):
                if u != v { return false }
            case (.integer(let u), .integer(let v)):
                if u != v { return false }
            case (.float(let u), .float(let v)):
                if !tolerance.close(u, v) { return false }
            case (.float(let u), .integer(let v)), (.integer(let v), .float(let u)):
                guard let w = Double(v), tolerance.close(u, w) else { return false }
            default:
                return false
            }
        }
        return true
    }

    /// When two outputs differ only in float values (same lines, same
    /// words and integers), the largest relative difference between them:
    /// what `--rtol` would have to allow. nil otherwise.
    static func largestFloatDifference(recorded: [String], got: [String]) -> Double? {
        guard recorded.count == got.count else { return nil }
        var worst = 0.0
        for (old, new) in zip(recorded, got) where old != new {
            let a = tokens(old), b = tokens(new)
            guard a.count == b.count else { return nil }
            for (x, y) in zip(a, b) {
                switch (x, y) {
                case (.float(let u), .float(let v)):
                    guard u.isFinite && v.isFinite else {
                        if u == v || (u.isNaN && v.isNaN) { continue }
                        return nil
                    }
                    if u != v { worst = max(worst, abs(u - v) / max(abs(u), abs(v))) }
                case (.float(let u), .integer(let t)), (.integer(let t), .float(let u)):
                    guard let v = Double(t), u.isFinite else { return nil }
                    if u != v { worst = max(worst, abs(u - v) / max(abs(u), abs(v))) }
                default:
                    if x != y { return nil }
                }
            }
        }
        return worst > 0 ? worst : nil
    }

    // MARK: - Diffs

    /// A line of a cell's diff.
    public enum DiffLine: Equatable {
        /// In both (perhaps within tolerance): the replayed text.
        case same(String)
        /// Recorded, not replayed.
        case recorded(String)
        /// Replayed, not recorded.
        case got(String)
    }

    /// The lines of `recorded` and `got` aligned by a longest common
    /// subsequence under `match`; nil when every line matches.
    static func diff(recorded: [String], got: [String], match: (String, String) -> Bool) -> [DiffLine]? {
        if recorded.count == got.count && zip(recorded, got).allSatisfy(match) { return nil }
        // The common ends first: a cell's output usually differs in a few lines.
        var prefix = 0
        while prefix < recorded.count, prefix < got.count, match(recorded[prefix], got[prefix]) { prefix += 1 }
        var suffix = 0
        while suffix < recorded.count - prefix, suffix < got.count - prefix,
              match(recorded[recorded.count - 1 - suffix], got[got.count - 1 - suffix]) { suffix += 1 }
        let a = Array(recorded[prefix..<recorded.count - suffix])
        let b = Array(got[prefix..<got.count - suffix])
        var middle: [DiffLine] = []
        if a.count * b.count > 4_000_000 {
            // Too big to align: everything recorded, then everything replayed.
            middle = a.map(DiffLine.recorded) + b.map(DiffLine.got)
        } else {
            // lengths[i][j]: the LCS of a[i...] and b[j...].
            var lengths = [[Int32]](repeating: [Int32](repeating: 0, count: b.count + 1), count: a.count + 1)
            for i in stride(from: a.count - 1, through: 0, by: -1) {
                for j in stride(from: b.count - 1, through: 0, by: -1) {
                    lengths[i][j] = match(a[i], b[j]) ? lengths[i + 1][j + 1] + 1 : max(lengths[i + 1][j], lengths[i][j + 1])
                }
            }
            var i = 0, j = 0
            while i < a.count || j < b.count {
                if i < a.count, j < b.count, match(a[i], b[j]) {
                    middle.append(.same(b[j])); i += 1; j += 1
                } else if j < b.count, i == a.count || lengths[i][j + 1] >= lengths[i + 1][j] {
                    // Recorded lines first, then replayed, as unified diffs show them.
                    if i < a.count, lengths[i + 1][j] == lengths[i][j + 1] {
                        middle.append(.recorded(a[i])); i += 1
                    } else {
                        middle.append(.got(b[j])); j += 1
                    }
                } else {
                    middle.append(.recorded(a[i])); i += 1
                }
            }
        }
        return got[..<prefix].map(DiffLine.same) + middle + got[(got.count - suffix)...].map(DiffLine.same)
    }

    /// A diff as text: `-` recorded, `+` replayed, two lines of context
    /// around each change, `...` for what is left out; at most `limit`
    /// changed lines.
    static func render(_ diff: [DiffLine], indent: String = "  ", context: Int = 2, limit: Int = 40) -> String {
        let changed = diff.indices.filter { if case .same = diff[$0] { false } else { true } }
        var shown = Set<Int>()
        for index in changed.prefix(limit) {
            for k in max(0, index - context)...min(diff.count - 1, index + context) { shown.insert(k) }
        }
        var out = ""
        var skipped = false
        for (index, line) in diff.enumerated() {
            guard shown.contains(index) else {
                skipped = true
                continue
            }
            if skipped && index > 0 { out += indent + "  ...\n" }
            skipped = false
            switch line {
            case .same(let text): out += indent + "  " + text + "\n"
            case .recorded(let text): out += indent + "- " + text + "\n"
            case .got(let text): out += indent + "+ " + text + "\n"
            }
        }
        if changed.count > limit {
            out += indent + "  ... and \(changed.count - limit) more changed line\(changed.count - limit == 1 ? "" : "s")\n"
        } else if skipped {
            out += indent + "  ...\n"
        }
        return out
    }
}
