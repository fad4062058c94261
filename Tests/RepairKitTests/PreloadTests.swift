import Foundation
import RepairTestSupport
import Testing

@testable import RepairKit

#if canImport(Glibc)
    import Glibc
#endif

/// `[app] preload`: the app's Python commands run as forks of a server that imported its
/// libraries once, on the real Flask fixture under gunicorn, confined as the app is.
/// One at a time: each starts a server importing Flask, SQLAlchemy and gunicorn beside the app.
@Suite(.serialized) struct PreloadTests {
    /// The Flask fixture's configuration, copied, with the project's interpreter first on `PATH`.
    func flask() throws -> (app: TemporaryDirectory, settings: RepairConfig.App, plan: SmokePlan) {
        let app = try FixtureApps.copy("projects-flask")
        let inputs = try SmokeInputs.load(appDirectory: app.url, environment: [:])
        var settings = inputs.config.app
        settings.env.merge(try FixtureApps.frameworkEnvironment()) { _, new in new }
        #expect(settings.preload, "the fixture's repair.toml turns preload on")
        return (app, settings, inputs.plan)
    }

    func get(_ url: String) async throws -> HTTPResponse {
        try await HTTPClient(bodyLimit: 4096).send(
            HTTPRequest(method: "GET", url: url, timeout: .seconds(Double(FixtureApps.testRequestTimeout))))
    }

    /// Waits, within the tests' patience, until `condition` holds.
    func eventually(_ condition: () -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + .seconds(30 * Patience.factor)
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return condition()
    }

    /// Processes of the server's family other than the server and its confinement: the forks,
    /// each the leader of a group of its own, and what they started.
    func children(of server: PreloadServer) -> [pid_t] {
        server.process.livingFamily().filter { processGroup(of: $0) != server.process.pid }
    }

    func processGroup(of pid: pid_t) -> pid_t? {
        let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        // After "pid (comm) " come: state ppid pgrp …
        let fields = stat.split(separator: ")").last?.split(separator: " ") ?? []
        return fields.count > 2 ? pid_t(fields[2]) : nil
    }

    @Test func theAppRunsInForksOfTheServerAndEachStartSeesThePatchedFiles() async throws {
        let (app, settings, plan) = try flask()
        defer { app.remove() }
        var host = FixtureServer.host(directory: app.url, settings: settings)
        let server = try #require(try PreloadServer.start(host: host))
        host.preload = server
        let first = try await host.start()
        try await host.seed(first, seedJSON: plan.seedJSON())
        // The gunicorn master and its two workers are the server's children, not the shim's.
        #expect(children(of: server).count >= 3, "gunicorn and its workers are forks of the server")
        #expect(first.process.livingFamily().allSatisfy { !children(of: server).contains($0) })
        let before = try await get(first.baseURL + "/health")
        #expect(String(decoding: before.body, as: UTF8.self).contains("\"ok\""))
        await first.stop(idle: true)
        #expect(await eventually { children(of: server).isEmpty }, "the stop reaches the forks")
        let log = try String(contentsOf: server.folder.appendingPathComponent("server.log"), encoding: .utf8)
        #expect(log.contains("repaird-preload: ready"), "the server imported the app's libraries: \(log)")

        // A patch lands between passes: the next fork imports the app afresh.
        let module = app.url.appendingPathComponent("app/__init__.py")
        let source = try String(contentsOf: module, encoding: .utf8)
        try source.replacingOccurrences(of: "{\"status\": \"ok\"}", with: "{\"status\": \"patched\"}")
            .write(to: module, atomically: true, encoding: .utf8)
        let second = try await host.start()
        let after = try await get(second.baseURL + "/health")
        #expect(String(decoding: after.body, as: UTF8.self).contains("\"patched\""))
        await second.stop(idle: true)
        await server.stop()
        #expect(!server.isRunning)
        #expect(server.process.livingFamily().isEmpty)
    }

    @Test func aShimKilledOutrightTakesItsForkAlong() async throws {
        let (app, settings, _) = try flask()
        defer { app.remove() }
        var host = FixtureServer.host(directory: app.url, settings: settings)
        let server = try #require(try PreloadServer.start(host: host))
        defer { Task { await server.stop() } }
        host.preload = server
        let running = try await host.start()
        #expect(!children(of: server).isEmpty)
        // As after SIGKILL of the whole family at the end of a stop's grace.
        ProcessGroup.signal(SIGKILL, leader: running.process.pid, members: running.process.livingFamily())
        #expect(await eventually { children(of: server).isEmpty }, "the fork went with its shim")
        #expect(await eventually { running.output.isFinished }, "nothing holds the app's output open")
        await running.stop()
        #expect(server.isRunning, "the server goes on for the next start")
        await server.stop()
    }

    @Test func theServerEndsWithItsLifelineAndTakesTheRunningAppAlong() async throws {
        let (app, settings, _) = try flask()
        defer { app.remove() }
        var host = FixtureServer.host(directory: app.url, settings: settings)
        let server = try #require(try PreloadServer.start(host: host))
        host.preload = server
        let running = try await host.start()
        #expect(!children(of: server).isEmpty)
        // As when repaird is killed outright: the kernel closes its end, nothing else happens.
        server.cutLifeline()
        #expect(await eventually { server.process.livingFamily().isEmpty }, "the server and its forks are gone")
        #expect(await eventually { running.process.exitStatus() != nil }, "the shim ends with its fork")
        await running.stop()
        await server.stop()
    }

    @Test func commandsRunAsTheInterpreterWouldRunThem() async throws {
        let (app, baseSettings, _) = try flask()
        defer { app.remove() }
        var settings = baseSettings
        // Exit codes, uncaught exceptions and options the server does not take (run as before).
        settings.start =
            "python -c 'import sys; print(\"argv\", sys.argv); sys.exit(7)' one two; echo \"exit $?\"; "
            + "python -c 'raise RuntimeError(\"boom\")'; echo \"exit $?\"; "
            + "python -X dev -c 'import sys; print(\"dev mode\", sys.flags.dev_mode)'; "
            + "python -m json.tool --help >/dev/null && echo 'module ran'; exit 4"
        settings.startupTimeout = Double(FixtureApps.testStartupTimeout)
        var host = FixtureServer.host(directory: app.url, settings: settings)
        let server = try #require(try PreloadServer.start(host: host))
        defer { Task { await server.stop() } }
        host.preload = server
        let error = await #expect(throws: AppHostError.self) { try await host.start() }
        #expect(error?.exitStatus == .exited(code: 4))
        let log = try String(contentsOf: host.runDirectory.appendingPathComponent("app.log"), encoding: .utf8)
        #expect(log.contains("argv ['-c', 'one', 'two']"), "\(log)")
        #expect(log.contains("exit 7"))
        #expect(log.contains("RuntimeError: boom"))
        #expect(log.contains("exit 1"))
        #expect(log.contains("dev mode True"))
        #expect(log.contains("module ran"))
        await server.stop()
    }

    @Test func modulesOfTheAppItselfAreRefusedAndTheAppStartsAsBefore() async throws {
        let (app, baseSettings, _) = try flask()
        defer { app.remove() }
        var settings = baseSettings
        // A module of the app (here on PYTHONPATH from a folder of its own) would be imported
        // once and never see a patch.
        let lib = app.url.appendingPathComponent("lib")
        try FileManager.default.createDirectory(at: lib, withIntermediateDirectories: true)
        try "VALUE = 1\n".write(to: lib.appendingPathComponent("helpers.py"), atomically: true, encoding: .utf8)
        settings.env["PYTHONPATH"] = lib.resolvingSymlinksInPath().path
        settings.preloadModules = ["helpers"]
        var host = FixtureServer.host(directory: app.url, settings: settings)
        let server = try #require(try PreloadServer.start(host: host))
        host.preload = server
        #expect(await eventually { !server.isRunning }, "the server refuses to serve")
        let log = try String(contentsOf: server.folder.appendingPathComponent("server.log"), encoding: .utf8)
        #expect(log.contains("refused") && log.contains("helpers"), "\(log)")
        let running = try await host.start()
        let health = try await get(running.baseURL + "/health")
        #expect(health.status == 200, "the shims ran the commands themselves")
        await running.stop()
        await server.stop()
    }

    @Test func preloadModulesMustBeModuleNames() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try
            "version = 1\n[app]\nstart = \"x\"\npreload = true\npreload_modules = [\"gunicorn.workers.sync\", \"os; rm\"]\n"
            .write(to: directory.url.appendingPathComponent("repair.toml"), atomically: true, encoding: .utf8)
        let error = #expect(throws: ConfigError.self) {
            try RepairConfig.load(appDirectory: directory.url, environment: [:])
        }
        #expect(error?.key == "app.preload_modules")
        #expect("\(error!)".contains("os; rm"))
    }
}
