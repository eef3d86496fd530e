import ArgumentParser
import BouncerRunner
import Foundation

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
            every seed `bouncer seeds` writes (CI checks them), and only then swaps the new \
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
        guard try execute("scripts/fuzz-build", ["--product", "fuzz-\(target)"]) == 0 else {
            throw CommandFailure(code: 2, message: "the fuzzer build of fuzz-\(target) failed")
        }
        let dir = corpus ?? "Corpus/\(target)"
        let (before, after) = try minimizeCorpus(FuzzTarget(name: target)!, dir)
        print("cmin \(target): \(before) -> \(after) inputs in \(dir)")
    }
}

/// Shrinks `dir` to the inputs that keep fuzz-TARGET's coverage (libFuzzer `-merge=1` into a
/// fresh directory), keeps the generator's seeds under their own names, and swaps the result in
/// only once the merge succeeded. Returns the input counts before and after. Needs the release
/// fuzzer build.
func minimizeCorpus(_ target: FuzzTarget, _ dir: String) throws -> (Int, Int) {
    let files = FileManager.default
    guard files.fileExists(atPath: dir) else { throw CommandFailure(code: 2, message: "\(dir): no such corpus directory") }
    let fresh = "\(dir).cmin", old = "\(dir).before-cmin"
    try? files.removeItem(atPath: fresh)
    try files.createDirectory(atPath: fresh, withIntermediateDirectories: true)
    let before = try files.contentsOfDirectory(atPath: dir).count
    let maxLen = (try libFuzzerDefaults()).filter { $0.hasPrefix("-max_len=") }
    let status = try execute(".build-fuzz/release/fuzz-\(target.name)", ["-merge=1"] + maxLen + [fresh, dir], quiet: "\(fresh).log")
    guard status == 0 else {
        try? files.removeItem(atPath: fresh)
        throw CommandFailure(code: 2, message: "the merge failed (exit \(status); see \(fresh).log); \(dir) is untouched")
    }
    for seed in SeedScenarios.seeds(for: target).map({ "\($0.name).bounce" })
    where files.fileExists(atPath: "\(dir)/\(seed)") && !files.fileExists(atPath: "\(fresh)/\(seed)") {
        try files.copyItem(atPath: "\(dir)/\(seed)", toPath: "\(fresh)/\(seed)")
    }
    try? files.removeItem(atPath: old)
    try files.moveItem(atPath: dir, toPath: old)
    try files.moveItem(atPath: fresh, toPath: dir)
    try files.removeItem(atPath: old)
    try? files.removeItem(atPath: "\(fresh).log")
    return (before, try files.contentsOfDirectory(atPath: dir).count)
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

    @OptionGroup var profileOption: ProfileOption
    var profile: String { profileOption.profile }

    func validate() throws { try checkTarget(target) }

    func run() throws {
        let minimize = try Minimize.parse([file, "--target", target, "--profile", profile])
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
