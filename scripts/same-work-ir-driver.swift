// The fresh-run work of Benchmarks/ModelReplay for scripts/same-work-ir, which builds this file, with
// ModelReplay's ReadInputs.swift, as a small package depending on a tree by path, BASE's and the
// working tree's, and runs it under callgrind: the ordo binary's malloc interposer stops valgrind.
// Each input runs from a fresh `Runner(platform:profile:)`, every operation with the oracle, then
// `finish()`, as ModelReplay does. Each phase of a run is a function of its own, never inlined, so
// callgrind_annotate's inclusive count of it is the phase's cost under the same name at both
// commits. Only calls both commits have: `ScenarioCodec.decode(_:target:)`,
// `Runner(platform:profile:)`, `run(_:)`, `finish()`, `step`.
//   INPUTS=DIR PLATFORM=tdx drv   # every file in DIR, in name order (`readInputs`), run on that platform
// Prints "runs R steps S violations V": R runs, S operations run (all of them), V violations the
// steps reported (a run goes on past them; a known finding the base's model did not reach is
// reported at every step that meets it, and its words are built each time).
import Glibc
import BouncerPolicy
import BouncerRunner

/// The start of a run: the boot and the oracle made for it.
@inline(never) func freshRunStart(_ platform: PlatformKind) -> Runner {
    Runner(platform: platform, profile: .linuxUpstream)
}

/// The steps: every operation, past any violation, so both builds run them all; how many
/// violations they reported.
@inline(never) func freshRunSteps(_ runner: inout Runner, _ scenario: Scenario) -> Int {
    var violations = 0
    for op in scenario.operations { violations += runner.run(op).count }
    return violations
}

/// The end-of-run accounting.
@inline(never) func freshRunFinish(_ runner: Runner) -> Int {
    runner.finish().count
}

/// One run; what it costs beyond its three phases is the run's state freed. Its steps and the
/// violations they reported.
@inline(never) func freshRun(_ scenario: Scenario) -> (steps: Int, violations: Int) {
    var runner = freshRunStart(scenario.platform)
    let violations = freshRunSteps(&runner, scenario)
    _ = freshRunFinish(runner)
    return (runner.step, violations)
}

func fail(_ why: String) -> Never {
    let line = "same-work-ir driver: \(why)\n"
    _ = line.withCString { write(2, $0, strlen($0)) }
    exit(2)
}

guard let dir = getenv("INPUTS").map({ String(cString: $0) }) else { fail("INPUTS is not set") }
guard let name = getenv("PLATFORM").map({ String(cString: $0) }), let platform = PlatformKind(rawValue: name) else {
    fail("PLATFORM is not set or names no platform")
}
let scenarios = readInputs(dir, failing: fail).map { bytes -> Scenario in
    var scenario = ScenarioCodec.decode(bytes, target: .dma)
    scenario.platform = platform
    return scenario
}
let operations = scenarios.reduce(0) { $0 + $1.operations.count }
var steps = 0, violations = 0
for scenario in scenarios {
    let run = freshRun(scenario)
    steps += run.steps
    violations += run.violations
}
if steps != operations { fail("ran \(steps) of \(operations) operations") }
print("runs \(scenarios.count) steps \(steps) violations \(violations)")
