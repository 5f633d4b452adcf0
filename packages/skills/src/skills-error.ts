/**
 * Why a call into `@skillproof/skills` was refused. The package does not depend on `@skillproof/core` (it runs in the
 * browser on its own), so it has its own small error class with the same shape: a `code` that tests and callers branch
 * on, and a message that says what to do.
 */
export type SkillsErrorCode =
  /** A plan's request is malformed (unknown cost measure, negative budget, duplicate credential ids, …). */
  | 'ERR_PLAN_INPUT'
  /** A skill extractor's catalogue or text is malformed (a skill without uri or label, two with one uri, no string). */
  | 'ERR_EXTRACT_INPUT'
  /** A credential or self-declared skill for a skill profile is malformed (empty skill id, level outside 0–1, bad date). */
  | 'ERR_PROFILE_INPUT'
  /** A goal or gap option is malformed (negative or non-finite weight, level outside its scale, empty skill id). */
  | 'ERR_GOAL_INPUT'
  /** An occupation or option for next-role suggestions is malformed (duplicate id, negative weight). */
  | 'ERR_ROLES_INPUT';

/**
 * The one error class of `@skillproof/skills`.
 *
 * @example
 * try {
 *   planLearningPath({ goal: { skills: [] }, catalogue: [], measure: 'minutes' as 'hours' });
 * } catch (e) {
 *   if (isSkillsError(e, 'ERR_PLAN_INPUT')) console.log(e.message);
 * }
 */
export class SkillsError extends Error {
  override readonly name = 'SkillsError';
  readonly code: SkillsErrorCode;
  /** Where in the input the problem is, as a JSON path (`$.catalogue[3].cost.hours`), when known. */
  readonly path: string | undefined;

  constructor(code: SkillsErrorCode, message: string, options: { path?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.path = options.path;
  }
}

/**
 * True when `e` is a {@link SkillsError}, optionally with the given code.
 *
 * @example
 * isSkillsError(new SkillsError('ERR_PLAN_INPUT', 'budget must be ≥ 0'), 'ERR_PLAN_INPUT'); // true
 */
export function isSkillsError(e: unknown, code?: SkillsErrorCode): e is SkillsError {
  return e instanceof SkillsError && (code === undefined || e.code === code);
}
