/// What kind of failure a violation group is, in order of severity.
public enum ViolationKind: String, Sendable, Codable, CaseIterable, Comparable {
    /// A 5xx with a stack trace, or the app died or dropped the connection.
    case crash
    /// A 5xx without a trace, or no response for another reason.
    case serverError = "server_error"
    case timeout
    /// 404 or 405 on a route the plan expects, which never answered anything else (a 404 from
    /// a route the app's source declares becomes `wrongStatus` in diagnosis).
    case routeMissing = "route_missing"
    /// A 2xx where the plan expected a 4xx: the input was not checked.
    case missingValidation = "missing_validation"
    /// A 2xx other than the one expected (200 for a create that should answer 201).
    case wrongSuccessStatus = "wrong_success_status"
    /// Any other unexpected status (a 4xx on a valid request, a 404 for a seeded record).
    case wrongStatus = "wrong_status"
    /// Robustness checks (`RobustnessCheck`): a 5xx for a body that is not an object…
    case nonObjectBody = "non_object_body"
    /// … for a body that is not UTF-8 …
    case invalidUTF8 = "invalid_utf8"
    /// … for an integer beyond 64 bits …
    case integerOverflow = "integer_overflow"
    /// … for a body lacking one of its fields …
    case missingField = "missing_field"
    /// … for a create sent twice (a unique value repeated).
    case duplicateUnique = "duplicate_unique"
    /// What a create answered with cannot be read back.
    case notReadableAfterCreate = "not_readable_after_create"
    /// What was deleted can still be read.
    case readableAfterDelete = "readable_after_delete"
    /// The status was right, the body breaks the spec's response schema.
    case schemaMismatch = "schema_mismatch"
    /// The status was right, the body lacked an expected entry.
    case bodyMismatch = "body_mismatch"

    public static func < (lhs: ViolationKind, rhs: ViolationKind) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    /// Decides the kind of one failed scenario.
    /// - Parameter routeAnswered: whether any scenario of the same method and route got a
    ///   status other than 404/405, which shows the route exists.
    static func of(_ result: ScenarioResult, hasTrace: Bool, routeAnswered: Bool) -> ViolationKind {
        switch result.failureKind {
        case .appDied, .connectionReset, .appUnavailable: return .crash
        case .timeout: return .timeout
        case .connectionRefused, .transport, .notSent, .none: return .serverError
        case .bodyMismatch: return .bodyMismatch
        case .schemaMismatch: return .schemaMismatch
        case .statusMismatch: break
        }
        if let check = result.scenario.check { return check.violationKind }
        guard let status = result.actualStatus else { return .serverError }
        let expected = result.scenario.expectedStatus
        if status >= 500 { return hasTrace ? .crash : .serverError }
        if status == 405 || (status == 404 && !routeAnswered) { return .routeMissing }
        if (200..<300).contains(status) {
            if expected.allSatisfy({ (400..<500).contains($0) }) { return .missingValidation }
            if expected.allSatisfy({ (200..<300).contains($0) }) { return .wrongSuccessStatus }
        }
        return .wrongStatus
    }
}
