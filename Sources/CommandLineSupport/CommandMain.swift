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
    /// validate) exits 2 — bad input, as every command's documentation says — not 64; errors
    /// read `error: …` as every other message of these programs does; and a mistyped
    /// subcommand gets the names it may have meant.
    public static func mainExitingTwoOnUsageErrors() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            // Help, --version and the commands' own exit codes print as ArgumentParser prints them.
            guard code != .success, !(error is ExitCode) else { exit(withError: error) }
            var message = fullMessage(for: error)
            if message.hasPrefix("Error: ") { message = "error: " + message.dropFirst("Error: ".count) }
            if let suggestion = suggestion(for: message, arguments: Array(CommandLine.arguments.dropFirst())) {
                message = message.replacingFirstLine(with: suggestion)
            }
            message += "\n"
            _ = message.withCString { write(2, $0, strlen($0)) }
            Glibc.exit(code == .validationFailure ? 2 : code.rawValue)
        }
    }

    /// For "Unexpected argument 'X'" where a subcommand was expected: the subcommands X may
    /// have been meant for, as a first line that replaces ArgumentParser's.
    static func suggestion(for message: String, arguments: [String]) -> String? {
        // "Unexpected argument 'X'", or "2 unexpected arguments: 'X', 'Y'": the first is the word.
        guard let said = message.firstRange(of: "nexpected argument"), message.prefix(upTo: said.lowerBound).count < 20,
            let start = message[said.upperBound...].firstRange(of: "'"),
            let end = message[start.upperBound...].firstIndex(of: "'")
        else { return nil }
        let word = String(message[start.upperBound..<end])
        var command: any ParsableCommand.Type = self
        var path = [command._commandName]
        for argument in arguments {
            if argument == word { break }
            guard let next = command.configuration.subcommands.first(where: { $0._commandName == argument }) else {
                continue
            }
            command = next
            path.append(next._commandName)
        }
        let names = command.configuration.subcommands.map { $0._commandName }
        guard !names.isEmpty else { return nil }
        let close = names.filter { name in
            name.hasPrefix(word) || word.hasPrefix(name) || editDistance(name, word) <= max(1, min(2, word.count / 3))
        }
        let known = "the subcommands of \(path.joined(separator: " ")) are \(names.joined(separator: ", "))"
        guard !close.isEmpty else { return "error: unknown subcommand '\(word)'; \(known)" }
        let meant = close.map { "'\($0)'" }.joined(separator: " or ")
        return "error: unknown subcommand '\(word)'; did you mean \(meant)?"
    }

    /// The Levenshtein distance between two words.
    static func editDistance(_ left: String, _ right: String) -> Int {
        let a = Array(left), b = Array(right)
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var current = [i + 1]
            for (j, y) in b.enumerated() {
                current.append(Swift.min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1)))
            }
            previous = current
        }
        return previous[b.count]
    }
}

extension String {
    fileprivate func replacingFirstLine(with line: String) -> String {
        guard let newline = firstIndex(of: "\n") else { return line }
        return line + self[newline...]
    }
}
