import Foundation

/// Removes what must never reach a prompt: bearer tokens, passwords, API keys, cookies, and
/// any value the caller names (such as the configured LLM key).
public struct SecretRedactor: Sendable {
    private static let rules: [(NSRegularExpression, String)] = [
        (#"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}"#, "$1 [redacted]"),
        (#"(?i)\b(password|passwd|pwd|secret|api[_-]?key|access[_-]?token|auth[_-]?token|token|authorization|cookie|set-cookie|session[_-]?id)(["']?\s*[:=]\s*["']?)([^\s"',;&]+)"#, "$1$2[redacted]"),
        (#"\b(sk|pk|rk|ghp|gho|xox[abp])[-_][A-Za-z0-9_-]{12,}"#, "[redacted]"),
        (#"\bAKIA[0-9A-Z]{16}\b"#, "[redacted]"),
    ].map { (try! NSRegularExpression(pattern: $0.0), $0.1) }

    /// Literal values to remove wherever they appear.
    public var secrets: [String]

    public init(secrets: [String] = []) {
        self.secrets = secrets.filter { $0.count >= 6 }
    }

    public func redact(_ text: String) -> String {
        var result = text
        for secret in secrets { result = result.replacingOccurrences(of: secret, with: "[redacted]") }
        for (expression, template) in Self.rules {
            result = expression.stringByReplacingMatches(in: result, range: NSRange(result.startIndex..., in: result), withTemplate: template)
        }
        return result
    }
}
