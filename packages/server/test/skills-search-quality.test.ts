import { beforeAll, describe, expect, it } from 'vitest';
import { createSkillIndex, type SkillDocument, type SkillIndex } from '@skillproof/skills';
import { evaluateSearch, loadEscoDocuments, typoQueries, type TypoQuerySet } from '../bench/search-evaluation.js';

/**
 * Acceptance (3) on the shipped ESCO v1.1.1: 500 queries made from alternative labels with one seeded typo each; the
 * skill the label belongs to is in the top 5 for at least 95 % of them. Speed is the benchmark's (npm run bench:search).
 */
describe('skills search quality on the shipped ESCO', () => {
  let docs: SkillDocument[];
  let skillIds: Set<string>;
  let index: SkillIndex;
  let set: TypoQuerySet;
  beforeAll(async () => {
    ({ docs, skillIds } = await loadEscoDocuments());
    index = createSkillIndex(docs);
    set = typoQueries(docs, skillIds, { count: 500, seed: 20261130 });
  });

  it('indexes every ESCO skill (13,896) and skill group', () => {
    expect(skillIds.size).toBe(13896);
    expect(index.size).toBe(docs.length);
    expect(docs.length).toBeGreaterThan(13896);
  });

  it('makes 500 distinct queries, each one typo away from an alternative label of exactly one skill', () => {
    expect(set.queries).toHaveLength(500);
    expect(new Set(set.queries.map((q) => q.altLabel)).size).toBe(500);
    const owners = new Map<string, Set<string>>();
    for (const d of docs)
      for (const alt of d.altLabels ?? []) owners.set(alt, (owners.get(alt) ?? new Set()).add(d.id));
    for (const q of set.queries) {
      expect(q.query).not.toBe(q.altLabel);
      expect(Math.abs(q.query.length - q.altLabel.length)).toBeLessThanOrEqual(1);
      expect(skillIds.has(q.intended)).toBe(true);
      expect([...owners.get(q.altLabel)!]).toEqual([q.intended]);
    }
    // Every kind of typo is represented.
    expect(new Set(set.queries.map((q) => q.typo))).toEqual(
      new Set(['insertion', 'deletion', 'substitution', 'transposition']),
    );
  });

  it('finds the intended skill in the top 5 for at least 95 % of the queries', () => {
    const result = evaluateSearch(index, set.queries);
    expect(result.queries).toBe(500);
    expect(result.recallAt5, JSON.stringify(result.misses.slice(0, 10))).toBeGreaterThanOrEqual(0.95);
  });
});
