import ArgumentParser
import Foundation
import RepairKit

/// `repairctl plan generate|check`: smoke plans from OpenAPI specs, and their coverage.
struct Plan: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Derive a smoke plan from an OpenAPI spec, or check a plan's coverage.",
        subcommands: [Generate.self, Check.self]
    )

    struct Generate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Derive a smoke plan from an OpenAPI 3.0 or 3.1 spec (JSON or YAML).",
            discussion: """
                Per operation: a happy_path scenario with a valid payload built from the schema and \
                the documented success status; a not_found scenario with absent ids \
                (99999999-9999-4000-8000-<index>) where the path has parameters; and a \
                validation_error_<field>_<rule> scenario per constraint of the request body, \
                expecting 400 or 422. seed_data holds every entity a path parameter needs \
                (00000000-0000-4000-8000-<index>), parents first. Operations behind a security \
                scheme send its credentials from the environment and get an unauthorized \
                scenario; an OAuth 2 password flow becomes a setup step that logs in. The same \
                spec always gives the same bytes, JSON or YAML.
                """
        )

        @Option(help: "The OpenAPI spec.", completion: .file())
        var openapi: String

        @Option(help: "Write the plan here (atomically) instead of to stdout.")
        var out: String?

        @Option(
            help: ArgumentHelp(
                "Also write the seed data here, as the [app] seed command reads it from REPAIR_SEED_FILE.",
                valueName: "file"))
        var seed: String?

        @Flag(help: "Ask the configured LLM for business-rule scenarios on top of the generated ones.")
        var llm = false

        @Option(help: "With --llm: a prose spec with business rules to send along.", completion: .file())
        var spec: String?

        @Option(help: "With --llm: the repair.toml holding [llm] (default: the one beside the spec).")
        var config: String?

        func run() async throws {
            let spec: OpenAPISpec
            do {
                spec = try OpenAPISpec.load(from: URL(fileURLWithPath: openapi))
            } catch {
                Terminal.error(error.description)
                throw ExitCodes.badInput
            }
            let generator = PlanGenerator(spec: spec)
            var plan = generator.plan()
            for (endpoint, problem) in generator.uncovered() {
                Terminal.progress("warning: \(endpoint): \(problem)")
            }
            for note in generator.credentialNotes() { Terminal.progress("note: \(note)") }
            if llm { plan = try await enriched(plan, spec: spec) }
            let data = plan.jsonData()
            // Both files are written beside their places first and moved in only when both
            // could be written: a plan never lands without the seed file asked for, or after it.
            var staged: [(temporary: URL, final: URL)] = []
            defer { for file in staged { try? FileManager.default.removeItem(at: file.temporary) } }
            for (path, contents) in [(seed, plan.seedJSON()), (out, data)] {
                guard let path else { continue }
                let final = URL(fileURLWithPath: path)
                let temporary = final.deletingLastPathComponent().appendingPathComponent(
                    ".\(final.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).partial")
                do {
                    try contents.write(to: temporary)
                    staged.append((temporary, final))
                } catch {
                    Terminal.error("cannot write \(path): \(error.localizedDescription)")
                    throw ExitCodes.badInput
                }
            }
            for file in staged where rename(file.temporary.path, file.final.path) != 0 {
                Terminal.error("cannot write \(file.final.path): \(String(cString: strerror(errno)))")
                throw ExitCodes.badInput
            }
            guard let out else {
                try Terminal.result(data)
                return
            }
            let operations = Set(plan.scenarios.map(\.endpoint)).count
            Terminal.progress(
                "wrote \(out): \(plan.scenarios.count) scenarios over \(operations) operations, \(plan.seedData.count) seeded entities"
            )
        }

        /// The plan with the LLM's valid extra scenarios appended; the core stays as it is.
        private func enriched(_ core: SmokePlan, spec openAPISpec: OpenAPISpec) async throws -> SmokePlan {
            let specURL = URL(fileURLWithPath: openapi)
            let configURL =
                config.map { URL(fileURLWithPath: $0) }
                ?? specURL.deletingLastPathComponent().appendingPathComponent("repair.toml")
            let service: LLMService
            let rules: String?
            do {
                let settings = try RepairConfig.llmSettings(configFile: configURL)
                guard settings.isConfigured else {
                    Terminal.error(
                        """
                        --llm needs an LLM, and none is configured: set [llm] provider and model in \(configURL.path) \
                        (or REPAIR_LLM_PROVIDER and REPAIR_LLM_MODEL); see the README for OpenAI, Azure OpenAI, Ollama and Anthropic
                        """)
                    throw ExitCodes.badInput
                }
                service = try LLMService(
                    config: settings, cache: LLMAnswerCache(directory: LLMAnswerCache.defaultDirectory()))
                rules = try spec.map { path in
                    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                        throw ConfigError(source: path, problem: "the prose spec cannot be read")
                    }
                    return text
                }
            } catch let error as ConfigError {
                Terminal.error(error.description)
                throw ExitCodes.badInput
            } catch let error as LLMError {
                Terminal.error(error.description)
                throw ExitCodes.badInput
            }
            let specText = (try? String(contentsOf: specURL, encoding: .utf8)) ?? ""
            let enricher = PlanEnricher(spec: openAPISpec, specText: specText, rules: rules, llm: service)
            Terminal.progress("▶ asking the LLM for business-rule scenarios")
            let outcome: PlanEnricher.Outcome
            do {
                outcome = try await enricher.enrich(core)
            } catch {
                Terminal.error("\(error.description); the plan was not written")
                throw ExitCodes.failures
            }
            for dropped in outcome.dropped {
                let label = dropped.name.map { " (\"\($0)\")" } ?? ""
                Terminal.progress("warning: LLM scenario \(dropped.position)\(label) dropped: \(dropped.reason)")
            }
            let cost =
                outcome.response.cached
                ? "from the cache, no tokens"
                : "\(outcome.response.tokensIn) tokens in, \(outcome.response.tokensOut) out"
            Terminal.progress(
                "▶ the LLM added \(outcome.added.count) scenario\(outcome.added.count == 1 ? "" : "s"), \(outcome.dropped.count) dropped (\(cost))"
            )
            return outcome.plan
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a plan's coverage of a spec.",
            discussion: """
                Rules: every operation has a happy_path; every path with parameters has a \
                not_found; every request body with constraints has a validation_error; scenarios \
                whose endpoint is not in the spec are listed; a scenario name used twice on one \
                endpoint is an error; an id a scenario expects to find must be in seed_data; \
                a version 2 plan's ${NAME} that no step captures must be set here and must not \
                be an LLM key. The plan itself is checked first, key by key (exit 2 naming the \
                file, scenario and field). Exit 0 when the plan is whole, 1 with the list otherwise.
                """
        )

        @Argument(help: "The smoke plan.", completion: .file())
        var plan: String

        @Option(help: "The OpenAPI spec to check against; without it only duplicate names are checked.")
        var openapi: String?

        @Flag(help: "Print JSON: whole, operations, scenarios, findings[] with rule, endpoint, detail.")
        var json = false

        func run() throws {
            let smokePlan: SmokePlan
            let spec: OpenAPISpec?
            do {
                smokePlan = try SmokePlan.load(from: URL(fileURLWithPath: plan), allowDuplicateNames: true)
                spec = try openapi.map { path throws(SpecError) in
                    try OpenAPISpec.load(from: URL(fileURLWithPath: path))
                }
            } catch {
                Terminal.error("\(error)")
                throw ExitCodes.badInput
            }
            let coverage = PlanCoverage.check(
                smokePlan, against: spec, environment: ProcessInfo.processInfo.environment)
            if json {
                struct Report: Encodable {
                    var whole: Bool
                    var operations: Int
                    var scenarios: Int
                    var findings: [PlanCoverage.Finding]
                }
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                let report = Report(
                    whole: coverage.isWhole, operations: coverage.operations, scenarios: coverage.scenarios,
                    findings: coverage.findings)
                try Terminal.result((try? encoder.encode(report)) ?? Data())
                print()
            } else if coverage.isWhole {
                print("\(plan): whole — \(coverage.scenarios) scenarios cover \(coverage.operations) operations")
            } else {
                print("\(plan): \(coverage.findings.count) finding\(coverage.findings.count == 1 ? "" : "s")")
                for finding in coverage.findings { print("  \(finding.rule)  \(finding.endpoint)  \(finding.detail)") }
            }
            if !coverage.isWhole { throw ExitCodes.failures }
        }
    }
}
