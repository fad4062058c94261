// Executor throughput beside a plain libcurl keep-alive loop, measured in the same run against
// the same endpoint of a small C epoll server (Benchmarks/BenchHTTP), so that neither the
// server nor the baseline is the bottleneck.
//
//   swift run -c release SmokeBenchmark [scenarios=20000] [rounds=3]
//
// Targets (issues 2 and 17): the executor at ≥ 0.7 × the loop with one connection, and with
// four (concurrency 4 is parallel); voluntary context switches per request are printed to
// show whether each request still hops between threads.
import Foundation
import Logging
import RepairKit
import RepairTestSupport

BenchmarkSupport.quietLogging(.warning)

let arguments = CommandLine.arguments.dropFirst()
let count = arguments.first.flatMap { Int($0) } ?? 20_000
let rounds = arguments.dropFirst().first.flatMap { Int($0) } ?? 3
let seconds = BenchmarkSupport.seconds
let benchHTTP = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    .appendingPathComponent("BenchHTTP")

struct Failure: Error, CustomStringConvertible { var description: String }

/// The C server; it exits when its standard input closes.
let server = Process()
server.executableURL = benchHTTP
server.arguments = ["serve"]
let serverInput = Pipe(), serverOutput = Pipe()
server.standardInput = serverInput
server.standardOutput = serverOutput
try server.run()
let portLine = String(
    decoding: serverOutput.fileHandleForReading.availableData.prefix { $0 != 0x0A }, as: UTF8.self)
guard let port = Int(portLine) else { throw Failure(description: "BenchHTTP printed no port: \(portLine)") }
defer { try? serverInput.fileHandleForWriting.close() }
let baseURL = "http://127.0.0.1:\(port)"

/// Voluntary context switches of this process (all its threads) so far.
func contextSwitches() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return usage.ru_nvcsw
}

/// The libcurl loop: seconds for `count` fetches over `connections` kept-alive connections,
/// and its voluntary context switches (GNU time).
func loop(connections: Int) throws -> (seconds: Double, switches: Int) {
    let stats = FileManager.default.temporaryDirectory.appendingPathComponent("bench-smoke-\(getpid()).txt")
    defer { try? FileManager.default.removeItem(at: stats) }
    let outcome = try CommandRunner.runBlocking(
        URL(fileURLWithPath: "/usr/bin/time"),
        ["-f", "%w", "-o", stats.path, benchHTTP.path, "loop", baseURL + "/ok", String(count), String(connections)])
    guard outcome.status == 0,
        let elapsed = Double(outcome.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines))
    else { throw Failure(description: "the libcurl loop failed: \(outcome.standardError)") }
    let switches =
        Int(try String(contentsOf: stats, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    return (elapsed, switches)
}

func executorRun(concurrency: Int) async throws -> (seconds: Double, switches: Int) {
    let scenario = Scenario(index: 0, endpoint: Endpoint("GET /ok")!, name: "ok", expectedStatus: [200])
    let scenarios = (0..<count).map { index in
        var copy = scenario
        copy.index = index
        copy.name = "ok_\(index)"
        return copy
    }
    let executor = SmokeExecutor(baseURL: baseURL, requestTimeout: .seconds(10), concurrency: concurrency)
    let switchesBefore = contextSwitches()
    let started = ContinuousClock.now
    let results = try await executor.run(scenarios)
    let elapsed = seconds(ContinuousClock.now - started)
    guard results.count == count, results.allSatisfy(\.passed) else {
        throw Failure(description: "the executor's run had failures")
    }
    return (elapsed, contextSwitches() - switchesBefore)
}

print("SmokeBenchmark: \(count) scenarios against \(baseURL)/ok (a C epoll server), best of \(rounds) rounds")
_ = try loop(connections: 1)
_ = try await executorRun(concurrency: 1)

var failedTargets: [String] = []
for concurrency in [1, 4] {
    var baseline = (seconds: Double.infinity, switches: 0), executor = (seconds: Double.infinity, switches: 0)
    for _ in 0..<rounds {
        let measuredLoop = try loop(connections: concurrency)
        if measuredLoop.seconds < baseline.seconds { baseline = measuredLoop }
        let measuredExecutor = try await executorRun(concurrency: concurrency)
        if measuredExecutor.seconds < executor.seconds { executor = measuredExecutor }
    }
    let ratio = baseline.seconds / executor.seconds
    let overhead = (executor.seconds - baseline.seconds) / Double(count) * 1_000_000
    let label = concurrency == 1 ? "1 connection " : "\(concurrency) connections"
    print(
        String(
            format:
                "  %@  libcurl loop %7.0f requests/s (%.2f switches/request)   executor %7.0f scenarios/s (%.2f switches/scenario)   ratio %.2f   overhead %+.1f µs/scenario",
            label, Double(count) / baseline.seconds, Double(baseline.switches) / Double(count),
            Double(count) / executor.seconds, Double(executor.switches) / Double(count), ratio, overhead))
    if ratio < 0.7 {
        failedTargets.append(String(format: "%@: ratio %.2f < 0.70", label.trimmingCharacters(in: .whitespaces), ratio))
    }
}
print(
    failedTargets.isEmpty
        ? "targets met (ratio ≥ 0.70 with 1 and 4 connections)"
        : "targets missed: " + failedTargets.joined(separator: ", "))
