import ArgumentParser
import BouncerPolicy

struct Profiles: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the built-in profiles, or print one as a file you can copy and edit.")

    @Option(name: .long, help: "Print this profile (a built-in name or a profile file) in the profile file format.")
    var show: String?

    func run() throws {
        if let show {
            print(try resolveProfile(show).fileText, terminator: "")
            return
        }
        let width = Profile.builtIn.map(\.name.count).max() ?? 0
        for p in Profile.builtIn {
            let name = p.name.padding(toLength: width, withPad: " ", startingAt: 0)
            print("\(name)  \(p.breaks.map { "breaks \($0.padding(toLength: 14, withPad: " ", startingAt: 0))" } ?? "believed correct     ")  \(p.summary)")
        }
    }
}
