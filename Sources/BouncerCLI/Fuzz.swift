import ArgumentParser
import BouncerRunner
import Foundation

struct Fuzz: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Build a fuzz target's release fuzzer build (in .build-fuzz) if needed and run it.",
        discussion: """
            Runs fuzz-TARGET under libFuzzer on a working corpus (the first --corpus, else .fuzz/TARGET, \
            seeded from Corpus/TARGET, with the dictionary Corpus/TARGET.dict) under the profile \
            given; --jobs N runs N fork-mode jobs. A violation stops the fuzzer: its reproducer \
            goes to --out and libFuzzer's crash artifact next to it. A known finding (README, \
            Findings) does not: it is counted, its first input kept as --out/known-*.bounce, and the \
            fuzzer goes on (--strict stops on it too). Arguments after -- go to \
            libFuzzer (for example -max_total_time=60 -jobs=2); without them it runs until stopped. \
            Run from the package directory. Exit 0: stopped clean; 1: a violation; 2: usage or \
            build error.
            """,
        // `cargo fuzz run TARGET [CORPUS...] --jobs N` reads the same way.
        aliases: ["run"])

    @Argument(help: "Fuzz target: \(FuzzTarget.allCases.map(\.name).joined(separator: ", ")).")
    var target: String

    @Option(name: .customLong("corpus"), help: "A corpus directory (repeatable); new inputs go into the first (default: .fuzz/TARGET, with Corpus/TARGET).")
    var corpora: [String] = []

    @Option(name: .long, help: "Fork-mode jobs (libFuzzer -fork=N).")
    var jobs = 1

    @Option(name: .long, help: "Profile: a built-in name or a profile file.")
    var profile = "linux-upstream"

    @Option(name: .long, help: "Directory for reproducers and crash artifacts.")
    var out = "reproducers"

    @Option(name: .long, help: "Largest input in bytes (default: FuzzTargets/libfuzzer.options).")
    var maxLen: Int?

    @Flag(name: .long, help: "Stop on known findings too (BOUNCER_STRICT=1).")
    var strict = false

    @Argument(parsing: .postTerminator, help: "libFuzzer arguments, after --.")
    var libFuzzerArguments: [String] = []

    func validate() throws {
        guard FuzzTarget(name: target) != nil else {
            throw ValidationError("unknown target '\(target)'; targets: \(FuzzTarget.allCases.map(\.name).joined(separator: ", "))")
        }
        if let maxLen, maxLen <= 0 { throw ValidationError("--max-len must be positive") }
        guard jobs > 0 else { throw ValidationError("--jobs must be positive") }
    }

    func run() throws {
        _ = try resolveProfile(profile)
        let files = FileManager.default
        guard files.fileExists(atPath: "Package.swift") else {
            throw CommandFailure(code: 2, message: "run bouncer fuzz from the package directory (no Package.swift here)")
        }
        let product = "fuzz-\(target)"
        let build = try execute("scripts/fuzz-build", ["--product", product])
        guard build == 0 else { throw CommandFailure(code: 2, message: "the fuzzer build of \(product) failed (exit \(build))") }
        let working = corpora.first ?? ".fuzz/\(target)"
        try files.createDirectory(atPath: working, withIntermediateDirectories: true)
        try files.createDirectory(atPath: out, withIntermediateDirectories: true)
        let given = libFuzzerArguments + (maxLen.map { ["-max_len=\($0)"] } ?? [])
        var arguments = flags(try libFuzzerDefaults(), overriddenBy: given) + (maxLen.map { ["-max_len=\($0)"] } ?? [])
        arguments += ["-artifact_prefix=\(out)/", "-print_final_stats=1"]
        if files.fileExists(atPath: "Corpus/\(target).dict"), !libFuzzerArguments.contains(where: { $0.hasPrefix("-dict=") }) {
            arguments.append("-dict=Corpus/\(target).dict")
        }
        if jobs > 1 { arguments.append("-fork=\(jobs)") }
        arguments += libFuzzerArguments + [working] + corpora.dropFirst()
        if corpora.isEmpty, files.fileExists(atPath: "Corpus/\(target)") { arguments.append("Corpus/\(target)") }
        var environment = ProcessInfo.processInfo.environment
        environment["BOUNCER_PROFILE"] = profile
        environment["BOUNCER_REPRODUCER_DIR"] = out
        environment["BOUNCER_STRICT"] = strict ? "1" : "0"
        print("bouncer fuzz: .build-fuzz/release/\(product) \(arguments.joined(separator: " ")) (profile \(profile)\(strict ? ", strict" : ""))")
        let status = try execute(".build-fuzz/release/\(product)", arguments, environment: environment)
        // libFuzzer exits 0 when its limits run out; our harness aborts on a violation, which
        // libFuzzer reports as a crash with its own non-zero code.
        if status != 0 { throw ExitCode(1) }
    }
}
