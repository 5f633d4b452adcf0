import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyseGap, DEFAULT_HIERARCHY_CREDIT } from '../src/gap/analyse-gap.js';
import { buildSkillProfile, type CredentialSkills, type SkillProfile } from '../src/gap/build-skill-profile.js';
import { createNextRoleIndex } from '../src/gap/create-next-role-index.js';
import { goalRequirements, type GoalRequirement } from '../src/gap/goal-requirements.js';
import { createSkillTaxonomy } from '../src/gap/skill-taxonomy.js';
import { isSkillsError } from '../src/skills-error.js';

// use databases ─┬─ SQL ── PostgreSQL
//                └─ NoSQL
const TAXONOMY = createSkillTaxonomy([
  { id: 'db', label: 'use databases' },
  { id: 'sql', label: 'SQL', broader: ['db'] },
  { id: 'pg', label: 'PostgreSQL', broader: ['sql'] },
  { id: 'nosql', label: 'NoSQL', broader: ['db'] },
  { id: 'bake', label: 'bake bread' },
]);

const credential = (id: string, skills: CredentialSkills['skills'], issuedAt = '2026-03-02'): CredentialSkills => ({
  credentialId: id,
  issuer: { id: 'did:web:uni.example', name: 'Uni' },
  issuedAt,
  source: 'issued',
  skills,
});

const codeOf = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return isSkillsError(e) ? e.code : `not a SkillsError: ${String(e)}`;
  }
  return 'no error';
};

describe('buildSkillProfile', () => {
  it('keeps the strongest, then newest evidence per skill, and self-declared skills apart', () => {
    const profile = buildSkillProfile({
      credentials: [
        credential('c1', [{ skill: 'sql', level: 0.5 }], '2026-01-01'),
        credential('c2', [{ skill: 'sql', level: 0.8 }], '2025-01-01'),
        credential('c3', [{ skill: 'sql', level: 0.8 }], '2025-06-01'),
        credential('c4', [{ skill: 'pg' }]),
      ],
      selfDeclared: [{ skill: 'sql', level: 1 }, { skill: 'bake' }],
    });
    expect(profile.verified.map((e) => [e.skill, e.level, e.credentialId])).toEqual([
      ['pg', 1, 'c4'],
      ['sql', 0.8, 'c3'],
    ]);
    expect(profile.selfDeclared.map((e) => [e.skill, e.source])).toEqual([
      ['bake', 'self-declared'],
      ['sql', 'self-declared'],
    ]);
  });

  it('refuses malformed input with ERR_PROFILE_INPUT', () => {
    expect(codeOf(() => buildSkillProfile({ credentials: [credential('c', [{ skill: 'sql', level: 2 }])] }))).toBe(
      'ERR_PROFILE_INPUT',
    );
    expect(codeOf(() => buildSkillProfile({ credentials: [credential('c', [{ skill: '' }])] }))).toBe(
      'ERR_PROFILE_INPUT',
    );
    expect(codeOf(() => buildSkillProfile({ credentials: [credential('c', [{ skill: 'sql' }], 'March')] }))).toBe(
      'ERR_PROFILE_INPUT',
    );
    expect(codeOf(() => buildSkillProfile({ selfDeclared: [{ skill: 'sql', level: Number.NaN }] }))).toBe(
      'ERR_PROFILE_INPUT',
    );
  });
});

describe('goalRequirements', () => {
  it('maps ESCO, O*NET, job profiles and skill lists onto one scale', () => {
    expect(
      goalRequirements({
        kind: 'esco-occupation',
        skills: [
          { skill: 'sql', relationType: 'essential' },
          { skill: 'nosql', relationType: 'optional' },
          { skill: 'nosql', relationType: 'essential' },
        ],
      }).map((r) => [r.skill, r.weight, r.essential]),
    ).toEqual([
      ['nosql', 1, true],
      ['sql', 1, true],
    ]);
    expect(
      goalRequirements({ kind: 'onet-occupation', elements: [{ skill: 'x', importance: 4, level: 3.5 }] }),
    ).toEqual([{ skill: 'x', weight: 0.75, requiredLevel: 0.5, essential: true }]);
    expect(goalRequirements({ kind: 'skill-list', skills: ['b', { skill: 'a', label: 'A' }] })).toEqual([
      { skill: 'a', weight: 1, requiredLevel: 1, essential: true, label: 'A' },
      { skill: 'b', weight: 1, requiredLevel: 1, essential: true },
    ]);
  });

  it('refuses malformed goals with ERR_GOAL_INPUT', () => {
    expect(codeOf(() => goalRequirements({ kind: 'job-profile', skills: [{ skill: 'x', weight: -1 }] }))).toBe(
      'ERR_GOAL_INPUT',
    );
    expect(codeOf(() => goalRequirements({ kind: 'onet-occupation', elements: [{ skill: 'x', importance: 6 }] }))).toBe(
      'ERR_GOAL_INPUT',
    );
    expect(codeOf(() => goalRequirements({ kind: 'skill-list', skills: [''] }))).toBe('ERR_GOAL_INPUT');
  });
});

describe('analyseGap', () => {
  const profile = buildSkillProfile({ credentials: [credential('c1', [{ skill: 'sql' }])] });

  it('gives partial credit through the hierarchy at the stated factors, explained per skill', () => {
    const gap = analyseGap(
      profile,
      goalRequirements({ kind: 'skill-list', skills: ['db', 'sql', 'pg', 'nosql', 'bake'] }),
      {
        taxonomy: TAXONOMY,
      },
    );
    expect(gap.skills.map((s) => [s.skill, s.heldLevel, s.via?.relation ?? null])).toEqual([
      ['bake', 0, null],
      ['db', 0.5, 'held-narrower'],
      ['nosql', 0.25, 'sibling'],
      ['pg', 0.25, 'held-broader'],
      ['sql', 1, 'exact'],
    ]);
    expect(gap.skills[1]!.explanation).toBe(
      "held: SQL (verified, issued here, 2026-03, Uni) — covers 'use databases' via a narrower skill at 0.5; required 1, held 0.5; short 0.5",
    );
    expect(gap.skills[0]!.explanation).toBe(
      "not held: 'bake bread' — short 1 (required 1, held 0; weight 1, essential)",
    );
    expect(gap.essentialCoverage).toEqual({ met: 1, total: 5, ratio: 0.2 });
    expect(gap.score).toBeCloseTo((0 + 0.5 + 0.25 + 0.25 + 1) / 5, 12);
    // Without a taxonomy only the exact skill counts.
    expect(analyseGap(profile, goalRequirements({ kind: 'skill-list', skills: ['db'] })).skills[0]!.heldLevel).toBe(0);
  });

  it('gives sibling credit only under a parent skill, not a group, with at most siblingMaxChildren narrower skills', () => {
    // As in ESCO: a skill group classifies SQL with Haskell; "advise others" has hundreds of unrelated narrower skills.
    const children = (parent: string, n: number) =>
      Array.from({ length: n }, (_, i) => ({ id: `${parent}-${i}`, broader: [parent] }));
    const taxonomy = createSkillTaxonomy([
      { id: 'group', label: 'software development', group: true },
      { id: 'sql', label: 'SQL', broader: ['group'] },
      { id: 'haskell', label: 'Haskell', broader: ['group'] },
      { id: 'small', label: 'query languages' },
      ...children('small', 8),
      { id: 'big', label: 'advise others' },
      ...children('big', 9),
    ]);
    const held = buildSkillProfile({
      credentials: [credential('c1', [{ skill: 'sql' }, { skill: 'small-0' }, { skill: 'big-0' }])],
    });
    const goal = goalRequirements({ kind: 'skill-list', skills: ['haskell', 'small-1', 'big-1'] });
    const relations = (credit?: { siblingMaxChildren: number }) =>
      analyseGap(held, goal, { taxonomy, ...(credit && { credit }) }).skills.map((s) => [
        s.skill,
        s.heldLevel,
        s.via?.relation ?? null,
      ]);
    expect(relations()).toEqual([
      ['big-1', 0, null],
      ['haskell', 0, null],
      ['small-1', 0.25, 'sibling'],
    ]);
    expect(taxonomy.isGroup('group')).toBe(true);
    expect(taxonomy.isGroup('sql')).toBe(false);
    // The bound is the caller's: 9 lets "advise others" count, 0 turns siblings off; a group never counts.
    expect(relations({ siblingMaxChildren: 9 })).toEqual([
      ['big-1', 0.25, 'sibling'],
      ['haskell', 0, null],
      ['small-1', 0.25, 'sibling'],
    ]);
    expect(relations({ siblingMaxChildren: 0 }).map((r) => r[1])).toEqual([0, 0, 0]);
    expect(DEFAULT_HIERARCHY_CREDIT.siblingMaxChildren).toBe(8);
    expect(codeOf(() => analyseGap(held, goal, { credit: { siblingMaxChildren: 1.5 } }))).toBe('ERR_GOAL_INPUT');
  });

  it('counts self-declared skills only when allowed, and marks them', () => {
    const declared = buildSkillProfile({ selfDeclared: [{ skill: 'bake', declaredAt: '2026-02-01' }] });
    const goal = goalRequirements({ kind: 'skill-list', skills: ['bake'] });
    expect(analyseGap(declared, goal).skills[0]!.shortfall).toBe(1);
    const allowed = analyseGap(declared, goal, { selfDeclaredCredit: 0.5 }).skills[0]!;
    expect([allowed.heldLevel, allowed.via?.evidence.source]).toEqual([0.5, 'self-declared']);
    expect(allowed.explanation).toMatch(/^held: bake \(self-declared, 2026-02, counted at 0\.5\)/);
  });

  it('refuses bad options with ERR_GOAL_INPUT', () => {
    expect(codeOf(() => analyseGap(profile, [], { selfDeclaredCredit: 2 }))).toBe('ERR_GOAL_INPUT');
    expect(codeOf(() => analyseGap(profile, [], { credit: { maxDepth: -1 } }))).toBe('ERR_GOAL_INPUT');
  });

  // Generated profiles and goals over a random forest of skills.
  const SKILL_IDS = Array.from({ length: 12 }, (_, i) => `s${i}`);
  const arbTaxonomy = fc
    .array(fc.option(fc.nat({ max: 11 }), { nil: undefined }), { minLength: 12, maxLength: 12 })
    .map((parents) =>
      createSkillTaxonomy(
        SKILL_IDS.map((id, i) => ({ id, broader: parents[i] === undefined ? [] : [`s${parents[i]}`] })),
      ),
    );
  const arbSkill = fc.constantFrom(...SKILL_IDS);
  const arbCredentials = fc.array(
    fc.record({
      credentialId: fc.constantFrom('a', 'b', 'c', 'd'),
      issuer: fc.constant({ id: 'did:web:x.example' }),
      issuedAt: fc.constantFrom('2025-01-01', '2026-01-01'),
      source: fc.constantFrom('issued' as const, 'imported' as const),
      skills: fc.array(fc.record({ skill: arbSkill, level: fc.double({ min: 0, max: 1, noNaN: true }) }), {
        maxLength: 4,
      }),
    }),
    { maxLength: 6 },
  );
  const arbGoal = fc.array(
    fc.record({
      skill: arbSkill,
      weight: fc.double({ min: 0, max: 5, noNaN: true }),
      requiredLevel: fc.double({ min: 0, max: 1, noNaN: true }),
      essential: fc.boolean(),
    }),
    { maxLength: 8 },
  );

  it('adding a held skill never increases any shortfall nor lowers the score (property)', () => {
    fc.assert(
      fc.property(
        arbTaxonomy,
        arbCredentials,
        arbGoal,
        arbSkill,
        fc.double({ min: 0, max: 1, noNaN: true }),
        (taxonomy, credentials, goal, extra, level) => {
          const requirements = goalRequirements({ kind: 'job-profile', skills: goal });
          const before = analyseGap(buildSkillProfile({ credentials }), requirements, { taxonomy });
          const after = analyseGap(
            buildSkillProfile({ credentials: [...credentials, credential('new', [{ skill: extra, level }])] }),
            requirements,
            { taxonomy },
          );
          after.skills.forEach((s, i) => expect(s.shortfall).toBeLessThanOrEqual(before.skills[i]!.shortfall));
          expect(after.score).toBeGreaterThanOrEqual(before.score - 1e-12);
          expect(after.essentialCoverage.met).toBeGreaterThanOrEqual(before.essentialCoverage.met);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('is deterministic whatever the order of credentials (property)', () => {
    fc.assert(
      fc.property(arbTaxonomy, arbCredentials, arbGoal, (taxonomy, credentials, goal) => {
        const requirements = goalRequirements({ kind: 'job-profile', skills: goal });
        const a = analyseGap(buildSkillProfile({ credentials }), requirements, { taxonomy });
        const b = analyseGap(buildSkillProfile({ credentials: [...credentials].reverse() }), requirements, {
          taxonomy,
        });
        expect(b).toEqual(a);
      }),
      { numRuns: 200 },
    );
  });

  it('respects weights: the score is the weight-averaged met fraction, and a zero-weight skill does not move it (property)', () => {
    fc.assert(
      fc.property(arbTaxonomy, arbCredentials, arbGoal, arbSkill, (taxonomy, credentials, goal, extra) => {
        const profile = buildSkillProfile({ credentials });
        const requirements = goalRequirements({ kind: 'job-profile', skills: goal });
        const gap = analyseGap(profile, requirements, { taxonomy });
        const total = gap.skills.reduce((sum, s) => sum + s.weight, 0);
        const expected = total === 0 ? 1 : gap.skills.reduce((sum, s) => sum + s.weight * s.met, 0) / total;
        expect(gap.score).toBeCloseTo(expected, 12);
        for (const s of gap.skills) {
          // Within analyseGap's rounding tolerance (1e-9), below which a shortfall is 0.
          expect(s.shortfall).toBeCloseTo(Math.max(0, s.requiredLevel - s.heldLevel), 8);
          expect(s.heldLevel).toBeLessThanOrEqual(1);
        }
        if (requirements.some((r) => r.skill === extra) || total === 0) return;
        const zero: GoalRequirement = { skill: extra, weight: 0, requiredLevel: 1, essential: false };
        expect(analyseGap(profile, [...requirements, zero], { taxonomy }).score).toBeCloseTo(gap.score, 12);
      }),
      { numRuns: 200 },
    );
  });
});

describe('createNextRoleIndex', () => {
  const roles = createNextRoleIndex([
    {
      id: 'analyst',
      label: 'data analyst',
      skills: [
        { skill: 'sql', weight: 1, label: 'SQL' },
        { skill: 'stats', weight: 1 },
        { skill: 'talk', weight: 0.5 },
      ],
    },
    {
      id: 'dba',
      label: 'database administrator',
      skills: [
        { skill: 'sql', weight: 1 },
        { skill: 'pg', weight: 1 },
        { skill: 'talk', weight: 0.5 },
      ],
    },
    {
      id: 'baker',
      label: 'baker',
      skills: [
        { skill: 'bake', weight: 1 },
        { skill: 'talk', weight: 0.5 },
      ],
    },
  ]);
  const held = (skills: string[]): SkillProfile =>
    buildSkillProfile({
      credentials: [
        credential(
          'c',
          skills.map((skill) => ({ skill })),
        ),
      ],
    });

  it('ranks the occupations sharing the rarer skills first (stats, held by one occupation, before SQL, held by two), with coverage and an explanation', () => {
    const suggestions = roles.suggest(held(['sql', 'stats']));
    expect(suggestions.map((r) => r.id)).toEqual(['analyst', 'dba']);
    expect(suggestions[0]!.coverage).toBeCloseTo(2 / 2.5, 12);
    expect(suggestions[0]!.explanation).toBe(
      'data analyst: holds 2 of its 3 skills (weighted coverage 80%); closest through stats, SQL',
    );
    expect(roles.suggest(held(['sql', 'stats']), { exclude: ['analyst'], limit: 1 }).map((r) => r.id)).toEqual(['dba']);
    expect(roles.suggest(held([]))).toEqual([]);
  });

  it('refuses duplicate occupations with ERR_ROLES_INPUT', () => {
    expect(
      codeOf(() =>
        createNextRoleIndex([
          { id: 'a', label: 'a', skills: [] },
          { id: 'a', label: 'b', skills: [] },
        ]),
      ),
    ).toBe('ERR_ROLES_INPUT');
    expect(codeOf(() => createNextRoleIndex([{ id: 'a', label: 'a', skills: [{ skill: 'x', weight: -1 }] }]))).toBe(
      'ERR_ROLES_INPUT',
    );
  });
});
