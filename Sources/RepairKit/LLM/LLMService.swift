import Foundation
import Logging

/// Asks the configured LLM, with retries, a fallback provider and a cache.
///
/// Up to `retries` retries on 429, 5xx, timeouts and dropped connections, waiting
/// `Retry-After` when the provider sends it, else exponential backoff with jitter. When the
/// primary still fails, the `[llm.fallback]` provider is asked the same way.
public struct LLMService: Sendable {
    public struct RetryPolicy: Sendable {
        public var retries: Int
        public var baseDelay: Duration
        public var maxDelay: Duration

        public init(retries: Int = 3, baseDelay: Duration = .milliseconds(500), maxDelay: Duration = .seconds(30)) {
            self.retries = retries
            self.baseDelay = baseDelay
            self.maxDelay = maxDelay
        }
    }

    let endpoints: [LLMEndpointClient]
    let cache: (any LLMCache)?
    let retryPolicy: RetryPolicy
    let logger: Logger
    /// Each endpoint is checked once, before its first real ask: one that cannot be reached or
    /// refuses the key fails every ask at once, instead of after the retries of every group.
    let checks = EndpointChecks()

    /// Throws `notConfigured` naming what to set when `[llm]` cannot be used.
    public init(
        config: RepairConfig.LLM,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        cache: (any LLMCache)?,
        retryPolicy: RetryPolicy = RetryPolicy(),
        logger: Logger = Logger(label: "repaird.llm")
    ) throws(LLMError) {
        let timeout = CheckedNumber.duration(seconds: config.timeout)
        var endpoints = [try LLMEndpointClient(config.primary, timeout: timeout, environment: environment)]
        if let fallback = config.fallback, !fallback.provider.isEmpty {
            endpoints.append(try LLMEndpointClient(fallback, timeout: timeout, environment: environment))
        }
        self.endpoints = endpoints
        self.cache = cache
        self.retryPolicy = retryPolicy
        self.logger = logger
    }

    /// The answer to `request`, from the cache when the same prompt was asked before.
    public func complete(_ request: LLMRequest) async throws(LLMError) -> LLMResponse {
        var lastError = LLMError(kind: .notConfigured, message: "no endpoint")
        for endpoint in endpoints {
            let key = LLMAnswerCache.key([
                endpoint.provider, endpoint.model, endpoint.baseURL, request.system, request.prompt,
            ])
            if var cached = cache?.answer(for: key) {
                cached.cached = true
                logger.info("llm.cache_hit", metadata: ["llm.provider": "\(endpoint.provider)"])
                return cached
            }
            if let failure = await checks.finding(
                for: endpoint.baseURL + " " + endpoint.provider, check: { await self.check(endpoint) }
            ).failure {
                lastError = failure
                logger.info(
                    "llm.endpoint_unusable",
                    metadata: ["llm.provider": "\(endpoint.provider)", "llm.error": "\(failure.kind.rawValue)"])
                continue
            }
            do {
                var response = try await ask(endpoint, request)
                response.cost = endpoint.settings.cost(tokensIn: response.tokensIn, tokensOut: response.tokensOut)
                // An answer that echoes a key is masked before it is kept or used anywhere.
                response.text = endpoints.reduce(response.text) { $1.redacted($0) }
                cache?.store(response, for: key)
                return response
            } catch {
                // A cancelled cycle asks no fallback.
                if error.kind == .cancelled { throw error }
                lastError = error
                logger.info(
                    "llm.endpoint_failed",
                    metadata: ["llm.provider": "\(endpoint.provider)", "llm.error": "\(error.kind.rawValue)"])
            }
        }
        throw lastError
    }

    private func ask(_ endpoint: LLMEndpointClient, _ request: LLMRequest) async throws(LLMError) -> LLMResponse {
        let client: HTTPClient
        do { client = try HTTPClient(bodyLimit: 8 << 20) } catch {
            throw LLMError(kind: .unavailable, message: "cannot create an HTTP client")
        }
        let http = endpoint.httpRequest(for: request)
        var attempt = 0
        while true {
            var retryAfter: Duration?
            let failure: LLMError
            let outcome: Result<HTTPResponse, HTTPError>
            do { outcome = .success(try await client.send(http)) } catch { outcome = .failure(error) }
            switch outcome {
            case .success(let response):
                if (200..<300).contains(response.status) {
                    if response.bodyTruncated {
                        throw LLMError(kind: .malformed, message: "\(endpoint.provider) answered with more than 8 MB")
                    }
                    return try endpoint.response(from: response, request: request)
                }
                let excerpt = endpoint.redacted(String(response.bodyText.prefix(300)))
                let retryable = response.status == 429 || response.status >= 500
                failure = LLMError(
                    kind: retryable ? .unavailable : .refused,
                    message: "\(endpoint.provider) answered \(response.status): \(excerpt)")
                guard retryable else { throw failure }
                // Seconds as the provider sent them; `inf`, negative or absurd values are not a
                // delay (and would trap as milliseconds): back off as if none came.
                retryAfter = response.header("Retry-After").flatMap(Self.retryDelay)
            case .failure(let error):
                if error.kind == .cancelled || Task.isCancelled {
                    throw LLMError(kind: .cancelled, message: "\(endpoint.provider): the request was cancelled")
                }
                failure = LLMError(kind: .unavailable, message: "\(endpoint.provider): \(error.description)")
            }
            guard attempt < retryPolicy.retries else { throw failure }
            attempt += 1
            let backoff = retryPolicy.baseDelay * (1 << (attempt - 1))
            let jitter = Duration.milliseconds(
                Int.random(
                    in:
                        0...max(
                            1,
                            Int(
                                retryPolicy.baseDelay.components.seconds * 1000
                                    + retryPolicy.baseDelay.components.attoseconds / 1_000_000_000_000_000) / 2)))
            let delay = min(retryAfter ?? (backoff + jitter), retryPolicy.maxDelay)
            logger.info("llm.retry", metadata: ["llm.provider": "\(endpoint.provider)", "llm.attempt": "\(attempt)"])
            // The back-off ends early when the task is cancelled, and nothing more is sent.
            do { try await Task.sleep(for: delay) } catch {
                throw LLMError(kind: .cancelled, message: "\(endpoint.provider): cancelled while backing off")
            }
        }
    }

    /// What `repairctl llm check` shows of one endpoint.
    public struct EndpointCheck: Sendable, Codable {
        public var provider: String
        public var model: String
        public var baseURL: String
        /// Whether the endpoint is usable.
        public var usable: Bool
        /// What was found, in words; the error when not usable.
        public var detail: String

        enum CodingKeys: String, CodingKey { case provider, model, baseURL = "base_url", usable, detail }
    }

    /// Checks every endpoint (primary, then fallback) for reachability and a key it accepts,
    /// without spending a token.
    public func check() async -> [EndpointCheck] {
        var results: [EndpointCheck] = []
        for endpoint in endpoints {
            let finding = await checks.finding(for: endpoint.baseURL + " " + endpoint.provider) {
                await self.check(endpoint)
            }
            results.append(
                EndpointCheck(
                    provider: endpoint.provider, model: endpoint.model, baseURL: endpoint.baseURL,
                    usable: finding.failure == nil, detail: finding.failure?.message ?? finding.detail))
        }
        return results
    }

    private func check(_ endpoint: LLMEndpointClient) async -> LLMEndpointClient.CheckFinding {
        let client: HTTPClient
        do { client = try HTTPClient(bodyLimit: 1 << 20) } catch {
            return .init(failure: LLMError(kind: .unavailable, message: "cannot create an HTTP client"), detail: "")
        }
        // Bounded well below a real answer's time: a check only needs the server to say hello.
        let timeout = min(endpoint.timeout, .seconds(20))
        do {
            return endpoint.checkFinding(try await client.send(endpoint.checkRequest(timeout: timeout)))
        } catch {
            return endpoint.checkFinding(error)
        }
    }

    /// A `Retry-After` value in seconds as a delay; nil for anything that is not a finite
    /// number from 0 to a day.
    static func retryDelay(_ text: String) -> Duration? {
        try? CheckedNumber.seconds(text, zeroAllowed: true).get()
    }
}

/// The memo of endpoint checks: each endpoint is checked once per service, however many asks
/// wait for it (they wait for the one check under way). A cancelled check is not kept.
actor EndpointChecks {
    private var findings: [String: LLMEndpointClient.CheckFinding] = [:]
    private var waiting: [String: [CheckedContinuation<LLMEndpointClient.CheckFinding, Never>]] = [:]

    func finding(
        for key: String, check: @Sendable () async -> LLMEndpointClient.CheckFinding
    ) async -> LLMEndpointClient.CheckFinding {
        if let known = findings[key] { return known }
        if waiting[key] != nil {
            return await withCheckedContinuation { waiting[key, default: []].append($0) }
        }
        waiting[key] = []
        let found = await check()
        if found.failure?.kind != .cancelled { findings[key] = found }
        for waiter in waiting.removeValue(forKey: key) ?? [] { waiter.resume(returning: found) }
        return found
    }
}
