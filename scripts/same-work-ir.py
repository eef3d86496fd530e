"""The tables scripts/same-work-ir writes (Benchmarks/SAME-WORK-IR.md), from its callgrind profiles.

Usage: same-work-ir.py DIR BASE NOW REF INPUTS GEN_RUNS MACHINE SECONDS DMA_INPUTS
DIR holds cg.base, cg.now (callgrind --dump-instr=yes) and base.dbg, now.dbg (unstripped binaries); and,
for the fresh runs, fresh.B.P (callgrind) and fresh.B.P.out (the driver's "runs R steps S violations V") for each build B
and platform P of FRESH_PLATFORMS, run by drv-base and drv-now.

An instruction of the harness is new work when any of its frames, inlined ones included (addr2line -i),
is a function of a NEW_WORK group whose commit BASE does not contain; its cost is its own Ir plus the
inclusive Ir of the calls it makes to functions outside every group (libFuzzer's code is left out).
A fresh run's phases (FRESH_PHASES) are the inclusive Ir of the functions that do them.
"""
import collections, os, re, subprocess, sys

# Work added since f9c8db6 (issue 16's oracle checks and model features), one group a row: its name,
# the commit that added it, whether it is an oracle check or model code (the model's share is the
# arguable one: it replaced simpler code the base ran; the table also shows the same work with only
# the oracle's groups taken out), a pattern over demangled function names (swift demangle --simplified
# --compact) and, where a new function wraps work the base already did, a pattern for that old work
# (a call to it, or a frame of it inlined under the group's frame, is not counted as new).
NEW_WORK = [
    ("page conservation: the oracle's ledger of page moves", "97ca6e7", "oracle",
     r"PageConservation\.|PageLedger\b|PageWalk\b|Oracle\.observeMove|Oracle\.StepMoves|Oracle\.firstUnnamedPage", None),
    ("page conservation: the model's pagesTaken events", "97ca6e7", "model", r"DmaLayer\.takePages", r"GuestMemory\.setOwner"),
    ("CONF-ALIAS and its page-state shadow (96d8526)", "b908ce1", "oracle", r"AliasChecks\.|PageStateShadow\b", None),
    ("CPU accesses through kernel aliases in the model; dma_direct_alloc's remap", "b908ce1", "model",
     r"KernelAlias\b|DmaLayer\.cpuAccess|PolicyDomain\.cpuAliasDecrypted|PolicyDomain\.dmaDirectAllocRemap", None),
    ("the oracle's own DMA address encoding; handed-out addresses outside guest memory", "b45f753", "oracle",
     r"AddressEncoding\b|ConfidentialityChecks\.resolve|ConfidentialityChecks\.outsideMemory", None),
    ("dma_range_map: one bus_dma_region, failing lookups", "1b0384d", "model",
     r"PolicyDomain\.(translatePhysToDma|dmaRangeCoversPhys|dmaRangeLast)|DmaRanges?\b", None),
    ("dma_set_mask() refusing what dma_direct_supported() refuses", "2dc40ef", "model",
     r"PolicyDomain\.(dmaSetMask|dmaDirectSupported)|MaskDecisions\b", None),
    ("dma_alloc_pages(): the pool-page check", "92262ac", "oracle", r"PoolPageChecks\b", None),
    ("dma_alloc_pages() from an atomic pool: the caller's page (DATA-INTEGRITY)", "a42a42c", "oracle", r"IntegrityChecks\.callerPage", None),
    ("atomic pools in slots never shared", "bed4f6b", "oracle", r"SlotChecks\.atomicPoolShared", None),
    ("swiotlb areas", "1c376f6", "model", r"SwiotlbAreas\b|SwiotlbSizing\b", None),
    ("the device's segment boundary", "24e1ba3", "model", r"SegmentBoundary\b", None),
]
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
# Renames since f9c8db6, so a function present in both is matched by name.
RENAMES = [(r"\bSystem\.", "DmaLayer.")]
# libFuzzer and the C runtime: not the harness's own functions.
NOT_HARNESS = re.compile(r"fuzzer::|std::|^_Z|sha1|LLVMFuzzer|^main$|_start|crtstuff|^0x|^\?")

dirname, base, now, ref, inputs, gen_runs, machine, seconds, dma_inputs = sys.argv[1:10]


def git(*args):
    return subprocess.run(["git", *args], capture_output=True, text=True)


def is_ancestor(commit, of):
    return git("merge-base", "--is-ancestor", commit, of).returncode == 0


def profile(cg, binary_suffix):
    """Per instruction of the binary: own Ir, Ir of calls out of the binary, and calls into it by callee."""
    names = {"ob": {}, "fn": {}}

    def name(kind, s):
        m = re.match(r"\((\d+)\)\s*(.*)", s)
        if not m:
            return s
        if m.group(2):
            names[kind][m.group(1)] = m.group(2)
        return names[kind].get(m.group(1), "?")

    own = collections.Counter(); external = collections.Counter()
    internal = collections.defaultdict(collections.Counter)
    harness_calls = 0
    ob = cob = cfn = fn = None; in_call = False; last = 0; npos = 1
    with open(cg) as f:
        for line in f:
            c = line[:1]
            if line.startswith("positions:"):
                npos = len(line.split()) - 1
                assert line.split()[1] == "instr", "callgrind ran without --dump-instr=yes"
                continue
            if c.isdigit() or c in "+-*":
                t = line.split()
                a = t[0]
                addr = last if a == "*" else last + int(a[1:], 0) if a[0] == "+" else last - int(a[1:], 0) if a[0] == "-" else int(a, 0)
                last = addr
                cost = int(t[npos]) if len(t) > npos else 0
                mine = ob is not None and ob.endswith(binary_suffix)
                if in_call:
                    if cfn == "LLVMFuzzerTestOneInput" and fn != "LLVMFuzzerTestOneInput":
                        harness_calls += cost
                    if mine and not (cob or ob).endswith(binary_suffix):
                        external[addr] += cost
                    elif mine:
                        internal[addr][cfn] += cost
                    in_call = False; cob = None
                elif mine:
                    own[addr] += cost
            elif line.startswith("ob="): ob = name("ob", line[3:].strip())
            elif line.startswith("cob="): cob = name("ob", line[4:].strip())
            elif line.startswith("fn="): fn = name("fn", line[3:].strip())
            elif line.startswith("cfn="): cfn = name("fn", line[4:].strip())
            elif line.startswith("calls="): in_call = True
    return own, external, internal, harness_calls


def frames(binary, addrs):
    """addr2line -i: each address's frames, innermost first, as (function, file)."""
    out = subprocess.run(["addr2line", "-e", binary, "-i", "-f", "-a"], input="\n".join(hex(a) for a in addrs),
                         capture_output=True, text=True, check=True).stdout.split("\n")
    res = {}; cur = None; i = 0
    while i < len(out):
        if re.fullmatch(r"0x[0-9a-f]+", out[i]):
            cur = int(out[i], 16); res[cur] = []; i += 1
        elif cur is not None and i + 1 < len(out):
            res[cur].append((out[i], out[i + 1].split(" ")[0])); i += 2
        else:
            i += 1
    return res


def demangler(symbols):
    symbols = sorted(set(symbols))
    out = subprocess.run(["swift", "demangle", "--simplified", "--compact"], input="\n".join(symbols),
                         capture_output=True, text=True, check=True).stdout.split("\n")
    return dict(zip(symbols, out))


def attribute(which, groups):
    own, external, internal, harness = profile(f"{dirname}/cg.{which}", f"/{which}")
    addrs = sorted(set(own) | set(external) | set(internal))
    fr = frames(f"{dirname}/{which}.dbg", addrs)
    unknown = sum(own[a] for a in addrs if not fr.get(a) or fr[a][0][0] == "??")
    if unknown > 0.05 * sum(own.values()):
        sys.exit(f"same-work-ir: addr2line knows too few of {which}'s instructions (is {which}.dbg the binary callgrind ran?)")
    dem = demangler([f for a in addrs for f, _ in fr.get(a, [])] + [k for c in internal.values() for k in c])
    compiled = [(g, re.compile(rx), re.compile(old) if old else None) for g, rx, old in groups]
    olds = {g: old for g, _, old in compiled}

    def group(symbol):
        d = dem.get(symbol, symbol)
        return next((g for g, rx, _ in compiled if rx.search(d)), None)

    def old(g, symbol):
        return olds[g] is not None and olds[g].search(dem.get(symbol, symbol)) is not None

    def short(symbol):
        return re.sub(r"\(.*$", "", dem.get(symbol, symbol))[:84]

    cost = collections.Counter(); detail = collections.Counter()
    for a in addrs:
        chain = fr.get(a) or [("??", "??")]
        if not any(f.startswith("$s") or fl.endswith(".swift") or fl.startswith("<compiler-generated>") for f, fl in chain):
            continue
        outermost = next(((i, g) for i, g in reversed(list(enumerate(group(f) for f, _ in chain))) if g), None)
        if not outermost:
            continue
        i, g = outermost
        if any(old(g, f) for f, _ in chain[:i]):   # the group's frame inlined old work
            continue
        cost[g] += own[a] + external[a]
        detail[g, short(chain[i][0])] += own[a] + external[a]
        for callee, v in internal[a].items():
            if not group(callee) and not old(g, callee):
                cost[g] += v; detail[g, "calls " + short(callee)] += v
    if os.environ.get("SAME_WORK_DETAIL"):
        for (g, where), v in detail.most_common(int(os.environ["SAME_WORK_DETAIL"])):
            print(f"same-work-ir: {which} {v:>12,} {g[:40]}: {where}", file=sys.stderr)
    return harness, cost


def annotate(cg, binary_suffix, inclusive):
    """callgrind_annotate's per-function Ir in one binary: (symbol, demangled, Ir) a function."""
    out = subprocess.run(["callgrind_annotate", f"--inclusive={inclusive}", "--threshold=100", cg],
                         capture_output=True, text=True, check=True).stdout
    rows = []
    for line in out.split("\n"):
        m = re.match(r"\s*([\d,]+) \([ \d.]+%\)\s+(.*?):(.*) \[(.*)\]\s*$", line)
        if m and m.group(4).endswith(binary_suffix):
            rows.append((m.group(3).strip(), int(m.group(1).replace(",", ""))))
    dem = demangler(s for s, _ in rows)
    return [(s, dem.get(s, s), v) for s, v in rows]


def functions(which, inclusive):
    """The harness binary's per-function Ir, by demangled name without arguments."""
    res = collections.Counter()
    for s, d, v in annotate(f"{dirname}/cg.{which}", f"/{which}", inclusive):
        for rx, to in RENAMES:
            d = re.sub(rx, to, d)
        d = re.sub(r"\(.*$", "", d).strip()
        if not NOT_HARNESS.search(d):
            res[d] += v
    return res


new_groups = [(g, c, k, rx, old) for g, c, k, rx, old in NEW_WORK if not is_ancestor(c, base)]
missing = [c for _, c, _, _, _ in new_groups if not is_ancestor(c, "HEAD")]
if missing:
    sys.exit(f"same-work-ir: NEW_WORK names commits HEAD does not contain: {' '.join(missing)}")
patterns = [(g, rx, old) for g, _, _, rx, old in new_groups]
oracle_groups = [g for g, _, k, _, _ in new_groups if k == "oracle"]
base_total, base_new = attribute("base", patterns)
now_total, now_new = attribute("now", patterns)
base_same = base_total - sum(base_new.values()); now_same = now_total - sum(now_new.values())
base_checks = base_total - sum(base_new[g] for g in oracle_groups)
now_checks = now_total - sum(now_new[g] for g in oracle_groups)


def m(v):
    return f"{v / 1e6:.2f}M"


print("# Same-work instruction count: the fuzz-system harness and fresh runs, before and after")
print()
print(f"Written by `scripts/same-work-ir {ref}` ({seconds} s). Machine: {machine}. Date: "
      f"{subprocess.run(['date', '-u', '+%Y-%m-%d'], capture_output=True, text=True).stdout.strip()}.")
print(f"Base: {base}; now: {now}. Instructions (callgrind Ir, which do not move with the machine's load) of")
print("`LLVMFuzzerTestOneInput` inclusive, the harness without libFuzzer, replaying the same inputs once each")
print(f"(`fuzz-system -runs=0 DIR`, BOUNCER_PLATFORMS={os.environ.get('BOUNCER_PLATFORMS', '')}, SWIFT_DETERMINISTIC_HASHING=1).")
print(f"Inputs: {inputs}, made by {base}'s fuzzer growing {base}'s Corpus/system for {gen_runs} executions (seed 1,")
print("`-reload=0 -len_control=0`, up to 1 KiB), each header rewritten so both builds decode the same operations (version 2,")
print("the platform byte modulo the base's platform count).")
print()
print("| | base | now | now / base |")
print("| --- | ---: | ---: | ---: |")
print(f"| harness, all work | {m(base_total)} | {m(now_total)} | {now_total / base_total:.3f} |")
print(f"| new work since the base (below) | {m(sum(base_new.values()))} | {m(sum(now_new.values()))} | |")
print(f"| harness less the oracle's new checks only | {m(base_checks)} | {m(now_checks)} | {now_checks / base_checks:.3f} |")
print(f"| **harness, same work** | {m(base_same)} | {m(now_same)} | **{now_same / base_same:.3f}** |")
print()
print("**New work since the base**: an instruction is new work when any of its frames, inlined ones included")
print("(`addr2line -i` over `--dump-instr=yes`), is a function of a group (the outermost such frame names the group);")
print("its cost is its own Ir plus the inclusive Ir of its calls to functions of no group. The groups are data in")
print(f"scripts/same-work-ir.py (NEW_WORK); a group whose commit {base} already contains is left out. A base")
print("figure above zero means a group's pattern also matches code the base had.")
print()
print("| group | added in | kind | base | now |")
print("| --- | --- | --- | ---: | ---: |")
for g, c, k, _, _ in new_groups:
    print(f"| {g} | {c} | {k} | {m(base_new[g])} | {m(now_new[g])} |")
print()
for inclusive, what in (("yes", "inclusive"), ("no", "self")):
    a, b = functions("base", inclusive), functions("now", inclusive)
    # The harness's entry wrappers (nearly all of it, inclusive) say nothing a row above does not.
    both = sorted(((b[k] - a[k], k) for k in a if k in b and k and max(a[k], b[k]) < 0.9 * now_total),
                  key=lambda x: -abs(x[0]))[:15]
    print(f"**Top changed functions present in both** ({what} Ir, by the size of the change; renames as RENAMES says"
          + ("; a row holds the new work done inside it):" if inclusive == "yes" else "):"))
    print()
    print(f"| function | base | now | change |")
    print("| --- | ---: | ---: | ---: |")
    for d, k in both:
        print(f"| `{k[:100]}` | {m(a[k])} | {m(b[k])} | {d / 1e6:+.2f}M |")
    print()


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
                     "(inlined or renamed? FRESH_PHASES in scripts/same-work-ir.py names it)")
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
print(f"The phases are data in scripts/same-work-ir.py (FRESH_PHASES); a phase that is work added since {base} names its")
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
