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
            Runs random operation sequences (driver work and hostile-host moves) on every platform, \
            each from a boot configuration (possible CPUs, swiotlb= areas) its seed draws, through \
            the oracle for the time budget, then every proof obligation (`bouncer prove`). \
            The first sequence that breaks each invariant is written as a reproducer for `bouncer \
            replay`. A violation that matches a known finding (an open finding of linux-upstream, \
            README Findings) is counted in its own column and the sequence runs on; each known \
            finding's regression input is replayed, and one that no longer reproduces is reported \
            so it can be closed. Exit 0: no new violation and everything proved; 1: a new \
            violation or a refutation (with --strict also a known finding, or one that no longer \
            reproduces); 2: an obligation unknown, usage or internal error.
            """)

    @OptionGroup var profileOption: ProfileOption
    var profile: String { profileOption.profile }

    @Option(name: .long, help: "Time budget in seconds.")
    var seconds: Double = 10

    @Option(name: .long, help: "First random seed; runs use consecutive seeds.")
    var seed: UInt64 = 1

    @Option(name: .long, help: "Operations per random sequence.")
    var length = 200

    @Option(name: .long, parsing: .upToNextOption, help: "Platforms to run (default: all).")
    var platform: [PlatformKind] = []

    @Option(name: .long, help: "Directory for reproducers.")
    var out = "reproducers"

    @Option(name: .long, help: "Seed corpus to replay through every fuzz target first (skipped when absent).")
    var corpus = "Corpus"

    @Flag(name: .long, help: "Fail on known findings too, and on a known finding that no longer reproduces.")
    var strict = false

    func validate() throws {
        guard seconds > 0, length > 0 else { throw ValidationError("--seconds and --length must be positive") }
    }

    func run() throws {
        let profile = try resolveProfile(profile)
        let corpusViolations = try replayCorpus(profile)
        let platforms = platform.isEmpty ? PlatformKind.allCases : platform
        var rows = platforms.map { Row(platform: $0) }
        var reproducers: [String] = []
        var firstKnown = [String?](repeating: nil, count: KnownFindings.all.count)
        let clock = ContinuousClock()
        let deadline = clock.now + .milliseconds(Int64(seconds * 1000))
        var seed = self.seed
        var i = 0
        while clock.now < deadline {
            let p = i % platforms.count
            // Every other sequence drives the transports too (VMBus, virtio, NVMe).
            let transports = (i / platforms.count) % 2 == 1
            let target: FuzzTarget = transports ? .system : .dma
            let (result, scenario) = RandomExplorer.explorePastKnown(
                seed: seed, platform: platforms[p], length: length, profile: profile, transports: transports, strict: strict)
            rows[p].sequences += 1
            rows[p].steps += result.steps
            for k in result.known.indices {
                rows[p].known[k, default: 0] += 1
                if firstKnown[k] == nil { firstKnown[k] = "\(result.known.first[k]!) (\(platforms[p].rawValue), seed \(seed))" }
            }
            if let v = result.new {
                rows[p].violations[v.invariant, default: 0] += 1
                if rows[p].violations[v.invariant] == 1 {
                    let path = "\(out)/\(profile.name)-\(v.invariant.rawValue)-\(platforms[p].rawValue)-\(target.name)-seed\(seed).bounce"
                    let bytes = ScenarioCodec.encode(scenario, target: target)
                    let replayed = Runner.runPastKnown(ScenarioCodec.decode(bytes, target: target), profile: profile, strict: strict)
                    guard replayed.new?.invariant == v.invariant else {
                        throw CommandFailure(code: 2, message: "internal error: the reproducer for \(v) does not replay (seed \(seed))")
                    }
                    try writeFileAtomically(bytes, to: path)
                    reproducers.append("\(v)\n    reproducer: \(path) (\(scenario.operations.count) operations, \(scenario.boot); bouncer replay --trace --target \(target.name) --profile \(profile.name) \(path))")
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
        let stale = try replayKnownFindings(profile)
        printKnown(rows, platforms, firstKnown, stale: stale)
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
        if !reproducers.isEmpty || !refuted.isEmpty || !corpusViolations.isEmpty || strict && !stale.isEmpty { throw ExitCode(1) }
        if !unknown.isEmpty { throw CommandFailure(code: 2, message: "not proved (unknown): \(unknown.joined(separator: ", "))") }
        let met = rows.reduce(0) { $0 + $1.known.values.reduce(0, +) }
        print("\nverdict: no new violation in \(rows.reduce(0) { $0 + $1.sequences }) sequences"
            + (met > 0 ? " (\(met) met a known finding)" : "") + "; \(proofs.count) obligations proved")
    }

    /// The known findings met, and those whose regression input no longer reproduces them.
    func printKnown(_ rows: [Row], _ platforms: [PlatformKind], _ firstKnown: [String?], stale: [String]) {
        let met = KnownFindings.all.indices.filter { k in rows.contains { $0.known[k] != nil } }
        if !met.isEmpty {
            print("\nknown findings (README, Findings; \(strict ? "fatal with --strict" : "not fatal, --strict fails on them")):")
            for k in met {
                let f = KnownFindings.all[k]
                let on = rows.filter { $0.known[k] != nil }.map { "\($0.platform.rawValue) ×\($0.known[k]!)" }.joined(separator: ", ")
                print("  \(f.id): \(f.invariant.rawValue), \(f.findingClass) (\(f.findingClass.meaning)), on \(on)")
                print("    first: \(firstKnown[k] ?? "")")
                print("    regression input: \(f.regression); fix: \(f.fix)")
            }
        }
        for line in stale { print("\nknown finding no longer reproduces (close it: remove it from KnownFindings and its withKnownIssue): " + line) }
    }

    /// Replays each known finding's regression input under the profile; returns a line for each
    /// that no longer meets its finding.
    func replayKnownFindings(_ profile: Profile) throws -> [String] {
        var stale: [String] = []
        for (k, f) in KnownFindings.all.enumerated() {
            let path = f.regression.hasPrefix("Corpus/") ? corpus + f.regression.dropFirst("Corpus".count) : f.regression
            guard FileManager.default.fileExists(atPath: path) else { continue }
            if let instead = KnownFindings.staleness(of: k, input: try readInput(path), profile: profile) {
                stale.append("\(f.id): \(path) under \(profile.name): \(instead)")
            }
        }
        return stale
    }

    /// Replays `Corpus/<target>/` through every target, as the fuzz targets read it; returns the
    /// violations, one line each.
    func replayCorpus(_ profile: Profile) throws -> [String] {
        var violations: [String] = []
        var counts: [String] = []
        var known = 0
        for target in FuzzTarget.allCases {
            let dir = "\(corpus)/\(target.name)"
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { continue }
            let files = names.filter { !$0.hasPrefix(".") }.sorted()
            for name in files {
                let scenario = ScenarioCodec.decode(try readInput("\(dir)/\(name)"), target: target)
                let run = Runner.runPastKnown(scenario, profile: profile, strict: strict)
                if let v = run.new { violations.append("\(dir)/\(name): \(v)") }
                if !strict, run.known.mask != 0 { known += 1 }
            }
            counts.append("\(target.name) \(files.count)")
        }
        if !counts.isEmpty {
            print("corpus replayed (\(counts.joined(separator: ", ")) inputs): \(violations.count) violations, \(known) inputs met a known finding")
        }
        return violations
    }

    struct Row {
        var platform: PlatformKind
        var sequences = 0
        var steps = 0
        var violations: [InvariantID: Int] = [:]
        /// Sequences that met each known finding (by its index in `KnownFindings.all`).
        var known: [Int: Int] = [:]

        static let header = "platform       sequences      steps  violations                 known"
        var line: String {
            let v = violations.isEmpty ? "none" : InvariantID.allCases.compactMap { id in violations[id].map { "\(id.rawValue)×\($0)" } }.joined(separator: " ")
            let k = known.isEmpty ? "none" : known.keys.sorted().map { "\(KnownFindings.all[$0].invariant.rawValue)×\(known[$0]!)" }.joined(separator: " ")
            return platform.rawValue.padding(toLength: 13, withPad: " ", startingAt: 0)
                + String(sequences).leftPad(11) + String(steps).leftPad(11) + "  " + v.padding(toLength: 25, withPad: " ", startingAt: 0) + "  " + k
        }
    }
}

extension String {
    func leftPad(_ n: Int) -> String { count >= n ? self : String(repeating: " ", count: n - count) + self }
}
