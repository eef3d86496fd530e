"""What scripts/same-work-ir.py and scripts/same-work-ir-fresh.py share: the work added since the base
(NEW_WORK), git, and callgrind_annotate's per-function Ir with Swift's names demangled."""
import re, subprocess

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


def git(*args):
    return subprocess.run(["git", *args], capture_output=True, text=True)


def is_ancestor(commit, of):
    return git("merge-base", "--is-ancestor", commit, of).returncode == 0


def demangler(symbols):
    symbols = sorted(set(symbols))
    out = subprocess.run(["swift", "demangle", "--simplified", "--compact"], input="\n".join(symbols),
                         capture_output=True, text=True, check=True).stdout.split("\n")
    return dict(zip(symbols, out))


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
