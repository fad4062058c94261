import Foundation

/// An app that `AppHost` started and found healthy. Stop it with `stop()`.
public struct RunningApp: Sendable {
    public let process: ChildProcess
    public let port: Int
    /// `http://host:port`, without a trailing slash.
    public let baseURL: String
    let stopGrace: Duration
    /// The app directory, whose `.repair/app.pid` notes the app while it runs.
    var directory: URL?

    public var output: OutputCapture { process.output }
    public var isRunning: Bool { process.isRunning }

    /// Stops the app's whole process group; returns how the app ended. With `idle` (no
    /// request of ours in flight), the stop escalates once the app no longer listens.
    @discardableResult
    public func stop(idle: Bool = false) async -> ExitStatus {
        let status = await process.stop(grace: stopGrace, listeningPort: idle ? port : nil)
        if let directory { AppHost.forgetRunning(in: directory) }
        return status
    }
}
