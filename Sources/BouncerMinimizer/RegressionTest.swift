import BouncerOracle
import BouncerPolicy
import BouncerRunner

/// A minimised counterexample written as a Swift Testing regression test.
public struct RegressionTest: Sendable {
    /// Test function name and file name (`<name>.swift`).
    public var name: String
    public var source: String

    /// A name for the finding: invariant, profile, platform, e.g.
    /// `confStale_cve2022_0854_tdx`.
    public static func defaultName(_ outcome: Minimizer.Outcome, profile: Profile) -> String {
        let words = profile.name.split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map { $0.lowercased() }
        let camel = words.enumerated().map { $0.offset == 0 ? $0.element : $0.element.prefix(1).uppercased() + $0.element.dropFirst() }.joined()
        return "\(outcome.violation.invariant.swiftName)_\(camel)_\(outcome.minimal.platform.swiftName)"
    }

    /// The test. Against a profile that is meant to be correct (no known bug), the finding is
    /// open: the test asserts the fixed behaviour inside `withKnownIssue`, so the suite stays
    /// green while the bug is there and turns red once it is fixed.
    /// `source` says where the counterexample came from; `input` is the committed regression
    /// input beside the test, from which the header's command writes the test again.
    public init(_ outcome: Minimizer.Outcome, profile: Profile, name: String, source: String, input: String, target: FuzzTarget) {
        self.name = name
        let v = outcome.violation
        let open = profile.breaks == nil
        let profileExpression: String
        if Profile.builtIn(named: profile.name) == profile {
            profileExpression = "Profile.builtIn(named: \"\(profile.name)\")!"
        } else {
            profileExpression = "try Profile.parse(#\"\"\"\n\(profile.fileText)\"\"\"#, file: \"\(profile.name)\")"
        }
        var lines: [String] = []
        lines.append("import BouncerModel")
        lines.append("import BouncerOracle")
        lines.append("import BouncerPolicy")
        lines.append("import BouncerRunner")
        lines.append("import BouncerTransports")
        lines.append("import Testing")
        lines.append("")
        lines.append("/// Regression: \(v.invariant.rawValue) under `\(profile.name)` on \(outcome.minimal.platform.rawValue), minimised from")
        lines.append("/// \(outcome.original.operations.count) to \(outcome.minimal.operations.count) operations (from \(source)). Written again by")
        lines.append("/// `bouncer minimize \(input) --target \(target.name) --profile \(profile.name) --name \(name)`.")
        lines.append("/// \(v.invariant.statement)")
        lines.append("/// Found: \(v.location): \(v.detail)")
        if open {
            lines.append("/// An open finding against a profile believed correct: once the kernel (model) is fixed the")
            lines.append("/// known issue stops happening and this test fails: then remove the `withKnownIssue` wrapper.")
        }
        lines.append("@Test func \(name)() throws {")
        lines.append("    let operations: [GuestOperation] = [")
        // Each comment is the operation in the kernel's words on the state it runs on.
        var runner = Runner(platform: outcome.minimal.platform, profile: profile, boot: outcome.minimal.boot)
        for op in outcome.minimal.operations {
            lines.append("        \(op.swiftSource),  // \(op.description(in: runner.system))")
            _ = runner.run(op)
        }
        lines.append("    ]")
        lines.append("    let profile = \(profileExpression)")
        // A boot other than the standard one is named by its place in SwiotlbBoot.all.
        let boot = outcome.minimal.boot == .standard ? "" : "boot: SwiotlbBoot.all[\(outcome.minimal.boot.index)], "
        lines.append(
            "    let result = Runner.run(Scenario(platform: .\(outcome.minimal.platform.swiftName), \(boot)operations: operations), profile: profile)")
        if open {
            lines.append("    withKnownIssue(\"open finding: \(v.invariant.rawValue) under \(profile.name)\") {")
            lines.append("        #expect(result.violations.isEmpty, \"\\(result.violations)\")")
            lines.append("    }")
        } else {
            lines.append("    #expect(result.firstViolation?.invariant == .\(v.invariant.swiftName), \"\\(result.violations)\")")
            lines.append("    #expect(result.steps == operations.count)")
        }
        lines.append("}")
        self.source = lines.joined(separator: "\n") + "\n"
    }
}
