// Trace scanning throughput on a large mixed log beside `wc -l` over the same file, and
// peak memory after a small and a large file (it must not grow with the file).
//
//   swift run -c release TraceBenchmark [megabytes=200]
//
// Target (issue 3): at least 50 MB/s on one core; memory that does not grow with the file.
import Foundation
import RepairKit
import RepairTestSupport

let megabytes = CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 200

/// Writes a log of about `megabytes` MB: uvicorn and common-log access lines, info lines,
/// and every few hundred lines a Python, Java or Node trace (some with level prefixes).
func writeLog(to url: URL, megabytes: Int) throws -> Int {
    _ = FileManager.default.createFile(atPath: url.path, contents: nil)
    let handle = try FileHandle(forWritingTo: url)
    defer { try? handle.close() }
    let traces = [
        """
        ERROR:    Exception in ASGI application (request_id=5c1f6a2e-8d1b-4f4e-9a51-3b7e2f0c9d11)
        Traceback (most recent call last):
          File "/srv/app/shop/routes.py", line 22, in create_product
            return Response(201, services.create_product(payload))
          File "/srv/app/shop/services.py", line 25, in create_product
            name=payload["product_name"],
        KeyError: 'product_name'
        """,
        """
        2024-05-01 10:00:00.123 ERROR 812 --- [nio-8080-exec-3] o.a.c.c.C.[dispatcherServlet] : Servlet.service() threw exception
        java.lang.NullPointerException: Cannot invoke "com.acme.Item.price()" because "item" is null
        \tat com.acme.shop.CartService.total(CartService.java:42)
        \tat com.acme.shop.CartController.show(CartController.java:17)
        \tat org.springframework.web.servlet.FrameworkServlet.service(FrameworkServlet.java:883)
        \t... 48 more
        """,
        """
        [notes] request 1f3ca82e-b1c3-4d7b-b584-46b5ad5db6f5 failed
        TypeError: Cannot read properties of undefined (reading 'id')
            at summarize (/srv/notes/src/notes-controller.js:5:21)
            at Object.show [as handler] (/srv/notes/src/notes-controller.js:14:24)
            at process.processTicksAndRejections (node:internal/process/task_queues:95:5)
        """,
    ].map { Data(($0 + "\n").utf8) }
    var chunk = Data()
    var written = 0, traceCount = 0, line = 0
    let target = megabytes * 1_000_000
    while written < target {
        line += 1
        if line % 400 == 0 {
            chunk.append(traces[traceCount % traces.count])
            traceCount += 1
        } else if line % 3 == 0 {
            chunk.append(Data("127.0.0.1 - - [01/May/2024:10:00:\(line % 60) +0000] \"GET /products/\(line) HTTP/1.1\" 200 \(line % 9000)\n".utf8))
        } else if line % 7 == 0 {
            chunk.append(Data("2024-05-01T10:00:00.000Z INFO  cache warmed in \(line % 97) ms for tenant \(line % 13)\n".utf8))
        } else {
            chunk.append(Data("INFO:     127.0.0.1:\(40000 + line % 2000) - \"POST /orders?page=\(line % 50) HTTP/1.1\" 201 Created\n".utf8))
        }
        if chunk.count > 1 << 20 {
            handle.write(chunk)
            written += chunk.count
            chunk.removeAll(keepingCapacity: true)
        }
    }
    handle.write(chunk)
    return traceCount
}

let seconds = BenchmarkSupport.seconds

let peakMemoryMegabytes = BenchmarkSupport.peakMemoryMegabytes

func scan(_ url: URL) throws -> (traces: Int, seconds: Double) {
    var count = 0
    let started = ContinuousClock.now
    try TraceScanner.traces(inFile: url) { _ in count += 1 }
    return (count, seconds(ContinuousClock.now - started))
}

let directory = try TemporaryDirectory(prefix: "trace-bench")
defer { directory.remove() }
let small = directory.url.appendingPathComponent("small.log")
let large = directory.url.appendingPathComponent("large.log")
let smallMegabytes = max(1, megabytes / 4)
_ = try writeLog(to: small, megabytes: smallMegabytes)
let planted = try writeLog(to: large, megabytes: megabytes)
let size = Double((try FileManager.default.attributesOfItem(atPath: large.path)[.size] as? Int) ?? 0) / 1_000_000
print(String(format: "TraceBenchmark: %.0f MB log with %d planted traces", size, planted))

let baseMemory = peakMemoryMegabytes()
let smallRun = try scan(small)
let memoryAfterSmall = peakMemoryMegabytes()
let started = ContinuousClock.now
let wc = try await CommandRunner.run(URL(fileURLWithPath: "/usr/bin/wc"), ["-l", large.path])
let wcSeconds = seconds(ContinuousClock.now - started)
let largeRun = try scan(large)
let memoryAfterLarge = peakMemoryMegabytes()

print(String(format: "  wc -l (baseline)    %8.1f MB/s   (%@ lines)", size / wcSeconds, wc.standardOutput.split(separator: " ").first.map(String.init) ?? "?"))
print(String(format: "  trace scanner       %8.1f MB/s   %d traces found   ratio to wc %.2f", size / largeRun.seconds, largeRun.traces, wcSeconds / largeRun.seconds))
print(String(format: "  peak memory         %.1f MB before, %.1f MB after %d MB, %.1f MB after %.0f MB", baseMemory, memoryAfterSmall, smallMegabytes, memoryAfterLarge, size))
let rate = size / largeRun.seconds
let grew = memoryAfterLarge - memoryAfterSmall
var missed: [String] = []
if largeRun.traces != planted { missed.append("found \(largeRun.traces) of \(planted) traces") }
if rate < 50 { missed.append(String(format: "%.1f MB/s < 50", rate)) }
if grew > 16 { missed.append(String(format: "memory grew %.1f MB with the file", grew)) }
_ = smallRun
print(missed.isEmpty ? "targets met (≥ 50 MB/s, every trace found, memory flat)" : "targets missed: " + missed.joined(separator: ", "))
