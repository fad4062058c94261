import ArgumentParser

#if canImport(Glibc)
    import Glibc
#endif

/// What `repairctl`, `repaird` and `repaird-worker` say to `--version`.
public enum RepairVersion {
    public static let current = "0.15.0"
}

extension AsyncParsableCommand {
    /// Parses and runs the command as ArgumentParser's own `main` does, except that a usage
    /// error (an unknown subcommand or option, a missing argument, a value that does not
    /// validate) exits 2 — bad input, as every command's documentation says — not 64.
    public static func mainExitingTwoOnUsageErrors() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            guard exitCode(for: error) == .validationFailure else { exit(withError: error) }
            let message = fullMessage(for: error) + "\n"
            _ = message.withCString { write(2, $0, strlen($0)) }
            Glibc.exit(2)
        }
    }
}
