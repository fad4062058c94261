/// One prompt for an LLM: always temperature 0, so the same prompt asks the same question.
public struct LLMRequest: Sendable, Equatable {
    public var system: String
    public var prompt: String
    public var maxTokens: Int

    public init(system: String, prompt: String, maxTokens: Int = 4096) {
        self.system = system
        self.prompt = prompt
        self.maxTokens = maxTokens
    }
}

/// What came back, with the tokens it cost (taken from the response, estimated when absent).
public struct LLMResponse: Sendable, Equatable, Codable {
    public var text: String
    public var model: String
    public var tokensIn: Int
    public var tokensOut: Int
    /// The provider that answered (`openai`, `anthropic`, …), or `cache`.
    public var source: String
    /// True when the answer came from the cache and cost nothing.
    public var cached: Bool

    public init(text: String, model: String, tokensIn: Int, tokensOut: Int, source: String, cached: Bool) {
        self.text = text
        self.model = model
        self.tokensIn = tokensIn
        self.tokensOut = tokensOut
        self.source = source
        self.cached = cached
    }

    enum CodingKeys: String, CodingKey {
        case text, model, tokensIn = "tokens_in", tokensOut = "tokens_out", source, cached
    }

    /// About four characters a token, for providers that do not report usage.
    static func estimateTokens(_ text: String) -> Int { max(1, (text.utf8.count + 3) / 4) }
}
