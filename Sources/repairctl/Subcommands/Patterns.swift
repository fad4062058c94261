import ArgumentParser
import Foundation
import RepairKit

/// `repairctl patterns …`: review the fix patterns learned in the store.
struct Patterns: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Review the learned fix patterns: list, show, promote, retire, export, import.",
        subcommands: [List.self, Show.self, Promote.self, Retire.self, Export.self, Import.self]
    )

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every pattern, by signature.")
        @OptionGroup var storeOption: Runs.StoreOption
        @Option(help: "Only patterns with this status: candidate, promoted or retired.") var status: String?
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            var wanted: FixPattern.Status?
            if let status {
                guard let parsed = FixPattern.Status(rawValue: status) else {
                    Terminal.error("--status \(status): must be candidate, promoted or retired")
                    throw ExitCodes.badInput
                }
                wanted = parsed
            }
            let patterns = try storeOption.open().patterns(status: wanted)
            if json {
                try printJSON(patterns.map(PatternJSON.summary))
                return
            }
            guard !patterns.isEmpty else { print("No patterns learned yet."); return }
            for pattern in patterns {
                print(
                    "\(pattern.id ?? 0)\t\(pattern.status.rawValue)\t\(pattern.successes)/\(pattern.uses) kept\t\(pattern.signature)"
                )
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "One pattern: signature, stats, template, example diff, apps healed.")
        @OptionGroup var storeOption: Runs.StoreOption
        @Argument(help: "The pattern id (from patterns list).") var id: Int64
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            guard let pattern = try storeOption.open().pattern(id: id) else {
                Terminal.error("no pattern \(id) in the learning store")
                throw ExitCodes.badInput
            }
            if json {
                var object = PatternJSON.summary(pattern)
                object["template"] = pattern.template
                object["example_diff"] = pattern.exampleDiff
                try printJSON(object)
            } else {
                print(LibraryExport.markdown(for: pattern))
            }
        }
    }

    struct Promote: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Promote a pattern now.")
        @OptionGroup var storeOption: Runs.StoreOption
        @Argument(help: "The pattern id.") var id: Int64
        func run() throws { try setStatus(.promoted, id: id, store: storeOption) }
    }

    struct Retire: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Retire a pattern: it is no longer tried.")
        @OptionGroup var storeOption: Runs.StoreOption
        @Argument(help: "The pattern id.") var id: Int64
        func run() throws { try setStatus(.retired, id: id, store: storeOption) }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the library: one Markdown file per pattern into DIR, or rules for a code generator.",
            discussion: """
                --format markdown (the default) writes one reviewable file per pattern into DEST (default: patterns), \
                and removes the files of patterns the store no longer has.

                --format rules writes what was learned as guidance a code generator can take in its prompt: \
                per bug class, what to generate instead, with one before/after example from a kept fix (promoted \
                patterns only, unless --candidates), then the GRAVEYARD's failed fixes as things not to do. DEST is \
                a file; without it, or with -, the rules go to standard output. With --json they are JSON.
                """)
        enum Format: String, ExpressibleByArgument, CaseIterable { case markdown, rules }

        @OptionGroup var storeOption: Runs.StoreOption
        @Option(help: "markdown (one file per pattern) or rules (guidance for a generator's prompt).") var format:
            Format = .markdown
        @Flag(help: "With --format rules: also candidates kept in at least two apps.") var candidates = false
        @Flag(help: "Print JSON: the rules themselves with --format rules, else what was written.") var json = false
        @Argument(help: "The folder (markdown) or file (rules; - or none: standard output).") var destination: String?

        func run() throws {
            let database = try storeOption.open()
            switch format {
            case .markdown:
                let directory = destination ?? "patterns"
                let count = try refusingBadInput(directory) {
                    try LibraryExport.exportPatterns(from: database, to: URL(fileURLWithPath: directory))
                }
                if json {
                    try printJSON(["exported": count, "directory": directory])
                } else {
                    print("exported \(count) pattern\(count == 1 ? "" : "s") to \(directory)")
                }
            case .rules:
                let rules = try GenerationRules.from(database, includeCandidates: candidates)
                let text: String
                if json {
                    let data = try JSONSerialization.data(
                        withJSONObject: rules.json, options: [.prettyPrinted, .sortedKeys])
                    text = String(decoding: data, as: UTF8.self) + "\n"
                } else {
                    text = rules.markdown
                }
                guard let destination, destination != "-" else {
                    try Terminal.result(Data(text.utf8))
                    return
                }
                let url = URL(fileURLWithPath: destination)
                try refusingBadInput(destination) {
                    try FileManager.default.createDirectory(
                        at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                    try Data(text.utf8).write(to: url, options: .atomic)
                }
                Terminal.progress(
                    "wrote \(rules.rules.count) rule\(rules.rules.count == 1 ? "" : "s") and \(rules.avoid.count) thing\(rules.avoid.count == 1 ? "" : "s") not to do to \(destination)"
                )
            }
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Merge the pattern files of DIR (default: patterns) into the store; importing twice changes nothing.",
            discussion:
                "New patterns are added with the file's counts and status. A pattern the store already knows keeps the store's counts and status (a retired one stays retired); files that say otherwise are listed. A folder unchanged since its last import is skipped."
        )
        @OptionGroup var storeOption: Runs.StoreOption
        @Argument(help: "The folder.") var directory = "patterns"

        func run() throws {
            let source = try existingPath(directory, folder: true)
            let database = try storeOption.open(creating: true)
            let merged = try refusingBadInput(directory) {
                try LibraryExport.mergePatterns(into: database, from: source)
            }
            guard !merged.skipped else {
                print("\(directory) is unchanged since its last import: nothing to do")
                return
            }
            print("read \(merged.read) pattern\(merged.read == 1 ? "" : "s") from \(directory): \(merged.added) new")
            if !merged.differing.isEmpty {
                print(
                    "the store's counts and status were kept for \(merged.differing.count) pattern\(merged.differing.count == 1 ? "" : "s") the files describe otherwise: \(merged.differing.joined(separator: ", "))"
                )
            }
        }
    }
}

private func setStatus(_ status: FixPattern.Status, id: Int64, store: Runs.StoreOption) throws {
    guard try store.open().setStatus(status, ofPattern: id) else {
        Terminal.error("no pattern \(id) in the learning store")
        throw ExitCodes.badInput
    }
    print("pattern \(id) is \(status.rawValue)")
}

/// The file or folder a library import reads, refused with exit 2 before the store is opened
/// (so a mistyped path creates no store file).
private func existingPath(_ path: String, folder: Bool) throws -> URL {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
        Terminal.error("\(path): no such \(folder ? "folder" : "file")")
        throw ExitCodes.badInput
    }
    guard isDirectory.boolValue == folder else {
        Terminal.error("\(path): is \(folder ? "a file, not a folder" : "a folder, not a file")")
        throw ExitCodes.badInput
    }
    return URL(fileURLWithPath: path)
}

/// Runs a library read or write, turning a malformed file or an unreadable or unwritable path
/// into one line naming `path` and exit 2.
@discardableResult
private func refusingBadInput<T>(_ path: String, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as LibraryExport.FormatError {
        Terminal.error(error.description)
        throw ExitCodes.badInput
    } catch let error as CocoaError {
        Terminal.error("\(path): \(error.localizedDescription)")
        throw ExitCodes.badInput
    }
}

enum PatternJSON {
    static func summary(_ pattern: FixPattern) -> [String: Any] {
        [
            "id": pattern.id ?? 0, "signature": pattern.signature, "signature_key": pattern.signatureKey,
            "kind": pattern.kind,
            "status": pattern.status.rawValue, "successes": pattern.successes, "failures": pattern.failures,
            "entity": pattern.entity ?? NSNull(),
            "apps_healed": (try? JSONSerialization.jsonObject(with: Data(pattern.appsHealed.utf8))) ?? [],
            "apps_failed": (try? JSONSerialization.jsonObject(with: Data(pattern.appsFailed.utf8))) ?? [],
        ]
    }
}

/// `repairctl graveyard …`: the lessons of fixes that failed.
struct Graveyard: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The GRAVEYARD: fixes that failed, never to be applied again for their failure.",
        subcommands: [List.self, Export.self, Import.self]
    )

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every lesson, by signature.")
        @OptionGroup var storeOption: Runs.StoreOption
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let lessons = try storeOption.open().lessons()
            if json {
                try printJSON(
                    lessons.map {
                        [
                            "signature": $0.signature, "signature_key": $0.signatureKey, "patch_hash": $0.patchHash,
                            "summary": $0.summary, "outcome": $0.outcome, "evidence": $0.evidence, "count": $0.count,
                        ]
                    })
                return
            }
            guard !lessons.isEmpty else { print("The graveyard is empty."); return }
            for lesson in lessons {
                print("\(lesson.outcome) ×\(lesson.count)\t\(lesson.signature)\n\t\(lesson.summary)")
            }
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the lessons as Markdown to FILE (default: graveyard/GRAVEYARD.md).")
        @OptionGroup var storeOption: Runs.StoreOption
        @Argument(help: "The file.") var file = "graveyard/GRAVEYARD.md"

        func run() throws {
            let url = URL(fileURLWithPath: file)
            let database = try storeOption.open()
            let markdown = try LibraryExport.graveyardMarkdown(from: database)
            try refusingBadInput(file) {
                try FileManager.default.createDirectory(
                    at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(markdown.utf8).write(to: url, options: .atomic)
            }
            print("exported \(try database.lessons().count) lessons to \(file)")
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read the lessons of FILE (default: graveyard/GRAVEYARD.md) into the store.")
        @OptionGroup var storeOption: Runs.StoreOption
        @Argument(help: "The file.") var file = "graveyard/GRAVEYARD.md"

        func run() throws {
            let source = try existingPath(file, folder: false)
            let database = try storeOption.open(creating: true)
            let count = try refusingBadInput(file) { try LibraryExport.importGraveyard(into: database, from: source) }
            print("imported \(count) lessons from \(file)")
        }
    }
}
