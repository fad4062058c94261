/// An LLM call that gave no usable answer. Never carries the API key: provider messages are
/// redacted before they are kept.
public struct LLMError: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Kind: String, Sendable, Codable {
        /// No provider, no model, or the key's environment variable is unset.
        case notConfigured = "not_configured"
        /// 429 or 5xx after every retry, or a timeout.
        case unavailable
        /// 4xx other than 429: the request or the key was refused.
        case refused
        /// The answer was not in the provider's format.
        case malformed
        case budgetExhausted = "budget_exhausted"
        /// The cycle was cancelled (shutdown, an interrupt) while the LLM was asked.
        case cancelled
    }

    public var kind: Kind
    public var message: String

    public init(kind: Kind, message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { "llm \(kind.rawValue): \(message)" }
}
