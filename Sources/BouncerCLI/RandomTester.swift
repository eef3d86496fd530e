import ArgumentParser
import BouncerOracle
import BouncerPolicy
import BouncerRunner

struct RandomTester: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "random",
        abstract: "The baseline for the benchmarks: a plain random tester over a fuzz target's operations.",
        discussion: """
            Draws inputs of uniformly random bytes (length 2 to --max-len, uniform) and runs each as \
            the target decodes it, with no coverage feedback, until one breaks an invariant or the \
            time runs out. Uniform bytes are uniform over the target's operations and their fields. \
            Known findings are passed over as the fuzz targets pass over them (--strict: not). \
            Prints the time and inputs to the first violation. Exit 0: none found; 1: found.
            """)

    @Argument(help: "Fuzz target whose decoding to use.")
    var target: String

    @OptionGroup var profileOption: ProfileOption
    var profile: String { profileOption.profile }

    @Option(name: .long, help: "Random seed.")
    var seed: UInt64 = 1

    @Option(name: .long, help: "Time budget in seconds.")
    var seconds: Double = 60

    @Option(name: .long, help: "Largest input in bytes.")
    var maxLen = 1024

    @Option(name: .long, parsing: .upToNextOption, help: "Platforms inputs may run on (default: all); others are drawn again.")
    var platform: [String] = []

    @Flag(name: .long, help: "Stop on known findings too.")
    var strict = false

    func validate() throws {
        guard FuzzTarget(name: target) != nil else {
            throw ValidationError("unknown target '\(target)'; targets: \(FuzzTarget.allCases.map(\.name).joined(separator: ", "))")
        }
        guard seconds > 0, maxLen >= 2 else { throw ValidationError("--seconds must be positive and --max-len at least 2") }
        for p in platform where PlatformKind(rawValue: p) == nil { throw ValidationError("unknown platform '\(p)'") }
    }

    func run() throws {
        let profile = try resolveProfile(profile)
        let target = FuzzTarget(name: target)!
        let allowed = platform.isEmpty ? PlatformKind.allCases : platform.compactMap(PlatformKind.init(rawValue:))
        var booted = BootedGuests(profile: profile)
        var rng = SplitMix64(seed: seed)
        var bytes = [UInt8](repeating: 0, count: maxLen)
        var hits = KnownHits()
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = start + .milliseconds(Int64(seconds * 1000))
        var inputs = 0
        while clock.now < deadline {
            for _ in 0 ..< 64 {
                let n = Int.random(in: 2 ... maxLen, using: &rng)
                for i in 0 ..< n { bytes[i] = UInt8.random(in: 0 ... 255, using: &rng) }
                // The fuzz harness's path: decode as the operations run, from a booted guest.
                let violation: Violation? = bytes[0 ..< n].withUnsafeBytes { raw in
                    var decoder = ScenarioDecoder(raw, target: target)
                    guard allowed.contains(decoder.platform) else { return nil }
                    inputs += 1
                    hits.reset()
                    return booted.firstNewViolation(&decoder, strict: strict, &hits)
                }
                if let v = violation {
                    let elapsed = clock.now - start
                    print("found \(v.invariant.rawValue) after \(inputs) inputs, \(Int(elapsed / .milliseconds(1))) ms")
                    print("  \(v)")
                    throw ExitCode(1)
                }
            }
        }
        print("none found in \(inputs) inputs, \(seconds) s")
    }
}
