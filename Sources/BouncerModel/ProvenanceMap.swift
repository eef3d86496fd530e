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
    private var scratch: [(UInt32, Provenance)] = []

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

    /// Makes a run start at `x` and returns its index (`runs.count` when `x == size`).
    private mutating func split(at x: UInt32) -> Int {
        if x >= size { return runs.count }
        let i = runIndex(containing: x)
        if runs[i].start == x { return i }
        runs.insert(Run(start: x, tag: runs[i].tag), at: i + 1)
        return i + 1
    }

    /// Every byte in `lo ..< hi` gets `tag`.
    public mutating func fill(_ lo: UInt32, _ hi: UInt32, _ tag: Provenance) {
        let hi = min(hi, size)
        guard lo < hi else { return }
        var i = split(at: lo)
        let j = split(at: hi)
        runs[i].tag = tag
        if j > i + 1 { runs.removeSubrange(i + 1 ..< j) }
        if i + 1 < runs.count, runs[i + 1].tag == tag { runs.remove(at: i + 1) }
        if i > 0, runs[i - 1].tag == tag {
            runs.remove(at: i)
            i -= 1
        }
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

    /// Copies the provenance of `count` bytes from `source` to `destination`, as `memcpy` would.
    public mutating func copy(from source: UInt32, to destination: UInt32, count: UInt32) {
        guard count > 0, source < size, destination < size else { return }
        let n = min(count, size - source, size - destination)
        var runs = scratch
        scratch = []
        runs.removeAll(keepingCapacity: true)
        forEachRun(source, source + n) { lo, hi, tag in
            runs.append((lo - source, tag))
            return true
        }
        for (k, run) in runs.enumerated() {
            let end = k + 1 < runs.count ? runs[k + 1].0 : n
            fill(destination + run.0, destination + end, run.1)
        }
        scratch = runs
    }

    /// Marks every guest byte in `lo ..< hi` disclosed.
    public mutating func disclose(_ lo: UInt32, _ hi: UInt32) {
        var runs = scratch
        scratch = []
        runs.removeAll(keepingCapacity: true)
        forEachRun(lo, hi) { a, b, tag in
            if tag.isUndisclosedGuest { runs.append((a, tag)); runs.append((b, tag)) }
            return true
        }
        var k = 0
        while k < runs.count {
            fill(runs[k].0, runs[k + 1].0, runs[k].1.disclosing)
            k += 2
        }
        scratch = runs
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
        forEachRun(lo, hi) { a, _, tag in
            out.runs.append(Run(start: a - lo, tag: tag))
            return true
        }
        return out
    }

    /// The number of runs, a measure of how fragmented provenance has become.
    public var runCount: Int { runs.count }
}
