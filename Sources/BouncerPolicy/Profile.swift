/// A named kernel state: a choice for every behaviour, and what it stands for.
public struct Profile: Hashable, Sendable {
    public var name: String
    public var summary: String
    /// The mainline commits the profile stands for (the fix, for a historical bug).
    public var commits: String
    /// The invariant a historical bug breaks, by ID; nil for a state believed correct.
    public var breaks: String?
    public var behaviours: Behaviours

    public init(name: String, summary: String, commits: String = "", breaks: String? = nil, behaviours: Behaviours) {
        self.name = name
        self.summary = summary
        self.commits = commits
        self.breaks = breaks
        self.behaviours = behaviours
    }

    /// The state believed correct: the 2026 `DMA_ATTR_CC_SHARED` series as merged for 7.3 and
    /// every fix before it. Its configuration is no distribution's: each architecture's own
    /// selections (`KernelConfig`) and every option the model covers, so `CONFIG_SWIOTLB_DYNAMIC=y`
    /// although its Kconfig default is n (Debian's 6.12 leaves it off: `linux-6.12`).
    public static let linuxUpstream = Profile(
        name: "linux-upstream",
        summary: "2026: DMA_ATTR_CC_SHARED through dma-direct, atomic pools and swiotlb; strict pool selection; "
            + "pKVM is no CC platform; config: the architectures' selections plus CONFIG_SWIOTLB_DYNAMIC=y (Kconfig default n)",
        commits: "d5fd03cdd6c0 ad8d2326d264 (series v5, May 2026, merged for 7.3 without its \"[DO NOT MERGE] arm64/coco: Add pKVM as a CC platform\")",
        behaviours: Behaviours())

    public static let builtIn: [Profile] = {
        func derive(
            _ name: String, _ summary: String, commits: String, breaks: String?,
            from base: Profile = linuxUpstream, _ change: (inout Behaviours) -> Void
        ) -> Profile {
            var b = base.behaviours
            change(&b)
            return Profile(name: name, summary: summary, commits: commits, breaks: breaks, behaviours: b)
        }
        let swiotlbForce = derive(
            "linux-swiotlb-force",
            "before 2026: SWIOTLB_FORCE on every confidential platform; pools assumed decrypted",
            commits: "state before the DMA_ATTR_CC_SHARED series", breaks: nil
        ) {
            $0.ccBounce = .swiotlbForce
            $0.trustedDevices = .bounced
            $0.swiotlbPoolSelection = .assumeDecrypted
            $0.atomicPoolSelection = .assumeDecrypted
            $0.atomicPoolDecryptFailure = .freeRemapped
            $0.remapDecrypt = .pgprotOnly
            $0.freePagesPoolLookup = .linearMapAddress
        }
        // Checked against Debian's 6.12 tree (.kernel/linux-6.12, 6.12.117): x86
        // pci_swiotlb_detect() sets SWIOTLB_FORCE on an encrypted guest, so every mapping of every
        // device is bounced (no device_cc_accepted()); neither io_tlb_pool nor pool.c records a
        // decryption state (d5fd03cdd6c0 is later); swiotlb_tbl_map_single() fills the slot for
        // every direction (901c7280ca0d), __swiotlb_sync_single_for_device() only for TO_DEVICE and
        // BIDIRECTIONAL (bddac7c1e02b), swiotlb_bounce() clamps to alloc_size (868c9ddc182b,
        // e8068f2d756d), dma_direct_alloc() leaks on a failed decryption (b9fa16949d18) but
        // atomic_pool_expand() frees the chunk under CONFIG_DMA_DIRECT_REMAP (arm64), and
        // dma_direct_free() on a failed re-encryption, dma_direct_map_sg() unmaps what it mapped;
        // Debian's config leaves CONFIG_SWIOTLB_DYNAMIC off. arm64's mem_init() calls
        // swiotlb_init() but not swiotlb_update_mem_attributes() (fbf979a01375 added it, v6.13),
        // so a pKVM guest's default pool is never shared.
        let linux612 = derive(
            "linux-6.12", "Linux 6.12 (Debian config): SWIOTLB_FORCE era, pools assumed decrypted, no dynamic swiotlb",
            commits: "v6.12 (Debian 6.12.117); CONFIG_SWIOTLB_DYNAMIC off", breaks: nil, from: swiotlbForce
        ) {
            $0.swiotlbDynamic = .disabled
            $0.arm64SwiotlbMemAttributes = .notCalled
        }
        return [
            linuxUpstream,
            swiotlbForce,
            linux612,
            derive(
                "pseries-late-secure-seed003",
                "seed 003: a pseries guest boots as a normal guest and turns into a secure VM at runtime, with devices already set up",
                commits: "seed 003 (RFC 'Virtio uses DMA API for all devices', 2018); mainline enters secure mode in prom_init",
                breaks: nil
            ) { $0.pseriesSecureMode = .runtime },
            derive(
                "pkvm-cc-platform-series",
                "the DMA_ATTR_CC_SHARED series with its unmerged pKVM patch: a pKVM guest forces unencrypted DMA like a realm, "
                    + "so dma-direct, the atomic pools and swiotlb decrypt (share in place) for it",
                commits: "\"[DO NOT MERGE] arm64/coco: Add pKVM as a CC platform\" (Aneesh Kumar K.V, \"[PATCH v5 00/20] dma-mapping: "
                    + "Use DMA_ATTR_CC_SHARED through direct, pool and swiotlb paths\", 01/20, May 2026); not in the 7.3 merge",
                breaks: nil
            ) { $0.pkvmCcPlatform = .ccPlatform },
            derive(
                "cve-2022-0854", "swiotlb does not fill the slot on a FROM_DEVICE map",
                commits: "fixed by ddbd89deb7d3, final form 901c7280ca0d", breaks: "CONF-STALE"
            ) { $0.swiotlbCopyOnMap = .toDeviceOnly },
            derive(
                "swiotlb-sync-bidi-2022", "swiotlb bounces on sync_for_device for every direction",
                commits: "aa6f8dcbab47, reverted by bddac7c1e02b", breaks: "DATA-INTEGRITY"
            ) { $0.swiotlbSyncForDevice = .allDirections },
            derive(
                "cve-2024-35939", "dma-direct frees pages after set_memory_decrypted() failed",
                commits: "fixed by b9fa16949d18", breaks: "CONF-FREELIST"
            ) { $0.decryptFailure = .free },
            derive(
                "dma-direct-reencrypt-2022", "dma-direct frees memory whose re-encryption failed",
                commits: "fixed in dma_direct_free() (Hellwig, 2022)", breaks: "CONF-FREELIST"
            ) { $0.reencryptFailure = .free },
            derive(
                "swiotlb-pool-state-2026", "swiotlb pools assumed decrypted; no strict pool selection",
                commits: "fixed by d5fd03cdd6c0, ad8d2326d264", breaks: "CONF-POOL"
            ) { $0.swiotlbPoolSelection = .assumeDecrypted },
            derive(
                "swiotlb-partial-sync", "swiotlb_bounce() copies a partial sync without clamping it to the slot",
                commits: "fixed by 868c9ddc182b, e8068f2d756d", breaks: "SAFE-HOSTINPUT"
            ) { $0.swiotlbBounceBounds = .unchecked },
            derive(
                "cve-2024-35814",
                "swiotlb_search_pool_area() tests alignment only against an original address, so swiotlb_alloc() hands out a page that begins in another holder's slot",
                commits: "fixed by 04867a7a3332 (stable 6.6.24, 6.7.12, 6.8.3), with 823353b7cf0e; broken since 0eee5ae10256, bbb73a103fbb (6.3)",
                breaks: "CONF-STALE"
            ) { $0.swiotlbSlotAlignment = .origAddrOnly },
            derive(
                "hv-gpadl-free-2024",
                "VMBus frees ring, GPADL and netvsc buffers although re-encryption failed or the host kept the GPADL",
                commits: "fixed by 30d18df6567b, 211f514ebf1e, bbf9ac34677b (CVE-2024-36909..36913)", breaks: "CONF-FREELIST"
            ) { $0.gpadlReleaseFailure = .free },
            derive(
                "virtio-used-len", "a virtio driver trusts the used length beyond the buffer it posted",
                commits: "939779f5152d (validation in the core), reverted into per-driver checks", breaks: "SAFE-HOSTINPUT"
            ) { $0.virtioUsedLen = .trusted },
            derive(
                "cvmbus-swiotlb", "a Confidential VMBus device with co_external_memory is still bounced through swiotlb",
                commits: "before 'x86/VMBus: Confidential VMBus for dynamic DMA transfers' (RFC v3, March 2026)",
                breaks: "CONF-TRUSTED"
            ) { $0.vmbusExternalMemory = .bounced },
            derive(
                "virtio-no-access-platform",
                "a confidential guest accepts a virtio device without VIRTIO_F_ACCESS_PLATFORM",
                commits: "before virtio_features_ok()'s check (arch_has_restricted_virtio_memory_access(), s390 PV 2020, x86 2021; virtio_check_mem_acc_cb() since a603002eea82)",
                breaks: "CONF-BOUNCE"
            ) { $0.virtioAccessPlatform = .optional },
            derive(
                "atomic-pool-decrypt-free",
                "atomic_pool_expand() frees a chunk whose set_memory_decrypted() failed, under CONFIG_DMA_DIRECT_REMAP (arm64: realms, pKVM)",
                commits: "pool.c's remove_mapping path since the pools were decrypted (v6.12 and mainline before the DMA_ATTR_CC_SHARED series); "
                    + "fixed by 0510cb5b2303 ('dma-pool: fix page leak in atomic_pool_expand() cleanup', series v7 02/22, merged for 7.3, "
                    + "which sets leak_pages; in v6 split over 04/20 and 12/20)",
                breaks: "CONF-FREELIST"
            ) { $0.atomicPoolDecryptFailure = .freeRemapped },
            derive(
                "virtio-ring-unmap-2021",
                "vring_unmap_one_split() unmaps a detached buffer with the address, length and flags it reads back from the descriptor ring, which the device can rewrite",
                commits: "fixed by 72b5e8958738 (\"virtio-ring: store DMA metadata in desc_extra for split virtqueue\", v5.14)",
                breaks: "SAFE-HOSTINPUT"
            ) { $0.virtioDmaMetadata = .descriptorRing },
            derive(
                "dma-direct-remap-decrypt-2026",
                "dma_direct_alloc() remaps a non-coherent device's allocation under CONFIG_DMA_DIRECT_REMAP (arm64 realms; pKVM only as a CC platform, pkvm-cc-platform-series) with a decrypted pgprot but never decrypts the pages, so the CPU reaches private pages through a decrypted alias and the device is handed their unencrypted address",
                commits: "fixed by f253a83ff94c (\"dma-direct: set decrypted flag for remapped DMA allocations\", series v7 17/22, merged for 7.3); "
                    + "present in v6.12 (behaviour `dma-direct-remap-decrypt = pgprot-only`, also in linux-swiotlb-force and linux-6.12)",
                breaks: "CONF-ALIAS"
            ) { $0.remapDecrypt = .pgprotOnly },
            derive(
                "atomic-pool-free-pages-2026",
                "dma_direct_free_pages() looks an atomic-pool page up by its linear-map address, which under CONFIG_DMA_DIRECT_REMAP (arm64 realms; pKVM only as a CC platform) the pool does not hold, so the pool's page is re-encrypted and freed to the page allocator while the pool still lists it",
                commits: "fixed by 8a9dc4a028e7 (\"dma: free atomic pool pages by physical address\", series v7 04/22, merged for 7.3); "
                    + "present in v6.12 (behaviour `free-pages-pool-lookup = linear-map-address`, also in linux-swiotlb-force and linux-6.12)",
                breaks: "SAFE-LIFECYCLE"
            ) { $0.freePagesPoolLookup = .linearMapAddress },
            derive(
                "atomic-pool-alloc-pages-2026",
                "dma_direct_alloc_pages() hands a non-blocking dma_alloc_pages() caller whose device needs shared memory the atomic pool's CPU address as its struct page, so the page the caller holds is not the page the device is given (and dma_free_pages() can give the block back to no pool)",
                commits: "introduced by 5b138c534fda (\"dma-direct: factor out a dma_direct_alloc_from_pool helper\", v5.10); "
                    + "fixed by 94a04ad732c9 (\"dma-direct: return struct page from dma_direct_alloc_from_pool()\", series v7 01/22, merged for 7.3; "
                    + "stable 6.12.y 69abdfced801, 6.18.y 408ff2d5bf55, 7.2.y feeb2ef77508); in every release v5.10 to v7.2, "
                    + "not in linux-6.12 (Debian 6.12.117 has the backport) (behaviour `alloc-pages-pool-return = cpu-address`)",
                breaks: "DATA-INTEGRITY"
            ) { $0.allocPagesPoolReturn = .cpuAddress },
        ]
    }()

    public static func builtIn(named name: String) -> Profile? { builtIn.first { $0.name == name } }
}
