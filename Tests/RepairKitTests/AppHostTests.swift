import Foundation
import RepairTestSupport
import Testing

@testable import RepairKit

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct AppHostTests {
    func settings(_ start: String, health: String = "/health", timeout: Double = 60) -> RepairConfig.App {
        var settings = RepairConfig.App(start: start)
        settings.health = health
        settings.startupTimeout = timeout
        settings.stopGrace = 1
        return settings
    }

    @Test func appThatExitsDuringStartupIsACrashWithItsOutput() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let host = FixtureServer.host(
            directory: directory.url,
            settings: settings(
                "echo 'INFO: booting'; echo \"ModuleNotFoundError: No module named 'fastapi'\" >&2; exit 3",
                timeout: 30 * Patience.factor
            ))
        let error = await #expect(throws: AppHostError.self) { try await host.start() }
        // `crash`, not `unhealthy`: the exit was noticed, not the 30 s start-up timeout waited out.
        #expect(error?.kind == .crash)
        #expect(error?.exitStatus == .exited(code: 3))
        #expect(error?.outputTail.contains("No module named 'fastapi'") == true)
        let log = try String(contentsOf: host.runDirectory.appendingPathComponent("app.log"), encoding: .utf8)
        #expect(log.contains("INFO: booting"))
    }

    @Test func appThatNeverAnswersHealthIsUnhealthyWithinTheTimeout() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        // Listens, but the health path is a 404.
        let limit = 40 * Patience.factor
        let host = FixtureServer.host(
            directory: directory.url,
            settings: settings(
                "echo serving; exec python3 -m http.server --bind 127.0.0.1 $PORT", health: "/health", timeout: limit))
        let started = ContinuousClock.now
        let error = await #expect(throws: AppHostError.self) { try await host.start() }
        let elapsed = ContinuousClock.now - started
        #expect(error?.kind == .unhealthy)
        #expect(error?.message.contains("/health answered 404") == true)
        // Long enough for the server to come up on a machine busy with the rest of the suite.
        #expect(elapsed >= .seconds(limit), "unhealthy only once the start-up timeout has passed")
        #expect(
            error?.outputTail.contains("\"GET /health HTTP/1.1\" 404") == true,
            "the tail holds what the app printed last")
    }

    @Test func appThatNeverListensIsUnhealthyAndStopped() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let marker = directory.url.appendingPathComponent("pid")
        let host = FixtureServer.host(
            directory: directory.url, settings: settings("echo $$ > pid; exec sleep 300", timeout: 1))
        let error = await #expect(throws: AppHostError.self) { try await host.start() }
        #expect(error?.kind == .unhealthy)
        let pid = try #require(
            pid_t(String(contentsOf: marker, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(ProcessGroup.livingMembers(pid).isEmpty, "the unhealthy app is stopped, not left running")
    }

    @Test func portAlreadyTakenIsReportedWithTheAppsOutput() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let occupier = try await FixtureServer.startProbe(in: directory)
        // A limit, not a wait: the app exits as soon as it finds the port taken, however busy
        // the machine is; only a limit that busy machine can outrun would turn it into "unhealthy".
        var appSettings = settings("exec python3 app.py", timeout: 60 * Patience.factor)
        appSettings.port = occupier.port
        let app = try FixtureApps.copy("shop-api")
        defer { app.remove() }
        let host = FixtureServer.host(directory: app.url, settings: appSettings)
        let error = await #expect(throws: AppHostError.self) { try await host.start() }
        await occupier.stop()
        #expect(error?.kind == .crash)
        #expect(error?.message.contains("port \(occupier.port) was already in use") == true)
        #expect(error?.outputTail.contains("Address already in use") == true)
    }

    @Test func stopEndsTheWholeProcessGroup() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        // A background helper in the group, as reloaders and worker pools leave behind.
        let script = FixtureApps.repositoryRoot.appendingPathComponent("Tests/Fixtures/servers/probe_server.py")
        let host = FixtureServer.host(
            directory: directory.url,
            settings: settings(
                "sleep 300 & echo $! > helper.pid; python3 \(script.path)", health: "/ok"))
        let app = try await host.start()
        let helper = try #require(
            pid_t(
                String(contentsOf: directory.url.appendingPathComponent("helper.pid"), encoding: .utf8)
                    .trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(ProcessGroup.livingMembers(app.process.pid).count >= 3)
        #expect(kill(helper, 0) == 0)
        await app.stop()
        #expect(ProcessGroup.livingMembers(app.process.pid).isEmpty)
        #expect(kill(helper, 0) != 0 || isZombie(helper), "the helper went with the group")
    }

    /// A descendant that leaves the group and the session (`setsid`, as daemonizing helpers
    /// do) still holds the output pipe: it is found by its inherited token and stopped too.
    @Test func stopEndsADescendantThatCalledSetsid() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let script = FixtureApps.repositoryRoot.appendingPathComponent("Tests/Fixtures/servers/probe_server.py")
        let host = FixtureServer.host(
            directory: directory.url,
            settings: settings(
                "setsid sh -c 'echo $$ > escaped.pid; exec sleep 300' & python3 \(script.path)", health: "/ok"))
        let app = try await host.start()
        let pidFile = directory.url.appendingPathComponent("escaped.pid")
        let deadline = ContinuousClock.now + .seconds(30)
        while !FileManager.default.fileExists(atPath: pidFile.path), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        let escaped = try #require(
            pid_t(String(contentsOf: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(getsid(escaped) == escaped, "the helper runs in a session of its own")
        #expect(!ProcessGroup.livingMembers(app.process.pid).contains(escaped))
        #expect(app.process.livingFamily().contains(escaped))
        await app.stop()
        #expect(kill(escaped, 0) != 0 || isZombie(escaped), "the escaped helper was stopped")
        #expect(app.output.isFinished, "nothing holds the app's output pipe any more")
    }

    /// Apps started at once never get the same port: without the memory of ports handed out,
    /// 200 random picks below the ephemeral range would almost surely repeat one.
    @Test func freePortsAreNotHandedOutTwice() throws {
        let ports = try (0..<200).map { _ in try #require(LocalPort.free()) }
        #expect(Set(ports).count == ports.count)
    }

    @Test func appIgnoringSIGTERMIsKilledAfterTheGrace() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let script = FixtureApps.repositoryRoot.appendingPathComponent("Tests/Fixtures/servers/probe_server.py")
        let host = FixtureServer.host(
            directory: directory.url,
            settings: settings(
                "trap '' TERM; python3 -c 'import signal,runpy,sys; signal.signal(signal.SIGTERM, signal.SIG_IGN); sys.argv=[\"p\"]; runpy.run_path(\"\(script.path)\", run_name=\"__main__\")'",
                health: "/ok"))
        let app = try await host.start()
        let started = ContinuousClock.now
        let status = await app.stop()
        #expect(ContinuousClock.now - started >= .seconds(1))
        #expect(status == .signaled(signal: SIGKILL))
        #expect(ProcessGroup.livingMembers(app.process.pid).isEmpty)
    }

    @Test func seedCommandGetsTheSeedFile() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let script = FixtureApps.repositoryRoot.appendingPathComponent("Tests/Fixtures/servers/probe_server.py")
        var appSettings = settings("exec python3 \(script.path)", health: "/ok")
        appSettings.seed = "cp \"$REPAIR_SEED_FILE\" seen.json && test -n \"$PORT\""
        let host = FixtureServer.host(directory: directory.url, settings: appSettings)
        let app = try await host.start()
        try await host.seed(app, seedJSON: Data(#"[{"uuid": "00000000-0000-4000-8000-000000000001"}]"#.utf8))
        await app.stop()
        let seen = try String(contentsOf: directory.url.appendingPathComponent("seen.json"), encoding: .utf8)
        #expect(seen.contains("00000000-0000-4000-8000-000000000001"))
    }

    @Test func failingSeedIsReportedWithItsOutput() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let script = FixtureApps.repositoryRoot.appendingPathComponent("Tests/Fixtures/servers/probe_server.py")
        var appSettings = settings("exec python3 \(script.path)", health: "/ok")
        appSettings.seed = "echo 'sqlite3.OperationalError: no such table: products' >&2; exit 1"
        let host = FixtureServer.host(directory: directory.url, settings: appSettings)
        let app = try await host.start()
        let error = await #expect(throws: AppHostError.self) { try await host.seed(app, seedJSON: Data("[]".utf8)) }
        await app.stop()
        #expect(error?.kind == .seedFailed)
        #expect(error?.exitStatus == .exited(code: 1))
        #expect(error?.outputTail.contains("no such table") == true)
    }

    @Test func outputCaptureKeepsTheTailInMemoryAndEverythingOnDisk() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let log = directory.url.appendingPathComponent("out.log")
        let capture = try OutputCapture(logURL: log, byteLimit: 1000)
        for index in 0..<500 {
            Array("line \(index)\n".utf8).withUnsafeBytes { capture.append($0) }
        }
        capture.finish()
        let tail = capture.tail(3).map(\.text)
        #expect(tail == ["line 497", "line 498", "line 499"])
        #expect(capture.tail(500).count < 200, "memory is bounded")
        #expect(capture.nextLineNumber == 501)
        let onDisk = try String(contentsOf: log, encoding: .utf8)
        #expect(onDisk.hasPrefix("line 0\nline 1\n"))
        #expect(onDisk.split(separator: "\n").count == 500)
    }

    private func isZombie(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return false }
        return stat[stat.index(after: close)...].split(separator: " ").first == "Z"
    }
}

/// A stop after a pass (nothing of ours in flight) escalates once the app stops listening,
/// rather than waiting out the grace for an interpreter winding down (issue 17).
@Suite struct AppStopTests {
    @Test func anIdleAppThatStoppedListeningIsNotWaitedFor() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        // Serves /health; on SIGTERM closes its listener, then lingers for a minute.
        _ = try directory.write(
            "lingering.py",
            """
            import http.server, os, signal, socketserver, threading, time
            class Handler(http.server.BaseHTTPRequestHandler):
                def do_GET(self):
                    self.send_response(200); self.send_header("Content-Length", "2"); self.end_headers(); self.wfile.write(b"ok")
                def log_message(self, *args): pass
            server = socketserver.TCPServer(("127.0.0.1", int(os.environ["PORT"])), Handler)
            def stop(*_):
                server.socket.close()
                print("listener closed, winding down", flush=True)
                time.sleep(60)
            signal.signal(signal.SIGTERM, stop)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            while True: time.sleep(1)
            """)
        var settings = RepairConfig.App(start: "exec python3 lingering.py")
        settings.health = "/health"
        settings.startupTimeout = 60
        settings.stopGrace = 120
        let host = FixtureServer.host(directory: directory.url, settings: settings)
        let app = try await host.start()
        let started = ContinuousClock.now
        await app.stop(idle: true)
        let took = ContinuousClock.now - started
        #expect(!app.isRunning)
        #expect(took < .seconds(60), "stopped in \(took), not after the app's minute of lingering or the 120 s grace")
        let log = try String(contentsOf: host.runDirectory.appendingPathComponent("app.log"), encoding: .utf8)
        #expect(log.contains("listener closed"))
    }
}
