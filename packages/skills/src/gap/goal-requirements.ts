import { SkillsError } from '../skills-error.js';

/** One skill a goal asks for. */
export interface GoalRequirement {
  readonly skill: string;
  /** How much the skill counts in the aggregate score (≥ 0). */
  readonly weight: number;
  /** 0–1 on the same scale as profile levels. */
  readonly requiredLevel: number;
  /** Counted in essential coverage. */
  readonly essential: boolean;
  readonly label?: string;
}

/** The goals a learner can set, each in its source's own terms. */
export type Goal =
  /** An ESCO occupation's occupationSkillRelations rows. */
  | {
      readonly kind: 'esco-occupation';
      readonly skills: readonly {
        readonly skill: string;
        readonly relationType: 'essential' | 'optional';
        readonly label?: string;
      }[];
    }
  /** An O*NET occupation's element ratings (Skills, Knowledge, …): Importance 1–5 and Level 0–7, as published. */
  | {
      readonly kind: 'onet-occupation';
      readonly elements: readonly {
        readonly skill: string;
        readonly importance: number;
        readonly level?: number;
        readonly label?: string;
      }[];
    }
  /** An employer's job profile: weights and levels chosen by the employer. */
  | {
      readonly kind: 'job-profile';
      readonly skills: readonly {
        readonly skill: string;
        readonly weight: number;
        readonly requiredLevel?: number;
        readonly essential?: boolean;
        readonly label?: string;
      }[];
    }
  /** A plain list of skills (a job posting's, once mapped to skills): each counts once, all essential. */
  | {
      readonly kind: 'skill-list';
      readonly skills: readonly (string | { readonly skill: string; readonly label?: string })[];
    };

/** ESCO weights: an essential skill counts fully, an optional one half. */
export const ESCO_WEIGHT = { essential: 1, optional: 0.5 } as const;
/**
 * O*NET Importance at or above this (on the 1–5 scale; 50 on O*NET OnLine's 0–100 display) makes an element essential:
 * the midpoint of the scale, "important", a convention rather than an O*NET rule.
 */
export const ONET_ESSENTIAL_IMPORTANCE = 3;

function check(condition: boolean, message: string): void {
  if (!condition) throw new SkillsError('ERR_GOAL_INPUT', message);
}

function checkSkill(skill: unknown): asserts skill is string {
  check(typeof skill === 'string' && skill !== '', 'Every goal skill needs a non-empty id.');
}

const withLabel = (label: string | undefined) => (label === undefined ? {} : { label });

/**
 * A goal's skill requirements on one scale: ESCO essential 1, optional 0.5 (level 1: ESCO has no levels); O*NET
 * weight (Importance − 1) / 4 and required level Level / 7, essential from Importance 3 up; a job profile as given
 * (level 1 and essential unless stated); a skill list weight 1, essential. A skill listed twice keeps its heaviest
 * requirement. Sorted by skill id.
 *
 * @example
 * ```ts
 * goalRequirements({ kind: 'esco-occupation', skills: [
 *   { skill: 'esco:sql', relationType: 'essential' },
 *   { skill: 'esco:python', relationType: 'optional' },
 * ] }); // [{ skill: 'esco:python', weight: 0.5, … }, { skill: 'esco:sql', weight: 1, … }]
 * ```
 */
export function goalRequirements(goal: Goal): GoalRequirement[] {
  const requirements: GoalRequirement[] = [];
  switch (goal.kind) {
    case 'esco-occupation':
      for (const { skill, relationType, label } of goal.skills) {
        checkSkill(skill);
        check(
          relationType === 'essential' || relationType === 'optional',
          `${skill}: relationType must be essential or optional.`,
        );
        requirements.push({
          skill,
          weight: ESCO_WEIGHT[relationType],
          requiredLevel: 1,
          essential: relationType === 'essential',
          ...withLabel(label),
        });
      }
      break;
    case 'onet-occupation':
      for (const { skill, importance, level, label } of goal.elements) {
        checkSkill(skill);
        check(
          typeof importance === 'number' && importance >= 1 && importance <= 5,
          `${skill}: O*NET Importance runs from 1 to 5.`,
        );
        check(
          level === undefined || (typeof level === 'number' && level >= 0 && level <= 7),
          `${skill}: O*NET Level runs from 0 to 7.`,
        );
        requirements.push({
          skill,
          weight: (importance - 1) / 4,
          requiredLevel: level === undefined ? 1 : level / 7,
          essential: importance >= ONET_ESSENTIAL_IMPORTANCE,
          ...withLabel(label),
        });
      }
      break;
    case 'job-profile':
      for (const { skill, weight, requiredLevel, essential, label } of goal.skills) {
        checkSkill(skill);
        check(
          typeof weight === 'number' && Number.isFinite(weight) && weight >= 0,
          `${skill}: weight must be a finite number ≥ 0.`,
        );
        check(
          requiredLevel === undefined ||
            (typeof requiredLevel === 'number' && requiredLevel >= 0 && requiredLevel <= 1),
          `${skill}: requiredLevel runs from 0 to 1.`,
        );
        requirements.push({
          skill,
          weight,
          requiredLevel: requiredLevel ?? 1,
          essential: essential ?? true,
          ...withLabel(label),
        });
      }
      break;
    case 'skill-list':
      for (const item of goal.skills) {
        const { skill, label } = typeof item === 'string' ? { skill: item, label: undefined } : item;
        checkSkill(skill);
        requirements.push({ skill, weight: 1, requiredLevel: 1, essential: true, ...withLabel(label) });
      }
      break;
    default:
      throw new SkillsError('ERR_GOAL_INPUT', `Unknown goal kind ${String((goal as { kind?: unknown }).kind)}.`);
  }
  const bySkill = new Map<string, GoalRequirement>();
  for (const requirement of requirements) {
    const current = bySkill.get(requirement.skill);
    if (
      !current ||
      requirement.weight > current.weight ||
      (requirement.weight === current.weight && requirement.requiredLevel > current.requiredLevel)
    ) {
      bySkill.set(requirement.skill, {
        ...requirement,
        essential: requirement.essential || (current?.essential ?? false),
      });
    } else if (requirement.essential && !current.essential)
      bySkill.set(requirement.skill, { ...current, essential: true });
  }
  return [...bySkill.values()].sort((a, b) => (a.skill < b.skill ? -1 : a.skill > b.skill ? 1 : 0));
}
