// Plan generation and plan check on a real spec of about a thousand operations (the LiteLLM
// proxy's, Tests/Fixtures/specs/litellm-proxy), as JSON and as the same document in YAML,
// each beside a plain parse of the same text measured in the same run (the baseline):
// JSONSerialization for JSON, Yams' node tree for YAML.
//
//   swift run -c release PlanBenchmark [SPEC.json] [REPORT.md]
//
// Target (issue 15): generate and check each under one second, JSON and YAML.
import Foundation
import RepairKit
import RepairTestSupport
import Yams

let arguments = Array(CommandLine.arguments.dropFirst())
let specURL =
    arguments.first.map { URL(fileURLWithPath: $0) }
    ?? FixtureApps.repositoryRoot.appendingPathComponent("Tests/Fixtures/specs/litellm-proxy/openapi.json")
let reportURL = arguments.count > 1 ? URL(fileURLWithPath: arguments[1]) : nil
let seconds = BenchmarkSupport.seconds
let rounds = 3

let json = try Data(contentsOf: specURL)
// JSON is YAML: composed and serialized again, it is the same document in block YAML, keys in
// the same order.
let yaml = Data(try Yams.serialize(node: try Yams.compose(yaml: String(decoding: json, as: UTF8.self))!).utf8)
let tree = try JSONSerialization.jsonObject(with: json) as! [String: Any]
let operationCount = (tree["paths"] as? [String: [String: Any]] ?? [:]).values.reduce(0) { count, item in
    count + item.keys.filter { ["get", "post", "put", "patch", "delete", "head", "options"].contains($0) }.count
}

/// The best of `rounds` runs of `work`, in seconds.
func best(_ work: () throws -> Void) rethrows -> Double {
    var fastest = Double.infinity
    for _ in 0..<rounds {
        let started = ContinuousClock.now
        try work()
        fastest = min(fastest, seconds(ContinuousClock.now - started))
    }
    return fastest
}

struct Row {
    var format: String
    var bytes: Int
    var baseline: Double
    var parse: Double
    var generate: Double
    var check: Double
    var scenarios: Int
    var planBytes: Data
    var plan: Double
    var write: Double
}

func measure(_ format: String, _ data: Data) throws -> Row {
    let baseline: Double =
        format == "JSON"
        ? try best { _ = try JSONSerialization.jsonObject(with: data) }
        : try best { _ = try Yams.compose(yaml: String(decoding: data, as: UTF8.self)) }
    let parse = try best { _ = try OpenAPISpec.parse(data, file: "spec.\(format.lowercased())") }
    var planBytes = Data()
    var scenarios = 0
    var parts = (plan: Double.infinity, write: Double.infinity)
    // What `plan generate` does: read the spec, generate, write the plan.
    let generate = try best {
        let spec = try OpenAPISpec.parse(data, file: "spec.\(format.lowercased())")
        let started = ContinuousClock.now
        let plan = PlanGenerator(spec: spec).plan()
        let generated = ContinuousClock.now
        planBytes = plan.jsonData()
        parts.plan = min(parts.plan, seconds(generated - started))
        parts.write = min(parts.write, seconds(ContinuousClock.now - generated))
        scenarios = plan.steps.count
    }
    // What `plan check --openapi` does: read the plan and the spec, apply the rules.
    let check = try best {
        let plan = try SmokePlan.parse(planBytes, file: "plan.json", allowDuplicateNames: true)
        let spec = try OpenAPISpec.parse(data, file: "spec.\(format.lowercased())")
        _ = PlanCoverage.check(plan, against: spec)
    }
    return Row(
        format: format, bytes: data.count, baseline: baseline, parse: parse, generate: generate, check: check,
        scenarios: scenarios, planBytes: planBytes, plan: parts.plan, write: parts.write)
}

BenchmarkSupport.quietLogging()
let rows = [try measure("JSON", json), try measure("YAML", yaml)]
let samePlan = rows[0].planBytes == rows[1].planBytes
var report = """
    # Plan generation on a real large spec

    Produced by `scripts/bench-plan` on \(ProcessInfo.processInfo.activeProcessorCount) cores; best of \(rounds) runs each.
    Spec: `\(specURL.lastPathComponent)` of the LiteLLM proxy (`Tests/Fixtures/specs/litellm-proxy`, MIT):
    \(operationCount) operations. The YAML is the same document serialized as block YAML.
    Baseline: a plain parse of the same text in the same run (JSONSerialization; Yams' node tree).

    | format | size | baseline parse | spec read | generate (read + plan + write) | ratio to baseline | check (plan + spec + rules) | ratio to baseline |
    |---|---|---|---|---|---|---|---|

    """
for row in rows {
    report += String(
        format: "| %@ | %.1f MB | %.3f s | %.3f s | %.3f s | %.1f× | %.3f s | %.1f× |\n", row.format,
        Double(row.bytes) / 1_000_000, row.baseline, row.parse, row.generate, row.generate / row.baseline, row.check,
        row.check / row.baseline)
}
report +=
    "\nOf generate, besides reading the spec: "
    + rows.map { String(format: "%@ %.3f s to plan and %.3f s to write", $0.format, $0.plan, $0.write) }.joined(
        separator: "; ") + ".\n"
report +=
    "\n\(rows[0].scenarios) steps generated; the JSON and the YAML give \(samePlan ? "the same plan, byte for byte" : "different plans") .\n"
let missed = rows.filter { $0.generate >= 1 || $0.check >= 1 }.map(\.format)
report +=
    missed.isEmpty
    ? "Target met: generate and check under one second for JSON and YAML.\n"
    : "Target missed for \(missed.joined(separator: " and ")): generate and check must each take under one second.\n"
report = report.replacingOccurrences(of: " .\n", with: ".\n")
print(report, terminator: "")
if let reportURL { try Data(report.utf8).write(to: reportURL, options: .atomic) }
