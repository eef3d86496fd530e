import BouncerPolicy
import SMT

/// The policy's value domain as Z3 terms: booleans are Z3 booleans, words 64-bit bit-vectors.
/// Running a policy function over this domain *is* its SMT encoding: no second copy exists.
public struct Z3Domain: PolicyDomain {
    public typealias Boolean = Term
    public typealias Word = Term

    public let z: Context
    /// Bit-vector width of words: 64 as in the kernel, or fewer for a small instance whose
    /// values all fit (bounded model checking of slot indices).
    public let bits: UInt32

    public init(_ context: Context, bits: UInt32 = 64) {
        z = context
        self.bits = bits
    }

    public func constant(_ value: Bool) -> Term { z.boolean(value: value) }
    public func constant(_ value: UInt64) -> Term { z.word(value: value, bits: bits) }
    public func and(_ a: Term, _ b: Term) -> Term { z.and(a, b) }
    public func or(_ a: Term, _ b: Term) -> Term { z.or(a, b) }
    public func not(_ a: Term) -> Term { z.not(a) }
    public func select(_ c: Term, _ t: Term, _ e: Term) -> Term { z.ite(c, t, e) }
    public func equal(_ a: Term, _ b: Term) -> Term { z.equal(a, b) }
    public func lessThan(_ a: Term, _ b: Term) -> Term { z.unsignedLess(a, b) }
    public func add(_ a: Term, _ b: Term) -> Term { z.add(a, b) }
    public func subtract(_ a: Term, _ b: Term) -> Term { z.subtract(a, b) }
    public func bitAnd(_ a: Term, _ b: Term) -> Term { z.bitAnd(a, b) }
    public func bitOr(_ a: Term, _ b: Term) -> Term { z.bitOr(a, b) }
    public func bitNot(_ a: Term) -> Term { z.bitNot(a) }
    public func shiftRight(_ a: Term, _ count: UInt64) -> Term { z.shiftRight(a, constant(count)) }
    public func shiftLeft(_ a: Term, _ count: UInt64) -> Term { z.shiftLeft(a, constant(count)) }
}
