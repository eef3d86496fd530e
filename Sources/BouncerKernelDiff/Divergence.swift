/// What a driver or the host can observe, compared after every step.
public enum Observable: String, Sendable {
    /// Whether the call created, failed (`DMA_MAPPING_ERROR`, NULL) or was done.
    case outcome
    /// The DMA address handed to the device (a mapping, a scatterlist entry, a coherent handle).
    case dmaAddress = "dma address"
    /// The CPU address of a coherent allocation, or the pages a driver buffer got.
    case cpuAddress = "cpu address"
    /// What the CPU reads in the mapped buffer after a sync for the CPU or an unmap.
    case cpuBytes = "bytes the CPU reads"
    /// What the device reads through its DMA address after a map or a sync for the device.
    case deviceBytes = "bytes the device reads"
    /// Which pages are private, shared or unknown.
    case pageState = "page state"
    /// Which pages are held (allocated, pooled or leaked) rather than free.
    case pageHeld = "page held"
    /// The contents of every page the host can see, at the end of the run.
    case hostVisibleBytes = "host-visible bytes"
    /// An invariant the oracle judges on both sides: broken on one side only.
    case verdict
}

/// `MODEL-DIVERGENCE`: the model and the real kernel code, from the same start state and after
/// the same operations, let a driver or the host observe different things.
public struct Divergence: Error, Hashable, Sendable, CustomStringConvertible {
    public static let id = "MODEL-DIVERGENCE"
    public var step: Int
    /// The operation, in the kernel's words.
    public var operation: String
    public var observable: Observable
    /// Where (page, mapping, byte), in the kernel's words.
    public var location: String
    public var model: String
    public var kernel: String

    public var description: String {
        "\(Divergence.id) at step \(step) (\(operation)): \(observable.rawValue) of \(location): model \(model), kernel \(kernel)"
    }
}
