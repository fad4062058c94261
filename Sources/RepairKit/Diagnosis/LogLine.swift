/// One line of a log after cleaning: ANSI colour codes, timestamps, level tags and
/// container prefixes removed, so parsers see what the program printed.
public struct LogLine: Sendable, Equatable {
    /// Line number in the log, from 1.
    public let number: Int
    /// The cleaned text, with its own indentation kept.
    public let text: String
    /// The text without surrounding white space; the parsers read it several times a line,
    /// so it is found once.
    let trimmed: Substring
    /// Columns of leading white space (a tab counts as 4).
    let indentation: Int

    public init(number: Int, text: String) {
        self.number = number
        self.text = text
        // Read as bytes: the blanks are ASCII, and walking characters would cost a grapheme
        // search per line.
        let bytes = text.utf8
        var columns = 0
        var start = bytes.startIndex
        while start < bytes.endIndex {
            let byte = bytes[start]
            if byte == 0x20 {
                columns += 1
            } else if byte == 0x09 {
                columns += 4
            } else {
                break
            }
            start = bytes.index(after: start)
        }
        var end = bytes.endIndex
        while end > start {
            let before = bytes.index(before: end)
            let byte = bytes[before]
            guard byte == 0x20 || byte == 0x09 || byte == 0x0D else { break }
            end = before
        }
        trimmed = Substring(bytes[start..<end])
        indentation = columns
    }

    public static func == (left: LogLine, right: LogLine) -> Bool {
        left.number == right.number && left.text == right.text
    }

    var isBlank: Bool { trimmed.isEmpty }
}
