import CZ3

/// Term constructors, one per Z3 function the policy needs.
extension Context {
    public func and(_ a: Term, _ b: Term) -> Term {
        let args: [Z3_ast?] = [a.ast, b.ast]
        return wrap(Z3_mk_and(raw, 2, args))
    }

    public func or(_ a: Term, _ b: Term) -> Term {
        let args: [Z3_ast?] = [a.ast, b.ast]
        return wrap(Z3_mk_or(raw, 2, args))
    }

    public func and(_ terms: [Term]) -> Term {
        if terms.isEmpty { return boolean(value: true) }
        let args: [Z3_ast?] = terms.map(\.ast)
        return wrap(Z3_mk_and(raw, UInt32(args.count), args))
    }

    public func or(_ terms: [Term]) -> Term {
        if terms.isEmpty { return boolean(value: false) }
        let args: [Z3_ast?] = terms.map(\.ast)
        return wrap(Z3_mk_or(raw, UInt32(args.count), args))
    }

    public func not(_ a: Term) -> Term { wrap(Z3_mk_not(raw, a.ast)) }
    public func implies(_ a: Term, _ b: Term) -> Term { wrap(Z3_mk_implies(raw, a.ast, b.ast)) }
    public func ite(_ c: Term, _ t: Term, _ e: Term) -> Term { wrap(Z3_mk_ite(raw, c.ast, t.ast, e.ast)) }
    public func equal(_ a: Term, _ b: Term) -> Term { wrap(Z3_mk_eq(raw, a.ast, b.ast)) }
    public func unsignedLess(_ a: Term, _ b: Term) -> Term { wrap(Z3_mk_bvult(raw, a.ast, b.ast)) }
    public func unsignedLessOrEqual(_ a: Term, _ b: Term) -> Term { wrap(Z3_mk_bvule(raw, a.ast, b.ast)) }
    public func add(_ a: Term, _ b: Term) -> Term { wrap(Z3_mk_bvadd(raw, a.ast, b.ast)) }
    public func subtract(_ a: Term, _ b: Term) -> Term { wrap(Z3_mk_bvsub(raw, a.ast, b.ast)) }
    public func multiply(_ a: Term, _ b: Term) -> Term { wrap(Z3_mk_bvmul(raw, a.ast, b.ast)) }
    public func bitAnd(_ a: Term, _ b: Term) -> Term { wrap(Z3_mk_bvand(raw, a.ast, b.ast)) }
    public func bitOr(_ a: Term, _ b: Term) -> Term { wrap(Z3_mk_bvor(raw, a.ast, b.ast)) }
    public func bitXor(_ a: Term, _ b: Term) -> Term { wrap(Z3_mk_bvxor(raw, a.ast, b.ast)) }
    public func bitNot(_ a: Term) -> Term { wrap(Z3_mk_bvnot(raw, a.ast)) }
    public func shiftRight(_ a: Term, _ b: Term) -> Term { wrap(Z3_mk_bvlshr(raw, a.ast, b.ast)) }
    public func shiftLeft(_ a: Term, _ b: Term) -> Term { wrap(Z3_mk_bvshl(raw, a.ast, b.ast)) }
    /// `a` widened by `bits` zero bits on top.
    public func zeroExtend(_ a: Term, by bits: UInt32) -> Term { wrap(Z3_mk_zero_ext(raw, bits, a.ast)) }
    /// Bits `high` down to `low` of `a`.
    public func extract(_ a: Term, high: UInt32, low: UInt32) -> Term { wrap(Z3_mk_extract(raw, high, low, a.ast)) }

    /// Z3's own simplifier; used to read a closed term back as a constant.
    public func simplify(_ a: Term) -> Term { wrap(Z3_simplify(raw, a.ast)) }

    /// The value of a closed bit-vector or boolean term, if it simplifies to a constant.
    public func constantWord(_ a: Term) -> UInt64? {
        let s = simplify(a)
        var value: UInt64 = 0
        guard Z3_is_numeral_ast(raw, s.ast), Z3_get_numeral_uint64(raw, s.ast, &value) else { return nil }
        return value
    }

    public func constantBool(_ a: Term) -> Bool? {
        switch Z3_get_bool_value(raw, simplify(a).ast) {
        case Z3_L_TRUE: true
        case Z3_L_FALSE: false
        default: nil
        }
    }
}
