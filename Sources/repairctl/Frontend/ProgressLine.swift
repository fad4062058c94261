import Foundation
import RepairKit

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One line on a terminal's stderr that says how far a smoke pass has come — scenarios done
/// of all, and the endpoint that last answered — rewritten in place; nothing when stderr is
/// not a terminal (a log keeps only the summary).
final class ProgressLine: @unchecked Sendable {
    // @unchecked: every field is touched only under `lock`.
    private let lock = NSLock()
    private let enabled: Bool
    private let color: Bool
    private var total = 0
    private var done = 0
    private var failed = 0
    private var shown = false

    init(color: ColorChoice) {
        enabled = isatty(STDERR_FILENO) == 1
        self.color = color.isEnabled(for: STDERR_FILENO)
    }

    func start(total: Int) {
        lock.withLock {
            self.total = total
            done = 0
            failed = 0
        }
    }

    func record(_ result: ScenarioResult) {
        guard enabled else { return }
        lock.withLock {
            done += 1
            if !result.passed { failed += 1 }
            let status = result.actualStatus.map(String.init) ?? "no answer"
            let mark = result.passed ? (color ? "\u{1B}[32m✔\u{1B}[0m" : "✔") : (color ? "\u{1B}[31m✘\u{1B}[0m" : "✘")
            let line = "  \(done)/\(total) (\(failed) failed)  \(mark) \(result.scenario.endpoint) → \(status)"
            write("\r\u{1B}[2K" + String(line.prefix(160)))
            shown = true
        }
    }

    /// Clears the line before the next message.
    func end() {
        lock.withLock {
            guard shown else { return }
            write("\r\u{1B}[2K")
            shown = false
        }
    }

    private func write(_ text: String) {
        _ = text.withCString { Glibc.write(STDERR_FILENO, $0, strlen($0)) }
    }
}
