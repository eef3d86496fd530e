import BouncerModel
import CKernelDMA

extension KernelGuest {
    /// Every page's encryption state and whether it is held (not on the page allocator's free
    /// list), in `GuestMemory` page order: one C call for the differential runner's per-step check.
    public func pageTable(states: inout [UInt8], held: inout [UInt8]) {
        if states.count != GuestMemory.pageCount { states = [UInt8](repeating: 0, count: GuestMemory.pageCount) }
        if held.count != GuestMemory.pageCount { held = [UInt8](repeating: 0, count: GuestMemory.pageCount) }
        states.withUnsafeMutableBufferPointer { s in
            held.withUnsafeMutableBufferPointer { h in bouncer_kernel_page_table(s.baseAddress, h.baseAddress) }
        }
    }

    /// Keeps this booted guest (kernel state, shim state, arena) so `restoreSnapshot()` can bring
    /// it back without booting; valid until the next `KernelGuest` boots.
    @discardableResult public func saveSnapshot() -> Bool { bouncer_kernel_snapshot_save() }

    /// Whether the arena page was written since the last save or restore (every page without one).
    public func dirtyPages() -> [Bool] {
        var bits = [UInt64](repeating: 0, count: (GuestMemory.pageCount + 63) / 64)
        bits.withUnsafeMutableBufferPointer { bouncer_kernel_dirty_pages($0.baseAddress) }
        return (0 ..< GuestMemory.pageCount).map { bits[$0 >> 6] & (1 << UInt64($0 & 63)) != 0 }
    }

    /// Back to the state of the last `saveSnapshot()`, with the event record cleared.
    @discardableResult public func restoreSnapshot() -> Bool { bouncer_kernel_snapshot_restore() }
}
