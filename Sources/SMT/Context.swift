import CZ3

/// A Z3 failure, as a Swift error.
public struct SMTError: Error, CustomStringConvertible, Equatable {
    public var message: String
    public var description: String { "z3: \(message)" }
}

/// A Z3 context created with `Z3_mk_context_rc`: every AST it returns is `Z3_inc_ref`'d at once
/// by `Term` and released when the `Term` goes, so no term is ever freed under our feet.
///
/// Z3 errors do not abort: the first one is kept and thrown by the next `Solver.check()`, so
/// building terms stays non-throwing (the policy domain needs that).
public final class Context {
    public let raw: Z3_context
    public private(set) var firstError: SMTError?

    public init() {
        let config = Z3_mk_config()!
        defer { Z3_del_config(config) }
        Z3_set_param_value(config, "model", "true")
        raw = Z3_mk_context_rc(config)!
        Z3_set_error_handler(raw, nil)
    }

    deinit { Z3_del_context(raw) }

    /// Wraps a freshly returned AST, noting any error Z3 reported for the call.
    func wrap(_ ast: Z3_ast?) -> Term {
        let code = Z3_get_error_code(raw)
        if code != Z3_OK || ast == nil {
            if firstError == nil {
                firstError = SMTError(message: String(cString: Z3_get_error_msg(raw, code)))
            }
            return Term(self, Z3_mk_true(raw)!)
        }
        return Term(self, ast!)
    }

    func throwIfFailed() throws(SMTError) {
        if let firstError { throw firstError }
    }

    /// A fresh bit-vector unknown, 64 bits unless asked otherwise.
    public func word(_ name: String, bits: UInt32 = 64) -> Term {
        wrap(Z3_mk_const(raw, Z3_mk_string_symbol(raw, name), Z3_mk_bv_sort(raw, bits)))
    }

    /// A fresh boolean unknown.
    public func boolean(_ name: String) -> Term {
        wrap(Z3_mk_const(raw, Z3_mk_string_symbol(raw, name), Z3_mk_bool_sort(raw)))
    }

    /// A bit-vector constant; with fewer than 64 bits the value is truncated to them.
    public func word(value: UInt64, bits: UInt32 = 64) -> Term {
        let truncated = bits >= 64 ? value : value & ((1 << UInt64(bits)) - 1)
        return wrap(Z3_mk_unsigned_int64(raw, truncated, Z3_mk_bv_sort(raw, bits)))
    }
    public func boolean(value: Bool) -> Term { wrap(value ? Z3_mk_true(raw) : Z3_mk_false(raw)) }
}

/// One Z3 AST, reference-counted for as long as this value lives.
public final class Term: CustomStringConvertible {
    /// Strong: a term must keep its context alive (the context never refers to its terms).
    public let context: Context
    public let ast: Z3_ast

    init(_ context: Context, _ ast: Z3_ast) {
        self.context = context
        self.ast = ast
        Z3_inc_ref(context.raw, ast)
    }

    deinit { Z3_dec_ref(context.raw, ast) }

    public var description: String { String(cString: Z3_ast_to_string(context.raw, ast)) }
}
