import ArgumentParser
import BouncerPolicy
import BouncerRunner

struct Replay: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run scenario files (reproducers, corpus inputs) and report the first violation.",
        discussion: """
            A violation that matches a known finding (README, Findings) is reported as known and \
            the file runs on. Exit 0 when every file runs clean or meets only known findings, 1 when \
            one breaks an invariant otherwise (with --strict: at all), 2 on bad input.
            """)

    @Argument(help: "Scenario files in Bouncer's byte format.")
    var files: [String]

    @OptionGroup var profileOption: ProfileOption
    var profile: String { profileOption.profile }

    @Option(
        name: .long,
        help: "Fuzz target whose byte format the files use (\(FuzzTarget.allCases.map(\.name).joined(separator: ", "))); default: the target named by the file's directory (Corpus/<target>/) or file name (-<target>-), else dma.")
    var target: String?

    @Flag(name: .long, help: "Print every step, one line each.")
    var trace = false

    @Flag(name: .long, help: "Stop at the first violation, known finding or not, and fail on it.")
    var strict = false

    func validate() throws {
        if let target, FuzzTarget(name: target) == nil {
            throw ValidationError("unknown target '\(target)'; expected one of: \(FuzzTarget.allCases.map(\.name).joined(separator: ", "))")
        }
    }

    func run() throws {
        let profile = try resolveProfile(profile)
        var violated = false
        for file in files {
            let target = target.flatMap(FuzzTarget.init(name:)) ?? FuzzTarget.inferred(fromPath: file)
            let scenario = ScenarioCodec.decode(try readInput(file), target: target)
            let result = Runner.runPastKnown(scenario, profile: profile, strict: strict, tracing: trace)
            let boot = scenario.boot == .standard ? "" : " (\(scenario.boot))"
            print("\(file): target \(target.name), \(scenario.platform.rawValue)\(boot), \(scenario.operations.count) operations, profile \(profile.name)")
            for line in result.trace { print("  \(line)") }
            for k in result.known.indices where result.known.first[k] != result.new {
                print("  KNOWN \(KnownFindings.all[k].id): \(result.known.first[k]!) (not fatal; --strict fails on it)")
            }
            if let v = result.new {
                violated = true
                print("  VIOLATION \(v)\(result.known.indices.contains { result.known.first[$0] == v } ? " (known finding, --strict)" : "")")
            } else {
                print(result.known.mask == 0 ? "  clean after \(result.steps) steps" : "  no new violation after \(result.steps) steps")
            }
        }
        if violated { throw ExitCode(1) }
    }
}
