import ArgumentParser
import BouncerRunner
import Foundation

struct Coverage: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Which model functions and branches the corpus reaches: an llvm-cov summary and HTML report.",
        discussion: """
            Builds the fuzz targets with coverage instrumentation (in .build-cov), replays \
            Corpus/TARGET (and the working corpus .fuzz/TARGET when there is one) through each, \
            and writes DIR/TARGET-summary.txt (llvm-cov report) and DIR/TARGET/index.html (llvm-cov \
            show) with the toolchain's llvm-profdata and llvm-cov. Run from the package directory.
            """)

    @Argument(help: "Fuzz target (default: every target), as `cargo fuzz coverage TARGET [CORPUS]`.")
    var positionalTarget: String?

    @Argument(help: "Corpus directory to replay (default: Corpus/TARGET and .fuzz/TARGET).")
    var corpus: String?

    @Option(name: .long, help: "Fuzz target (default: every target).")
    var target: String?

    @Option(name: .long, help: "Directory for the reports.")
    var out = "coverage"

    func validate() throws {
        if target != nil, positionalTarget != nil { throw ValidationError("give the target once: TARGET or --target") }
        if corpus != nil, target == nil, positionalTarget == nil { throw ValidationError("a CORPUS needs a TARGET") }
        if let target = target ?? positionalTarget, FuzzTarget(name: target) == nil {
            throw ValidationError("unknown target '\(target)'; targets: \(FuzzTarget.allCases.map(\.name).joined(separator: ", "))")
        }
    }

    func run() throws {
        let files = FileManager.default
        guard files.fileExists(atPath: "Package.swift") else {
            throw CommandFailure(code: 2, message: "run bouncer coverage from the package directory (no Package.swift here)")
        }
        let tools = try toolchainDirectory()
        let targets = (target ?? positionalTarget).map { [FuzzTarget(name: $0)!] } ?? FuzzTarget.allCases
        if let corpus, !files.fileExists(atPath: corpus) { throw CommandFailure(code: 2, message: "\(corpus): no such corpus") }
        try files.createDirectory(atPath: out, withIntermediateDirectories: true)
        for target in targets {
            let product = "fuzz-\(target.name)"
            guard try execute("swift", ["build", "--scratch-path", ".build-cov", "--product", product,
                                        "-Xswiftc", "-profile-generate", "-Xswiftc", "-profile-coverage-mapping"]) == 0
            else { throw CommandFailure(code: 2, message: "the coverage build of \(product) failed") }
            let profiles = ".build-cov/profiles/\(target.name)"
            try? files.removeItem(atPath: profiles)
            try files.createDirectory(atPath: profiles, withIntermediateDirectories: true)
            var inputs = [corpus ?? "Corpus/\(target.name)"]
            if corpus == nil, files.fileExists(atPath: ".fuzz/\(target.name)") { inputs.append(".fuzz/\(target.name)") }
            var environment = ProcessInfo.processInfo.environment
            environment["LLVM_PROFILE_FILE"] = "\(profiles)/%p.profraw"
            // Exit 1 (a corpus input that breaks an invariant) still leaves its coverage.
            guard try execute(".build-cov/debug/\(product)", inputs, environment: environment) != 2 else {
                throw CommandFailure(code: 2, message: "\(product) could not replay \(inputs.joined(separator: ", "))")
            }
            let raw = try files.contentsOfDirectory(atPath: profiles).filter { $0.hasSuffix(".profraw") }.map { "\(profiles)/\($0)" }
            let merged = "\(profiles).profdata"
            guard try execute("\(tools)/llvm-profdata", ["merge", "-sparse", "-o", merged] + raw) == 0 else {
                throw CommandFailure(code: 2, message: "llvm-profdata merge failed")
            }
            let scope = ["-instr-profile=\(merged)", "-ignore-filename-regex=(\\.build|/Tests/|/FuzzTargets/|/checkouts/)"]
            let summary = try capture("\(tools)/llvm-cov", ["report", ".build-cov/debug/\(product)"] + scope)
            try writeFileAtomically(Array(summary.utf8), to: "\(out)/\(target.name)-summary.txt")
            guard try execute("\(tools)/llvm-cov", ["show", ".build-cov/debug/\(product)", "-format=html",
                                                   "-output-dir=\(out)/\(target.name)"] + scope) == 0
            else { throw CommandFailure(code: 2, message: "llvm-cov show failed") }
            let total = summary.split(separator: "\n").last(where: { $0.hasPrefix("TOTAL") }) ?? "TOTAL ?"
            print("\(target.name): \(total)\n  \(out)/\(target.name)-summary.txt, \(out)/\(target.name)/index.html")
        }
    }

    /// The directory of the `swift` in PATH, where the toolchain keeps its own llvm-cov and
    /// llvm-profdata (Debian's may not match its profile format).
    func toolchainDirectory() throws -> String {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            if FileManager.default.isExecutableFile(atPath: "\(dir)/swift"),
                FileManager.default.isExecutableFile(atPath: "\(dir)/llvm-cov")
            {
                return String(dir)
            }
        }
        throw CommandFailure(code: 2, message: "no swift toolchain with llvm-cov in PATH (expected /opt/swift/usr/bin)")
    }

    func capture(_ program: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CommandFailure(code: 2, message: "\(program) failed") }
        return String(decoding: data, as: UTF8.self)
    }
}
