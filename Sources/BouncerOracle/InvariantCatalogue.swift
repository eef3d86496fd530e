/// What the oracle checks for each invariant, in the words of README's oracle table: the longer
/// half of the catalogue (`statement` is the short half), for reports that explain a finding, such
/// as the campaign's SARIF rules.
extension InvariantID {
    public var checkedBy: String {
        switch self {
        case .confPrivate:
            "Undisclosed guest bytes written, bounced or converted onto a host-visible page, or exposed at the moment of an in-place conversion."
        case .confBounce:
            "Every DMA address handed to an untrusted device (by the DMA API, or written by a transport: a GPADL, a virtqueue ring or descriptor) resolves to shared memory owned by a swiotlb pool, an atomic pool, a shared coherent buffer or a GPADL buffer shared on purpose."
        case .confTrusted:
            "Every DMA address handed to a trusted device resolves to private memory."
        case .confFreelist:
            "Every page given back to the page allocator is private."
        case .confStale:
            "After a CPU sync of a bounced mapping, no byte the buffer reads is foreign (another allocation's, or stale slot contents)."
        case .confPool:
            "Every page a pool serves has the state the request asked for."
        case .safeHostInput:
            "Every swiotlb_bounce copy stays inside its mapping and its slots; every copy a driver makes with a host-chosen length or offset (a used buffer, a receive section, an inbound packet) stays inside its object; no host-writable field is fetched twice in one step with two values."
        case .safeLifecycle:
            "What a freed buffer, unmapped mapping or failed scatterlist held is released; no page an atomic pool still lists is freed to the page allocator; every page is free, held by a live object that holds it, or leaked with a reason, by the oracle's own ledger of page moves (the pages each step moves, and all of them at the end of a run); full accounting at the end of a run."
        case .dataIntegrity:
            "After a CPU sync the buffer holds the device's writes where it wrote and its own bytes elsewhere (DMA API ownership rules; overlapping writable mappings are undefined and not judged); the page a dma_alloc_pages() caller holds is the page whose DMA address its device was given."
        case .confAlias:
            "Every CPU access to an allocation (the kernel's zeroing in dma_alloc_coherent, the driver's writes) goes through a kernel virtual mapping (the linear map, a vmap alias) whose encryption attribute is the state of every page it reaches, judged on platforms whose page tables carry the attribute (TDX, SEV-SNP, vTOM, CCA)."
        }
    }
}
