/// XML-like tags in completions: `<answer>…</answer>`, `<think>…</think>`.
///
/// A tag is `<NAME>` or `</NAME>` exactly: NAME starts with a letter or '_'
/// and goes on with letters, digits, '_', '-', '.', ':' (at most 64 bytes);
/// names are case-sensitive and tags carry no attributes. Contents are
/// returned without surrounding whitespace.
extension CompletionParser {
    static let maxTagName = 64

    /// Whether `name` can be a tag name.
    public static func isValidTagName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard let first = bytes.first, bytes.count <= maxTagName, isLetter(first) || first == UInt8(ascii: "_") else {
            return false
        }
        return bytes.allSatisfy(isTagNameByte)
    }

    /// The content of the last complete `<name>…</name>` in `text`, or nil.
    ///
    /// The last wins because models restate the format ("answer inside
    /// <answer></answer>") before they answer, and the final answer comes
    /// last. "Complete" means closed: an unterminated `<name>` at the end
    /// (a truncated completion) is skipped for the complete one before it.
    /// The content runs from the last `<name>` before the last `</name>` to
    /// the first `</name>` after it, so nested tags give the inner content.
    public static func tag(_ text: String, _ name: String) -> String? {
        let t = ByteText(text)
        let open = Array("<\(name)>".utf8), close = Array("</\(name)>".utf8)
        var c = t.count - close.count
        while c >= 0 && !(t[c] == UInt8(ascii: "<") && t.hasBytes(close, at: c)) { c -= 1 }
        guard c >= 0 else { return nil }
        var o = c - open.count
        while o >= 0 && !(t[o] == UInt8(ascii: "<") && t.hasBytes(open, at: o)) { o -= 1 }
        guard o >= 0 else { return nil }
        var first = o + open.count
        while first < c && !(t[first] == UInt8(ascii: "<") && t.hasBytes(close, at: first)) { first += 1 }
        return t.string(t.trimmed((o + open.count)..<first))
    }

    /// Every complete `<name>…</name>` pair in `text`, ordered by where it
    /// opens; pairs may nest (`<think>` around `<answer>`) and both are listed.
    /// A close tag pairs with the nearest open tag of its name; open tags
    /// between them that never close are dropped, and a close tag with no
    /// open one is ignored. One pass with a stack: linear time.
    public static func tags(_ text: String) -> [(name: String, content: String)] {
        let t = ByteText(text)
        var stack: [(name: String, contentStart: Int, start: Int)] = []
        var openCounts: [String: Int] = [:]
        var pairs: [(start: Int, name: String, content: Range<Int>)] = []
        var i = 0
        while i < t.count {
            guard t[i] == UInt8(ascii: "<") else { i += 1; continue }
            let closing = t[i + 1] == UInt8(ascii: "/")
            let nameStart = i + (closing ? 2 : 1)
            var k = nameStart
            let first = t[k]
            guard isLetter(first) || first == UInt8(ascii: "_") else { i += 1; continue }
            while k < t.count && k - nameStart < maxTagName && isTagNameByte(t[k]) { k += 1 }
            guard t[k] == UInt8(ascii: ">") else { i += 1; continue }
            let name = t.string(nameStart..<k)
            if !closing {
                stack.append((name, k + 1, i))
                openCounts[name, default: 0] += 1
            } else if let count = openCounts[name], count > 0 {
                // Every open tag popped here is popped once: amortised linear.
                while let top = stack.popLast() {
                    openCounts[top.name, default: 1] -= 1
                    if top.name == name {
                        pairs.append((top.start, name, top.contentStart..<i))
                        break
                    }
                }
            }
            i = k + 1
        }
        pairs.sort { $0.start < $1.start }
        return pairs.map { ($0.name, t.string(t.trimmed($0.content))) }
    }
}

@inline(__always) func isTagNameByte(_ b: UInt8) -> Bool {
    isLetter(b) || isDigit(b) || b == UInt8(ascii: "_") || b == UInt8(ascii: "-") || b == UInt8(ascii: ".") || b == UInt8(ascii: ":")
}
