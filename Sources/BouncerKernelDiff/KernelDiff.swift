import BouncerKernel
import BouncerModel
import BouncerOracle
import BouncerPolicy
import BouncerRunner

/// Runs whole inputs through the model and the real kernel code (`KernelDiffRun`).
public enum KernelDiff {
    /// The profile the model runs for a comparison with the build's kernel tree.
    public static let profile = Profile.builtIn(named: "linux-6.12")!

    /// What one input showed.
    public struct Report: Sendable {
        public var platform: PlatformKind
        public var steps = 0
        /// Steps run and compared on both sides; steps that ran on the model only.
        public var compared = 0
        public var modelOnly = 0
        /// The first difference; the run stops there.
        public var divergence: Divergence?
        /// Where and why the kernel side stopped following.
        public var outOfScope: (step: Int, reason: OutOfScope)?
        /// The first violation each side's oracle found (the kernel's on its own outcomes).
        public var modelViolation: Violation?
        public var kernelViolation: Violation?
        /// With tracing: per step the model's trace line and what the kernel code recorded.
        public var trace: [String] = []
    }

    /// Boots the kernel code on the scenario's platform and boot configuration and runs every
    /// operation on both sides.
    public static func run(_ scenario: Scenario, profile: Profile = profile, tracing: Bool = false) throws -> Report {
        let guest = try KernelGuest(platform: scenario.platform, boot: scenario.boot)
        var run = KernelDiffRun(kernel: guest, profile: profile, tracing: tracing)
        var report = Report(platform: scenario.platform)
        for op in scenario.operations {
            let r = run.run(op)
            if tracing {
                report.trace.append(run.runner.trace.last ?? "")
                report.trace += r.kernelEvents.map { "      kernel: \($0)" }
            }
            record(r, &report)
            if report.divergence != nil { break }
        }
        if report.divergence == nil { report.divergence = run.finish() }
        report.steps = run.step
        report.compared = run.compared
        report.modelOnly = run.modelOnly
        report.outOfScope = run.outOfScope
        return report
    }

    static func record(_ r: KernelDiffRun.StepResult, _ report: inout Report) {
        if report.divergence == nil { report.divergence = r.divergence }
        if report.modelViolation == nil { report.modelViolation = r.modelViolations.first }
        if report.kernelViolation == nil { report.kernelViolation = r.kernelViolations.first }
    }
}
