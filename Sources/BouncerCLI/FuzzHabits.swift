import ArgumentParser
import BouncerRunner
import Foundation

/// `bouncer list`: the fuzz targets and what each drives, as `cargo fuzz list` prints them.
struct ListTargets: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the fuzz targets.")

    func run() {
        for target in FuzzTarget.allCases { print(target.name) }
    }
}

/// `bouncer build`: the release fuzzer build every fuzzing command uses (`scripts/fuzz-build`).
struct BuildTargets: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Build the fuzz targets (release, libFuzzer, in .build-fuzz), or one of them.")

    @Argument(help: "A fuzz target (default: every target).")
    var target: String?

    func validate() throws { if let target { try checkTarget(target) } }

    func run() throws {
        try requirePackageDirectory("build")
        let status = try execute("scripts/fuzz-build", target.map { ["--product", "fuzz-\($0)"] } ?? [])
        guard status == 0 else { throw CommandFailure(code: 2, message: "the fuzzer build failed (exit \(status))") }
    }
}

/// `bouncer cmin`: shrinks a corpus to the inputs that keep its coverage, as `cargo fuzz cmin`.
/// Campaigns only ever add to `Corpus/TARGET`; this is what makes it smaller again.
struct CorpusMinimize: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cmin",
        abstract: "Minimise a fuzz target's corpus to the inputs that keep its coverage.",
        discussion: """
            Runs fuzz-TARGET with libFuzzer's -merge=1 from the corpus into a new directory, keeps \
            every seed `bouncer corpus` writes (CI checks them), and only then swaps the new \
            directory in; the old one is kept as DIR.before-cmin until the swap succeeded. Exit 0 \
            when done, 2 on usage or build errors (the corpus is then untouched).
            """)

    @Argument(help: "The fuzz target.")
    var target: String

    @Argument(help: "The corpus directory (default: Corpus/TARGET).")
    var corpus: String?

    func validate() throws { try checkTarget(target) }

    func run() throws {
        try requirePackageDirectory("cmin")
        let files = FileManager.default
        let dir = corpus ?? "Corpus/\(target)"
        guard files.fileExists(atPath: dir) else { throw CommandFailure(code: 2, message: "\(dir): no such corpus directory") }
        guard try execute("scripts/fuzz-build", ["--product", "fuzz-\(target)"]) == 0 else {
            throw CommandFailure(code: 2, message: "the fuzzer build of fuzz-\(target) failed")
        }
        let fresh = "\(dir).cmin", old = "\(dir).before-cmin"
        try? files.removeItem(atPath: fresh)
        try files.createDirectory(atPath: fresh, withIntermediateDirectories: true)
        let before = try files.contentsOfDirectory(atPath: dir).count
        let status = try execute(
            ".build-fuzz/release/fuzz-\(target)", ["-merge=1"] + (try libFuzzerDefaults()).filter { $0.hasPrefix("-max_len=") } + [fresh, dir], quiet: "\(fresh).log")
        guard status == 0 else {
            try? files.removeItem(atPath: fresh)
            throw CommandFailure(code: 2, message: "the merge failed (exit \(status); see \(fresh).log); \(dir) is untouched")
        }
        // The generator's seeds stay under their own names.
        let seeds = FuzzTarget(name: target).map { SeedScenarios.seeds(for: $0).map { "\($0.name).bounce" } } ?? []
        for seed in seeds where files.fileExists(atPath: "\(dir)/\(seed)") && !files.fileExists(atPath: "\(fresh)/\(seed)") {
            try files.copyItem(atPath: "\(dir)/\(seed)", toPath: "\(fresh)/\(seed)")
        }
        try? files.removeItem(atPath: old)
        try files.moveItem(atPath: dir, toPath: old)
        try files.moveItem(atPath: fresh, toPath: dir)
        try files.removeItem(atPath: old)
        try? files.removeItem(atPath: "\(fresh).log")
        print("cmin \(target): \(before) -> \(try files.contentsOfDirectory(atPath: dir).count) inputs in \(dir)")
    }
}

/// `bouncer tmin TARGET FILE`: `cargo fuzz tmin`'s word order for `bouncer minimize`, which
/// shrinks by operations rather than bytes and writes a regression test.
struct TestCaseMinimize: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tmin",
        abstract: "Shrink a violating input (bouncer minimize FILE --target TARGET, in cargo fuzz's order).")

    @Argument(help: "The fuzz target the input is for.")
    var target: String

    @Argument(help: "The violating input.")
    var file: String

    @Option(name: .long, help: "Profile: a built-in name or a profile file.")
    var profile = "linux-upstream"

    func validate() throws { try checkTarget(target) }

    func run() throws {
        var minimize = try Minimize.parse([file, "--target", target, "--profile", profile])
        try minimize.run()
    }
}

func checkTarget(_ name: String) throws {
    guard FuzzTarget(name: name) != nil else {
        throw ValidationError("unknown target '\(name)'; targets: \(FuzzTarget.allCases.map(\.name).joined(separator: ", "))")
    }
}

func requirePackageDirectory(_ command: String) throws {
    guard FileManager.default.fileExists(atPath: "Package.swift") else {
        throw CommandFailure(code: 2, message: "run bouncer \(command) from the package directory (no Package.swift here)")
    }
}
