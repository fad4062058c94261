// Fills a learning store with what repaird learns on its fixture corpus: the example app and
// the Node notes app healed against the scripted LLM server, and one fix that breaks another
// endpoint (a GRAVEYARD lesson). scripts/learn-corpus then exports the store with
// `repairctl patterns export` and `repairctl graveyard export`.
//
//   swift run LearnCorpus STORE_FILE
import Foundation
import Logging
import RepairKit
import RepairTestSupport

LoggingSystem.bootstrap { label in
    var handler = StreamLogHandler.standardError(label: label)
    handler.logLevel = .warning
    return handler
}

guard CommandLine.arguments.count == 2 else {
    FileHandle.standardError.write(Data("usage: LearnCorpus STORE_FILE\n".utf8))
    exit(2)
}
let store = try RepairDatabase.open(at: URL(fileURLWithPath: CommandLine.arguments[1]))
let work = try TemporaryDirectory(prefix: "learn-corpus")
defer { work.remove() }

/// Copies a fixture app under a stable name (the exported files name the apps they healed).
func stableCopy(_ name: String) throws -> URL {
    let copy = try FixtureApps.copy(name)
    let target = work.url.appendingPathComponent(name)
    try FileManager.default.moveItem(at: copy.url, to: target)
    return target
}

func heal(_ app: URL, answers: [String], maxIterations: Int = 3) async throws -> HealReport {
    let server = try await TestLLMServer.start(answers.map { ["content": $0] }, in: work)
    var settings = RepairConfig.LLM()
    settings.primary.provider = "ollama"
    settings.primary.baseURL = server.baseURL + "/v1"
    settings.primary.model = "scripted"
    // The answers are scripted in the order the groups are asked: one at a time keeps that order.
    let inputs = try SmokeInputs.load(
        appDirectory: app, overrides: ["repair.max_iterations=\(maxIterations)", "llm.concurrency=1"], environment: [:])
    let report = try await HealCycle(
        appDirectory: app, config: inputs.config, plan: inputs.plan, planFile: inputs.planFile,
        llm: try LLMService(config: settings, environment: [:], cache: nil), store: store,
        logger: Logger(label: "learn-corpus")
    ).run()
    await server.stop()
    return report
}

// A fix that heals POST /products but breaks listing: rolled back, and buried.
let breaking = ShopFixes.breakingListing
let shop = try stableCopy("shop-api")
let first = try await heal(shop, answers: [breaking], maxIterations: 1)
print(
    "shop-api, a breaking answer: \(first.iterations.flatMap(\.attempts).map(\.outcome.rawValue).sorted().joined(separator: ", "))"
)

let fresh = try stableCopy("notes-node")
let shopAgain = work.url.appendingPathComponent("shop-api")
try FileManager.default.removeItem(at: shopAgain)
let healedShop = try stableCopy("shop-api")
let shopAnswers = try [
    ShopFixes.notFound, ShopFixes.keyError, ShopFixes.route, ShopFixes.validation, ShopFixes.created,
]
.map { try ShopFixes.diff($0, in: healedShop) }
let shopReport = try await heal(healedShop, answers: shopAnswers)
print("shop-api: healed \(shopReport.healed), \(shopReport.llmCalls) LLM calls")
let notesAnswers = try [NotesFixes.missing, NotesFixes.patchRoute, NotesFixes.created].map {
    try ShopFixes.diff($0, in: fresh)
}
let notesReport = try await heal(fresh, answers: notesAnswers)
print("notes-node: healed \(notesReport.healed), \(notesReport.llmCalls) LLM calls")
