import BouncerOracle
import BouncerPolicy
import BouncerRunner
import Foundation

/// A campaign's findings as SARIF 2.1.0 for GitHub code scanning. Each result sits where it stays
/// once the finding is known, at a line code scanning can show: the `@Test` of the regression test
/// the campaign wrote, or of the test beside the committed regression input it matched (not the
/// campaign directory's reproducer, which is not committed). Its partial fingerprint is the
/// finding's signature (invariant and operation kinds, what the campaign de-duplicates by), so a
/// finding keeps one alert from run to run.
struct CampaignSarif {
    /// The package directory; artifact URIs are relative to it (base `%SRCROOT%`).
    var root: String
    var profile: String
    /// Where regression tests are (`campaign --tests`).
    var tests: String
    /// Committed regression inputs under `profile`, by finding key (`key(_:_:)`).
    var regressions: [String: String]
    /// The repository's web address, for `informationUri` and `helpUri`; nil leaves them out
    /// rather than making one up.
    var repository: String?

    static let fingerprintName = "bouncerFindingSignature/v1"

    /// The key the campaign de-duplicates findings by.
    static func key(_ invariant: InvariantID, _ signature: String) -> String { "\(invariant.rawValue):\(signature)" }

    /// A finding that matches a known open finding (`KnownFindings`) is a note, so code scanning
    /// keeps it visible without failing a pull request on it. Otherwise the level follows what
    /// the finding means (`FindingClass`): a confidentiality or integrity breach is an error, a
    /// contract break with nothing exposed a warning.
    static func level(_ finding: Campaign.Finding) -> Level {
        if finding.known { return .note }
        return finding.findingClass.map(level) ?? .error
    }

    static func level(_ c: FindingClass) -> Level {
        switch c {
        case .contractBreak: .warning
        case .confidentialityBreach, .integrityBreach: .error
        }
    }

    static func status(_ f: Campaign.Finding) -> String {
        if f.known { return "Known open finding \(f.knownFinding ?? "")" }
        return f.new ? "New finding" : "Finding already in Corpus/regressions"
    }

    func log(_ findings: [Campaign.Finding]) -> Log {
        let invariants = InvariantID.allCases
        let results = findings.map { f in
            Result(
                ruleId: f.invariant.rawValue, ruleIndex: invariants.firstIndex(of: f.invariant)!, level: Self.level(f),
                message: Message(text: "\(Self.status(f)) under \(profile) on \(f.platform) (fuzz-\(f.target), \(f.minimalOperations) operations): \(f.detail)"),
                locations: [location(f)],
                partialFingerprints: [Self.fingerprintName: Self.key(f.invariant, f.signature)],
                properties: .init(
                    target: f.target, platform: f.platform, profile: profile, signature: f.signature, operations: f.minimalOperations,
                    findingClass: f.findingClass?.rawValue))
        }
        let driver = Driver(
            name: "bouncer", informationUri: repository.map { "\($0)/blob/HEAD/README.md" },
            rules: invariants.map(rule))
        return Log(runs: [Run(
            tool: Tool(driver: driver),
            automationDetails: .init(id: "bouncer-campaign/\(profile)/"),
            originalUriBaseIds: ["%SRCROOT%": ArtifactLocation(uri: "file://" + Self.uriPath(rootPrefix))],
            results: results)])
    }

    func encoded(_ findings: [Campaign.Finding]) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(log(findings)))
    }

    func rule(_ id: InvariantID) -> Rule {
        let text = "\(id.rawValue): \(id.statement) Checked after every step of the model. \(id.checkedBy)"
        let markdown = """
            **\(id.rawValue)**: \(id.statement)

            Checked after every step of the model. \(id.checkedBy)

            The result's location is the finding's regression test; `bouncer replay --profile PROFILE FILE` \
            replays its input (see README, *The oracle* and *Counterexamples become regression tests*).
            """
        let area = switch id.rawValue.prefix(4) {
        case "CONF": "confidentiality"
        case "SAFE": "memory-safety"
        default: "data-integrity"
        }
        return Rule(
            id: id.rawValue, name: Self.ruleName(id), shortDescription: Message(text: id.statement),
            fullDescription: Message(text: id.checkedBy), help: .init(text: text, markdown: markdown),
            helpUri: repository.map { "\($0)/blob/HEAD/README.md#the-oracle" },
            defaultConfiguration: .init(level: Self.level(id.defaultClass)), properties: .init(tags: ["security", area]))
    }

    /// `CONF-PRIVATE` -> `ConfPrivate`: SARIF's rule name is an identifier.
    static func ruleName(_ id: InvariantID) -> String {
        id.rawValue.split(separator: "-").map { $0.prefix(1) + $0.dropFirst().lowercased() }.joined()
    }

    // MARK: locations

    func location(_ f: Campaign.Finding) -> Location {
        if let test = f.test { return textLocation(test) }
        if let input = regressions[Self.key(f.invariant, f.signature)] {
            if let test = testFile(forRegressionInput: input) { return textLocation(test) }
            return Location(physicalLocation: .init(artifactLocation: artifact(input), region: Region(startLine: 1)))
        }
        // A new finding whose minimal scenario could not be written as a test: only the reproducer.
        return Location(physicalLocation: .init(artifactLocation: artifact(f.input), region: Region(startLine: 1)))
    }

    /// `Corpus/regressions/T/PROFILE--NAME.bounce` was written with the test `TESTS/NAME.swift`.
    func testFile(forRegressionInput input: String) -> String? {
        let file = URL(fileURLWithPath: input).deletingPathExtension().lastPathComponent
        guard let range = file.range(of: "--") else { return nil }
        let path = "\(tests)/\(file[range.upperBound...]).swift"
        return FileManager.default.fileExists(atPath: resolve(path)) ? path : nil
    }

    /// The test function's lines: from its `@Test` to the closing brace at the start of a line.
    func textLocation(_ path: String) -> Location {
        let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        let lines = ((try? String(contentsOfFile: resolve(path), encoding: .utf8)) ?? "").split(separator: "\n", omittingEmptySubsequences: false)
        var region = Region(startLine: 1)
        if let start = lines.firstIndex(where: { $0.hasPrefix("@Test") && $0.contains("func \(name)(") }) {
            region.startLine = start + 1
            region.endLine = lines[start...].firstIndex(where: { $0 == "}" }).map { $0 + 1 }
        }
        return Location(physicalLocation: .init(artifactLocation: artifact(path), region: region))
    }

    func resolve(_ path: String) -> String {
        URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: root, isDirectory: true)).standardizedFileURL.path
    }

    /// The package directory, absolute, ending in `/`.
    var rootPrefix: String {
        let base = URL(fileURLWithPath: root).standardizedFileURL.path
        return base.hasSuffix("/") ? base : base + "/"
    }

    /// Relative to `%SRCROOT%` inside the package, an absolute `file:` URI outside it.
    func artifact(_ path: String) -> ArtifactLocation {
        let absolute = resolve(path)
        if absolute.hasPrefix(rootPrefix) {
            return ArtifactLocation(uri: Self.uriPath(String(absolute.dropFirst(rootPrefix.count))), uriBaseId: "%SRCROOT%")
        }
        return ArtifactLocation(uri: "file://" + Self.uriPath(absolute))
    }

    /// A path as a URI path: every byte outside RFC 3986's unreserved characters, sub-delimiters,
    /// `@` and `/` percent-encoded (so spaces and `%` are; `:` too, so a relative reference never
    /// reads as a scheme).
    static func uriPath(_ path: String) -> String {
        let kept = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=@/".utf8)
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        for byte in path.utf8 {
            if kept.contains(byte) {
                out.append(byte)
            } else {
                out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 15)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    // MARK: where the campaign finds its inputs

    /// For a campaign run from the package directory: the committed regression inputs the profile
    /// breaks, and the repository's address from GitHub Actions or the `origin` remote.
    static func forCampaign(profile: Profile, tests: String, corpus: String) -> CampaignSarif {
        CampaignSarif(
            root: FileManager.default.currentDirectoryPath, profile: profile.name, tests: tests,
            regressions: regressionInputs(corpus: corpus, profile: profile),
            repository: repositoryURL(environment: ProcessInfo.processInfo.environment, gitRemote: gitRemote()))
    }

    /// Each committed `CORPUS/regressions/T/PROFILE--*.bounce` that still breaks an invariant, by
    /// the key of what it breaks (as the campaign matches findings against them).
    static func regressionInputs(corpus: String, profile: Profile) -> [String: String] {
        var inputs: [String: String] = [:]
        for target in FuzzTarget.allCases {
            let dir = "\(corpus)/regressions/\(target.name)"
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted()
            for name in names where name.hasPrefix("\(profile.name)--") && name.hasSuffix(".bounce") {
                guard let bytes = FileManager.default.contents(atPath: "\(dir)/\(name)") else { continue }
                let scenario = ScenarioCodec.decode([UInt8](bytes), target: target)
                guard let v = Runner.run(scenario, profile: profile).firstViolation else { continue }
                let found = key(v.invariant, Campaign.signature(scenario))
                if inputs[found] == nil { inputs[found] = "\(dir)/\(name)" }
            }
        }
        return inputs
    }

    /// `https://HOST/OWNER/NAME` from GitHub Actions' variables, else from a git remote URL
    /// (https, ssh or scp-like); nil for anything else (a local path, no remote).
    static func repositoryURL(environment: [String: String], gitRemote: String?) -> String? {
        if let server = environment["GITHUB_SERVER_URL"], let repository = environment["GITHUB_REPOSITORY"], !server.isEmpty, !repository.isEmpty {
            return "\(server)/\(repository)"
        }
        guard var remote = gitRemote?.trimmingCharacters(in: .whitespacesAndNewlines), !remote.isEmpty else { return nil }
        if remote.hasSuffix(".git") { remote.removeLast(4) }
        for scheme in ["https://", "ssh://"] where remote.hasPrefix(scheme) {
            let rest = remote.dropFirst(scheme.count)
            guard let slash = rest.firstIndex(of: "/") else { return nil }
            let authority = rest[..<slash].split(separator: "@").last ?? ""
            let host = authority.split(separator: ":").first ?? ""
            let path = rest[rest.index(after: slash)...]
            guard !host.isEmpty, path.contains("/") else { return nil }
            return "https://\(host)/\(path)"
        }
        // scp-like: git@github.com:OWNER/NAME
        if let colon = remote.firstIndex(of: ":"), !remote.contains("://"), !remote.hasPrefix("/") {
            let host = remote[..<colon].split(separator: "@").last ?? ""
            let path = remote[remote.index(after: colon)...]
            guard !host.isEmpty, path.contains("/") else { return nil }
            return "https://\(host)/\(path)"
        }
        return nil
    }

    static func gitRemote() -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "config", "--get", "remote.origin.url"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return process.terminationStatus == 0 ? String(decoding: data, as: UTF8.self) : nil
    }
}
