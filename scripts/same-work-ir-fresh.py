"""The fresh-run section of Benchmarks/SAME-WORK-IR.md (scripts/same-work-ir), after the harness's.

Usage: same-work-ir-fresh.py DIR BASE GEN_RUNS DMA_INPUTS
DIR holds fresh.B.P (callgrind) and fresh.B.P.out (the driver's "runs R steps S violations V") for each
build B (base, now) and platform P of FRESH_PLATFORMS, run by drv-base and drv-now.
A fresh run's phases (FRESH_PHASES) are the inclusive Ir of the functions that do them.
"""
import collections, os, re, sys

from same_work_ir_common import NEW_WORK, annotate, is_ancestor

# The phases of a fresh run (scripts/same-work-ir-driver.swift, the work of Benchmarks/ModelReplay), a
# row each: its name, what it is, a pattern over demangled function names (swift demangle --simplified)
# whose inclusive Ir is its cost, the phase it is part of, and the NEW_WORK groups whose work it is (the
# first group's commit added the function: a base without that commit has no such phase). The driver's
# own functions are never inlined and have the same names at both commits; a model function must be
# found in every profile that should have it, or the script stops. Where several functions match (a
# specialised copy and its caller), the largest inclusive count is the phase's, the outermost of them.
# A phase without a pattern is what its parent (or the whole run, FRESH_TOTAL) has beyond its other parts.
FRESH_PHASES = [
    ("start of a run", "`Runner(platform:profile:)`, all of it", r"\bfreshRunStart\(", None, ()),
    ("boot", "the guest booted: `Guest(platform:behaviours:)`; since bece315 (`BootCache`) once per process and "
     "configuration, so its cost per run is one boot spread over that platform's runs", r"\bGuest\.init\(platform:behaviours:",
     "start of a run", ()),
    ("the oracle's seeding", "`Oracle(booted:)`: the page ledger and the page states, from the boot; once per "
     "boot, as the boot",
     r"\bOracle\.init\(booted:", "start of a run",
     ("page conservation: the oracle's ledger of page moves", "CONF-ALIAS and its page-state shadow (96d8526)")),
    ("rest of the start", "the runner's own fields; with a cache of booted guests, its lookup and the copy (an "
     "array shared with the cache is copied where a step first writes it, in the steps)",
     None, "start of a run", ()),
    ("steps", "`run(_:)` for every operation: the model's step and the oracle's check", r"\bfreshRunSteps\(", None, ()),
    ("the oracle's checks", "`Oracle.check`, after each step that recorded events", r"\bOracle\.check\(_:step:\)",
     "steps", ()),
    ("end-of-run accounting", "`finish()`, which is `Oracle.checkAccounting`", r"\bfreshRunFinish\(", None, ()),
    ("page conservation's part", "`PageConservation.accounting`: every page free or held by a live holder",
     r"\bPageConservation\.accounting\(", "end-of-run accounting",
     ("page conservation: the oracle's ledger of page moves",)),
    ("the run's state freed", "the run beyond its three phases: the runner destroyed", None, None, ()),
]
# One fresh run, all of it.
FRESH_TOTAL = r"\bfreshRun\("

dirname, base, gen_runs, dma_inputs = sys.argv[1:5]


def in_base(groups):
    """Whether the base has a phase whose work is these NEW_WORK groups (the first one added its function)."""
    commits = {g: c for g, c, _, _, _ in NEW_WORK}
    unknown = [g for g in groups if g not in commits]
    if unknown:
        sys.exit(f"same-work-ir: FRESH_PHASES names groups NEW_WORK does not have: {unknown}")
    return not groups or is_ancestor(commits[groups[0]], base)


def fresh(which, platform):
    """One fresh-run profile: the driver's runs and steps, each phase's Ir and the function that gave it."""
    out = open(f"{dirname}/fresh.{which}.{platform}.out").read()
    m = re.fullmatch(r"runs (\d+) steps (\d+) violations (\d+)\s*", out)
    if not m:
        sys.exit(f"same-work-ir: the {which} driver on {platform} printed {out!r}, not its runs, steps and violations")
    rows = annotate(f"{dirname}/fresh.{which}.{platform}", f"/drv-{which}", "yes")
    cost, names = {}, {}
    for phase, rx in [(p, rx) for p, _, rx, _, g in FRESH_PHASES if rx and (which == "now" or in_base(g))] + [("total", FRESH_TOTAL)]:
        found = [(v, d) for _, d, v in rows if re.search(rx, d)]
        if not found:
            sys.exit(f"same-work-ir: no function of the {which} driver's run on {platform} matches {phase}'s /{rx}/ "
                     "(inlined or renamed? FRESH_PHASES in scripts/same-work-ir-fresh.py names it)")
        cost[phase], names[phase] = max(found)
    for phase, _, rx, parent, g in FRESH_PHASES:
        if rx is None:
            whole = cost[parent or "total"]
            cost[phase] = whole - sum(cost.get(p, 0) for p, _, r, par, _ in FRESH_PHASES if r and par == parent)
            if cost[phase] < 0:
                sys.exit(f"same-work-ir: {which} on {platform}: {phase} comes out below zero; its parts overlap")
    cost["violations"] = int(m.group(3))
    return (int(m.group(1)), int(m.group(2))), cost, names


platforms = os.environ["FRESH_PLATFORMS"].split(",")
runs = {"base": collections.Counter(), "now": collections.Counter()}
cost = {"base": collections.Counter(), "now": collections.Counter()}
names = {"base": {}, "now": {}}
per_platform = {}
for p in platforms:
    got = {b: fresh(b, p) for b in ("base", "now")}
    if got["base"][0] != got["now"][0]:
        sys.exit(f"same-work-ir: on {p} the base driver made {got['base'][0]} runs and steps and now's {got['now'][0]}: "
                 "the two builds did not decode the same operations")
    per_platform[p] = got
    for b in ("base", "now"):
        runs[b]["runs"] += got[b][0][0]; runs[b]["steps"] += got[b][0][1]
        cost[b].update(got[b][1]); names[b].update(got[b][2])


def per_run(b, phase):
    return cost[b][phase] / runs[b]["runs"]


def ir(v):
    return f"{v:,.0f}"


print("## Fresh runs: the model replay's work, phase by phase")
print()
print("Instructions per run of the work the ordo benchmark `Benchmarks/ModelReplay` times (its binary cannot run under")
print("valgrind): each fixed dma input run from a fresh `Runner(platform:profile:)`, every operation with the oracle, then")
print("`finish()`, the end-of-run accounting. scripts/same-work-ir-driver.swift does that work with each phase of a run in a")
print("function of its own, never inlined; it is built against each commit (`swift build -c release`, `strip -g`) and run")
print(f"under callgrind once per platform (FRESH_PLATFORMS={','.join(platforms)}, every input on each).")
print(f"Inputs: {dma_inputs}, made by {base}'s fuzz-dma growing {base}'s Corpus/dma for {gen_runs} executions (as above), each")
print("header rewritten so both builds decode the same operations (version 1, the DMA layer's table; the platform byte modulo")
print(f"the base's platform count); {runs['now']['runs']} runs of {runs['now']['steps']} operations in all, the same at both commits.")
print()
print("A phase's cost is the inclusive Ir (`callgrind_annotate --inclusive=yes`) of the function named, per run; an indented")
print("row is a part of the row above it, and a row without a function is what is left of its whole beyond the other rows.")
print(f"The phases are data in scripts/same-work-ir-fresh.py (FRESH_PHASES); a phase that is work added since {base} names its")
print("NEW_WORK groups and their commits.")
print()
for phase, what, rx, parent, _ in FRESH_PHASES:
    print(f"{'  ' if parent else ''}- **{phase}**: {what}.")
print()
print("| phase | function (base; now) | base Ir / run | now Ir / run | now / base | work added since the base |")
print("| --- | --- | ---: | ---: | ---: | --- |")
commits = {g: c for g, c, _, _, _ in NEW_WORK}
for phase, _, rx, parent, groups in [*FRESH_PHASES, ("**total per run**", None, FRESH_TOTAL, None, ())]:
    key = "total" if rx == FRESH_TOTAL else phase
    had = in_base(groups)
    fn = [re.sub(r"^specialized ", "", names[b][key]) for b in ("base", "now") if rx and key in names[b]]
    fn = "(the rest)" if not rx else f"`{fn[0]}`" if len(set(fn)) == 1 else f"`{fn[0]}`; `{fn[1]}`"
    new = "; ".join(f"{g}, added in {commits[g]}" for g in groups if not is_ancestor(commits[g], base))
    b, n = (per_run("base", key) if had else None), per_run("now", key)
    print(f"| {'&emsp;' if parent else ''}{phase} | {fn} | {ir(b) if b is not None else 'not in the base'} | {ir(n)} | "
          f"{f'{n / b:.3f}' if b else ''} | {new} |")
# The phases the base does not have, the outermost of them; what is left is the same work at both commits.
added = [p for p, _, rx, parent, g in FRESH_PHASES if rx and not in_base(g) and (parent is None or in_base(
    next(pg for pp, _, _, _, pg in FRESH_PHASES if pp == parent)))]
same = {b: cost[b]["total"] - sum(cost[b][p] for p in added) for b in ("base", "now")}
print(f"| **total per run less the phases added since the base** | | {ir(same['base'] / runs['base']['runs'])} | "
      f"{ir(same['now'] / runs['now']['runs'])} | **{same['now'] / same['base']:.3f}** | |")
print()
print("**Per platform** (now / base of each top-level phase, and the whole run in Ir per run), with the violations")
print("the steps reported at each commit: a run goes on past them, and each is reported with its words built, in the")
print("steps; a platform whose model now reaches a finding the base's did not (a known finding of the profile) reports it")
print("at every step that meets it:")
print()
top = [p for p, _, _, parent, _ in FRESH_PHASES if parent is None]
print(f"| platform | runs | violations, base | violations, now | {' | '.join(top)} | base Ir / run | now Ir / run | now / base |")
print("| --- | ---: | ---: | ---: |" + " ---: |" * (len(top) + 3))
for p, got in per_platform.items():
    (r, _), bc, nc = got["base"][0], got["base"][1], got["now"][1]
    print(f"| {p} | {r} | {bc['violations']} | {nc['violations']} | "
          f"{' | '.join(f'{nc[k] / bc[k]:.3f}' if bc.get(k) else 'n/a' for k in top)} | {ir(bc['total'] / r)} | {ir(nc['total'] / r)} | "
          f"{nc['total'] / bc['total']:.3f} |")
