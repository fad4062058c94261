import Foundation
import RepairTestSupport
import Testing

@testable import RepairKit

@Suite struct LibraryExportTests {
    func sampleStore(at url: URL) throws -> RepairDatabase {
        let store = try RepairDatabase.open(at: url)
        try store.writer.write { db in
            let now = Date()
            var first = FixPattern(
                id: nil, signatureKey: "a1b2c3d4e5f6", signature: "POST /{collection} 500 KeyError: <str>",
                kind: "crash",
                template:
                    "--- a/shop/services.py\n+++ b/shop/services.py\n@@ -1 +1 @@\n-        name=payload[\"{{entity}}_name\"],\n+        name=payload[\"name\"],\n",
                exampleDiff:
                    "--- a/shop/services.py\n+++ b/shop/services.py\n@@ -1 +1 @@\n-        name=payload[\"product_name\"],\n+        name=payload[\"name\"],\n",
                entity: "product", appsHealed: "[\"/tmp/apps/shop-api\",\"/tmp/apps/books\"]", successes: 4,
                failures: 1,
                status: .promoted, createdAt: now, updatedAt: now)
            try first.insert(db)
            var second = first
            second.id = nil
            second.signatureKey = "ffeeddccbbaa"
            second.signature = "GET /{collection}/{id} 404 route_missing"
            second.kind = "route_missing"
            second.template = "+    router.add(\"GET\", \"/{{entities}}/{{{entity}}_id}\", get_{{entity}})\n"
            second.status = .candidate
            second.successes = 1
            second.failures = 0
            try second.insert(db)
            var lesson = Lesson(
                id: nil, signatureKey: "a1b2c3d4e5f6", signature: "POST /{collection} 500 KeyError: <str>",
                patchHash: "0123456789ab",
                summary: "-name=payload[\"product_name\"], | +name=payload.get(\"name\")", outcome: "regressed",
                evidence: "broke list_products", count: 2, createdAt: now, updatedAt: now)
            try lesson.insert(db)
        }
        return store
    }

    func comparable(_ store: RepairDatabase) throws -> [String] {
        try store.patterns().map {
            "\($0.signatureKey)|\($0.signature)|\($0.kind)|\($0.template)|\($0.exampleDiff)|\($0.entity ?? "")|\($0.successes)|\($0.failures)|\($0.status)"
        }
            + store.lessons().map {
                "\($0.signatureKey)|\($0.patchHash)|\($0.summary)|\($0.outcome)|\($0.evidence)|\($0.count)"
            }
    }

    @Test func exportThenImportIntoAnEmptyStoreGivesTheSameLibrary() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let original = try sampleStore(at: directory.url.appendingPathComponent("a.sqlite"))
        let patterns = directory.url.appendingPathComponent("patterns")
        let graveyard = directory.url.appendingPathComponent("graveyard/GRAVEYARD.md")
        try LibraryExport.exportPatterns(from: original, to: patterns)
        try FileManager.default.createDirectory(
            at: graveyard.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(LibraryExport.graveyardMarkdown(from: original).utf8).write(to: graveyard)

        let copy = try RepairDatabase.open(at: directory.url.appendingPathComponent("b.sqlite"))
        #expect(try LibraryExport.importPatterns(into: copy, from: patterns) == 2)
        #expect(try LibraryExport.importGraveyard(into: copy, from: graveyard) == 1)
        #expect(try comparable(copy) == comparable(original))
        // Importing again changes nothing; exporting again writes the same bytes.
        try LibraryExport.importPatterns(into: copy, from: patterns)
        try LibraryExport.importGraveyard(into: copy, from: graveyard)
        #expect(try comparable(copy) == comparable(original))
        let again = directory.url.appendingPathComponent("again")
        try LibraryExport.exportPatterns(from: copy, to: again)
        for name in try FileManager.default.contentsOfDirectory(atPath: patterns.path) {
            #expect(
                try Data(contentsOf: again.appendingPathComponent(name))
                    == Data(contentsOf: patterns.appendingPathComponent(name)), "\(name)")
        }
        let markdown = try String(contentsOf: graveyard, encoding: .utf8)
        #expect(markdown.contains("## POST /{collection} 500 KeyError: <str>"))
        #expect(markdown.contains("- worked instead: pattern a1b2c3d4e5f6-"))
        #expect(markdown.contains("- why: broke list_products"))
    }

    /// Export removes the files of patterns the store no longer has, and nothing else.
    @Test func exportRemovesStalePatternFilesButNotOtherMarkdown() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try sampleStore(at: directory.url.appendingPathComponent("a.sqlite"))
        let notes = try directory.write("patterns/NOTES.md", "# Our review notes\n\nKeep the KeyError pattern.\n")
        let stale = try directory.write(
            "patterns/000000000000-deadbeef.md", "# Fix pattern: GET /gone 500 E\n\n- signature-key: 000000000000\n")
        try LibraryExport.exportPatterns(from: store, to: directory.url.appendingPathComponent("patterns"))
        #expect(FileManager.default.fileExists(atPath: notes.path), "the user's Markdown stays")
        #expect(!FileManager.default.fileExists(atPath: stale.path), "a pattern the store no longer has goes")
    }

    /// Import merges: a pattern the store knows keeps the store's counts and status (retired
    /// stays retired), a file that says otherwise is reported, and an unchanged folder is skipped.
    @Test func importMergesAndNeverUndoesWhatTheStoreLearned() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try sampleStore(at: directory.url.appendingPathComponent("a.sqlite"))
        let folder = directory.url.appendingPathComponent("patterns")
        try LibraryExport.exportPatterns(from: store, to: folder)
        let promoted = try #require(try store.patterns().first { $0.status == .promoted })
        #expect(try store.setStatus(.retired, ofPattern: try #require(promoted.id)))

        let first = try LibraryExport.mergePatterns(into: store, from: folder)
        #expect(first.read == 2 && first.added == 0 && !first.skipped)
        #expect(first.differing == [LibraryExport.fileName(for: promoted)], "the file still says promoted")
        let after = try #require(try store.patterns().first { $0.id == promoted.id })
        #expect(after.status == .retired, "a person's retire is not undone by an import")
        #expect(after.successes == promoted.successes && after.failures == promoted.failures)

        let again = try LibraryExport.mergePatterns(into: store, from: folder)
        #expect(again.skipped && again.read == 0, "an unchanged folder is not read again")

        let fresh = try RepairDatabase.open(at: directory.url.appendingPathComponent("b.sqlite"))
        let into = try LibraryExport.mergePatterns(into: fresh, from: folder)
        #expect(into.added == 2 && into.differing.isEmpty)
        #expect(try fresh.patterns().contains { $0.signatureKey == promoted.signatureKey && $0.status == .promoted })
    }

    @Test func badPatternFileNamesTheFileAndField() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("patterns/x.md", "# Fix pattern: GET /x 500 E\n\n- signature-key: abc\n- status: maybe\n")
        let error = #expect(throws: LibraryExport.FormatError.self) {
            try LibraryExport.importPatterns(
                into: RepairDatabase.inMemory(), from: directory.url.appendingPathComponent("patterns"))
        }
        #expect(error?.description.contains("x.md") == true)
    }

    @Test func aMissingImportPathIsRefusedAndCreatesNoStore() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let storePath = directory.url.appendingPathComponent("store.sqlite").path
        let missing = directory.url.appendingPathComponent("no-such").path
        for arguments in [["patterns", "import", missing], ["graveyard", "import", missing]] {
            let result = try await CommandRunner.run(CommandRunner.repairctl, arguments + ["--store", storePath])
            #expect(result.status == 2, "\(arguments)")
            #expect(result.standardError.contains(missing), "\(result.standardError)")
        }
        #expect(!FileManager.default.fileExists(atPath: storePath))
        try directory.write("blocker", "a file where the export folder should go\n")
        _ = try sampleStore(at: URL(fileURLWithPath: storePath))
        let blocked = directory.url.appendingPathComponent("blocker/patterns").path
        let export = try await CommandRunner.run(
            CommandRunner.repairctl, ["patterns", "export", blocked, "--store", storePath])
        #expect(export.status == 2)
        #expect(export.standardError.contains(blocked), "\(export.standardError)")
    }

    /// Promoted patterns become rules for a generator's prompt (guidance, before, after), the
    /// GRAVEYARD things not to do; candidates stay out unless asked for.
    @Test func rulesForAGeneratorFromPromotedPatternsAndTheGraveyard() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let storePath = directory.url.appendingPathComponent("store.sqlite").path
        _ = try sampleStore(at: URL(fileURLWithPath: storePath))
        let markdown = try await CommandRunner.run(
            CommandRunner.repairctl, ["patterns", "export", "--format", "rules", "--store", storePath])
        #expect(markdown.status == 0, "\(markdown.standardError)")
        let text = markdown.standardOutput
        #expect(text.hasPrefix("# Rules for generating web API apps"))
        #expect(text.contains("## 1. "), "one rule: the promoted pattern")
        #expect(!text.contains("## 2. "), "the candidate is not a rule")
        #expect(
            text.contains("Instead of (`shop/services.py`):\n\n```python\n        name=payload[\"product_name\"],\n```")
        )
        #expect(text.contains("generate:\n\n```python\n        name=payload[\"name\"],\n```"))
        #expect(text.contains("kept 4 of 5 times, in 2 apps"))
        #expect(text.contains("## Do not"))
        #expect(text.contains("regressed ×2 on `POST /{collection} 500 KeyError: <str>`"))

        let json = try await CommandRunner.run(
            CommandRunner.repairctl,
            ["patterns", "export", "--format", "rules", "--json", "--candidates", "--store", storePath])
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any])
        let rules = try #require(object["rules"] as? [[String: Any]])
        #expect(rules.count == 2, "the candidate healed two apps: a rule when candidates are asked for")
        #expect(rules.first?["after"] as? String == "        name=payload[\"name\"],")
        #expect((rules.last?["guidance"] as? String)?.hasPrefix("Declare `GET /{collection}/{id}`") == true)
        #expect((object["avoid"] as? [[String: Any]])?.first?["outcome"] as? String == "regressed")

        let file = directory.url.appendingPathComponent("out/RULES.md").path
        let written = try await CommandRunner.run(
            CommandRunner.repairctl, ["patterns", "export", "--format", "rules", file, "--store", storePath])
        #expect(written.status == 0)
        #expect(written.standardError.contains("wrote 1 rule and 1 thing not to do"))
        #expect(try String(contentsOfFile: file, encoding: .utf8) == text)
    }

    /// The README's Python example for a pipeline runs as written against a store.
    @Test func theReadmesPipelineExampleReadsTheRules() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let storePath = directory.url.appendingPathComponent("store.sqlite").path
        _ = try sampleStore(at: URL(fileURLWithPath: storePath))
        let readme = try String(
            contentsOf: FixtureApps.repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let section = try #require(
            readme.components(separatedBy: "### Feeding it forward to the generator").dropFirst().first)
        let code = try #require(
            section.components(separatedBy: "```python\n").dropFirst().first?.components(separatedBy: "```").first)
        let script = try directory.write(
            "pipeline.py", code + "\nimport sys\nprint(generation_rules(sys.argv[1]))\n")
        var environment = ProcessInfo.processInfo.environment
        environment["PATH"] =
            CommandRunner.repairctl.deletingLastPathComponent().path + ":" + (environment["PATH"] ?? "")
        let result = try await CommandRunner.run(
            URL(fileURLWithPath: "/usr/bin/env"), ["python3", script.path, storePath], environment: environment)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.hasPrefix("Rules learned from earlier apps:\n- "))
        #expect(result.standardOutput.contains("name=payload[\"name\"],"))
        #expect(result.standardOutput.contains("- Do not: "))
    }

    @Test func reviewCommandsWorkFromTheCommandLine() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let storePath = directory.url.appendingPathComponent("store.sqlite").path
        _ = try sampleStore(at: URL(fileURLWithPath: storePath))
        let list = try await CommandRunner.run(
            CommandRunner.repairctl, ["patterns", "list", "--json", "--store", storePath])
        let patterns = try #require(
            try JSONSerialization.jsonObject(with: Data(list.standardOutput.utf8)) as? [[String: Any]])
        #expect(patterns.count == 2)
        let candidateID = try #require(patterns.first { $0["status"] as? String == "candidate" }?["id"] as? Int)
        #expect(
            try await CommandRunner.run(
                CommandRunner.repairctl, ["patterns", "promote", String(candidateID), "--store", storePath]
            ).status == 0)
        let promoted = try await CommandRunner.run(
            CommandRunner.repairctl, ["patterns", "list", "--status", "promoted", "--store", storePath])
        #expect(promoted.standardOutput.split(separator: "\n").count == 2)
        #expect(
            try await CommandRunner.run(CommandRunner.repairctl, ["patterns", "retire", "999", "--store", storePath])
                .status == 2)
        let show = try await CommandRunner.run(
            CommandRunner.repairctl, ["patterns", "show", String(candidateID), "--store", storePath])
        #expect(show.standardOutput.contains("## Template"))
        let out = directory.url.appendingPathComponent("out/GRAVEYARD.md").path
        #expect(
            try await CommandRunner.run(CommandRunner.repairctl, ["graveyard", "export", out, "--store", storePath])
                .status == 0)
        #expect(try String(contentsOfFile: out, encoding: .utf8).contains("### Tried:"))
        let graveyard = try await CommandRunner.run(
            CommandRunner.repairctl, ["graveyard", "list", "--store", storePath])
        #expect(graveyard.standardOutput.contains("regressed ×2"))
    }
}
