import Foundation

/// Speaks one provider's wire protocol: OpenAI-compatible chat completions (OpenAI, Azure
/// OpenAI, Ollama, vLLM, llama.cpp server) or the Anthropic Messages API.
struct LLMEndpointClient: Sendable {
    let provider: String
    let baseURL: String
    let model: String
    let apiVersion: String?
    /// The key itself, read from the environment; only ever put in a request header.
    let apiKey: String?
    let timeout: Duration
    /// The endpoint's prices, to turn an answer's tokens into money.
    let settings: RepairConfig.LLMEndpoint

    /// Resolves an endpoint's settings against the environment. Throws `notConfigured` with
    /// what to set when something is missing.
    init(_ endpoint: RepairConfig.LLMEndpoint, timeout: Duration, environment: [String: String]) throws(LLMError) {
        provider = endpoint.provider
        settings = endpoint
        let defaults: (base: String?, keyVariable: String?) =
            switch endpoint.provider {
            case "openai": ("https://api.openai.com/v1", "OPENAI_API_KEY")
            case "anthropic": ("https://api.anthropic.com", "ANTHROPIC_API_KEY")
            case "ollama": ("http://127.0.0.1:11434/v1", nil)
            case "azure": (nil, "AZURE_OPENAI_API_KEY")
            default: (nil, nil)
            }
        guard !endpoint.provider.isEmpty else {
            throw LLMError(kind: .notConfigured, message: "no [llm] provider is configured")
        }
        guard let base = endpoint.baseURL ?? defaults.base else {
            throw LLMError(
                kind: .notConfigured,
                message: "[llm] base_url is required for \(endpoint.provider) (the deployment's URL)")
        }
        baseURL = base.hasSuffix("/") ? String(base.dropLast()) : base
        guard let model = endpoint.model ?? (endpoint.provider == "azure" ? "" : nil) else {
            throw LLMError(kind: .notConfigured, message: "[llm] model is required for \(endpoint.provider)")
        }
        self.model = model
        apiVersion = endpoint.apiVersion ?? (endpoint.provider == "azure" ? "2024-06-01" : nil)
        if let variable = endpoint.apiKeyEnv ?? defaults.keyVariable {
            guard let key = environment[variable], !key.isEmpty else {
                // Ollama and local servers run without a key unless one is named.
                if endpoint.provider == "ollama" || endpoint.apiKeyEnv == nil && defaults.keyVariable == nil {
                    apiKey = nil
                    self.timeout = timeout
                    return
                }
                throw LLMError(
                    kind: .notConfigured,
                    message: "the environment variable \(variable) holding the \(endpoint.provider) key is not set")
            }
            apiKey = key
        } else {
            apiKey = nil
        }
        self.timeout = timeout
    }

    var isAnthropic: Bool { provider == "anthropic" }

    func httpRequest(for request: LLMRequest) -> HTTPRequest {
        var headers: [(name: String, value: String)] = [("Content-Type", "application/json")]
        let url: String
        let body: JSONValue
        if isAnthropic {
            url = baseURL + "/v1/messages"
            if let apiKey { headers.append(("x-api-key", apiKey)) }
            headers.append(("anthropic-version", "2023-06-01"))
            body = .object([
                "model": .string(model), "max_tokens": .number(Double(request.maxTokens)), "temperature": .number(0),
                "system": .string(request.system),
                "messages": .array([.object(["role": .string("user"), "content": .string(request.prompt)])]),
            ])
        } else {
            url = baseURL + "/chat/completions" + (provider == "azure" ? "?api-version=\(apiVersion ?? "")" : "")
            if let apiKey {
                headers.append(provider == "azure" ? ("api-key", apiKey) : ("Authorization", "Bearer \(apiKey)"))
            }
            var fields: [String: JSONValue] = [
                "temperature": .number(0), "seed": .number(0), "max_tokens": .number(Double(request.maxTokens)),
                "messages": .array([
                    .object(["role": .string("system"), "content": .string(request.system)]),
                    .object(["role": .string("user"), "content": .string(request.prompt)]),
                ]),
            ]
            if !model.isEmpty { fields["model"] = .string(model) }
            body = .object(fields)
        }
        return HTTPRequest(method: "POST", url: url, headers: headers, body: Array(body.serialized()), timeout: timeout)
    }

    /// Reads the answer's text and token usage from a 2xx body.
    func response(from http: HTTPResponse, request: LLMRequest) throws(LLMError) -> LLMResponse {
        guard let document = JSONValue.parse(Data(http.body))?.objectValue else {
            throw LLMError(kind: .malformed, message: "\(provider) answered with a body that is not JSON")
        }
        let text: String
        var tokensIn: Int?, tokensOut: Int?
        if isAnthropic {
            let blocks = document["content"]?.arrayValue ?? []
            text = blocks.compactMap { $0.objectValue?["text"]?.stringValue }.joined()
            tokensIn = document["usage"]?.objectValue?["input_tokens"].flatMap(Self.integer)
            tokensOut = document["usage"]?.objectValue?["output_tokens"].flatMap(Self.integer)
            guard !blocks.isEmpty else {
                throw LLMError(kind: .malformed, message: "anthropic answered without content")
            }
        } else {
            guard let message = document["choices"]?.arrayValue?.first?.objectValue?["message"]?.objectValue else {
                throw LLMError(kind: .malformed, message: "\(provider) answered without choices[0].message")
            }
            text = message["content"]?.stringValue ?? ""
            tokensIn = document["usage"]?.objectValue?["prompt_tokens"].flatMap(Self.integer)
            tokensOut = document["usage"]?.objectValue?["completion_tokens"].flatMap(Self.integer)
        }
        return LLMResponse(
            text: text, model: document["model"]?.stringValue ?? model,
            tokensIn: tokensIn ?? LLMResponse.estimateTokens(request.system + request.prompt),
            tokensOut: tokensOut ?? LLMResponse.estimateTokens(text), source: provider, cached: false)
    }

    /// A token count from the provider's answer; anything that is not a plausible count is
    /// ignored (and the count estimated), never trusted into an overflow.
    private static func integer(_ value: JSONValue) -> Int? {
        if case .number(let number) = value { return try? CheckedNumber.whole(number, in: 0...100_000_000).get() }
        return nil
    }

    /// Removes the key from a provider's words before they are kept anywhere.
    func redacted(_ text: String) -> String {
        guard let apiKey, apiKey.count >= 4 else { return text }
        return text.replacingOccurrences(of: apiKey, with: "[redacted]")
    }
}
