// Format, length and language rewards: pure functions of the completion
// text, on UTF-8 bytes (linear time, no regex engine, no allocation per
// character). The GSM8K-demo rewards reproduce that demo's regexes exactly,
// including their quirks, so scores compare with published runs.

public enum FormatRewards {
    /// Occurrences of `needle` in `text` (non-overlapping, as Python's str.count).
    static func count(_ needle: [UInt8], in text: UnsafeBufferPointer<UInt8>) -> Int {
        var n = 0, i = 0
        while let at = find(needle, in: text, from: i) {
            n += 1
            i = at + needle.count
        }
        return n
    }

    @inline(__always)
    static func matches(_ needle: [UInt8], _ text: UnsafeBufferPointer<UInt8>, at i: Int) -> Bool {
        guard i >= 0, i + needle.count <= text.count else { return false }
        for k in 0..<needle.count where text[i + k] != needle[k] { return false }
        return true
    }

    /// First index ≥ `from` where `needle` starts, or nil.
    static func find(_ needle: [UInt8], in text: UnsafeBufferPointer<UInt8>, from: Int = 0) -> Int? {
        needle.withUnsafeBufferPointer { ByteSearch.first($0, in: text, from: from) }
    }

    /// Last index where `needle` starts, or nil.
    static func findLast(_ needle: [UInt8], in text: UnsafeBufferPointer<UInt8>) -> Int? {
        guard !needle.isEmpty, text.count >= needle.count else { return nil }
        var i = text.count - needle.count
        while i >= 0 {
            if text[i] == needle[0] && matches(needle, text, at: i) { return i }
            i -= 1
        }
        return nil
    }

    /// Unicode scalars (Python's len) in the bytes from `start` to the end.
    static func scalarCount(_ text: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        // Branch-free so the compiler vectorizes it: every byte that is not
        // a continuation byte (10xxxxxx) starts a scalar.
        var n = 0
        for b in UnsafeBufferPointer(rebasing: text[max(0, min(start, text.count))...]) {
            n &+= Int(truncatingIfNeeded: ((b & 0xC0) ^ 0x80) != 0 ? 1 : 0)
        }
        return n
    }

    static let reasoningOpen = Array("<reasoning>".utf8), reasoningClose = Array("</reasoning>".utf8)
    static let answerOpen = Array("<answer>".utf8), answerClose = Array("</answer>".utf8)
    static let reasoningLine = Array("<reasoning>\n".utf8), reasoningEndLine = Array("\n</reasoning>\n".utf8)
    static let answerLine = Array("\n<answer>\n".utf8), answerEndLine = Array("\n</answer>\n".utf8)
    static let answerEnd = Array("\n</answer>".utf8)
    static let strictMiddle = Array("\n</reasoning>\n<answer>\n".utf8)

    /// 1 when both <reasoning>…</reasoning> and <answer>…</answer> are present.
    public static func tagsPresent(_ text: String) -> Double {
        withBytes(text) { t in
            guard let ro = find(reasoningOpen, in: t), find(reasoningClose, in: t, from: ro) != nil,
                  let ao = find(answerOpen, in: t), find(answerClose, in: t, from: ao) != nil else { return 0 }
            return 1
        }
    }

    /// 1 when the four tags appear once each, in the order reasoning, answer.
    public static func tagsInOrder(_ text: String) -> Double {
        withBytes(text) { t in
            let tags = [reasoningOpen, reasoningClose, answerOpen, answerClose]
            guard tags.allSatisfy({ count($0, in: t) == 1 }) else { return 0 }
            let positions = tags.compactMap { find($0, in: t) }
            return positions == positions.sorted() ? 1 : 0
        }
    }

    /// The demo's strict_format_reward_func: re.match of
    /// `^<reasoning>\n.*?\n</reasoning>\n<answer>\n.*?\n</answer>\n$` without
    /// DOTALL — so each part is one line — and `$` also matching before one
    /// final newline.
    public static func strictFormat(_ text: String) -> Double {
        withBytes(text) { t in
            let head = reasoningLine, middle = strictMiddle, tail = answerEndLine
            guard matches(head, t, at: 0) else { return 0 }
            // '.' stops at a newline, so the reasoning line ends at the first one.
            guard let firstNewline = find([10], in: t, from: head.count), matches(middle, t, at: firstNewline) else { return 0 }
            let answerStart = firstNewline + middle.count
            guard let secondNewline = find([10], in: t, from: answerStart), matches(tail, t, at: secondNewline) else { return 0 }
            let end = secondNewline + tail.count
            return end == t.count || (end == t.count - 1 && t[end] == 10) ? 1 : 0
        }
    }

    /// The demo's soft_format_reward_func: re.match of
    /// `<reasoning>.*?</reasoning>\s*<answer>.*?</answer>` without DOTALL
    /// (anchored at the start, anything may follow).
    public static func softFormat(_ text: String) -> Double {
        withBytes(text) { t in
            guard matches(reasoningOpen, t, at: 0) else { return 0 }
            let lineEnd = find([10], in: t, from: reasoningOpen.count) ?? t.count
            var candidate = find(reasoningClose, in: t, from: reasoningOpen.count)
            // Backtracking over '.*?': every </reasoning> on the first line is a candidate.
            while let close = candidate, close + reasoningClose.count <= lineEnd {
                var i = close + reasoningClose.count
                while i < t.count, isSpace(t[i]) { i += 1 }
                if matches(answerOpen, t, at: i) {
                    let start = i + answerOpen.count
                    let answerLineEnd = find([10], in: t, from: start) ?? t.count
                    if let end = find(answerClose, in: t, from: start), end + answerClose.count <= answerLineEnd { return 1 }
                }
                candidate = find(reasoningClose, in: t, from: close + 1)
            }
            return 0
        }
    }

    @inline(__always)
    static func isSpace(_ b: UInt8) -> Bool { b == 32 || (b >= 9 && b <= 13) }

    /// The demo's xmlcount_reward_func (count_xml): 0.125 for each of the
    /// four tag lines present exactly once, less 0.001 per character after
    /// the answer.
    public static func xmlCount(_ text: String) -> Double {
        withBytes(text) { t in
            var score = 0.0
            if count(reasoningLine, in: t) == 1 { score += 0.125 }
            if count(reasoningEndLine, in: t) == 1 { score += 0.125 }
            if count(answerLine, in: t) == 1 {
                score += 0.125
                // len(text.split("\n</answer>\n")[-1]): what follows the last separator.
                let separator = answerEndLine
                let after = findLast(separator, in: t).map { $0 + separator.count } ?? 0
                score -= Double(scalarCount(t, from: after)) * 0.001
            }
            if count(answerEnd, in: t) == 1 {
                score += 0.125
                let separator = answerEnd
                let after = findLast(separator, in: t).map { $0 + separator.count } ?? 0
                score -= Double(scalarCount(t, from: after) - 1) * 0.001
            }
            return score
        }
    }

    /// 1 when nothing but whitespace lies outside the reasoning and answer tags.
    public static func noExtraText(_ text: String) -> Double {
        withBytes(text) { t in
            guard let ro = find(reasoningOpen, in: t), let rc = find(reasoningClose, in: t, from: ro),
                  let ao = find(answerOpen, in: t, from: rc), let ac = findLast(answerClose, in: t), ac >= ao else { return 0 }
            func blank(_ range: Range<Int>) -> Bool { range.allSatisfy { isSpace(t[$0]) } }
            return blank(0..<ro) && blank((rc + reasoningClose.count)..<ao) && blank((ac + answerClose.count)..<t.count) ? 1 : 0
        }
    }

    /// Characters (Unicode scalars, as Python's len), counted on the bytes.
    public static func length(_ text: String) -> Int {
        withBytes(text) { scalarCount($0, from: 0) }
    }

    /// 0 up to `budget` characters, then -perCharacter for each one beyond.
    public static func lengthPenalty(_ text: String, budget: Int, perCharacter: Double) -> Double {
        let length = length(text)
        return length <= budget ? 0 : -Double(length - budget) * perCharacter
    }

    /// DAPO's soft overlong punishment (Yu et al. 2025): 0 up to
    /// maxLength − cache, then falling linearly to −1 at maxLength, −1 beyond.
    public static func overlong(length: Int, maxLength: Int, cache: Int) -> Double {
        let soft = maxLength - cache
        if length <= soft { return 0 }
        if length <= maxLength { return Double(soft - length) / Double(max(1, cache)) }
        return -1
    }

    /// 1 minus the share of characters that are neither ASCII nor
    /// mathematical (Unicode math symbols, Greek letters, sub/superscripts):
    /// a completion that drifts into another language scores below 1.
    public static func language(_ text: String) -> Double {
        // Most completions are ASCII: one pass over the bytes decides.
        if withBytes(text, { t in t.reduce(UInt8(0), |) < 0x80 }) { return 1 }
        var total = 0, foreign = 0
        for scalar in text.unicodeScalars {
            total += 1
            if scalar.isASCII { continue }
            let v = scalar.value
            let mathematical = scalar.properties.generalCategory == .mathSymbol
                || (0x0370...0x03FF).contains(v)      // Greek (λ, Σ)
                || (0x2070...0x209F).contains(v)      // super- and subscripts
                || (0x2200...0x22FF).contains(v)      // mathematical operators
                || (0x27C0...0x27EF).contains(v) || (0x2980...0x2AFF).contains(v)
                || (0x1D400...0x1D7FF).contains(v)    // mathematical alphanumerics
                || v == 0x00B7 || v == 0x00D7 || v == 0x00F7 || v == 0x2212 || v == 0x22C5
            if !mathematical { foreign += 1 }
        }
        return total == 0 ? 1 : 1 - Double(foreign) / Double(total)
    }

    static func withBytes<R>(_ text: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        var text = text
        return text.withUTF8(body)
    }
}
