import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { awardDecision, basisOf } from '../src/domains/awards/engine.js';
import {
  achievementUriMatches,
  creditsOfUsed,
  evaluateRule,
  noFacts,
  type CredentialFact,
  type LearnerFacts,
  type RuleContext,
} from '../src/domains/awards/evaluate.js';
import {
  AwardRuleInput,
  defaultRule,
  MAX_RULE_DEPTH,
  namedAchievementIds,
  ruleRefs,
  type AwardRule,
} from '../src/domains/awards/rule.js';

/** The pure award-rule evaluator, the rule schema and the award decision, without a database. */

const NOW = new Date('2026-06-01T12:00:00Z');
const days = (n: number) => new Date(NOW.getTime() + n * 86_400_000);
const ORG = '00000000-0000-4000-8000-00000000000a';
const SELF = '00000000-0000-4000-8000-0000000000ff';
const Q1 = '00000000-0000-4000-8000-000000000001';
const Q2 = '00000000-0000-4000-8000-000000000002';
const A1 = '00000000-0000-4000-8000-000000000011';
const A2 = '00000000-0000-4000-8000-000000000012';
const A3 = '00000000-0000-4000-8000-000000000013';
const URL_BASE = 'https://skillproof.test';
const ORG_DID = 'did:web:skillproof.test:orgs:home';
const PARTNER = 'did:web:partner.example';

const ctx = (over: Partial<RuleContext> = {}): RuleContext => ({
  orgId: ORG,
  achievementId: SELF,
  trustedIssuers: [],
  now: NOW,
  ...over,
});

const facts = (over: Partial<LearnerFacts>): LearnerFacts => ({ ...noFacts(), ...over });

const credential = (achievementId: string, over: Partial<CredentialFact> = {}): CredentialFact => ({
  id: `cred-${achievementId}-${over.at?.getTime() ?? 0}`,
  orgId: ORG,
  achievementId,
  issuer: ORG_DID,
  achievementUri: `${URL_BASE}/achievements/${achievementId}/versions/1`,
  credits: null,
  at: days(-10),
  validUntil: null,
  ...over,
});

const outcome = (
  assessmentId: string,
  percent: number,
  passed: boolean,
  at = days(-1),
  id = `o-${percent}-${at.getTime()}`,
) => ({
  id,
  assessmentId,
  percent,
  passed,
  at,
});

describe('the rule schema', () => {
  const issues = (value: unknown) => {
    const r = AwardRuleInput.safeParse(value);
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };

  it('accepts every rule type, nested', () => {
    const rule = {
      type: 'allOf',
      rules: [
        { type: 'assessment', assessmentId: Q1, minPercent: 80 },
        { type: 'nOf', n: 1, rules: [{ type: 'achievement', achievementId: A1 }, { type: 'approval' }] },
        {
          type: 'anyOf',
          rules: [{ type: 'externalAchievement', achievementUri: 'https://x.example/a', issuers: [PARTNER] }],
        },
        { type: 'credits', min: 10, achievementIds: [A1, A2] },
        {
          type: 'window',
          days: 30,
          rule: { type: 'event', name: 'course.completed', where: { grade: 'A', n: 3, ok: true } },
        },
        { type: 'window', from: '2026-01-01T00:00:00Z', until: '2026-12-31T00:00:00Z', rule: { type: 'approval' } },
      ],
    };
    expect(issues(rule)).toEqual([]);
  });

  it('refuses with the path of each problem', () => {
    expect(issues({ type: 'allOf', rules: [] })).toEqual(['rules: Too small: expected array to have >=1 items']);
    expect(issues({ type: 'nOf', n: 3, rules: [{ type: 'approval' }, { type: 'approval' }] })).toEqual([
      'n: n must not exceed the number of rules',
    ]);
    expect(issues({ type: 'allOf', rules: [{ type: 'assessment', assessmentId: 'x' }] })[0]).toMatch(
      /^rules\.0\.assessmentId: /,
    );
    expect(issues({ type: 'allOf', rules: [{ type: 'quiz' }] })[0]).toMatch(/^rules\.0\.type: Invalid discriminator/);
    expect(issues({ type: 'assessment', assessmentId: Q1, minPercent: 101 })[0]).toMatch(/^minPercent: /);
    expect(issues({ type: 'window', rule: { type: 'approval' } })).toEqual([
      'days: a window needs days, from or until',
    ]);
    expect(
      issues({
        type: 'window',
        from: '2026-02-01T00:00:00Z',
        until: '2026-01-01T00:00:00Z',
        rule: { type: 'approval' },
      }),
    ).toEqual(['until: from must be before until']);
    expect(issues({ type: 'approval', extra: 1 })[0]).toMatch(/Unrecognized key/);
    expect(issues({ type: 'externalAchievement', achievementUri: 'not a uri' })[0]).toMatch(
      /^achievementUri: must be an absolute URI/,
    );
    expect(issues({ type: 'event', name: 'has space' })[0]).toMatch(/^name: /);
  });

  it('refuses rules deeper or larger than the limits before walking them', () => {
    let deep: unknown = { type: 'approval' };
    for (let i = 1; i < MAX_RULE_DEPTH; i++) deep = { type: 'allOf', rules: [deep] };
    expect(issues(deep)).toEqual([]);
    expect(issues({ type: 'allOf', rules: [deep] })).toEqual([
      `: rules may nest at most ${MAX_RULE_DEPTH} levels deep`,
    ]);
    // A body nested a hundred thousand levels deep is refused, not a stack overflow.
    let bomb: unknown = { type: 'approval' };
    for (let i = 0; i < 100_000; i++) bomb = { type: 'window', days: 1, rule: bomb };
    expect(issues(bomb)).toEqual([`: rules may nest at most ${MAX_RULE_DEPTH} levels deep`]);
    const wide = { type: 'anyOf', rules: Array.from({ length: 51 }, () => ({ type: 'approval' })) };
    expect(issues(wide)).toEqual([': a rule may list at most 50 rules']);
    const big = {
      type: 'allOf',
      rules: Array.from({ length: 50 }, () => ({
        type: 'allOf',
        rules: Array.from({ length: 4 }, () => ({ type: 'approval' })),
      })),
    };
    expect(issues(big)).toEqual([': a rule may have at most 200 nodes']);
  });

  it('indexes what a rule refers to', () => {
    const rule: AwardRule = {
      type: 'allOf',
      rules: [
        { type: 'assessment', assessmentId: Q1 },
        { type: 'assessment', assessmentId: Q1, minPercent: 90 },
        { type: 'achievement', achievementId: A1 },
        { type: 'credits', min: 5 },
        { type: 'credits', min: 5, achievementIds: [A2] },
        { type: 'externalAchievement', achievementUri: 'https://x.example/a' },
        { type: 'window', days: 3, rule: { type: 'event', name: 'e' } },
        { type: 'approval' },
      ],
    };
    expect(ruleRefs(rule, SELF)).toEqual([
      { refType: 'assessment', ref: Q1 },
      { refType: 'achievement', ref: A1 },
      { refType: 'credits', ref: '*' },
      { refType: 'credits', ref: A2 },
      { refType: 'external_achievement', ref: 'https://x.example/a' },
      { refType: 'event', ref: 'e' },
      { refType: 'approval', ref: SELF },
    ]);
    expect(namedAchievementIds(rule)).toEqual([A1, A2]);
    expect(defaultRule([])).toBeUndefined();
    expect(defaultRule([Q1, Q2])).toEqual({
      type: 'allOf',
      rules: [
        { type: 'assessment', assessmentId: Q1 },
        { type: 'assessment', assessmentId: Q2 },
      ],
    });
  });
});

describe('evaluating rules', () => {
  it('assessment: a passed outcome at or above minPercent; the newest one is used; progress shows the best', () => {
    const rule: AwardRule = { type: 'assessment', assessmentId: Q1, minPercent: 80 };
    const f = facts({
      outcomes: [
        outcome(Q1, 95, true, days(-5), 'old'),
        outcome(Q1, 85, true, days(-1), 'new'),
        outcome(Q1, 99, false, days(-2), 'failed'),
      ],
    });
    const r = evaluateRule(rule, f, ctx());
    expect(r.satisfied).toBe(true);
    expect(r.used).toEqual([{ kind: 'outcome', id: 'new', at: days(-1) }]);
    expect(r.progress).toEqual({
      type: 'assessment',
      assessmentId: Q1,
      minPercent: 80,
      bestPercent: 99,
      satisfied: true,
      done: 1,
      needed: 1,
    });
    const low = evaluateRule(rule, facts({ outcomes: [outcome(Q1, 79, true)] }), ctx());
    expect(low).toEqual({
      satisfied: false,
      used: [],
      progress: {
        type: 'assessment',
        assessmentId: Q1,
        minPercent: 80,
        bestPercent: 79,
        satisfied: false,
        done: 0,
        needed: 1,
      },
    });
    // Another assessment's pass does not count; an outcome dated after now does not either.
    expect(evaluateRule(rule, facts({ outcomes: [outcome(Q2, 100, true)] }), ctx()).satisfied).toBe(false);
    expect(evaluateRule(rule, facts({ outcomes: [outcome(Q1, 100, true, days(1))] }), ctx()).satisfied).toBe(false);
  });

  it('achievement: an active credential valid now', () => {
    const rule: AwardRule = { type: 'achievement', achievementId: A1 };
    expect(evaluateRule(rule, facts({ credentials: [credential(A1)] }), ctx()).satisfied).toBe(true);
    expect(
      evaluateRule(rule, facts({ credentials: [credential(A1, { validUntil: days(-1) })] }), ctx()).satisfied,
    ).toBe(false);
    expect(evaluateRule(rule, facts({ credentials: [credential(A1, { validUntil: days(1) })] }), ctx()).satisfied).toBe(
      true,
    );
    expect(evaluateRule(rule, facts({ credentials: [credential(A1, { at: days(1) })] }), ctx()).satisfied).toBe(false);
    expect(evaluateRule(rule, facts({ credentials: [credential(A2)] }), ctx()).satisfied).toBe(false);
  });

  it('externalAchievement: a verified credential of the URI (or a version of it) from a trusted issuer', () => {
    const uri = 'https://partner.example/achievements/x';
    const held = { id: 'h1', issuer: PARTNER, achievementUri: uri, credits: 3, at: days(-3), validUntil: null };
    const rule: AwardRule = { type: 'externalAchievement', achievementUri: uri, issuers: [PARTNER] };
    expect(evaluateRule(rule, facts({ held: [held] }), ctx()).used).toEqual([
      { kind: 'held', id: 'h1', at: days(-3), credits: 3, component: `uri:${uri}` },
    ]);
    // Untrusted issuer, trusted through the award rule, other URI, expired.
    expect(evaluateRule(rule, facts({ held: [{ ...held, issuer: 'did:web:evil.example' }] }), ctx()).satisfied).toBe(
      false,
    );
    const plain: AwardRule = { type: 'externalAchievement', achievementUri: uri };
    expect(evaluateRule(plain, facts({ held: [held] }), ctx()).satisfied).toBe(false);
    expect(evaluateRule(plain, facts({ held: [held] }), ctx({ trustedIssuers: [PARTNER] })).satisfied).toBe(true);
    expect(evaluateRule(rule, facts({ held: [{ ...held, achievementUri: `${uri}2` }] }), ctx()).satisfied).toBe(false);
    expect(evaluateRule(rule, facts({ held: [{ ...held, validUntil: days(-1) }] }), ctx()).satisfied).toBe(false);
    // A credential issued on this instance by a trusted organisation counts, by its version URL.
    const other = 'did:web:skillproof.test:orgs:other';
    const local = credential(A3, { orgId: 'other', issuer: other });
    const localRule: AwardRule = {
      type: 'externalAchievement',
      achievementUri: `${URL_BASE}/achievements/${A3}`,
      issuers: [other],
    };
    expect(evaluateRule(localRule, facts({ credentials: [local] }), ctx()).satisfied).toBe(true);
    expect(evaluateRule({ ...localRule, issuers: [PARTNER] }, facts({ credentials: [local] }), ctx()).satisfied).toBe(
      false,
    );
    expect(achievementUriMatches(`${URL_BASE}/achievements/${A3}`, `${URL_BASE}/achievements/${A3}/versions/12`)).toBe(
      true,
    );
    expect(achievementUriMatches(`${URL_BASE}/achievements/${A3}`, `${URL_BASE}/achievements/${A3}/versions/x`)).toBe(
      false,
    );
    expect(achievementUriMatches(`${URL_BASE}/achievements/${A3}`, null)).toBe(false);
  });

  it('credits: each held achievement once, own organisation or trusted issuers, never the achievement itself', () => {
    const f = facts({
      credentials: [
        credential(A1, { credits: 2, id: 'a1-old', at: days(-20) }),
        credential(A1, { credits: 2, id: 'a1-new', at: days(-2) }),
        credential(A2, { credits: 3 }),
        credential(SELF, { credits: 100 }),
        credential(A3, { credits: 50, orgId: 'elsewhere', issuer: 'did:web:skillproof.test:orgs:elsewhere' }),
        credential(Q2, { credits: 7, validUntil: days(-1) }),
      ],
      held: [{ id: 'h', issuer: PARTNER, achievementUri: 'https://p/a', credits: 4, at: days(-1), validUntil: null }],
    });
    const r = evaluateRule({ type: 'credits', min: 5 }, f, ctx());
    expect(r.satisfied).toBe(true);
    expect(r.progress).toMatchObject({ done: 5, needed: 5 });
    expect(r.used.map((u) => u.id).sort()).toEqual(['a1-new', credential(A2).id].sort());
    expect(creditsOfUsed(r.used)).toBe(5);
    expect(evaluateRule({ type: 'credits', min: 6 }, f, ctx()).satisfied).toBe(false);
    expect(evaluateRule({ type: 'credits', min: 9 }, f, ctx({ trustedIssuers: [PARTNER] })).progress).toMatchObject({
      satisfied: true,
      done: 9,
    });
    expect(evaluateRule({ type: 'credits', min: 3, achievementIds: [A2, A3] }, f, ctx()).progress).toMatchObject({
      satisfied: true,
      done: 53,
    });
  });

  it('window: only facts dated inside it count', () => {
    const f = facts({
      outcomes: [outcome(Q1, 90, true, days(-40))],
      events: [{ id: 'e1', orgId: ORG, name: 'x', data: {}, at: days(-2) }],
    });
    const inner: AwardRule = {
      type: 'allOf',
      rules: [
        { type: 'assessment', assessmentId: Q1 },
        { type: 'event', name: 'x' },
      ],
    };
    expect(evaluateRule({ type: 'window', days: 30, rule: inner }, f, ctx()).satisfied).toBe(false);
    expect(evaluateRule({ type: 'window', days: 41, rule: inner }, f, ctx()).satisfied).toBe(true);
    const r = evaluateRule(
      { type: 'window', from: days(-50).toISOString(), until: days(-30).toISOString(), rule: inner },
      f,
      ctx(),
    );
    expect(r.satisfied).toBe(false);
    expect(r.progress.children![0]!.children!.map((c) => c.satisfied)).toEqual([true, false]);
  });

  it('event: by name and data values, in the rule’s organisation only', () => {
    const e = {
      id: 'e1',
      orgId: ORG,
      name: 'course.completed',
      data: { grade: 'A', hours: 12, online: true },
      at: days(-1),
    };
    const ok = (rule: AwardRule, f: LearnerFacts) => evaluateRule(rule, f, ctx()).satisfied;
    expect(ok({ type: 'event', name: 'course.completed' }, facts({ events: [e] }))).toBe(true);
    expect(
      ok(
        { type: 'event', name: 'course.completed', where: { grade: 'A', hours: 12, online: true } },
        facts({ events: [e] }),
      ),
    ).toBe(true);
    expect(ok({ type: 'event', name: 'course.completed', where: { hours: '12' } }, facts({ events: [e] }))).toBe(false);
    expect(ok({ type: 'event', name: 'course.started' }, facts({ events: [e] }))).toBe(false);
    expect(ok({ type: 'event', name: 'course.completed' }, facts({ events: [{ ...e, orgId: 'other' }] }))).toBe(false);
  });

  it('approval: of this achievement', () => {
    const f = facts({ approvals: [{ achievementId: SELF, at: days(-1) }] });
    expect(evaluateRule({ type: 'approval' }, f, ctx()).used).toEqual([{ kind: 'approval', id: SELF, at: days(-1) }]);
    expect(evaluateRule({ type: 'approval' }, f, ctx({ achievementId: A1 })).satisfied).toBe(false);
  });

  it('allOf / anyOf / nOf: progress counts the children met, the basis is every satisfied child', () => {
    const f = facts({ credentials: [credential(A1), credential(A2)] });
    const electives: AwardRule = {
      type: 'nOf',
      n: 2,
      rules: [A1, A2, A3].map((achievementId) => ({ type: 'achievement' as const, achievementId })),
    };
    const r = evaluateRule(
      {
        type: 'allOf',
        rules: [
          electives,
          { type: 'anyOf', rules: [{ type: 'approval' }, { type: 'achievement', achievementId: A1 }] },
        ],
      },
      f,
      ctx(),
    );
    expect(r.satisfied).toBe(true);
    expect(r.progress).toMatchObject({ type: 'allOf', done: 2, needed: 2 });
    expect(r.progress.children![0]).toMatchObject({ type: 'nOf', done: 2, needed: 2 });
    expect(r.progress.children![1]).toMatchObject({ type: 'anyOf', done: 1, needed: 1 });
    // A1's credential is named twice in the tree and used once.
    expect(r.used.map((u) => u.id)).toEqual([credential(A1).id, credential(A2).id]);
    expect(basisOf(r.used)).toEqual({
      outcomes: [],
      credentials: [credential(A1).id, credential(A2).id],
      heldCredentials: [],
      events: [],
      approvals: [],
    });
    const three = evaluateRule({ ...electives, n: 3 }, f, ctx());
    expect(three.satisfied).toBe(false);
    expect(three.progress).toMatchObject({ done: 2, needed: 3 });
  });

  it('combinators agree with boolean logic over any leaves (property)', () => {
    type Tree = boolean | { op: 'all' | 'any'; kids: Tree[] } | { op: 'n'; n: number; kids: Tree[] };
    const tree: fc.Arbitrary<Tree> = fc.letrec<{ t: Tree }>((tie) => ({
      t: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.boolean(),
        fc.record({
          op: fc.constantFrom('all' as const, 'any' as const),
          kids: fc.array(tie('t'), { minLength: 1, maxLength: 4 }),
        }),
        fc.array(tie('t'), { minLength: 1, maxLength: 4 }).chain((kids) =>
          fc.record({
            op: fc.constant('n' as const),
            n: fc.integer({ min: 1, max: kids.length }),
            kids: fc.constant(kids),
          }),
        ),
      ),
    })).t;
    const f = facts({ approvals: [{ achievementId: SELF, at: days(-1) }] });
    const toRule = (t: Tree): AwardRule =>
      typeof t === 'boolean'
        ? t
          ? { type: 'approval' }
          : { type: 'achievement', achievementId: A1 }
        : t.op === 'n'
          ? { type: 'nOf', n: t.n, rules: t.kids.map(toRule) }
          : { type: t.op === 'all' ? 'allOf' : 'anyOf', rules: t.kids.map(toRule) };
    const truth = (t: Tree): boolean =>
      typeof t === 'boolean'
        ? t
        : t.op === 'n'
          ? t.kids.filter(truth).length >= t.n
          : t.op === 'all'
            ? t.kids.every(truth)
            : t.kids.some(truth);
    fc.assert(
      fc.property(tree, (t) => {
        const r = evaluateRule(toRule(t), f, ctx());
        expect(r.satisfied).toBe(truth(t));
        expect(r.used.length).toBe(r.satisfied ? 1 : 0);
      }),
      { numRuns: 200 },
    );
  });
});

describe('the award decision', () => {
  const held = { satisfied: true, used: [{ kind: 'outcome' as const, id: 'o', at: days(0) }] };
  it('first award when the rule holds and nothing was awarded', () => {
    expect(awardDecision(held, undefined, NOW, 30)).toBe('first');
    expect(awardDecision({ satisfied: false, used: [] }, undefined, NOW, 30)).toBeUndefined();
  });

  it('renews only inside the window, with a fact newer than the award and inside the window', () => {
    const previous = { generation: 1, awardedAt: days(-300), state: 'active', validUntil: days(20) };
    expect(awardDecision(held, previous, NOW, 30)).toBe('renewal');
    // Window not open yet (ends in 40 days, window 30).
    expect(awardDecision(held, { ...previous, validUntil: days(40) }, NOW, 30)).toBeUndefined();
    // Expired: still renewable.
    expect(awardDecision(held, { ...previous, validUntil: days(-100) }, NOW, 30)).toBe('renewal');
    // The fact predates the window (a reassessment before it opened) or the award.
    const early = { satisfied: true, used: [{ kind: 'outcome' as const, id: 'o', at: days(-15) }] };
    expect(awardDecision(early, previous, NOW, 30)).toBeUndefined();
    const stale = { satisfied: true, used: [{ kind: 'outcome' as const, id: 'o', at: days(-301) }] };
    expect(awardDecision(stale, { ...previous, validUntil: days(-100) }, NOW, 30)).toBeUndefined();
    // Never: no end, revoked.
    expect(awardDecision(held, { ...previous, validUntil: null }, NOW, 30)).toBeUndefined();
    expect(awardDecision(held, { ...previous, state: 'revoked' }, NOW, 30)).toBeUndefined();
  });
});
