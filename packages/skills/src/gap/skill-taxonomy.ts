import { SkillsError } from '../skills-error.js';

/** A skill as the gap analysis needs it: its id, a label for explanations, and its broader skills. */
export interface TaxonomySkill {
  readonly id: string;
  readonly label?: string;
  /** Ids of the skills this one specialises (ESCO's skill-to-skill `broader` relations); unknown ids are ignored. */
  readonly broader?: readonly string[];
  /**
   * A grouping of skills rather than a skill (ESCO's skill groups): it classifies its members without saying they are
   * alike, so sharing one never makes two skills siblings.
   */
  readonly group?: boolean;
}

/** Lookups over a skill hierarchy, built once and shared by every gap analysis and next-role index. */
export interface SkillTaxonomy {
  /** The skill's label, or `undefined` for an id the taxonomy does not hold. */
  labelOf(id: string): string | undefined;
  /** Direct broader skills, sorted by id. */
  broaderOf(id: string): readonly string[];
  /** Direct narrower skills, sorted by id. */
  narrowerOf(id: string): readonly string[];
  /** Whether the id is a grouping of skills (see {@link TaxonomySkill.group}); `false` for unknown ids. */
  isGroup(id: string): boolean;
  readonly size: number;
}

const NONE: readonly string[] = Object.freeze([]);

/**
 * A skill hierarchy from plain rows (for ESCO: skills_en's and skillGroups_en's labels, the groups marked `group`,
 * and broaderRelationsSkillPillar's rows). Links to ids missing from `skills` and self-links are dropped; cycles are tolerated because every walk over
 * the hierarchy is depth-bounded.
 *
 * @example
 * ```ts
 * const taxonomy = createSkillTaxonomy([
 *   { id: 'use-databases', label: 'use databases' },
 *   { id: 'sql', label: 'SQL', broader: ['use-databases'] },
 * ]);
 * taxonomy.narrowerOf('use-databases'); // ['sql']
 * ```
 */
export function createSkillTaxonomy(skills: readonly TaxonomySkill[]): SkillTaxonomy {
  const labels = new Map<string, string | undefined>();
  const groups = new Set<string>();
  for (const skill of skills) {
    if (typeof skill.id !== 'string' || skill.id === '') {
      throw new SkillsError('ERR_GOAL_INPUT', 'Every taxonomy skill needs a non-empty string id.');
    }
    if (!labels.has(skill.id) || skill.label !== undefined) labels.set(skill.id, skill.label);
    if (skill.group === true) groups.add(skill.id);
  }
  const broader = new Map<string, Set<string>>();
  const narrower = new Map<string, Set<string>>();
  const link = (map: Map<string, Set<string>>, from: string, to: string) => {
    let set = map.get(from);
    if (!set) map.set(from, (set = new Set()));
    set.add(to);
  };
  for (const skill of skills) {
    for (const parent of skill.broader ?? []) {
      if (parent === skill.id || !labels.has(parent)) continue;
      link(broader, skill.id, parent);
      link(narrower, parent, skill.id);
    }
  }
  // Sorted once so that every walk, and so every explanation, is the same for the same input.
  const freeze = (map: Map<string, Set<string>>) =>
    new Map([...map].map(([id, set]) => [id, Object.freeze([...set].sort())] as const));
  const broaderSorted = freeze(broader);
  const narrowerSorted = freeze(narrower);
  return {
    labelOf: (id) => labels.get(id),
    broaderOf: (id) => broaderSorted.get(id) ?? NONE,
    narrowerOf: (id) => narrowerSorted.get(id) ?? NONE,
    isGroup: (id) => groups.has(id),
    size: labels.size,
  };
}
