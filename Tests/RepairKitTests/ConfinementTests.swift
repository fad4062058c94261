import Foundation
import RepairTestSupport
import Testing

@testable import RepairKit

/// What the verdict runs is LLM-written code: it gets no LLM key, no secret-looking variable
/// it was not given, and (with bubblewrap) cannot write outside the app directory.
@Suite struct ConfinementTests {
    @Test func theAppsEnvironmentIsExplicit() {
        var settings = RepairConfig.App(start: "x")
        settings.passEnv = ["DATABASE_URL", "AWS_*"]
        settings.env = ["FEATURE": "on"]
        settings.withheldEnv = ["OPENAI_API_KEY"]
        let parent = [
            "PATH": "/usr/bin", "HOME": "/home/u", "LC_ALL": "C.UTF-8", "OPENAI_API_KEY": "sk-live-1",
            "GITHUB_TOKEN": "ghp_x", "DATABASE_URL": "postgres://u:p@db/x", "AWS_SECRET_ACCESS_KEY": "abc",
            "RANDOM_THING": "1", "REPAIR_LLM_MODEL": "m", "STRIPE_SECRET": "s",
        ]
        let environment = AppEnvironment.build(settings: settings, parent: parent, extra: ["PORT": "8080"])
        #expect(
            environment == [
                "PATH": "/usr/bin", "HOME": "/home/u", "LC_ALL": "C.UTF-8", "DATABASE_URL": "postgres://u:p@db/x",
                "AWS_SECRET_ACCESS_KEY": "abc", "FEATURE": "on", "PORT": "8080",
            ])
        settings.passEnv = ["OPENAI_API_KEY"]
        #expect(
            AppEnvironment.build(settings: settings, parent: parent, extra: [:])["OPENAI_API_KEY"] == nil,
            "the LLM's key is withheld even when named")
    }

    @Test func theLLMKeyVariablesAreWithheldByTheConfig() throws {
        let config = try RepairConfig.parse(
            "version = 1\n[app]\nstart = \"x\"\npass_env = [\"MY_KEY\"]\n[llm]\nprovider = \"openai\"\nmodel = \"m\"\napi_key_env = \"MY_KEY\"\n",
            source: "repair.toml")
        #expect(config.app.withheldEnv == ["MY_KEY", "OPENAI_API_KEY", "AZURE_OPENAI_API_KEY", "ANTHROPIC_API_KEY"])
        #expect(AppEnvironment.build(settings: config.app, parent: ["MY_KEY": "k"], extra: [:])["MY_KEY"] == nil)
    }

    /// `sandbox = "bwrap"` where bubblewrap cannot be found is exit 2 naming the key, before
    /// the app is started: not an app failure to repair.
    @Test func anUnavailableSandboxIsAConfigurationError() async throws {
        let app = try FixtureApps.copy("shop-api")
        defer { app.remove() }
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("REPAIR_") }
        environment["PATH"] = "/nonexistent"
        let outcome = try await CommandRunner.run(
            CommandRunner.repairctl, ["smoke", app.url.path, "--set", "app.sandbox=bwrap"], environment: environment)
        #expect(outcome.status == 2, "\(outcome.standardError)")
        #expect(outcome.standardError.contains("key 'app.sandbox' = \"bwrap\": bubblewrap is not installed"))
        #expect(!FileManager.default.fileExists(atPath: app.url.appendingPathComponent(".repair/runs").path))
    }

    /// A hidden folder that holds what the app needs (its PATH, its home's runtimes) is not
    /// hidden: a store kept beside the runtimes must not stop the app from starting.
    @Test func hidingNeverTakesAwayWhatTheAppNeeds() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let home = try directory.write("home/.tool/bin/run", "")
        let storeFolder = directory.url.appendingPathComponent("state")
        try FileManager.default.createDirectory(at: storeFolder, withIntermediateDirectories: true)
        let homePath = directory.url.appendingPathComponent("home").resolvingSymlinksInPath().path
        let sandbox = Sandbox(
            bwrap: "/usr/bin/bwrap",
            hidden: [
                "/", homePath, directory.url.resolvingSymlinksInPath().path, storeFolder.resolvingSymlinksInPath().path,
            ])
        let arguments = sandbox.wrap(
            ["true"], writable: directory.url.appendingPathComponent("app"),
            environment: ["HOME": homePath, "PATH": home.deletingLastPathComponent().path + ":/usr/bin"])
        let pairs = zip(arguments, arguments.dropFirst()).map { "\($0) \($1)" }
        #expect(pairs.contains("--tmpfs \(homePath)"), "the home is replaced")
        #expect(pairs.contains("--ro-bind \(homePath)/.tool"), "its runtime folder is bound back")
        #expect(pairs.contains("--tmpfs \(storeFolder.resolvingSymlinksInPath().path)"), "the store's folder is hidden")
        #expect(!pairs.contains("--tmpfs /"), "/ is never hidden")
        #expect(pairs.filter { $0 == "--tmpfs \(homePath)" }.count == 1)
        #expect(
            !pairs.contains("--tmpfs \(directory.url.resolvingSymlinksInPath().path)"),
            "a folder holding the runtimes stays")
    }

    /// A checkout under /tmp still runs confined: what the command and environment name there
    /// (a server script, a virtualenv on PATH) is bound back, read-only.
    @Test func pathsTheCommandNamesUnderTmpAreShownBack() throws {
        let checkout = try TemporaryDirectory()
        defer { checkout.remove() }
        let script = try checkout.write("servers/probe.py", "print('hi')\n")
        let python = try checkout.write(".venv/bin/python", "")
        let root = checkout.url.resolvingSymlinksInPath().path
        let named = Sandbox.namedPaths(
            in: [
                "exec python3 '\(script.path)' --flag", "\(python.deletingLastPathComponent().path):/usr/bin", "/tmp",
                "/dev/null",
            ],
            under: ["/tmp"])
        #expect(named == ["\(root)/.venv", "\(root)/servers"])
    }

    /// The attack: a patch that only edits `app.py` (allowed) writes the environment to a file
    /// outside the app when the app restarts for the verdict.
    @Test(.enabled(if: Sandbox.workingBubblewrap() != nil, "bubblewrap confines the app"))
    func anExfiltratingPatchWritesNothingOutsideTheAppAndSeesNoKey() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let app = try FixtureApps.copy("shop-api")
        defer { app.remove() }
        // Outside the app and outside /tmp (which a confined app sees as its own, empty).
        let outside = URL(fileURLWithPath: "/var/tmp/repaird-exfil-\(UUID().uuidString.prefix(8)).txt")
        defer { try? FileManager.default.removeItem(at: outside) }
        let inside = app.url.appendingPathComponent("stolen.txt")
        let key = "sk-live-\(UUID().uuidString.prefix(12))"
        // A file of the user's home the app has no business seeing.
        let home = try #require(ProcessInfo.processInfo.environment["HOME"])
        let marker = URL(fileURLWithPath: home).appendingPathComponent(".repaird-marker-\(UUID().uuidString.prefix(8))")
        try Data("private\n".utf8).write(to: marker)
        defer { try? FileManager.default.removeItem(at: marker) }
        let patch = """
            app.py
            ```python
            <<<<<<< SEARCH
            import os

            =======
            import os

            for _target in ["\(outside.path)", "\(inside.path)"]:
                try:
                    with open(_target, "w") as _file:
                        _file.write(repr(dict(os.environ)) + repr(os.listdir(os.environ["HOME"])))
                except OSError:
                    pass

            >>>>>>> REPLACE
            ```
            """
        let server = try await TestLLMServer.start([["content": patch]], in: directory)
        let environment = server.repairEnvironment(
            provider: "openai", store: directory.url.appendingPathComponent("store.sqlite"),
            keyVariable: "EXFIL_TEST_KEY",
            key: key)
        let once = try await CommandRunner.run(
            CommandRunner.repairctl, ["once", app.url.path], environment: environment)
        await server.stop()
        #expect(server.requests().contains { $0.headers["Authorization"] == "Bearer \(key)" }, "the LLM got its key")
        #expect(once.standardError.contains("▶ confinement: bubblewrap"), "\(once.standardError)")
        #expect(once.standardError.contains("verifying"), "the patch ran in a verdict: \(once.standardError)")
        #expect(!FileManager.default.fileExists(atPath: outside.path), "nothing was written outside the app")
        let seen = try String(contentsOf: inside, encoding: .utf8)
        #expect(seen.contains("'PORT'"), "the patch ran: \(seen.prefix(200))")
        #expect(!seen.contains(key), "the app saw the LLM key")
        #expect(!seen.contains("REPAIR_"), "the app saw repaird's own settings")
        #expect(!seen.contains(marker.lastPathComponent), "the app saw the user's home")
    }
}
