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

    public static let all: [KnownDivergence] = [
        KnownDivergence(
            id: "failed-sg-handout",
            summary: "dma_map_sg() fails after mapping its first entries: the model records those entries as handed out "
                + "to the device (its oracle judges them, and the device may later write through them); the driver never "
                + "receives an address",
            why: "the oracle's hand-out check is the model's to change (issue 16: findings that reach no device are "
                + "contract breaks at most); the kernel side judges what the driver was given",
            matches: { op, d in
                switch op {
                case .mapSg: d.observable == .verdict && d.kernel == "clean"
                case .deviceWrite: d.observable == .deviceBytes && d.kernel == "no address was returned"
                default: false
                }
            }),
    ]

    /// The known divergence this is, if any.
    public static func matching(_ op: GuestOperation, _ d: Divergence) -> KnownDivergence? {
        all.first { $0.matches(op, d) }
    }
}
