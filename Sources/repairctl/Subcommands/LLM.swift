import ArgumentParser
import Foundation
import RepairKit

/// `repairctl llm check [APP_DIR]`: which LLM repaird would ask, and whether it answers.
struct LLMCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "llm",
        abstract: "Show which LLM repaird would ask, and check that it answers.",
        subcommands: [Check.self]
    )

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the LLM is reachable and takes the key, without spending a token.",
            discussion: """
                Reads [llm] from APP_DIR/repair.toml (and REPAIR_LLM_*), or, with no [llm], the \
                providers' standard variables: OPENAI_API_KEY / OPENAI_BASE_URL / OPENAI_MODEL; \
                AZURE_OPENAI_API_KEY with AZURE_OPENAI_ENDPOINT and AZURE_OPENAI_DEPLOYMENT; \
                ANTHROPIC_API_KEY / ANTHROPIC_MODEL; OLLAMA_HOST / OLLAMA_MODEL — the first that \
                applies. Then asks each endpoint (primary, then fallback) for its model list (an \
                Azure deployment: a chat request with no messages), which costs nothing.

                Exit codes: 0 every endpoint is usable, 1 one is not (unreachable, or the key was \
                refused), 2 no LLM is configured or its settings are incomplete.
                """
        )

        @Argument(
            help: "An app directory (its repair.toml's [llm]); without it, the environment alone.",
            completion: .directory)
        var appDirectory: String?

        @Flag(help: "Print JSON: provider, model, base_url, origin and each endpoint's check.")
        var json = false

        func run() async throws {
            let settings: RepairConfig.LLM
            do {
                if let appDirectory {
                    settings = try RepairConfig.load(appDirectory: URL(fileURLWithPath: appDirectory)).llm
                } else {
                    settings = try RepairConfig.llmSettings(configFile: nil)
                }
            } catch {
                Terminal.error(error.description)
                throw ExitCodes.badInput
            }
            guard settings.isConfigured else {
                let hint = LLMConvention.incomplete(in: ProcessInfo.processInfo.environment).map { " (\($0))" } ?? ""
                Terminal.error(
                    "no LLM is configured\(hint): set OPENAI_API_KEY, ANTHROPIC_API_KEY, OLLAMA_HOST or the Azure trio, "
                        + "or add [llm] to repair.toml")
                throw ExitCodes.badInput
            }
            let service: LLMService
            do { service = try LLMService(config: settings, cache: nil) } catch {
                Terminal.error(error.description)
                throw ExitCodes.badInput
            }
            let results = await service.check()
            let origin = settings.origin ?? (appDirectory == nil ? "from REPAIR_LLM_*" : "from [llm] in repair.toml")
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                struct Answer: Encodable {
                    var origin: String
                    var usable: Bool
                    var endpoints: [LLMService.EndpointCheck]
                }
                let answer = Answer(origin: origin, usable: results.allSatisfy(\.usable), endpoints: results)
                try Terminal.result(encoder.encode(answer))
                print()
            } else {
                for (index, result) in results.enumerated() {
                    let role = index == 0 ? "LLM" : "fallback"
                    let source = index == 0 ? " (\(origin))" : ""
                    let model = result.model.isEmpty ? "" : " \(result.model)"
                    print(
                        "\(result.usable ? "✔" : "✘") \(role): \(result.provider)\(model) at \(result.baseURL)\(source): \(result.detail)"
                    )
                }
            }
            if !results.allSatisfy(\.usable) { throw ExitCodes.failures }
        }
    }
}
