import Engine
import Foundation

extension Builtins {
    /// split, join, strip, lstrip, rstrip, startswith, endswith, replace,
    /// lower, upper, find, lines, chars, ord, chr, pad_left, pad_right.
    /// (contains and count, which also take lists, are with the collections.)
    ///
    /// Positions count characters (as indexing does: `s[i]`). Substring
    /// search matches the exact text, code point by code point, as Python
    /// does: "e" is found in "e\\u{301}" although that is one character "é".
    static func strings() -> [Builtin] {
        [
            Builtin("split", [.required("s"), .optional("sep")],
                    help: """
                    Splits a string at each occurrence of `sep`; without sep, at runs of whitespace.

                    With a separator, empty parts are kept (n separators give n+1
                    parts); without one, leading and trailing whitespace is ignored.
                      split("a,b,,c", ",")      # ["a", "b", "", "c"]
                      split("  one two\\n ")     # ["one", "two"]
                      "1 2 3".split()           # ["1", "2", "3"]
                    """) { args throws(Unwind) in
                let s = try args.string(0)
                if args.isNil(1) { return .list(TextSearch.splitOnWhitespace(s).map { .string($0) }) }
                let sep = try args.string(1)
                if sep.isEmpty { throw args.fail("separator is empty; use chars(s) to split into characters") }
                return .list(TextSearch.split(s, on: sep).map { .string($0) })
            },
            Builtin("join", [.required("xs"), .optional("sep", .string(""))],
                    help: """
                    Joins the elements of a list into one string, with `sep` between them.

                    Elements that are not strings are converted as str(x) does.
                      join(["a", "b", "c"], ", ")   # "a, b, c"
                      join([1, 2, 3], "+")          # "1+2+3"
                      ["x", "y"].join()             # "xy"
                    """) { args throws(Unwind) in
                let items = try args.sequence(0)
                let sep = try args.string(1)
                let parts = items.map(\.text)
                let separators = sep.utf8.count.multipliedReportingOverflow(by: max(parts.count - 1, 0))
                var total = separators.overflow ? Int.max : separators.partialValue
                for part in parts { total = min(total, Int.max - part.utf8.count) + part.utf8.count }
                if total > TextSearch.maxStringBytes {
                    throw args.fail("result would be larger than 1 GiB")
                }
                return .string(parts.joined(separator: sep))
            },
            Builtin("strip", [.required("s"), .optional("chars")],
                    help: """
                    The string without leading and trailing whitespace (or without any of the characters in `chars`).

                      strip("  hi \\n")        # "hi"
                      strip("xxhixx", "x")    # "hi"
                    """) { args throws(Unwind) in
                let (s, drop) = try stripArguments(args)
                return .string(stripped(s, leading: true, trailing: true, drop))
            },
            Builtin("lstrip", [.required("s"), .optional("chars")],
                    help: """
                    The string without leading whitespace (or without the leading characters in `chars`).

                      lstrip("  hi ")       # "hi "
                      lstrip("00420", "0")  # "420"
                    """) { args throws(Unwind) in
                let (s, drop) = try stripArguments(args)
                return .string(stripped(s, leading: true, trailing: false, drop))
            },
            Builtin("rstrip", [.required("s"), .optional("chars")],
                    help: """
                    The string without trailing whitespace (or without the trailing characters in `chars`).

                      rstrip("  hi \\n")     # "  hi"
                      rstrip("1.500", "0")  # "1.5"
                    """) { args throws(Unwind) in
                let (s, drop) = try stripArguments(args)
                return .string(stripped(s, leading: false, trailing: true, drop))
            },
            Builtin("startswith", [.required("s"), .required("prefix")],
                    help: """
                    Whether the string starts with `prefix` (or with any prefix in a list of them).

                      startswith("<answer>42", "<answer>")    # true
                      startswith("b.txt", ["a", "b"])         # true
                    """) { args throws(Unwind) in
                let s = try args.string(0)
                return .bool(try affixes(args, 1).contains { s.utf8.starts(with: $0.utf8) })
            },
            Builtin("endswith", [.required("s"), .required("suffix")],
                    help: """
                    Whether the string ends with `suffix` (or with any suffix in a list of them).

                      endswith("run.json", ".json")          # true
                      endswith("x.csv", [".json", ".jsonl"]) # false
                    """) { args throws(Unwind) in
                let s = try args.string(0)
                return .bool(try affixes(args, 1).contains { s.utf8.reversed().starts(with: $0.utf8.reversed()) })
            },
            Builtin("replace", [.required("s"), .required("old"), .required("new"), .optional("count")],
                    help: """
                    The string with every occurrence of `old` replaced by `new` (only the first `count:` when given).

                    Occurrences are found left to right without overlapping.
                      replace("a-b-c", "-", "+")             # "a+b+c"
                      replace("a-b-c", "-", "", count: 1)    # "ab-c"
                    For patterns use regex_replace.
                    """) { args throws(Unwind) in
                let s = try args.string(0), old = try args.string(1), new = try args.string(2)
                if old.isEmpty { throw args.fail("argument 'old' is empty") }
                var limit = Int.max
                if !args.isNil(3) {
                    limit = try args.int(3)
                    if limit < 0 { throw args.fail("count must not be negative, got \(limit)") }
                }
                let offsets = TextSearch.offsets(of: old, in: s, limit: limit)
                let growth = (new.utf8.count - old.utf8.count).multipliedReportingOverflow(by: offsets.count)
                let size = s.utf8.count.addingReportingOverflow(growth.partialValue)
                if growth.overflow || size.overflow || size.partialValue > TextSearch.maxStringBytes {
                    throw args.fail("result would be larger than 1 GiB")
                }
                return .string(TextSearch.replace(s, offsets: offsets, length: old.utf8.count, with: new))
            },
            Builtin("lower", [.required("s")],
                    help: """
                    The string in lower case (Unicode rules).

                      lower("ÀB c")   # "àb c"
                    """) { args throws(Unwind) in
                .string(try args.string(0).lowercased())
            },
            Builtin("upper", [.required("s")],
                    help: """
                    The string in upper case (Unicode rules; "ß" becomes "SS").

                      upper("straße")   # "STRASSE"
                    """) { args throws(Unwind) in
                .string(try args.string(0).uppercased())
            },
            Builtin("find", [.required("s"), .required("sub"), .optional("start", .int(0))],
                    help: """
                    The character position of the first occurrence of `sub` (at or after `start`), or -1.

                      find("hello", "l")            # 2
                      find("hello", "l", start: 3)  # 3
                      find("hello", "z")            # -1
                    """) { args throws(Unwind) in
                let s = try args.string(0), sub = try args.string(1)
                var start = try args.int(2)
                if start < 0 { start = max(0, start &+ s.count) }
                guard let startIndex = s.index(s.startIndex, offsetBy: start, limitedBy: s.endIndex) else { return .int(-1) }
                let startByte = s.utf8.distance(from: s.startIndex, to: startIndex)
                guard let byte = TextSearch.firstOffset(of: sub, in: s, from: startByte) else { return .int(-1) }
                return .int(TextSearch.characterOffset(ofByte: byte, in: s))
            },
            Builtin("lines", [.required("s")],
                    help: """
                    The lines of a string, without their line breaks (\\n, \\r\\n or \\r); a final line break adds no empty line.

                    Also breaks at \\v, \\f, U+0085, U+2028 and U+2029, as Python's splitlines.

                      lines("a\\nb\\r\\nc\\n")   # ["a", "b", "c"]
                      lines("")               # []
                    """) { args throws(Unwind) in
                .list(TextSearch.lines(try args.string(0)).map { .string($0) })
            },
            Builtin("chars", [.required("s")],
                    help: """
                    The characters of a string as a list of one-character strings (a character is what s[i] gives).

                      chars("héj")   # ["h", "é", "j"]
                    """) { args throws(Unwind) in
                .list(try args.string(0).map { .string(String($0)) })
            },
            Builtin("ord", [.required("c")],
                    help: """
                    The Unicode code point of a one-character string.

                      ord("A")    # 65
                      ord("é")    # 233
                    """) { args throws(Unwind) in
                let c = try args.string(0)
                let scalars = c.unicodeScalars
                guard scalars.count == 1, let scalar = scalars.first else {
                    throw args.fail("expected a single code point, got \(args[0].shortDisplay) (\(scalars.count) code points)")
                }
                return .int(Int(scalar.value))
            },
            Builtin("chr", [.required("n")],
                    help: """
                    The one-character string with Unicode code point n.

                      chr(65)      # "A"
                      chr(0x1F600) # "😀"
                    """) { args throws(Unwind) in
                let n = try args.int(0)
                guard let v = UInt32(exactly: n), let scalar = Unicode.Scalar(v) else {
                    throw args.fail("\(n) is not a Unicode code point (0 to 0x10FFFF, no surrogates)")
                }
                return .string(String(Character(scalar)))
            },
            Builtin("pad_left", [.required("s"), .required("width"), .optional("fill", .string(" "))],
                    help: """
                    The string padded on the left with `fill` to at least `width` characters.

                      pad_left("7", 3)        # "  7"
                      pad_left("7", 3, "0")   # "007"
                    """) { args throws(Unwind) in
                let (s, padding) = try paddingArguments(args)
                return .string(padding + s)
            },
            Builtin("pad_right", [.required("s"), .required("width"), .optional("fill", .string(" "))],
                    help: """
                    The string padded on the right with `fill` to at least `width` characters.

                      pad_right("ab", 4) + "|"   # "ab  |"
                    """) { args throws(Unwind) in
                let (s, padding) = try paddingArguments(args)
                return .string(s + padding)
            },
        ]
    }

    // MARK: - Helpers

    /// The string and the test for characters to strip.
    static func stripArguments(_ args: Arguments) throws(Unwind) -> (String, (Character) -> Bool) {
        let s = try args.string(0)
        if args.isNil(1) { return (s, { $0.isWhitespace }) }
        let set = Set(try args.string(1))
        return (s, { set.contains($0) })
    }

    static func stripped(_ s: String, leading: Bool, trailing: Bool, _ drop: (Character) -> Bool) -> String {
        var start = s.startIndex, end = s.endIndex
        if leading {
            while start < end && drop(s[start]) { start = s.index(after: start) }
        }
        if trailing {
            while end > start {
                let before = s.index(before: end)
                if !drop(s[before]) { break }
                end = before
            }
        }
        return String(s[start..<end])
    }

    /// A string or a list of strings, for startswith/endswith.
    static func affixes(_ args: Arguments, _ i: Int) throws(Unwind) -> [String] {
        switch args[i] {
        case .string(let s): return [s]
        case .list(let items):
            var out: [String] = []
            for item in items {
                guard case .string(let s) = item else { throw args.mismatch(i, "a string or a list of strings") }
                out.append(s)
            }
            return out
        default: throw args.mismatch(i, "a string or a list of strings")
        }
    }

    static func paddingArguments(_ args: Arguments) throws(Unwind) -> (String, String) {
        let s = try args.string(0)
        let width = try args.int(1)
        let fill = try args.string(2)
        guard fill.count == 1 else { throw args.fail("fill must be one character, got \(args[2].shortDisplay)") }
        let missing = width <= s.count ? 0 : width - s.count
        let bytes = max(missing, 0).multipliedReportingOverflow(by: fill.utf8.count)
        guard !bytes.overflow, bytes.partialValue <= TextSearch.maxStringBytes else {
            throw args.fail("width \(width) is too large (the result would be larger than 1 GiB)")
        }
        return (s, missing > 0 ? String(repeating: fill, count: missing) : "")
    }
}

/// Exact substring search on UTF-8 bytes. A valid UTF-8 needle can only
/// match at code point boundaries, so every slice cut at a match is valid text.
enum TextSearch {
    /// Largest string a builtin builds, so a runaway `replace` fails
    /// clearly instead of exhausting memory.
    static let maxStringBytes = 1 << 30

    /// Byte offsets of non-overlapping occurrences, left to right, at most `limit`.
    static func offsets(of needle: String, in haystack: String, from start: Int = 0, limit: Int) -> [Int] {
        var result: [Int] = []
        guard !needle.isEmpty, limit > 0 else { return result }
        var hay = haystack, pin = needle
        hay.withUTF8 { h in
            pin.withUTF8 { n in
                var i = start
                while result.count < limit, let found = search(n, in: h, from: i) {
                    result.append(found)
                    i = found + n.count
                }
            }
        }
        return result
    }

    static func firstOffset(of needle: String, in haystack: String, from start: Int = 0) -> Int? {
        if needle.isEmpty { return start <= haystack.utf8.count ? start : nil }
        return offsets(of: needle, in: haystack, from: start, limit: 1).first
    }

    /// First occurrence of `needle` in `h` at or after `from`.
    static func search(_ needle: UnsafeBufferPointer<UInt8>, in h: UnsafeBufferPointer<UInt8>, from: Int) -> Int? {
        ByteSearch.first(needle, in: h, from: from)
    }

    /// Parts between occurrences of `sep` (kept when empty).
    static func split(_ s: String, on sep: String) -> [String] {
        let cuts = offsets(of: sep, in: s, limit: .max)
        var parts: [String] = []
        parts.reserveCapacity(cuts.count + 1)
        var text = s
        let width = sep.utf8.count
        text.withUTF8 { bytes in
            var start = 0
            for cut in cuts {
                parts.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<cut]), as: UTF8.self))
                start = cut + width
            }
            parts.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start...]), as: UTF8.self))
        }
        return parts
    }

    /// `s` with the `length` bytes at each offset replaced by `new`.
    static func replace(_ s: String, offsets: [Int], length: Int, with new: String) -> String {
        if offsets.isEmpty { return s }
        var out: [UInt8] = []
        var text = s
        out.reserveCapacity(s.utf8.count + offsets.count * max(0, new.utf8.count - length))
        let replacement = Array(new.utf8)
        text.withUTF8 { bytes in
            var start = 0
            for offset in offsets {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<offset]))
                out.append(contentsOf: replacement)
                start = offset + length
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start...]))
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Parts between runs of whitespace (Unicode White_Space), none empty.
    /// ASCII bytes are tested directly; other code points by their property.
    static func splitOnWhitespace(_ s: String) -> [String] {
        var parts: [String] = []
        var text = s
        text.withUTF8 { b in
            let n = b.count
            var start = -1, i = 0
            while i < n {
                let c = b[i]
                var width = 1
                var space: Bool
                if c < 0x80 {
                    space = c == 0x20 || (c >= 0x09 && c <= 0x0D)
                } else {
                    width = c >= 0xF0 ? 4 : (c >= 0xE0 ? 3 : 2)
                    var scalars = String(decoding: UnsafeBufferPointer(rebasing: b[i..<min(i + width, n)]), as: UTF8.self).unicodeScalars.makeIterator()
                    space = scalars.next()?.properties.isWhitespace ?? false
                }
                if space && start >= 0 {
                    parts.append(String(decoding: UnsafeBufferPointer(rebasing: b[start..<i]), as: UTF8.self))
                    start = -1
                } else if !space && start < 0 {
                    start = i
                }
                i += width
            }
            if start >= 0 { parts.append(String(decoding: UnsafeBufferPointer(rebasing: b[start...]), as: UTF8.self)) }
        }
        return parts
    }

    /// Lines without their breaks: \n, \r\n, \r, \v, \f, U+0085, U+2028,
    /// U+2029 (Character.isNewline's set), found on bytes for speed.
    static func lines(_ s: String) -> [String] {
        var parts: [String] = []
        var text = s
        text.withUTF8 { b in
            let n = b.count
            var start = 0, i = 0
            while i < n {
                var width = 0
                switch b[i] {
                case 0x0A, 0x0B, 0x0C: width = 1
                case 0x0D: width = i + 1 < n && b[i + 1] == 0x0A ? 2 : 1
                case 0xC2: if i + 1 < n && b[i + 1] == 0x85 { width = 2 }
                case 0xE2: if i + 2 < n && b[i + 1] == 0x80 && (b[i + 2] == 0xA8 || b[i + 2] == 0xA9) { width = 3 }
                default: break
                }
                if width == 0 {
                    i += 1
                    continue
                }
                parts.append(String(decoding: UnsafeBufferPointer(rebasing: b[start..<i]), as: UTF8.self))
                i += width
                start = i
            }
            if start < n { parts.append(String(decoding: UnsafeBufferPointer(rebasing: b[start...]), as: UTF8.self)) }
        }
        return parts
    }

    /// The character position of a byte offset (characters before it).
    static func characterOffset(ofByte byte: Int, in s: String) -> Int {
        let index = s.utf8.index(s.utf8.startIndex, offsetBy: byte)
        return s[..<index].count
    }
}
