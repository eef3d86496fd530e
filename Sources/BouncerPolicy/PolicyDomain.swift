/// The value domain the DMA policy is written over.
///
/// The policy's decisions are written once, generically over this protocol. The concrete model
/// runs them over `ConcreteDomain` (plain `Bool` and `UInt64`); the prover interprets the very
/// same functions over Z3 bit-vector and boolean terms. Nothing in the policy may branch on a
/// `Boolean` with Swift's `if`: every choice goes through `select`, so both domains see it.
public protocol PolicyDomain {
    associatedtype Boolean
    associatedtype Word

    func constant(_ value: Bool) -> Boolean
    func constant(_ value: UInt64) -> Word

    func and(_ a: Boolean, _ b: Boolean) -> Boolean
    func or(_ a: Boolean, _ b: Boolean) -> Boolean
    func not(_ a: Boolean) -> Boolean
    func select(_ condition: Boolean, _ then: Boolean, _ otherwise: Boolean) -> Boolean
    func select(_ condition: Boolean, _ then: Word, _ otherwise: Word) -> Word

    func equal(_ a: Word, _ b: Word) -> Boolean
    /// Unsigned `a < b`.
    func lessThan(_ a: Word, _ b: Word) -> Boolean
    /// Wrapping 64-bit addition and subtraction, as C's `u64` arithmetic.
    func add(_ a: Word, _ b: Word) -> Word
    func subtract(_ a: Word, _ b: Word) -> Word
    func bitAnd(_ a: Word, _ b: Word) -> Word
    func bitOr(_ a: Word, _ b: Word) -> Word
    func bitNot(_ a: Word) -> Word
    /// Logical shift right by a constant.
    func shiftRight(_ a: Word, _ count: UInt64) -> Word
    /// Shift left by a constant.
    func shiftLeft(_ a: Word, _ count: UInt64) -> Word
}

extension PolicyDomain {
    @inlinable public func lessOrEqual(_ a: Word, _ b: Word) -> Boolean { not(lessThan(b, a)) }
    @inlinable public func implies(_ a: Boolean, _ b: Boolean) -> Boolean { or(not(a), b) }
    @inlinable public func isZero(_ a: Word) -> Boolean { equal(a, constant(0 as UInt64)) }
    @inlinable public func notZero(_ a: Word) -> Boolean { not(isZero(a)) }
    /// `min_not_zero(a, b)` from include/linux/minmax.h.
    @inlinable public func minNotZero(_ a: Word, _ b: Word) -> Word {
        select(isZero(a), b, select(isZero(b), a, select(lessThan(a, b), a, b)))
    }
}

/// Plain Swift values: what the model and the fuzzers run.
public struct ConcreteDomain: PolicyDomain, Sendable {
    public typealias Boolean = Bool
    public typealias Word = UInt64

    @inlinable public init() {}

    @inlinable @inline(__always) public func constant(_ value: Bool) -> Bool { value }
    @inlinable @inline(__always) public func constant(_ value: UInt64) -> UInt64 { value }
    @inlinable @inline(__always) public func and(_ a: Bool, _ b: Bool) -> Bool { a && b }
    @inlinable @inline(__always) public func or(_ a: Bool, _ b: Bool) -> Bool { a || b }
    @inlinable @inline(__always) public func not(_ a: Bool) -> Bool { !a }
    @inlinable @inline(__always) public func select(_ c: Bool, _ t: Bool, _ e: Bool) -> Bool { c ? t : e }
    @inlinable @inline(__always) public func select(_ c: Bool, _ t: UInt64, _ e: UInt64) -> UInt64 { c ? t : e }
    @inlinable @inline(__always) public func equal(_ a: UInt64, _ b: UInt64) -> Bool { a == b }
    @inlinable @inline(__always) public func lessThan(_ a: UInt64, _ b: UInt64) -> Bool { a < b }
    @inlinable @inline(__always) public func add(_ a: UInt64, _ b: UInt64) -> UInt64 { a &+ b }
    @inlinable @inline(__always) public func subtract(_ a: UInt64, _ b: UInt64) -> UInt64 { a &- b }
    @inlinable @inline(__always) public func bitAnd(_ a: UInt64, _ b: UInt64) -> UInt64 { a & b }
    @inlinable @inline(__always) public func bitOr(_ a: UInt64, _ b: UInt64) -> UInt64 { a | b }
    @inlinable @inline(__always) public func bitNot(_ a: UInt64) -> UInt64 { ~a }
    @inlinable @inline(__always) public func shiftRight(_ a: UInt64, _ count: UInt64) -> UInt64 { a >> count }
    @inlinable @inline(__always) public func shiftLeft(_ a: UInt64, _ count: UInt64) -> UInt64 { a << count }
}
