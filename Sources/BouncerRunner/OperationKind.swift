/// An operation's case without its arguments, named as the case is (the words campaign
/// signatures use): the step of the path a finding took, told apart without reflection or
/// allocation on the fuzz harness's path.
public enum OperationKind: String, CaseIterable, Sendable, Codable {
    case probeDevice, kmalloc, kfree, cpuWrite
    case mapBuffer, mapCoherent, mapResource, unmap, syncForCpu, syncForDevice, mapSg, unmapSg
    case allocCoherent, freeCoherent, cpuWriteCoherent, unbind, runDeferredWork, enterSecureMode
    case hostWrite, deviceWrite, failNextConversion
    case vmbusOffer, vmbusOpen, vmbusSend, vmbusClose, vmbusHostCompletion, netvscHostReceive, vmbusRescind
    case hostFailNextGpadl
    case virtioProbe, virtioAddBuffer, virtioHostUsed, virtioReset
    case nvmeProbe, nvmeSubmit, nvmeHostComplete, nvmeRemove
}

extension Operation {
    public var kind: OperationKind {
        switch self {
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
        }
    }
}
