import ArgumentParser
import BouncerKernel
import BouncerKernelDiff
import BouncerPolicy
import BouncerRunner
import Foundation

/// `bouncer kernel-diff FILE...`: each file through the model and the real kernel code.
struct KernelDiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernel-diff",
        abstract: "Run dma-target inputs through the model (linux-6.12) and the real kernel/dma side by side; report MODEL-DIVERGENCE.",
        discussion: "Exit 0: no divergence; 1: a divergence; 2: bad input or no kernel tree in this build.")

    @Argument(help: "Scenario files or directories (the dma target's byte format).")
    var files: [String]

    @Option(help: "The model's profile (built-in name or file); default linux-6.12.")
    var profile: String = KernelDiff.profile.name

    @Flag(help: "Print a line per file even when it agrees.")
    var verbose = false

    @Flag(help: "Print every step: the model's trace line and what the kernel code recorded.")
    var trace = false

    func run() throws {
        guard KernelGuest.isAvailable else {
            FileHandle.standardError.write(Data("bouncer kernel-diff: no kernel code in this build: \(KernelGuest.status)\n".utf8))
            throw ExitCode(2)
        }
        let profile = try resolveProfile(self.profile)
        var paths: [String] = []
        for f in files {
            var dir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: f, isDirectory: &dir) else {
                FileHandle.standardError.write(Data("bouncer kernel-diff: \(f): no such file or directory\n".utf8))
                throw ExitCode(2)
            }
            if dir.boolValue {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: f)) ?? []
                paths += names.filter { !$0.hasPrefix(".") }.sorted().map { f + "/" + $0 }
            } else {
                paths.append(f)
            }
        }
        var divergent = 0, known = 0, outside = 0, comparedSteps = 0, kernelFindings = 0
        for path in paths {
            guard let data = FileManager.default.contents(atPath: path) else {
                FileHandle.standardError.write(Data("bouncer kernel-diff: \(path): cannot read\n".utf8))
                throw ExitCode(2)
            }
            let scenario = ScenarioCodec.decode([UInt8](data), target: .dma)
            let report = try KernelDiff.run(scenario, profile: profile, tracing: trace)
            if trace { print("\(path):\n" + report.trace.joined(separator: "\n")) }
            comparedSteps += report.compared
            if let v = report.kernelViolation {
                kernelFindings += 1
                print("\(path): kernel side: \(v)")
            }
            if let d = report.divergence {
                divergent += 1
                print("\(path): \(d)")
            } else if let o = report.outOfScope, let id = o.reason.known {
                known += 1
                print("\(path): known divergence \(id) at step \(o.step) (not fatal; KnownDivergences.swift): \(o.reason)")
            } else if let o = report.outOfScope, report.compared == 0 {
                outside += 1
                if verbose { print("\(path): not compared (\(o.reason))") }
            } else if verbose {
                let tail = report.outOfScope.map { "; from step \($0.step) not compared: \($0.reason)" } ?? ""
                print("\(path): agrees over \(report.compared) steps (\(report.modelOnly) model only)\(tail)")
            }
        }
        print("kernel-diff: \(paths.count) inputs, \(divergent) divergent, \(known) known divergences, \(outside) not comparable, \(comparedSteps) steps compared, \(kernelFindings) with a kernel-side violation; profile \(profile.name); \(KernelGuest.status)")
        if divergent > 0 { throw ExitCode(1) }
    }
}
