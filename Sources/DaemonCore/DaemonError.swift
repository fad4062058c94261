/// What went wrong in the resident daemon: with the store (in SQLite's words, after its path),
/// its lock, or starting a worker.
public struct DaemonError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(description: String) { self.description = description }
}
