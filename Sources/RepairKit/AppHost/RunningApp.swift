import Foundation

/// An app that `AppHost` started and found healthy. Stop it with `stop()`.
public struct RunningApp: Sendable {
    public let process: ChildProcess
    public let port: Int
    /// `http://host:port`, without a trailing slash.
    public let baseURL: String
    let stopGrace: Duration

    public var output: OutputCapture { process.output }
    public var isRunning: Bool { process.isRunning }

    /// Stops the app's whole process group; returns how the app ended.
    @discardableResult
    public func stop() async -> ExitStatus {
        await process.stop(grace: stopGrace)
    }
}
