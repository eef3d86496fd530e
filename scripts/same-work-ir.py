"""The harness's section of Benchmarks/SAME-WORK-IR.md (scripts/same-work-ir), from its callgrind profiles;
scripts/same-work-ir-fresh.py writes the fresh runs' after it.

Usage: same-work-ir.py DIR BASE NOW REF INPUTS GEN_RUNS MACHINE SECONDS
DIR holds cg.base, cg.now (callgrind --dump-instr=yes) and base.dbg, now.dbg (unstripped binaries).

An instruction of the harness is new work when any of its frames, inlined ones included (addr2line -i),
is a function of a NEW_WORK group whose commit BASE does not contain; its cost is its own Ir plus the
inclusive Ir of the calls it makes to functions outside every group (libFuzzer's code is left out).
"""
import collections, os, re, subprocess, sys

from same_work_ir_common import NEW_WORK, annotate, demangler, is_ancestor

# Renames since f9c8db6, so a function present in both is matched by name.
RENAMES = [(r"\bSystem\.", "DmaLayer.")]
# libFuzzer and the C runtime: not the harness's own functions.
NOT_HARNESS = re.compile(r"fuzzer::|std::|^_Z|sha1|LLVMFuzzer|^main$|_start|crtstuff|^0x|^\?")

dirname, base, now, ref, inputs, gen_runs, machine, seconds = sys.argv[1:9]


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
print(f"scripts/same_work_ir_common.py (NEW_WORK); a group whose commit {base} already contains is left out. A base")
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
