import ArgumentParser
import BouncerPolicy
import BouncerRunner

struct CorpusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "corpus",
        abstract: "Write the seed corpus: the hand-written scenarios, encoded, one file each.",
        discussion: """
            Writes DIR/TARGET/NAME.bounce for every fuzz target. Each seed is checked clean under \
            linux-upstream and exact in the target's byte format first.
            """)

    @Option(name: .long, help: "Corpus directory.")
    var out = "Corpus"

    func run() throws {
        for target in FuzzTarget.allCases {
            for (name, scenario) in SeedScenarios.seeds(for: target) {
                if let v = Runner.run(scenario, profile: .linuxUpstream).firstViolation {
                    throw CommandFailure(code: 2, message: "seed \(name) is not clean under linux-upstream: \(v)")
                }
                guard ScenarioCodec.roundTrips(scenario, target: target) else {
                    throw CommandFailure(code: 2, message: "seed \(name) does not survive \(target.name)'s byte format")
                }
                let path = "\(out)/\(target.name)/\(name).bounce"
                try writeFileAtomically(ScenarioCodec.encode(scenario, target: target), to: path)
                print(path)
            }
        }
    }
}
