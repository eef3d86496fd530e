@testable import BouncerCLI
import BouncerOracle
import BouncerPolicy
import BouncerRunner
import Foundation
import Testing

/// The campaign's SARIF: every result at a committed place with a line, a fingerprint that is the
/// finding's signature, rules that explain each invariant, and URIs that stay valid whatever the
/// campaign directory is called.
@Suite struct CampaignSarifTests {
    static let root = packageRoot
    static let tests = "Tests/BouncerTests/Regressions"

    /// The committed linux-upstream regression input for `invariant` (whose name ends in `named`,
    /// where several break it), and its signature.
    static func committed(_ invariant: InvariantID, named: String = "") throws -> (path: String, signature: String, regressions: [String: String]) {
        let regressions = CampaignSarif.regressionInputs(corpus: "\(root)/Corpus", profile: .linuxUpstream)
        let (key, path) = try #require(regressions.first { $0.key.hasPrefix(invariant.rawValue + ":") && $0.value.hasSuffix(named) })
        return (path, String(key.dropFirst(invariant.rawValue.count + 1)), regressions)
    }

    static func finding(_ invariant: InvariantID, signature: String, input: String, test: String? = nil, new: Bool = false) -> Campaign.Finding {
        Campaign.Finding(
            target: "dma", invariant: invariant, signature: signature, platform: "s390-pv", input: input,
            minimalOperations: 5, detail: "page 112: shared in place", new: new, test: test)
    }

    static func lines(_ path: String) throws -> [Substring] {
        try String(contentsOfFile: "\(root)/\(path)", encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
    }

    @Test func aKnownFindingSitsAtTheTestOfItsCommittedRegressionInputWhereverTheCampaignRan() throws {
        let (input, signature, regressions) = try Self.committed(.confPrivate, named: "_sharedInPlaceStalePage_s390Pv.bounce")
        #expect(input.hasSuffix("/Corpus/regressions/dma/linux-upstream--confPrivate_sharedInPlaceStalePage_s390Pv.bounce"))
        let sarif = CampaignSarif(root: Self.root, profile: "linux-upstream", tests: Self.tests, regressions: regressions, repository: nil)
        let results = ["campaign", "my campaign", "/tmp/elsewhere"].map { out in
            sarif.log([Self.finding(.confPrivate, signature: signature, input: "\(out)/findings/dma/bouncer-dma-CONF-PRIVATE-1f.bounce")]).runs[0].results[0]
        }
        for result in results {
            #expect(result == results[0])
            let location = result.locations[0].physicalLocation
            #expect(location.artifactLocation == .init(uri: "\(Self.tests)/confPrivate_sharedInPlaceStalePage_s390Pv.swift", uriBaseId: "%SRCROOT%"))
            let lines = try Self.lines(location.artifactLocation.uri)
            #expect(lines[location.region.startLine - 1].hasPrefix("@Test func confPrivate_sharedInPlaceStalePage_s390Pv("))
            let end = try #require(location.region.endLine)
            #expect(end > location.region.startLine && lines[end - 1] == "}")
            #expect(result.partialFingerprints == [CampaignSarif.fingerprintName: "CONF-PRIVATE:\(signature)"])
        }
    }

    @Test func aNewFindingSitsAtTheTestTheCampaignWroteAndItsFingerprintIsItsSignature() throws {
        let test = "\(Self.tests)/confStale_cve20220854_tdx.swift"
        let sarif = CampaignSarif(root: Self.root, profile: "cve-2022-0854", tests: Self.tests, regressions: [:], repository: nil)
        let findings = [
            Self.finding(.confStale, signature: "dmaMap,dmaSync", input: "campaign/findings/dma/a.bounce", test: test, new: true),
            Self.finding(.confStale, signature: "dmaMap,dmaSync,kfree", input: "campaign/findings/dma/b.bounce", new: true),
        ]
        let results = sarif.log(findings).runs[0].results
        let location = results[0].locations[0].physicalLocation
        #expect(location.artifactLocation.uri == test)
        #expect(try Self.lines(test)[location.region.startLine - 1].hasPrefix("@Test func confStale_cve20220854_tdx("))
        #expect(results.map { $0.partialFingerprints[CampaignSarif.fingerprintName] } == ["CONF-STALE:dmaMap,dmaSync", "CONF-STALE:dmaMap,dmaSync,kfree"])
        // No test could be written: the reproducer itself, at line 1 (code scanning needs a line).
        #expect(results[1].locations[0].physicalLocation == .init(artifactLocation: .init(uri: "campaign/findings/dma/b.bounce", uriBaseId: "%SRCROOT%"), region: .init(startLine: 1)))
        #expect(results.allSatisfy { $0.level == .error && $0.message.text.hasPrefix("New finding under cve-2022-0854 on s390-pv") })
    }

    @Test func pathsWithSpacesPercentSignsAndColonsBecomeValidURIs() throws {
        let sarif = CampaignSarif(root: "/home/me/my checkout", profile: "linux-upstream", tests: Self.tests, regressions: [:], repository: nil)
        let log = sarif.log([
            Self.finding(.confBounce, signature: "a", input: "my campaign/findings/system/bouncer-system-CONF-BOUNCE-9.bounce"),
            Self.finding(.confBounce, signature: "b", input: "/srv/100% done:é/x.bounce"),
        ])
        let run = log.runs[0]
        let uris = run.results.map(\.locations[0].physicalLocation.artifactLocation)
        #expect(uris[0] == .init(uri: "my%20campaign/findings/system/bouncer-system-CONF-BOUNCE-9.bounce", uriBaseId: "%SRCROOT%"))
        #expect(uris[1] == .init(uri: "file:///srv/100%25%20done%3A%C3%A9/x.bounce"))
        #expect(run.originalUriBaseIds["%SRCROOT%"]?.uri == "file:///home/me/my%20checkout/")
        let base = try #require(URL(string: run.originalUriBaseIds["%SRCROOT%"]!.uri))
        for uri in uris.map(\.uri) {
            let url = try #require(URL(string: uri, relativeTo: base), "\(uri) is not a URI")
            #expect(url.path.hasPrefix("/home/me/my checkout/") || url.path.hasPrefix("/srv/100% done:é/"))
        }
    }

    @Test func everyInvariantHasARuleWithTheCatalogueTextAndResultsPointAtTheirOwn() throws {
        let (_, signature, regressions) = try Self.committed(.confBounce, named: "_virtioWithoutAccessPlatform_cca.bounce")
        let sarif = CampaignSarif(root: Self.root, profile: "linux-upstream", tests: Self.tests, regressions: regressions, repository: nil)
        let run = sarif.log([Self.finding(.confBounce, signature: signature, input: "campaign/findings/system/x.bounce")]).runs[0]
        let rules = run.tool.driver.rules
        #expect(rules.map(\.id) == InvariantID.allCases.map(\.rawValue))
        for (rule, id) in zip(rules, InvariantID.allCases) {
            #expect(rule.shortDescription.text == id.statement && rule.fullDescription.text == id.checkedBy)
            #expect(rule.help.markdown.contains("**\(id.rawValue)**") && rule.help.text.contains(id.checkedBy))
            #expect(rule.defaultConfiguration.level == (id.defaultClass == .contractBreak ? .warning : .error) && rule.properties.tags.contains("security"))
            #expect(rule.helpUri == nil)
        }
        #expect(rules.map(\.name).prefix(2) == ["ConfPrivate", "ConfBounce"])
        let result = run.results[0]
        #expect(rules[result.ruleIndex].id == result.ruleId && result.ruleId == "CONF-BOUNCE")
        #expect(result.locations[0].physicalLocation.artifactLocation.uri == "\(Self.tests)/confBounce_virtioWithoutAccessPlatform_cca.swift")
        #expect(run.automationDetails.id == "bouncer-campaign/linux-upstream/")
    }

    @Test func informationUriIsTheRepositorysReadmeAndIsLeftOutWhenTheRepositoryIsUnknown() throws {
        var sarif = CampaignSarif(root: Self.root, profile: "linux-upstream", tests: Self.tests, regressions: [:], repository: nil)
        let unknown = String(decoding: try sarif.encoded([]), as: UTF8.self)
        #expect(!unknown.contains("informationUri") && !unknown.contains("helpUri") && !unknown.contains("\\/"))
        sarif.repository = "https://github.com/owner/bouncer"
        let driver = sarif.log([]).runs[0].tool.driver
        #expect(driver.informationUri == "https://github.com/owner/bouncer/blob/HEAD/README.md")
        #expect(driver.rules.allSatisfy { $0.helpUri == "https://github.com/owner/bouncer/blob/HEAD/README.md#the-oracle" })
        let json = try #require(try JSONSerialization.jsonObject(with: Data(try sarif.encoded([]))) as? [String: Any])
        #expect(json["version"] as? String == "2.1.0" && (json["$schema"] as? String)?.hasSuffix("sarif-schema-2.1.0.json") == true)
    }

    /// The level follows what a finding means: a breach is an error, a contract break with nothing
    /// exposed a warning, a known open finding a note whatever its class.
    @Test func theLevelFollowsTheFindingsClassAndAKnownFindingStaysANote() throws {
        let sarif = CampaignSarif(root: Self.root, profile: "linux-upstream", tests: Self.tests, regressions: [:], repository: nil)
        var findings: [Campaign.Finding] = []
        for c in FindingClass.allCases {
            for known in [false, true] {
                var f = Self.finding(.confBounce, signature: "\(c)-\(known)", input: "campaign/findings/system/x.bounce", new: !known)
                f.findingClass = c
                f.known = known
                findings.append(f)
            }
        }
        let results = sarif.log(findings).runs[0].results
        #expect(results.map(\.level) == [.error, .note, .error, .note, .warning, .note])
        #expect(results.map(\.properties.findingClass) == FindingClass.allCases.flatMap { [$0.rawValue, $0.rawValue] })
        let json = String(decoding: try sarif.encoded(findings), as: UTF8.self)
        #expect(json.contains("\"findingClass\" : \"contract-break\""))
    }

    @Test(arguments: [
        ([:], "git@github.com:owner/bouncer.git", "https://github.com/owner/bouncer"),
        ([:], "https://token@github.com/owner/bouncer.git\n", "https://github.com/owner/bouncer"),
        ([:], "ssh://git@github.com:22/owner/bouncer", "https://github.com/owner/bouncer"),
        (["GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "org/bouncer"], "git@example.org:x/y.git", "https://github.com/org/bouncer"),
        ([:], "/srv/git/bouncer.git", nil),
        ([:], nil, nil),
    ] as [([String: String], String?, String?)])
    func theRepositoryComesFromGitHubActionsOrTheOriginRemote(environment: [String: String], remote: String?, expected: String?) {
        #expect(CampaignSarif.repositoryURL(environment: environment, gitRemote: remote) == expected)
    }
}
