import Foundation
import Logging
import RepairKit

/// Starts fixture apps and servers as real processes through `AppHost`.
public enum FixtureServer {
    /// Starts `Tests/Fixtures/servers/probe_server.py` on a free loopback port.
    public static func startProbe(in directory: TemporaryDirectory) async throws -> RunningApp {
        let script = FixtureApps.repositoryRoot.appendingPathComponent("Tests/Fixtures/servers/probe_server.py")
        var settings = RepairConfig.App(start: "exec python3 \(script.path)")
        settings.health = "/ok"
        settings.startupTimeout = Double(FixtureApps.testStartupTimeout)
        settings.stopGrace = 2
        return try await host(directory: directory.url, settings: settings).start()
    }

    /// An `AppHost` writing its run files under `directory/.repair/runs/test`.
    public static func host(directory: URL, settings: RepairConfig.App) -> AppHost {
        AppHost(
            directory: directory, settings: settings,
            runDirectory: directory.appendingPathComponent(".repair/runs/test-\(UUID().uuidString.prefix(6))"),
            logger: Logger(label: "repaird.test"))
    }
}
