import type { SkillEvidence, SkillProfile } from './build-skill-profile.js';
import { SkillsError } from '../skills-error.js';
import type { GoalRequirement } from './goal-requirements.js';
import type { SkillTaxonomy } from './skill-taxonomy.js';

/** How a held skill reaches a required one. */
export type CreditRelation = 'exact' | 'held-narrower' | 'held-broader' | 'sibling';

/**
 * How much a held skill counts for a related required skill, per step through the hierarchy. A narrower skill shows
 * part of its broader one (SQL is one way to "use databases"); a broader skill says less about a particular narrower
 * one; a sibling (same direct broader skill) says least. Steps multiply: two levels down counts 0.5 × 0.5.
 *
 * Siblings count only under a small, real parent. In ESCO v1.1.1 (20,656 hierarchy links) 13,448 links put a skill
 * in a skill group, a classification bucket of up to 221 members ("software and applications development and
 * analysis" holds SQL, Haskell, Maltego and captioning software), and the broadest skills have hundreds of narrower
 * ones ("advise others": 271, from customs regulations to guiding ships into docks). Counting every co-member as a
 * sibling gave a skill a median of 56 siblings (90th percentile 155, most 571): one credential credited a quarter of
 * hundreds of unrelated skills. So a shared parent that is a group never makes siblings, and neither does a parent
 * skill with more than {@link HierarchyCredit.siblingMaxChildren} narrower skills. With the default 8, 2,251 of the
 * 2,313 ESCO skills that have narrower skills still give sibling credit ("query languages": SQL, SPARQL, XQuery, …).
 */
export interface HierarchyCredit {
  /** The held skill is narrower than the required one (default 0.5 per level). */
  readonly narrower: number;
  /** The held skill is broader than the required one (default 0.25 per level). */
  readonly broader: number;
  /** The held skill shares a direct broader skill with the required one (default 0.25). */
  readonly sibling: number;
  /**
   * Siblings count only under a direct broader skill, not a group, with at most this many narrower skills (default
   * 8; 0 turns sibling credit off).
   */
  readonly siblingMaxChildren: number;
  /** Levels walked up or down (default 2). */
  readonly maxDepth: number;
}

export const DEFAULT_HIERARCHY_CREDIT: HierarchyCredit = Object.freeze({
  narrower: 0.5,
  broader: 0.25,
  sibling: 0.25,
  siblingMaxChildren: 8,
  maxDepth: 2,
});

export interface GapOptions {
  /** Without one, only exact skills count. */
  readonly taxonomy?: SkillTaxonomy;
  readonly credit?: Partial<HierarchyCredit>;
  /** What a self-declared skill counts for, relative to verified evidence: 0 (default) ignores them. */
  readonly selfDeclaredCredit?: number;
}

/** The held skill that counted most for a requirement. */
export interface CreditVia {
  readonly skill: string;
  readonly label: string;
  readonly relation: CreditRelation;
  /** Steps through the hierarchy (0 for exact). */
  readonly depth: number;
  /** Hierarchy factor × self-declared factor: what the evidence's level was multiplied by. */
  readonly factor: number;
  readonly evidence: SkillEvidence;
}

export interface SkillGap {
  readonly skill: string;
  readonly label: string;
  readonly weight: number;
  readonly essential: boolean;
  readonly requiredLevel: number;
  /** The best held evidence's level times its factor, 0 when nothing counts. */
  readonly heldLevel: number;
  /** max(0, required − held). */
  readonly shortfall: number;
  /** The part of the requirement met, 0–1 (1 when the required level is 0). */
  readonly met: number;
  readonly via?: CreditVia;
  /** One line for people: what counted, how, and what is missing. */
  readonly explanation: string;
}

export interface GapAnalysis {
  /** In the order of the requirements. */
  readonly skills: readonly SkillGap[];
  /** Σ weight × met / Σ weight (1 for a goal with no weight). */
  readonly score: number;
  /** Essential requirements fully met (shortfall 0). */
  readonly essentialCoverage: { readonly met: number; readonly total: number; readonly ratio: number };
  /** The factors used, so a result states its own rules. */
  readonly credit: HierarchyCredit & { readonly selfDeclared: number };
}

/** Shortfalls below this are rounding, not a gap (levels come from divisions such as Level / 7). */
const EPSILON = 1e-9;
const RELATION_RANK: Record<CreditRelation, number> = { exact: 0, 'held-narrower': 1, 'held-broader': 2, sibling: 3 };

function checkFactor(value: number, name: string): number {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
    throw new SkillsError('ERR_GOAL_INPUT', `${name} must be a number from 0 to 1, got ${String(value)}.`);
  }
  return value;
}

/** Skills `depth` steps away along `next`, nearest first (breadth-first, so each keeps its shortest depth). */
function walk(start: string, next: (id: string) => readonly string[], maxDepth: number): Map<string, number> {
  const found = new Map<string, number>();
  let frontier = [start];
  for (let depth = 1; depth <= maxDepth && frontier.length > 0; depth++) {
    const following: string[] = [];
    for (const id of frontier) {
      for (const other of next(id)) {
        if (other === start || found.has(other)) continue;
        found.set(other, depth);
        following.push(other);
      }
    }
    frontier = following;
  }
  return found;
}

const round = (x: number) => String(Math.round(x * 100) / 100);
const month = (date: string | undefined) => (date === undefined ? 'undated' : date.slice(0, 7));

function describeEvidence(via: CreditVia): string {
  const e = via.evidence;
  if (e.source === 'self-declared')
    return `${via.label} (self-declared, ${month(e.date)}, counted at ${round(via.factor)})`;
  const from = e.issuer?.name ?? e.issuer?.id;
  return `${via.label} (verified, ${e.source === 'issued' ? 'issued here' : 'imported'}, ${month(e.date)}${from ? `, ${from}` : ''})`;
}

const RELATION_WORDS: Record<Exclude<CreditRelation, 'exact'>, string> = {
  'held-narrower': 'narrower',
  'held-broader': 'broader',
  sibling: 'sibling',
};

function explain(gap: Omit<SkillGap, 'explanation'>, hierarchyFactor: number): string {
  const need = `required ${round(gap.requiredLevel)}, held ${round(gap.heldLevel)}`;
  const rest = gap.shortfall > 0 ? `short ${round(gap.shortfall)}` : 'met';
  if (!gap.via)
    return `not held: '${gap.label}' — ${rest} (${need}; weight ${round(gap.weight)}${gap.essential ? ', essential' : ''})`;
  const how =
    gap.via.relation === 'exact'
      ? `covers '${gap.label}'`
      : `covers '${gap.label}' via a ${RELATION_WORDS[gap.via.relation]} skill${gap.via.depth > 1 ? ` (${gap.via.depth} levels)` : ''} at ${round(hierarchyFactor)}`;
  return `held: ${describeEvidence(gap.via)} — ${how}; ${need}; ${rest}`;
}

/**
 * The gap between a learner's profile and a goal, per required skill: weight, required and held level, shortfall,
 * and the evidence that counted, explained. A held skill counts for a required one when it is the same skill, or,
 * given a taxonomy, a narrower, broader or sibling skill (under a small parent skill, never a group) at the factors of
 * {@link HierarchyCredit}; self-declared
 * skills count only at `selfDeclaredCredit` (0 unless the caller allows them) and are marked. The strongest
 * contribution wins, so adding a held skill never increases a shortfall. Pure and deterministic.
 *
 * @example
 * ```ts
 * const taxonomy = createSkillTaxonomy([
 *   { id: 'db', label: 'use databases' },
 *   { id: 'sql', label: 'SQL', broader: ['db'] },
 * ]);
 * const profile = buildSkillProfile({ credentials: [{ credentialId: 'c1', issuer: { id: 'did:web:a.example' },
 *   issuedAt: '2026-03-01', source: 'issued', skills: [{ skill: 'sql' }] }] });
 * const gap = analyseGap(profile, goalRequirements({ kind: 'skill-list', skills: ['db'] }), { taxonomy });
 * gap.skills[0]?.explanation;
 * // "held: SQL (verified, issued here, 2026-03, did:web:a.example) — covers 'use databases' via a narrower skill at 0.5; …"
 * ```
 */
export function analyseGap(
  profile: SkillProfile,
  requirements: readonly GoalRequirement[],
  options: GapOptions = {},
): GapAnalysis {
  const credit: HierarchyCredit = { ...DEFAULT_HIERARCHY_CREDIT, ...options.credit };
  checkFactor(credit.narrower, 'credit.narrower');
  checkFactor(credit.broader, 'credit.broader');
  checkFactor(credit.sibling, 'credit.sibling');
  if (!Number.isInteger(credit.maxDepth) || credit.maxDepth < 0 || credit.maxDepth > 10) {
    throw new SkillsError('ERR_GOAL_INPUT', 'credit.maxDepth must be an integer from 0 to 10.');
  }
  if (!Number.isInteger(credit.siblingMaxChildren) || credit.siblingMaxChildren < 0) {
    throw new SkillsError('ERR_GOAL_INPUT', 'credit.siblingMaxChildren must be an integer ≥ 0.');
  }
  const selfDeclared = checkFactor(options.selfDeclaredCredit ?? 0, 'selfDeclaredCredit');
  const taxonomy = options.taxonomy;
  const verified = new Map(profile.verified.map((e) => [e.skill, e]));
  const declared = new Map(profile.selfDeclared.map((e) => [e.skill, e]));
  const labelOf = (id: string) => taxonomy?.labelOf(id) ?? id;

  const skills: SkillGap[] = [];
  let weightSum = 0;
  let metSum = 0;
  let essentialMet = 0;
  let essentialTotal = 0;
  for (const requirement of requirements) {
    if (typeof requirement.weight !== 'number' || !Number.isFinite(requirement.weight) || requirement.weight < 0) {
      throw new SkillsError('ERR_GOAL_INPUT', `${requirement.skill}: weight must be a finite number ≥ 0.`);
    }
    checkFactor(requirement.requiredLevel, `${requirement.skill}: requiredLevel`);

    // Every related skill with its relation, depth and hierarchy factor; the exact skill first.
    const related: { skill: string; relation: CreditRelation; depth: number; factor: number }[] = [
      { skill: requirement.skill, relation: 'exact', depth: 0, factor: 1 },
    ];
    if (taxonomy) {
      for (const [skill, depth] of walk(requirement.skill, taxonomy.narrowerOf, credit.maxDepth)) {
        related.push({ skill, relation: 'held-narrower', depth, factor: credit.narrower ** depth });
      }
      for (const [skill, depth] of walk(requirement.skill, taxonomy.broaderOf, credit.maxDepth)) {
        related.push({ skill, relation: 'held-broader', depth, factor: credit.broader ** depth });
      }
      if (credit.sibling > 0) {
        for (const parent of taxonomy.broaderOf(requirement.skill)) {
          const children = taxonomy.narrowerOf(parent);
          if (taxonomy.isGroup(parent) || children.length > credit.siblingMaxChildren) continue;
          for (const skill of children) {
            if (skill !== requirement.skill)
              related.push({ skill, relation: 'sibling', depth: 1, factor: credit.sibling });
          }
        }
      }
    }

    let best: { via: CreditVia; held: number; hierarchy: number; verified: boolean } | undefined;
    for (const r of related) {
      for (const [evidence, isVerified, extra] of [
        [verified.get(r.skill), true, 1],
        [selfDeclared > 0 ? declared.get(r.skill) : undefined, false, selfDeclared],
      ] as const) {
        if (!evidence) continue;
        const held = evidence.level * r.factor * extra;
        const better =
          !best ||
          held > best.held ||
          (held === best.held &&
            (isVerified !== best.verified
              ? isVerified
              : RELATION_RANK[r.relation] !== RELATION_RANK[best.via.relation]
                ? RELATION_RANK[r.relation] < RELATION_RANK[best.via.relation]
                : r.depth !== best.via.depth
                  ? r.depth < best.via.depth
                  : r.skill < best.via.skill));
        if (better) {
          best = {
            held,
            hierarchy: r.factor,
            verified: isVerified,
            via: {
              skill: r.skill,
              label: labelOf(r.skill),
              relation: r.relation,
              depth: r.depth,
              factor: r.factor * extra,
              evidence,
            },
          };
        }
      }
    }

    const heldLevel = best?.held ?? 0;
    const gap = requirement.requiredLevel - heldLevel;
    const shortfall = gap > EPSILON ? gap : 0;
    const met = requirement.requiredLevel === 0 ? 1 : Math.min(1, heldLevel / requirement.requiredLevel);
    const partial: Omit<SkillGap, 'explanation'> = {
      skill: requirement.skill,
      label: requirement.label ?? labelOf(requirement.skill),
      weight: requirement.weight,
      essential: requirement.essential,
      requiredLevel: requirement.requiredLevel,
      heldLevel,
      shortfall,
      met: shortfall === 0 ? 1 : met,
      ...(best && best.held > 0 ? { via: best.via } : {}),
    };
    skills.push({ ...partial, explanation: explain(partial, best?.hierarchy ?? 0) });
    weightSum += requirement.weight;
    metSum += requirement.weight * partial.met;
    if (requirement.essential) {
      essentialTotal++;
      if (shortfall === 0) essentialMet++;
    }
  }
  return {
    skills,
    score: weightSum === 0 ? 1 : metSum / weightSum,
    essentialCoverage: {
      met: essentialMet,
      total: essentialTotal,
      ratio: essentialTotal === 0 ? 1 : essentialMet / essentialTotal,
    },
    credit: { ...credit, selfDeclared },
  };
}
