import BouncerKernel
import Testing

/// Every test that boots the real kernel code: the C side is one global guest, so they run one
/// at a time (`.serialized` reaches the nested suites), and only in a build with a kernel tree.
@Suite(.serialized, .enabled(if: KernelGuest.isAvailable, Comment(rawValue: KernelGuest.status)))
struct KernelTests {}
