import Foundation
import RepairKit
import RepairTestSupport
import Testing

/// Traces as real runtimes printed them (`Tests/Fixtures/logs/`, renewed by
/// `scripts/capture-trace-logs` from the programs in `sources/`).
@Suite struct CapturedTraceTests {
    func traces(_ name: String) throws -> [StackTrace] {
        let url = FixtureApps.repositoryRoot.appendingPathComponent("Tests/Fixtures/logs/\(name)")
        return TraceScanner.traces(in: try String(contentsOf: url, encoding: .utf8))
    }

    /// The JDK's RemoteException ends its message with `nested exception is:` and prints the
    /// cause on the next line: one exception, and the outer one stays the type.
    @Test func javaNestedExceptionKeepsTheOuterType() throws {
        let found = try traces("java-remote-nested.log")
        #expect(found.count == 1)
        let trace = try #require(found.first)
        #expect(trace.exceptionType == "java.rmi.RemoteException")
        #expect(
            trace.message == "inventory reservation failed for SKU-1042; nested exception is: "
                + "java.io.IOException: Connection refused to host: inventory.internal")
        #expect(trace.startLine == 1)
        #expect(trace.frames.map(\.function) == ["OrderLookup.reserve", "OrderLookup.main"])
        #expect(trace.cause?.exceptionType == "java.io.IOException")
    }

    /// Ruby 3.1's error_highlight prints the code and a caret line between the exception and
    /// its first `from` frame: still one trace.
    @Test func rubyErrorHighlightStaysInsideTheTrace() throws {
        let found = try traces("ruby-error-highlight.log")
        #expect(found.count == 1)
        let trace = try #require(found.first)
        #expect(trace.exceptionType == "NoMethodError")
        #expect(trace.message == "undefined method `id' for nil:NilClass")
        #expect(
            trace.frames.map { "\($0.file):\($0.line ?? 0) \($0.function)" } == [
                "orders.rb:9 show", "orders.rb:13 <main>",
            ])
    }

    /// Mono with debug information: `at NS.Type.Method (args) [0x0000f] in /path/File.cs:12`.
    @Test func monoFramesHaveTheirFileAndLine() throws {
        let found = try traces("mono-debug.log")
        #expect(found.count == 1)
        let trace = try #require(found.first)
        #expect(trace.language == .dotnet)
        #expect(trace.exceptionType == "System.Collections.Generic.KeyNotFoundException")
        #expect(
            trace.frames.map(\.function) == [
                "System.Collections.Generic.Dictionary`2[TKey,TValue].get_Item",
                "Shop.Services.InventoryService.Reserve", "Shop.Services.Program.Main",
            ])
        #expect(trace.frames[0].file.isEmpty, "no debug information: no file")
        #expect(trace.frames[1].file.hasSuffix("/Inventory.cs") && trace.frames[1].line == 12)
    }
}
