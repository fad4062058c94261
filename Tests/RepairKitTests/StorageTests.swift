import Foundation
import RepairTestSupport
import Testing

@testable import RepairKit

#if canImport(Glibc)
    import Glibc
#endif

/// Output and disk: what an app prints is bounded in memory and on disk, and a full disk is
/// an error that stops cleanly, never a crash and never an app bug to repair.
@Suite struct StorageTests {
    func feed(_ capture: OutputCapture, _ bytes: [UInt8]) {
        bytes.withUnsafeBytes { capture.append($0) }
    }

    @Test func aLogOnAFullDeviceIsAWriteFailureNotACrash() throws {
        // /dev/full fails every write with ENOSPC, as a full disk does.
        let capture = try OutputCapture(logURL: URL(fileURLWithPath: "/dev/full"))
        feed(capture, Array("first line\nsecond line\n".utf8))
        capture.finish()
        let failure = try #require(capture.writeFailure)
        #expect(failure.reason == String(cString: strerror(ENOSPC)), "\(failure)")
        #expect(capture.tail(5).map(\.text) == ["first line", "second line"], "lines are still read")
    }

    @Test func aLineWithNoNewlineIsCutAtTheLineLimit() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let capture = try OutputCapture(logURL: directory.url.appendingPathComponent("app.log"), lineLimit: 1024)
        let chunk = [UInt8](repeating: UInt8(ascii: "x"), count: 64 * 1024)
        for _ in 0..<32 { feed(capture, chunk) }  // 2 MiB on one line
        feed(capture, Array("\nnext\n".utf8))
        capture.finish()
        let lines = capture.tail(5)
        #expect(lines.count == 2)
        let first = try #require(lines.first?.text)
        #expect(
            first.hasPrefix(String(repeating: "x", count: 1024) + " … [\(2 * 1024 * 1024 - 1024) bytes"),
            "\(first.suffix(80))")
        #expect(first.utf8.count < 1200, "memory holds the limit, not the line")
        #expect(lines.last?.text == "next")
    }

    @Test func theLogKeepsItsCapAndNotesWhatItDropped() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let url = directory.url.appendingPathComponent("app.log")
        let capture = try OutputCapture(logURL: url, logLimit: 10_000)
        let line = Array((String(repeating: "y", count: 99) + "\n").utf8)
        for _ in 0..<1_000 { feed(capture, line) }  // 100,000 bytes
        capture.finish()
        let text = try String(contentsOf: url, encoding: .utf8)
        #expect(text.hasPrefix(String(decoding: line, as: UTF8.self)))
        #expect(
            text.contains("[repaird: 90000 more bytes of output were not kept: this log holds at most 10000 bytes]"))
        #expect(text.utf8.count < 10_200)
        #expect(capture.droppedBytes == 90_000)
        #expect(capture.writeFailure == nil)
    }

    @Test func tooLittleFreeSpaceIsRefusedNamingTheFolder() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let error = #expect(throws: StorageError.self) {
            try StorageError.ensureSpace(at: directory.url.appendingPathComponent(".repair/runs"), minimum: .max)
        }
        #expect(error?.path == directory.url.appendingPathComponent(".repair/runs").path)
        #expect(error?.reason.contains("are free on its file system") == true, "\(String(describing: error))")
        try StorageError.ensureSpace(at: directory.url, minimum: 1)
    }

    /// A real nearly full file system (a small tmpfs; mounting needs root, which CI has):
    /// `once` stops with exit 3 before the app starts, asks no LLM, changes nothing.
    @Test(.enabled(if: getuid() == 0, "mounting a small file system needs root"))
    func onANearlyFullDiskOnceStopsWithoutAskingTheLLM() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let mountPoint = directory.url.appendingPathComponent("small")
        try FileManager.default.createDirectory(at: mountPoint, withIntermediateDirectories: true)
        let mounted = try await CommandRunner.run(
            URL(fileURLWithPath: "/bin/mount"), ["-t", "tmpfs", "-o", "size=24m", "tmpfs", mountPoint.path])
        try #require(mounted.status == 0, "mount: \(mounted.standardError)")
        defer { _ = try? CommandRunner.runBlocking(URL(fileURLWithPath: "/bin/umount"), ["-l", mountPoint.path]) }

        let source = try FixtureApps.copy("shop-api")
        defer { source.remove() }
        let app = mountPoint.appendingPathComponent("shop-api")
        try FileManager.default.copyItem(at: source.url, to: app)
        let before = try Data(contentsOf: app.appendingPathComponent("shop/services.py"))
        // Leave about 4 MiB free: the app's own writes would fail soon.
        try Data(count: 19 << 20).write(to: mountPoint.appendingPathComponent("filler"))

        let server = try await TestLLMServer.start(
            [["content": ShopFixes.searchReplace(ShopFixes.keyError)]], in: directory)
        let environment = server.repairEnvironment(store: directory.url.appendingPathComponent("store.sqlite"))
        let once = try await CommandRunner.run(CommandRunner.repairctl, ["once", app.path], environment: environment)
        await server.stop()
        #expect(once.status == 3, "\(once.standardError)")
        #expect(once.standardError.contains("are free on its file system"), "\(once.standardError)")
        #expect(server.requests().isEmpty, "no LLM was asked about a full disk")
        #expect(try Data(contentsOf: app.appendingPathComponent("shop/services.py")) == before)
    }
}
