// swift-tools-version: 6.1
import Foundation
import PackageDescription

// Dependencies point one way: Policy <- Model <- {Transports, Oracle} <- Runner <- {Fuzz, Minimizer, Prover} <- CLI;
// SMT (the Z3 layer) knows nothing of Bouncer.
// The model knows nothing of Z3 or libFuzzer.
//
// The real kernel/dma (Sources/CKernelDMA, docs/KERNEL.md): compiled from the Linux tree in
// BOUNCER_KERNEL_SRC, else from .kernel/linux-6.12 (scripts/kernel-src extracts it). Without a
// usable tree the target builds a stub whose bouncer_kernel_status() says why. Nothing of the
// kernel is committed. scripts/kernel-src checks the same files and version.
let kernelShimVersion = "6.12"
let kernelNeededFiles = [
    "Makefile", "kernel/dma/swiotlb.c", "kernel/dma/direct.c", "kernel/dma/direct.h", "kernel/dma/pool.c",
    "kernel/dma/mapping.c", "include/linux/swiotlb.h", "include/linux/dma-direct.h", "include/linux/dma-map-ops.h",
    "include/linux/dma-mapping.h", "include/linux/dma-direction.h", "include/linux/iommu-helper.h",
]

/// The tree to build from, or why there is none.
func kernelTree() -> (path: String?, reason: String) {
    let given = Context.environment["BOUNCER_KERNEL_SRC"].flatMap { $0.isEmpty ? nil : $0 }
    let path = given ?? Context.packageDirectory + "/.kernel/linux-" + kernelShimVersion
    let fm = FileManager.default
    guard fm.fileExists(atPath: path + "/kernel/dma") else {
        return (nil, given == nil
            ? "no kernel tree at \(path) (scripts/kernel-src extracts Debian's linux-source-\(kernelShimVersion) there)"
            : "no kernel/dma in BOUNCER_KERNEL_SRC=\(path)")
    }
    let missing = kernelNeededFiles.filter { !fm.fileExists(atPath: path + "/" + $0) }
    guard missing.isEmpty else { return (nil, "the kernel tree at \(path) lacks \(missing.joined(separator: " "))") }
    var version = "unknown"
    if let makefile = try? String(contentsOfFile: path + "/Makefile", encoding: .utf8) {
        var fields: [String: String] = [:]
        for line in makefile.split(separator: "\n").prefix(10) {
            let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if parts.count == 2 { fields[parts[0]] = parts[1] }
        }
        if let v = fields["VERSION"], let p = fields["PATCHLEVEL"] { version = v + "." + p }
    }
    guard version == kernelShimVersion else {
        return (nil, "the kernel tree at \(path) is Linux \(version); the shim covers the kernel/dma API of Linux \(kernelShimVersion)")
    }
    return (path, "")
}

let kernel = kernelTree()
let kernelCSettings: [CSetting] =
    [.headerSearchPath("shim")]
    + (kernel.path.map { path in
        [
            .define("BOUNCER_KERNEL_TREE"),
            .define("BOUNCER_KERNEL_TREE_PATH", to: "\"\(path)\""),
            .define("BOUNCER_KERNEL_VERSION", to: "\"\(kernelShimVersion)\""),
            // The tree's root, so that shim/linux/dma-*.h can include include/linux/dma-*.h and the
            // wrappers kernel/dma/*.c; nothing else of the tree is on the include path.
            .unsafeFlags(["-I", path, "-std=gnu11", "-fno-strict-aliasing", "-Wno-pointer-sign"]),
        ]
    } ?? [.define("BOUNCER_KERNEL_STUB_REASON", to: "\"\(kernel.reason)\"")])

// Each Swift target lists every Bouncer module below it, not only its neighbours. SwiftPM reruns
// a module's compile only when the .swiftmodule of a dependency *listed* for it changes, while an
// optimised build inlines and specialises the policy's @inlinable generic code into every module
// that calls it. With only neighbours listed, a change to BouncerPolicy recompiled BouncerModel,
// whose own .swiftmodule came out identical, and nothing above it: the prover kept the old policy
// and `bouncer prove` answered for code that no longer existed (issue 17, item 6).
// scripts/check-package-deps keeps the lists closed; scripts/check-incremental-build shows a policy
// change reaching the prover through an incremental release build.
let package = Package(
    name: "Bouncer",
    // macOS 15 for Synchronization's Mutex (BouncerRunner's BootCache); Linux is what CI builds.
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "bouncer", targets: ["bouncer"]),
        .executable(name: "fuzz-dma", targets: ["fuzz-dma"]),
        .executable(name: "fuzz-vmbus", targets: ["fuzz-vmbus"]),
        .executable(name: "fuzz-virtio", targets: ["fuzz-virtio"]),
        .executable(name: "fuzz-passthrough", targets: ["fuzz-passthrough"]),
        .executable(name: "fuzz-system", targets: ["fuzz-system"]),
        .executable(name: "fuzz-kernel", targets: ["fuzz-kernel"]),
        .library(name: "BouncerRunner", targets: ["BouncerRunner"]),
        .library(name: "BouncerMinimizer", targets: ["BouncerMinimizer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .target(name: "BouncerPolicy"),
        .target(name: "BouncerModel", dependencies: ["BouncerPolicy"]),
        // VMBus, virtio and PCI passthrough drivers over the DMA layer, and the host's moves on them.
        .target(name: "BouncerTransports", dependencies: ["BouncerModel", "BouncerPolicy"]),
        .target(name: "BouncerOracle", dependencies: ["BouncerModel", "BouncerPolicy"]),
        .target(name: "BouncerRunner", dependencies: ["BouncerOracle", "BouncerTransports", "BouncerModel", "BouncerPolicy"]),
        // Fuzz harnesses: libFuzzer entry points and corpus replay; no Foundation.
        .target(
            name: "BouncerFuzz",
            dependencies: ["BouncerRunner", "BouncerOracle", "BouncerTransports", "BouncerModel", "BouncerPolicy", "BouncerCrashState"]),
        // One aborting C function per invariant, so a fuzzer crash's first frames name it.
        .target(name: "BouncerCrashState"),
        // The C side every fuzz target shares: LLVMFuzzerInitialize and the entry-point macro.
        .target(name: "BouncerFuzzEntry", dependencies: ["BouncerFuzz", "BouncerCrashState"]),
        // Shrinks counterexamples and writes them as regression tests.
        .target(
            name: "BouncerMinimizer",
            dependencies: ["BouncerRunner", "BouncerOracle", "BouncerTransports", "BouncerModel", "BouncerPolicy"]),
        // Z3 (Debian's libz3-dev) and a typed layer over it that owns reference counting.
        .systemLibrary(name: "CZ3", path: "Sources/CZ3", providers: [.apt(["libz3-dev"])]),
        .target(name: "SMT", dependencies: ["CZ3"]),
        // Proof obligations: the policy run over Z3 terms, bounded model checking, profile diffs.
        .target(
            name: "BouncerProver",
            dependencies: ["SMT", "BouncerRunner", "BouncerOracle", "BouncerTransports", "BouncerModel", "BouncerPolicy"]),
        .target(
            name: "BouncerCLI",
            dependencies: [
                "BouncerRunner", "BouncerProver", "BouncerMinimizer", "SMT", "BouncerOracle", "BouncerTransports",
                "BouncerModel", "BouncerPolicy", "BouncerKernelDiff", "BouncerKernel", "CKernelDMA",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The real kernel/dma, compiled from a kernel tree against the shim (docs/KERNEL.md).
        .target(name: "CKernelDMA", cSettings: kernelCSettings),
        // Boots the real code and drives it; depends on the model's types, never the reverse.
        .target(name: "BouncerKernel", dependencies: ["CKernelDMA", "BouncerModel", "BouncerPolicy"]),
        // The model and the real kernel code side by side: MODEL-DIVERGENCE, and the oracle on the
        // kernel's own outcomes (docs/KERNEL.md). The model never depends on it.
        .target(
            name: "BouncerKernelDiff",
            dependencies: ["BouncerRunner", "BouncerKernel", "BouncerOracle", "BouncerTransports", "BouncerModel", "BouncerPolicy", "CKernelDMA"]),
        // fuzz-kernel's harness: the differential runner per input from a restored snapshot.
        .target(
            name: "BouncerKernelFuzz",
            dependencies: [
                "BouncerKernelDiff", "BouncerFuzz", "BouncerRunner", "BouncerKernel", "BouncerOracle", "BouncerTransports",
                "BouncerModel", "BouncerPolicy", "CKernelDMA", "BouncerCrashState",
            ]),
        // A C main module: its weak `main` runs the CLI, and in a fuzzer build libFuzzer's
        // strong `main` takes over, so the whole package links under both fuzzer flags.
        .executableTarget(name: "bouncer", dependencies: ["BouncerCLI"]),
        .executableTarget(name: "fuzz-dma", dependencies: ["BouncerFuzzEntry"], path: "FuzzTargets/fuzz-dma"),
        .executableTarget(name: "fuzz-vmbus", dependencies: ["BouncerFuzzEntry"], path: "FuzzTargets/fuzz-vmbus"),
        .executableTarget(name: "fuzz-virtio", dependencies: ["BouncerFuzzEntry"], path: "FuzzTargets/fuzz-virtio"),
        .executableTarget(name: "fuzz-passthrough", dependencies: ["BouncerFuzzEntry"], path: "FuzzTargets/fuzz-passthrough"),
        .executableTarget(name: "fuzz-system", dependencies: ["BouncerFuzzEntry"], path: "FuzzTargets/fuzz-system"),
        .executableTarget(name: "fuzz-kernel", dependencies: ["BouncerKernelFuzz"], path: "FuzzTargets/fuzz-kernel"),
        .testTarget(
            name: "BouncerTests",
            dependencies: [
                "BouncerRunner", "BouncerTransports", "BouncerProver", "BouncerMinimizer", "BouncerCLI", "BouncerKernel", "CKernelDMA", "SMT",
                "BouncerOracle", "BouncerModel", "BouncerPolicy", "BouncerKernelDiff",
            ],
            path: "Tests/BouncerTests"),
    ]
)
