/**
 * A mixed-integer linear program as the planner states it, and the one solver it is known to run on: HiGHS (Huangfu &
 * Hall; the `highs` package compiles it to WebAssembly). The planner takes the solver as a plain function so that it
 * stays pure and synchronous; loading the WebAssembly module is the caller's one asynchronous step.
 */

/** One constraint: `lower ≤ Σ coefficients[k] · x[columns[k]] ≤ upper` (either side may be ±Infinity). */
export interface MilpRow {
  readonly columns: readonly number[];
  readonly coefficients: readonly number[];
  readonly lower: number;
  readonly upper: number;
}

/** Variables are `0 ≤ x[j] ≤ upper[j]`, integer where `integer[j]`. */
export interface MilpProblem {
  readonly sense: 'minimize' | 'maximize';
  readonly objective: readonly number[];
  readonly upper: readonly number[];
  readonly integer: readonly boolean[];
  readonly rows: readonly MilpRow[];
  /** A known solution (one value per variable) to start from: an incumbent bound for branch and bound. */
  readonly start?: readonly number[];
}

/** `optimal` only when the solver proved it (relative gap 0); anything else is not a proof. */
export interface MilpSolution {
  readonly status: 'optimal' | 'infeasible' | 'time-limit' | 'other';
  /** The best solution found, when there is one. */
  readonly values?: readonly number[];
  readonly objective?: number;
}

/**
 * Solves a {@link MilpProblem} within a time limit, synchronously.
 *
 * @example
 * const solve: MilpSolver = await loadHighsSolver();
 * solve({ sense: 'minimize', objective: [1], upper: [1], integer: [true], rows: [] }, { timeLimitSeconds: 1 });
 */
export type MilpSolver = (problem: MilpProblem, limits: { timeLimitSeconds: number }) => MilpSolution;

/** Where the browser finds `highs.wasm`, or its bytes; Node finds it beside the package without either. */
export interface HighsLoaderOptions {
  locateFile?: (file: string) => string;
  wasmBinary?: ArrayBuffer | ArrayBufferView;
}

/**
 * Loads HiGHS once and returns a {@link MilpSolver} running on it. Each call passes one model from sparse rows to the same native
 * instance (kept for the solver's lifetime) and solves it with `mip_rel_gap = 0` (so `optimal` means proved optimal, not
 * within HiGHS' default 0.01 %).
 *
 * @example
 * const solve = await loadHighsSolver();
 * const plan = planLearningPath(request, { solver: solve });
 */
export async function loadHighsSolver(options: HighsLoaderOptions = {}): Promise<MilpSolver> {
  const { default: loadHighs } = await import('highs');
  const highs = await loadHighs(options);
  const { minimize, maximize } = highs.constants.objectiveSense;
  const MODEL_STATUS = highs.constants.modelStatus;
  const model = highs.createModel();
  // Tuned for the planner's models: small (hundreds of columns), handed a start (a greedy or LP-guided plan, or the
  // first solve's answer), with bounds that branching closes sooner than cutting planes. So the root node's primal
  // heuristics (feasibility jump, RINS, RENS, root reduced cost) are off, the cut pool is kept to a minimum, and
  // branching trusts pseudocosts at once instead of strong-branching first. On the plan evaluation's slow MILPs that
  // took a quarter of the CPU time for unit-cost covers and about half for the budgeted models (same optima; the
  // slowest solve 117 instead of 545 ms). None of these bears on the proof: `mip_rel_gap = 0` still decides optimality.
  model.options.set({
    output_flag: false,
    mip_rel_gap: 0,
    mip_pool_soft_limit: 1,
    mip_pscost_minreliable: 0,
    mip_heuristic_run_feasibility_jump: false,
    mip_heuristic_run_rins: false,
    mip_heuristic_run_rens: false,
    mip_heuristic_run_root_reduced_cost: false,
  });
  return (problem, limits) => {
    const n = problem.objective.length;
    const starts = [0];
    const indices: number[] = [];
    const values: number[] = [];
    for (const row of problem.rows) {
      indices.push(...row.columns);
      values.push(...row.coefficients);
      starts.push(indices.length);
    }
    const data = {
      numCols: n,
      numRows: problem.rows.length,
      sense: problem.sense === 'minimize' ? minimize : maximize,
      colCost: [...problem.objective],
      colLower: new Array<number>(n).fill(0),
      colUpper: [...problem.upper],
      rowLower: problem.rows.map((r) => r.lower),
      rowUpper: problem.rows.map((r) => r.upper),
      matrix: { format: 'csr' as const, numRows: problem.rows.length, numCols: n, starts, indices, values },
      integrality: problem.integer.map((i) => (i ? 1 : 0) as 0 | 1),
    };
    // One native instance for every solve: creating one costs more than solving a small plan's MILP. Solves are
    // synchronous, so calls never overlap; passModel replaces the previous model and its solver state.
    model.passModel(data);
    if (problem.start?.length === n) model.setSolution({ colValue: [...problem.start] });
    // time_limit counts the instance's cumulative run time, so its clocks restart for each solve.
    model.zeroAllClocks();
    model.options.set({ time_limit: limits.timeLimitSeconds });
    model.run();
    const status = model.getModelStatus();
    if (status === MODEL_STATUS.infeasible) return { status: 'infeasible' };
    const feasible = model.info.get('primal_solution_status') === highs.constants.solutionStatus.feasible;
    const found = feasible ? Array.from(model.getSolution().colValue) : undefined;
    const kind =
      status === MODEL_STATUS.optimal ? 'optimal' : status === MODEL_STATUS.timeLimit ? 'time-limit' : 'other';
    return found ? { status: kind, values: found, objective: model.getObjectiveValue() } : { status: kind };
  };
}
