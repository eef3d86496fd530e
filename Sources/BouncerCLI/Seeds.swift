import ArgumentParser
import BouncerPolicy
import BouncerRunner

struct Seeds: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seeds",
        abstract: "Write the seed corpus: the hand-written scenarios, encoded, one file each.",
        discussion: """
            Writes DIR/TARGET/NAME.bounce for every fuzz target, and DIR/TARGET.dict: a libFuzzer \
            dictionary of the seeds' operations, each as its bytes, so mutations splice whole \
            operations. Each seed is checked clean under linux-upstream and exact in the target's \
            byte format first.
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
            let path = "\(out)/\(target.name).dict"
            try writeFileAtomically(Array(dictionary(target).utf8), to: path)
            print(path)
        }
    }

    /// Every distinct operation of the target's seeds, encoded, one dictionary entry each.
    func dictionary(_ target: FuzzTarget) -> String {
        var seen = Set<[UInt8]>()
        var lines = ["# libFuzzer dictionary for fuzz-\(target.name), written by `bouncer seeds`: one entry per seed operation."]
        for (_, scenario) in SeedScenarios.seeds(for: target) {
            for op in scenario.operations {
                let bytes = Array(ScenarioCodec.encode(Scenario(platform: scenario.platform, operations: [op]), target: target).dropFirst(2))
                guard !bytes.isEmpty, seen.insert(bytes).inserted else { continue }
                lines.append("\"" + bytes.map { "\\x" + (($0 < 16 ? "0" : "") + String($0, radix: 16)) }.joined() + "\"")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
