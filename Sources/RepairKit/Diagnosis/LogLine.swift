/// One line of a log after cleaning: ANSI colour codes, timestamps, level tags and
/// container prefixes removed, so parsers see what the program printed.
public struct LogLine: Sendable, Equatable {
    /// Line number in the log, from 1.
    public var number: Int
    /// The cleaned text, with its own indentation kept.
    public var text: String

    public init(number: Int, text: String) {
        self.number = number
        self.text = text
    }

    /// The text without surrounding white space.
    var trimmed: Substring {
        let start = text.firstIndex { $0 != " " && $0 != "\t" } ?? text.endIndex
        var end = text.endIndex
        while end > start, let last = text[..<end].last, last == " " || last == "\t" || last == "\r" {
            end = text.index(before: end)
        }
        return text[start..<end]
    }

    /// Columns of leading white space (a tab counts as 4).
    var indentation: Int {
        var count = 0
        for character in text {
            if character == " " { count += 1 } else if character == "\t" { count += 4 } else { break }
        }
        return count
    }

    var isBlank: Bool { trimmed.isEmpty }
}
