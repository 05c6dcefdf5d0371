import Engine
import Foundation
import OrderedCollections
import Synchronization

extension Builtins {
    /// match, find_all, is_match, regex_replace, regex_split, regex_escape.
    ///
    /// Patterns are ICU regular expressions run by Foundation's
    /// NSRegularExpression. It was measured against Swift's `Regex` on 1 MB
    /// of model-like output (Swift 6.3, Linux, -O): where the whole megabyte
    /// is scanned it is 2.5-12x faster (`<answer>(.*?)</answer>` at the end:
    /// ~4 ms against ~43 ms; all `\d+`: ~32 ms against ~90 ms; no match for
    /// `[A-Za-z]+@[a-z]+\.com`: ~60 ms against ~160 ms). Swift's Regex wins
    /// only when the match is near the start (NSRegularExpression first
    /// copies the string to UTF-16: ~3 ms per MB). Compiled patterns are
    /// cached by their text.
    static func regex() -> [Builtin] {
        [
            Builtin("match", [.required("s"), .required("pattern")],
                    help: """
                    The first match of a regular expression anywhere in s (a search), or nil.

                    The result is a record {text, start, end, groups, named}:
                    start/end are character positions (s[start:end] is the text),
                    groups the texts of the capture groups (nil for a group that
                    did not take part), named the named groups (?<name>...).
                    Patterns are ICU regular expressions; write them as raw strings
                    r"..." so backslashes need no doubling. '.' does not match a
                    newline unless the pattern starts with (?s); (?i) ignores case,
                    (?m) makes ^ and $ match at line breaks. Anchor with ^...$ to
                    match the whole string.
                      match("x = 42", r"\\d+").text                       # "42"
                      match("<answer>7</answer>", r"<answer>(.*?)</answer>").groups  # ["7"]
                      match("abc", r"\\d")                                # nil
                    Beware patterns that backtrack badly, such as (a+)+b or
                    (\\w+\\s?)+$ on long text: they can take exponential time
                    (Ctrl-C stops them with the error "interrupted").
                    """) { args throws(Unwind) in
                let s = try args.string(0)
                let rx = try compiledPattern(args, 1)
                guard let m = try rx.matches(in: s, limit: 1).first else { return .nil }
                var cursor = CharacterCursor(s)
                return rx.record(for: m, in: s, cursor: &cursor)
            },
            Builtin("find_all", [.required("s"), .required("pattern")],
                    help: """
                    Every non-overlapping match of a regular expression in s, left to right.

                    Like Python's re.findall: without capture groups, the matched
                    texts; with one group, that group's text for each match; with
                    several, a list of the groups' texts for each match (nil for a
                    group that did not take part).
                      find_all("a1 b22 c333", r"\\d+")              # ["1", "22", "333"]
                      find_all("x=1, y=2", r"(\\w)=(\\d)")           # [["x", "1"], ["y", "2"]]
                      find_all("<a>1</a><a>2</a>", r"<a>(.*?)</a>")  # ["1", "2"]
                    """) { args throws(Unwind) in
                let s = try args.string(0)
                let rx = try compiledPattern(args, 1)
                let groups = rx.regex.numberOfCaptureGroups
                let found = try rx.matches(in: s, limit: .max)
                var out: [Value] = []
                out.reserveCapacity(found.count)
                for m in found {
                    switch groups {
                    case 0: out.append(substring(s, m.range))
                    case 1: out.append(substring(s, m.range(at: 1)))
                    default: out.append(.list((1...groups).map { substring(s, m.range(at: $0)) }))
                    }
                }
                return .list(out)
            },
            Builtin("is_match", [.required("s"), .required("pattern")],
                    help: """
                    Whether a regular expression matches anywhere in s (a search; anchor with ^...$ for the whole string).

                      is_match("answer: 12", r"\\d")        # true
                      is_match("answer: 12", r"^\\d+$")     # false
                    """) { args throws(Unwind) in
                let s = try args.string(0)
                let rx = try compiledPattern(args, 1)
                return .bool(!(try rx.matches(in: s, limit: 1).isEmpty))
            },
            Builtin("regex_replace", [.required("s"), .required("pattern"), .required("replacement"), .optional("count")],
                    help: """
                    s with each match of a regular expression replaced (only the first `count:` when given).

                    In a replacement string $0 is the whole match, $1... the groups
                    and ${name} a named group; write \\$ for a literal dollar sign.
                    The replacement may instead be a function: it gets the match
                    record (as match() returns it) and its result, as str() shows
                    it, is put in.
                      regex_replace("a1b22", r"\\d+", "#")                # "a#b#"
                      regex_replace("2024-05", r"(\\d+)-(\\d+)", "$2/$1")  # "05/2024"
                      regex_replace("a1b2", r"\\d", fn(m) => int(m.text) * 10)  # "a10b20"
                    """) { args throws(Unwind) in
                let s = try args.string(0)
                let rx = try compiledPattern(args, 1)
                var limit = Int.max
                if !args.isNil(3) {
                    limit = try args.int(3)
                    if limit < 0 { throw args.fail("count must not be negative, got \(limit)") }
                }
                switch args[2] {
                case .string(let template):
                    let nsTemplate = try rx.template(template, args)
                    return .string(try rx.replace(in: s, limit: limit, maxBytes: TextSearch.maxStringBytes) { m throws(Unwind) in
                        rx.regex.replacementString(for: m, in: s, offset: 0, template: nsTemplate)
                    })
                case .function, .builtin, .object(is CallableObject):
                    var cursor = CharacterCursor(s)
                    let f = args[2]
                    return .string(try rx.replace(in: s, limit: limit, maxBytes: TextSearch.maxStringBytes) { m throws(Unwind) in
                        try args.vm.call(f, [rx.record(for: m, in: s, cursor: &cursor)]).text
                    })
                default:
                    throw args.mismatch(2, "a string or a function")
                }
            },
            Builtin("regex_split", [.required("s"), .required("pattern")],
                    help: """
                    The parts of s between matches of a regular expression (empty parts are kept).

                      regex_split("a, b,c", r"\\s*,\\s*")   # ["a", "b", "c"]
                      regex_split("1  2", r" ")            # ["1", "", "2"]
                    """) { args throws(Unwind) in
                let s = try args.string(0)
                let rx = try compiledPattern(args, 1)
                var parts: [Value] = []
                var start = s.startIndex
                for m in try rx.matches(in: s, limit: .max) {
                    guard let r = s.scalarRange(m.range) else { continue }
                    if r.isEmpty && (r.lowerBound == s.startIndex || r.lowerBound == s.endIndex) { continue }
                    parts.append(.string(s.scalarText(start..<max(start, r.lowerBound))))
                    start = max(start, r.upperBound)
                }
                parts.append(.string(s.scalarText(start..<s.endIndex)))
                return .list(parts)
            },
            Builtin("regex_escape", [.required("s")],
                    help: """
                    A pattern that matches exactly the text s (special characters escaped).

                      regex_escape("1+1=2?")                    # "1\\\\+1=2\\\\?"
                      match("cost: $5", regex_escape("$5")).start   # 6
                    """) { args throws(Unwind) in
                .string(NSRegularExpression.escapedPattern(for: try args.string(0)))
            },
        ]
    }

    // MARK: - Compiling and caching

    /// The compiled pattern in argument `i`, from the cache when seen before.
    static func compiledPattern(_ args: Arguments, _ i: Int) throws(Unwind) -> CompiledPattern {
        let pattern = try args.string(i)
        if pattern.isEmpty { throw args.fail("the regular expression is empty") }
        if let cached = CompiledPattern.cache.withLock({ $0[pattern] }) { return cached }
        let regex: NSRegularExpression
        do {
            regex = try NSRegularExpression(pattern: pattern)
        } catch {
            var message = "invalid regular expression \(Value.string(pattern).shortDisplay)"
            // ICU's own reason is not passed on by Foundation on Linux; Swift's
            // regex parser explains most syntax errors well.
            do { _ = try Regex(pattern) } catch { message += ": \(error)" }
            throw args.fail(message)
        }
        let compiled = CompiledPattern(regex: regex, groupNames: groupNames(in: pattern, count: regex.numberOfCaptureGroups))
        CompiledPattern.cache.withLock { cache in
            if cache.count >= CompiledPattern.cacheSize { cache.removeFirst(cache.count / 2) }
            cache[pattern] = compiled
        }
        return compiled
    }

    /// The names of capture groups by number (nil for unnamed ones), read
    /// from the pattern text; all nil when the count disagrees with ICU's.
    static func groupNames(in pattern: String, count: Int) -> [String?] {
        var names: [String?] = []
        let chars = Array(pattern.unicodeScalars)
        var i = 0
        var classDepth = 0
        while i < chars.count {
            let c = chars[i]
            if c == "\\" {
                // \Q...\E quotes everything between.
                if i + 1 < chars.count && chars[i + 1] == "Q" {
                    i += 2
                    while i + 1 < chars.count && !(chars[i] == "\\" && chars[i + 1] == "E") { i += 1 }
                }
                i += 2
                continue
            }
            if c == "[" { classDepth += 1 }
            else if c == "]" && classDepth > 0 { classDepth -= 1 }
            else if c == "(" && classDepth == 0 {
                let next = i + 1 < chars.count ? chars[i + 1] : " "
                if next != "?" {
                    names.append(nil)
                } else if i + 2 < chars.count && chars[i + 2] == "<",
                          i + 3 < chars.count && chars[i + 3] != "=" && chars[i + 3] != "!" {
                    var j = i + 3
                    var name = ""
                    while j < chars.count && chars[j] != ">" { name.unicodeScalars.append(chars[j]); j += 1 }
                    names.append(name)
                }
            }
            i += 1
        }
        return names.count == count ? names : Array(repeating: nil, count: count)
    }

    /// A group's text, or nil when the group did not take part in the match.
    static func substring(_ s: String, _ range: NSRange) -> Value {
        guard range.location != NSNotFound, let r = s.scalarRange(range) else { return .nil }
        return .string(s.scalarText(r))
    }
}

/// A compiled regular expression with its group names.
final class CompiledPattern: @unchecked Sendable {
    let regex: NSRegularExpression
    let groupNames: [String?]

    /// Patterns compiled so far, oldest first; half are dropped when full.
    static let cache = Mutex<OrderedDictionary<String, CompiledPattern>>([:])
    static let cacheSize = 256

    /// Asking ICU to report progress would let a runaway (exponentially
    /// backtracking) match be stopped with Ctrl-C, but ICU then calls back
    /// once per start position: measured on 1 MB, a search for a tag at the
    /// end went from ~4 ms to ~22 ms and a full scan from ~41 ms to ~55 ms.
    /// On: Ctrl-C must stop a pattern that backtracks for ever.
    static let reportProgress = true

    init(regex: NSRegularExpression, groupNames: [String?]) {
        self.regex = regex
        self.groupNames = groupNames
    }

    /// Up to `limit` matches, left to right.
    func matches(in s: String, limit: Int) throws(Unwind) -> [NSTextCheckingResult] {
        var found: [NSTextCheckingResult] = []
        guard limit > 0 else { return found }
        var interrupted = false
        let options: NSRegularExpression.MatchingOptions = CompiledPattern.reportProgress ? [.reportProgress] : []
        regex.enumerateMatches(in: s, options: options, range: NSRange(location: 0, length: s.utf16.count)) { result, _, stop in
            if let result {
                found.append(result)
                if found.count >= limit { stop.pointee = true }
            } else if takeInterruptUnlessDeferred() {
                interrupted = true
                stop.pointee = true
            }
        }
        if interrupted { throw fail("interrupted") }
        return found
    }

    /// `s` with up to `limit` matches replaced by what `replacement` makes of each.
    func replace(in s: String, limit: Int, maxBytes: Int,
                 _ replacement: (NSTextCheckingResult) throws(Unwind) -> String) throws(Unwind) -> String {
        let found = try matches(in: s, limit: limit)
        if found.isEmpty { return s }
        var out = ""
        out.reserveCapacity(s.utf8.count)
        var start = s.startIndex
        for m in found {
            guard let r = s.scalarRange(m.range) else { continue }
            out += s.scalarText(start..<max(start, r.lowerBound))
            out += try replacement(m)
            start = max(start, r.upperBound)
            if out.utf8.count > maxBytes { throw fail("regex_replace: result would be larger than 1 GiB") }
        }
        out += s.scalarText(start..<s.endIndex)
        return out
    }

    /// An ICU replacement template with `${name}` turned into `$n`.
    func template(_ text: String, _ args: Arguments) throws(Unwind) -> String {
        try checkReferences(text, args)
        guard text.contains("${") else { return text }
        var out = ""
        var rest = Substring(text)
        while let open = rest.range(of: "${") {
            // "\${" is a literal dollar sign followed by "{".
            if open.lowerBound > rest.startIndex && rest[rest.index(before: open.lowerBound)] == "\\" {
                out += rest[..<open.upperBound]
                rest = rest[open.upperBound...]
                continue
            }
            guard let close = rest[open.upperBound...].firstIndex(of: "}") else {
                throw args.fail("unclosed '${' in replacement \(Value.string(text).shortDisplay)")
            }
            let name = String(rest[open.upperBound..<close])
            guard let number = groupNames.firstIndex(of: name) else {
                let known = groupNames.compactMap { $0 }
                throw args.fail("no group named '\(name)' in the pattern"
                                + (known.isEmpty ? "" : " (named groups: \(known.joined(separator: ", ")))"))
            }
            out += rest[..<open.lowerBound]
            out += "$\(number + 1)"
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }

    /// ICU drops a `$n` naming a missing group and a trailing backslash
    /// without a word; say so instead.
    func checkReferences(_ text: String, _ args: Arguments) throws(Unwind) {
        let scalars = Array(text.unicodeScalars)
        var i = 0
        while i < scalars.count {
            if scalars[i] == "\\" {
                if i + 1 == scalars.count { throw args.fail("replacement ends with a lone backslash; write \\\\ for one") }
                i += 2
                continue
            }
            if scalars[i] == "$", i + 1 < scalars.count, let first = Int(String(scalars[i + 1])) {
                // ICU reads as many digits as name an existing group; the first digit must.
                if first > regex.numberOfCaptureGroups {
                    let count = regex.numberOfCaptureGroups
                    throw args.fail("replacement refers to group $\(first) but the pattern has \(count) group\(count == 1 ? "" : "s")")
                }
            }
            i += 1
        }
    }

    /// The record `match` returns: {text, start, end, groups, named}.
    func record(for m: NSTextCheckingResult, in s: String, cursor: inout CharacterCursor) -> Value {
        let range = s.scalarRange(m.range) ?? s.startIndex..<s.startIndex
        let start = cursor.offset(of: range.lowerBound)
        let text = s.scalarText(range)
        let end = start + text.count
        var groups: [Value] = []
        var named: [(String, Value)] = []
        for i in 0..<regex.numberOfCaptureGroups {
            let text = Builtins.substring(s, m.range(at: i + 1))
            groups.append(text)
            if i < groupNames.count, let name = groupNames[i] { named.append((name, text)) }
        }
        return .record([
            ("text", .string(text)),
            ("start", .int(start)),
            ("end", .int(end)),
            ("groups", .list(groups)),
            ("named", .record(named)),
        ])
    }
}

/// Character positions of increasing string indices, counted incrementally
/// so that numbering every match of a long string stays linear.
struct CharacterCursor {
    let text: String
    var index: String.Index
    var count = 0

    init(_ text: String) {
        self.text = text
        self.index = text.startIndex
    }

    mutating func offset(of target: String.Index) -> Int {
        if target < index {
            index = text.startIndex
            count = 0
        }
        count += text[index..<target].count
        index = target
        return count
    }
}

extension String {
    /// The string range of a UTF-16 match range from ICU. Matches may begin
    /// or end inside a character (a combining accent, the \n of \r\n), so
    /// the bounds are Unicode-scalar positions, not character positions.
    func scalarRange(_ range: NSRange) -> Range<String.Index>? {
        guard range.location != NSNotFound,
              let lower = utf16.index(utf16.startIndex, offsetBy: range.location, limitedBy: utf16.endIndex),
              let upper = utf16.index(lower, offsetBy: range.length, limitedBy: utf16.endIndex) else { return nil }
        return lower..<upper
    }

    /// The text between two scalar positions (which need not be character boundaries).
    func scalarText(_ range: Range<String.Index>) -> String {
        String(unicodeScalars[range])
    }
}
