import Foundation

/// Guards a patch and places its edits against the app's files as they are now, in memory:
/// nothing is written. What comes out is the new contents of each changed file and the change
/// as one unified diff, ready for the workspace to apply transactionally.
struct PatchPlacement: Sendable {
    var guardian: PatchGuard

    /// A patch placed: each changed file's new text, and the change as a unified diff.
    struct Placed: Sendable {
        var contents: [(path: String, text: String)]
        var diff: String
        var files: [String] { contents.map(\.path) }
    }

    /// Why a patch could not be placed.
    struct Failure: Error, Sendable {
        enum Kind: Sendable { case refused, notApplicable, alreadyApplied }
        var kind: Kind
        /// The guard's or the applier's rule, when one refused it.
        var rule: String?
        var files: [String]
        var detail: String
    }

    func place(_ patch: Patch) -> Result<Placed, Failure> {
        func failure(_ error: PatchError, _ kind: Failure.Kind) -> Failure {
            Failure(kind: kind, rule: error.rule.rawValue, files: patch.paths, detail: error.description)
        }
        let files: [(relative: String, url: URL)]
        do { files = try guardian.check(patch) } catch { return .failure(failure(error, .refused)) }
        // Edits are placed on text with `\n` endings; each file is written back with its own.
        var old: [String: String] = [:], new: [String: String] = [:], onDisk: [String: String] = [:]
        for (relative, url) in files {
            guard let data = FileManager.default.contents(atPath: url.path),
                let raw = String(data: data, encoding: .utf8)
            else {
                return .failure(
                    failure(PatchError(rule: .missingFile, path: relative, message: "not readable as UTF-8"), .refused))
            }
            let text = SourceText.normalized(raw)
            onDisk[relative] = raw
            old[relative] = text
            new[relative] = text
        }
        var anyChange = false
        for edit in patch.edits {
            let wanted = edit.path.split(separator: "/").filter { $0 != "." }.joined(separator: "/")
            let relative = files.first { $0.relative == wanted }?.relative ?? edit.path
            do {
                switch try PatchApplier.apply(edit, to: new[relative] ?? "") {
                case .changed(let text):
                    new[relative] = text
                    anyChange = true
                case .alreadyApplied:
                    break
                }
            } catch {
                return .failure(failure(error, .notApplicable))
            }
        }
        guard anyChange else {
            return .failure(
                Failure(
                    kind: .alreadyApplied, rule: nil, files: patch.paths, detail: "every edit is already in the files"))
        }
        do { try guardian.checkSize(old: old, new: new) } catch { return .failure(failure(error, .refused)) }
        let changed = files.map(\.relative).filter { old[$0] != new[$0] }
        let diff = changed.map { UnifiedDiff.make(path: $0, old: old[$0]!, new: new[$0]!) }.joined()
        return .success(
            Placed(
                contents: changed.map { ($0, SourceText.restoringEndings(new[$0]!, original: onDisk[$0]!)) }, diff: diff))
    }
}
