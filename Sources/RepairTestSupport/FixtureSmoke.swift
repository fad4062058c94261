import Foundation
import Logging
import RepairKit

extension FixtureApps {
    /// One smoke pass of a copied fixture app on its real server, as `repairctl smoke` runs it:
    /// waits scaled to the machine's load, the fixture frameworks on the app's PATH.
    /// - Parameters:
    ///   - plan: sent instead of the app's own plan.
    ///   - overrides: `--set` entries on top of the app's `repair.toml`.
    ///   - appEnvironment: given to the app (as `[app] env`); the plan may read it too.
    ///   - environment: where the plan's `${NAME}`s are read.
    public static func smokePass(
        _ app: URL, plan: SmokePlan? = nil, overrides: [String] = [], appEnvironment: [String: String] = [:],
        environment: [String: String] = [:]
    ) async throws -> SmokeRun {
        let planEnvironment = appEnvironment.merging(environment) { _, new in new }
        let inputs = try SmokeInputs.load(
            appDirectory: app,
            overrides: [
                "smoke.request_timeout=\(testRequestTimeout)", "app.startup_timeout=\(testStartupTimeout)",
            ] + overrides,
            environment: planEnvironment)
        var config = inputs.config
        config.app.env.merge(try frameworkEnvironment()) { _, new in new }
        config.app.env.merge(appEnvironment) { _, new in new }
        return try await SmokePass(
            appDirectory: app, config: config, plan: plan ?? inputs.plan, planFile: inputs.planFile,
            logger: Logger(label: "test"), environment: planEnvironment
        ).run()
    }
}
