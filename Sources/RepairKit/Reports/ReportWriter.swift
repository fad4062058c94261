import Foundation

/// Writes `results.json`, `junit.xml` and `report.html` for a run into one directory.
public enum ReportWriter {
    /// Writes the three files, each atomically (a temporary file renamed into place).
    public static func write(_ run: SmokeRun, to directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try SmokeReport(run).jsonData().write(to: directory.appendingPathComponent("results.json"), options: .atomic)
        try Data(JUnitReport.xml(for: run).utf8).write(to: directory.appendingPathComponent("junit.xml"), options: .atomic)
        try Data(HTMLReport.html(for: run).utf8).write(to: directory.appendingPathComponent("report.html"), options: .atomic)
    }
}
