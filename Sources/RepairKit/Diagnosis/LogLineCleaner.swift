/// Removes what a log pipeline adds around a program's own output: ANSI colour codes,
/// timestamps, level tags (uvicorn's `ERROR:`), docker compose and journald prefixes.
/// Works on bytes so the scanner's fast path never builds a `String` for an ordinary line.
enum LogLineCleaner {
    /// The cleaned bytes of `line` (no trailing newline or carriage return).
    static func clean(_ line: UnsafeBufferPointer<UInt8>, into output: inout [UInt8]) {
        output.removeAll(keepingCapacity: true)
        var end = line.count
        while end > 0, line[end - 1] == 0x0D || line[end - 1] == 0x0A { end -= 1 }
        if memchrByte(line, 0x1B, end) {
            var index = 0
            while index < end {
                let byte = line[index]
                if byte == 0x1B, index + 1 < end {
                    if line[index + 1] == UInt8(ascii: "[") {
                        var cursor = index + 2
                        while cursor < end, !(0x40...0x7E).contains(line[cursor]) { cursor += 1 }
                        index = cursor + 1
                    } else {
                        index += 2
                    }
                    continue
                }
                output.append(byte)
                index += 1
            }
        } else {
            output.append(contentsOf: UnsafeBufferPointer(rebasing: line[0..<end]))
        }
        var start = 0
        for _ in 0..<4 {
            let before = start
            start = skipPrefix(output, from: start)
            if start == before { break }
        }
        if start > 0 { output.removeFirst(start) }
    }

    private static func memchrByte(_ line: UnsafeBufferPointer<UInt8>, _ byte: UInt8, _ count: Int) -> Bool {
        guard count > 0, let base = line.baseAddress else { return false }
        return memchr(base, Int32(byte), count) != nil
    }

    /// Index after one recognised prefix starting at `start`, or `start` when there is none.
    private static func skipPrefix(_ bytes: [UInt8], from start: Int) -> Int {
        guard start < bytes.count else { return start }
        if let end = skipTimestamp(bytes, from: start) { return skipSpaces(bytes, from: end, keepIndent: true) }
        if let end = skipBracketTag(bytes, from: start) { return skipSpaces(bytes, from: end, keepIndent: true) }
        if let end = skipLevel(bytes, from: start) { return end }
        if let end = skipComposeName(bytes, from: start) { return end }
        if let end = skipSyslog(bytes, from: start) { return end }
        return start
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
    private static func isUpper(_ byte: UInt8) -> Bool { byte >= 0x41 && byte <= 0x5A }
    private static func isLower(_ byte: UInt8) -> Bool { byte >= 0x61 && byte <= 0x7A }

    /// One separating space is removed; further spaces are the program's own indentation.
    private static func skipSpaces(_ bytes: [UInt8], from index: Int, keepIndent: Bool) -> Int {
        var cursor = index
        if keepIndent {
            if cursor < bytes.count, bytes[cursor] == 0x20 { cursor += 1 }
            return cursor
        }
        while cursor < bytes.count, bytes[cursor] == 0x20 { cursor += 1 }
        return cursor
    }

    /// `2024-01-02T03:04:05.678Z`, `2024-01-02 03:04:05,678`, `2024/01/02 03:04:05` (Go's log).
    private static func skipTimestamp(_ bytes: [UInt8], from start: Int) -> Int? {
        var cursor = start
        func digits(_ count: Int) -> Bool {
            guard cursor + count <= bytes.count else { return false }
            for offset in 0..<count where !isDigit(bytes[cursor + offset]) { return false }
            cursor += count
            return true
        }
        func separator(_ allowed: [UInt8]) -> Bool {
            guard cursor < bytes.count, allowed.contains(bytes[cursor]) else { return false }
            cursor += 1
            return true
        }
        guard digits(4), separator([0x2D, 0x2F]), digits(2), separator([0x2D, 0x2F]), digits(2) else { return nil }
        guard separator([0x54, 0x20]), digits(2), separator([0x3A]), digits(2) else { return nil }
        if separator([0x3A]) { guard digits(2) else { return nil } }
        if cursor < bytes.count, bytes[cursor] == 0x2E || bytes[cursor] == 0x2C {
            cursor += 1
            while cursor < bytes.count, isDigit(bytes[cursor]) { cursor += 1 }
        }
        if cursor < bytes.count, bytes[cursor] == 0x5A { cursor += 1 }
        if cursor < bytes.count, bytes[cursor] == 0x2B || bytes[cursor] == 0x2D {
            var zone = cursor + 1
            while zone < bytes.count, isDigit(bytes[zone]) || bytes[zone] == 0x3A { zone += 1 }
            if zone - cursor >= 3 { cursor = zone }
        }
        guard cursor == bytes.count || bytes[cursor] == 0x20 || bytes[cursor] == 0x5D || bytes[cursor] == 0x7C else { return nil }
        if cursor < bytes.count, bytes[cursor] == 0x7C { cursor += 1 }
        return cursor
    }

    /// `[2024-01-02 03:04:05]`, `[ERROR]`, `[12345]` at the start of a line.
    private static func skipBracketTag(_ bytes: [UInt8], from start: Int) -> Int? {
        guard bytes[start] == 0x5B, start + 1 < bytes.count else { return nil }
        let first = bytes[start + 1]
        guard isDigit(first) || isUpper(first) else { return nil }
        var cursor = start + 1
        while cursor < bytes.count, cursor - start < 40, bytes[cursor] != 0x5D {
            // A level tag is one upper-case word; a timestamp has digits and punctuation.
            if isLower(bytes[cursor]) && !isDigit(first) { return nil }
            cursor += 1
        }
        guard cursor < bytes.count, bytes[cursor] == 0x5D else { return nil }
        let inner = bytes[(start + 1)..<cursor]
        if isUpper(first) && !levels.contains(where: { $0.elementsEqual(inner) }) { return nil }
        return cursor + 1
    }

    private static let levels: [[UInt8]] = ["ERROR", "WARNING", "WARN", "INFO", "DEBUG", "CRITICAL", "FATAL", "TRACE", "NOTICE"]
        .map { Array($0.utf8) }

    /// `ERROR:    ` (uvicorn pads the level to a column), `ERROR ` after a timestamp.
    private static func skipLevel(_ bytes: [UInt8], from start: Int) -> Int? {
        for level in levels where bytes.count > start + level.count {
            guard bytes[start..<(start + level.count)].elementsEqual(level) else { continue }
            let next = bytes[start + level.count]
            if next == 0x3A {
                return skipSpaces(bytes, from: start + level.count + 1, keepIndent: false)
            }
            if next == 0x20, start > 0 {
                return skipSpaces(bytes, from: start + level.count, keepIndent: false)
            }
        }
        return nil
    }

    /// docker compose: `web-1  | ` before every line of a service's output.
    private static func skipComposeName(_ bytes: [UInt8], from start: Int) -> Int? {
        guard start == 0, !bytes.isEmpty, isLower(bytes[0]) || isDigit(bytes[0]) else { return nil }
        var cursor = 0
        while cursor < bytes.count, cursor < 64 {
            let byte = bytes[cursor]
            if isLower(byte) || isDigit(byte) || byte == 0x2D || byte == 0x5F || byte == 0x2E { cursor += 1 } else { break }
        }
        var spaces = cursor
        while spaces < bytes.count, bytes[spaces] == 0x20 { spaces += 1 }
        guard spaces > cursor, spaces + 1 < bytes.count, bytes[spaces] == 0x7C, bytes[spaces + 1] == 0x20 else { return nil }
        return spaces + 2
    }

    /// journald / syslog: `Jan 02 03:04:05 host app[123]: `.
    private static func skipSyslog(_ bytes: [UInt8], from start: Int) -> Int? {
        guard start == 0, bytes.count > 16, isUpper(bytes[0]), isLower(bytes[1]), isLower(bytes[2]), bytes[3] == 0x20 else { return nil }
        var cursor = 4
        while cursor < bytes.count, bytes[cursor] == 0x20 { cursor += 1 }
        while cursor < bytes.count, isDigit(bytes[cursor]) { cursor += 1 }
        guard cursor + 9 <= bytes.count, bytes[cursor] == 0x20, bytes[cursor + 3] == 0x3A, bytes[cursor + 6] == 0x3A else { return nil }
        cursor += 9
        guard cursor < bytes.count, bytes[cursor] == 0x20 else { return nil }
        cursor += 1
        while cursor < bytes.count, bytes[cursor] != 0x20 { cursor += 1 }
        cursor += 1
        var tagEnd = cursor
        while tagEnd < bytes.count, bytes[tagEnd] != 0x20 { tagEnd += 1 }
        guard tagEnd > cursor, bytes[tagEnd - 1] == 0x3A else { return nil }
        return tagEnd < bytes.count ? tagEnd + 1 : tagEnd
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
