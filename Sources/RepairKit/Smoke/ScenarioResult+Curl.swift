extension ScenarioResult {
    /// A `curl` command that sends the same request again, for a person to paste.
    public var curlCommand: String {
        var parts = ["curl", "-i", "-X", scenario.endpoint.method, shellQuoted(url)]
        parts += ["-H", shellQuoted("X-Request-ID: \(requestID)")]
        if let requestBody {
            parts += ["-H", shellQuoted("Content-Type: application/json"), "--data", shellQuoted(requestBody)]
        }
        return parts.joined(separator: " ")
    }
}

/// Single-quotes `text` for a POSIX shell.
func shellQuoted(_ text: String) -> String {
    "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
}
