import BouncerRunner

/// How one kind of operation reaches the real kernel code: the table the differential runner
/// translates by, one entry per `OperationKind` (`KernelTranslation` runs it).
public enum KernelCounterpart: Equatable, Sendable {
    /// The DMA API entry points the kernel side calls, as a driver makes them.
    case call(String)
    /// Not a kernel call: the driver's own memory or the host. The kernel side is given the same
    /// bytes or pages the model's step produced, so both sides start the next call alike.
    case mirror(String)
    /// Nothing in the compiled kernel/dma stands for it; the step runs on the model only and
    /// nothing is compared for it (and for later steps on the object it made).
    case none(String)
    /// The kernel side cannot follow from here on; the rest of the input is not compared.
    case outOfScope(String)

    public var runsOnKernel: Bool {
        switch self {
        case .call, .mirror: true
        case .none, .outOfScope: false
        }
    }

    /// The operation's kind, by its case: `GuestOperation.kind` searches the descriptions, which costs
    /// more than a fuzz step can spend.
    public static func kind(_ op: GuestOperation) -> OperationKind {
        switch op {
        case .probeDevice: .probeDevice
        case .kmalloc: .kmalloc
        case .kfree: .kfree
        case .cpuWrite: .cpuWrite
        case .mapBuffer: .mapBuffer
        case .mapCoherent: .mapCoherent
        case .mapResource: .mapResource
        case .unmap: .unmap
        case .syncForCpu: .syncForCpu
        case .syncForDevice: .syncForDevice
        case .mapSg: .mapSg
        case .unmapSg: .unmapSg
        case .syncSgForCpu: .syncSgForCpu
        case .syncSgForDevice: .syncSgForDevice
        case .allocCoherent: .allocCoherent
        case .freeCoherent: .freeCoherent
        case .cpuWriteCoherent: .cpuWriteCoherent
        case .unbind: .unbind
        case .runDeferredWork: .runDeferredWork
        case .enterSecureMode: .enterSecureMode
        case .hostWrite: .hostWrite
        case .deviceWrite: .deviceWrite
        case .failNextConversion: .failNextConversion
        case .vmbusOffer: .vmbusOffer
        case .vmbusOpen: .vmbusOpen
        case .vmbusSend: .vmbusSend
        case .vmbusClose: .vmbusClose
        case .vmbusHostCompletion: .vmbusHostCompletion
        case .netvscHostReceive: .netvscHostReceive
        case .vmbusRescind: .vmbusRescind
        case .hostFailNextGpadl: .hostFailNextGpadl
        case .virtioProbe: .virtioProbe
        case .virtioAddBuffer: .virtioAddBuffer
        case .virtioHostUsed: .virtioHostUsed
        case .virtioReset: .virtioReset
        case .nvmeProbe: .nvmeProbe
        case .nvmeSubmit: .nvmeSubmit
        case .nvmeHostComplete: .nvmeHostComplete
        case .nvmeRemove: .nvmeRemove
        case .virtioHostDescriptor: .virtioHostDescriptor
        case .unmapByAddress: .unmapByAddress
        case .syncForCpuByAddress: .syncForCpuByAddress
        case .syncForDeviceByAddress: .syncForDeviceByAddress
        case .archSetupDmaOps: .archSetupDmaOps
        case .dmaAllocPages: .dmaAllocPages
        case .dmaSetSegBoundary: .dmaSetSegBoundary
        case .migrateToCpu: .migrateToCpu
        }
    }

    /// The counterpart of every DMA-layer kind (the `dma` target's table); the transports have none.
    public static func of(_ kind: OperationKind) -> KernelCounterpart {
        switch kind {
        case .probeDevice: .call("device_initialize, swiotlb_dev_init, dma_set_mask, dma_set_coherent_mask")
        case .kmalloc: .mirror("the kernel side takes the pages the model's slab or kmalloc_large took, from its own page allocator")
        case .kfree: .mirror("kmalloc_large pages go back to the kernel side's page allocator; slab pages stay")
        case .cpuWrite, .cpuWriteCoherent: .mirror("the driver's bytes, written where the model wrote them")
        case .mapBuffer, .mapCoherent: .call("dma_map_page_attrs (6.12 has no DMA_ATTR_CC_SHARED)")
        case .mapResource: .none("dma_map_resource is compiled but the shim has no entry for it; MMIO holds no RAM")
        case .unmap: .call("dma_unmap_page_attrs")
        case .syncForCpu: .call("dma_sync_single_for_cpu at dma + offset (dma_sync_single_range_for_cpu)")
        case .syncForDevice: .call("dma_sync_single_for_device at dma + offset (dma_sync_single_range_for_device)")
        case .mapSg: .call("dma_map_sg_attrs")
        case .unmapSg: .call("dma_unmap_sg_attrs")
        case .syncSgForCpu: .call("dma_sync_single_for_cpu per entry (dma_direct_sync_sg_for_cpu does the same per entry)")
        case .syncSgForDevice: .call("dma_sync_single_for_device per entry (dma_direct_sync_sg_for_device)")
        case .allocCoherent: .call("dma_alloc_attrs (GFP_KERNEL, or GFP_ATOMIC when not blocking)")
        case .freeCoherent: .call("dma_free_attrs")
        case .unbind: .call("the driver's remove(): dma_unmap_sg_attrs, dma_unmap_page_attrs, dma_free_attrs in the model's order")
        case .runDeferredWork: .call("the queued work (atomic_pool_work_fn)")
        case .enterSecureMode: .outOfScope("pseries' runtime transition: the shim runs x86's arch code only")
        case .hostWrite: .mirror("the host's bytes, written where the model wrote them")
        case .deviceWrite: .mirror("the device's bytes, written through the kernel's own DMA address for the mapping")
        case .failNextConversion: .call("the host fails the next set_memory_{de,en}crypted (bouncer_kernel_fail_conversion_after)")
        case .vmbusOffer, .vmbusOpen, .vmbusSend, .vmbusClose, .vmbusHostCompletion, .netvscHostReceive, .vmbusRescind,
            .hostFailNextGpadl, .virtioProbe, .virtioAddBuffer, .virtioHostUsed, .virtioReset, .nvmeProbe, .nvmeSubmit,
            .nvmeHostComplete, .nvmeRemove, .virtioHostDescriptor:
            .outOfScope("transports are not compiled from the kernel tree")
        case .unmapByAddress, .syncForCpuByAddress, .syncForDeviceByAddress:
            .outOfScope("the kernel side does not yet call dma_unmap_page_attrs or the syncs at an address other than its own mapping's")
        case .archSetupDmaOps:
            .outOfScope("the shim runs x86's arch code, whose devices are DMA-coherent; CONFIG_DMA_DIRECT_REMAP is arm64's")
        case .dmaAllocPages:
            .outOfScope("the kernel side does not yet call dma_alloc_pages or dma_free_pages")
        case .dmaSetSegBoundary: .call("dma_set_seg_boundary (the device's dma_parms)")
        case .migrateToCpu: .call("raw_smp_processor_id() and num_possible_cpus() answer from the shim's boot and current CPU")
        }
    }
}
