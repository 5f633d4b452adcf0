import type { SkillProfile } from './build-skill-profile.js';
import { SkillsError } from '../skills-error.js';

/** An occupation as a weighted skill vector (ESCO: essential 1, optional 0.5; O*NET: from Importance). */
export interface RoleOccupation {
  readonly id: string;
  readonly label: string;
  readonly skills: readonly { readonly skill: string; readonly weight: number; readonly label?: string }[];
}

export interface NextRoleOptions {
  /** How many suggestions (default 10). */
  readonly limit?: number;
  /** Occupation ids left out (the learner's current role). */
  readonly exclude?: readonly string[];
  /** What a self-declared skill counts for relative to verified evidence: 0 (default) ignores them. */
  readonly selfDeclaredCredit?: number;
}

export interface NextRole {
  readonly id: string;
  readonly label: string;
  /** Cosine similarity of the IDF-weighted profile and occupation vectors, 0–1. */
  readonly similarity: number;
  /** Σ weight × held level over the occupation's skills / Σ weight: how much of it the learner already holds. */
  readonly coverage: number;
  /** The occupation's skills the learner holds, largest contribution to the similarity first (at most 5). */
  readonly shared: readonly string[];
  readonly sharedCount: number;
  readonly skillCount: number;
  readonly explanation: string;
}

export interface NextRoleIndex {
  /** The occupations closest to a profile, most similar first (ties by id); only those sharing a skill. */
  suggest(profile: SkillProfile, options?: NextRoleOptions): NextRole[];
  readonly size: number;
}

interface Posting {
  occupation: number;
  /** weight × idf */
  value: number;
}

/**
 * An index for suggesting next roles: each occupation a vector of its skill weights times the skill's inverse
 * occupation frequency, ln(1 + N / df), so that a skill every occupation asks for (communication) says less about
 * which one a learner is close to than a rare one (SQL); the smoothing keeps such a skill from vanishing entirely.
 * A profile is scored by cosine similarity through an inverted index, so a query costs the postings of the skills
 * held, not the number of occupations.
 *
 * @example
 * ```ts
 * const roles = createNextRoleIndex([
 *   { id: 'analyst', label: 'data analyst', skills: [{ skill: 'sql', weight: 1 }, { skill: 'stats', weight: 1 }] },
 *   { id: 'baker', label: 'baker', skills: [{ skill: 'bake', weight: 1 }] },
 * ]);
 * roles.suggest(profile, { limit: 5 })[0]?.id; // 'analyst' for a profile holding SQL
 * ```
 */
export function createNextRoleIndex(occupations: readonly RoleOccupation[]): NextRoleIndex {
  const ids = new Set<string>();
  const documentFrequency = new Map<string, number>();
  for (const occupation of occupations) {
    if (typeof occupation.id !== 'string' || occupation.id === '' || ids.has(occupation.id)) {
      throw new SkillsError(
        'ERR_ROLES_INPUT',
        `Occupation ids must be non-empty and unique: ${String(occupation.id)}.`,
      );
    }
    ids.add(occupation.id);
    const seen = new Set<string>();
    for (const { skill, weight } of occupation.skills) {
      if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0) {
        throw new SkillsError(
          'ERR_ROLES_INPUT',
          `${occupation.id}, skill ${skill}: weight must be a finite number ≥ 0.`,
        );
      }
      if (weight === 0 || seen.has(skill)) continue;
      seen.add(skill);
      documentFrequency.set(skill, (documentFrequency.get(skill) ?? 0) + 1);
    }
  }
  const n = occupations.length;
  const idf = (skill: string) => Math.log(1 + n / (documentFrequency.get(skill) ?? n));

  const postings = new Map<string, Posting[]>();
  const norms: number[] = [];
  const weightSums: number[] = [];
  const weights: Map<string, number>[] = [];
  occupations.forEach((occupation, index) => {
    // A skill listed twice keeps its larger weight, as goalRequirements does.
    const own = new Map<string, number>();
    for (const { skill, weight } of occupation.skills) own.set(skill, Math.max(weight, own.get(skill) ?? 0));
    let norm = 0;
    let sum = 0;
    for (const [skill, weight] of own) {
      if (weight === 0) continue;
      const value = weight * idf(skill);
      norm += value * value;
      sum += weight;
      let list = postings.get(skill);
      if (!list) postings.set(skill, (list = []));
      list.push({ occupation: index, value });
    }
    norms.push(Math.sqrt(norm));
    weightSums.push(sum);
    weights.push(own);
  });
  const labels = new Map<string, string>();
  for (const occupation of occupations) for (const s of occupation.skills) if (s.label) labels.set(s.skill, s.label);

  return {
    size: n,
    suggest(profile, options = {}) {
      const limit = options.limit ?? 10;
      const selfDeclared = options.selfDeclaredCredit ?? 0;
      if (!Number.isInteger(limit) || limit < 0)
        throw new SkillsError('ERR_ROLES_INPUT', 'limit must be an integer ≥ 0.');
      if (!(selfDeclared >= 0 && selfDeclared <= 1)) {
        throw new SkillsError('ERR_ROLES_INPUT', 'selfDeclaredCredit must be a number from 0 to 1.');
      }
      // The learner's level per skill: verified evidence, or a self-declared claim at its factor, whichever is more.
      const held = new Map<string, number>();
      for (const e of profile.verified) held.set(e.skill, Math.max(e.level, held.get(e.skill) ?? 0));
      if (selfDeclared > 0) {
        for (const e of profile.selfDeclared)
          held.set(e.skill, Math.max(e.level * selfDeclared, held.get(e.skill) ?? 0));
      }
      const excluded = new Set(options.exclude ?? []);
      const dots = new Map<number, number>();
      let profileNorm = 0;
      for (const [skill, level] of held) {
        const list = postings.get(skill);
        if (!list || level === 0) continue;
        const value = level * idf(skill);
        profileNorm += value * value;
        for (const p of list) dots.set(p.occupation, (dots.get(p.occupation) ?? 0) + value * p.value);
      }
      profileNorm = Math.sqrt(profileNorm);
      const ranked: { index: number; similarity: number }[] = [];
      for (const [index, dot] of dots) {
        const occupation = occupations[index]!;
        if (excluded.has(occupation.id) || dot <= 0) continue;
        ranked.push({ index, similarity: dot / (profileNorm * norms[index]!) });
      }
      ranked.sort(
        (a, b) => b.similarity - a.similarity || (occupations[a.index]!.id < occupations[b.index]!.id ? -1 : 1),
      );
      return ranked.slice(0, limit).map(({ index, similarity }) => {
        const occupation = occupations[index]!;
        const own = weights[index]!;
        const contributions: { skill: string; value: number }[] = [];
        let covered = 0;
        for (const [skill, weight] of own) {
          const level = held.get(skill);
          if (level === undefined || level === 0 || weight === 0) continue;
          covered += weight * level;
          contributions.push({ skill, value: weight * level * idf(skill) ** 2 });
        }
        contributions.sort((a, b) => b.value - a.value || (a.skill < b.skill ? -1 : 1));
        const shared = contributions.slice(0, 5).map((c) => c.skill);
        const coverage = weightSums[index]! === 0 ? 0 : covered / weightSums[index]!;
        const skillCount = [...own.values()].filter((w) => w > 0).length;
        return {
          id: occupation.id,
          label: occupation.label,
          similarity: Math.min(1, similarity),
          coverage,
          shared,
          sharedCount: contributions.length,
          skillCount,
          explanation:
            `${occupation.label}: holds ${contributions.length} of its ${skillCount} skills ` +
            `(weighted coverage ${Math.round(coverage * 100)}%); closest through ${shared.map((s) => labels.get(s) ?? s).join(', ')}`,
        };
      });
    },
  };
}
