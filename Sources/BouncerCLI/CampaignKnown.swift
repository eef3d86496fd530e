import BouncerPolicy
import BouncerRunner
import Foundation

extension Campaign {
    /// The known findings the target's fuzzers met: the first input of each process per known
    /// finding (`known-TARGET-ID-HASH.bounce`), one finding per known finding and platform, with
    /// the number of such inputs. Not minimised: the record has its regression input and test.
    func knownFindings(_ target: FuzzTarget, profile: Profile) throws -> [(finding: Finding, inputs: Int)] {
        let dir = "\(out)/findings/\(target.name)"
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasPrefix("known-") && $0.hasSuffix(".bounce") }.sorted()
        var met: [String: (finding: Finding, inputs: Int)] = [:]
        var order: [String] = []
        for name in names {
            let path = "\(dir)/\(name)"
            let scenario = ScenarioCodec.decode(try readInput(path), target: target)
            let run = Runner.runPastKnown(scenario, profile: profile)
            for k in run.known.indices {
                let f = KnownFindings.all[k], key = "\(f.id) \(scenario.platform.rawValue)"
                if met[key] == nil {
                    order.append(key)
                    met[key] = (Finding(
                        target: target.name, invariant: f.invariant, signature: "known:\(f.id)", platform: scenario.platform.rawValue,
                        input: path, minimalOperations: scenario.operations.count, detail: "\(run.known.first[k]!)",
                        new: false, known: true, knownFinding: f.id, test: f.test, findingClass: run.known.first[k]!.findingClass), 0)
                }
                met[key]!.inputs += 1
            }
        }
        return order.map { met[$0]! }
    }
}
