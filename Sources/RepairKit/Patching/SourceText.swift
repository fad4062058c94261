import Foundation

/// A source file's text as repaird reads and writes it, whatever its line endings.
///
/// Swift reads `\r\n` as one `Character`, so text split on `"\n"` finds no line in a file with
/// Windows endings. Everything that reads a source file — diagnosis, prompts, placement —
/// reads it here with `\r\n` turned into `\n`, so line numbers are the file's own; a patched
/// file is written back with the endings it had (`restoringEndings`).
public enum SourceText {
    /// The file's text with `\r\n` read as `\n`; nil when it is not UTF-8.
    public static func read(_ url: URL) -> String? {
        guard let data = FileManager.default.contents(atPath: url.path),
            let text = String(data: data, encoding: .utf8)
        else { return nil }
        return normalized(text)
    }

    /// `text` with every `\r\n` as `\n`; a lone `\r` stays.
    public static func normalized(_ text: String) -> String {
        guard text.utf8.contains(UInt8(ascii: "\r")) else { return text }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var pendingReturn = false
        for byte in text.utf8 {
            if pendingReturn && byte != UInt8(ascii: "\n") { bytes.append(UInt8(ascii: "\r")) }
            pendingReturn = byte == UInt8(ascii: "\r")
            if !pendingReturn { bytes.append(byte) }
        }
        if pendingReturn { bytes.append(UInt8(ascii: "\r")) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The lines of normalized text (the last one empty when the text ends with a newline).
    public static func lines(_ text: String) -> [Substring] {
        text.split(separator: "\n", omittingEmptySubsequences: false)
    }

    /// `new` (normalized text) with the line endings of `original` (the file's text as it
    /// is on disk): all `\r\n` when the file used only those, all `\n` when it used none, and
    /// for a file of mixed endings, each line the patch kept keeps its own ending while new
    /// lines take the file's more common one.
    public static func restoringEndings(_ new: String, original: String) -> String {
        let originalLines = original.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        // Every line but the last ends with "\n"; a line's ending is "\r\n" when it ends in "\r".
        let terminated = originalLines.dropLast()
        let crlf = terminated.filter { $0.last == UInt8(ascii: "\r") }.count
        if crlf == 0 { return new }
        if crlf == terminated.count { return crlfEverywhere(new) }

        let oldLines = lines(normalized(original)).map(String.init)
        let newLines = lines(new).map(String.init)
        let oldEndsCRLF = terminated.map { $0.last == UInt8(ascii: "\r") }
        let dominantCRLF = crlf * 2 >= terminated.count
        let kept = matchedLines(oldLines, newLines)
        var result = ""
        result.reserveCapacity(new.utf8.count + newLines.count)
        for (index, line) in newLines.enumerated() {
            result += line
            guard index < newLines.count - 1 else { break }
            let useCRLF = kept[index].map { $0 < oldEndsCRLF.count ? oldEndsCRLF[$0] : dominantCRLF } ?? dominantCRLF
            result += useCRLF ? "\r\n" : "\n"
        }
        return result
    }

    private static func crlfEverywhere(_ text: String) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count + text.utf8.count / 20)
        for byte in text.utf8 {
            if byte == UInt8(ascii: "\n") { bytes.append(UInt8(ascii: "\r")) }
            bytes.append(byte)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// For each new line, the index of the old line it is (unchanged lines of the common
    /// prefix and suffix, and a longest common subsequence between them), or nil when new.
    static func matchedLines(_ old: [String], _ new: [String]) -> [Int?] {
        var matched = [Int?](repeating: nil, count: new.count)
        var prefix = 0
        while prefix < old.count, prefix < new.count, old[prefix] == new[prefix] {
            matched[prefix] = prefix
            prefix += 1
        }
        var suffix = 0
        while suffix < old.count - prefix, suffix < new.count - prefix,
            old[old.count - 1 - suffix] == new[new.count - 1 - suffix]
        {
            matched[new.count - 1 - suffix] = old.count - 1 - suffix
            suffix += 1
        }
        let oldMiddle = Array(old[prefix..<(old.count - suffix)])
        let newMiddle = Array(new[prefix..<(new.count - suffix)])
        // A patch changes a few lines: the table stays small. A huge middle keeps the
        // dominant ending rather than spending quadratic time.
        guard !oldMiddle.isEmpty, !newMiddle.isEmpty, oldMiddle.count * newMiddle.count <= 4_000_000 else {
            return matched
        }
        let rows = oldMiddle.count, columns = newMiddle.count
        var table = [Int](repeating: 0, count: (rows + 1) * (columns + 1))
        for row in stride(from: rows - 1, through: 0, by: -1) {
            for column in stride(from: columns - 1, through: 0, by: -1) {
                table[row * (columns + 1) + column] =
                    oldMiddle[row] == newMiddle[column]
                    ? table[(row + 1) * (columns + 1) + column + 1] + 1
                    : max(table[(row + 1) * (columns + 1) + column], table[row * (columns + 1) + column + 1])
            }
        }
        var row = 0, column = 0
        while row < rows, column < columns {
            if oldMiddle[row] == newMiddle[column] {
                matched[prefix + column] = prefix + row
                row += 1
                column += 1
            } else if table[(row + 1) * (columns + 1) + column] >= table[row * (columns + 1) + column + 1] {
                row += 1
            } else {
                column += 1
            }
        }
        return matched
    }
}
