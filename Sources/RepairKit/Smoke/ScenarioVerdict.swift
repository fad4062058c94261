import Foundation

/// The strict pass rules for one scenario's response.
///
/// The status must equal the expected one or be in the expected list — a 404 passes only
/// where a scenario expects it — and every `expected_response_contains` entry must appear
/// in the body as a JSON key at any depth or as a substring.
public enum ScenarioVerdict {
    public struct Outcome: Sendable, Equatable {
        public var passed: Bool
        public var failureKind: FailureKind?
        public var error: String?
    }

    public static func judge(_ scenario: Scenario, status: Int, body: [UInt8]) -> Outcome {
        guard scenario.accepts(status) else {
            return Outcome(
                passed: false, failureKind: .statusMismatch,
                error: "expected \(scenario.expectation), got \(status)")
        }
        let missing = missingEntries(scenario.expectedResponseContains, in: body)
        guard missing.isEmpty else {
            let list = missing.map { "\"\($0)\"" }.joined(separator: ", ")
            return Outcome(passed: false, failureKind: .bodyMismatch, error: "response lacks \(list)")
        }
        return Outcome(passed: true, failureKind: nil, error: nil)
    }

    /// Entries found neither as a JSON key at any depth nor as a substring of the body.
    static func missingEntries(_ entries: [String], in body: [UInt8]) -> [String] {
        guard !entries.isEmpty else { return [] }
        let text = String(decoding: body, as: UTF8.self)
        let json = JSONValue.parse(Data(body))
        return entries.filter { entry in
            !(json?.containsKey(entry) ?? false) && !text.contains(entry)
        }
    }

    /// `201`, or `400 or 422` for a list.
    public static func describe(_ statuses: [Int]) -> String {
        statuses.map(String.init).joined(separator: " or ")
    }
}
