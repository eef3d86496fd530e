import BouncerModel
import BouncerPolicy
import SMT

/// A pool as a query sees it: what the kernel recorded (from the policy), whether it may serve
/// the request at hand, and the state its pages are really in: all decrypted, all encrypted, or
/// neither after a conversion the host failed partway (`ConversionFault`).
struct SymbolicPool {
    var recorded: PoolState<Z3Domain>
    var serves: Term
    var decrypted: Term
    var encrypted: Term
}

/// The pools one request may meet. What the kernel records of each pool and which pool serves
/// which request come from the policy functions the model runs (`swiotlbDefaultPoolDecrypts`,
/// `swiotlbPoolConverted`, `swiotlbNewPoolDecrypted`, `swiotlbPoolServes`, `swiotlbSearches`, `atomicPoolDecrypted`,
/// `atomicPoolExpandDecrypts`, `atomicPoolServes`); only the host's choices and the history are
/// unknown: whether each set-up conversion worked, which of the default `io_tlb_mem`'s pools the
/// request lands in, and on pseries whether the pools were set up before the guest turned secure.
struct SymbolicPools {
    /// `set_memory_decrypted()` worked for the boot pool and for the restricted-dma-pool, where
    /// it is called.
    let bootConverted, restrictedConverted: Term
    /// `swiotlb_update_mem_attributes()` decrypts the boot pool (`swiotlbDefaultPoolDecrypts`);
    /// it did, and that worked: its pages are shared.
    let bootDecrypts, bootDecrypted: Term
    /// Whether the guest was confidential when the pools were set up: always on most platforms,
    /// unknown on pseries (a pool made before UV_ESM stays as it was, `enterSecureMode`).
    let setUpConfidential: Term
    /// The bounce lands in a dynamic pool (`swiotlb_dyn_alloc()`) or a transient one made for it.
    let inDynamic, inTransient: Term
    /// The atomic pool's chunk was its first (`atomic_pool_expand()` from `dma_atomic_pool_init()`).
    let firstChunk: Term
    /// The swiotlb pool a bounce lands in, the device's restricted-dma-pool, the atomic pool.
    let bounce, restricted, atomic: SymbolicPool
    /// The device as dma-direct sees it: a restricted-dma-pool only if it attached
    /// (`swiotlbRestrictedPoolAttaches`); otherwise the default `io_tlb_mem`.
    let device: DeviceTerms<Z3Domain>

    init(
        _ d: Z3Domain, _ solver: Solver, _ platform: Platform, _ p: PlatformTerms<Z3Domain>, _ dev: DeviceTerms<Z3Domain>,
        _ b: BehaviourTerms<Z3Domain>, bounceWantsShared: Term, allocWantsShared: Term
    ) {
        let z = d.z
        bootConverted = z.boolean("boot_pool.set_memory_decrypted_ok")
        restrictedConverted = z.boolean("restricted_pool.set_memory_decrypted_ok")
        // A witness's pools converted where it can: no scenario fails the boot pool's conversion,
        // and a pool whose conversion failed breaks CONF-POOL at its first use, before anything
        // an obligation about another invariant could show.
        solver.preferences += [bootConverted, restrictedConverted]
        inDynamic = z.boolean("bounce.in_dynamic_pool")
        inTransient = z.boolean("bounce.in_transient_pool")
        solver.assert(z.not(z.and(inDynamic, inTransient)))
        setUpConfidential = platform.kind == .pseriesSvm ? z.boolean("pools.set_up_after_uv_esm") : p.confidential
        // The platform as it was when the pools were set up.
        let setUp = PlatformTerms<Z3Domain>(
            confidential: setUpConfidential, dmaSharedMask: p.dmaSharedMask, dmaEncryptedMask: p.dmaEncryptedMask,
            restrictedVirtioMemoryAccess: p.restrictedVirtioMemoryAccess, directRemap: p.directRemap,
            zoneDmaLimit: p.zoneDmaLimit, forcesUnencryptedDma: p.forcesUnencryptedDma)

        // The atomic pool: its chunks are decrypted as the policy says or leaked, so their state
        // is what it asked for, where there was anything to convert.
        let atomicRecorded = d.atomicPoolDecrypted(setUp, b)
        firstChunk = z.boolean("atomic_pool.first_chunk")
        let atomicDecrypted = z.and(
            d.atomicPoolExpandDecrypts(setUp, poolDecrypted: atomicRecorded, empty: firstChunk, b), setUpConfidential)
        atomic = SymbolicPool(
            recorded: PoolState(decrypted: atomicRecorded, usable: z.boolean(value: true)),
            serves: d.atomicPoolServes(poolDecrypted: atomicRecorded, wantShared: allocWantsShared, b),
            decrypted: atomicDecrypted, encrypted: z.not(atomicDecrypted))

        // The boot pool, decrypted only where the architecture asks (not on a 6.12 pKVM guest,
        // whose pool stays private); `swiotlb_update_mem_attributes()` runs again when pseries
        // turns secure. As `swiotlbUpdateMemAttributes` in the model, the conversion counts as
        // done only where it was asked for and worked.
        bootDecrypts = d.swiotlbDefaultPoolDecrypts(p, b)
        bootDecrypted = z.and(bootDecrypts, bootConverted)
        let boot = d.swiotlbPoolConverted(p, converted: bootDecrypted, b)
        // A restricted-dma-pool, converted when the first device that uses it is probed, where
        // the policy converts it at all (`swiotlbRestrictedPoolDecrypts`).
        let restrictedDecrypts = d.swiotlbRestrictedPoolDecrypts(setUp, b)
        let restrictedOk = z.or(z.not(restrictedDecrypts), restrictedConverted)
        let restrictedRecorded = d.swiotlbRestrictedPoolConverted(setUp, converted: restrictedOk, b)
        var device = dev
        device.restrictedPool = z.and(dev.restrictedPool, d.swiotlbRestrictedPoolAttaches(setUp, converted: restrictedOk, b))
        self.device = device
        restricted = SymbolicPool(
            recorded: restrictedRecorded, serves: d.swiotlbPoolServes(restrictedRecorded, wantShared: bounceWantsShared, b),
            decrypted: z.and([restrictedDecrypts, restrictedConverted, setUpConfidential]),
            encrypted: z.or(z.not(setUpConfidential), z.not(restrictedDecrypts)))

        // A dynamic pool asks for the boot pool's state when it was made (before UV_ESM the boot
        // pool had not been converted); a transient one, made now for this request, for the
        // request's, from the atomic pool when the device needs shared memory. Either is used
        // only as made.
        let bootAtSetUp = d.swiotlbPoolConverted(setUp, converted: z.and(d.swiotlbDefaultPoolDecrypts(setUp, b), bootConverted), b)
        let dynamic = d.swiotlbNewPoolDecrypted(wantShared: bootAtSetUp.decrypted, b)
        let dynamicState = PoolState<Z3Domain>(decrypted: dynamic, usable: z.boolean(value: true))
        let fromAtomic = d.forceDmaUnencrypted(p, dev, b)
        let transient = d.swiotlbNewPoolDecrypted(wantShared: bounceWantsShared, b)
        let atomicForTransient = d.atomicPoolServes(poolDecrypted: atomicRecorded, wantShared: z.boolean(value: true), b)
        let bootServes = d.swiotlbPoolServes(boot, wantShared: bounceWantsShared, b)
        // A transient pool is made when the mem itself is of the wanted state (`swiotlbMemServes`),
        // whether or not its boot pool is usable.
        let memAccepts = d.swiotlbMemServes(memUnencrypted: boot.decrypted, wantShared: bounceWantsShared, b)
        let memRecorded = z.ite(inDynamic, dynamic, z.ite(inTransient, z.ite(fromAtomic, atomicRecorded, transient), boot.decrypted))
        let memServes = z.ite(
            inDynamic, d.swiotlbPoolServes(dynamicState, wantShared: bounceWantsShared, b),
            z.ite(inTransient, z.and(memAccepts, z.implies(fromAtomic, atomicForTransient)), bootServes))
        // A failed conversion of the boot pool leaves it neither, one never asked for private; a
        // new pool is what it asked for.
        let memDecrypted = z.ite(
            inDynamic, z.and(dynamic, setUpConfidential),
            z.ite(inTransient, z.ite(fromAtomic, atomic.decrypted, transient), bootDecrypted))
        let memEncrypted = z.ite(z.or(inDynamic, inTransient), z.not(memDecrypted), z.not(bootDecrypts))

        // `swiotlbSearches`: the restricted pool for a device that has one, else the default mem.
        let searchesRestricted = d.swiotlbSearches(
            device, isDeviceRestrictedPool: z.boolean(value: true), isDefaultMemPool: z.boolean(value: false))
        bounce = SymbolicPool(
            recorded: PoolState(
                decrypted: z.ite(searchesRestricted, restrictedRecorded.decrypted, memRecorded),
                usable: z.ite(searchesRestricted, restrictedRecorded.usable, z.boolean(value: true))),
            serves: z.ite(searchesRestricted, restricted.serves, memServes),
            decrypted: z.ite(searchesRestricted, restricted.decrypted, memDecrypted),
            encrypted: z.ite(searchesRestricted, restricted.encrypted, memEncrypted))
    }

    /// The restricted pool serving a coherent allocation (`swiotlb_alloc()`), which wants
    /// `wantShared`.
    func restrictedServes(_ d: Z3Domain, wantShared: Term, _ b: BehaviourTerms<Z3Domain>) -> Term {
        d.swiotlbPoolServes(restricted.recorded, wantShared: wantShared, b)
    }

    func describe(_ m: Model) -> [(String, String)] {
        func ok(_ t: Term) -> String { m.boolean(t) ? "worked" : "failed" }
        var v = [
            ("boot pool set_memory_decrypted", m.boolean(bootDecrypts) ? ok(bootConverted) : "not called"),
            ("restricted pool set_memory_decrypted", ok(restrictedConverted)),
            ("bounce pool", m.boolean(inDynamic) ? "dynamic" : m.boolean(inTransient) ? "transient" : "boot (or restricted)"),
            ("bounce pool recorded", m.boolean(bounce.recorded.decrypted) ? "decrypted" : "encrypted"),
            ("bounce pool pages", m.boolean(bounce.decrypted) ? "decrypted" : m.boolean(bounce.encrypted) ? "encrypted" : "unknown"),
            ("atomic pool recorded", m.boolean(atomic.recorded.decrypted) ? "decrypted" : "encrypted"),
            ("atomic pool pages", m.boolean(atomic.decrypted) ? "decrypted" : "encrypted"),
        ]
        if !m.boolean(setUpConfidential) { v.append(("pools set up", "before the guest turned secure")) }
        return v
    }
}
