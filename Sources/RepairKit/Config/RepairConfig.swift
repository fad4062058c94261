import Foundation

/// Everything `repair.toml` configures, with its documented defaults.
///
/// Loaded by `RepairConfig.load(appDirectory:…)`; the file, then `REPAIR_*` environment
/// variables, then `--set key=value` flags, each overriding the one before.
public struct RepairConfig: Sendable, Codable, Equatable {
    public static let currentVersion = 1

    public var version: Int = currentVersion
    public var app: App
    public var smoke = Smoke()
    public var repair = Repair()
    public var llm = LLM()
    public var learning = Learning()
    public var daemon = Daemon()

    /// `[app]`: how to start, probe, seed and stop the app, and which files patches may touch.
    public struct App: Sendable, Codable, Equatable {
        /// Shell command (`/bin/sh -c`) run in the app directory. Required.
        public var start: String
        /// Address the app listens on; the smoke plan is sent here.
        public var host = "127.0.0.1"
        /// Port exported as `PORT`; 0 picks a free one.
        public var port = 0
        /// Path polled until it answers 2xx.
        public var health = "/health"
        /// Extra environment for the app, the seed and the check command.
        public var env: [String: String] = [:]
        /// Variables (names or globs such as `AWS_*`) passed from the caller's environment on
        /// top of `AppEnvironment.passedByDefault`; secret-looking names pass only when named here.
        public var passEnv: [String] = []
        /// Variables never passed to the app, whatever `pass_env` says: the LLM's key variables.
        /// Filled from `[llm]`, not a key of `repair.toml`.
        public var withheldEnv: [String] = []
        /// How the app, its seed and its check command are confined (`Sandbox`).
        public var sandbox = Sandbox.Mode.auto
        /// Paths hidden from the confined app besides the usual ones: the learning store's
        /// folder. Filled by the caller, not a key of `repair.toml`.
        public var hiddenPaths: [String] = []
        /// Optional command run after health, with `REPAIR_SEED_FILE` naming the seed data.
        public var seed: String?
        /// Optional command run after a patch; `{files}` becomes the changed files.
        public var check: String?
        /// Globs of files a patch may change.
        public var writable = ["**/*.py", "**/*.js", "**/*.ts", "**/*.go", "**/*.rb", "**/*.java", "**/*.php"]
        /// Globs a patch may never change, even when writable.
        public var protected = ["tests/**", "test/**", "**/test_*.py", "**/*_test.go"]
        /// Seconds to wait for the health path before the app counts as unhealthy.
        public var startupTimeout = 30.0
        /// Seconds between SIGTERM and SIGKILL when stopping the app.
        public var stopGrace = 5.0
        /// Seconds the seed command may run.
        public var seedTimeout = 60.0
        /// Runs the Python commands of `start` and `seed` as forks of a server that has the
        /// app's libraries imported (`PreloadServer`), for the heal cycle's restarts.
        public var preload = false
        /// Modules the preload server imports besides those the app's files and the commands'
        /// scripts import (a server's worker classes, loaded by name at run time).
        public var preloadModules: [String] = []

        public init(start: String) { self.start = start }
    }

    /// `[smoke]`: where the plan comes from and how it is sent.
    public struct Smoke: Sendable, Codable, Equatable {
        /// Path of the smoke plan, relative to the app directory.
        public var plan = "smoke_test_plan.json"
        /// Path of an OpenAPI document to derive the plan from, when set.
        public var openapi: String?
        /// Path of an OpenAPI document whose response schemas responses are checked against,
        /// when the plan is not derived from one (`openapi` is checked against too).
        public var spec: String?
        /// Seconds one scenario's request may take.
        public var requestTimeout = 10.0
        /// Scenarios in flight at once.
        public var concurrency = 1
        /// Adds robustness checks derived from the plan (`RobustnessChecks`).
        public var robustness = false
    }

    /// `[repair]`: when the heal cycle runs and when it stops.
    public struct Repair: Sendable, Codable, Equatable {
        public var triggerPassRate = 1.0
        public var targetPassRate = 1.0
        public var maxIterations = 3
        public var tokenBudget = 200_000
    }

    /// One LLM endpoint. The key itself is never configured, only the variable that holds it.
    public struct LLMEndpoint: Sendable, Codable, Equatable {
        /// `openai`, `azure`, `ollama`, `anthropic`, or empty for none.
        public var provider = ""
        public var baseURL: String?
        public var model: String?
        /// Name of the environment variable holding the API key.
        public var apiKeyEnv: String?
        /// Azure OpenAI `api-version`.
        public var apiVersion: String?
        /// Money per million prompt tokens (`price_in`) and per million answer tokens
        /// (`price_out`), in the operator's currency; nil when not priced.
        public var priceIn: Double?
        public var priceOut: Double?

        public init() {}

        /// What `tokensIn` and `tokensOut` cost at this endpoint's prices; nil when unpriced.
        public func cost(tokensIn: Int, tokensOut: Int) -> Double? {
            guard priceIn != nil || priceOut != nil else { return nil }
            return Double(tokensIn) / 1e6 * (priceIn ?? 0) + Double(tokensOut) / 1e6 * (priceOut ?? 0)
        }
    }

    /// `[llm]` and `[llm.fallback]`.
    public struct LLM: Sendable, Codable, Equatable {
        public var primary = LLMEndpoint()
        public var fallback: LLMEndpoint?
        /// Seconds one LLM request may take.
        public var timeout = 120.0
        /// Groups of one iteration asked at once.
        public var concurrency = 4
        /// Set when no `[llm]` chose the provider and the standard environment did: which
        /// variables (`from OPENAI_API_KEY`).
        public var origin: String?
        public var isConfigured: Bool { !primary.provider.isEmpty }

        public init() {}
    }

    /// `[learning]`.
    public struct Learning: Sendable, Codable, Equatable {
        /// SQLite file of the learning store; empty means `$XDG_STATE_HOME/repaird/learning.sqlite`.
        public var store: String?
        /// A folder of exported patterns (`repairctl patterns export`) imported before a cycle.
        public var patterns: String?
        /// An exported GRAVEYARD.md imported before a cycle.
        public var graveyard: String?
        /// Import the library shipped with repaird (embedded in the binary) before a cycle.
        public var shipped = false

        public init() {}
    }

    /// `[daemon]`: what repaird does around a job of this app.
    public struct Daemon: Sendable, Codable, Equatable {
        /// A shell command run in the app directory when a job of this app ends, with the path of
        /// `.repair/result.json` as its argument (and in `REPAIR_RESULT`); nil: none.
        public var notify: String?
        /// Seconds the notify command may take before it is stopped.
        public var notifyTimeout = 30.0

        public init() {}
    }

    public init(app: App) { self.app = app }

    static let providers: Set<String> = ["", "openai", "azure", "ollama", "anthropic"]
}
