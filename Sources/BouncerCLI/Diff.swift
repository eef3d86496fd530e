import ArgumentParser
import BouncerPolicy
import BouncerProver

struct Diff: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Every class of configurations where two profiles decide differently, and what each side breaks there.",
        discussion: "Exit 0 if NEW keeps every invariant where it differs from OLD, 1 if it breaks one, 2 on error or an incomplete enumeration.")

    @Argument(help: "The profile before the change (a built-in name or a profile file).")
    var old: String

    @Argument(help: "The profile after the change.")
    var new: String

    @Option(name: .long, help: "Timeout per solver check, in seconds.")
    var timeout: Double = 20

    @Option(name: .long, help: "Classes to enumerate per platform and group of decisions before stopping (incomplete).")
    var limit = 32

    func validate() throws {
        guard timeout > 0, limit > 0 else { throw ValidationError("--timeout and --limit must be positive") }
    }

    func run() throws {
        let a = try resolveProfile(old), b = try resolveProfile(new)
        let result = try ProfileDiff.run(
            old: a, new: b, options: ProofOptions(timeoutMilliseconds: UInt32(timeout * 1000)), limitPerPlatform: limit)
        // The same class on several platforms is printed once, with all of them.
        var groups: [(platforms: [String], c: ProfileDiff.DifferenceClass)] = []
        for c in result.classes {
            if let i = groups.firstIndex(where: {
                $0.c.conditions == c.conditions && $0.c.oldBreaks == c.oldBreaks && $0.c.newBreaks == c.newBreaks
                    && $0.c.decisions.map(\.0) == c.decisions.map(\.0)
            }) {
                groups[i].platforms.append(c.platform.rawValue)
            } else {
                groups.append(([c.platform.rawValue], c))
            }
        }
        print("bouncer diff \(a.name) -> \(b.name): \(groups.count) classes where the decisions differ\n")
        var broken = 0
        for (n, (platforms, c)) in groups.enumerated() {
            print("[\(n + 1)] \(platforms.joined(separator: ", ")): \(c.conditions.isEmpty ? "every configuration" : c.conditions.joined(separator: ", "))")
            for (name, was, now) in c.decisions { print("      \(name): \(was ? "yes" : "no") -> \(now ? "yes" : "no")") }
            let oldText = c.oldBreaks.isEmpty ? "keeps every invariant" : "breaks " + c.oldBreaks.map(\.rawValue).joined(separator: ", ")
            let newText = c.newBreaks.isEmpty ? "keeps every invariant" : "breaks " + c.newBreaks.map(\.rawValue).joined(separator: ", ")
            print("      old \(oldText); new \(newText)")
            if !c.newBreaks.isEmpty { broken += 1 }
        }
        if let incomplete = result.incomplete {
            throw CommandFailure(code: 2, message: "enumeration incomplete (\(incomplete)); the classes above are not all")
        }
        if broken > 0 {
            print("\nverdict: \(b.name) breaks an invariant in \(broken) of \(groups.count) classes")
            throw ExitCode(1)
        }
        print("\nverdict: \(b.name) keeps every invariant wherever it differs from \(a.name)")
    }
}
