import Foundation

extension SmokePlan {
    /// The plan as `smoke_test_plan.json` holds it: pretty-printed, keys sorted, so the same
    /// plan is always the same bytes.
    public func jsonData() -> Data {
        Data((jsonValue().prettyPrinted() + "\n").utf8)
    }

    /// The plan as a JSON value, in the format `SmokePlan.parse` reads.
    func jsonValue() -> JSONValue {
        let seeds = seedData.map { seed -> JSONValue in
            .object([
                "entity_name": .string(seed.entityName), "uuid": .string(seed.uuid), "fields": .object(seed.fields),
                "depends_on": .array(seed.dependsOn.map(JSONValue.string)),
            ])
        }
        func step(_ scenario: Scenario) -> JSONValue {
            var fields: [String: JSONValue] = [
                "endpoint": .string(scenario.endpoint.description),
                "name": .string(scenario.name),
                "description": .string(scenario.description),
                "path_params": .object(scenario.pathParams),
                "query_params": .object(scenario.queryParams),
                "payload": scenario.payload ?? .null,
                "expected_status": scenario.expectedStatus.count == 1
                    ? .number(Double(scenario.expectedStatus[0]))
                    : .array(scenario.expectedStatus.map { .number(Double($0)) }),
                "expected_response_contains": .array(scenario.expectedResponseContains.map(JSONValue.string)),
            ]
            if version >= 2 {
                fields["headers"] = .object(scenario.headers.mapValues { $0.map(JSONValue.string) ?? .null })
                fields["capture"] = .object(scenario.capture.mapValues(JSONValue.string))
                fields["depends_on"] = .array(scenario.dependsOn.map(JSONValue.string))
                if scenario.reseed { fields["reseed"] = .bool(true) }
                if scenario.payloadEncoding != .json {
                    fields["payload_encoding"] = .string(scenario.payloadEncoding.rawValue)
                }
            }
            return .object(fields)
        }
        var plan: [String: JSONValue] = ["seed_data": .array(seeds), "scenarios": .array(scenarios.map(step))]
        if version >= 2 {
            plan["version"] = .number(Double(version))
            plan["headers"] = .object(headers.mapValues(JSONValue.string))
            plan["setup"] = .array(setup.map(step))
        }
        return .object(plan)
    }
}
