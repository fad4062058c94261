import ArgumentParser
import Foundation
import RepairKit

/// `repairctl plan generate|check`: smoke plans from OpenAPI specs, and their coverage.
struct Plan: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Derive a smoke plan from an OpenAPI spec, or check a plan's coverage.",
        subcommands: [Generate.self, Check.self]
    )

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Derive a smoke plan from an OpenAPI 3.0 or 3.1 spec (JSON or YAML).",
            discussion: """
            Per operation: a happy_path scenario with a valid payload built from the schema and \\
            the documented success status; a not_found scenario with absent ids \\
            (99999999-9999-4000-8000-<index>) where the path has parameters; and a \\
            validation_error_<field>_<rule> scenario per constraint of the request body, \\
            expecting 400 or 422. seed_data holds every entity a path parameter needs \\
            (00000000-0000-4000-8000-<index>), parents first. The same spec always gives the \\
            same bytes.
            """
        )

        @Option(help: "The OpenAPI spec.", completion: .file())
        var openapi: String

        @Option(help: "Write the plan here (atomically) instead of to stdout.")
        var out: String?

        func run() throws {
            let spec: OpenAPISpec
            do {
                spec = try OpenAPISpec.load(from: URL(fileURLWithPath: openapi))
            } catch {
                Terminal.error(error.description)
                throw ExitCodes.badInput
            }
            let plan = PlanGenerator(spec: spec).plan()
            let data = plan.jsonData()
            guard let out else {
                FileHandle.standardOutput.write(data)
                return
            }
            do {
                try data.write(to: URL(fileURLWithPath: out), options: .atomic)
            } catch {
                Terminal.error("cannot write \(out): \(error.localizedDescription)")
                throw ExitCodes.badInput
            }
            let operations = Set(plan.scenarios.map(\.endpoint)).count
            Terminal.progress("wrote \(out): \(plan.scenarios.count) scenarios over \(operations) operations, \(plan.seedData.count) seeded entities")
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a plan's coverage of a spec.",
            discussion: """
            Rules: every operation has a happy_path; every path with parameters has a \\
            not_found; every request body with constraints has a validation_error; scenarios \\
            whose endpoint is not in the spec are listed; a scenario name used twice on one \\
            endpoint is an error. Exit 0 when the plan is whole, 1 with the list otherwise.
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
                spec = try openapi.map { path throws(SpecError) in try OpenAPISpec.load(from: URL(fileURLWithPath: path)) }
            } catch {
                Terminal.error("\(error)")
                throw ExitCodes.badInput
            }
            let coverage = PlanCoverage.check(smokePlan, against: spec)
            if json {
                struct Report: Encodable {
                    var whole: Bool
                    var operations: Int
                    var scenarios: Int
                    var findings: [PlanCoverage.Finding]
                }
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                let report = Report(whole: coverage.isWhole, operations: coverage.operations, scenarios: coverage.scenarios, findings: coverage.findings)
                FileHandle.standardOutput.write((try? encoder.encode(report)) ?? Data())
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
