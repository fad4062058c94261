// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "repaird",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "RepairKit", targets: ["RepairKit"]),
        .executable(name: "repairctl", targets: ["repairctl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        .systemLibrary(
            name: "CUUID",
            providers: [.apt(["uuid-dev"])]
        ),
        .target(
            name: "RepairKit",
            dependencies: [
                "CCurl",
                "CUUID",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ]
        ),
        .executableTarget(
            name: "repairctl",
            dependencies: [
                "RepairKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
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
        .executableTarget(
            name: "TraceBenchmark",
            dependencies: ["RepairKit", "RepairTestSupport"],
            path: "Benchmarks/TraceBenchmark"
        ),
        .testTarget(
            name: "RepairKitTests",
            dependencies: ["RepairKit", "RepairTestSupport"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
