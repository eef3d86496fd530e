import BouncerKernel
import BouncerKernelDiff
import BouncerModel
import BouncerPolicy
import BouncerRunner
import Testing

extension KernelTests {
    /// A mask `dma_set_mask()` refuses: the kernel keeps the device with the bus's default masks,
    /// as the model does, and the comparison goes on past the probe.
    @Suite struct RefusedMasks {
        @Test func theKernelKeepsTheDeviceWithTheBusDefaultMasks() throws {
            let g = try KernelGuest(platform: .tdx)
            var small = KernelDeviceConfig()
            small.dmaMask = 0xFF_FFFF
            small.coherentDmaMask = 0xFF_FFFF
            let accepted = try g.probe(small)
            #expect(accepted.setMaskResult == 0 && accepted.dmaMask == 0xFF_FFFF && accepted.coherentDmaMask == 0xFF_FFFF)
            small.range = (cpuStart: 0, dmaStart: 0x1000_0000, size: 1 << 40)
            let refused = try g.probe(small)
            #expect(refused.device == accepted.device + 1)
            #expect(refused.setMaskResult == -5)
            #expect(refused.dmaMask == 0xFFFF_FFFF && refused.coherentDmaMask == 0xFFFF_FFFF)
        }

        /// The reproducer of the former known divergence `mask-refused` (a 21-bit mask on TDX):
        /// now both probes are compared and nothing stops the run.
        @Test func theFormerMaskRefusedReproducerIsComparedToTheEnd() throws {
            let bytes: [UInt8] = [
                0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x30, 0x01, 0x00, 0x00, 0x0C, 0x10, 0x01, 0x14,
                0x00, 0x0D, 0x00, 0x00,
            ]
            let scenario = ScenarioCodec.decode(bytes, target: .dma)
            guard case .probeDevice(let second) = scenario.operations[1] else { Issue.record("\(scenario)"); return }
            #expect(second.dmaMaskBits == 21)
            let report = try KernelDiff.run(scenario)
            #expect(report.divergence == nil)
            #expect(report.outOfScope == nil)
            #expect(report.compared == 2 && report.steps == 4)
        }

        /// A refused 24-bit mask with a dma-ranges offset, then the device in use: every step is
        /// compared on each platform the shim stands for.
        @Test(arguments: [PlatformKind.nonConfidential, .tdx, .sevSnp, .sevSnpVtom])
        func aDeviceWhoseMaskWasRefusedIsComparedInUse(_ platform: PlatformKind) throws {
            let ops: [GuestOperation] = [
                .probeDevice(DeviceConfig(dmaMaskBits: 24, dmaRangeOffset: 0x1000_0000)),
                .kmalloc(size: 64, zone: .normal),
                .cpuWrite(buffer: 0, offset: 0, size: 64),
                .mapBuffer(device: 0, buffer: 0, offset: 0, size: 64, direction: .toDevice, skipCpuSync: false),
                .allocCoherent(device: 0, size: 4096, blocking: true),
                .unmap(mapping: 0, skipCpuSync: false),
                .freeCoherent(coherent: 0),
            ]
            let report = try KernelDiff.run(Scenario(platform: platform, operations: ops))
            #expect(report.divergence == nil, "\(report.divergence.map { "\($0)" } ?? "")")
            #expect(report.outOfScope == nil)
            #expect(report.compared == ops.count)
        }

        /// The shim holds 32 devices; a 33rd stops the comparison there (it once passed for a
        /// refused mask, and with the mask fix it crashed the run at the device's first use).
        @Test func aDevicePastTheShimsTableStopsTheComparison() throws {
            var ops = [GuestOperation](repeating: .probeDevice(DeviceConfig()), count: KernelGuest.maxDevices + 1)
            ops += [
                .kmalloc(size: 64, zone: .normal),
                .mapBuffer(device: KernelGuest.maxDevices, buffer: 0, offset: 0, size: 64, direction: .toDevice, skipCpuSync: false),
            ]
            let report = try KernelDiff.run(Scenario(platform: .tdx, operations: ops))
            #expect(report.divergence == nil)
            #expect(report.compared == KernelGuest.maxDevices)
            let stop = try #require(report.outOfScope)
            #expect(stop.step == KernelGuest.maxDevices && stop.reason.known == nil)
        }
    }
}
