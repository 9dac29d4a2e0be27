// swift-tools-version:6.0
// Coverage-guided fuzzing (libFuzzer) of every parser that reads what a traced process controls.
// Built and run by scripts/fuzz, with -sanitize=fuzzer,address; not part of the main build.
import PackageDescription

let package = Package(
    name: "memhound-fuzzing",
    dependencies: [.package(name: "memhound", path: "../..")],
    targets: [
        .executableTarget(
            name: "memhound-fuzz",
            dependencies: [.product(name: "MemhoundParsers", package: "memhound")]
        ),
    ]
)
