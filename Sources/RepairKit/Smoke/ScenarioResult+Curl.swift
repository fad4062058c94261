extension ScenarioResult {
    /// A `curl` command that sends the same request again, for a person to paste.
    public var curlCommand: String {
        var parts = ["curl", "-i", "-X", scenario.endpoint.method, shellQuoted(url)]
        parts += ["-H", shellQuoted("X-Request-ID: \(requestID)")]
        for header in requestHeaders { parts += ["-H", shellQuoted(header)] }
        if let requestBody {
            let type = scenario.payloadEncoding.encode(.object([:])).contentType
            if !requestHeaders.contains(where: { $0.lowercased().hasPrefix("content-type:") }) {
                parts += ["-H", shellQuoted("Content-Type: \(type)")]
            }
            parts += ["--data-binary", shellQuoted(requestBody)]
        }
        return parts.joined(separator: " ")
    }
}

/// Single-quotes `text` for a POSIX shell.
func shellQuoted(_ text: String) -> String {
    "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
}
