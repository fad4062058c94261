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
    /// What the answer cost at the answering endpoint's `price_in`/`price_out`; nil when that
    /// endpoint is not priced.
    public var cost: Double?

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

/// What one provider and model answered in a run: calls, tokens and, when priced, money.
public struct LLMUsage: Sendable, Codable, Equatable {
    public var provider: String
    public var model: String
    public var calls = 0
    public var tokensIn = 0
    public var tokensOut = 0
    /// Nil when the endpoint has no `price_in`/`price_out`.
    public var cost: Double?

    public init(provider: String, model: String) {
        self.provider = provider
        self.model = model
    }

    enum CodingKeys: String, CodingKey {
        case provider, model, calls, tokensIn = "tokens_in", tokensOut = "tokens_out", cost
    }

    /// `usage` with `response` counted in, under the response's provider and model.
    static func adding(_ response: LLMResponse, to usage: [LLMUsage]) -> [LLMUsage] {
        var usage = usage
        let index =
            usage.firstIndex { $0.provider == response.source && $0.model == response.model }
            ?? {
                usage.append(LLMUsage(provider: response.source, model: response.model))
                return usage.count - 1
            }()
        usage[index].calls += 1
        usage[index].tokensIn += response.tokensIn
        usage[index].tokensOut += response.tokensOut
        if let cost = response.cost { usage[index].cost = (usage[index].cost ?? 0) + cost }
        return usage
    }

    /// The sum of the priced usages' costs; nil when none is priced.
    static func cost(of usage: [LLMUsage]) -> Double? {
        let priced = usage.compactMap(\.cost)
        return priced.isEmpty ? nil : priced.reduce(0, +)
    }
}
