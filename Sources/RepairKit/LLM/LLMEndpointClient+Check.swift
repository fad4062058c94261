import Foundation

extension LLMEndpointClient {
    /// What a reachability and auth check found.
    struct CheckFinding: Sendable {
        /// nil: usable. Otherwise why not, as the first real ask would have found after its retries.
        var failure: LLMError?
        /// What was learned, in words (the answer's status, a missing model).
        var detail: String
    }

    /// A request that proves, for nothing, that the endpoint is reachable and takes the key:
    /// the model list (OpenAI-compatible servers and Anthropic); for an Azure deployment, which
    /// lists none, a chat request with no messages, which a server that accepted the key refuses
    /// as malformed (400) before any token is spent.
    func checkRequest(timeout: Duration) -> HTTPRequest {
        if provider == "azure" {
            var request = httpRequest(for: LLMRequest(system: "", prompt: ""))
            request.body = Array(#"{"messages": []}"#.utf8)
            request.timeout = timeout
            return request
        }
        var headers: [(name: String, value: String)] = []
        if isAnthropic {
            if let apiKey { headers.append(("x-api-key", apiKey)) }
            headers.append(("anthropic-version", "2023-06-01"))
        } else if let apiKey {
            headers.append(("Authorization", "Bearer \(apiKey)"))
        }
        return HTTPRequest(
            method: "GET", url: baseURL + (isAnthropic ? "/v1/models" : "/models"), headers: headers, timeout: timeout)
    }

    /// Reads the check's answer: a refused key (401, 403) or, for Azure, a deployment that is
    /// not there (404) is a failure; a server that is busy (429, 5xx) or keeps no model list
    /// (404) is reachable, and left to the real ask and its retries.
    func checkFinding(_ response: HTTPResponse) -> CheckFinding {
        let excerpt = redacted(String(response.bodyText.prefix(200)))
        switch response.status {
        case 401, 403:
            return CheckFinding(
                failure: LLMError(
                    kind: .refused,
                    message: "\(provider) at \(baseURL) refused the key (\(response.status)): \(excerpt)"),
                detail: "the key was refused")
        case 404 where provider == "azure":
            return CheckFinding(
                failure: LLMError(
                    kind: .refused, message: "no Azure OpenAI deployment at \(baseURL) (404): \(excerpt)"),
                detail: "the deployment was not found")
        case 200..<300:
            let ids = Self.modelIDs(in: response.body)
            if !model.isEmpty, !ids.isEmpty, !ids.contains(model) {
                return CheckFinding(
                    failure: nil,
                    detail: "reachable, key accepted; the model \(model) is not in its list of \(ids.count)")
            }
            return CheckFinding(failure: nil, detail: "reachable, key accepted")
        case 400 where provider == "azure":
            return CheckFinding(failure: nil, detail: "reachable, key accepted")
        default:
            return CheckFinding(failure: nil, detail: "reachable (answered \(response.status) to the check)")
        }
    }

    /// A transport failure of the check: the endpoint cannot be reached at all.
    func checkFinding(_ error: HTTPError) -> CheckFinding {
        if error.kind == .cancelled {
            return CheckFinding(
                failure: LLMError(kind: .cancelled, message: "\(provider): the check was cancelled"),
                detail: "cancelled")
        }
        return CheckFinding(
            failure: LLMError(
                kind: .unavailable, message: "cannot reach \(provider) at \(baseURL): \(error.description)"),
            detail: "unreachable")
    }

    /// The `id`s of a model list (`{"data": [{"id": …}]}`), empty when the body is not one.
    static func modelIDs(in body: [UInt8]) -> [String] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
            let data = object["data"] as? [[String: Any]]
        else { return [] }
        return data.compactMap { $0["id"] as? String }
    }
}
