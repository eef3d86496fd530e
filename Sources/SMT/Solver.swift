import CZ3

/// What a satisfiability check gave. `unknown` (a timeout included) is never "proved".
public enum CheckResult {
    case satisfiable(Model)
    case unsatisfiable
    case unknown(reason: String)
}

/// A Z3 solver with its own reference and a per-check timeout.
public final class Solver {
    public let context: Context
    let raw: Z3_solver

    /// A solver; with `logic` (e.g. "QF_BV") one specialised for it, which bit-blasts pure
    /// bit-vector problems far faster than the general solver.
    public init(_ context: Context, timeoutMilliseconds: UInt32? = nil, logic: String? = nil) {
        self.context = context
        raw = logic.map { Z3_mk_solver_for_logic(context.raw, Z3_mk_string_symbol(context.raw, $0))! } ?? Z3_mk_solver(context.raw)!
        Z3_solver_inc_ref(context.raw, raw)
        if let timeoutMilliseconds {
            let params = Z3_mk_params(context.raw)!
            Z3_params_inc_ref(context.raw, params)
            Z3_params_set_uint(context.raw, params, Z3_mk_string_symbol(context.raw, "timeout"), timeoutMilliseconds)
            Z3_solver_set_params(context.raw, raw, params)
            Z3_params_dec_ref(context.raw, params)
        }
    }

    deinit { Z3_solver_dec_ref(context.raw, raw) }

    /// What a satisfying model should also meet when it can (for a counterexample, what a
    /// scenario can express). Never asserted: it changes which model a caller reports, not
    /// whether one exists.
    public var preferences: [Term] = []

    public func assert(_ term: Term) { Z3_solver_assert(context.raw, raw, term.ast) }

    /// Checks under `assumptions` (boolean constants or their negations). When unsatisfiable,
    /// also returns the unsat core: the assumptions that suffice for it.
    public func check(assuming assumptions: [Term]) throws(SMTError) -> (CheckResult, core: [Term]) {
        try context.throwIfFailed()
        let asts: [Z3_ast?] = assumptions.map(\.ast)
        let result = Z3_solver_check_assumptions(context.raw, raw, UInt32(asts.count), asts)
        try context.throwIfFailed()
        switch result {
        case Z3_L_TRUE:
            return (.satisfiable(Model(context, Z3_solver_get_model(context.raw, raw)!)), [])
        case Z3_L_FALSE:
            let vector = Z3_solver_get_unsat_core(context.raw, raw)!
            Z3_ast_vector_inc_ref(context.raw, vector)
            defer { Z3_ast_vector_dec_ref(context.raw, vector) }
            let core = (0 ..< Z3_ast_vector_size(context.raw, vector)).map {
                context.wrap(Z3_ast_vector_get(context.raw, vector, $0))
            }
            return (.unsatisfiable, core)
        default:
            return (.unknown(reason: String(cString: Z3_solver_get_reason_unknown(context.raw, raw))), [])
        }
    }
    public func push() { Z3_solver_push(context.raw, raw) }
    public func pop() { Z3_solver_pop(context.raw, raw, 1) }

    public func check() throws(SMTError) -> CheckResult {
        try context.throwIfFailed()
        let result = Z3_solver_check(context.raw, raw)
        try context.throwIfFailed()
        switch result {
        case Z3_L_TRUE:
            return .satisfiable(Model(context, Z3_solver_get_model(context.raw, raw)!))
        case Z3_L_FALSE:
            return .unsatisfiable
        default:
            return .unknown(reason: String(cString: Z3_solver_get_reason_unknown(context.raw, raw)))
        }
    }
}

/// A satisfying assignment.
public final class Model {
    let context: Context
    let raw: Z3_model

    init(_ context: Context, _ raw: Z3_model) {
        self.context = context
        self.raw = raw
        Z3_model_inc_ref(context.raw, raw)
    }

    deinit { Z3_model_dec_ref(context.raw, raw) }

    /// The model's value of a term, completed with defaults for unknowns it does not mention.
    public func word(_ term: Term) -> UInt64 {
        var out: Z3_ast?
        guard Z3_model_eval(context.raw, raw, term.ast, true, &out), let out else { return 0 }
        let value = context.wrap(out)
        return context.constantWord(value) ?? 0
    }

    public func boolean(_ term: Term) -> Bool {
        var out: Z3_ast?
        guard Z3_model_eval(context.raw, raw, term.ast, true, &out), let out else { return false }
        return context.constantBool(context.wrap(out)) ?? false
    }
}
