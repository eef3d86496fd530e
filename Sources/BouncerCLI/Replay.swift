import ArgumentParser
import BouncerPolicy
import BouncerRunner

struct Replay: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run scenario files (reproducers, corpus inputs) and report the first violation.",
        discussion: "Exit 0 when every file runs clean, 1 when one breaks an invariant, 2 on bad input.")

    @Argument(help: "Scenario files in Bouncer's byte format.")
    var files: [String]

    @Option(name: .long, help: "Profile: a built-in name or a profile file.")
    var profile = "linux-upstream"

    @Option(
        name: .long,
        help: "Fuzz target whose byte format the files use (\(FuzzTarget.allCases.map(\.name).joined(separator: ", "))); default: the target named by the file's directory (Corpus/<target>/) or file name (-<target>-), else dma.")
    var target: String?

    @Flag(name: .long, help: "Print every step, one line each.")
    var trace = false

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
            let result = Runner.run(scenario, profile: profile, tracing: trace)
            print("\(file): target \(target.name), \(scenario.platform.rawValue), \(scenario.operations.count) operations, profile \(profile.name)")
            for line in result.trace { print("  \(line)") }
            if let v = result.firstViolation {
                violated = true
                print("  VIOLATION \(v)")
            } else {
                print("  clean after \(result.steps) steps")
            }
        }
        if violated { throw ExitCode(1) }
    }
}
