import Foundation
import PropertyBased
import Testing

@testable import RepairKit

/// Every number read from outside goes through `CheckedNumber`: random hostile values, fed to
/// every numeric key by every channel, are accepted as exactly what was written or refused
/// naming the key and where it came from — and none of them traps.
@Suite struct CheckedNumberTests {
    /// Numbers a hostile or careless source may hold: non-finite, enormous, fractional,
    /// negative, at and just past every documented bound, and plain random ones.
    static let hostile = Gen.oneOf(
        Gen<Double?>.element(of: [
            .infinity, -.infinity, .nan, 1e300, -1e300, 0, -0.0, 0.5, 1, 1.5, -1, 3, 64, 65, 100, 101, 199.5,
            200.7, 599, 600, 65_535, 65_536, 86_400, 86_400.001, 1e12, 1e15, 9.2e18, 1e20, Double(Int.max),
            Double(Int.min),
        ]).map { $0 ?? 0 },
        Gen.double(in: -10...10),
        Gen.double(in: -1e6...1e6),
        Gen.double(in: -1e22...1e22),
        Gen.int(in: -1_000...100_000).map(Double.init)
    )

    /// How a number is written in TOML, the environment or `--set`: whole finite values as
    /// integers, the rest as Swift prints them (`inf`, `nan`, `1e+300`, `200.7`), which TOML reads.
    static func text(_ value: Double) -> String {
        if value.isFinite, value.rounded() == value, abs(value) < 1e18 { return String(Int64(value)) }
        return String(value)
    }

    /// Each numeric key and how to read it back from a loaded config.
    static let numericKeys: [String: @Sendable (RepairConfig) -> Double] = [
        "version": { _ in Double(RepairConfig.currentVersion) },
        "app.port": { Double($0.app.port) },
        "app.startup_timeout": { $0.app.startupTimeout },
        "app.stop_grace": { $0.app.stopGrace },
        "app.seed_timeout": { $0.app.seedTimeout },
        "smoke.request_timeout": { $0.smoke.requestTimeout },
        "smoke.concurrency": { Double($0.smoke.concurrency) },
        "repair.trigger_pass_rate": { $0.repair.triggerPassRate },
        "repair.target_pass_rate": { $0.repair.targetPassRate },
        "repair.max_iterations": { Double($0.repair.maxIterations) },
        "repair.token_budget": { Double($0.repair.tokenBudget) },
        "llm.timeout": { $0.llm.timeout },
        "daemon.notify_timeout": { $0.daemon.notifyTimeout },
        "llm.concurrency": { Double($0.llm.concurrency) },
        "llm.price_in": { $0.llm.primary.priceIn ?? .nan },
        "llm.price_out": { $0.llm.primary.priceOut ?? .nan },
        "llm.fallback.price_in": { $0.llm.fallback?.priceIn ?? .nan },
        "llm.fallback.price_out": { $0.llm.fallback?.priceOut ?? .nan },
    ]

    @Test func everyNumericKeyOfTheSchemaIsCovered() {
        let numeric = ConfigSchema.keys.filter { [.integer, .number].contains($0.value) }.keys
        #expect(Set(numeric) == Set(Self.numericKeys.keys))
    }

    /// A file holding `key = text`, with the one required key beside it.
    static func file(_ key: String, _ text: String) -> String {
        let start = "start = \"python3 app.py\""
        if key == "version" { return "version = \(text)\n[app]\n\(start)\n" }
        let parts = key.split(separator: ".", maxSplits: 1).map(String.init)
        if parts[0] == "app" { return "version = 1\n[app]\n\(start)\n\(parts[1]) = \(text)\n" }
        return "version = 1\n[app]\n\(start)\n[\(parts[0])]\n\(parts[1]) = \(text)\n"
    }

    enum Channel: String, CaseIterable, Sendable { case file, environment, set }

    @Test(arguments: Channel.allCases)
    func randomNumbersForEveryKeyAreTakenExactlyOrRefusedNamingKeyAndSource(channel: Channel) async {
        let keys = Self.numericKeys.keys.sorted()
        let tally = Tally()
        await propertyCheck(count: 400, input: Gen<String?>.element(of: keys).map { $0 ?? "app.port" }, Self.hostile) {
            key, value in
            let text = Self.text(value)
            let variable = ConfigSchema.environmentName(for: key)
            let source = "repair.toml"
            let result = Result { () throws(ConfigError) -> RepairConfig in
                switch channel {
                case .file: try RepairConfig.parse(Self.file(key, text), source: source)
                case .environment:
                    try RepairConfig.parse(Self.file("version", "1"), source: source, environment: [variable: text])
                case .set:
                    try RepairConfig.parse(Self.file("version", "1"), source: source, overrides: ["\(key)=\(text)"])
                }
            }
            switch result {
            case .success(let config):
                tally.accepted()
                let read = Self.numericKeys[key]!(config)
                #expect(read.isFinite, "\(key) = \(text) was taken as \(read)")
                #expect(read == value, "\(key) = \(text) was taken as \(read), not as written")
                // What the code does next with it cannot trap.
                _ = CheckedNumber.duration(seconds: read)
            case .failure(let error):
                tally.refused()
                #expect(error.key == key, "\(key) = \(text): \(error)")
                let expected =
                    switch channel {
                    case .file: source
                    case .environment: "environment \(variable)"
                    case .set: "--set"
                    }
                #expect(error.source == expected, "\(key) = \(text): \(error)")
            }
        }
        #expect(tally.counts.accepted > 0 && tally.counts.refused > 0, "both sides were exercised: \(tally.counts)")
    }

    @Test func randomStatusesInAPlanAreTakenExactlyOrRefusedNamingTheField() async {
        await propertyCheck(count: 300, input: Self.hostile) { value in
            let text = #"{"scenarios": [{"name": "s", "endpoint": "GET /x", "expected_status": \#(Self.json(value))}]}"#
            do {
                let plan = try SmokePlan.parse(Data(text.utf8), file: "plan.json")
                let status = try #require(plan.scenarios.first?.expectedStatus.first)
                #expect(Double(status) == value && (100...599).contains(status), "\(value) was read as \(status)")
            } catch let error as PlanError {
                #expect(error.field == "expected_status", "\(value): \(error)")
                #expect(error.file == "plan.json")
            } catch {
                Issue.record("\(value): \(error)")
            }
        }
    }

    /// JSON has no inf or nan: a source holding them is text JSONSerialization refuses, so
    /// they are written as the largest numbers JSON can hold instead.
    static func json(_ value: Double) -> String {
        guard value.isFinite else { return value.isNaN ? "0.5" : (value > 0 ? "1e308" : "-1e308") }
        return text(value)
    }

    @Test func randomRetryAfterValuesBecomeADelayOfADayAtMostOrNone() async {
        let junk = Gen<String?>.element(of: ["", " ", "soon", "Wed, 21 Oct 2015 07:28:00 GMT", "1_000", "0x10", "5s"])
            .map { $0 ?? "" }
        await propertyCheck(count: 300, input: Self.hostile, junk, Gen.bool) { value, junk, useJunk in
            let text = useJunk ? junk : Self.text(value)
            guard let delay = LLMService.retryDelay(text) else { return }
            #expect(delay >= .zero && delay <= .seconds(86_400), "\(text) → \(delay)")
            #expect(!useJunk, "junk \(text) became a delay")
        }
    }

    @Test func wholeNumbersRoundTripExactlyOrAreRefused() async {
        await propertyCheck(count: 500, input: Self.hostile) { value in
            switch CheckedNumber.whole(value, in: -1_000_000...1_000_000) {
            case .success(let whole): #expect(Double(whole) == value)
            case .failure: #expect(!value.isFinite || value.rounded() != value || abs(value) > 1_000_000)
            }
            switch CheckedNumber.seconds(value) {
            case .success(let duration): #expect(value > 0 && value <= 86_400 && duration > .zero)
            case .failure: #expect(!(value > 0 && value <= 86_400))
            }
        }
    }

    /// Bounds at the very ends of Int used to overflow while a value was sampled.
    @Test func aSpecsBoundsAtIntsEndsGiveAPlanNotATrap() throws {
        let spec = try OpenAPISpec.parse(
            Data(
                """
                openapi: 3.0.3
                info: {title: edges, version: "1"}
                paths:
                  /items:
                    post:
                      requestBody:
                        required: true
                        content:
                          application/json:
                            schema:
                              type: object
                              required: [high, low]
                              properties:
                                high: {type: integer, minimum: 9223372036854775807, exclusiveMinimum: true}
                                low: {type: integer, maximum: -9223372036854775808, exclusiveMaximum: true, multipleOf: 7}
                      responses:
                        "201": {description: created}
                """.utf8), file: "edges.yaml")
        let plan = PlanGenerator(spec: spec).plan()
        #expect(!plan.scenarios.isEmpty)
    }
}

/// Counts from inside a property check's closure.
private final class Tally: @unchecked Sendable {
    // @unchecked: only touched under `lock`.
    private let lock = NSLock()
    private var accepts = 0
    private var refusals = 0
    func accepted() { lock.withLock { accepts += 1 } }
    func refused() { lock.withLock { refusals += 1 } }
    var counts: (accepted: Int, refused: Int) { lock.withLock { (accepts, refusals) } }
}
