import BouncerModel
import BouncerPolicy

/// Calls `body` with each page `[phys, phys + size)` touches that is guest RAM, until it says stop.
func forEachPage(_ phys: PhysAddr, _ size: UInt64, _ body: (PageNumber) -> Bool) {
    guard size > 0 else { return }
    var at = phys.pageAlignedDown
    let end = phys + size
    while at < end {
        if let page = GuestMemory.pfnDown(at), !body(page) { return }
        at = at + GuestMemory.pageSize
    }
}

func pageName(_ page: PageNumber) -> String { "\(page) (\(GuestMemory.pfnPhys(page)))" }
