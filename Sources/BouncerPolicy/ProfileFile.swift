/// The profile text format: `#` comments, `profile NAME`, `base NAME`, `summary TEXT`, and one
/// `behaviour = choice` line per override. A file without `base` starts from `linux-upstream`.
public struct ProfileFileError: Error, CustomStringConvertible, Equatable {
    public var file: String
    public var line: Int
    public var message: String
    public var description: String { "\(file):\(line): \(message)" }
}

extension Profile {
    /// Parses a profile file. Every error names the file, the line, and what was expected.
    public static func parse(_ text: String, file: String) throws(ProfileFileError) -> Profile {
        var name: String?
        var summary = ""
        var base = Profile.linuxUpstream
        var overrides: [(line: Int, key: String, value: String)] = []
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first
                .map { $0.trimmingWhitespace() } ?? ""
            if line.isEmpty { continue }
            if let eq = line.firstIndex(of: "=") {
                let key = line[..<eq].trimmingWhitespace()
                let value = line[line.index(after: eq)...].trimmingWhitespace()
                overrides.append((lineNumber, key, value))
                continue
            }
            let words = line.split(separator: " ", maxSplits: 1).map(String.init)
            let argument = words.count > 1 ? words[1].trimmingWhitespace() : ""
            switch words[0] {
            case "profile" where !argument.isEmpty: name = argument
            case "summary": summary = argument
            case "base":
                guard let found = Profile.builtIn(named: argument) else {
                    throw ProfileFileError(
                        file: file, line: lineNumber,
                        message: "unknown base profile '\(argument)'; expected one of: "
                            + Profile.builtIn.map(\.name).joined(separator: ", "))
                }
                base = found
            default:
                throw ProfileFileError(
                    file: file, line: lineNumber,
                    message: "expected 'profile NAME', 'base NAME', 'summary TEXT' or 'behaviour = choice', got '\(line)'")
            }
        }
        var behaviours = base.behaviours
        for o in overrides {
            guard let field = Behaviours.fields.first(where: { $0.name == o.key }) else {
                throw ProfileFileError(
                    file: file, line: o.line,
                    message: "unknown behaviour '\(o.key)'; valid behaviours: "
                        + Behaviours.fields.map(\.name).joined(separator: ", "))
            }
            guard field.set(&behaviours, o.value) else {
                throw ProfileFileError(
                    file: file, line: o.line,
                    message: "'\(o.value)' is not a choice of \(field.name); expected one of: "
                        + field.choices.joined(separator: ", "))
            }
        }
        return Profile(
            name: name ?? file, summary: summary.isEmpty ? "based on \(base.name)" : summary,
            commits: "", breaks: nil, behaviours: behaviours)
    }

    /// The profile as a file a user can copy and edit; `parse` reads it back to the same behaviours.
    public var fileText: String {
        var out = "# \(summary)\n"
        if !commits.isEmpty { out += "# commits: \(commits)\n" }
        if let breaks { out += "# breaks: \(breaks)\n" }
        out += "profile \(name)\nbase linux-upstream\n"
        for field in Behaviours.fields {
            out += "\(field.name) = \(field.get(behaviours))   # one of: \(field.choices.joined(separator: ", "))\n"
        }
        return out
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let c = s.first, c == " " || c == "\t" || c == "\r" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" || c == "\r" { s.removeLast() }
        return String(s)
    }
}
