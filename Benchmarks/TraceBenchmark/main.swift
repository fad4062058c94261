// `repairctl traces` on logs a real server printed, from 10 MB to 1 GB, beside a Python regex
// pass over the same file measured in the same run; with the peak memory of each.
//
//   swift run -c release TraceBenchmark [sizes in MB=10,100,1000]
//
// The logs are what uvicorn printed for the library FastAPI fixture (Tests/Fixtures/apps/
// library-fastapi), captured at the start of the run and repeated to each size:
//   - dense: every request crashes (an access line, then a 60-line traceback through
//     Starlette's middleware and the app);
//   - sparse: two thousand answered requests for every few crashes.
// Targets (issues 3 and 17): ≥ 100 MB/s on the dense log at the largest size (the smaller
// ones include the start of the process), every trace found (one per 500 in the access
// log), and peak memory at the largest size within 16 MB of that at the smallest. The regex
// pass counts `Traceback` lines, two for a chained exception, which is one trace.
import Foundation
import Logging
import RepairKit
import RepairTestSupport

BenchmarkSupport.quietLogging(.error)

let sizes =
    CommandLine.arguments.dropFirst().first.map { $0.split(separator: ",").compactMap { Int($0) } } ?? [10, 100, 1000]
let repairctl = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    .appendingPathComponent("repairctl")
guard FileManager.default.isExecutableFile(atPath: repairctl.path) else {
    fatalError("\(repairctl.path) is missing: scripts/bench-traces builds it")
}
let python = FixtureApps.frameworkBin.appendingPathComponent("python")
let seconds = BenchmarkSupport.seconds

let directory = try TemporaryDirectory(prefix: "trace-bench")
defer { directory.remove() }

/// What uvicorn printed while the fixture answered `scenarios` (names from its plan, each
/// repeated as many times as given).
func capture(_ scenarios: [(name: String, times: Int)]) async throws -> Data {
    let app = try FixtureApps.copy("library-fastapi")
    defer { app.remove() }
    let planURL = app.url.appendingPathComponent("smoke_test_plan.json")
    var plan = try require(JSONSerialization.jsonObject(with: Data(contentsOf: planURL)) as? [String: Any])
    let byName = Dictionary(
        uniqueKeysWithValues: (plan["scenarios"] as? [[String: Any]] ?? []).map { ($0["name"] as? String ?? "", $0) })
    var chosen: [[String: Any]] = []
    for (name, times) in scenarios {
        let scenario = try require(byName[name])
        for index in 0..<times {
            var copy = scenario
            copy["name"] = "\(name)_\(index)"
            chosen.append(copy)
        }
    }
    plan["scenarios"] = chosen.shuffled()
    try JSONSerialization.data(withJSONObject: plan).write(to: planURL)
    let inputs = try SmokeInputs.load(appDirectory: app.url, environment: [:])
    var config = inputs.config
    config.app.env.merge(try FixtureApps.frameworkEnvironment()) { _, new in new }
    let run = try await SmokePass(
        appDirectory: app.url, config: config, plan: inputs.plan, planFile: inputs.planFile,
        logger: Logger(label: "bench")
    ).run()
    return try Data(contentsOf: run.runDirectory.appendingPathComponent("app.log"))
}

func require<T>(_ value: T?, _ what: String = "a value") throws -> T {
    guard let value else { throw CocoaError(.coderValueNotFound, userInfo: [NSLocalizedDescriptionKey: "no \(what)"]) }
    return value
}

/// `piece` repeated to at least `megabytes` MB.
func tile(_ piece: Data, megabytes: Int, to url: URL) throws -> (bytes: Int, copies: Int) {
    FileManager.default.createFile(atPath: url.path, contents: nil)
    let handle = try FileHandle(forWritingTo: url)
    defer { try? handle.close() }
    var block = Data()
    while block.count < 8 << 20 { block.append(piece) }
    let perBlock = block.count / piece.count
    let target = megabytes * 1_000_000
    var written = 0, copies = 0
    while written + block.count <= target {
        try handle.write(contentsOf: block)
        written += block.count
        copies += perBlock
    }
    while written < target {
        try handle.write(contentsOf: piece)
        written += piece.count
        copies += 1
    }
    return (written, copies)
}

/// Runs a command under GNU time: wall seconds, peak resident MB, and the end of what it
/// printed (its output is read as it comes and not kept).
func measure(_ executable: URL, _ arguments: [String]) throws -> (seconds: Double, peak: Double, tail: String) {
    let stats = directory.url.appendingPathComponent("time.txt")
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/time")
    process.arguments = ["-f", "%M", "-o", stats.path, executable.path] + arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    let started = ContinuousClock.now
    try process.run()
    var tail: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 1 << 20)
    let descriptor = output.fileHandleForReading.fileDescriptor
    while true {
        let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        if count < 0 && errno == EINTR { continue }
        if count <= 0 { break }
        tail.append(contentsOf: buffer[max(0, count - 256)..<count])
        if tail.count > 512 { tail.removeFirst(tail.count - 256) }
    }
    process.waitUntilExit()
    let elapsed = seconds(ContinuousClock.now - started)
    guard process.terminationStatus == 0 else {
        throw CocoaError(
            .executableLoad, userInfo: [NSLocalizedDescriptionKey: "\(executable.lastPathComponent) failed"])
    }
    let kilobytes =
        Double(try String(contentsOf: stats, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)) ?? .nan
    return (elapsed, kilobytes / 1024, String(decoding: tail, as: UTF8.self))
}

let regexPass = directory.url.appendingPathComponent("regex_pass.py")
try Data(
    """
    import re, sys
    pattern = re.compile(rb'^Traceback \\(most recent call last\\):', re.M)
    count = 0
    with open(sys.argv[1], 'rb') as f:
        while True:
            chunk = f.read(1 << 20)
            if not chunk:
                break
            count += len(pattern.findall(chunk))
    print(count)

    """.utf8
).write(to: regexPass)

let crashes = ["get_member", "create_book", "get_loan_not_found", "create_member_duplicate_email"]
let dense = try await capture(crashes.map { ($0, 60) })
let sparse = try await capture([("list_books", 1000), ("get_author", 1000)] + crashes.map { ($0, 2) })
print(
    "TraceBenchmark: uvicorn's output for the library FastAPI fixture, captured now (dense \(dense.count / 1000) KB, sparse \(sparse.count / 1000) KB) and repeated to each size"
)
print("  log          size   python regex pass (baseline)     repairctl traces --json         ratio   traces")

var missed: [String] = []
for (kind, piece) in [("dense", dense), ("sparse", sparse)] {
    let one = directory.url.appendingPathComponent("\(kind)-one.log")
    try piece.write(to: one)
    // Each crash is one 500 in uvicorn's access log and one trace.
    let perPiece =
        String(decoding: piece, as: UTF8.self).components(separatedBy: "\" 500 Internal Server Error").count - 1
    var peaks: [Double] = []
    for megabytes in sizes {
        let log = directory.url.appendingPathComponent("\(kind)-\(megabytes).log")
        let (bytes, copies) = try tile(piece, megabytes: megabytes, to: log)
        let size = Double(bytes) / 1_000_000
        let baseline = try measure(python, [regexPass.path, log.path])
        let command = try measure(repairctl, ["traces", log.path, "--json"])
        try FileManager.default.removeItem(at: log)
        let found =
            command.tail.components(separatedBy: "\"count\" : ").last.flatMap {
                Int($0.prefix { $0.isNumber })
            } ?? -1
        let pythonCount = Int(baseline.tail.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        let rate = size / command.seconds
        peaks.append(command.peak)
        print(
            String(
                format: "  %-7@ %7.0f MB   %6.1f MB/s, %6.1f MB peak   %6.1f MB/s, %6.1f MB peak   %5.2f   %d of %d",
                kind, size, size / baseline.seconds, baseline.peak, rate, command.peak,
                baseline.seconds / command.seconds, found, perPiece * copies))
        if found != perPiece * copies {
            missed.append("\(kind) \(megabytes) MB: found \(found) of \(perPiece * copies)")
        }
        if pythonCount < found { missed.append("\(kind) \(megabytes) MB: the regex pass counted \(pythonCount)") }
        if kind == "dense" && megabytes == sizes.last && rate < 100 {
            missed.append(String(format: "dense %d MB: %.1f MB/s < 100", megabytes, rate))
        }
    }
    if let first = peaks.first, let last = peaks.last, last - first > 16 {
        missed.append(String(format: "%@: peak memory grew %.1f MB with the log", kind, last - first))
    }
}
print(
    missed.isEmpty
        ? "targets met (≥ 100 MB/s on the dense log at \(sizes.last ?? 0) MB, every trace found, memory flat from \(sizes.first ?? 0) MB to \(sizes.last ?? 0) MB)"
        : "targets missed: " + missed.joined(separator: ", "))
