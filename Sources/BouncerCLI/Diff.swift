import ArgumentParser
import BouncerPolicy
import BouncerProver
import Foundation
import SMT

struct Diff: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Does NEW break an invariant anywhere OLD keeps it? Then every class of configurations where they decide differently.",
        discussion: """
            The verdict comes first: one Z3 query per invariant over every platform and configuration. \
            Exit 0 if NEW breaks no invariant anywhere OLD keeps it, 1 if it does (the invariants are named), \
            2 if Z3 answers unknown for an invariant and none is broken, or on bad usage. The classes that \
            follow explain the verdict; --limit may cut them (said on stderr) without changing it.
            """)

    @Argument(help: "The profile before the change (a built-in name or a profile file).")
    var old: String

    @Argument(help: "The profile after the change.")
    var new: String

    @Option(name: .long, help: "Timeout per solver check, in seconds.")
    var timeout: Double = 20

    @Option(name: .long, help: "Classes to enumerate per platform and group of decisions before cutting the explanation.")
    var limit = 8

    func validate() throws {
        guard timeout > 0, limit > 0 else { throw ValidationError("--timeout and --limit must be positive") }
        guard timeout * 1000 < Double(UInt32.max) else { throw ValidationError("--timeout is too large") }
    }

    func run() throws {
        let a = try resolveProfile(old), b = try resolveProfile(new)
        // At least a millisecond, so that a tiny --timeout does not round to 0.
        let options = ProofOptions(timeoutMilliseconds: max(1, UInt32(timeout * 1000)))
        print("bouncer diff \(a.name) -> \(b.name)\n")

        let verdicts = ProfileDiff.verdict(old: a, new: b, options: options)
        var broken: [String] = [], undecided: [String] = []
        print(table(["invariant", "verdict"], verdicts.map { v in
            let text: String
            switch v.outcome {
            case .proved: text = "kept: \(b.name) breaks it nowhere \(a.name) keeps it"
            case .refuted(let c):
                broken.append(v.invariant.rawValue)
                text = "BROKEN on \(c.platform?.rawValue ?? "?"); " + c.values.map { "\($0.0): \($0.1)" }.joined(separator: "; ")
            case .unknown(let reason):
                undecided.append("\(v.invariant.rawValue) (\(reason))")
                text = "unknown: \(reason)"
            }
            return [v.invariant.rawValue, text]
        }))
        // The answer shows at once; the classes that explain it take longer.
        fflush(nil)
        if broken.isEmpty, !undecided.isEmpty {
            throw CommandFailure(code: 2, message: "no verdict: Z3 answered unknown for \(undecided.joined(separator: ", ")); try a longer --timeout")
        }

        let result: ProfileDiff.Result
        do {
            result = try ProfileDiff.run(old: a, new: b, options: options, limitPerPlatform: limit)
        } catch {
            throw CommandFailure(code: 2, message: "\(error)")
        }
        let groups = merged(result.classes)
        print("\n\(groups.count) classes where the decisions differ\n")
        if !groups.isEmpty {
            print(table(["#", "platforms", "old breaks", "new breaks", "decisions (old -> new)", "where"], groups.enumerated().map { n, g in
                [
                    "\(n + 1)", platformsText(g.platforms), g.c.oldBreaks.isEmpty ? "-" : g.c.oldBreaks.map(\.rawValue).joined(separator: ", "),
                    g.c.newBreaks.isEmpty ? "-" : g.c.newBreaks.map(\.rawValue).joined(separator: ", "),
                    g.c.decisions.map { "\($0.0) \($0.1 ? "yes" : "no")->\($0.2 ? "yes" : "no")" }.joined(separator: "; "),
                    g.c.conditions.isEmpty ? "every configuration" : g.c.conditions.joined(separator: ", "),
                ]
            }))
        }
        if !result.cut.isEmpty {
            printError("bouncer: the classes were cut at --limit \(limit) on \(result.cut.map(\.rawValue).joined(separator: ", ")); the verdict does not depend on them")
        }
        if let reason = result.undecided {
            printError("bouncer: Z3 answered unknown while enumerating classes (\(reason)); the verdict does not depend on them")
        }
        if !undecided.isEmpty { printError("bouncer: also undecided: \(undecided.joined(separator: ", "))") }
        if !broken.isEmpty {
            print("\nverdict: \(b.name) breaks \(broken.joined(separator: ", ")) where \(a.name) keeps it")
            throw CommandFailure(code: 1, message: "\(b.name) breaks \(broken.joined(separator: ", ")) where \(a.name) keeps it")
        }
        print("\nverdict: \(b.name) breaks no invariant that \(a.name) keeps")
    }

    /// The same class on several platforms, once, with all of them.
    func merged(_ classes: [ProfileDiff.DifferenceClass]) -> [(platforms: [PlatformKind], c: ProfileDiff.DifferenceClass)] {
        var groups: [(platforms: [PlatformKind], c: ProfileDiff.DifferenceClass)] = []
        for c in classes {
            if let i = groups.firstIndex(where: {
                $0.c.conditions == c.conditions && $0.c.oldBreaks == c.oldBreaks && $0.c.newBreaks == c.newBreaks
                    && $0.c.decisions.map(\.0) == c.decisions.map(\.0)
            }) {
                groups[i].platforms.append(c.platform)
            } else {
                groups.append(([c.platform], c))
            }
        }
        return groups
    }

    func platformsText(_ platforms: [PlatformKind]) -> String {
        let set = Set(platforms)
        if set.count == PlatformKind.allCases.count { return "all" }
        if set == Set(PlatformKind.allCases).subtracting([.nonConfidential]) { return "all confidential" }
        return platforms.map(\.rawValue).joined(separator: " ")
    }

    /// Columns padded to their widest cell; the last column is not padded.
    func table(_ header: [String], _ rows: [[String]]) -> String {
        let all = [header] + rows
        let widths = header.indices.map { i in all.map { $0[i].count }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { i, cell in
                i == row.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
