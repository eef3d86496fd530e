import ArgumentParser
import BouncerPolicy
import BouncerRunner

/// `--profile`, declared once for every command that runs a profile: a built-in name or a profile
/// file, resolved with a clear error (`resolveProfile`).
struct ProfileOption: ParsableArguments {
    @Option(name: .long, help: "Profile: a built-in name (bouncer profiles) or a profile file.")
    var profile = "linux-upstream"
}

/// Fuzz targets by name, with their names for help and shell completion.
extension FuzzTarget: ExpressibleByArgument {
    public init?(argument: String) { self.init(name: argument) }
    public static var allValueStrings: [String] { allCases.map(\.name) }
    public var defaultValueDescription: String { name }
}

/// Platforms by the names every command and `BOUNCER_PLATFORMS` use (`tdx`, `sev-snp`, ...).
extension PlatformKind: ExpressibleByArgument {
    public init?(argument: String) { self.init(rawValue: argument) }
    public static var allValueStrings: [String] { allCases.map(\.rawValue) }
}
