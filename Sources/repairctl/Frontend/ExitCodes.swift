import ArgumentParser

/// The exit codes every subcommand uses.
enum ExitCodes {
    /// Scenarios failed, or the app did not come up.
    static let failures = ExitCode(1)
    /// Bad input or configuration; nothing was started or written.
    static let badInput = ExitCode(2)
    /// repaird's own files could not be written (a full disk); the app was left as it was.
    static let cannotWrite = ExitCode(3)
}
