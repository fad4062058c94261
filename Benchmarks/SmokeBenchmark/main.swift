// Executor throughput beside a curl keep-alive baseline, measured in the same run against
// the same zero-work endpoint of a loopback fixture server.
//
//   swift run -c release SmokeBenchmark [scenarios] [rounds]
//
// Targets (issue 2): executor ≥ 0.7 × baseline with one connection; overhead < 0.3 ms per scenario.
import Foundation
import Logging
import RepairKit
import RepairTestSupport

BenchmarkSupport.quietLogging(.warning)

let arguments = CommandLine.arguments.dropFirst()
let count = arguments.first.flatMap { Int($0) } ?? 2000
let rounds = arguments.dropFirst().first.flatMap { Int($0) } ?? 3

let seconds = BenchmarkSupport.seconds

/// One curl process fetching `count` URLs; with `parallel`, that many connections at once.
func curlBaseline(url: String, parallel: Int, directory: URL) throws -> Double {
    let config = directory.appendingPathComponent("urls-\(parallel).curl")
    let lines = (0..<count).map { _ in "url = \"\(url)\"\noutput = \"/dev/null\"" }
    try Data(lines.joined(separator: "\n").utf8).write(to: config)
    var arguments = ["--silent", "--show-error", "--fail", "--config", config.path]
    if parallel > 1 { arguments += ["--parallel", "--parallel-max", String(parallel)] }
    let started = ContinuousClock.now
    let outcome = try CommandRunner.runBlocking(URL(fileURLWithPath: "/usr/bin/curl"), arguments)
    let elapsed = seconds(ContinuousClock.now - started)
    guard outcome.status == 0 else { throw CocoaError(.featureUnsupported, userInfo: [NSLocalizedDescriptionKey: "curl failed: \(outcome.standardError)"]) }
    return elapsed
}

func executorRun(baseURL: String, concurrency: Int) async throws -> Double {
    let scenario = Scenario(index: 0, endpoint: Endpoint("GET /ok")!, name: "ok", expectedStatus: [200])
    let scenarios = (0..<count).map { index in
        var copy = scenario
        copy.index = index
        copy.name = "ok_\(index)"
        return copy
    }
    let executor = SmokeExecutor(baseURL: baseURL, requestTimeout: .seconds(10), concurrency: concurrency)
    let started = ContinuousClock.now
    let results = try await executor.run(scenarios)
    let elapsed = seconds(ContinuousClock.now - started)
    guard results.count == count, results.allSatisfy(\.passed) else {
        throw CocoaError(.featureUnsupported, userInfo: [NSLocalizedDescriptionKey: "executor run had failures"])
    }
    return elapsed
}

let directory = try TemporaryDirectory(prefix: "smoke-bench")
defer { directory.remove() }
let server = try await FixtureServer.startProbe(in: directory)
let url = server.baseURL + "/ok"
print("SmokeBenchmark: \(count) scenarios against \(url), best of \(rounds) rounds")
// Warm both paths (server threads, page cache, curl binary).
_ = try curlBaseline(url: url, parallel: 1, directory: directory.url)
_ = try await executorRun(baseURL: server.baseURL, concurrency: 1)

var failedTargets: [String] = []
for concurrency in [1, 4] {
    var baseline = Double.infinity, executor = Double.infinity
    for _ in 0..<rounds {
        baseline = min(baseline, try curlBaseline(url: url, parallel: concurrency, directory: directory.url))
        executor = min(executor, try await executorRun(baseURL: server.baseURL, concurrency: concurrency))
    }
    let ratio = baseline / executor
    let overheadMilliseconds = (executor - baseline) / Double(count) * 1000
    let label = concurrency == 1 ? "1 connection " : "\(concurrency) connections"
    print(String(format: "  %@  baseline (curl keep-alive) %8.0f scenarios/s   executor %8.0f scenarios/s   ratio %.2f   overhead %+.3f ms/scenario",
                 label, Double(count) / baseline, Double(count) / executor, ratio, overheadMilliseconds))
    if concurrency == 1 {
        if ratio < 0.7 { failedTargets.append(String(format: "ratio %.2f < 0.70", ratio)) }
        if overheadMilliseconds >= 0.3 { failedTargets.append(String(format: "overhead %.3f ms ≥ 0.3 ms", overheadMilliseconds)) }
    }
}
await server.stop()
print(failedTargets.isEmpty ? "targets met (1 connection: ratio ≥ 0.70, overhead < 0.3 ms)" : "targets missed: " + failedTargets.joined(separator: ", "))
