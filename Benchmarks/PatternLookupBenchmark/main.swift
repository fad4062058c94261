// The learning store's reads on the heal path at 1k, 10k and 100k patterns (and as many
// lessons), beside reading the whole pattern table, measured in the same run:
//   - a hit: the candidates for a group whose signature has patterns;
//   - the LLM path: what a prompt shows for a group — similar fixes as examples, lessons for
//     the signature and its exception type — and the burial check of the answer.
//
//   swift run -c release PatternLookupBenchmark [lookups=200] [sizes=1000,10000,100000]
//
// Targets (issues 6 and 17): a hit under 5 ms, and the LLM path's reads under 5 ms at 100k.
import Foundation
import Logging
import RepairKit
import RepairTestSupport

BenchmarkSupport.quietLogging(.warning)

let arguments = Array(CommandLine.arguments.dropFirst())
let lookups = arguments.first.flatMap { Int($0) } ?? 200
let sizes =
    arguments.dropFirst().first.map { $0.split(separator: ",").compactMap { Int($0) } } ?? [1_000, 10_000, 100_000]

let milliseconds = BenchmarkSupport.milliseconds

let directory = try TemporaryDirectory(prefix: "lookup-bench")
defer { directory.remove() }

// A realistic group: the example app's KeyError on POST /products.
let app = try FixtureApps.copy("shop-api")
defer { app.remove() }
let inputs = try SmokeInputs.load(appDirectory: app.url, environment: [:])
let run = try await SmokePass(
    appDirectory: app.url, config: inputs.config, plan: inputs.plan, planFile: inputs.planFile,
    logger: .init(label: "bench")
).run()
guard let group = run.groups.first(where: { $0.method == "POST" && $0.route == "/products" }) else {
    fatalError("no KeyError group")
}
let signature = Signature(group)
let example =
    "--- a/shop/services.py\n+++ b/shop/services.py\n@@ -1,3 +1,3 @@\n def create_{{entity}}(payload: dict) -> dict:\n-        name=payload[\"{{entity}}_name\"],\n+        name=payload[\"name\"],\n"

/// `count` patterns and as many lessons over `count / 4` signatures, a quarter of them of the
/// group's kind and exception type; the group's own signature has four patterns and lessons.
func store(with count: Int) throws -> RepairDatabase {
    let store = try RepairDatabase.open(at: directory.url.appendingPathComponent("learning-\(count).sqlite"))
    let now = Date()
    let entities = ["book", "plant", "tool", "lamp"]
    let types = [signature.exceptionType, "TypeError", "AttributeError", "ValidationError"]
    let signatures = max(1, count / 4)
    var patterns: [FixPattern] = []
    var lessons: [Lesson] = []
    patterns.reserveCapacity(count)
    lessons.reserveCapacity(count)
    for index in 0..<count {
        let own = index % signatures == 0
        let key = own ? signature.key : "other-signature-\(index % signatures)"
        let type = own ? signature.exceptionType : types[index % types.count]
        patterns.append(
            FixPattern(
                id: nil, signatureKey: key, signature: "POST /{collection} 500 \(type) \(index % signatures)",
                kind: group.kind.rawValue, template: example + "# variant \(index)\n", exampleDiff: example,
                entity: entities[index % 4], appsHealed: "[]", successes: index % 7, failures: index % 3,
                status: index % 11 == 0 ? .retired : .candidate, createdAt: now, updatedAt: now, exceptionType: type))
        lessons.append(
            Lesson(
                id: nil, signatureKey: key, signature: "POST /{collection} 500 \(type)", patchHash: "hash-\(index)",
                summary: "-a | +b", outcome: "regressed", evidence: "list_products", count: 1 + index % 5,
                createdAt: now, updatedAt: now, exceptionType: type))
    }
    try store.insert(patterns: patterns)
    try store.insert(lessons: lessons)
    return store
}

/// The median and 95th percentile of `lookups` calls, in ms.
func time(_ body: () throws -> Int) rethrows -> (median: Double, p95: Double, found: Int) {
    var times: [Double] = []
    var found = 0
    for _ in 0..<lookups {
        let started = ContinuousClock.now
        found = try body()
        times.append(milliseconds(ContinuousClock.now - started))
    }
    times.sort()
    return (times[times.count / 2], times[times.count * 95 / 100], found)
}

print("PatternLookupBenchmark: \(lookups) lookups each for \(signature)")
var failedTargets: [String] = []
for count in sizes {
    let built = ContinuousClock.now
    let store = try store(with: count)
    let library = PatternLibrary(store)
    let setUp = BenchmarkSupport.seconds(ContinuousClock.now - built)
    var scans: [Double] = []
    for _ in 0..<5 {
        let started = ContinuousClock.now
        _ = try store.patterns().filter { $0.signatureKey == signature.key }
        scans.append(milliseconds(ContinuousClock.now - started))
    }
    let scan = scans.sorted()[2]
    let hit = try time { try library.candidates(for: group).count }
    let prompt = try time {
        try library.exampleDiffs(for: group).count + library.lessonLines(for: group).count
            + (library.lesson(burying: example, for: group) == nil ? 0 : 1)
    }
    print(
        String(
            format: "  %6d patterns and lessons (stored in %.1f s)   whole table read (baseline) %8.2f ms",
            count, setUp, scan))
    print(
        String(
            format: "      hit: candidates          %7.3f ms median, %.3f ms p95, %d found   ratio to the read %.4f",
            hit.median, hit.p95, hit.found, hit.median / scan))
    print(
        String(
            format:
                "      LLM path: examples, lessons, burial %7.3f ms median, %.3f ms p95, %d rows   ratio to the read %.4f",
            prompt.median, prompt.p95, prompt.found, prompt.median / scan))
    if hit.median >= 5 { failedTargets.append(String(format: "hit at %d: %.2f ms ≥ 5 ms", count, hit.median)) }
    if prompt.median >= 5 {
        failedTargets.append(String(format: "LLM path at %d: %.2f ms ≥ 5 ms", count, prompt.median))
    }
}
print(
    failedTargets.isEmpty
        ? "targets met (hit and LLM path under 5 ms at every size)"
        : "targets missed: " + failedTargets.joined(separator: ", "))
