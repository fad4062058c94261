import Foundation
import RepairTestSupport
import Testing

@testable import RepairKit

/// Source files as generators and editors leave them: Windows and mixed line endings, and
/// symlinks inside the app.
@Suite struct FilesAsTheyAreTests {
    func setUp() throws -> (TemporaryDirectory, PatchPlacement, URL) {
        let app = try FixtureApps.copy("shop-api")
        let config = try RepairConfig.load(appDirectory: app.url, environment: [:])
        let placement = PatchPlacement(guardian: PatchGuard(appDirectory: app.url, config: config))
        return (app, placement, app.url.appendingPathComponent("shop/services.py"))
    }

    func crlf(_ text: String) -> String { text.replacingOccurrences(of: "\n", with: "\r\n") }

    @Test func aCRLFFileIsPatchedAndWrittenBackWithItsOwnEndings() throws {
        let (app, placement, services) = try setUp()
        defer { app.remove() }
        let original = try String(contentsOf: services, encoding: .utf8)
        try Data(crlf(original).utf8).write(to: services)
        let fix = try #require(ShopFixes.keyError.first)

        let placed = try placement.place(try PatchParser.parse(ShopFixes.searchReplace(ShopFixes.keyError))).get()
        #expect(!placed.diff.contains("\r"), "the diff is the change, not the endings")
        let change = try Workspace(appDirectory: app.url).apply(placed.contents)
        let written = try #require(String(data: try Data(contentsOf: services), encoding: .utf8))
        #expect(written == crlf(original.replacingOccurrences(of: fix.1, with: fix.2)))
        try Workspace(appDirectory: app.url).rollback(change)
        #expect(try Data(contentsOf: services) == Data(crlf(original).utf8))
    }

    @Test func aMixedEndingsFileKeepsEachLinesEndingAndNewLinesTakeTheCommonOne() throws {
        let (app, placement, services) = try setUp()
        defer { app.remove() }
        let lines = try String(contentsOf: services, encoding: .utf8).split(
            separator: "\n", omittingEmptySubsequences: false)
        // Every third line ends in "\n", the rest in "\r\n".
        var mixed = ""
        for (index, line) in lines.enumerated() {
            mixed += line
            if index < lines.count - 1 { mixed += index % 3 == 0 ? "\n" : "\r\n" }
        }
        try Data(mixed.utf8).write(to: services)
        let patch = """
            shop/services.py
            ```python
            <<<<<<< SEARCH
            \(ShopFixes.keyError[0].1)
            =======
            \(ShopFixes.keyError[0].2)
                # checked by the schema
            >>>>>>> REPLACE
            ```
            """
        let placed = try placement.place(try PatchParser.parse(patch)).get()
        let text = try #require(placed.contents.first?.text)
        let written = text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        let before = mixed.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        #expect(written.count == before.count + 1)
        let changedAt = try #require(lines.firstIndex { $0 == ShopFixes.keyError[0].1 })
        for index in 0..<before.count where index != changedAt {
            let after = index < changedAt ? written[index] : written[index + 1]
            #expect(Array(after) == Array(before[index]), "line \(index + 1) kept its bytes and its ending")
        }
        #expect(written[changedAt + 1].last == UInt8(ascii: "\r"), "the new line takes the file's common ending")
    }

    @Test func aCRLFFileIsShownWithItsRealLines() throws {
        let (app, _, services) = try setUp()
        defer { app.remove() }
        let original = try String(contentsOf: services, encoding: .utf8)
        try Data(crlf(original).utf8).write(to: services)
        let number =
            try #require(
                original.split(separator: "\n", omittingEmptySubsequences: false).firstIndex {
                    $0 == ShopFixes.keyError[0].1
                }) + 1
        let locator = SourceLocator(appDirectory: app.url)
        let location = locator.location(
            of: StackFrame(file: services.path, line: number, function: "create_order"), note: "raised here")
        #expect(location.text == ShopFixes.keyError[0].1.trimmingCharacters(in: .whitespaces))
        #expect(
            SourceText.lines(try #require(SourceText.read(services))).count
                == original.split(separator: "\n", omittingEmptySubsequences: false).count)
    }

    @Test func aPatchToALinkEditsItsTargetAndRollbackKeepsTheLink() throws {
        let (app, placement, services) = try setUp()
        defer { app.remove() }
        let link = app.url.appendingPathComponent("shop/services_link.py")
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: "services.py")
        try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: services.path)
        let before = try Data(contentsOf: services)
        let answer = ShopFixes.searchReplace(ShopFixes.keyError).replacingOccurrences(
            of: "shop/services.py", with: "shop/services_link.py")
        let placed = try placement.place(try PatchParser.parse(answer)).get()
        let workspace = Workspace(appDirectory: app.url)
        let change = try workspace.apply(placed.contents)
        #expect(change.paths == ["shop/services.py"], "the link's target was written")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link.path) == "services.py")
        #expect(try Data(contentsOf: services) != before)
        try workspace.rollback(change)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link.path) == "services.py")
        #expect(try Data(contentsOf: services) == before)
        let mode = try FileManager.default.attributesOfItem(atPath: services.path)[.posixPermissions] as? Int
        #expect(mode == 0o640)
    }

    @Test func aLinkToAProtectedFileIsRefused() throws {
        let (app, placement, _) = try setUp()
        defer { app.remove() }
        let link = app.url.appendingPathComponent("shop/settings.py")
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: "../repair.toml")
        let answer = "shop/settings.py\n```\n<<<<<<< SEARCH\nversion = 1\n=======\nversion = 2\n>>>>>>> REPLACE\n```\n"
        guard case .failure(let failure) = placement.place(try PatchParser.parse(answer)) else {
            Issue.record("a patch through a link to repair.toml was placed")
            return
        }
        #expect(failure.rule == PatchError.Rule.protected.rawValue, "\(failure.detail)")
    }
}
