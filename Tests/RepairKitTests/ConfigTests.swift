import Foundation
import RepairKit
import RepairTestSupport
import Testing

@Suite struct ConfigTests {
    let minimal = """
        version = 1
        [app]
        start = "python3 app.py"
        """

    @Test func minimalFileGetsDocumentedDefaults() throws {
        let config = try RepairConfig.parse(minimal, source: "repair.toml")
        #expect(config.app.start == "python3 app.py")
        #expect(config.app.health == "/health")
        #expect(config.app.port == 0)
        #expect(config.app.startupTimeout == 30)
        #expect(config.smoke.plan == "smoke_test_plan.json")
        #expect(config.smoke.concurrency == 1)
        #expect(config.repair.maxIterations == 3)
        #expect(config.llm.isConfigured == false)
    }

    @Test func everySectionIsRead() throws {
        let text = """
            version = 1
            [app]
            start = "node server.js"
            port = 8123
            health = "/healthz"
            env = { NODE_ENV = "test", WORKERS = 2 }
            writable = ["src/**/*.js"]
            startup_timeout = 2.5
            [smoke]
            plan = "plans/smoke.json"
            concurrency = 4
            request_timeout = 3
            [repair]
            target_pass_rate = 0.9
            max_iterations = 5
            [llm]
            provider = "openai"
            model = "gpt-4o-mini"
            api_key_env = "OPENAI_API_KEY"
            [llm.fallback]
            provider = "ollama"
            base_url = "http://127.0.0.1:11434/v1"
            [learning]
            store = "/tmp/store.sqlite"
            """
        let config = try RepairConfig.parse(text, source: "repair.toml")
        #expect(config.app.port == 8123)
        #expect(config.app.env == ["NODE_ENV": "test", "WORKERS": "2"])
        #expect(config.app.writable == ["src/**/*.js"])
        #expect(config.app.startupTimeout == 2.5)
        #expect(config.smoke.concurrency == 4)
        #expect(config.smoke.requestTimeout == 3)
        #expect(config.repair.targetPassRate == 0.9)
        #expect(config.llm.primary.apiKeyEnv == "OPENAI_API_KEY")
        #expect(config.llm.fallback?.provider == "ollama")
        #expect(config.learning.store == "/tmp/store.sqlite")
    }

    @Test func unknownKeyNamesFileKeyAndValue() {
        let error = #expect(throws: ConfigError.self) {
            try RepairConfig.parse(minimal + "\nhealth_path = \"/h\"", source: "/apps/a/repair.toml")
        }
        #expect(error?.description == "/apps/a/repair.toml: key 'app.health_path' = \"/h\": unknown key")
    }

    @Test func unknownSectionIsAnError() {
        let error = #expect(throws: ConfigError.self) {
            try RepairConfig.parse(minimal + "\n[smoek]\nplan = \"p.json\"", source: "repair.toml")
        }
        #expect(error?.key == "smoek")
    }

    @Test func wrongTypeNamesKeyValueAndExpectedType() {
        let error = #expect(throws: ConfigError.self) {
            try RepairConfig.parse(minimal + "\nport = \"eighty\"", source: "repair.toml")
        }
        #expect(error?.key == "app.port")
        #expect(error?.value == "\"eighty\"")
        #expect(error?.problem == "expected an integer")
    }

    @Test func missingStartCommandIsAnError() {
        let error = #expect(throws: ConfigError.self) {
            try RepairConfig.parse("version = 1\n[app]\nhealth = \"/h\"", source: "repair.toml")
        }
        #expect(error?.key == "app.start")
    }

    @Test func outOfRangeValuesAreErrors() {
        for (line, key) in [("port = 70000", "app.port"), ("health = \"health\"", "app.health")] {
            let error = #expect(throws: ConfigError.self) { try RepairConfig.parse(minimal + "\n" + line, source: "f") }
            #expect(error?.key == key)
        }
        let error = #expect(throws: ConfigError.self) {
            try RepairConfig.parse(minimal + "\n[llm]\nprovider = \"gemini\"", source: "f")
        }
        #expect(error?.key == "llm.provider")
    }

    /// Hostile numbers are refused naming the key, never converted into a trap later: a
    /// non-finite or enormous duration used to crash the process once the app had started.
    @Test(arguments: [
        "app.startup_timeout=inf", "app.startup_timeout=1e300", "app.startup_timeout=nan", "app.stop_grace=inf",
        "app.seed_timeout=-1", "smoke.request_timeout=1e20", "llm.timeout=inf", "llm.timeout=0",
        "repair.max_iterations=1000000", "repair.trigger_pass_rate=nan",
    ])
    func hostileNumbersAreRefusedNamingTheKey(override: String) {
        let key = String(override.split(separator: "=")[0])
        let error = #expect(throws: ConfigError.self) {
            try RepairConfig.parse(minimal, source: "f", overrides: [override])
        }
        #expect(error?.key == key, "\(override): \(error.map(String.init(describing:)) ?? "accepted")")
    }

    @Test func infinityInTheFileIsRefusedToo() {
        // TOML itself allows inf and nan.
        let error = #expect(throws: ConfigError.self) {
            try RepairConfig.parse(minimal + "\nstartup_timeout = inf", source: "repair.toml")
        }
        #expect(error?.key == "app.startup_timeout")
        #expect(error?.source == "repair.toml")
    }

    @Test func invalidTOMLGivesLineAndColumn() {
        let error = #expect(throws: ConfigError.self) {
            try RepairConfig.parse("version = 1\n[app\nstart = 1", source: "repair.toml")
        }
        #expect(error?.problem.contains("line 2") == true)
    }

    @Test func unsupportedVersionIsAnError() {
        let error = #expect(throws: ConfigError.self) {
            try RepairConfig.parse("version = 2\n[app]\nstart = \"x\"", source: "repair.toml")
        }
        #expect(error?.key == "version")
    }

    @Test func environmentOverridesFileAndSetOverridesEnvironment() throws {
        let environment = ["REPAIR_SMOKE_CONCURRENCY": "3", "REPAIR_APP_PORT": "9000", "REPAIR_SEED_FILE": "/ignored"]
        let config = try RepairConfig.parse(
            minimal + "\nport = 8000", source: "repair.toml", environment: environment, overrides: ["app.port=9100"])
        #expect(config.smoke.concurrency == 3)
        #expect(config.app.port == 9100)
    }

    @Test func badEnvironmentValueNamesTheVariable() {
        let error = #expect(throws: ConfigError.self) {
            try RepairConfig.parse(minimal, source: "repair.toml", environment: ["REPAIR_APP_STARTUP_TIMEOUT": "soon"])
        }
        #expect(error?.source == "environment REPAIR_APP_STARTUP_TIMEOUT")
        #expect(error?.value == "soon")
    }

    @Test func badSetOverrideIsAnError() {
        #expect(throws: ConfigError.self) { try RepairConfig.parse(minimal, source: "f", overrides: ["app.nope=1"]) }
        #expect(throws: ConfigError.self) { try RepairConfig.parse(minimal, source: "f", overrides: ["app.port"]) }
    }

    @Test func missingFileSaysHowToPointAtOne() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let error = #expect(throws: ConfigError.self) { try RepairConfig.load(appDirectory: directory.url) }
        #expect(error?.description.contains("repair.toml: not found") == true)
    }

    @Test func exampleAppConfigLoads() throws {
        let config = try RepairConfig.load(appDirectory: FixtureApps.source("shop-api"), environment: [:])
        #expect(config.app.seed == "python3 seed.py")
    }
}
