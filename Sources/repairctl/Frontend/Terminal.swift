import Foundation
import Logging
import RepairKit

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Printing to the terminal: results on stdout, progress and errors on stderr.
enum Terminal {
    static var standardErrorIsTTY: Bool { isatty(STDERR_FILENO) == 1 }

    static func progress(_ message: String) {
        writeAll(Data((message + "\n").utf8), to: STDERR_FILENO)
    }

    static func error(_ message: String) {
        let prefix = ColorChoice.auto.isEnabled(for: STDERR_FILENO) ? "\u{1B}[31merror:\u{1B}[0m " : "error: "
        writeAll(Data((prefix + message + "\n").utf8), to: STDERR_FILENO)
    }

    /// An error in words: what a Foundation file error means (its POSIX reason), not its
    /// domain and code; other errors as they describe themselves.
    static func describe(_ error: any Error, path: String? = nil) -> String {
        let domain = (error as NSError).domain
        if error is CocoaError || domain == NSCocoaErrorDomain || domain == NSPOSIXErrorDomain {
            return StorageError.reason(of: error, path: path)
        }
        return "\(error)"
    }

    /// Creates `--report-dir` (and checks it takes a file) before anything is started, so a
    /// folder that cannot be written is refused up front, naming it; exit 2.
    static func prepareReportFolder(_ path: String) throws {
        let directory = URL(fileURLWithPath: path)
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let probe = directory.appendingPathComponent(".repaird-write-check-\(getpid())")
            try Data().write(to: probe)
            try FileManager.default.removeItem(at: probe)
        } catch {
            Self.error(
                "--report-dir \(path): cannot write reports there: \(describe(error, path: path)); nothing was started")
            throw ExitCodes.badInput
        }
    }

    /// Opens the learning store, or says which file and why not (exit 2).
    /// `location` is a SQLite file's path or a PostgreSQL URL.
    static func openStore(_ location: String) throws -> RepairDatabase {
        do { return try RepairDatabase.open(location) } catch {
            let shown = PostgresEndpoint.shown(location)
            Self.error("\(shown): the learning store cannot be opened: \(describe(error, path: shown))")
            throw ExitCodes.badInput
        }
    }

    /// Writes a result (JSON, a report) on stdout. A stdout that cannot take it (a full disk
    /// behind a redirect) is exit 3 with a message, never a trap in `FileHandle.write`.
    static func result(_ data: Data) throws {
        guard writeAll(data, to: STDOUT_FILENO) else {
            error("cannot write the result to standard output: \(String(cString: strerror(errno)))")
            throw ExitCodes.cannotWrite
        }
    }

    /// write(2) until done; false on an error other than EINTR.
    @discardableResult
    private static func writeAll(_ data: Data, to descriptor: Int32) -> Bool {
        data.withUnsafeBytes { Descriptors.writeAll(descriptor, $0).error == 0 }
    }

    /// On SIGINT or SIGTERM: with no change of the app's files under way (one being written
    /// is finished first), kill the apps this run started (they live in their own sessions,
    /// out of the terminal's reach), roll back every change not yet kept in the apps this
    /// process holds, say so, and exit 130 (SIGINT) or 143 (SIGTERM). Call before starting work.
    static func stopAppsOnInterrupt() {
        _ = interruptSources
    }

    /// The signal sources, made once and kept for the life of the process. Never touched
    /// after they are made, so sharing them is safe although Dispatch does not say so.
    nonisolated(unsafe) private static let interruptSources: [any DispatchSourceSignal] = [SIGINT, SIGTERM].map {
        signalNumber in
        signal(signalNumber, SIG_IGN)
        let source = DispatchSource.makeSignalSource(
            signal: signalNumber, queue: DispatchQueue(label: "repairctl.interrupt"))
        source.setEventHandler {
            Workspace.whileNothingIsWritten {
                ChildProcess.killAllGroups()
                var restored: [String] = []
                var failures: [String] = []
                for directory in AppLock.heldDirectories {
                    do {
                        restored += try Workspace(appDirectory: directory).recoverUnlocked()
                    } catch {
                        failures.append("\(directory.path): \(error)")
                    }
                }
                let name = signalNumber == SIGINT ? "interrupted" : "terminated"
                if restored.isEmpty {
                    error("\(name); the app was stopped and no unjudged change was left")
                } else {
                    error(
                        "\(name); the app was stopped and unjudged changes rolled back: \(restored.joined(separator: ", "))"
                    )
                }
                for failure in failures {
                    error("cannot roll back \(failure); the next cycle on this app rolls it back")
                }
                exit(128 + signalNumber)
            }
        }
        source.resume()
        return source
    }

    /// Logs go to stderr; `--verbose` shows the library's info and debug messages.
    static func bootstrapLogging(verbose: Bool) {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = verbose ? .debug : .warning
            return handler
        }
    }
}
