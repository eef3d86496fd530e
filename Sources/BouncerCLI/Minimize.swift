import ArgumentParser
import BouncerMinimizer
import BouncerPolicy
import BouncerRunner
import Foundation

struct Minimize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Shrink a violating input to the shortest sequence that breaks the same invariant, and write it as a regression test.",
        discussion: """
            Writes Tests/BouncerTests/Regressions/NAME.swift (a Swift Testing test built with the \
            model's own API) and Corpus/regressions/TARGET/PROFILE--NAME.bounce. Exit 0 when written, \
            2 when the input breaks nothing under the profile or on bad usage.
            """)

    @Argument(help: "The violating input (a reproducer, a fuzzer crash, a `bouncer prove` scenario).")
    var file: String

    @Option(name: .long, help: "The fuzz target the input is for.")
    var target: String

    @Option(name: .long, help: "Profile: a built-in name or a profile file.")
    var profile = "linux-upstream"

    @Option(name: .long, help: "Test name (a Swift identifier); derived from the invariant, profile and platform by default.")
    var name: String?

    @Option(name: .long, help: "Where the regression test goes.")
    var tests = "Tests/BouncerTests/Regressions"

    @Option(name: .long, help: "Corpus directory; the input goes under regressions/TARGET/.")
    var corpus = "Corpus"

    func validate() throws {
        guard FuzzTarget(name: target) != nil else {
            throw ValidationError("unknown target '\(target)'; targets: \(FuzzTarget.allCases.map(\.name).joined(separator: ", "))")
        }
        if let name, name.isEmpty || !name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) || name.first!.isNumber {
            throw ValidationError("--name must be a Swift identifier (letters, digits, _; not starting with a digit)")
        }
    }

    func run() throws {
        let profile = try resolveProfile(profile)
        let target = FuzzTarget(name: self.target)!
        let scenario = ScenarioCodec.decode(try readInput(file), target: target)
        let clock = ContinuousClock()
        let start = clock.now
        guard let outcome = Minimizer.minimize(scenario, profile: profile) else {
            throw CommandFailure(code: 2, message: "\(file) breaks no invariant under \(profile.name): nothing to minimise")
        }
        let elapsed = clock.now - start
        guard ScenarioCodec.roundTrips(outcome.minimal, target: target) else {
            throw CommandFailure(code: 2, message: "internal error: the minimal scenario does not survive the byte format")
        }
        let testName = name ?? RegressionTest.defaultName(outcome, profile: profile)
        let testPath = "\(tests)/\(testName).swift"
        let inputPath = "\(corpus)/regressions/\(target.name)/\(profile.name)--\(testName).bounce"
        // A path outside the package says nothing once that file is gone: name the input by its
        // file name then.
        let from = file.hasPrefix("/") || file.hasPrefix("..") ? "a reproducer, \((file as NSString).lastPathComponent)" : "`\(file)`"
        let test = RegressionTest(outcome, profile: profile, name: testName, source: from, input: inputPath, target: target)
        try writeFileAtomically(Array(test.source.utf8), to: testPath)
        try writeFileAtomically(ScenarioCodec.encode(outcome.minimal, target: target), to: inputPath)
        print("\(outcome.violation.invariant.rawValue): \(outcome.original.operations.count) -> \(outcome.minimal.operations.count) operations, \(outcome.runs) runs, \(elapsed.formatted(.units(allowed: [.seconds, .milliseconds], width: .narrow)))")
        for line in Runner.run(outcome.minimal, profile: profile, tracing: true).trace { print("  \(line)") }
        print("  \(outcome.violation)")
        print("wrote \(testPath)\nwrote \(inputPath)")
    }
}
