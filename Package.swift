// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "repaird",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "RepairKit", targets: ["RepairKit"]),
        .executable(name: "repairctl", targets: ["repairctl"]),
        .executable(name: "repaird", targets: ["repaird"]),
        .executable(name: "repaird-worker", targets: ["repaird-worker"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        // External $ref loading is not used; without the trait OpenAPIKit builds faster.
        .package(url: "https://github.com/mattpolzin/OpenAPIKit", from: "6.4.0", traits: []),
        // OpenAPIKit decodes through Codable; YAML specs need a YAML decoder.
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // The shared store of a fleet: PostgreSQL's wire protocol, with LISTEN/NOTIFY.
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        // repaird's /metrics in Prometheus' text format (no Foundation: the daemon stays small).
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // Tests only: random hostile values for every number read from outside.
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        .systemLibrary(
            name: "CSQLite",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        .systemLibrary(
            name: "CPostgres",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        .target(name: "CRepairSystem"),
        // What the three command-line programs share: the version, and exit 2 on usage errors.
        .target(
            name: "CommandLineSupport",
            dependencies: [.product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // What the resident daemon needs, without Foundation: its idle memory is that of a
        // small process, and the heal cycle runs in worker processes (repaird-worker).
        .target(
            name: "DaemonCore",
            dependencies: [
                "CSQLite",
                "CPostgres",
                "CRepairSystem",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .target(
            name: "RepairKit",
            dependencies: [
                "CCurl",
                "CRepairSystem",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "OpenAPIKit", package: "OpenAPIKit"),
                .product(name: "OpenAPIKit30", package: "OpenAPIKit"),
                .product(name: "OpenAPIKitCompat", package: "OpenAPIKit"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            plugins: ["EmbedShippedLibrary"]
        ),
        // The shipped learning library (patterns/, graveyard/) as generated source of RepairKit.
        .executableTarget(name: "LibraryEmbedder", path: "Tools/LibraryEmbedder"),
        .plugin(name: "EmbedShippedLibrary", capability: .buildTool(), dependencies: ["LibraryEmbedder"]),
        .executableTarget(
            name: "repairctl",
            dependencies: [
                "CommandLineSupport",
                "RepairKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "repaird",
            dependencies: [
                "CommandLineSupport",
                "DaemonCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "repaird-worker",
            dependencies: [
                "CommandLineSupport",
                "RepairKit",
                "DaemonCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "RepairTestSupport",
            dependencies: ["RepairKit"],
            path: "Sources/RepairTestSupport"
        ),
        .executableTarget(
            name: "SmokeBenchmark",
            dependencies: [
                "RepairKit", "RepairTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/SmokeBenchmark"
        ),
        // The smoke benchmark's C server and libcurl loop (neither is the bottleneck).
        .executableTarget(
            name: "BenchHTTP",
            path: "Benchmarks/BenchHTTP",
            cSettings: [.define("_GNU_SOURCE")],
            linkerSettings: [.linkedLibrary("curl"), .linkedLibrary("pthread")]
        ),
        .executableTarget(
            name: "TraceBenchmark",
            dependencies: ["RepairKit", "RepairTestSupport"],
            path: "Benchmarks/TraceBenchmark"
        ),
        .executableTarget(
            name: "PlanBenchmark",
            dependencies: ["RepairKit", "RepairTestSupport", .product(name: "Yams", package: "Yams")],
            path: "Benchmarks/PlanBenchmark"
        ),
        .executableTarget(
            name: "CycleBenchmark",
            dependencies: [
                "RepairKit", "RepairTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/CycleBenchmark"
        ),
        .executableTarget(
            name: "LearningBenchmark",
            dependencies: [
                "RepairKit", "RepairTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/LearningBenchmark"
        ),
        .executableTarget(
            name: "LearningMatrixBenchmark",
            dependencies: [
                "RepairKit", "RepairTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/LearningMatrixBenchmark"
        ),
        .executableTarget(
            name: "PatternLookupBenchmark",
            dependencies: [
                "RepairKit", "RepairTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/PatternLookupBenchmark"
        ),
        .executableTarget(
            name: "CorrelationBenchmark",
            dependencies: [
                "RepairKit", "RepairTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/CorrelationBenchmark"
        ),
        .executableTarget(
            name: "LearnCorpus",
            dependencies: [
                "RepairKit", "RepairTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tools/LearnCorpus"
        ),
        .executableTarget(
            name: "DaemonBenchmark",
            dependencies: [
                "RepairKit", "RepairTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/DaemonBenchmark"
        ),
        .executableTarget(
            name: "FleetBenchmark",
            dependencies: [
                "RepairKit", "RepairTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/FleetBenchmark"
        ),
        .testTarget(
            name: "RepairKitTests",
            dependencies: [
                "RepairKit", "RepairTestSupport", "DaemonCore", "CommandLineSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
