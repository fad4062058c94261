import Foundation
import GRDB

/// The pattern library and the GRAVEYARD as reviewable files: one Markdown file per pattern
/// under `patterns/`, and `graveyard/GRAVEYARD.md` grouped by signature. Stable names and
/// content, so a pull request shows a readable diff; import reads them back, idempotently.
public enum LibraryExport {
    public struct FormatError: Error, Sendable, CustomStringConvertible {
        public var file: String
        public var problem: String
        public var description: String { "\(file): \(problem)" }
    }

    // MARK: Patterns

    /// `patterns/<signature key>-<template hash>.md`.
    public static func fileName(for pattern: FixPattern) -> String {
        "\(pattern.signatureKey)-\(Fingerprint.hash(pattern.template).prefix(8)).md"
    }

    public static func markdown(for pattern: FixPattern) -> String {
        let failedApps = ((try? JSONDecoder().decode([String].self, from: Data(pattern.appsFailed.utf8))) ?? [])
            .map { URL(fileURLWithPath: $0).lastPathComponent }.sorted()
        let apps = ((try? JSONDecoder().decode([String].self, from: Data(pattern.appsHealed.utf8))) ?? [])
            .map { URL(fileURLWithPath: $0).lastPathComponent }.sorted()
        return """
            # Fix pattern: \(pattern.signature)

            - signature-key: \(pattern.signatureKey)
            - kind: \(pattern.kind)
            - status: \(pattern.status.rawValue)\(pattern.statusByHand ? " (set by hand)" : "")
            - successes: \(pattern.successes)
            - failures: \(pattern.failures)
            - entity: \(pattern.entity ?? "")
            - apps-healed: \(apps.joined(separator: ", "))
            - apps-failed: \(failedApps.joined(separator: ", "))

            ## Template

            The fix with names as holes: the route's entity ({{entity}}, {{Entities}}, …), its parents ({{parent}}, …) and the app's other entities it names ({{other}}, {{other2}}, …).

            ````diff
            \(pattern.template.hasSuffix("\n") ? String(pattern.template.dropLast()) : pattern.template)
            ````

            ## Example

            ````diff
            \(pattern.exampleDiff.hasSuffix("\n") ? String(pattern.exampleDiff.dropLast()) : pattern.exampleDiff)
            ````

            """
    }

    /// Writes every pattern (retired ones too, marked as such) into `directory`, removing
    /// pattern files of patterns the store no longer has. Only files an export wrote (they
    /// open with "# Fix pattern: " and name a signature key) are ever removed: other Markdown
    /// in the folder is the user's.
    @discardableResult
    public static func exportPatterns(from database: RepairDatabase, to directory: URL) throws -> Int {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let patterns = try database.patterns()
        var written = Set<String>()
        for pattern in patterns {
            let name = fileName(for: pattern)
            written.insert(name)
            try Data(markdown(for: pattern).utf8).write(to: directory.appendingPathComponent(name), options: .atomic)
        }
        for existing in (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        where existing.hasSuffix(".md") && existing != "README.md" && !written.contains(existing) {
            let url = directory.appendingPathComponent(existing)
            guard isPatternFile(url) else { continue }
            try FileManager.default.removeItem(at: url)
        }
        return patterns.count
    }

    /// Whether `url` is a pattern file as `markdown(for:)` writes it.
    static func isPatternFile(_ url: URL) -> Bool {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return false }
        return text.hasPrefix("# Fix pattern: ") && text.contains("\n- signature-key: ")
    }

    /// Imports what an app's config names for the learning store — repaird's own library
    /// (`[learning] shipped`), then `[learning] patterns` and `graveyard` (relative to the app) —
    /// idempotently, before a cycle: `once` and the daemon's workers alike. Returns how many
    /// patterns and lessons were read (nil: none named). Errors name the key and the path.
    @discardableResult
    public static func importShipped(
        _ learning: RepairConfig.Learning, appDirectory: URL, into database: RepairDatabase
    )
        throws -> (patterns: Int?, lessons: Int?)
    {
        var patterns: Int?, lessons: Int?
        if learning.shipped {
            (patterns, lessons) = try ShippedLibrary.importInto(database)
        }
        /// A path the config names, resolved from the app directory, or an error naming the key.
        func existing(_ value: String, key: String) throws -> URL {
            let url = resolve(value, in: appDirectory)
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw FormatError(
                    file: appDirectory.appendingPathComponent(RepairConfig.fileName).path,
                    problem: "[learning] \(key) = \"\(value)\": \(url.standardizedFileURL.path) does not exist (a "
                        + "relative path is read from the app directory; for the library built into repaird, set "
                        + "[learning] shipped = true)")
            }
            return url
        }
        if let folder = learning.patterns {
            patterns = (patterns ?? 0) + (try importPatterns(into: database, from: existing(folder, key: "patterns")))
        }
        if let file = learning.graveyard {
            lessons = (lessons ?? 0) + (try importGraveyard(into: database, from: existing(file, key: "graveyard")))
        }
        return (patterns, lessons)
    }

    /// Reads every pattern file of `directory` into the store: a pattern already there
    /// (same signature and template) takes the file's counts and status.
    @discardableResult
    public static func importPatterns(into database: RepairDatabase, from directory: URL) throws -> Int {
        try mergePatterns(into: database, from: directory).read
    }

    /// What an import of a pattern folder did.
    public struct PatternImport: Sendable, Equatable {
        /// Pattern files read (0 when the folder was skipped as unchanged).
        public var read: Int
        /// Patterns the store did not have, added with the file's counts and status.
        public var added: Int
        /// Files whose counts or status differ from the store's: the store's were kept.
        public var differing: [String]
        /// The folder is as it was at the last import: nothing was read.
        public var skipped: Bool
    }

    /// Merges a pattern folder into the store: new patterns are added; a pattern the store
    /// knows keeps the store's counts and status (what was learned, and a person's promote or
    /// retire, is never undone by a file), and a file that says otherwise is reported. A folder
    /// unchanged since its last import is skipped without reading a file.
    public static func mergePatterns(into database: RepairDatabase, from directory: URL) throws -> PatternImport {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter {
                $0.hasSuffix(".md") && $0 != "README.md"
            }.sorted()
        } catch {
            throw FormatError(
                file: directory.path, problem: "cannot read the pattern folder: \(StorageError.reason(of: error))")
        }
        let source = directory.standardizedFileURL.path
        let fingerprint = Fingerprint.hash(
            names.map { name -> String in
                let attributes = try? FileManager.default.attributesOfItem(
                    atPath: directory.appendingPathComponent(name).path)
                let size = (attributes?[.size] as? Int) ?? -1
                let modified = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
                return "\(name)|\(size)|\(modified)"
            }.joined(separator: "\n"))
        let known =
            try database.postgres.map { try $0.importedFingerprint(source: source) }
            ?? database.writer.read { db in
                try String.fetchOne(
                    db, sql: "SELECT fingerprint FROM libraryImport WHERE source = ?", arguments: [source])
            }
        if known == fingerprint { return PatternImport(read: 0, added: 0, differing: [], skipped: true) }
        var patterns: [(name: String, pattern: FixPattern)] = []
        for name in names {
            let url = directory.appendingPathComponent(name)
            let text: String
            do { text = try String(contentsOf: url, encoding: .utf8) } catch {
                throw FormatError(file: url.path, problem: "cannot be read: \(StorageError.reason(of: error))")
            }
            patterns.append((name, try parsePattern(text, file: url.path)))
        }
        return try merge(patterns, into: database, source: source, fingerprint: fingerprint)
    }

    /// Merges parsed patterns and records `source` as imported at `fingerprint`, in one transaction.
    static func merge(
        _ patterns: [(name: String, pattern: FixPattern)], into database: RepairDatabase, source: String,
        fingerprint: String
    ) throws -> PatternImport {
        if let postgres = database.postgres {
            return try postgres.merge(patterns, source: source, fingerprint: fingerprint)
        }
        return try database.writer.write { db in
            var result = PatternImport(read: patterns.count, added: 0, differing: [], skipped: false)
            for (name, var pattern) in patterns {
                if let existing = try FixPattern.filter(
                    FixPattern.Columns.signatureKey == pattern.signatureKey
                        && FixPattern.Columns.shapeKey == pattern.shapeKey
                ).fetchOne(db) {
                    if (existing.successes, existing.failures, existing.status) != (
                        pattern.successes, pattern.failures, pattern.status
                    ) {
                        result.differing.append(name)
                    }
                } else {
                    try pattern.insert(db)
                    result.added += 1
                }
            }
            try db.execute(
                sql:
                    "INSERT INTO libraryImport (source, fingerprint, importedAt) VALUES (?, ?, ?) ON CONFLICT(source) DO UPDATE SET fingerprint = excluded.fingerprint, importedAt = excluded.importedAt",
                arguments: [source, fingerprint, Date()])
            return result
        }
    }

    static func parsePattern(_ text: String, file: String) throws -> FixPattern {
        func fail(_ problem: String) -> FormatError { FormatError(file: file, problem: problem) }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let title = lines.first, title.hasPrefix("# Fix pattern: ") else {
            throw fail("the first line must be \"# Fix pattern: SIGNATURE\"")
        }
        var fields: [String: String] = [:]
        for line in lines where line.hasPrefix("- ") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[String(line[line.index(line.startIndex, offsetBy: 2)..<colon])] = line[line.index(after: colon)...]
                .trimmingCharacters(in: .whitespaces)
        }
        let blocks = fencedBlocks(lines)
        guard blocks.count == 2 else {
            throw fail("expected a Template and an Example diff block, found \(blocks.count) blocks")
        }
        guard let key = fields["signature-key"], !key.isEmpty else { throw fail("field 'signature-key' is missing") }
        let byHand = fields["status"]?.hasSuffix(" (set by hand)") == true
        guard let statusText = fields["status"]?.replacingOccurrences(of: " (set by hand)", with: ""),
            let status = FixPattern.Status(rawValue: statusText)
        else {
            throw fail("field 'status' must be candidate, promoted or retired")
        }
        guard let successes = fields["successes"].flatMap(Int.init), let failures = fields["failures"].flatMap(Int.init)
        else {
            throw fail("fields 'successes' and 'failures' must be whole numbers")
        }
        let apps = (fields["apps-healed"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        let appsJSON = String(decoding: (try? JSONEncoder().encode(apps)) ?? Data("[]".utf8), as: UTF8.self)
        let entity = fields["entity"].flatMap { $0.isEmpty ? nil : $0 }
        let signature = String(title.dropFirst("# Fix pattern: ".count))
        var pattern = FixPattern(
            id: nil, signatureKey: key, signature: signature, kind: fields["kind"] ?? "",
            template: blocks[0] + "\n", exampleDiff: blocks[1] + "\n", entity: entity, appsHealed: appsJSON,
            successes: successes, failures: failures, status: status, createdAt: Date(), updatedAt: Date(),
            exceptionType: Signature.exceptionType(of: signature))
        pattern.statusByHand = byHand
        let failed = (fields["apps-failed"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        pattern.appsFailed = String(decoding: (try? JSONEncoder().encode(failed)) ?? Data("[]".utf8), as: UTF8.self)
        return pattern
    }

    /// The contents of each ```` fence, in order.
    static func fencedBlocks(_ lines: [String]) -> [String] {
        var blocks: [String] = []
        var current: [String]?
        for line in lines {
            if line.hasPrefix("````") {
                if let open = current {
                    blocks.append(open.joined(separator: "\n"))
                    current = nil
                } else {
                    current = []
                }
            } else {
                current?.append(line)
            }
        }
        return blocks
    }

    // MARK: GRAVEYARD

    public static func graveyardMarkdown(from database: RepairDatabase) throws -> String {
        let lessons = try database.lessons()
        let patterns = try database.patterns().filter { $0.status != .retired }
        var text = """
            # GRAVEYARD

            Fixes that failed, by the failure they were meant to heal. repaird never applies one of
            these patches again for its failure, and lists them in the prompt as things not to repeat.
            Written by `repairctl graveyard export`; read back by `repairctl graveyard import`.

            """
        var bySignature: [String: [Lesson]] = [:]
        for lesson in lessons { bySignature[lesson.signatureKey, default: []].append(lesson) }
        for key in bySignature.keys.sorted() {
            let group = bySignature[key]!
            text += "\n## \(group[0].signature)\n\n- signature-key: \(key)\n"
            if let fix = patterns.filter({ $0.signatureKey == key }).max(by: { $0.successRate < $1.successRate }) {
                text +=
                    "- worked instead: pattern \(LibraryExport.fileName(for: fix)) (\(fix.successes) of \(fix.uses) uses)\n"
            }
            for lesson in group {
                text +=
                    "\n### Tried: \(lesson.summary)\n\n- patch-hash: \(lesson.patchHash)\n- outcome: \(lesson.outcome)\n- times: \(lesson.count)\n- why: \(lesson.evidence.replacingOccurrences(of: "\n", with: " "))\n"
            }
        }
        return text
    }

    @discardableResult
    public static func importGraveyard(into database: RepairDatabase, from url: URL) throws -> Int {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw FormatError(file: url.path, problem: "cannot be read: \(StorageError.reason(of: error))")
        }
        return try importGraveyard(text, file: url.path, into: database)
    }

    /// Imports GRAVEYARD text (`file` names it in errors); returns how many lessons it holds.
    @discardableResult
    static func importGraveyard(_ text: String, file: String, into database: RepairDatabase) throws -> Int {
        let url = URL(fileURLWithPath: file)
        var lessons: [Lesson] = []
        var signature = "", signatureKey = ""
        var current: [String: String] = [:]
        var summary: String?
        func flush() throws {
            guard let tried = summary else { return }
            guard let hash = current["patch-hash"], !signatureKey.isEmpty else {
                throw FormatError(
                    file: url.path, problem: "lesson \"\(tried)\" lacks its patch-hash or its section's signature-key")
            }
            lessons.append(
                Lesson(
                    id: nil, signatureKey: signatureKey, signature: signature, patchHash: hash, summary: tried,
                    outcome: current["outcome"] ?? "failed", evidence: current["why"] ?? "",
                    count: Int(current["times"] ?? "") ?? 1,
                    createdAt: Date(), updatedAt: Date(), exceptionType: Signature.exceptionType(of: signature)))
            summary = nil
            current = [:]
        }
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.hasPrefix("## ") {
                try flush()
                signature = String(line.dropFirst(3))
                signatureKey = ""
            } else if line.hasPrefix("### Tried: ") {
                try flush()
                summary = String(line.dropFirst("### Tried: ".count))
            } else if line.hasPrefix("- "), let colon = line.firstIndex(of: ":") {
                let name = String(line[line.index(line.startIndex, offsetBy: 2)..<colon])
                let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                if summary == nil, name == "signature-key" { signatureKey = value } else { current[name] = value }
            }
        }
        try flush()
        if let postgres = database.postgres {
            try postgres.insertNew(lessons: lessons)
            return lessons.count
        }
        try database.writer.write { db in
            for var lesson in lessons {
                // A lesson the store knows keeps the store's count and evidence: a file never
                // undoes what was learned since it was written.
                if try Lesson.filter(
                    Lesson.Columns.signatureKey == lesson.signatureKey && Lesson.Columns.patchHash == lesson.patchHash
                ).fetchOne(db) != nil {
                    continue
                } else {
                    try lesson.insert(db)
                }
            }
        }
        return lessons.count
    }
}

extension RepairDatabase {
    public func patterns(status: FixPattern.Status? = nil) throws -> [FixPattern] {
        if let postgres {
            return try postgres.session { session in
                try session.records(
                    FixPattern.self, from: "fixPattern",
                    where: status.map { #""status" = \#($0.rawValue)"# } ?? "TRUE", order: #""signatureKey", "id""#)
            }
        }
        return try writer.read { db in
            var request = FixPattern.order(Column("signatureKey"), Column("id"))
            if let status { request = request.filter(FixPattern.Columns.status == status.rawValue) }
            return try request.fetchAll(db)
        }
    }

    public func pattern(id: Int64) throws -> FixPattern? {
        if let postgres {
            return try postgres.session {
                try $0.records(FixPattern.self, from: "fixPattern", where: #""id" = \#(id)"#)
            }
            .first
        }
        return try writer.read { try FixPattern.fetchOne($0, key: id) }
    }

    /// A person's decision: promote or retire a pattern now.
    public func setStatus(_ status: FixPattern.Status, ofPattern id: Int64) throws -> Bool {
        if let postgres {
            return try postgres.transaction { session in
                try session.change(
                    #"""
                    UPDATE "fixPattern" SET "status" = \#(status.rawValue), "statusByHand" = TRUE,
                        "updatedAt" = \#(Date()) WHERE "id" = \#(id)
                    """#) == 1
            }
        }
        return try writer.write { db in
            guard var pattern = try FixPattern.fetchOne(db, key: id) else { return false }
            pattern.status = status
            pattern.statusByHand = true
            pattern.updatedAt = Date()
            try pattern.update(db)
            return true
        }
    }

    /// Adds patterns in one transaction.
    public func insert(patterns: [FixPattern]) throws {
        try writer.write { db in
            for var pattern in patterns { try pattern.insert(db) }
        }
    }

    /// Adds lessons in one transaction.
    public func insert(lessons: [Lesson]) throws {
        try writer.write { db in
            for var lesson in lessons { try lesson.insert(db) }
        }
    }

    public func lessons() throws -> [Lesson] {
        if let postgres {
            return try postgres.session {
                try $0.records(Lesson.self, from: "lesson", order: #""signatureKey", "patchHash""#)
            }
        }
        return try writer.read { try Lesson.order(Column("signatureKey"), Column("patchHash")).fetchAll($0) }
    }
}
