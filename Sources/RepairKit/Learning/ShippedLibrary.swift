import Foundation

/// The learning library shipped with repaird — the fix patterns and GRAVEYARD lessons it learned
/// on its fixture corpus (`patterns/`, `graveyard/GRAVEYARD.md`) — embedded in the binary at
/// build time, so `[learning] shipped = true` finds it wherever repaird is installed and
/// wherever an app is copied.
public enum ShippedLibrary {
    /// Each pattern file's name and text.
    public static let patternFiles: [(name: String, text: String)] = ShippedLibraryFiles.patterns.map {
        ($0.name, decoded($0.base64))
    }

    /// The GRAVEYARD's text.
    public static let graveyard = decoded(ShippedLibraryFiles.graveyard)

    /// What the store records as the import's source.
    static let source = "repaird's shipped library"

    /// Imports the library into the store, idempotently: patterns the store knows keep the
    /// store's counts and status, and a store that already holds this build's library is not
    /// written. Returns how many patterns and lessons the library holds.
    @discardableResult
    public static func importInto(_ database: RepairDatabase) throws -> (patterns: Int, lessons: Int) {
        let fingerprint = Fingerprint.hash(
            (patternFiles.map { "\($0.name)\n\($0.text)" } + [graveyard]).joined(separator: "\u{0}"))
        let known =
            try database.postgres.map { try $0.importedFingerprint(source: source) }
            ?? database.writer.read { db in
                try String.fetchOne(
                    db, sql: "SELECT fingerprint FROM libraryImport WHERE source = ?", arguments: [source])
            }
        let lessons: Int
        if known == fingerprint {
            lessons = graveyard.components(separatedBy: "\n### Tried: ").count - 1
        } else {
            // Lessons first: the pattern merge records the fingerprint, so an import cut short
            // before it is done again whole.
            lessons = try LibraryExport.importGraveyard(
                graveyard, file: "shipped graveyard/GRAVEYARD.md", into: database)
            let patterns = try patternFiles.map { file in
                (file.name, try LibraryExport.parsePattern(file.text, file: "shipped patterns/\(file.name)"))
            }
            _ = try LibraryExport.merge(patterns, into: database, source: source, fingerprint: fingerprint)
        }
        return (patternFiles.count, lessons)
    }

    private static func decoded(_ base64: String) -> String {
        String(decoding: Data(base64Encoded: base64) ?? Data(), as: UTF8.self)
    }
}
