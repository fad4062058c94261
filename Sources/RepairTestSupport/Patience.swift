import Foundation

/// How long a test may wait for something that takes its time (an app to come up, a daemon
/// to finish a job), scaled to the machine: a shared CI machine under load is several times
/// slower than an idle one. Waits are limits, not pauses: a condition met early ends them.
public enum Patience {
    /// `REPAIR_TEST_PATIENCE` (default 1) times the load per core when the machine is busier
    /// than one runnable process per core.
    public static var factor: Double {
        let configured = ProcessInfo.processInfo.environment["REPAIR_TEST_PATIENCE"].flatMap(Double.init) ?? 1
        return max(1, configured.isFinite ? configured : 1) * max(1, loadPerCore)
    }

    private static var loadPerCore: Double {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8),
            let first = text.split(separator: " ").first, let load = Double(first), load.isFinite
        else { return 1 }
        return min(8, load / Double(max(1, ProcessInfo.processInfo.activeProcessorCount)))
    }

    /// `seconds`, scaled by `factor`.
    public static func seconds(_ seconds: Double) -> Duration {
        .milliseconds(Int(seconds * factor * 1000))
    }

    /// Polls `condition` until it holds or `seconds` (scaled) have passed; returns whether it held.
    public static func waitUntil(
        _ seconds: Double, poll: Duration = .milliseconds(50), _ condition: () throws -> Bool
    ) async throws -> Bool {
        let deadline = ContinuousClock.now + Self.seconds(seconds)
        while ContinuousClock.now < deadline {
            if try condition() { return true }
            try await Task.sleep(for: poll)
        }
        return try condition()
    }
}
