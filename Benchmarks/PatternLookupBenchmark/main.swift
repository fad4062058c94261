// Best-pattern lookup for one violation group with 10,000 patterns in the store, beside
// reading the whole table (the baseline, measured in the same run).
//
//   swift run -c release PatternLookupBenchmark [patterns=10000] [lookups=200]
//
// Target (issue 6): under 5 ms per lookup.
import Foundation
import Logging
import RepairKit
import RepairTestSupport

BenchmarkSupport.quietLogging(.warning)

let arguments = Array(CommandLine.arguments.dropFirst())
let count = arguments.first.flatMap { Int($0) } ?? 10_000
let lookups = arguments.dropFirst().first.flatMap { Int($0) } ?? 200

let milliseconds = BenchmarkSupport.milliseconds

let directory = try TemporaryDirectory(prefix: "lookup-bench")
defer { directory.remove() }
let store = try RepairDatabase.open(at: directory.url.appendingPathComponent("learning.sqlite"))

// A realistic group: the example app's KeyError on POST /products.
let app = try FixtureApps.copy("shop-api")
defer { app.remove() }
let inputs = try SmokeInputs.load(appDirectory: app.url, environment: [:])
let run = try await SmokePass(appDirectory: app.url, config: inputs.config, plan: inputs.plan, planFile: inputs.planFile,
                              logger: .init(label: "bench")).run()
guard let group = run.groups.first(where: { $0.method == "POST" && $0.route == "/products" }) else { fatalError("no KeyError group") }
let signature = Signature(group)

// 10,000 patterns over 2,500 signatures; four of them for the group's own signature.
let example = "--- a/shop/services.py\n+++ b/shop/services.py\n@@ -1,3 +1,3 @@\n def create_{{entity}}(payload: dict) -> dict:\n-        name=payload[\"{{entity}}_name\"],\n+        name=payload[\"name\"],\n"
let now = Date()
let entities = ["book", "plant", "tool", "lamp"]
var patterns: [FixPattern] = []
patterns.reserveCapacity(count)
for index in 0..<count {
    let key: String = index % 2500 == 0 ? signature.key : "other-signature-\(index % 2500)"
    let status: FixPattern.Status = index % 11 == 0 ? .retired : .candidate
    let pattern = FixPattern(
        id: nil, signatureKey: key, signature: "POST /{collection} 500 KeyError \(index % 2500)", kind: "crash",
        template: example + "# variant \(index)\n", exampleDiff: example, entity: entities[index % 4], appsHealed: "[]",
        successes: index % 7, failures: index % 3, status: status, createdAt: now, updatedAt: now)
    patterns.append(pattern)
}
try store.insert(patterns: patterns)
let library = PatternLibrary(store)
var times: [Double] = []
var found = 0
for _ in 0..<lookups {
    let started = ContinuousClock.now
    found = try library.candidates(for: group).count
    times.append(milliseconds(ContinuousClock.now - started))
}
times.sort()
var scans: [Double] = []
for _ in 0..<5 {
    let started = ContinuousClock.now
    _ = try store.patterns().filter { $0.signatureKey == signature.key }
    scans.append(milliseconds(ContinuousClock.now - started))
}
let median = times[times.count / 2], p95 = times[times.count * 95 / 100]
print("PatternLookupBenchmark: \(count) patterns, \(lookups) lookups for \(signature) → \(found) candidates")
print(String(format: "  reading the whole table (baseline)   %8.2f ms", scans.sorted()[2]))
print(String(format: "  best-pattern lookup                  %8.3f ms median, %.3f ms p95   ratio to the scan %.4f", median, p95, median / scans.sorted()[2]))
print(median < 5 ? "target met (under 5 ms)" : String(format: "target missed: %.2f ms ≥ 5 ms", median))
