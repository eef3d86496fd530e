import BouncerModel
import BouncerOracle
import BouncerPolicy
import BouncerRunner
import SMT

/// The decisions of one map and one coherent allocation, for an unknown device and request, on
/// one platform, under one profile; the pools as the policy records them after conversions the
/// host decides (`SymbolicPools`).
struct PolicyQuery {
    let d: Z3Domain
    let z: Context
    let platform: Platform
    let p: PlatformTerms<Z3Domain>
    let b: BehaviourTerms<Z3Domain>
    let dev: SymbolicDevice
    /// The device as dma-direct sees it once its restricted-dma-pool did or did not attach.
    let devTerms: DeviceTerms<Z3Domain>
    let req: SymbolicRequest
    let pools: SymbolicPools
    let blocking: Term
    /// Which conversion the host failed, for the leak rules: a decryption or a re-encryption, and
    /// whether the decryption was `atomic_pool_expand()`'s.
    let decryptFails, inAtomicPool: Term
    let map: MapDecision<Z3Domain>
    let bounce: SwiotlbMapDecision<Z3Domain>
    let alloc: AllocDecision<Z3Domain>
    /// `dev_is_dma_coherent()`, and what `dma_direct_alloc()` then does about the CPU's alias.
    let coherentDevice: Term
    let remap: RemapDecision<Z3Domain>
    /// A bounced mapping and a partial sync on it, for SAFE-HOSTINPUT.
    let sync: SymbolicBounce
    /// The transports: what a virtio device offers, whether a VMBus channel has
    /// `co_external_memory`, a used length against the length posted.
    let virtioVersion1, virtioAccessPlatform, virtioSwiotlbOffered, coExternalMemory, coRingBuffer, vmbusLegacyHost: Term
    let usedLength, postedLength: Term
    /// A posted virtio buffer's DMA address and direction, and what the device wrote over its
    /// descriptor in the ring (address, length, `VRING_DESC_F_WRITE`).
    let postedDma, postedWrites, ringDma, ringLength, ringWrites: Term

    init(_ d: Z3Domain, _ solver: Solver, _ platform: Platform, _ profile: Profile) {
        self.d = d
        z = d.z
        self.platform = platform
        p = PlatformTerms(d, platform)
        b = BehaviourTerms(d, profile.behaviours)
        dev = SymbolicDevice(d, solver, p)
        // No device is inside a pKVM guest's trust boundary (`KernelConfig.admitsTrustedDevices`).
        if !platform.config.admitsTrustedDevices { solver.assert(z.not(dev.trusted)) }
        req = SymbolicRequest(d, solver)
        blocking = z.boolean("gfpflags_allow_blocking")
        decryptFails = z.boolean("set_memory_decrypted.fails")
        inAtomicPool = z.boolean("failing conversion in atomic_pool_expand")
        if !platform.config.coherentPool { solver.assert(z.not(inAtomicPool)) }
        // Neither want depends on whether a restricted-dma-pool attached.
        pools = SymbolicPools(
            d, solver, platform, p, dev.terms, b, bounceWantsShared: d.swiotlbWantsShared(p, dev.terms, b),
            allocWantsShared: d.forceDmaUnencrypted(p, dev.terms, b))
        devTerms = pools.device
        map = d.dmaDirectMapPhys(p, devTerms, b, req.terms, phys: req.phys, size: req.size)
        alloc = d.dmaDirectAlloc(p, devTerms, b, blocking: blocking)
        coherentDevice = z.boolean("dev_is_dma_coherent")
        remap = d.dmaDirectAllocRemap(p, b, alloc, coherent: coherentDevice, blocking: blocking)
        bounce = d.swiotlbMap(
            p, devTerms, b, req.terms, poolDecrypted: pools.bounce.recorded.decrypted, tlbAddress: req.phys, size: req.size)
        sync = SymbolicBounce(d, solver, b)
        virtioVersion1 = z.boolean("VIRTIO_F_VERSION_1")
        virtioAccessPlatform = z.boolean("VIRTIO_F_ACCESS_PLATFORM")
        virtioSwiotlbOffered = z.boolean("VIRTIO_F_SWIOTLB offered")
        coExternalMemory = z.boolean("co_external_memory")
        coRingBuffer = z.boolean("co_ring_buffer")
        vmbusLegacyHost = z.boolean("host older than VERSION_WIN10_V6_0")
        usedLength = z.word("used.len")
        postedLength = z.word("posted length")
        postedDma = z.word("posted dma address")
        postedWrites = z.boolean("posted VRING_DESC_F_WRITE")
        ringDma = z.word("vring.desc.addr")
        ringLength = z.word("vring.desc.len")
        ringWrites = z.boolean("vring.desc.flags & VRING_DESC_F_WRITE")
    }

    /// The pages' real state in the pool a bounce lands in, the atomic pool, the restricted pool:
    /// decrypted, encrypted, or neither.
    var bouncePoolDecrypted: Term { pools.bounce.decrypted }
    var atomicPoolDecrypted: Term { pools.atomic.decrypted }
    var restrictedPoolDecrypted: Term { pools.restricted.decrypted }
    var bouncePoolEncrypted: Term { pools.bounce.encrypted }
    var atomicPoolEncrypted: Term { pools.atomic.encrypted }
    var restrictedPoolEncrypted: Term { pools.restricted.encrypted }
    /// The pool's pages are in the state the request wants.
    func inState(decrypted: Term, encrypted: Term, wantShared: Term) -> Term { z.ite(wantShared, decrypted, encrypted) }
    var direct: Term { z.and(z.not(map.fail), z.not(map.bounce)) }
    /// swiotlb finds a pool for the bounce (`swiotlbPoolServes` and the rest, `SymbolicPools`).
    var bouncePoolServes: Term { pools.bounce.serves }
    var bounced: Term { z.and([map.bounce, bouncePoolServes, bounce.capable]) }
    var atomicAccepted: Term { pools.atomic.serves }
    var restrictedAccepted: Term { pools.restrictedServes(d, wantShared: alloc.wantShared, b) }

    /// CONF-BOUNCE broken: an untrusted device mapped directly to memory nobody shared, or bounced
    /// or allocated through memory that is not decrypted. CONF-BOUNCE, CONF-TRUSTED and CONF-POOL
    /// are the contract of a kernel that forces unencrypted DMA (`ccMemEncrypt`); a mainline pKVM
    /// guest makes no such promise, and what it does instead is recorded as a known finding
    /// (`pkvm-dma-to-private-memory`, with or without a restricted-dma-pool), as
    /// POLICY-VIRTIO-BOUNCE leaves the platforms without restricted virtio access to
    /// `virtio-without-access-platform`.
    var breaksConfBounce: Term {
        let mapped = z.or([
            z.and([direct, z.not(req.mmio), z.not(req.ccShared)]),
            z.and(bounced, z.not(bouncePoolDecrypted)),
        ])
        let allocated = z.or([
            z.and([z.not(alloc.fromAtomicPool), z.not(alloc.fromRestrictedPool), z.not(alloc.decrypt)]),
            z.and([alloc.fromAtomicPool, atomicAccepted, z.not(atomicPoolDecrypted)]),
            z.and([alloc.fromRestrictedPool, restrictedAccepted, z.not(restrictedPoolDecrypted)]),
        ])
        return z.and([d.ccMemEncrypt(p, b), z.not(dev.trusted), z.or(mapped, allocated)])
    }

    /// CONF-TRUSTED broken: a trusted device's private memory mapped, bounced or allocated through
    /// memory that is not encrypted.
    var breaksConfTrusted: Term {
        let mapped = z.and(z.not(req.ccShared), z.or([
            z.and(bounced, z.not(bouncePoolEncrypted)),
            z.and([direct, z.not(req.mmio), z.not(d.dmaAddressIsEncrypted(p, map.dmaAddress))]),
        ]))
        let allocated = z.or([
            alloc.decrypt,
            z.and([alloc.fromAtomicPool, atomicAccepted, z.not(atomicPoolEncrypted)]),
            z.and([alloc.fromRestrictedPool, restrictedAccepted, z.not(restrictedPoolEncrypted)]),
        ])
        return z.and([d.ccMemEncrypt(p, b), dev.trusted, z.or(mapped, allocated)])
    }

    /// CONF-POOL broken: a pool serves a request for another encryption state than its pages'.
    var breaksConfPool: Term {
        let want = d.swiotlbWantsShared(p, devTerms, b)
        return z.and(d.ccMemEncrypt(p, b), z.or([
            z.and([map.bounce, bouncePoolServes, z.not(inState(decrypted: bouncePoolDecrypted, encrypted: bouncePoolEncrypted, wantShared: want))]),
            z.and([alloc.fromAtomicPool, atomicAccepted,
                   z.not(inState(decrypted: atomicPoolDecrypted, encrypted: atomicPoolEncrypted, wantShared: alloc.wantShared))]),
            z.and([alloc.fromRestrictedPool, restrictedAccepted,
                   z.not(inState(decrypted: restrictedPoolDecrypted, encrypted: restrictedPoolEncrypted, wantShared: alloc.wantShared))]),
        ]))
    }

    /// CONF-FREELIST broken: memory freed after a conversion failed (which one is unknown).
    var breaksConfFreelist: Term {
        let leaksDecrypt = z.ite(inAtomicPool, d.atomicPoolLeaksAfterDecryptFailure(p, b), d.leakAfterDecryptFailure(b))
        return z.and(p.confidential, z.ite(decryptFails, z.not(leaksDecrypt), z.not(d.leakAfterReencryptFailure(b))))
    }

    /// CONF-STALE broken: a device-writable bounce whose slot is not filled at map time.
    var breaksConfStale: Term { z.and([map.bounce, req.deviceWrites, z.not(d.swiotlbCopiesOnMap(b, req.terms))]) }

    /// DATA-INTEGRITY broken: `sync_for_device` copies the buffer over a slot the device alone may
    /// write (the only copy rule a profile chooses; the others hold by definition).
    var breaksDataIntegrity: Term {
        z.and([map.bounce, z.not(req.terms.deviceReads), d.swiotlbCopiesOnSyncForDevice(b, req.terms)])
    }

    /// SAFE-HOSTINPUT broken: a partial sync copies outside its mapping.
    var breaksSafeHostInput: Term { z.not(sync.inside) }

    /// Each invariant the policy's decisions can break here, with its predicate.
    var breaks: [(InvariantID, Term)] {
        [(.confBounce, breaksConfBounce), (.confTrusted, breaksConfTrusted), (.confPool, breaksConfPool),
         (.confFreelist, breaksConfFreelist), (.confStale, breaksConfStale), (.dataIntegrity, z.or(breaksDataIntegrity, breaksDataIntegrityByPoolPage)),
         (.safeHostInput, breaksSafeHostInput), (.confAlias, breaksConfAlias),
         (.safeLifecycle, breaksSafeLifecycleByFreePages)]
    }

    func describe(_ m: Model) -> [(String, String)] {
        var v = dev.describe(m) + req.describe(m) + pools.describe(m)
        v.append(("dma_direct_map_phys", m.boolean(map.fail) ? "DMA_MAPPING_ERROR" : m.boolean(map.bounce) ? "swiotlb_map" : "direct, dma \(hex(m.word(map.dmaAddress)))"))
        v.append(("dev_is_dma_coherent", m.boolean(coherentDevice) ? "true" : "false (remapped under CONFIG_DMA_DIRECT_REMAP)"))
        let pages = m.boolean(remap.decryptPages) ? "pages, decrypted" : "pages, private"
        let alias = m.boolean(remap.remap) ? (m.boolean(remap.aliasDecrypted) ? ", vmap alias with pgprot_decrypted" : ", vmap alias, encrypted pgprot") : ""
        v.append(("dma_direct_alloc", m.boolean(remap.fromAtomicPool) ? "atomic pool" : m.boolean(alloc.fromRestrictedPool) ? "restricted pool" : pages + alias))
        return v
    }

    /// The simplest scenario with this device mapping a buffer in this direction, the buffer
    /// from `zone`.
    func mapScenario(_ m: Model, prefix: [GuestOperation] = [], zone: Zone = .normal) -> Scenario {
        let size = UInt32(min(m.word(req.size), 4096))
        return Scenario(platform: platform.kind, operations: prefix + [
            .probeDevice(dev.config(m)),
            .kmalloc(size: size, zone: zone),
            .cpuWrite(buffer: 0, offset: 0, size: size),
            .mapBuffer(device: 0, buffer: 0, offset: 0, size: size, direction: req.direction(m), skipCpuSync: false),
        ])
    }
}

/// A scenario that replays to the invariant, from candidate scenarios, or nil. Candidates go
/// through the byte format first, so what is returned is exactly what a written file replays.
func replaying(_ invariant: InvariantID, _ profile: Profile, _ candidates: [Scenario]) -> Scenario? {
    candidates.lazy.map { scenario in
        let target = ScenarioCodec.narrowestTarget(for: scenario)
        return ScenarioCodec.decode(ScenarioCodec.encode(scenario, target: target), target: target)
    }
        .first { Runner.run($0, profile: profile).firstViolation?.invariant == invariant }
}

extension Obligation {
    /// An obligation over one `PolicyQuery` a platform: `breaks` unsatisfiable on every platform
    /// is a proof; a model is read by `describe` (the query's own reading unless given), with the
    /// first of the `candidates` that replays to `protects` as its scenario.
    static func query(
        _ id: String, _ statement: String, protects: InvariantID, breaks: @escaping @Sendable (PolicyQuery) -> Term,
        describe: (@Sendable (PolicyQuery, Model) -> [(String, String)])? = nil,
        candidates: @escaping @Sendable (PolicyQuery, Model) -> [Scenario]
    ) -> Obligation {
        Obligation(id: id, statement: statement, protects: protects) { profile, options throws(SMTError) in
            try checkPerPlatform(options) { d, solver, platform in
                let q = PolicyQuery(d, solver, platform, profile)
                return (breaks(q), { m in describe?(q, m) ?? q.describe(m) }, { m in replaying(protects, profile, candidates(q, m)) })
            }
        }
    }

    static let policy: [Obligation] = [
        query(
            "POLICY-CONF-BOUNCE",
            "Where the kernel forces unencrypted DMA (cc_platform_has; not mainline pKVM), an untrusted device is mapped directly only to memory its caller shared, and bounced or allocated only through decrypted memory.",
            protects: .confBounce, breaks: { $0.breaksConfBounce }
        ) { q, m in
            [q.mapScenario(m), q.mapScenario(m, prefix: [.failNextConversion(afterPages: 0)]), q.mapScenario(m, zone: q.dev.reachableZone(m))]
        },
        query(
            "POLICY-CONF-TRUSTED",
            "Where the kernel forces unencrypted DMA (cc_platform_has; not mainline pKVM), a trusted device's private memory is never mapped, bounced or allocated through decrypted memory.",
            protects: .confTrusted, breaks: { $0.breaksConfTrusted }
        ) { q, m in [q.mapScenario(m), q.mapScenario(m, zone: q.dev.reachableZone(m))] },
        query(
            "POLICY-CONF-POOL",
            "Where the kernel forces unencrypted DMA (cc_platform_has; not mainline pKVM), a swiotlb, restricted or atomic pool serves only requests that want its own encryption state.",
            protects: .confPool, breaks: { $0.breaksConfPool }
        ) { q, _ in
            // A restricted-dma-pool whose decryption the host failed, still used.
            [PlatformKind.tdx, q.platform.kind].map {
                Scenario(platform: $0, operations: [
                    .failNextConversion(afterPages: 0), .probeDevice(DeviceConfig(restrictedPool: true)),
                    .kmalloc(size: 512, zone: .normal),
                    .mapBuffer(device: 0, buffer: 0, offset: 0, size: 512, direction: .toDevice, skipCpuSync: false),
                ])
            }
        },
        query(
            "POLICY-CONF-FREELIST", "Memory whose set_memory_decrypted() or set_memory_encrypted() failed is leaked, never freed.",
            protects: .confFreelist, breaks: { $0.breaksConfFreelist },
            describe: { q, m in
                let failing = m.boolean(q.decryptFails)
                    ? (m.boolean(q.inAtomicPool) ? "set_memory_decrypted in atomic_pool_expand" : "set_memory_decrypted")
                    : "set_memory_encrypted"
                return [("failing call", failing), ("then", "pages freed")]
            }
        ) { q, _ in
            [
                // A non-blocking allocation drains the atomic pool below its boot size; the
                // expansion's decryption fails (CONFIG_DMA_DIRECT_REMAP: arm64 only).
                Scenario(platform: q.platform.kind, operations: [
                    .probeDevice(DeviceConfig()), .allocCoherent(device: 0, size: 4096, blocking: false),
                    .failNextConversion(afterPages: 0), .runDeferredWork,
                ]),
                Scenario(platform: .tdx, operations: [
                    .probeDevice(DeviceConfig()), .failNextConversion(afterPages: 1),
                    .allocCoherent(device: 0, size: 8192, blocking: true),
                ]),
                Scenario(platform: .tdx, operations: [
                    .probeDevice(DeviceConfig()), .allocCoherent(device: 0, size: 4096, blocking: true),
                    .failNextConversion(afterPages: 0), .freeCoherent(coherent: 0),
                ]),
            ]
        },
        query(
            "POLICY-CONF-STALE", "A bounced mapping the device may write has its slot filled from the buffer at map time.",
            protects: .confStale, breaks: { $0.breaksConfStale }
        ) { q, m in
            // The model's direction and SKIP_CPU_SYNC, then plain FROM_DEVICE.
            let requests = [(q.req.direction(m), m.boolean(q.req.skipCpuSync)), (.fromDevice, false)]
            return requests.map { direction, skip in
                Scenario(platform: .tdx, operations: [
                    .probeDevice(DeviceConfig()), .kmalloc(size: 512, zone: .normal),
                    .cpuWrite(buffer: 0, offset: 0, size: 512),
                    .mapBuffer(device: 0, buffer: 0, offset: 0, size: 512, direction: direction, skipCpuSync: skip),
                    .deviceWrite(mapping: 0, offset: 0, size: 100), .unmap(mapping: 0, skipCpuSync: false),
                ])
            }
        },
        query(
            "POLICY-DATA-INTEGRITY", "swiotlb_sync_single_for_device() copies the buffer into the slot only when the device reads it.",
            protects: .dataIntegrity, breaks: { $0.breaksDataIntegrity }
        ) { _, _ in
            [
                Scenario(platform: .tdx, operations: [
                    .probeDevice(DeviceConfig()), .kmalloc(size: 512, zone: .normal),
                    .cpuWrite(buffer: 0, offset: 0, size: 512),
                    .mapBuffer(device: 0, buffer: 0, offset: 0, size: 512, direction: .fromDevice, skipCpuSync: false),
                    .deviceWrite(mapping: 0, offset: 0, size: 100), .syncForDevice(mapping: 0, offset: 0, size: 512),
                    .unmap(mapping: 0, skipCpuSync: false),
                ]),
            ]
        },
    ]
}
