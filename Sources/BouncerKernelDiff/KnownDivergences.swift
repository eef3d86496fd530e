import BouncerModel
import BouncerRunner

/// A difference between the model and the real 6.12 code that is understood and left, with why,
/// and the reproducer that shows it (`Corpus/kernel-divergences/ID.bounce`, replayed by
/// `bouncer kernel-diff`). A run that meets one stops comparing there (the two sides no longer
/// start from the same state) and says which; it is not a new `MODEL-DIVERGENCE`.
public struct KnownDivergence: Sendable {
    public var id: String
    public var summary: String
    /// Why the model is not changed to match.
    public var why: String
    let matches: @Sendable (GuestOperation, Divergence) -> Bool

    /// None is left: the last (`failed-sg-handout`, a failed `dma_map_sg()` whose first entries the
    /// model handed to the device) and `mask-refused` were fixed in the model.
    public static let all: [KnownDivergence] = []

    /// The known divergence this is, if any.
    public static func matching(_ op: GuestOperation, _ d: Divergence) -> KnownDivergence? {
        all.first { $0.matches(op, d) }
    }
}
