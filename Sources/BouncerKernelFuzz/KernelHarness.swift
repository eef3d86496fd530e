#if canImport(Glibc)
import Glibc
#endif
import BouncerFuzz
import BouncerKernel
import BouncerKernelDiff
import BouncerOracle
import BouncerPolicy
import BouncerRunner
import BouncerTransports

/// `fuzz-kernel`: each input in the dma target's byte format runs through the model and the real
/// kernel/dma side by side (`KernelDiffRun`). A `MODEL-DIVERGENCE`, including an invariant broken
/// on one side only, is reported with a reproducer and aborts; a violation both sides agree on
/// is a finding of the kernel code that the model predicts (`fuzz-dma` under the same profile
/// finds it too): counted, its first input kept, not fatal. Inputs on a platform the shim cannot
/// stand for (non-x86) or outside `BOUNCER_PLATFORMS` are passed over (-1).
///
/// Speed: the kernel guest of the current platform is booted once and restored from a snapshot
/// per input (`KernelGuest.saveSnapshot`); another platform boots again, so runs restricted to
/// one platform restore only.
struct KernelHarness {
    var profile: Profile
    var guest: KernelGuest?
    /// Per platform and boot configuration (`SwiotlbBoot.all`), platform-major.
    var booted: [Guest?] = Array(repeating: nil, count: PlatformKind.allCases.count * SwiotlbBoot.all.count)
    var executions = 0
    var passedOver = 0
    var agreed = [Int](repeating: 0, count: InvariantID.allCases.count)
    /// Inputs that met each known divergence (`KnownDivergence.all`).
    var knownMet = [Int](repeating: 0, count: KnownDivergence.all.count)

    /// Runs one input; the first divergence, if any, and the violations both sides agreed on.
    mutating func run(_ bytes: UnsafeRawBufferPointer) -> (divergence: Divergence?, agreed: [Violation])? {
        var decoder = ScenarioDecoder(bytes, target: .dma)
        let kind = decoder.platform
        guard harnessPlatforms()[decoder.platformIndex], KernelDiffRun.supports(kind) else {
            passedOver += 1
            return nil
        }
        executions += 1
        if let g = guest, g.platform.kind == kind, g.boot == decoder.boot {
            g.restoreSnapshot()
        } else {
            guard let g = try? KernelGuest(platform: kind, boot: decoder.boot) else {
                fail("fuzz-kernel: booting the kernel code on \(kind.rawValue) (\(decoder.boot)) failed")
            }
            g.saveSnapshot()
            guest = g
        }
        let b = decoder.platformIndex * SwiotlbBoot.all.count + decoder.bootIndex
        if booted[b] == nil { booted[b] = Guest(platform: kind, behaviours: profile.behaviours, boot: decoder.boot) }
        var run = KernelDiffRun(kernel: guest!, profile: profile, booted: booted[b])
        var both: [Violation] = []
        var modelSeen = Set<InvariantID>(), kernelSeen = Set<InvariantID>()
        while let op = decoder.next() {
            let r = run.run(op)
            if let d = r.divergence { return (d, both) }
            for v in r.modelViolations { modelSeen.insert(v.invariant) }
            for v in r.kernelViolations where kernelSeen.insert(v.invariant).inserted && modelSeen.contains(v.invariant) { both.append(v) }
            if let o = run.outOfScope {
                if let id = o.reason.known, let i = KnownDivergence.all.firstIndex(where: { $0.id == id }) { knownMet[i] += 1 }
                break
            }
        }
        return (run.finish(), both)
    }
}

nonisolated(unsafe) private var harness: KernelHarness?
nonisolated(unsafe) private var startNanoseconds: UInt64 = 0

/// The profile: `BOUNCER_PROFILE` when set, else `linux-6.12`, the kernel tree's own version.
func kernelHarness() -> KernelHarness {
    if let harness { return harness }
    let profile = getenv("BOUNCER_PROFILE").map { $0.pointee == 0 ? KernelDiff.profile : harnessProfile() } ?? KernelDiff.profile
    harness = KernelHarness(profile: profile)
    return harness!
}

@_cdecl("bouncer_kernel_fuzz_initialize")
public func bouncerKernelFuzzInitialize() -> Int32 {
    for sig in [SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP] { signal(sig, SIG_DFL) }
    _ = harnessPlatforms()
    ScenarioCodec.prepare()
    let h = kernelHarness()
    if KernelGuest.isAvailable {
        report("fuzz-kernel: \(KernelGuest.status); model profile \(h.profile.name)\n")
    } else {
        report("fuzz-kernel: no kernel code in this build (\(KernelGuest.status)); every input is passed over\n")
    }
    startNanoseconds = monotonicNanoseconds()
    atexit {
        guard let h = harness else { return }
        // libFuzzer's exec/s counts the inputs passed over too; this says how many were compared.
        report("==bouncer== fuzz-kernel: \(h.executions) inputs compared, \(h.passedOver) passed over (platform)\n")
        let known = KnownDivergence.all.indices.filter { h.knownMet[$0] > 0 }
        if !known.isEmpty {
            report("==bouncer== known divergences (not fatal): "
                + known.map { "\(KnownDivergence.all[$0].id) in \(h.knownMet[$0]) inputs" }.joined(separator: ", ") + "\n")
        }
        let met = InvariantID.allCases.indices.filter { h.agreed[$0] > 0 }
        if !met.isEmpty {
            report("==bouncer== kernel and model agree on (not fatal): "
                + met.map { "\(InvariantID.allCases[$0].rawValue) in \(h.agreed[$0]) inputs" }.joined(separator: ", ") + "\n")
        }
    }
    return 0
}

/// Aborts with the divergence's name in the crash's first frames.
@inline(never)
func modelDivergence() -> Never { abort() }

@_cdecl("bouncer_kernel_fuzz_one")
public func bouncerKernelFuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard KernelGuest.isAvailable else { return -1 }
    let bytes = UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size)
    if harness == nil { _ = kernelHarness() }
    guard let outcome = harness!.run(bytes) else { return -1 }
    for v in outcome.agreed {
        let i = InvariantID.allCases.firstIndex(of: v.invariant)!
        harness!.agreed[i] += 1
        if harness!.agreed[i] == 1 {
            let path = writeInput(bytes, name: "agreed-kernel-\(v.invariant.rawValue)")
            report("==bouncer== kernel and model agree (not fatal): \(v); input \(path)\n")
        }
    }
    guard let d = outcome.divergence else { return 0 }
    let path = writeInput(bytes, name: "bouncer-kernel-\(Divergence.id)")
    let elapsed = Double(monotonicNanoseconds() &- startNanoseconds) / 1e9
    report("==bouncer== \(d)\n==bouncer== after \(harness!.executions) executions, \(elapsed) s; profile \(harness!.profile.name); reproducer \(path); replay: bouncer kernel-diff --trace \(path)\n")
    modelDivergence()
}

/// A normal build's entry: replay files and directories. Exit 0 no divergence, 1 a divergence,
/// 2 bad usage or no kernel code in this build.
@_cdecl("bouncer_kernel_fuzz_main")
public func bouncerKernelFuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    guard KernelGuest.isAvailable else {
        report("fuzz-kernel: no kernel code in this build: \(KernelGuest.status)\n")
        return 2
    }
    var h = kernelHarness()
    var divergent = 0, agreedInputs = 0
    let replayed = replayInputs("fuzz-kernel", argc, argv) { file, bytes in
        guard let outcome = bytes.withUnsafeBytes({ h.run($0) }) else { return }
        if let d = outcome.divergence {
            divergent += 1
            report("\(file): \(d)\n")
        }
        if !outcome.agreed.isEmpty {
            agreedInputs += 1
            for v in outcome.agreed { report("\(file): kernel and model agree: \(v)\n") }
        }
    }
    guard let files = replayed else { return 2 }
    let known = h.knownMet.reduce(0, +)
    report("fuzz-kernel: \(files) inputs, \(h.executions) compared, \(h.passedOver) passed over (platform), \(divergent) divergences, \(known) known divergences, \(agreedInputs) with a violation both sides agree on; profile \(h.profile.name)\n")
    return divergent == 0 ? 0 : 1
}
