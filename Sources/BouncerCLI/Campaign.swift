import ArgumentParser
import BouncerMinimizer
import BouncerOracle
import BouncerPolicy
import BouncerRunner
import Foundation

struct Campaign: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "A fuzzing campaign end to end: fuzz every target, keep the corpus, minimise findings into tests, report.",
        discussion: """
            Builds the release fuzzer build (.build-fuzz) and runs each target with libFuzzer's fork \
            mode for its share of the time budget, on a working corpus DIR/corpus/TARGET seeded \
            from Corpus/TARGET. Progress is printed as libFuzzer reports it. Afterwards new inputs \
            are merged into Corpus/TARGET (libFuzzer -merge=1 keeps only those that add coverage), \
            every finding is minimised, de-duplicated by invariant and operation signature \
            (against this run and Corpus/regressions/), and each new one is written as a \
            regression test; DIR/report.md, report.html (charts, reproducers, traces), report.json and \
            report.sarif say what happened. \
            Known findings (README, Findings) do not stop the fuzzers; they are counted in their \
            own column and listed as known. \
            SIGINT or SIGTERM stops the fuzzer and still merges and reports; the working corpus and \
            findings stay in DIR, so running again resumes. Exit 0: no new finding; 1: new findings \
            (with --strict also known ones); 2: usage or build error.
            """)

    @Option(name: .long, help: "Time budget in seconds, shared by the targets.")
    var seconds: Int = 600

    @Option(name: .long, help: "libFuzzer fork-mode jobs per target.")
    var jobs = 2

    @Option(name: .long, parsing: .upToNextOption, help: "Targets (default: all).")
    var targets: [FuzzTarget] = []

    @OptionGroup var profileOption: ProfileOption
    var profile: String { profileOption.profile }

    @Option(name: .long, parsing: .upToNextOption, help: "Platforms inputs may run on (BOUNCER_PLATFORMS; default all).")
    var platform: [PlatformKind] = []

    /// The fuzz targets' `BOUNCER_PLATFORMS`, when platforms were chosen.
    var platforms: String? { platform.isEmpty ? nil : platform.map(\.rawValue).joined(separator: ",") }

    @Option(name: .long, help: "Campaign directory: working corpus, findings, logs, reports.")
    var out = "campaign"

    @Option(name: .long, help: "Where new regression tests go.")
    var tests = "Tests/BouncerTests/Regressions"

    @Option(name: .long, help: "Seed and regression corpus.")
    var corpus = "Corpus"

    @Flag(name: .long, help: "Known findings stop the fuzzers and fail the campaign too (BOUNCER_STRICT=1).")
    var strict = false

    func validate() throws {
        guard seconds > 0, jobs > 0 else { throw ValidationError("--seconds and --jobs must be positive") }
    }

    func run() throws {
        let profile = try resolveProfile(profile)
        let files = FileManager.default
        guard files.fileExists(atPath: "Package.swift") else {
            throw CommandFailure(code: 2, message: "run bouncer campaign from the package directory (no Package.swift here)")
        }
        let chosen = targets.isEmpty ? FuzzTarget.allCases : targets
        guard try execute("scripts/fuzz-build", []) == 0 else {
            throw CommandFailure(code: 2, message: "the release fuzzer build failed")
        }
        let stop = StopSignal()
        let paths = SpacelessPaths()
        var stats: [TargetStats] = []
        let share = max(1, seconds / chosen.count)
        for target in chosen {
            if stop.requested { break }
            stats.append(try fuzz(target, seconds: share, profile: profile, stop: stop, paths: paths))
        }
        for target in chosen { try merge(target, profile: profile, paths: paths) }
        var findings = try collectFindings(chosen, profile: profile)
        for i in stats.indices {
            let met = try knownFindings(FuzzTarget(name: stats[i].target)!, profile: profile)
            stats[i].knownInputs = met.reduce(0) { $0 + $1.inputs }
            findings += met.map(\.finding)
        }
        try writeReports(stats, findings, profile: profile)
        let fresh = findings.filter(\.new)
        let known = findings.filter(\.known)
        print("\ncampaign: \(stats.map { "\($0.target) \($0.executions) execs, cov \($0.coverage), corpus \($0.corpusSize)" }.joined(separator: "; "))")
        print("campaign: \(findings.count) distinct findings, \(fresh.count) new, \(known.count) known\(known.isEmpty ? "" : " (\(Set(known.compactMap(\.knownFinding)).sorted().joined(separator: ", ")); \(strict ? "fatal with --strict" : "not fatal"))"); reports in \(out)/report.{md,html,json,sarif}")
        if !fresh.isEmpty || strict && !known.isEmpty { throw ExitCode(1) }
    }

    // MARK: fuzzing

    struct TargetStats: Codable {
        var target: String
        var seconds: Int
        var executions = 0
        var coverage = 0
        var features = 0
        var corpusSize = 0
        var execPerSecond = 0
        var crashes = 0
        /// Fuzzing processes that met a known finding (each keeps its first input per finding).
        var knownInputs = 0
        var stopped = false
        /// Every fork-mode status line, for the HTML report's charts.
        var series: [StatusSample] = []
    }

    /// One target under fork mode; its status lines are shown as they come and kept in a log.
    func fuzz(_ target: FuzzTarget, seconds: Int, profile: Profile, stop: StopSignal, paths: SpacelessPaths) throws -> TargetStats {
        let files = FileManager.default
        let started = Date()
        let working = "\(out)/corpus/\(target.name)", findings = "\(out)/findings/\(target.name)"
        for dir in [working, findings, "\(out)/logs"] { try files.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        var arguments = [
            "-fork=\(jobs)", "-ignore_crashes=1", "-max_total_time=\(seconds)",
            "-artifact_prefix=\(try paths.path(findings))/", "-print_final_stats=1",
        ] + (try libFuzzerDefaults()) + [try paths.path(working)]
        if files.fileExists(atPath: "\(corpus)/\(target.name).dict") {
            arguments.insert("-dict=\(try paths.path(corpus))/\(target.name).dict", at: 0)
        }
        if files.fileExists(atPath: "\(corpus)/\(target.name)") { arguments.append(try paths.path("\(corpus)/\(target.name)")) }
        var environment = ProcessInfo.processInfo.environment
        environment["BOUNCER_PROFILE"] = self.profile
        environment["BOUNCER_REPRODUCER_DIR"] = findings
        environment["BOUNCER_STRICT"] = strict ? "1" : "0"
        if let platforms { environment["BOUNCER_PLATFORMS"] = platforms }
        let process = Process()
        // Through setpriv(1), the fuzzer gets SIGTERM when the campaign dies, even by SIGKILL, so it
        // does not fuzz on as an orphan for the rest of its budget.
        let fuzzer = ".build-fuzz/release/fuzz-\(target.name)", setpriv = "/usr/bin/setpriv"
        if files.isExecutableFile(atPath: setpriv) {
            process.executableURL = URL(fileURLWithPath: setpriv)
            process.arguments = ["--pdeathsig", "TERM", "--", fuzzer] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: fuzzer)
            process.arguments = arguments
        }
        process.environment = environment
        let pipe = Pipe()
        process.standardError = pipe
        process.standardOutput = pipe
        let log = "\(out)/logs/\(target.name).log"
        _ = files.createFile(atPath: log, contents: nil)
        let logHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        defer { try? logHandle.close() }
        logHandle.seekToEndOfFile()
        var stats = TargetStats(target: target.name, seconds: seconds)
        print("[\(target.name)] fuzzing \(seconds) s, \(jobs) jobs, profile \(profile.name)")
        try process.run()
        var passed = false
        var pending = Data()
        while true {
            let chunk = pipe.fileHandleForReading.availableData
            stop.pass(to: process, &passed)
            if chunk.isEmpty { break }
            logHandle.write(chunk)
            pending.append(chunk)
            while let newline = pending.firstIndex(of: 10) {
                let line = String(decoding: pending[pending.startIndex ..< newline], as: UTF8.self)
                pending.removeSubrange(pending.startIndex ... newline)
                if update(&stats, line) { print("[\(target.name)] \(line)") }
            }
        }
        process.waitUntilExit()
        stats.stopped = stop.requested
        stats.execPerSecond = Int(Double(stats.executions) / max(1, Date().timeIntervalSince(started)))
        return stats
    }

    /// Reads a fork-mode status line (`#N: cov: C ft: F corp: K exec/s: E oom/timeout/crash: a/b/c ...`).
    func update(_ stats: inout TargetStats, _ line: String) -> Bool {
        guard line.hasPrefix("#") else { return line.hasPrefix("==bouncer==") }
        let words = line.split(separator: " ")
        func value(after key: String) -> Int? {
            guard let i = words.firstIndex(where: { $0 == key }), i + 1 < words.count else { return nil }
            return Int(words[i + 1].prefix { $0.isNumber })
        }
        stats.executions = Int(words[0].dropFirst().prefix { $0.isNumber }) ?? stats.executions
        stats.coverage = value(after: "cov:") ?? stats.coverage
        stats.features = value(after: "ft:") ?? stats.features
        stats.corpusSize = value(after: "corp:") ?? stats.corpusSize
        if let i = words.firstIndex(where: { $0 == "oom/timeout/crash:" }), i + 1 < words.count {
            stats.crashes = Int(words[i + 1].split(separator: "/").last ?? "") ?? stats.crashes
        }
        stats.sample(seconds: value(after: "time:"), execPerSecond: value(after: "exec/s:"))
        return true
    }

    /// Distils the working corpus into `Corpus/TARGET` with libFuzzer's merge.
    func merge(_ target: FuzzTarget, profile: Profile, paths: SpacelessPaths) throws {
        let working = "\(out)/corpus/\(target.name)", seeds = "\(corpus)/\(target.name)"
        guard FileManager.default.fileExists(atPath: working) else { return }
        try FileManager.default.createDirectory(atPath: seeds, withIntermediateDirectories: true)
        var environment = ProcessInfo.processInfo.environment
        environment["BOUNCER_PROFILE"] = self.profile
        environment["BOUNCER_REPRODUCER_DIR"] = "\(out)/findings/\(target.name)"
        if let platforms { environment["BOUNCER_PLATFORMS"] = platforms }
        let before = (try? FileManager.default.contentsOfDirectory(atPath: seeds).count) ?? 0
        let status = try execute(
            ".build-fuzz/release/fuzz-\(target.name)",
            ["-merge=1"] + (try libFuzzerDefaults()).filter { $0.hasPrefix("-max_len=") } + ["-artifact_prefix=\(try paths.path("\(out)/findings/\(target.name)"))/", seeds, working],
            environment: environment, quiet: "\(out)/logs/\(target.name)-merge.log")
        let after = (try? FileManager.default.contentsOfDirectory(atPath: seeds).count) ?? 0
        print("[\(target.name)] merge: \(after - before) new inputs into \(seeds)\(status == 0 ? "" : " (merge exited \(status); see the log)")")
        // The committed corpus keeps only what a minimisation keeps, so campaigns do not grow it
        // without end.
        if status == 0, after > before {
            let (merged, kept) = try minimizeCorpus(target, seeds)
            print("[\(target.name)] cmin: \(merged) -> \(kept) inputs in \(seeds)")
        }
    }

    // MARK: findings

    struct Finding: Codable {
        var target: String
        var invariant: InvariantID
        var signature: String
        var platform: String
        var input: String
        var minimalOperations: Int
        var detail: String
        var new: Bool
        /// The finding matches a known (open) finding: `knownFinding` names it.
        var known = false
        var knownFinding: String?
        var test: String?
        /// What the finding means (`Violation.findingClass`); absent in reports written before it.
        var findingClass: FindingClass?
    }

    /// The kinds of operation a minimal counterexample uses, sorted: with the invariant, what tells
    /// two findings apart (the same bug reached with the operations in another order is one).
    static func signature(_ scenario: Scenario) -> String {
        Set(scenario.operations.map(\.kind.name)).sorted().joined(separator: ",")
    }

    /// Minimises every reproducer the targets wrote, de-duplicates, and writes each new finding as
    /// a regression test and a regression input.
    func collectFindings(_ targets: [FuzzTarget], profile: Profile) throws -> [Finding] {
        let files = FileManager.default
        var known = Set<String>()
        for target in FuzzTarget.allCases {
            let dir = "\(corpus)/regressions/\(target.name)"
            for name in (try? files.contentsOfDirectory(atPath: dir)) ?? [] where name.hasPrefix("\(profile.name)--") {
                let scenario = ScenarioCodec.decode(try readInput("\(dir)/\(name)"), target: target)
                if let v = Runner.run(scenario, profile: profile).firstViolation {
                    known.insert("\(v.invariant.rawValue):\(Self.signature(scenario))")
                }
            }
        }
        var findings: [Finding] = []
        var seen = Set<String>()
        for target in targets {
            let dir = "\(out)/findings/\(target.name)"
            let names = ((try? files.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasPrefix("bouncer-") && $0.hasSuffix(".bounce") }.sorted()
            for name in names {
                let path = "\(dir)/\(name)"
                let scenario = ScenarioCodec.decode(try readInput(path), target: target)
                let run = Runner.runPastKnown(scenario, profile: profile, strict: strict)
                guard let found = run.new else { continue }
                if !strict, !run.known.indices.isEmpty {
                    // Met after a known finding: the minimiser keeps the first violation's
                    // invariant, which is the known one, so this one is reported as it came.
                    guard seen.insert("\(found.invariant.rawValue):after-known:\(Self.signature(scenario))").inserted else { continue }
                    findings.append(Finding(
                        target: target.name, invariant: found.invariant, signature: Self.signature(scenario),
                        platform: scenario.platform.rawValue, input: path, minimalOperations: scenario.operations.count,
                        detail: "\(found) (after a known finding; not minimised)", new: true, findingClass: found.findingClass))
                    continue
                }
                guard let outcome = Minimizer.minimize(scenario, profile: profile) else { continue }
                let signature = Self.signature(outcome.minimal)
                let key = "\(outcome.violation.invariant.rawValue):\(signature)"
                guard seen.insert(key).inserted else { continue }
                let met = Runner.runPastKnown(outcome.minimal, profile: profile).known
                let knownFinding = met.indices.first { met.first[$0] == outcome.violation }.map { KnownFindings.all[$0] }
                var finding = Finding(
                    target: target.name, invariant: outcome.violation.invariant, signature: signature,
                    platform: outcome.minimal.platform.rawValue, input: path, minimalOperations: outcome.minimal.operations.count,
                    detail: outcome.violation.description, new: !known.contains(key) && knownFinding == nil,
                    known: knownFinding != nil, knownFinding: knownFinding?.id, test: knownFinding?.test,
                    findingClass: outcome.violation.findingClass)
                if finding.new, ScenarioCodec.roundTrips(outcome.minimal, target: target) {
                    var testName = RegressionTest.defaultName(outcome, profile: profile)
                    var k = 2
                    while files.fileExists(atPath: "\(tests)/\(testName).swift") {
                        testName = RegressionTest.defaultName(outcome, profile: profile) + "_\(k)"
                        k += 1
                    }
                    let input = "\(corpus)/regressions/\(target.name)/\(profile.name)--\(testName).bounce"
                    let test = RegressionTest(
                        outcome, profile: profile, name: testName, source: "a campaign", input: input, target: target)
                    try writeFileAtomically(Array(test.source.utf8), to: "\(tests)/\(testName).swift")
                    try writeFileAtomically(ScenarioCodec.encode(outcome.minimal, target: target), to: input)
                    finding.test = "\(tests)/\(testName).swift"
                }
                findings.append(finding)
            }
        }
        return findings
    }

    // MARK: reports

    struct Report: Codable {
        var profile: String
        var seconds: Int
        var jobs: Int
        var targets: [TargetStats]
        var findings: [Finding]
    }

    func writeReports(_ stats: [TargetStats], _ findings: [Finding], profile: Profile) throws {
        let report = Report(profile: profile.name, seconds: seconds, jobs: jobs, targets: stats, findings: findings)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try writeFileAtomically(Array(try encoder.encode(report)), to: "\(out)/report.json")
        try writeHTMLReport(report, profile: profile)
        var md = ["# Bouncer campaign: profile \(profile.name)", "",
                  "\(seconds) s budget, \(jobs) fork-mode jobs per target.", "",
                  "| target | seconds | executions | exec/s | coverage | features | corpus | crashes | known findings met | stopped early |",
                  "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
        for s in stats {
            md.append("| \(s.target) | \(s.seconds) | \(s.executions) | \(s.execPerSecond) | \(s.coverage) | \(s.features) | \(s.corpusSize) | \(s.crashes) | \(s.knownInputs) | \(s.stopped ? "yes" : "no") |")
        }
        md += ["", "## Findings", ""]
        if findings.isEmpty { md.append("None.") }
        for f in findings {
            let status = f.knownFinding.map { "known finding \($0)" } ?? (f.new ? "new" : "has a regression test")
            md.append("- **\(f.invariant.rawValue)**, \(f.findingClass.map { "\($0)" } ?? "class not recorded") (\(status), \(f.target), \(f.platform), \(f.minimalOperations) operations): \(f.detail)")
            md.append("  - signature: `\(f.signature)`; input `\(f.input)`\(f.test.map { "; test `\($0)`" } ?? "")")
        }
        try writeFileAtomically(Array((md.joined(separator: "\n") + "\n").utf8), to: "\(out)/report.md")
        let sarif = CampaignSarif.forCampaign(profile: profile, tests: tests, corpus: corpus)
        try writeFileAtomically(try sarif.encoded(findings), to: "\(out)/report.sarif")
    }
}

/// SIGINT and SIGTERM stop the running fuzzer, not the campaign: the merge and the reports still
/// happen, so an interrupted campaign keeps everything it found. The handler only sets a flag
/// (handlers, unlike ignored signals, are not inherited by the fuzzer, which stops on its own
/// SIGINT); the campaign passes the stop on to the fuzzer when it next hears from it.
nonisolated(unsafe) private var stopRequested: sig_atomic_t = 0

struct StopSignal {
    init() {
        for sig in [SIGINT, SIGTERM] { signal(sig) { _ in stopRequested = 1 } }
    }

    var requested: Bool { stopRequested != 0 }

    /// Stops the fuzzer once, if a stop was asked for.
    func pass(to child: Process, _ passed: inout Bool) {
        guard requested, !passed, child.isRunning else { return }
        passed = true
        print("campaign: stopping; merging and reporting what was found")
        // SIGTERM: fork mode runs its jobs through system(), which ignores SIGINT meanwhile.
        kill(child.processIdentifier, SIGTERM)
    }
}
