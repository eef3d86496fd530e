import BouncerOracle
import BouncerRunner

/// Everything the harness keeps from one input to the next. One global rather than one per
/// variable: every use of a global is checked for exclusive access at run time (a call into the
/// runtime), and one global takes an input's checks down to a couple.
struct HarnessState {
    /// The booted guests under the harness profile, made on first use.
    var booted: BootedGuests?
    /// `BOUNCER_PLATFORMS` and `BOUNCER_STRICT`, read once (`bouncerFuzzInitialize` has already
    /// stopped the process on a bad value).
    let platforms = harnessPlatforms()
    let strict = harnessStrict()
    /// The known findings the current input met (reset per input) and, per known finding, the
    /// inputs of this process that met it.
    var inputHits = KnownHits()
    var knownInputs = [Int](repeating: 0, count: KnownFindings.all.count)
    /// libFuzzer inputs run in this process, reported with a violation (time to detect).
    var executions = 0

    /// Runs an input's operations from the booted guest of its platform, past known findings
    /// unless strict; returns the first violation that is not known, and counts the known ones.
    mutating func run(_ decoder: inout ScenarioDecoder) -> Violation? {
        if booted == nil { booted = BootedGuests(profile: harnessProfile()) }
        inputHits.reset()
        let v = booted!.firstNewViolation(&decoder, strict: strict, &inputHits)
        if inputHits.mask != 0 {
            for i in knownInputs.indices where inputHits.contains(i) { knownInputs[i] += 1 }
        }
        return v
    }

    /// One libFuzzer input: `run`, keeping the first input of this process to meet each known
    /// finding.
    mutating func fuzz(_ decoder: inout ScenarioDecoder, _ target: FuzzTarget, _ bytes: UnsafeRawBufferPointer) -> Violation? {
        executions += 1
        let v = run(&decoder)
        if inputHits.mask != 0, !strict { keepFirstKnown(target, bytes) }
        return v
    }

    /// The first input of this process to meet each known finding, as
    /// `known-<target>-<id>-<hash>.bounce` beside the reproducers: once per finding and process,
    /// so off the hot path.
    func keepFirstKnown(_ target: FuzzTarget, _ bytes: UnsafeRawBufferPointer) {
        for i in KnownFindings.all.indices where inputHits.contains(i) && knownInputs[i] == 1 {
            let path = writeInput(bytes, name: "known-\(target.name)-\(KnownFindings.all[i].id)")
            report("==bouncer== known finding \(KnownFindings.all[i].id) (not fatal): \(inputHits.first[i].map { "\($0)" } ?? ""); input \(path)\n")
        }
    }

    /// A line naming the known findings this process met and how many inputs met each; empty when none.
    func knownSummary() -> String {
        let met = KnownFindings.all.indices.filter { knownInputs[$0] > 0 }
        if met.isEmpty { return "" }
        return "==bouncer== known findings (not fatal; BOUNCER_STRICT=1 stops on them): "
            + met.map { "\(KnownFindings.all[$0].id) in \(knownInputs[$0]) inputs" }.joined(separator: ", ") + "\n"
    }
}

nonisolated(unsafe) var harness = HarnessState()
