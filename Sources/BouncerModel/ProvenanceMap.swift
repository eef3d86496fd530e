/// Byte-exact provenance over a flat byte space, as sorted runs: run `i` covers
/// `runs[i].start ..< runs[i + 1].start` (the last one up to `size`) and every byte in it has
/// `runs[i].tag`.
///
/// Adjacent runs never carry the same tag, so the number of runs is the number of provenance
/// changes, a few hundred at most in a fuzz input: writes and copies cost a binary search and
/// a short `memmove`, not a pass over every byte.
public struct ProvenanceMap: Sendable {
    public struct Run: Sendable, Equatable {
        public var start: UInt32
        public var tag: Provenance
    }

    public private(set) var runs: [Run]
    public let size: UInt32
    /// Reused by `fill`, `copy` and `disclose`, so they do not allocate on every call.
    private var scratch: [Run] = []

    public init(size: UInt32, tag: Provenance = .zero) {
        self.size = size
        runs = [Run(start: 0, tag: tag)]
    }

    /// The index of the run holding byte `x`.
    @inlinable public func runIndex(containing x: UInt32) -> Int {
        var lo = 0
        var hi = runs.count
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if runs[mid].start <= x { lo = mid } else { hi = mid }
        }
        return lo
    }

    @inlinable public func tag(at x: UInt32) -> Provenance { runs[runIndex(containing: x)].tag }

    @inlinable public func runEnd(_ i: Int) -> UInt32 { i + 1 < runs.count ? runs[i + 1].start : size }

    /// Every byte in `lo ..< hi` gets `tag`.
    public mutating func fill(_ lo: UInt32, _ hi: UInt32, _ tag: Provenance) {
        let hi = min(hi, size)
        guard lo < hi else { return }
        var incoming = scratch
        scratch = []
        incoming.removeAll(keepingCapacity: true)
        incoming.append(Run(start: lo, tag: tag))
        splice(lo, hi, &incoming)
        scratch = incoming
    }

    /// Calls `body(lo, hi, tag)` for each run overlapping `lo ..< hi`, clipped to it, until it
    /// returns false.
    @inlinable public func forEachRun(_ lo: UInt32, _ hi: UInt32, _ body: (UInt32, UInt32, Provenance) -> Bool) {
        let hi = min(hi, size)
        guard lo < hi else { return }
        var i = runIndex(containing: lo)
        while i < runs.count, runs[i].start < hi {
            if !body(max(runs[i].start, lo), min(runEnd(i), hi), runs[i].tag) { return }
            i += 1
        }
    }

    /// Copies the provenance of `count` bytes from `source` to `destination`, as `memmove` would:
    /// the source's runs, clipped, replace the destination's in one splice.
    public mutating func copy(from source: UInt32, to destination: UInt32, count: UInt32) {
        guard count > 0, source < size, destination < size else { return }
        let n = min(count, size - source, size - destination)
        var incoming = scratch
        scratch = []
        incoming.removeAll(keepingCapacity: true)
        forEachRun(source, source + n) { lo, _, tag in
            incoming.append(Run(start: lo - source + destination, tag: tag))
            return true
        }
        splice(destination, destination + n, &incoming)
        scratch = incoming
    }

    /// Marks every guest byte in `lo ..< hi` disclosed.
    public mutating func disclose(_ lo: UInt32, _ hi: UInt32) {
        guard firstUndisclosedGuest(lo, hi) != nil else { return }
        var incoming = scratch
        scratch = []
        incoming.removeAll(keepingCapacity: true)
        forEachRun(lo, hi) { a, _, tag in
            let t = tag.isUndisclosedGuest ? tag.disclosing : tag
            // Disclosing can make a run equal to the one before it.
            if incoming.last?.tag != t { incoming.append(Run(start: a, tag: t)) }
            return true
        }
        splice(lo, min(hi, size), &incoming)
        scratch = incoming
    }

    /// Replaces the runs covering `lo ..< hi` (`lo < hi <= size`) with `incoming`: well-formed
    /// runs, the first starting at `lo`, all inside the range. The run cut at either end keeps
    /// its outside part, and runs that would sit next to one with the same tag merge into it,
    /// so the whole change is one `replaceSubrange`.
    private mutating func splice(_ lo: UInt32, _ hi: UInt32, _ incoming: inout [Run]) {
        let i = runIndex(containing: lo)
        let j = runIndex(containing: hi - 1)
        var from = i, to = j + 1, first = 0
        if runs[i].start < lo {
            from = i + 1
            if runs[i].tag == incoming[0].tag { first = 1 }
        } else if i > 0, runs[i - 1].tag == incoming[0].tag {
            first = 1
        }
        let lastTag = incoming[incoming.count - 1].tag
        if hi < runEnd(j) {
            if runs[j].tag != lastTag { incoming.append(Run(start: hi, tag: runs[j].tag)) }
        } else if to < runs.count, runs[to].tag == lastTag {
            to += 1
        }
        runs.replaceSubrange(from ..< to, with: incoming[first...])
    }

    /// The first byte in `lo ..< hi` holding an undisclosed guest byte, with its provenance.
    @inlinable public func firstUndisclosedGuest(_ lo: UInt32, _ hi: UInt32) -> (UInt32, Provenance)? {
        var found: (UInt32, Provenance)?
        forEachRun(lo, hi) { a, _, tag in
            if tag.isUndisclosedGuest { found = (a, tag); return false }
            return true
        }
        return found
    }

    /// The runs of `lo ..< hi` as a map of its own, offsets relative to `lo`.
    public func extract(_ lo: UInt32, _ hi: UInt32) -> ProvenanceMap {
        // Adjacent runs differ, so the clipped runs are already a well-formed map.
        var out = ProvenanceMap(size: hi - lo)
        guard lo < hi, hi <= size else { return out }
        out.runs.removeAll(keepingCapacity: true)
        out.runs.reserveCapacity(runIndex(containing: hi - 1) - runIndex(containing: lo) + 1)
        forEachRun(lo, hi) { a, _, tag in
            out.runs.append(Run(start: a - lo, tag: tag))
            return true
        }
        return out
    }

    /// The number of runs, a measure of how fragmented provenance has become.
    public var runCount: Int { runs.count }
}
