import ArgumentParser
import Foundation
import BouncerOracle
import BouncerPolicy
import BouncerProver
import BouncerRunner

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run every check there is for a profile within a time budget and print a verdict table.",
        discussion: """
            Runs random operation sequences (driver work and hostile-host moves) on every platform \
            through the oracle for the time budget, then every proof obligation (`bouncer prove`). \
            The first sequence that breaks each invariant is written as a reproducer for `bouncer \
            replay`. Exit 0: no violation and everything proved; 1: a violation or a refutation; \
            2: an obligation unknown, usage or internal error.
            """)

    @Option(name: .long, help: "Profile: a built-in name or a profile file.")
    var profile = "linux-upstream"

    @Option(name: .long, help: "Time budget in seconds.")
    var seconds: Double = 10

    @Option(name: .long, help: "First random seed; runs use consecutive seeds.")
    var seed: UInt64 = 1

    @Option(name: .long, help: "Operations per random sequence.")
    var length = 200

    @Option(name: .long, parsing: .upToNextOption, help: "Platforms to run (default: all).")
    var platform: [String] = []

    @Option(name: .long, help: "Directory for reproducers.")
    var out = "reproducers"

    @Option(name: .long, help: "Seed corpus to replay through every fuzz target first (skipped when absent).")
    var corpus = "Corpus"

    func validate() throws {
        guard seconds > 0, length > 0 else { throw ValidationError("--seconds and --length must be positive") }
        for p in platform where PlatformKind(rawValue: p) == nil {
            throw ValidationError(
                "unknown platform '\(p)'; expected one of: \(PlatformKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func run() throws {
        let profile = try resolveProfile(profile)
        let corpusViolations = try replayCorpus(profile)
        let platforms = platform.isEmpty ? PlatformKind.allCases : platform.compactMap(PlatformKind.init(rawValue:))
        var rows = platforms.map { Row(platform: $0) }
        var reproducers: [String] = []
        let clock = ContinuousClock()
        let deadline = clock.now + .milliseconds(Int64(seconds * 1000))
        var seed = self.seed
        var i = 0
        while clock.now < deadline {
            let p = i % platforms.count
            // Every other sequence drives the transports too (VMBus, virtio, NVMe).
            let transports = (i / platforms.count) % 2 == 1
            let target: FuzzTarget = transports ? .system : .dma
            let (result, ops) = RandomExplorer.explore(
                seed: seed, platform: platforms[p], length: length, profile: profile, transports: transports)
            rows[p].sequences += 1
            rows[p].steps += result.steps
            if let v = result.firstViolation {
                rows[p].violations[v.invariant, default: 0] += 1
                if rows[p].violations[v.invariant] == 1 {
                    let path = "\(out)/\(profile.name)-\(v.invariant.rawValue)-\(platforms[p].rawValue)-\(target.name)-seed\(seed).bounce"
                    let bytes = ScenarioCodec.encode(Scenario(platform: platforms[p], operations: ops), target: target)
                    let replayed = Runner.run(ScenarioCodec.decode(bytes, target: target), profile: profile)
                    guard replayed.firstViolation?.invariant == v.invariant else {
                        throw CommandFailure(code: 2, message: "internal error: the reproducer for \(v) does not replay (seed \(seed))")
                    }
                    try writeFileAtomically(bytes, to: path)
                    reproducers.append("\(v)\n    reproducer: \(path) (\(ops.count) operations; bouncer replay --trace --target \(target.name) --profile \(profile.name) \(path))")
                }
            }
            seed += 1
            i += 1
        }
        print("bouncer check: profile \(profile.name), \(seconds) s budget, \(length) operations per sequence\n")
        print(Row.header)
        for row in rows { print(row.line) }
        let proofs = Prover.run(profile, options: ProofOptions())
        print("\nproof obligations:")
        var refuted: [String] = [], unknown: [String] = []
        for r in proofs {
            let status: String
            switch r.outcome {
            case .proved: status = "proved"
            case .refuted(let c):
                status = "refuted (breaks \(r.obligation.protects.rawValue)\(c.platform.map { " on \($0.rawValue)" } ?? ""))"
                refuted.append(r.obligation.id)
            case .unknown(let reason):
                status = "unknown: \(reason)"
                unknown.append(r.obligation.id)
            }
            print("  \(r.obligation.id.padding(toLength: 22, withPad: " ", startingAt: 0)) \(status)")
        }
        let total = rows.reduce(0) { $0 + $1.violations.values.reduce(0, +) }
        if !reproducers.isEmpty {
            print("\nverdict: \(total) violating sequences; first of each kind:")
            for r in reproducers { print("  " + r) }
        }
        if !refuted.isEmpty {
            print("\nverdict: refuted \(refuted.joined(separator: ", ")); details: bouncer prove --profile \(profile.name)")
        }
        if !corpusViolations.isEmpty {
            print("\nverdict: corpus inputs break invariants:")
            for v in corpusViolations { print("  " + v) }
        }
        if !reproducers.isEmpty || !refuted.isEmpty || !corpusViolations.isEmpty { throw ExitCode(1) }
        if !unknown.isEmpty { throw CommandFailure(code: 2, message: "not proved (unknown): \(unknown.joined(separator: ", "))") }
        print("\nverdict: no violation in \(rows.reduce(0) { $0 + $1.sequences }) sequences; \(proofs.count) obligations proved")
    }

    /// Replays `Corpus/<target>/` through every target, as the fuzz targets read it; returns the
    /// violations, one line each.
    func replayCorpus(_ profile: Profile) throws -> [String] {
        var violations: [String] = []
        var counts: [String] = []
        for target in FuzzTarget.allCases {
            let dir = "\(corpus)/\(target.name)"
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { continue }
            let files = names.filter { !$0.hasPrefix(".") }.sorted()
            for name in files {
                let scenario = ScenarioCodec.decode(try readInput("\(dir)/\(name)"), target: target)
                if let v = Runner.run(scenario, profile: profile).firstViolation {
                    violations.append("\(dir)/\(name): \(v)")
                }
            }
            counts.append("\(target.name) \(files.count)")
        }
        if !counts.isEmpty { print("corpus replayed (\(counts.joined(separator: ", ")) inputs): \(violations.count) violations") }
        return violations
    }

    struct Row {
        var platform: PlatformKind
        var sequences = 0
        var steps = 0
        var violations: [InvariantID: Int] = [:]

        static let header = "platform       sequences      steps  violations"
        var line: String {
            let v = violations.isEmpty ? "none" : InvariantID.allCases.compactMap { id in violations[id].map { "\(id.rawValue)×\($0)" } }.joined(separator: " ")
            return platform.rawValue.padding(toLength: 13, withPad: " ", startingAt: 0)
                + String(sequences).leftPad(11) + String(steps).leftPad(11) + "  " + v
        }
    }
}

extension String {
    func leftPad(_ n: Int) -> String { count >= n ? self : String(repeating: " ", count: n - count) + self }
}
