import ArgumentParser
import BouncerPolicy
import BouncerProver
import BouncerRunner
import Foundation

struct Prove: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Prove the proof obligations for a profile with Z3.",
        discussion: """
            One line per obligation: ID, proved/refuted/unknown, time. A refutation prints its \
            counterexample and, when one replays to the same invariant, writes it as a scenario \
            for `bouncer replay`. Exit 0: all proved; 1: something refuted; 2: unknown or error \
            (a timeout is never reported as proved).
            """)

    @OptionGroup var profileOption: ProfileOption
    var profile: String { profileOption.profile }

    @Option(name: .long, parsing: .upToNextOption, help: "Only these obligation IDs.")
    var only: [String] = []

    @Option(name: .long, help: "Bounded model checking depth.")
    var depth = 8

    @Option(name: .long, help: "Timeout per solver check, in seconds.")
    var timeout: Double = 20

    @Flag(name: .long, help: "Print the results as JSON.")
    var json = false

    @Option(name: .long, help: "Directory for counterexample scenarios.")
    var out = "reproducers"

    func validate() throws {
        guard depth >= 1, timeout > 0 else { throw ValidationError("--depth and --timeout must be positive") }
        let known = Set(Prover.obligations.map(\.id))
        for id in only where !known.contains(id) {
            throw ValidationError("unknown obligation '\(id)'; known: \(Prover.obligations.map(\.id).joined(separator: ", "))")
        }
    }

    func run() throws {
        let profile = try resolveProfile(profile)
        let options = ProofOptions(timeoutMilliseconds: UInt32(timeout * 1000), depth: depth)
        var report = ProofReport(profile: profile.name, obligations: [])
        var refuted = false, unknown = false
        for result in Prover.run(profile, options: options, only: only) {
            var entry = ProofReport.Entry(
                id: result.obligation.id, protects: result.obligation.protects.rawValue,
                statement: result.obligation.statement, status: "proved", seconds: result.seconds)
            switch result.outcome {
            case .proved: break
            case .unknown(let reason):
                unknown = true
                entry.status = "unknown"
                entry.reason = reason
            case .refuted(let c):
                refuted = true
                entry.status = "refuted"
                entry.platform = c.platform?.rawValue
                entry.counterexample = c.values.map { "\($0.0): \($0.1)" }
                if let scenario = c.scenario {
                    let target = ScenarioCodec.narrowestTarget(for: scenario)
                    let path = "\(out)/prove-\(profile.name)-\(result.obligation.id)-\(target.name)-counterexample.bounce"
                    try writeFileAtomically(ScenarioCodec.encode(scenario, target: target), to: path)
                    entry.scenario = path
                }
            }
            report.obligations.append(entry)
            if !json { print(entry.text(profileName: profile.name)) }
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            let total = report.obligations.reduce(0) { $0 + $1.seconds }
            print("\(report.obligations.count) obligations, profile \(profile.name), \(String(format: "%.2f", total)) s")
        }
        if refuted { throw ExitCode(1) }
        if unknown { throw CommandFailure(code: 2, message: "some obligations are unknown: not proved") }
    }
}

struct ProofReport: Codable {
    struct Entry: Codable {
        var id: String
        var protects: String
        var statement: String
        var status: String
        var seconds: Double
        var platform: String?
        var reason: String?
        var counterexample: [String]?
        var scenario: String?

        func text(profileName: String) -> String {
            var line = "\(id.padding(toLength: 22, withPad: " ", startingAt: 0)) \(status.padding(toLength: 8, withPad: " ", startingAt: 0)) \(String(format: "%6.2f", seconds)) s  \(statement)"
            if let reason { line += "\n    unknown: \(reason)" }
            if let counterexample {
                line += "\n    breaks \(protects)" + (platform.map { " on \($0)" } ?? "") + ":"
                for value in counterexample { line += "\n      \(value)" }
                line += scenario.map { "\n    replay: bouncer replay --trace --target \(FuzzTarget.inferred(fromPath: $0).name) --profile \(profileName) \($0)" }
                    ?? "\n    (a configuration-level counterexample: no scenario replays it yet)"
            }
            return line
        }
    }

    var profile: String
    var obligations: [Entry]
}
