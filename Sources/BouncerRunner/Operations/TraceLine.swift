import BouncerModel
import BouncerPolicy
import BouncerTransports

extension GuestOperation: CustomStringConvertible {
    /// One line, in the kernel's words.
    public var description: String {
        let d = described
        return d.render(d.read(self)!)
    }

    /// The line in the kernel's words on system `s`, before or after the operation ran, where a
    /// handle says more than the operation's bytes: freeing a `dma_alloc_pages()` allocation is
    /// `dma_free_pages()`, not `dma_free_coherent()`.
    public func description(in s: DmaLayer) -> String {
        if case .freeCoherent(let c) = self, c >= 0, c < s.coherent.count, s.coherent[c].pagesApi {
            return "dma_free_pages(coherent \(c))"
        }
        return description
    }
}

enum TraceLine {
    static func render(step: Int, _ op: GuestOperation, _ outcome: StepOutcome, _ s: DmaLayer) -> String {
        var line = "\(step): \(op.description(in: s))"
        switch outcome {
        case .done: break
        case .skipped:
            line += "  -- skipped"
            // A mapping the model made but whose address never reached the device: say why.
            if case .deviceWrite(let m, _, _) = op, m < s.mappings.count, let sg = s.mappings[m].scatterlist,
                !s.mappings[m].givenToDevice, s.mappings[m].dma != dmaMappingError
            {
                line += " (no address was handed out: dma_map_sg of scatterlist \(sg) failed)"
            }
        case .failed: line += "  -> failed"
        case .created(let h):
            switch op {
            case .probeDevice:
                line += "  -> device \(h)"
                if s.devices[h].maskRefused { line += " (dma_set_mask: -EIO, keeps DMA_BIT_MASK(\(64 - s.devices[h].dmaMask.leadingZeroBitCount)))" }
            case .vmbusOffer: line += "  -> channel \(h)"
            case .virtioProbe: line += "  -> virtio \(h)"
            case .nvmeProbe: line += "  -> nvme \(h)"
            case .kmalloc: line += "  -> buffer \(h) at \(hex(s.buffers[h].phys))"
            case .mapBuffer, .mapCoherent, .mapResource:
                let m = s.mappings[h]
                line += "  -> mapping \(h), dma \(hex(m.dma))"
                if let pool = m.bouncePool { line += " (bounced: swiotlb pool \(pool) \(s.swiotlbPools[pool].kind), slot \(hex(m.tlbAddress)))" }
            case .mapSg: line += "  -> scatterlist \(h), mappings \(s.scatterlists[h].entries.map(String.init).joined(separator: ","))"
            case .allocCoherent, .dmaAllocPages:
                let c = s.coherent[h]
                line += "  -> coherent \(h) at \(hex(c.phys)), dma \(hex(c.dma)), \(c.shared ? "shared" : "private"), from \(c.source), CPU through the \(c.alias)"
                if c.callerPhys == nil { line += " (the caller got the pool's CPU address as its struct page)" }
            default: line += "  -> \(h)"
            }
        }
        return line
    }
}
