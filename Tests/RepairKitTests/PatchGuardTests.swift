import Foundation
import RepairKit
import RepairTestSupport
import Testing

@Suite struct PatchGuardTests {
    func makeApp() throws -> (TemporaryDirectory, PatchGuard) {
        let app = try FixtureApps.copy("shop-api")
        let config = try RepairConfig.load(appDirectory: app.url, environment: [:])
        return (app, PatchGuard(appDirectory: app.url, config: config))
    }

    func refusal(_ answer: String, _ guardian: PatchGuard) -> PatchError? {
        #expect(throws: PatchError.self) { try guardian.check(try PatchParser.parse(answer)) }
    }

    func diff(_ path: String) -> String { "--- a/\(path)\n+++ b/\(path)\n@@ -1 +1 @@\n-x\n+y\n" }

    @Test func writableFileIsAllowed() throws {
        let (app, guardian) = try makeApp()
        defer { app.remove() }
        let files = try guardian.check(try PatchParser.parse(diff("shop/services.py")))
        #expect(files.map(\.relative) == ["shop/services.py"])
    }

    @Test func hostilePathsAreRefusedWithTheirRule() throws {
        let (app, guardian) = try makeApp()
        defer { app.remove() }
        #expect(refusal(diff("../outside.py"), guardian)?.rule == .pathTraversal)
        #expect(refusal(diff("shop/../../outside.py"), guardian)?.rule == .pathTraversal)
        #expect(refusal(diff("/etc/passwd"), guardian)?.rule == .absolutePath)
        #expect(refusal(diff("smoke_test_plan.json"), guardian)?.rule == .protected)
        #expect(refusal(diff("repair.toml"), guardian)?.rule == .protected)
        #expect(refusal(diff("seed.py"), guardian)?.rule == .protected, "listed in [app] protected")
        #expect(refusal(diff("README.md"), guardian)?.rule == .notWritable)
        #expect(refusal(diff("shop/missing.py"), guardian)?.rule == .missingFile)
        #expect(refusal("--- /dev/null\n+++ b/shop/new.py\n@@ -0,0 +1 @@\n+x = 1\n", guardian)?.rule == .createOrDelete)
        #expect(
            refusal(
                "diff --git a/app.py b/app.py\nold mode 100644\nnew mode 100755\n--- a/app.py\n+++ b/app.py\n@@ -1 +1 @@\n-a\n+b\n",
                guardian)?.rule == .modeChange)
    }

    @Test func testsAreProtectedEvenWhenWritableSaysOtherwise() throws {
        let (app, _) = try makeApp()
        defer { app.remove() }
        try app.write("shop/tests/test_services.py", "def test_x(): pass\n")
        var config = try RepairConfig.load(appDirectory: app.url, environment: [:])
        config.app.writable = ["**/*.py"]
        let guardian = PatchGuard(appDirectory: app.url, config: config)
        #expect(refusal(diff("shop/tests/test_services.py"), guardian)?.rule == .protected)
    }

    /// The plan, the spec and the config are protected by their real path: `./` in the config,
    /// a plan given with `--plan`, a link to them, and a spec the config does not name.
    @Test func thePlanSpecAndConfigAreProtectedWhateverTheSpelling() throws {
        let (app, _) = try makeApp()
        defer { app.remove() }
        try app.write("plans/alt.json", #"{"scenarios": []}"#)
        try app.write("docs/openapi.yaml", "openapi: 3.0.3\ninfo: {title: shop, version: '1'}\npaths: {}\n")
        try app.write("data/products.json", #"[{"name": "tea"}]"#)
        try FileManager.default.createSymbolicLink(
            atPath: app.url.appendingPathComponent("shop/plan_link.json").path,
            withDestinationPath: "../smoke_test_plan.json")
        var config = try RepairConfig.load(appDirectory: app.url, environment: [:])
        config.app.writable = ["**"]
        config.smoke.plan = "./smoke_test_plan.json"
        let guardian = PatchGuard(
            appDirectory: app.url, config: config, planFile: app.url.appendingPathComponent("plans/alt.json"))
        for path in [
            "smoke_test_plan.json", "./smoke_test_plan.json", "shop/plan_link.json", "plans/alt.json",
            "docs/openapi.yaml",
        ] {
            #expect(refusal(diff(path), guardian)?.rule == .protected, "\(path)")
        }
        #expect(try guardian.check(try PatchParser.parse(diff("data/products.json"))).count == 1, "other JSON is data")
        config.app.writable = ["**", "docs/openapi.yaml"]
        let named = PatchGuard(appDirectory: app.url, config: config)
        #expect(
            try named.check(try PatchParser.parse(diff("docs/openapi.yaml"))).count == 1, "a spec [app] writable names")
    }

    @Test func symlinkLeadingOutIsRefused() throws {
        let (app, guardian) = try makeApp()
        defer { app.remove() }
        let outside = try TemporaryDirectory(prefix: "outside")
        defer { outside.remove() }
        let target = try outside.write("secrets.py", "KEY = 1\n")
        try FileManager.default.createSymbolicLink(
            atPath: app.url.appendingPathComponent("shop/linked.py").path, withDestinationPath: target.path)
        #expect(refusal(diff("shop/linked.py"), guardian)?.rule == .symlinkEscape)
        try FileManager.default.createSymbolicLink(
            atPath: app.url.appendingPathComponent("shop/elsewhere").path, withDestinationPath: outside.url.path)
        #expect(refusal(diff("shop/elsewhere/secrets.py"), guardian)?.rule == .symlinkEscape)
    }

    @Test func tooManyFilesOrBytesAreRefused() throws {
        let (app, guardian) = try makeApp()
        defer { app.remove() }
        let many = (0..<9).map { diff("shop/f\($0).py") }.joined()
        #expect(refusal(many, guardian)?.rule == .tooLarge)
        let huge = String(repeating: "x = 1\n", count: 900_000)
        #expect(throws: PatchError.self) {
            try guardian.checkSize(old: ["shop/services.py": "a\n"], new: ["shop/services.py": huge])
        }
    }

    @Test func globsMatchAcrossSegments() {
        #expect(Glob.matches("shop/**/*.py", "shop/a.py"))
        #expect(Glob.matches("shop/**/*.py", "shop/x/y/b.py"))
        #expect(!Glob.matches("shop/**/*.py", "app.py"))
        #expect(Glob.matches("**/test_*.py", "test_a.py"))
        #expect(Glob.matches("*.java", "Main.java"))
        #expect(!Glob.matches("*.java", "src/Main.java"))
        #expect(Glob.matches("src/**", "src/a/b/c.js"))
    }
}

@Suite struct WorkspaceTests {
    func checksum(_ url: URL) throws -> Data { try Data(contentsOf: url) }

    @Test func applyThenRollbackRestoresTheExactBytes() throws {
        let app = try FixtureApps.copy("shop-api")
        defer { app.remove() }
        let services = app.url.appendingPathComponent("shop/services.py")
        let routes = app.url.appendingPathComponent("shop/routes.py")
        let before = (try checksum(services), try checksum(routes))
        try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: services.path)
        let workspace = Workspace(appDirectory: app.url)
        let change = try workspace.apply([("shop/services.py", "changed\n"), ("shop/routes.py", "also changed\n")])
        #expect(try String(contentsOf: services, encoding: .utf8) == "changed\n")
        #expect(
            FileManager.default.fileExists(
                atPath: app.url.appendingPathComponent(".repair/journal/\(change.id)/manifest.json").path))
        try workspace.rollback(change)
        #expect(try checksum(services) == before.0)
        #expect(try checksum(routes) == before.1)
        #expect(
            (try FileManager.default.attributesOfItem(atPath: services.path)[.posixPermissions] as? Int) == 0o640,
            "the mode is kept")
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: app.url.appendingPathComponent(".repair/journal").path)
                .isEmpty)
    }

    @Test func commitKeepsTheNewBytesAndForgetsTheJournal() throws {
        let app = try FixtureApps.copy("shop-api")
        defer { app.remove() }
        let workspace = Workspace(appDirectory: app.url)
        let change = try workspace.apply([("shop/services.py", "kept\n")])
        try workspace.commit(change)
        #expect(try String(contentsOf: app.url.appendingPathComponent("shop/services.py"), encoding: .utf8) == "kept\n")
        #expect(try workspace.recover().isEmpty)
    }

    /// A kill while a kept change's journal was being removed leaves part of it; the next
    /// recovery removes what is left and touches no file (it once restored the originals still
    /// there, undoing part of a kept change).
    @Test func aJournalCutShortWhileBeingForgottenRestoresNothing() throws {
        let app = try FixtureApps.copy("shop-api")
        defer { app.remove() }
        let workspace = Workspace(appDirectory: app.url)
        let change = try workspace.apply([("shop/services.py", "kept\n"), ("shop/routes.py", "kept too\n")])
        // What commit does first: the journal set aside. Then one original removed, and the kill.
        let journal = app.url.appendingPathComponent(".repair/journal/\(change.id)")
        let aside = app.url.appendingPathComponent(".repair/journal/.discarded-\(change.id)")
        try FileManager.default.moveItem(at: journal, to: aside)
        try FileManager.default.removeItem(at: aside.appendingPathComponent("original-1"))
        #expect(try workspace.recover().isEmpty)
        #expect(try String(contentsOf: app.url.appendingPathComponent("shop/services.py"), encoding: .utf8) == "kept\n")
        #expect(
            try String(contentsOf: app.url.appendingPathComponent("shop/routes.py"), encoding: .utf8) == "kept too\n")
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: app.url.appendingPathComponent(".repair/journal").path)
                .isEmpty)
        // And commit itself leaves nothing behind.
        let next = try workspace.apply([("shop/services.py", "again\n")])
        try workspace.commit(next)
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: app.url.appendingPathComponent(".repair/journal").path)
                .isEmpty)
    }

    @Test func recoveryAfterACrashMidApplyRestoresEveryFile() throws {
        let app = try FixtureApps.copy("shop-api")
        defer { app.remove() }
        let services = app.url.appendingPathComponent("shop/services.py")
        let routes = app.url.appendingPathComponent("shop/routes.py")
        let before = (try checksum(services), try checksum(routes))
        // A cycle applied its change and died before its verdict (here: never committed)…
        _ = try Workspace(appDirectory: app.url).apply([("shop/services.py", "half\n"), ("shop/routes.py", "way\n")])
        // …and a crash in the middle of another left one file replaced, one not.
        let journal = app.url.appendingPathComponent(".repair/journal/99999999-crash")
        try FileManager.default.createDirectory(at: journal, withIntermediateDirectories: true)
        // A crash before the manifest was written touched no file.
        let restored = try Workspace(appDirectory: app.url).recover()
        #expect(Set(restored) == ["shop/services.py", "shop/routes.py"])
        #expect(try checksum(services) == before.0)
        #expect(try checksum(routes) == before.1)
        #expect(!FileManager.default.fileExists(atPath: journal.path))
    }
}
