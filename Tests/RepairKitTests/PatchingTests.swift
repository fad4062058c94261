import Foundation
import RepairKit
import RepairTestSupport
import Testing

@Suite struct PatchingTests {
    let services = """
        import uuid


        def create_product(payload: dict) -> dict:
            product = Product(
                id=str(uuid.uuid4()),
                name=payload["product_name"],
                price=float(payload["price"]),
            )
            return product.to_dict()


        def list_products() -> list:
            return []

        """

    func applied(_ answer: String, to content: String, path: String = "shop/services.py") throws -> String {
        let patch = try PatchParser.parse(answer)
        let edit = try #require(patch.edits.first { $0.path == path })
        guard case .changed(let text) = try PatchApplier.apply(edit, to: content) else {
            throw PatchError(rule: .noEdit, message: "unchanged")
        }
        return text
    }

    @Test func fencedUnifiedDiffWithWrongLineNumbersIsPlacedByContext() throws {
        let answer = """
            The handler reads the wrong key. Fix:

            ```diff
            --- a/shop/services.py
            +++ b/shop/services.py
            @@ -40,7 +40,7 @@ def create_product(payload: dict) -> dict:
                 product = Product(
                     id=str(uuid.uuid4()),
            -        name=payload["product_name"],
            +        name=payload["name"],
                     price=float(payload["price"]),
                 )
            ```
            """
        let result = try applied(answer, to: services)
        #expect(result == services.replacingOccurrences(of: "payload[\"product_name\"]", with: "payload[\"name\"]"))
    }

    @Test func bareDiffOfSeveralFiles() throws {
        let answer = """
            --- shop/a.py
            +++ shop/a.py
            @@ -1,2 +1,2 @@
             x = 1
            -y = 2
            +y = 3
            --- shop/b.py
            +++ shop/b.py
            @@ -1 +1 @@
            -z = 1
            +z = 2
            """
        let patch = try PatchParser.parse(answer)
        #expect(patch.paths == ["shop/a.py", "shop/b.py"])
        #expect(try applied(answer, to: "x = 1\ny = 2\n", path: "shop/a.py") == "x = 1\ny = 3\n")
        #expect(try applied(answer, to: "z = 1\n", path: "shop/b.py") == "z = 2\n")
    }

    @Test func contextInTwoPlacesIsRejected() throws {
        let content = "a = 1\nb = 2\n\na = 1\nb = 2\n"
        let answer = "--- f.py\n+++ f.py\n@@ -1,2 +1,2 @@\n a = 1\n-b = 2\n+b = 3\n"
        let error = #expect(throws: PatchError.self) { try applied(answer, to: content, path: "f.py") }
        #expect(error?.rule == .ambiguous)
    }

    @Test func contextNotInTheFileIsRejected() throws {
        let answer = "--- f.py\n+++ f.py\n@@ -1,2 +1,2 @@\n q = 1\n-r = 2\n+r = 3\n"
        let error = #expect(throws: PatchError.self) { try applied(answer, to: "a = 1\n", path: "f.py") }
        #expect(error?.rule == .contextNotFound)
    }

    @Test func searchReplaceExactAndWhitespaceTolerant() throws {
        let exact = """
            shop/services.py
            ```python
            <<<<<<< SEARCH
                    name=payload["product_name"],
            =======
                    name=payload["name"],
            >>>>>>> REPLACE
            ```
            """
        #expect(try applied(exact, to: services).contains("name=payload[\"name\"],"))
        // The answer lost the indentation and added trailing spaces.
        let loose =
            "File: shop/services.py\n<<<<<<< SEARCH\nname=payload[\"product_name\"],   \n=======\n        name=payload[\"name\"],\n>>>>>>> REPLACE\n"
        #expect(try applied(loose, to: services).contains("        name=payload[\"name\"],"))
    }

    @Test func searchTextMatchingTwiceIsRejected() throws {
        let answer = "shop/settings.py\n<<<<<<< SEARCH\nretries = 1\n=======\nretries = 3\n>>>>>>> REPLACE\n"
        let content = "retries = 1\ntimeout = 5\nretries = 1\n"
        let error = #expect(throws: PatchError.self) { try applied(answer, to: content, path: "shop/settings.py") }
        #expect(error?.rule == .ambiguous)
    }

    @Test func anEditAlreadyPresentIsRecognised() throws {
        let fixed = services.replacingOccurrences(of: "payload[\"product_name\"]", with: "payload[\"name\"]")
        let patch = try PatchParser.parse(
            "shop/services.py\n<<<<<<< SEARCH\n        name=payload[\"product_name\"],\n=======\n        name=payload[\"name\"],\n>>>>>>> REPLACE\n"
        )
        #expect(try PatchApplier.apply(patch.edits[0], to: fixed) == .alreadyApplied)
    }

    @Test func hunkWhoseOuterContextMovedStillPlacesWithFuzz() throws {
        // The line after the change is no longer "remove(": another fix inserted a handler.
        let content =
            "  create(req, res) {\n    res.json(200, x);\n  },\n  update(req, res) {\n  },\n  remove(req, res) {\n"
        let answer =
            "--- a/c.js\n+++ b/c.js\n@@ -1,4 +1,4 @@\n   create(req, res) {\n-    res.json(200, x);\n+    res.json(201, x);\n   },\n   remove(req, res) {\n"
        #expect(try applied(answer, to: content, path: "c.js") == content.replacingOccurrences(of: "200", with: "201"))
    }

    @Test func fuzzNeverGuessesBetweenTwoPlaces() throws {
        let content = "a()\nvalue = 1\nb()\nc()\nvalue = 1\nd()\n"
        let answer = "--- a/f.py\n+++ b/f.py\n@@ -1,3 +1,3 @@\n x()\n-value = 1\n+value = 2\n y()\n"
        let error = #expect(throws: PatchError.self) { try applied(answer, to: content, path: "f.py") }
        #expect(error?.rule == .contextNotFound)
    }

    @Test func proseWithoutAnEditIsAnOutcome() {
        let error = #expect(throws: PatchError.self) {
            try PatchParser.parse("I think the bug is in the database layer; check the schema.")
        }
        #expect(error?.rule == .noEdit)
    }

    @Test func modeChangesAndNewFilesAreMarked() throws {
        let patch = try PatchParser.parse(
            "diff --git a/run.sh b/run.sh\nold mode 100644\nnew mode 100755\n--- a/run.sh\n+++ b/run.sh\n@@ -1 +1 @@\n-a\n+b\n"
        )
        #expect(patch.edits.first?.changesMode == true)
        let created = try PatchParser.parse("--- /dev/null\n+++ b/shop/new.py\n@@ -0,0 +1 @@\n+x = 1\n")
        #expect(created.edits.first?.createsOrDeletes == true)
    }

    // MARK: git apply as the oracle

    func gitApply(_ diff: String, old: String, path: String) async throws -> (accepted: Bool, result: String) {
        let directory = try TemporaryDirectory(prefix: "git-oracle")
        defer { directory.remove() }
        try directory.write(path, old)
        let patchFile = try directory.write("change.patch", diff)
        let git = URL(fileURLWithPath: "/usr/bin/git")
        _ = try await CommandRunner.run(git, ["-C", directory.url.path, "init", "-q"])
        let check = try await CommandRunner.run(git, ["-C", directory.url.path, "apply", "--check", patchFile.path])
        guard check.status == 0 else { return (false, check.standardError) }
        _ = try await CommandRunner.run(git, ["-C", directory.url.path, "apply", patchFile.path])
        return (true, try String(contentsOf: directory.url.appendingPathComponent(path), encoding: .utf8))
    }

    @Test func emittedDiffsAreAcceptedByGitApply() async throws {
        var generator = SeededGenerator(seed: 42)
        let base = (1...60).map { "line \($0) = value_\($0)" }
        for round in 0..<25 {
            var lines = base
            for _ in 0..<Int.random(in: 1...6, using: &generator) {
                let position = Int.random(in: 0..<lines.count, using: &generator)
                switch Int.random(in: 0..<3, using: &generator) {
                case 0: lines[position] = "changed \(round) \(position)"
                case 1: lines.insert("inserted \(round) \(position)", at: position)
                default: if lines.count > 5 { lines.remove(at: position) }
                }
            }
            let old = base.joined(separator: "\n") + "\n"
            let new = lines.joined(separator: "\n") + (round % 5 == 0 ? "" : "\n")
            let diff = UnifiedDiff.make(path: "app/module.py", old: old, new: new)
            let outcome = try await gitApply(diff, old: old, path: "app/module.py")
            #expect(outcome.accepted, "round \(round): \(outcome.result)\n\(diff)")
            #expect(outcome.result == new, "round \(round)")
        }
    }

    @Test func parsedDiffAndGitApplyAgree() async throws {
        let diff = UnifiedDiff.make(
            path: "shop/services.py", old: services,
            new: services.replacingOccurrences(of: "payload[\"product_name\"]", with: "payload[\"name\"]"))
        let ours = try applied(diff, to: services)
        let gits = try await gitApply(diff, old: services, path: "shop/services.py")
        #expect(gits.accepted)
        #expect(ours == gits.result)
    }
}

/// A small deterministic random generator (SplitMix64), so a failing case can be replayed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// An edit Python's bytecode cache cannot tell from the original (same size, same second) is
/// still what the next run executes.
@Suite struct BytecodeCacheTests {
    func python(_ code: String, in directory: URL) async throws -> String {
        // Bytecode is written as an app's interpreter writes it (the caller's environment may not).
        var environment = ProcessInfo.processInfo.environment
        environment["PYTHONDONTWRITEBYTECODE"] = nil
        let result = try await CommandRunner.run(
            URL(fileURLWithPath: "/usr/bin/env"),
            ["python3", "-c", "import sys; sys.path.insert(0, \"\(directory.path)\"); " + code],
            environment: environment)
        #expect(result.status == 0, "\(result.standardError)")
        return result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func anEditKeepingSizeAndSecondRunsAfterApplyAndAfterRollback() async throws {
        let app = try TemporaryDirectory()
        defer { app.remove() }
        let module = try app.write("status.py", "CREATED = 200\n")
        let mtime = try #require(
            try FileManager.default.attributesOfItem(atPath: module.path)[.modificationDate] as? Date)
        // Python caches the module's bytecode, recording its size and modification second.
        #expect(try await python("import status; print(status.CREATED)", in: app.url) == "200")
        let cache = app.url.appendingPathComponent("__pycache__")
        #expect(try FileManager.default.contentsOfDirectory(atPath: cache.path).contains { $0.hasPrefix("status.") })
        let workspace = Workspace(appDirectory: app.url)
        let change = try workspace.apply([(path: "status.py", text: "CREATED = 201\n")])
        // As when the edit lands within the second the cache was written.
        try FileManager.default.setAttributes([.modificationDate: mtime], ofItemAtPath: module.path)
        #expect(try await python("import status; print(status.CREATED)", in: app.url) == "201")
        try workspace.rollback(change)
        try FileManager.default.setAttributes([.modificationDate: mtime], ofItemAtPath: module.path)
        #expect(try await python("import status; print(status.CREATED)", in: app.url) == "200")
    }
}
