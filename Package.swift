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
    ],
    targets: [
        // System libraries, found through pkg-config.
        .systemLibrary(name: "Libbpf", pkgConfig: "libbpf", providers: [.apt(["libbpf-dev"])]),
        .systemLibrary(name: "Libelf", pkgConfig: "libelf", providers: [.apt(["libelf-dev"])]),
        .systemLibrary(name: "Libdw", pkgConfig: "libdw", providers: [.apt(["libdw-dev"])]),

        // C: BPF loading (embedded skeleton), ELF symbols, child start-up, signals.
        .target(
            name: "CMemhound",
            dependencies: ["Libbpf", "Libelf", "Libdw"],
            cSettings: [.unsafeFlags(["-Wall", "-Werror", "-fno-omit-frame-pointer"])],
            // __cxa_demangle, for C++ names.
            linkerSettings: [.linkedLibrary("stdc++")]
        ),

        // Swift modules by responsibility.
        .target(name: "MemhoundEvents", dependencies: ["CMemhound"]),
        .target(name: "MemhoundKernel", dependencies: ["CMemhound", "MemhoundEvents"]),
        .target(name: "MemhoundProc"),
        .target(name: "MemhoundSymbols", dependencies: ["CMemhound", "MemhoundProc"]),
        .target(name: "MemhoundAccounting", dependencies: ["MemhoundEvents"]),
        .target(name: "MemhoundOutput"),
        .target(name: "MemhoundNet", dependencies: ["MemhoundEvents"]),
        .target(
            name: "MemhoundAgent",
            dependencies: [
                "CMemhound", "MemhoundEvents", "MemhoundKernel", "MemhoundProc",
                "MemhoundSymbols", "MemhoundAccounting", "MemhoundOutput", "MemhoundNet",
            ]
        ),
        .executableTarget(
            name: "memhound",
            dependencies: [
                "MemhoundAgent", "MemhoundOutput", "CMemhound",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        .testTarget(
            name: "MemhoundTests",
            dependencies: [
                "CMemhound", "MemhoundEvents", "MemhoundProc", "MemhoundSymbols",
                "MemhoundAccounting", "MemhoundOutput", "MemhoundAgent", "MemhoundNet", "MemhoundKernel",
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
