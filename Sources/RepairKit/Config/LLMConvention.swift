import Foundation

/// The LLM a machine's standard environment points at, for an app whose `repair.toml` has no
/// `[llm]`: the variables the providers' own tools read. The first that applies wins, in this
/// order: `OPENAI_API_KEY` or `OPENAI_BASE_URL`; `AZURE_OPENAI_API_KEY` with
/// `AZURE_OPENAI_ENDPOINT` and `AZURE_OPENAI_DEPLOYMENT`; `ANTHROPIC_API_KEY`; `OLLAMA_HOST`.
/// It also fills a configured provider's missing base URL from the same variables
/// (`OPENAI_BASE_URL`, `ANTHROPIC_BASE_URL`, `OLLAMA_HOST`, the Azure pair).
public enum LLMConvention {
    /// The providers' standard key variables: never passed to the app under repair, even when
    /// `[app] pass_env` names them.
    public static let keyVariables = ["OPENAI_API_KEY", "AZURE_OPENAI_API_KEY", "ANTHROPIC_API_KEY"]

    /// Models used when the environment names none (`OPENAI_MODEL`, `ANTHROPIC_MODEL`, `OLLAMA_MODEL`).
    static let defaultModels = [
        "openai": "gpt-4o-mini", "anthropic": "claude-sonnet-4-5", "ollama": "qwen2.5-coder:7b",
    ]

    /// The endpoint the environment configures, and a sentence naming the variables it came
    /// from; nil when none applies.
    public static func endpoint(
        from environment: [String: String]
    ) -> (endpoint: RepairConfig.LLMEndpoint, origin: String)? {
        func value(_ name: String) -> String? {
            guard let text = environment[name]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
            return text
        }
        var endpoint = RepairConfig.LLMEndpoint()
        if value("OPENAI_API_KEY") != nil || value("OPENAI_BASE_URL") != nil {
            endpoint.provider = "openai"
            endpoint.baseURL = value("OPENAI_BASE_URL")
            endpoint.model = value("OPENAI_MODEL") ?? defaultModels["openai"]
            // A base URL alone is a local OpenAI-compatible server (vLLM, llama.cpp): no key.
            endpoint.apiKeyEnv = value("OPENAI_API_KEY") != nil ? "OPENAI_API_KEY" : nil
            let named = ["OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_MODEL"].filter { value($0) != nil }
            return (endpoint, "from \(named.joined(separator: ", "))")
        }
        if value("AZURE_OPENAI_API_KEY") != nil, let base = azureBase(environment) {
            endpoint.provider = "azure"
            endpoint.baseURL = base
            endpoint.apiKeyEnv = "AZURE_OPENAI_API_KEY"
            endpoint.apiVersion = value("AZURE_OPENAI_API_VERSION") ?? value("OPENAI_API_VERSION")
            return (endpoint, "from AZURE_OPENAI_API_KEY, AZURE_OPENAI_ENDPOINT, AZURE_OPENAI_DEPLOYMENT")
        }
        if value("ANTHROPIC_API_KEY") != nil {
            endpoint.provider = "anthropic"
            endpoint.baseURL = value("ANTHROPIC_BASE_URL")
            endpoint.model = value("ANTHROPIC_MODEL") ?? defaultModels["anthropic"]
            endpoint.apiKeyEnv = "ANTHROPIC_API_KEY"
            let named = ["ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "ANTHROPIC_MODEL"].filter { value($0) != nil }
            return (endpoint, "from \(named.joined(separator: ", "))")
        }
        if let host = value("OLLAMA_HOST") {
            endpoint.provider = "ollama"
            endpoint.baseURL = ollamaBase(host)
            endpoint.model = value("OLLAMA_MODEL") ?? defaultModels["ollama"]
            let named = ["OLLAMA_HOST", "OLLAMA_MODEL"].filter { value($0) != nil }
            return (endpoint, "from \(named.joined(separator: ", "))")
        }
        return nil
    }

    /// What is missing when some of a provider's variables are set but not enough to use it.
    public static func incomplete(in environment: [String: String]) -> String? {
        let azure = ["AZURE_OPENAI_API_KEY", "AZURE_OPENAI_ENDPOINT", "AZURE_OPENAI_DEPLOYMENT"]
        let set = azure.filter { !(environment[$0] ?? "").isEmpty }
        guard !set.isEmpty, set.count < azure.count else { return nil }
        return "\(set.joined(separator: ", ")) \(set.count == 1 ? "is" : "are") set but not "
            + azure.filter { !set.contains($0) }.joined(separator: ", ") + ": Azure OpenAI needs all three"
    }

    /// A configured endpoint with its base URL filled from the environment when the file left
    /// it out (`OPENAI_BASE_URL` for openai, and so on).
    static func filled(
        _ endpoint: RepairConfig.LLMEndpoint, from environment: [String: String]
    ) -> RepairConfig.LLMEndpoint {
        guard endpoint.baseURL == nil else { return endpoint }
        var filled = endpoint
        func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        switch endpoint.provider {
        case "openai": filled.baseURL = value("OPENAI_BASE_URL")
        case "anthropic": filled.baseURL = value("ANTHROPIC_BASE_URL")
        case "ollama": filled.baseURL = value("OLLAMA_HOST").map(ollamaBase)
        case "azure": filled.baseURL = azureBase(environment)
        default: break
        }
        return filled
    }

    /// `OLLAMA_HOST` as Ollama reads it (`host`, `host:port`, or a URL) → its OpenAI-compatible base.
    static func ollamaBase(_ host: String) -> String {
        var base = host.contains("://") ? host : "http://" + host
        while base.hasSuffix("/") { base.removeLast() }
        let afterScheme = base.split(separator: "://", maxSplits: 1).last.map(String.init) ?? base
        if !afterScheme.contains(":") { base += ":11434" }
        return base + "/v1"
    }

    /// The deployment URL from `AZURE_OPENAI_ENDPOINT` and `AZURE_OPENAI_DEPLOYMENT`.
    static func azureBase(_ environment: [String: String]) -> String? {
        guard var resource = environment["AZURE_OPENAI_ENDPOINT"], !resource.isEmpty,
            let deployment = environment["AZURE_OPENAI_DEPLOYMENT"], !deployment.isEmpty
        else { return nil }
        while resource.hasSuffix("/") { resource.removeLast() }
        return "\(resource)/openai/deployments/\(deployment)"
    }
}
