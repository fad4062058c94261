import Foundation
import Logging
import RepairKit
import RepairTestSupport
import Synchronization

/// Heal cycles on the framework fixtures, timed by phase from the cycle's own events.
enum HealTimes {
    struct Fixture {
        var name: String
        var stack: String
        var fixes: [PlantedFix]
    }

    static let fixtures = [
        Fixture(name: "library-fastapi", stack: "FastAPI under uvicorn", fixes: LibraryFastAPIFixes.all),
        Fixture(name: "projects-flask", stack: "Flask under gunicorn", fixes: ProjectsFlaskFixes.all),
        Fixture(name: "events-express", stack: "Express on Node", fixes: EventsExpressFixes.all),
    ]

    /// Wall-clock marks, each opening a phase that lasts until the next mark.
    final class Timeline: Sendable {
        private let marks = Mutex<[(time: Double, phase: String)]>([])
        func mark(_ phase: String) { marks.withLock { $0.append((Date().timeIntervalSince1970, phase)) } }

        /// Seconds per phase from the first mark to `end`.
        func phases(until end: Double) -> [String: Double] {
            let marks = self.marks.withLock { $0 }
            var totals: [String: Double] = [:]
            for (index, mark) in marks.enumerated() {
                let next = index + 1 < marks.count ? marks[index + 1].time : end
                totals[mark.phase, default: 0] += next - mark.time
            }
            return totals
        }

        func onPass(_ event: SmokePass.Event) {
            switch event {
            case .starting: mark("app start")
            case .healthy, .seeding: mark("seed")
            case .sending: mark("requests")
            case .stopping: mark("app stop")
            case .scenario: break
            }
        }
    }

    /// The seconds during which at least one ask was being answered, within `from`…`to`.
    static func waiting(_ spans: [(received: Double, answered: Double)], from: Double, to: Double) -> Double {
        var total = 0.0
        var reach = from
        for span in spans.sorted(by: { $0.received < $1.received }) {
            let start = max(span.received, reach), end = min(span.answered, to)
            if end > start {
                total += end - start
                reach = end
            }
        }
        return total
    }

    static func config(_ app: TemporaryDirectory, llm server: TestLLMServer?) throws -> (RepairConfig, SmokeInputs) {
        let inputs = try SmokeInputs.load(
            appDirectory: app.url, overrides: ["repair.max_iterations=6"], environment: [:])
        var config = inputs.config
        if let server {
            config.llm.primary.provider = "openai"
            config.llm.primary.baseURL = server.baseURL + "/v1"
            config.llm.primary.model = "bench-model"
            config.llm.primary.apiKeyEnv = "BENCH_KEY"
        }
        config.app.env.merge(try FixtureApps.frameworkEnvironment()) { _, new in new }
        return (config, inputs)
    }

    /// One cycle with the scripted LLM answering after `delay` seconds: its wall time, the
    /// time spent waiting on answers, its phases and report.
    static func cycle(
        _ fixture: Fixture, delay: Double, scenarios: [String]? = nil, preload: Bool? = nil,
        in directory: TemporaryDirectory
    ) async throws -> (wall: Double, waiting: Double, phases: [String: Double], report: HealReport, mostAtOnce: Int) {
        let app = try FixtureApps.copy(fixture.name)
        defer { app.remove() }
        if let scenarios {
            let planURL = app.url.appendingPathComponent("smoke_test_plan.json")
            var plan = try JSONSerialization.jsonObject(with: Data(contentsOf: planURL)) as? [String: Any] ?? [:]
            plan["scenarios"] = (plan["scenarios"] as? [[String: Any]] ?? []).filter {
                scenarios.contains($0["name"] as? String ?? "")
            }
            try JSONSerialization.data(withJSONObject: plan).write(to: planURL)
        }
        let script = try PlantedFix.script(fixture.fixes, in: app.url).map { step in
            var step = step
            step["delay"] = delay
            return step
        }
        let server = try await TestLLMServer.start(script, in: directory)
        defer { Task { await server.stop() } }
        var (config, inputs) = try config(app, llm: server)
        if let preload { config.app.preload = preload }
        let llm = try LLMService(config: config.llm, environment: ["BENCH_KEY": "sk-bench-0001"], cache: nil)
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        let cycle = HealCycle(
            appDirectory: app.url, config: config, plan: inputs.plan, planFile: inputs.planFile, llm: llm,
            promptTokenLimit: 6000, store: nil, logger: logger, environment: [:])
        let timeline = Timeline()
        let started = Date().timeIntervalSince1970
        timeline.mark("repaird")
        let report = try await cycle.run { event in
            switch event {
            case .pass(_, let step): timeline.onPass(step)
            // The rerun of an iteration starts beside its checks: their time is the rerun's start.
            case .smoke, .asking, .iteration: timeline.mark("repaird")
            default: break
            }
        }
        let ended = Date().timeIntervalSince1970
        let waiting = waiting(server.answerSpans(), from: started, to: ended)
        var phases = timeline.phases(until: ended)
        phases["repaird", default: 0] -= waiting
        phases["LLM wait"] = waiting
        let most = server.mostAtOnce()
        await server.stop()
        return (ended - started, waiting, phases, report, most)
    }

    /// Two bare passes (start, seed, smoke, stop) of the unhealed app, with their phases.
    static func barePasses(_ fixture: Fixture) async throws -> (wall: Double, phases: [String: Double]) {
        let app = try FixtureApps.copy(fixture.name)
        defer { app.remove() }
        let (config, inputs) = try config(app, llm: nil)
        let timeline = Timeline()
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        let started = Date().timeIntervalSince1970
        for _ in 0..<2 {
            _ = try await SmokePass(
                appDirectory: app.url, config: config, plan: inputs.plan, planFile: inputs.planFile, logger: logger,
                environment: [:]
            ).run { timeline.onPass($0) }
            timeline.mark("repaird")
        }
        let ended = Date().timeIntervalSince1970
        return (ended - started, timeline.phases(until: ended))
    }

    static let order = ["app start", "seed", "requests", "app stop", "repaird", "LLM wait"]

    static func describe(_ phases: [String: Double]) -> String {
        order.compactMap { phase in phases[phase].map { String(format: "%@ %.2f", phase, $0) } }.joined(separator: ", ")
    }

    /// Runs the measurements and prints them; returns the targets missed.
    static func measure() async throws -> [String] {
        let directory = try TemporaryDirectory(prefix: "heal-times")
        defer { directory.remove() }
        var missed: [String] = []
        let rounds = 3
        print(
            "  heal cycles on the framework fixtures, the LLM scripted (answers at once), beside two bare passes; best of \(rounds) each:"
        )
        for fixture in fixtures {
            var bare = (wall: Double.infinity, phases: [String: Double]())
            var run: (wall: Double, waiting: Double, phases: [String: Double], report: HealReport, mostAtOnce: Int)?
            // With `[app] preload` in the fixture's configuration, the same cycle without it.
            let preloads = try RepairConfig.load(appDirectory: FixtureApps.source(fixture.name), environment: [:]).app
                .preload
            var unloaded:
                (wall: Double, waiting: Double, phases: [String: Double], report: HealReport, mostAtOnce: Int)?
            for _ in 0..<rounds {
                let measured = try await barePasses(fixture)
                if measured.wall < bare.wall { bare = measured }
                let cycled = try await cycle(fixture, delay: 0, in: directory)
                if run.map({ cycled.wall - cycled.waiting < $0.wall - $0.waiting }) ?? true { run = cycled }
                if preloads {
                    let other = try await cycle(fixture, delay: 0, preload: false, in: directory)
                    if unloaded.map({ other.wall - other.waiting < $0.wall - $0.waiting }) ?? true { unloaded = other }
                }
            }
            guard let run else { continue }
            let passes = run.report.iterations.count + 1
            let without = run.wall - run.waiting
            let ratio = without / bare.wall
            print(
                String(
                    format:
                        "    %@ (%@): two bare passes %.2f s (%@)\n      cycle %.2f s, healed %@ in %d passes (%@)\n      cycle without the LLM wait %.2f s = %.2f × the two bare passes; per pass %.2f s beside a bare pass's %.2f s",
                    fixture.name, fixture.stack, bare.wall, describe(bare.phases), run.wall,
                    run.report.healed ? "yes" : "no", passes, describe(run.phases), without, ratio,
                    without / Double(passes), bare.wall / 2))
            if let unloaded {
                let slower = unloaded.wall - unloaded.waiting
                print(
                    String(
                        format:
                            "      with [app] preload (the cycle above) beside without it: %.2f s, healed %@ in %d passes (%@) = %.2f × the two bare passes; preload saves %.0f%%",
                        slower, unloaded.report.healed ? "yes" : "no", unloaded.report.iterations.count + 1,
                        describe(unloaded.phases), slower / bare.wall, (1 - without / slower) * 100))
            }
            if ratio > 1.3 {
                missed.append(String(format: "%@ cycle %.2f × two bare passes > 1.3", fixture.name, ratio))
            }
            if !run.report.healed { missed.append("\(fixture.name) not healed") }
        }
        // The asks of one iteration go out together: with 2 s answers, the waiting of a cycle
        // is a few answer-times, not one per group.
        let answer = 2.0
        // Six crashes of six different bugs: six groups, asked at once up to `[llm] concurrency` (4).
        let six = [
            "create_book", "create_member_duplicate_email", "get_member", "create_loan", "get_loan_not_found",
            "get_stats",
        ]
        let slow = try await cycle(fixtures[0], delay: answer, scenarios: six, in: directory)
        let groups = slow.report.iterations.first.map { $0.attempts.map(\.group) }.map { Set($0).count } ?? 0
        let times = slow.waiting / answer
        print(
            String(
                format:
                    "  %@ with answers taking %.0f s: %d groups asked in the first iteration, %d LLM calls, at most %d at once; waited %.2f s = %.2f answer-times",
                fixtures[0].name, answer, groups, slow.report.llmCalls, slow.mostAtOnce, slow.waiting, times))
        if groups >= 6 && times > 2.05 {
            missed.append(String(format: "%d groups waited %.2f answer-times > 2", groups, times))
        }
        if groups < 6 { missed.append("only \(groups) groups to ask at once (6 wanted)") }
        return missed
    }
}
