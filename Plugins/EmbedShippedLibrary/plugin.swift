import Foundation
import PackagePlugin

/// Embeds the repository's shipped learning library (`patterns/*.md` and
/// `graveyard/GRAVEYARD.md`) into RepairKit as generated source, so a binary finds it wherever
/// it is installed and wherever an app is copied.
@main
struct EmbedShippedLibrary: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let root = context.package.directoryURL
        let patterns = root.appending(path: "patterns")
        let graveyard = root.appending(path: "graveyard/GRAVEYARD.md")
        let names = try FileManager.default.contentsOfDirectory(atPath: patterns.path)
            .filter { $0.hasSuffix(".md") && $0 != "README.md" }.sorted()
        let files = names.map { patterns.appending(path: $0) }
        let output = context.pluginWorkDirectoryURL.appending(path: "ShippedLibraryFiles.swift")
        return [
            .buildCommand(
                displayName: "Embedding the shipped learning library",
                executable: try context.tool(named: "LibraryEmbedder").url,
                arguments: [output.path, graveyard.path] + files.map(\.path),
                inputFiles: files + [graveyard, patterns],
                outputFiles: [output])
        ]
    }
}
