/// The fuzz targets, by the number their C main module passes in. Append only.
public enum FuzzTarget: Int32, CaseIterable, Sendable {
    /// dma-direct, the atomic pools and swiotlb, with a hostile host (`fuzz-dma`).
    case dma = 0

    public var name: String {
        switch self {
        case .dma: "dma"
        }
    }

    public init?(name: String) {
        guard let t = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = t
    }
}
