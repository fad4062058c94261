import Foundation
import Logging

/// What the benchmark executables share: quiet logs, times, and peak memory.
public enum BenchmarkSupport {
    /// Logs only warnings (or `level`) on stderr, so the results stand alone on stdout.
    public static func quietLogging(_ level: Logger.Level = .warning) {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }

    public static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    public static func milliseconds(_ duration: Duration) -> Double { seconds(duration) * 1000 }

    /// Peak resident memory of this process so far (Linux `VmHWM`), in MB; NaN elsewhere.
    public static func peakMemoryMegabytes() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "") else { return .nan }
        return kilobytes / 1024
    }
}
