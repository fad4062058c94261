#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Substring search on UTF-8 bytes, for the trace parsers' hot paths.
///
/// Foundation's `contains(_:)` and `range(of:)` on Swift strings go through `NSString` and
/// UTF-16 (they were most of the time `repairctl traces` spent on dense logs). Log text is
/// matched as it was printed, so a byte comparison finds what they find.
extension StringProtocol {
    /// Whether the text starts with `prefix`, byte for byte (a `Substring`'s `hasPrefix`
    /// walks characters).
    func startsWithBytes(_ prefix: String) -> Bool {
        let utf8 = self.utf8
        let answer = utf8.withContiguousStorageIfAvailable { text in
            var prefix = prefix
            return prefix.withUTF8 { wanted in
                wanted.count <= text.count
                    && (wanted.isEmpty || memcmp(text.baseAddress!, wanted.baseAddress!, wanted.count) == 0)
            }
        }
        return answer ?? utf8.starts(with: prefix.utf8)
    }

    /// Whether the text ends with `suffix`, byte for byte.
    func endsWithBytes(_ suffix: String) -> Bool {
        let utf8 = self.utf8
        let answer = utf8.withContiguousStorageIfAvailable { text in
            var suffix = suffix
            return suffix.withUTF8 { wanted in
                wanted.count <= text.count
                    && (wanted.isEmpty
                        || memcmp(text.baseAddress! + text.count - wanted.count, wanted.baseAddress!, wanted.count) == 0)
            }
        }
        if let answer { return answer }
        let count = suffix.utf8.count
        guard utf8.count >= count else { return false }
        return utf8[utf8.index(utf8.endIndex, offsetBy: -count)...].elementsEqual(suffix.utf8)
    }

    /// Whether every byte of the text is one of `bytes` (ASCII).
    func consistsOfBytes(_ bytes: StaticString) -> Bool {
        let allowed = UnsafeBufferPointer(start: bytes.utf8Start, count: bytes.utf8CodeUnitCount)
        let answer = utf8.withContiguousStorageIfAvailable { text in
            for byte in text where !allowed.contains(byte) { return false }
            return true
        }
        return answer ?? utf8.allSatisfy { allowed.contains($0) }
    }

    /// Whether `needle` occurs in the text.
    func containsBytes(_ needle: String) -> Bool {
        rangeOfBytes(needle) != nil
    }

    /// The first occurrence of `needle` at or after `from` (the start when nil).
    func rangeOfBytes(_ needle: String, from: Index? = nil) -> Range<Index>? {
        let utf8 = self.utf8
        let start = from.map { utf8.distance(from: utf8.startIndex, to: $0) } ?? 0
        let found: Int?? = utf8.withContiguousStorageIfAvailable { haystack in
            var needle = needle
            return needle.withUTF8 { ByteSearch.first($0, in: haystack, from: start) }
        }
        let offset: Int?
        if let found {
            offset = found
        } else {
            // Not contiguous (a bridged string): compare the views directly.
            let bytes = Array(utf8)
            var needle = needle
            offset = bytes.withUnsafeBufferPointer { haystack in
                needle.withUTF8 { ByteSearch.first($0, in: haystack, from: start) }
            }
        }
        guard let offset else { return nil }
        let lower = utf8.index(utf8.startIndex, offsetBy: offset)
        let upper = utf8.index(lower, offsetBy: needle.utf8.count)
        return lower..<upper
    }
}

enum ByteSearch {
    /// The offset of the first `needle` in `haystack` at or after `start`: `memchr` to the
    /// needle's first byte, `memcmp` for the rest.
    static func first(
        _ needle: UnsafeBufferPointer<UInt8>, in haystack: UnsafeBufferPointer<UInt8>, from start: Int
    )
        -> Int?
    {
        guard let base = haystack.baseAddress else { return needle.isEmpty ? 0 : nil }
        guard let first = needle.first else { return start }
        guard needle.count <= haystack.count - start else { return nil }
        var offset = start
        let last = haystack.count - needle.count
        while offset <= last {
            guard let hit = memchr(base + offset, Int32(first), last - offset + 1) else { return nil }
            let position = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            if memcmp(base + position, needle.baseAddress!, needle.count) == 0 { return position }
            offset = position + 1
        }
        return nil
    }
}
