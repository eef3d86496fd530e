import Foundation
import Testing
import BouncerModel
import BouncerOracle
import BouncerPolicy
import BouncerRunner
import BouncerTransports

/// A profile with one behaviour changed from `linux-upstream`.
func upstream(_ change: (inout Behaviours) -> Void = { _ in }) -> Profile {
    var p = Profile.linuxUpstream
    change(&p.behaviours)
    p.name = "test"
    return p
}

func profile(_ name: String) -> Profile { Profile.builtIn(named: name)! }

func run(_ ops: [GuestOperation], on platform: PlatformKind = .tdx, _ profile: Profile = .linuxUpstream) -> RunResult {
    Runner.run(Scenario(platform: platform, operations: ops), profile: profile, tracing: true)
}

let untrusted = DeviceConfig()
let trusted = DeviceConfig(trusted: true)

/// A booted system with one device, for tests that call the model's API directly.
func system(
    _ platform: PlatformKind = .tdx, _ profile: Profile = .linuxUpstream, device: DeviceConfig = untrusted,
    boot: SwiotlbBoot = .standard
) -> DmaLayer {
    var s = DmaLayer(platform: platform, behaviours: profile.behaviours, boot: boot)
    s.probeDevice(device)
    return s
}

/// Maps a new buffer of `size` bytes on device 0; the slot its bounce starts at (in the default
/// pool only, if asked), or nil when it failed or went elsewhere.
func bounceSlot(_ s: inout DmaLayer, size: UInt32 = 2048, defaultPoolOnly: Bool = false) -> Int? {
    guard let b = s.kmalloc(size: size),
        let m = s.dmaMapPhys(device: 0, phys: s.buffers[b].phys, size: size, direction: .toDevice, attrs: []),
        let pool = s.mappings[m].bouncePool, !defaultPoolOnly || s.swiotlbPools[pool].kind == .defaultPool
    else { return nil }
    return Int((s.mappings[m].tlbAddress - s.swiotlbPools[pool].start) >> IOTLB.shift)
}

extension Profile: CustomTestStringConvertible {
    public var testDescription: String { name }
}

/// A guest on `platform` under `profile` with the given operations applied; no oracle.
func guest(_ ops: [GuestOperation], on platform: PlatformKind = .tdx, _ profile: Profile = .linuxUpstream) -> Guest {
    var g = Guest(platform: platform, behaviours: profile.behaviours)
    for op in ops {
        g.beginStep()
        _ = g.apply(op)
    }
    return g
}

/// The package's root directory, from this file's own path (Tests/BouncerTests/Support.swift), so
/// tests that read committed inputs work from any folder they live in.
let packageRoot: String = {
    var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)
    return parts.joined(separator: "/")
}()

/// The repository's own inputs, read as the tests need them.
func listDirectory(_ path: String) throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: path).sorted() }

func readFile(_ path: String) -> [UInt8]? { FileManager.default.contents(atPath: path).map { [UInt8]($0) } }

/// What a step leaves behind in the DMA layer, as one string to compare two runs by: pools and
/// slots, page owners and states, the step's events, which mappings live, how many read-backs.
func dmaLayerFootprint(_ s: DmaLayer) -> String {
    let pools = s.swiotlbPools.map { p in "\(p.used) \(p.live) " + p.slots.map { "\($0.origAddr),\($0.list),\($0.mapping)" }.joined(separator: ";") }
    return "\(pools)|\(s.memory.owners)|\(s.memory.states)|\(s.events)|\(s.mappings.map(\.live))|\(s.readBacks.count)"
}
