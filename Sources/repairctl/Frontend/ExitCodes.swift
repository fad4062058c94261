import ArgumentParser

/// The exit codes every subcommand uses.
enum ExitCodes {
    /// Scenarios failed, or the app did not come up.
    static let failures = ExitCode(1)
    /// Bad input or configuration; nothing was started or written.
    static let badInput = ExitCode(2)
}
