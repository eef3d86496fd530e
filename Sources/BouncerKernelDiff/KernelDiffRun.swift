#if canImport(Glibc)
import Glibc
#endif
import BouncerKernel
import BouncerModel
import BouncerOracle
import BouncerPolicy
import BouncerRunner
import BouncerTransports

/// One input run through the model (`Runner`, on `linux-6.12` by default) and through the real
/// kernel code side by side from the same start state, compared after every step.
///
/// "The same", where only layout could tell them apart: both sides place memory the same way
/// (first fit from the highest zone the request allows, the default swiotlb pool low in
/// ZONE_DMA32 searched from the area index), so DMA addresses, CPU addresses and slots are
/// compared exactly; an equal address is an equal slot. Bytes are compared through
/// `ByteImage`. Page states and held pages are compared over all of memory after every step;
/// host-visible bytes over every shared page at the end.
public struct KernelDiffRun {
    public private(set) var runner: Runner
    var kernel: KernelSide
    var oracle: KernelOracle
    public private(set) var step = 0
    /// Set once the kernel side cannot follow; later steps run on the model only.
    public private(set) var outOfScope: (step: Int, reason: OutOfScope)?
    /// Steps run on both sides and compared; steps with no kernel counterpart.
    public private(set) var compared = 0
    public private(set) var modelOnly = 0
    var states: [UInt8] = [], held: [UInt8] = []
    /// The operation being compared (rendered in the kernel's words only for a divergence).
    var current: GuestOperation = .runDeferredWork
    /// Pages the model wrote in this run (bytes copied, written, converted), for `finish()`.
    var modelWrote = [Bool](repeating: false, count: GuestMemory.pageCount)
    /// Verdicts are compared at the first step either side breaks an invariant, as a run stops there.
    var verdictsCompared = false

    /// The platforms the shim can stand for: x86's arch code (TDX, SEV-SNP, vTOM, a normal guest).
    public static func supports(_ platform: PlatformKind) -> Bool {
        switch platform {
        case .nonConfidential, .tdx, .sevSnp, .sevSnpVtom: true
        default: false
        }
    }

    /// Starts from a kernel guest booted (or restored) on `platform` with the model's defaults and
    /// its boot configuration, and a model booted from `booted` (or fresh under `profile`, with the
    /// same boot configuration).
    public init(kernel guest: KernelGuest, profile: Profile, booted: Guest? = nil, tracing: Bool = false) {
        runner =
            booted.map { Runner(booted: $0, tracing: tracing) }
            ?? Runner(platform: guest.platform.kind, profile: profile, boot: guest.boot, tracing: tracing)
        kernel = KernelSide(guest: guest)
        oracle = KernelOracle(platform: guest.platform)
        if !Self.supports(guest.platform.kind) {
            outOfScope = (0, OutOfScope(reason: "\(guest.platform.kind.rawValue): the shim runs x86's arch code only"))
        }
    }

    /// What one step found.
    public struct StepResult {
        public var divergence: Divergence?
        public var modelViolations: [Violation]
        public var kernelViolations: [Violation]
        /// What the kernel code recorded in this step.
        public var kernelEvents: [KernelEvent] = []
    }

    public mutating func run(_ op: GuestOperation) -> StepResult {
        defer { step += 1 }
        current = op
        let kind = KernelCounterpart.kind(op)
        let counterpart = KernelCounterpart.of(kind)
        if outOfScope == nil, case .outOfScope(let why) = counterpart { outOfScope = (step, OutOfScope(reason: why)) }
        guard outOfScope == nil else {
            return StepResult(divergence: nil, modelViolations: runner.run(op), kernelViolations: [])
        }
        let before = Counts(runner.system)
        kernel.guest.clearEvents()
        let modelViolations = runner.run(op)
        noteModelWrites(runner.system)
        let outcome = runner.lastOutcome
        guard outcome != .skipped, counterpart.runsOnKernel else {
            if outcome != .skipped { modelOnly += 1; kernel.noteAbsent(runner.system, before) }
            return StepResult(divergence: nil, modelViolations: modelViolations, kernelViolations: [])
        }
        var bounce: (orig: UInt64, slot: UInt64, size: UInt64)?
        var divergence: Divergence?
        do {
            bounce = try translate(op, kind, outcome, before)
        } catch let d as Divergence {
            divergence = d
        } catch let o as OutOfScope {
            outOfScope = (step, o)
            return StepResult(divergence: nil, modelViolations: modelViolations, kernelViolations: [])
        } catch {}
        kernel.guest.pageTable(states: &states, held: &held)
        if divergence == nil { divergence = comparePages() }
        compared += 1
        let s = runner.system
        let events = kernel.guest.events
        let kernelViolations = oracle.check(
            events, states: states, held: held, devices: s.devices.map(\.config), kernelDevice: kernel.devices,
            step: step, bounce: bounce)
        if !verdictsCompared, !modelViolations.isEmpty || !kernelViolations.isEmpty {
            verdictsCompared = true
            if divergence == nil { divergence = compareVerdicts(modelViolations, kernelViolations) }
        }
        if let d = divergence, let known = KnownDivergence.matching(op, d) {
            // Understood and left: the two sides no longer start alike, so the rest is not compared.
            outOfScope = (step, OutOfScope(reason: "known divergence \(known.id): \(known.summary)", known: known.id))
            divergence = nil
        }
        return StepResult(divergence: divergence, modelViolations: modelViolations, kernelViolations: kernelViolations, kernelEvents: events)
    }

    /// After the last step: every page the host can see holds the same bytes on both sides.
    public mutating func finish() -> Divergence? {
        guard outOfScope == nil else { return nil }
        kernel.guest.pageTable(states: &states, held: &held)
        let s = runner.system
        // Shared pages only: what the host got back of a page whose conversion failed (unknown)
        // is the platform's choice, which neither side models from the hardware. Pages neither
        // side wrote in this run hold what both booted with.
        let kernelWrote = kernel.guest.dirtyPages()
        for page in 0 ..< GuestMemory.pageCount where states[page] == 1 && s.memory.states[page] == .decrypted
            && (kernelWrote[page] || modelWrote[page])
        {
            let phys = GuestMemory.phys(ofPage: page)
            if let d = compareBytes(.hostVisibleBytes, phys: phys, count: 4096, kernelBytes: kernel.guest.read(phys: phys, count: 4096)) {
                return d
            }
        }
        return nil
    }

    mutating func noteModelWrites(_ s: DmaLayer) {
        func mark(_ lo: UInt32, _ hi: UInt32) {
            guard hi > lo else { return }
            for p in Int(lo >> 12) ... Int((hi - 1) >> 12) where p < modelWrote.count { modelWrote[p] = true }
        }
        for e in s.events {
            switch e {
            case let .cpuWrote(lo, hi), let .hostWrote(lo, hi, _): mark(lo.raw, hi.raw)
            case let .bounced(_, toDevice, tlb, orig, size):
                if let lo = GuestMemory.byteIndex(ofPhys: (toDevice ? tlb : orig).raw) { mark(lo, lo &+ UInt32(truncatingIfNeeded: min(size, 1 << 20))) }
            case let .converted(pages, _, _), let .freed(pages), let .leaked(pages, _):
                for p in pages.rawRange { modelWrote[p] = true }
            case let .poolServed(_, phys, size, _):
                if let lo = GuestMemory.byteIndex(ofPhys: phys.raw) { mark(lo, lo &+ UInt32(truncatingIfNeeded: min(size, 1 << 20))) }
            case .handedOut(_, _, let size, _, let c?):
                // A coherent allocation's pages are zeroed on the way out.
                if let lo = GuestMemory.byteIndex(ofPhys: s.coherent[c].phys) { mark(lo, lo &+ size) }
            default: break
            }
        }
    }

    // MARK: comparisons

    func divergence(_ what: Observable, _ location: String, model: String, kernel: String) -> Divergence {
        Divergence(step: step, operation: current.described.render(current.fields), observable: what, location: location, model: model, kernel: kernel)
    }

    mutating func comparePages() -> Divergence? {
        let s = runner.system
        let statesAgree = s.memory.states.withUnsafeBytes { a in
            states.withUnsafeBytes { b in memcmp(a.baseAddress!, b.baseAddress!, GuestMemory.pageCount) == 0 }
        }
        for page in 0 ..< GuestMemory.pageCount {
            let m = s.memory.states[page].rawValue
            if !statesAgree, m != states[page] {
                let names = ["private", "shared", "unknown"]
                return divergence(.pageState, "page \(page) (\(hex(GuestMemory.phys(ofPage: page))))",
                    model: names[Int(m)], kernel: names[Int(min(states[page], 2))])
            }
            let modelHeld: Bool
            if case .free = s.memory.owners[page] { modelHeld = false } else { modelHeld = true }
            if modelHeld != (held[page] != 0) {
                return divergence(.pageHeld, "page \(page) (\(hex(GuestMemory.phys(ofPage: page))))",
                    model: modelHeld ? "held by \(s.memory.owners[page])" : "free", kernel: held[page] != 0 ? "held" : "free")
            }
        }
        return nil
    }

    func compareBytes(_ what: Observable, phys: UInt64, count: Int, kernelBytes: [UInt8]?) -> Divergence? {
        guard count > 0 else { return nil }
        let model = ByteImage.model(runner.system, phys: phys, count: count)
        guard let model, let kernelBytes else {
            return model == nil && kernelBytes == nil ? nil
                : divergence(what, "\(hex(phys))+\(count)", model: model == nil ? "not RAM" : "readable", kernel: kernelBytes == nil ? "not RAM" : "readable")
        }
        let same = model.count == kernelBytes.count && model.withUnsafeBytes { a in
            kernelBytes.withUnsafeBytes { b in memcmp(a.baseAddress!, b.baseAddress!, count) == 0 }
        }
        if same { return nil }
        let i = model.indices.first { model[$0] != kernelBytes[$0] } ?? 0
        let tag = GuestMemory.byteIndex(ofPhys: phys + UInt64(i)).map { runner.system.memory.contents.tag(at: $0) }
        return divergence(what, "byte \(i) of \(hex(phys))+\(count)",
            model: "\(hex(UInt64(model[i])))\(tag.map { " (\($0))" } ?? "")", kernel: hex(UInt64(kernelBytes[i])))
    }

    /// The invariants both sides judge: a break on one side only is a divergence of its own.
    func compareVerdicts(_ model: [Violation], _ kernel: [Violation]) -> Divergence? {
        let judged: Set<InvariantID> = [.confPrivate, .confBounce, .confTrusted, .confFreelist, .confPool, .safeHostInput]
        let m = Set(model.map(\.invariant)).intersection(judged), k = Set(kernel.map(\.invariant)).intersection(judged)
        guard m != k else { return nil }
        let only = m.symmetricDifference(k).sorted { $0.rawValue < $1.rawValue }.first!
        return divergence(.verdict, only.rawValue,
            model: model.first { $0.invariant == only }.map { "\($0)" } ?? "clean",
            kernel: kernel.first { $0.invariant == only }.map { "\($0)" } ?? "clean")
    }
}

/// How many objects of each kind the model has made: what a step added is what follows these.
struct Counts {
    var devices, buffers, mappings, coherent, scatterlists: Int
    init(_ s: DmaLayer) {
        devices = s.devices.count
        buffers = s.buffers.count
        mappings = s.mappings.count
        coherent = s.coherent.count
        scatterlists = s.scatterlists.count
    }
}
