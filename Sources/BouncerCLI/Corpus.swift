import ArgumentParser
import BouncerPolicy
import BouncerRunner

struct CorpusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "corpus",
        abstract: "Write the seed corpus: the hand-written scenarios, encoded, one file each.",
        discussion: "Writes DIR/dma/NAME.bounce. Each seed is checked clean under linux-upstream first.")

    @Option(name: .long, help: "Corpus directory.")
    var out = "Corpus"

    func run() throws {
        for (name, scenario) in SeedScenarios.dma {
            if let v = Runner.run(scenario, profile: .linuxUpstream).firstViolation {
                throw CommandFailure(code: 2, message: "seed \(name) is not clean under linux-upstream: \(v)")
            }
            let path = "\(out)/dma/\(name).bounce"
            try writeFileAtomically(ScenarioCodec.encode(scenario), to: path)
            print(path)
        }
    }
}
