// swift-tools-version:6.0
// Pivot: a workbench for teaching language models linear algebra with RL.
// Dependencies point one way: pivot -> Runtime -> Lang, Engine.
import PackageDescription

let optimize: [SwiftSetting] = [
    // The interpreter's hot paths touch class fields millions of times a
    // second; dynamic exclusivity checks cost more than they catch there.
    .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release)),
]

let package = Package(
    name: "Pivot",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "pivot", targets: ["pivot"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/attaswift/BigInt", exact: "6.0.1"),
        .package(url: "https://github.com/apple/swift-collections", exact: "1.6.0"),
    ],
    targets: [
        // Thin system-library shims: the only places that touch C.
        .systemLibrary(name: "CEditline", path: "Sources/CEditline"),
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS"),

        .target(
            name: "Lang",
            path: "Sources/Lang",
            exclude: ["README.md"],
            swiftSettings: optimize),
        .target(
            name: "Engine",
            dependencies: [
                "COpenBLAS",
                .product(name: "BigInt", package: "BigInt"),
            ],
            path: "Sources/Engine",
            exclude: ["README.md", "Model/README.md"],
            // The model's kernels are hot loops: optimise them in debug builds
            // too, or `swift test` (debug) trains 10-50x slower. -enable-testing
            // still comes from the debug configuration, so @testable works.
            swiftSettings: optimize + [.unsafeFlags(["-O"])]),
        .target(
            name: "Runtime",
            dependencies: [
                "Lang", "Engine", "CEditline",
                .product(name: "BigInt", package: "BigInt"),
                .product(name: "Collections", package: "swift-collections"),
            ],
            path: "Sources/Runtime",
            exclude: ["README.md"],
            swiftSettings: optimize),
        .executableTarget(
            name: "pivot",
            dependencies: [
                "Runtime",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/pivot",
            exclude: ["README.md"],
            swiftSettings: optimize),
        // Drives the transformer for scripts/bench/model and scripts/check/hf_interop.py.
        .executableTarget(
            name: "pivot-bench-model",
            dependencies: ["Engine", "COpenBLAS"],
            path: "scripts/bench/model-swift",
            swiftSettings: optimize),
        // Runs the golden tests (Tests/golden/**.pv) against the built binary.
        .executableTarget(
            name: "pivot-golden",
            path: "Tests/GoldenRunner"),

        // Helpers the test targets share: the Python oracle, seeded randomness.
        .target(name: "TestSupport", path: "Tests/Support"),
        .testTarget(name: "LangTests", dependencies: ["Lang", "TestSupport"], path: "Tests/LangTests"),
        .testTarget(
            name: "EngineTests",
            dependencies: ["Engine", "TestSupport", .product(name: "BigInt", package: "BigInt")],
            path: "Tests/EngineTests"),
        .testTarget(name: "RuntimeTests", dependencies: ["Runtime", "Lang", "Engine", "TestSupport"],
                    path: "Tests/RuntimeTests"),
    ],
    swiftLanguageModes: [.v5]
)
