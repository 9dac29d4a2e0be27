// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "memhound",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "memhound", targets: ["memhound"]),
        // What reads what a traced process controls (its /proc files, binaries, names): for scripts/fuzz.
        .library(name: "MemhoundParsers", targets: ["MemhoundProc", "MemhoundSymbols"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // --metrics: the Prometheus registry and text format, and an HTTP/1 server (docs/metrics.md, build cost).
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        // --pprof: the profile format (generated code committed: scripts/generate-protos).
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    ],
    targets: [
        // System libraries, found through pkg-config.
        .systemLibrary(name: "Libbpf", pkgConfig: "libbpf", providers: [.apt(["libbpf-dev"])]),
        .systemLibrary(name: "Libelf", pkgConfig: "libelf", providers: [.apt(["libelf-dev"])]),
        .systemLibrary(name: "Libdw", pkgConfig: "libdw", providers: [.apt(["libdw-dev"])]),
        .systemLibrary(name: "Libz", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),

        // C, by library. Every record that crosses the kernel/user boundary is defined once, in
        // MemhoundABI/include/memhound.h, which the BPF build (scripts/build-bpf) includes too.
        .target(name: "MemhoundABI"),
        // libbpf: loading the embedded BPF objects, reading their maps.
        .target(
            name: "CMemhoundBPF",
            dependencies: ["MemhoundABI", "Libbpf", "Libelf"],
            cSettings: [.unsafeFlags(["-Wall", "-Werror", "-fno-omit-frame-pointer"])]
        ),
        // libelf and libdwfl: symbols, inlines, CFI unwinding; libstdc++'s __cxa_demangle.
        .target(
            name: "CMemhoundELF",
            dependencies: ["MemhoundABI", "Libelf", "Libdw"],
            cSettings: [.unsafeFlags(["-Wall", "-Werror", "-fno-omit-frame-pointer"])],
            linkerSettings: [.linkedLibrary("stdc++")]
        ),
        // Starting traced children, termination signals, errno and signal names.
        .target(
            name: "CMemhoundProcess",
            cSettings: [.unsafeFlags(["-Wall", "-Werror"])]
        ),
        // The built-in demo's workload (frame pointers: its call sites are what the demo shows).
        .target(
            name: "CMemhoundDemo",
            cSettings: [.unsafeFlags(["-Wall", "-Werror", "-fno-omit-frame-pointer"])]
        ),

        // Swift modules by responsibility.
        .target(name: "MemhoundEvents", dependencies: ["MemhoundABI"]),
        .target(name: "MemhoundKernel", dependencies: ["MemhoundABI", "CMemhoundBPF", "MemhoundEvents"]),
        .target(name: "MemhoundProc"),
        .target(name: "MemhoundSymbols", dependencies: ["MemhoundABI", "CMemhoundELF", "MemhoundProc"]),
        .target(name: "MemhoundAccounting", dependencies: ["MemhoundEvents"]),
        .target(name: "MemhoundOutput"),
        // Final reports as pprof profiles and folded stacks (profile.pb.swift is generated: scripts/generate-protos).
        .target(
            name: "MemhoundProfiles",
            dependencies: ["MemhoundOutput", "Libz", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            exclude: ["Proto/profile.proto"]
        ),
        .target(name: "MemhoundNet", dependencies: ["MemhoundEvents"]),
        // Trends, spikes, time to OOM, GC pressure and alert hysteresis over sampled series; no I/O
        // (docs/alerts.md).
        .target(name: "MemhoundAnalytics"),
        .target(
            name: "MemhoundAgent",
            dependencies: [
                "MemhoundABI", "CMemhoundBPF", "CMemhoundProcess", "MemhoundEvents", "MemhoundKernel", "MemhoundProc",
                "MemhoundSymbols", "MemhoundAccounting", "MemhoundOutput", "MemhoundNet", "MemhoundAnalytics",
            ]
        ),
        // `memhound report`: reading a recorded run, summarising it, rendering text and HTML.
        .target(name: "MemhoundReport", dependencies: ["MemhoundAgent", "MemhoundOutput"]),
        // --metrics: a SessionObserver feeding a Prometheus registry, served over HTTP (/metrics, /healthz).
        .target(
            name: "MemhoundMetrics",
            dependencies: [
                "MemhoundAgent", "MemhoundOutput", "MemhoundProc",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "memhound",
            dependencies: [
                "MemhoundAgent", "MemhoundOutput", "MemhoundReport", "MemhoundMetrics", "MemhoundProfiles", "CMemhoundProcess", "CMemhoundDemo",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        .testTarget(
            name: "MemhoundTests",
            dependencies: [
                "MemhoundABI", "MemhoundEvents", "MemhoundProc", "MemhoundSymbols",
                "MemhoundAccounting", "MemhoundOutput", "MemhoundAgent", "MemhoundNet", "MemhoundKernel",
                "MemhoundReport", "MemhoundMetrics", "MemhoundProfiles", "MemhoundAnalytics",
            ],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: [],
            resources: [.copy("Programs")]
        ),
    ]
)
