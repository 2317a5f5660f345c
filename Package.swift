// swift-tools-version:6.1
import PackageDescription

let nio: [Target.Dependency] = [
    .product(name: "NIOCore", package: "swift-nio"),
    .product(name: "NIOPosix", package: "swift-nio"),
]
let logging: Target.Dependency = .product(name: "Logging", package: "swift-log")
let metrics: Target.Dependency = .product(name: "Metrics", package: "swift-metrics")
let subprocess: Target.Dependency = .product(name: "Subprocess", package: "swift-subprocess")

let package = Package(
    name: "acctcodes",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "acctcodes", targets: ["acctcodes"]),
        .library(name: "AGI", targets: ["AGI"]),
        .library(name: "AccountCodes", targets: ["AccountCodes"]),
        // The store in memory with fault switches, for tests of anything built on the store's ports.
        .library(name: "MemoryStore", targets: ["MemoryStore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        // Child processes without Foundation's Process, whose run() reads past a buffer when the
        // parent has more than ~1,360 open files (swift-corelibs-foundation PR #5472, after 6.3.1).
        .package(url: "https://github.com/swiftlang/swift-subprocess.git", from: "1.0.2"),
        .package(url: "https://github.com/apple/swift-system.git", from: "1.8.1"),
    ],
    targets: [
        // Sans-IO: the FastAGI wire format as values and pure functions.
        .target(name: "AGI"),
        // Sans-IO: account-code rules (settings, classifier, decision, entry flow).
        .target(name: "AccountCodes"),
        // Edge: the FastAGI server on SwiftNIO.
        .target(name: "FastAGIServer", dependencies: ["AGI", "AccountCodes", logging, metrics] + nio),
        // The store as a port, backend-neutral: the protocols every store implements, the values
        // they pass, and the usage log's writer, spool and drainer written once for all of them.
        .target(name: "StoreCore", dependencies: ["AccountCodes", metrics]),
        // The in-memory adapter, with fault switches (tests).
        .target(name: "MemoryStore", dependencies: ["AccountCodes", "StoreCore"]),
        // The SQLite adapter, through GRDB.
        .target(name: "Store", dependencies: ["AccountCodes", "StoreCore", metrics, .product(name: "GRDB", package: "GRDB.swift"),
                                             .product(name: "GRDBSQLite", package: "GRDB.swift")]),
        // The PostgreSQL adapter, through postgres-nio: several servers on one database.
        .target(name: "PostgresStore", dependencies: ["AccountCodes", "StoreCore", "MemoryStore", logging, metrics,
                                                     .product(name: "PostgresNIO", package: "postgres-nio")] + nio),
        // The routes that join the server, the rules and the store.
        .target(name: "CallFlows", dependencies: ["AGI", "FastAGIServer", "AccountCodes", "StoreCore", logging, metrics, subprocess]),
        // The application layer the CLI and the HTTP API share: who may do what, the audit log, edits as patches.
        .target(name: "Admin", dependencies: ["AccountCodes", "StoreCore", "Store", .product(name: "Crypto", package: "swift-crypto")]),
        // Edge: the operator's HTTP API on Hummingbird, with /metrics.
        .target(name: "HTTPAPI", dependencies: ["AGI", "Admin", "AccountCodes", "StoreCore", "Store", logging, metrics,
                                                .product(name: "Hummingbird", package: "hummingbird"),
                                                .product(name: "Prometheus", package: "swift-prometheus"),
                                                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")],
                resources: [.copy("openapi.json")]),
        // The admin console: server-rendered pages over the same application layer, on the API's listener.
        .target(name: "AdminConsole", dependencies: ["HTTPAPI", "Admin", "AccountCodes", "StoreCore", "Store",
                                                     .product(name: "Hummingbird", package: "hummingbird")] + nio),
        // Asterisk's side of a session: used by tests, `acctcodes call` and `acctcodes load`.
        .target(name: "FakeAsterisk", dependencies: ["AGI"] + nio),
        .executableTarget(
            name: "acctcodes",
            dependencies: [
                "AGI", "AccountCodes", "FastAGIServer", "StoreCore", "Store", "PostgresStore", "MemoryStore", "CallFlows", "FakeAsterisk", "Admin", "HTTPAPI", "AdminConsole", logging, metrics,
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ] + nio
        ),
        // Benchmarks live apart from tests and print their figures (see Benchmarks/run.sh).
        .executableTarget(
            name: "acctcodes-bench",
            dependencies: ["AGI", "AccountCodes", "StoreCore", "Store", .product(name: "Histogram", package: "hdrhistogram-swift"),
                           .product(name: "ArgumentParser", package: "swift-argument-parser")] + nio,
            path: "Benchmarks/AcctcodesBench"
        ),
        // What several test targets share: child processes awaited without blocking, a database locker.
        .target(name: "TestSupport", dependencies: [logging, "PostgresStore", subprocess, .product(name: "SystemPackage", package: "swift-system")],
                path: "Tests/Support"),
        .testTarget(name: "AGITests", dependencies: ["AGI"]),
        .testTarget(name: "AccountCodesTests", dependencies: ["AccountCodes"]),
        .testTarget(name: "FastAGIServerTests", dependencies: ["FastAGIServer", "FakeAsterisk", "AGI", logging] + nio),
        .testTarget(name: "StoreTests", dependencies: ["StoreCore", "Store", "AccountCodes", "TestSupport", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "CallFlowsTests", dependencies: ["CallFlows", "FakeAsterisk", "TestSupport", "StoreCore", "Store", "MemoryStore", "AccountCodes", "FastAGIServer", logging]),
        .testTarget(name: "AdminTests", dependencies: ["Admin", "StoreCore", "Store", "AccountCodes", "TestSupport"]),
        .testTarget(name: "HTTPAPITests", dependencies: ["HTTPAPI", "AdminConsole", "Admin", "StoreCore", "Store", "MemoryStore", "AccountCodes", "TestSupport",
                                                         .product(name: "Hummingbird", package: "hummingbird"),
                                                         .product(name: "HummingbirdTesting", package: "hummingbird"),
                                                         .product(name: "Prometheus", package: "swift-prometheus")]),
        // One suite every store adapter passes.
        .testTarget(name: "StoreConformanceTests", dependencies: ["StoreCore", "Store", "MemoryStore", "PostgresStore", "AccountCodes", "TestSupport"]),
        .testTarget(name: "CLITests", dependencies: ["acctcodes", "TestSupport", "StoreCore", "Store", "AccountCodes", "FakeAsterisk", subprocess]),
    ],
    swiftLanguageModes: [.v6]
)
