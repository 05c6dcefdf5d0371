#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Substring search on UTF-8 bytes, shared by the string builtins and the
/// rewards: libc's memchr finds candidates for the first byte many bytes at
/// a time, then the rest is compared.
public enum ByteSearch {
    /// First index ≥ `from` where `needle` starts in `text`, or nil.
    public static func first(_ needle: UnsafeBufferPointer<UInt8>, in text: UnsafeBufferPointer<UInt8>, from: Int) -> Int? {
        let m = needle.count, n = text.count
        guard m > 0, from >= 0, n >= m, from <= n - m, let base = text.baseAddress else { return nil }
        let first = Int32(needle[0]), last = n - m
        var i = from
        while i <= last {
            guard let hit = memchr(base + i, first, last - i + 1) else { return nil }
            let at = UnsafePointer(hit.assumingMemoryBound(to: UInt8.self)) - base
            var j = 1
            while j < m && text[at + j] == needle[j] { j += 1 }
            if j == m { return at }
            i = at + 1
        }
        return nil
    }
}
