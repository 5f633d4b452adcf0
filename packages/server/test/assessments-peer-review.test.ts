import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assignPeerReviews } from '../src/domains/assessments/project/assignment.js';
import { createTestContext, databaseTargets, type TestContext } from './helpers/context.js';
import { expectError } from './helpers/errors.js';
import { createSampleAchievement, createUser, member, sessionFor, type Caller } from './helpers/fixtures.js';

/** Quality 0–4 (q0–q4), Presentation 0–2 (p0–p2): max score 6, outlier beyond 0.25 × 6 = 1.5 points. */
const RUBRIC = {
  criteria: [
    {
      id: 'quality',
      name: 'Quality',
      levels: [0, 1, 2, 3, 4].map((p) => ({ id: `q${p}`, name: `Quality ${p}`, points: p })),
    },
    {
      id: 'presentation',
      name: 'Presentation',
      levels: [0, 1, 2].map((p) => ({ id: `p${p}`, name: `Presentation ${p}`, points: p })),
    },
  ],
};
const TRUE_LEVELS = { quality: 'q4', presentation: 'p2' };
const SLOPPY_LEVELS = { quality: 'q0', presentation: 'p0' };
const REF1 = { quality: 'q4', presentation: 'p2' }; // a sloppy reviewer misses by 100 %: accuracy 0
const REF2 = { quality: 'q2', presentation: 'p1' }; // a sloppy reviewer misses by 50 %: accuracy 0.5

interface Learner {
  id: string;
  email: string;
  name: string;
  caller: Caller;
}
interface Assignment {
  id: string;
  kind: 'peer' | 'calibration';
  available: boolean;
  submissionId: string;
}

/** The grade weighted peer reviews give, computed here independently: weighted mean per criterion → nearest level. */
function expectedGrade(reviews: { levels: Record<string, string>; weight: number }[]) {
  const total = reviews.reduce((s, r) => s + r.weight, 0);
  const w = reviews.map((r) => (total > 0 ? r.weight / total : 1 / reviews.length));
  const pointsOf = (id: string) => Number(id.slice(1));
  const nearest = (mean: number, top: number) => Math.min(top, Math.floor(mean + 0.5)); // levels are 0, 1, 2, …
  const q = nearest(
    reviews.reduce((s, r, i) => s + w[i]! * pointsOf(r.levels['quality']!), 0),
    4,
  );
  const p = nearest(
    reviews.reduce((s, r, i) => s + w[i]! * pointsOf(r.levels['presentation']!), 0),
    2,
  );
  const score = q + p;
  const flagged = reviews.some(
    (r) => Math.abs(pointsOf(r.levels['quality']!) + pointsOf(r.levels['presentation']!) - score) > 1.5,
  );
  return {
    levels: { quality: `q${q}`, presentation: `p${p}` },
    score,
    percent: Math.round((score / 6) * 10_000) / 100,
    flagged,
  };
}

describe.each(databaseTargets())('peer review on $name', (target) => {
  let ctx: TestContext;
  let orgId: string;
  let issuer: Caller;
  let assessor: Caller;
  let assessmentId: string;
  let achievementId: string;
  const learners: Learner[] = [];
  const base = () => `/api/v1/orgs/${orgId}/assessments/${assessmentId}`;

  beforeAll(async () => {
    ctx = await createTestContext(target);
    const owner = await member(ctx, 'issuer');
    orgId = owner.orgId;
    issuer = owner.caller;
    assessor = (await member(ctx, 'assessor', orgId)).caller;
    for (let i = 0; i < 20; i++) {
      const user = await createUser(ctx, { kind: 'learner', name: `Peer ${i}` });
      learners.push({ id: user.id, email: user.email, name: user.name, caller: await sessionFor(ctx, user.id) });
    }
    ({ achievementId } = await createSampleAchievement(ctx, orgId, { name: 'Dashboard Design' }));
    const created = await issuer.request('POST', `/api/v1/orgs/${orgId}/assessments`, {
      kind: 'peer_review',
      title: 'Dashboard design',
      achievementId,
      settings: {
        rubric: RUBRIC,
        passMark: 70,
        reviewsPerSubmission: 3,
        anonymous: true,
        calibration: 1,
        outlierThreshold: 0.25,
      },
    });
    expect(created.status, await created.clone().text()).toBe(201);
    assessmentId = ((await created.json()) as { assessment: { id: string } }).assessment.id;
    expect((await issuer.request('POST', `${base()}/open`)).status).toBe(200);
  });
  afterAll(() => ctx?.close());

  it('20 learners: balanced assignment, calibration weights, an outlier flagged, anonymity, an appeal upheld', async () => {
    // Every learner submits.
    const submissionOf = new Map<string, string>(); // learner id → submission id
    for (const [i, l] of learners.entries()) {
      ctx.setNow(new Date(Date.parse('2026-06-01T12:00:00Z') + i * 60_000));
      const res = await l.caller.request('POST', `/api/v1/assessments/${assessmentId}/submissions`, {
        text: `Dashboard ${i}: revenue by region, churn by cohort.`,
      });
      expect(res.status, await res.clone().text()).toBe(201);
      submissionOf.set(l.id, ((await res.json()) as { submission: { id: string } }).submission.id);
    }
    const authorOf = new Map([...submissionOf].map(([learner, submission]) => [submission, learner]));

    // Calibration needs references first.
    await expectError(await assessor.request('POST', `${base()}/peer-assignments`, { seed: 'x' }), 409, 'ERR_STATE');
    const refs: string[] = [];
    for (const referenceLevels of [REF1, REF2]) {
      const res = await assessor.request('POST', `${base()}/reference-submissions`, {
        text: 'A reference dashboard.',
        referenceLevels,
      });
      expect(res.status, await res.clone().text()).toBe(201);
      refs.push(((await res.json()) as { submission: { id: string } }).submission.id);
    }
    const referenceLevelsOf = new Map([
      [refs[0]!, REF1],
      [refs[1]!, REF2],
    ]);

    const assigned = await assessor.request('POST', `${base()}/peer-assignments`, { seed: 'cohort-2026' });
    expect(assigned.status, await assigned.clone().text()).toBe(201);
    expect(((await assigned.json()) as { assignment: unknown }).assignment).toEqual({
      seed: 'cohort-2026',
      reviewers: 20,
      submissions: 20,
      peerReviews: 60,
      calibrationReviews: 20,
      load: { min: 3, max: 3 },
    });
    const rows = await ctx.db
      .selectFrom('reviewAssignments')
      .select(['submissionId', 'reviewerUserId', 'kind'])
      .where('assessmentId', '=', assessmentId)
      .execute();
    const peerRows = rows.filter((r) => r.kind === 'peer');
    // Balanced, never oneself, no repeated pair; every submission three reviewers; one calibration each.
    for (const l of learners) {
      expect(peerRows.filter((r) => r.reviewerUserId === l.id)).toHaveLength(3);
      expect(rows.filter((r) => r.reviewerUserId === l.id && r.kind === 'calibration')).toHaveLength(1);
    }
    for (const r of peerRows) expect(authorOf.get(r.submissionId)).not.toBe(r.reviewerUserId);
    for (const id of submissionOf.values()) expect(peerRows.filter((r) => r.submissionId === id)).toHaveLength(3);
    expect(new Set(rows.map((r) => `${r.submissionId}/${r.reviewerUserId}`)).size).toBe(80);
    // Deterministic: the same seed over the same submissions gives the same assignment.
    const again = assignPeerReviews({
      submissions: [...submissionOf].map(([authorId, submissionId]) => ({ submissionId, authorId })),
      reviewers: learners.map((l) => l.id),
      k: 3,
      seed: 'cohort-2026',
      references: refs,
      calibration: 1,
    });
    const pairs = (list: { submissionId: string; reviewerId: string }[]) =>
      list.map((p) => `${p.submissionId}/${p.reviewerId}`).sort();
    expect(pairs(again.peer)).toEqual(pairs(peerRows.map((r) => ({ ...r, reviewerId: r.reviewerUserId }))));
    // A second call has nothing new to assign.
    const second = await assessor.request('POST', `${base()}/peer-assignments`, {});
    expect(((await second.json()) as { assignment: { peerReviews: number } }).assignment.peerReviews).toBe(0);

    // Each reviewer's assignments; calibration first, peer reviews only after it.
    const assignmentsOf = new Map<string, Assignment[]>();
    for (const l of learners) {
      const res = await l.caller.request('GET', '/api/v1/me/reviews');
      const { reviews } = (await res.json()) as { reviews: Assignment[] };
      expect(reviews.map((r) => [r.kind, r.available])).toEqual([
        ['calibration', true],
        ['peer', false],
        ['peer', false],
        ['peer', false],
      ]);
      assignmentsOf.set(l.id, reviews);
    }
    const first = learners[0]!;
    const firstPeer = assignmentsOf.get(first.id)!.find((a) => a.kind === 'peer')!;
    await expectError(
      await first.caller.request('POST', `/api/v1/reviews/${firstPeer.id}`, { levels: TRUE_LEVELS }),
      409,
      'ERR_STATE',
    );

    // Anonymity: a reviewer sees the work, never its author; references never show their levels.
    const seen = await first.caller.request('GET', `/api/v1/submissions/${firstPeer.submissionId}`);
    const seenText = await seen.text();
    expect(seen.status).toBe(200);
    const author = learners.find((l) => l.id === authorOf.get(firstPeer.submissionId))!;
    expect(JSON.parse(seenText)).toMatchObject({ submission: { view: 'reviewer', author: null, grade: null } });
    for (const secret of [author.id, author.email, author.name]) expect(seenText).not.toContain(secret);
    const calibrationOfFirst = assignmentsOf.get(first.id)!.find((a) => a.kind === 'calibration')!;
    const refView = await (
      await first.caller.request('GET', `/api/v1/submissions/${calibrationOfFirst.submissionId}`)
    ).text();
    expect(refView).not.toContain('referenceLevels');
    // Someone not assigned to a submission cannot read it.
    const stranger = learners.find(
      (l) =>
        !peerRows.some((r) => r.reviewerUserId === l.id && r.submissionId === firstPeer.submissionId) &&
        l.id !== author.id,
    )!;
    await expectError(
      await stranger.caller.request('GET', `/api/v1/submissions/${firstPeer.submissionId}`),
      404,
      'ERR_NOT_FOUND',
    );

    // Sloppy reviewers: two calibrated on REF1 (accuracy 0), two on REF2 (accuracy 0.5); everyone else exact (1).
    // Chosen so that two submissions, X and Y, each have exactly one sloppy reviewer, of accuracy 0.
    const calibrationRef = new Map(
      learners.map((l) => [l.id, assignmentsOf.get(l.id)!.find((a) => a.kind === 'calibration')!.submissionId]),
    );
    const onRef = (ref: string) => learners.filter((l) => calibrationRef.get(l.id) === ref).map((l) => l.id);
    const reviewersOf = (submissionId: string) =>
      peerRows.filter((r) => r.submissionId === submissionId).map((r) => r.reviewerUserId);
    const reviewedBy = (reviewer: string) =>
      peerRows.filter((r) => r.reviewerUserId === reviewer).map((r) => r.submissionId);
    const s0 = onRef(refs[0]!)[0]!;
    const x = reviewedBy(s0)[0]!;
    let s1: string | undefined;
    let y: string | undefined;
    for (const candidate of onRef(refs[0]!).filter((id) => id !== s0 && !reviewersOf(x).includes(id))) {
      y = reviewedBy(candidate).find((id) => id !== x && !reviewersOf(id).includes(s0));
      if (y) {
        s1 = candidate;
        break;
      }
    }
    const avoid = new Set([...reviewersOf(x), ...reviewersOf(y!)]);
    const sloppy = new Map<string, number>([
      [s0, 0],
      [s1!, 0],
      ...onRef(refs[1]!)
        .filter((id) => !avoid.has(id))
        .slice(0, 2)
        .map((id) => [id, 0.5] as const),
    ]);
    expect(sloppy.size).toBe(4);
    const weightOf = (learnerId: string) => sloppy.get(learnerId) ?? 1;
    const levelsOf = (learnerId: string) => (sloppy.has(learnerId) ? SLOPPY_LEVELS : TRUE_LEVELS);

    for (const l of learners) {
      for (const a of assignmentsOf.get(l.id)!) {
        const levels =
          a.kind === 'calibration'
            ? sloppy.has(l.id)
              ? SLOPPY_LEVELS
              : referenceLevelsOf.get(a.submissionId)!
            : levelsOf(l.id);
        const res = await l.caller.request('POST', `/api/v1/reviews/${a.id}`, {
          levels,
          comment: 'Looks considered.',
          criterionComments: { quality: 'Numbers check out.' },
        });
        expect(res.status, await res.clone().text()).toBe(201);
      }
      await expectError(
        await l.caller.request('POST', `/api/v1/reviews/${assignmentsOf.get(l.id)![0]!.id}`, { levels: TRUE_LEVELS }),
        409,
        'ERR_STATE',
      );
    }
    expect(
      ((await (await first.caller.request('GET', '/api/v1/me/reviews')).json()) as { reviews: [] }).reviews,
    ).toEqual([]);

    // Each submission: the reviews weighted by calibration accuracy; flagged when a review lies more than 1.5 away.
    const expected = new Map(
      [...submissionOf.values()].map((id) => {
        const reviewers = peerRows.filter((r) => r.submissionId === id).map((r) => r.reviewerUserId);
        return [
          id,
          { reviewers, ...expectedGrade(reviewers.map((r) => ({ levels: levelsOf(r), weight: weightOf(r) }))) },
        ];
      }),
    );
    const flaggedIds = [...expected].filter(([, e]) => e.flagged).map(([id]) => id);
    expect(flaggedIds.length).toBeGreaterThan(0);
    for (const [id, e] of expected) {
      const res = await assessor.request('GET', `${base()}/submissions/${id}`);
      const { submission } = (await res.json()) as {
        submission: {
          state: string;
          flagged: boolean;
          grade: { score: number; percent: number; passed: boolean } | null;
          gradings: { kind: string; grader: { id: string }; weight: number; outlier: boolean; score: number }[];
        };
      };
      expect(submission.flagged).toBe(e.flagged);
      expect(submission.state).toBe(e.flagged ? 'submitted' : 'graded');
      expect(submission.grade).toMatchObject({ score: e.score, percent: e.percent, passed: e.percent >= 70 });
      for (const g of submission.gradings) {
        expect(g.kind).toBe('peer');
        expect(g.weight).toBe(weightOf(g.grader.id));
        expect(g.outlier).toBe(Math.abs(g.score - e.score) > 1.5);
      }
    }

    const flags = (await (await assessor.request('GET', `${base()}/flags`)).json()) as {
      flags: { submissionId: string; reviews: { outlier: boolean }[] }[];
    };
    expect(flags.flags.map((f) => f.submissionId).sort()).toEqual([...flaggedIds].sort());
    for (const f of flags.flags) expect(f.reviews.some((r) => r.outlier)).toBe(true);

    // Calibration weights matter: a submission with one accuracy-0 reviewer gets the accurate reviewers' 6 / 6,
    // where equal weights would give Quality 8/3 → 3 and Presentation 4/3 → 1, 4 / 6.
    const weighted = x;
    expect(flaggedIds).toContain(x);
    expect(flaggedIds).toContain(y);
    expect(
      expectedGrade(expected.get(weighted)!.reviewers.map((r) => ({ levels: levelsOf(r), weight: 1 }))).score,
    ).toBe(4);
    const confirmed = await assessor.request('POST', `${base()}/submissions/${weighted}/confirm`, {});
    expect(confirmed.status, await confirmed.clone().text()).toBe(200);
    const body = (await confirmed.json()) as {
      submission: { state: string; grade: { score: number; percent: number } };
    };
    expect(body.submission).toMatchObject({ state: 'graded', grade: { score: 6, percent: 100 } });
    const outcome = await ctx.db
      .selectFrom('assessmentOutcomes')
      .select(['passed', 'percent', 'evidence'])
      .where('sourceId', '=', weighted)
      .executeTakeFirstOrThrow();
    expect(outcome).toMatchObject({ passed: true, percent: 100, evidence: [{ genre: 'Peer-reviewed project' }] });
    await expectError(
      await assessor.request('POST', `${base()}/submissions/${weighted}/confirm`, {}),
      409,
      'ERR_STATE',
    );

    // An assessor overrides another flagged grade: 4 / 6 = 66.67 %, below the pass mark of 70.
    const overridden = y!;
    const override = await assessor.request('POST', `${base()}/submissions/${overridden}/grades`, {
      levels: { quality: 'q3', presentation: 'p1' },
      comment: 'The reviews disagree; my reading.',
    });
    expect(override.status, await override.clone().text()).toBe(201);
    expect(((await override.json()) as { submission: { grade: unknown } }).submission.grade).toMatchObject({
      score: 4,
      percent: 66.67,
      passed: false,
    });

    // The author sees the reviews, never who wrote them; they appeal, and the upheld appeal changes the grade.
    const owner = learners.find((l) => l.id === authorOf.get(overridden))!;
    const ownView = await owner.caller.request('GET', `/api/v1/submissions/${overridden}`);
    const ownText = await ownView.text();
    const ownBody = JSON.parse(ownText) as { submission: { gradings: { kind: string }[]; grade: { percent: number } } };
    expect(ownBody.submission.grade.percent).toBe(66.67);
    expect(ownBody.submission.gradings.map((g) => g.kind).sort()).toEqual(['assessor', 'peer', 'peer', 'peer']);
    for (const r of expected.get(overridden)!.reviewers) {
      const reviewer = learners.find((l) => l.id === r)!;
      for (const secret of [reviewer.id, reviewer.email, reviewer.name]) expect(ownText).not.toContain(secret);
    }
    const appeal = await owner.caller.request('POST', `/api/v1/submissions/${overridden}/appeals`, {
      reason: 'Two of three reviewers gave full marks.',
    });
    expect(appeal.status, await appeal.clone().text()).toBe(201);
    const appealId = ((await appeal.json()) as { appeal: { id: string } }).appeal.id;
    await expectError(
      await owner.caller.request('POST', `/api/v1/submissions/${overridden}/appeals`, { reason: 'Again.' }),
      409,
      'ERR_STATE',
    );
    const open = (await (await assessor.request('GET', `${base()}/appeals?state=open`)).json()) as {
      appeals: { id: string }[];
    };
    expect(open.appeals.map((a) => a.id)).toEqual([appealId]);
    const upheld = await assessor.request('POST', `${base()}/appeals/${appealId}/resolve`, {
      decision: 'uphold',
      levels: TRUE_LEVELS,
      resolution: 'Full marks on review.',
    });
    expect(upheld.status, await upheld.clone().text()).toBe(200);
    expect(((await upheld.json()) as { submission: { grade: unknown } }).submission.grade).toMatchObject({
      score: 6,
      percent: 100,
      passed: true,
    });
    const appealed = await ctx.db
      .selectFrom('assessmentOutcomes')
      .select(['passed', 'percent'])
      .where('sourceId', '=', overridden)
      .executeTakeFirstOrThrow();
    expect(appealed).toEqual({ passed: true, percent: 100 });

    // Every learner whose final grade passes holds the credential, with the rubric levels as results; no one else.
    const passedLearners = await ctx.db
      .selectFrom('assessmentOutcomes')
      .select('learnerUserId')
      .where('assessmentId', '=', assessmentId)
      .where('passed', '=', true)
      .execute();
    const holders = await ctx.db
      .selectFrom('credentials')
      .select('holderUserId')
      .where('achievementId', '=', achievementId)
      .execute();
    expect(holders.map((h) => h.holderUserId).sort()).toEqual(passedLearners.map((p) => p.learnerUserId).sort());
    expect(holders.map((h) => h.holderUserId)).toContain(owner.id);
    const held = (await (await owner.caller.request('GET', '/api/v1/me/credentials')).json()) as {
      credentials: { document: { credentialSubject: { result: { achievedLevel?: string; value?: string }[] } } }[];
    };
    expect(held.credentials).toHaveLength(1);
    const results = held.credentials[0]!.document.credentialSubject.result;
    expect(results[0]!.value).toBe('100');
    expect(results.slice(1).map((r) => r.achievedLevel!.replace(/^.*#/, ''))).toEqual([
      'result-2-level-5',
      'result-3-level-3',
    ]);

    // Agreement among peers: a pair agrees exactly when both reviewers are accurate or both sloppy; their levels are
    // never adjacent otherwise (q0 vs q4, p0 vs p2).
    let agreeing = 0;
    for (const e of expected.values()) {
      const kinds = e.reviewers.map((r) => sloppy.has(r));
      for (let i = 0; i < 3; i++) for (let j = i + 1; j < 3; j++) if (kinds[i] === kinds[j]) agreeing++;
    }
    const report = (await (await assessor.request('GET', `${base()}/agreement`)).json()) as {
      agreement: {
        raters: string;
        submissions: number;
        criteria: { pairs: number; exactAgreement: number; adjacentAgreement: number }[];
      };
    };
    expect(report.agreement.raters).toBe('peer');
    expect(report.agreement.submissions).toBe(20);
    for (const c of report.agreement.criteria) {
      expect(c.pairs).toBe(60);
      expect(c.exactAgreement).toBe(Math.round((agreeing / 60) * 10_000) / 10_000);
      expect(c.adjacentAgreement).toBe(c.exactAgreement);
    }
  });

  it("without anonymity reviewers see the author's name (authors never see reviewers); no calibration: equal weights", async () => {
    const created = await issuer.request('POST', `/api/v1/orgs/${orgId}/assessments`, {
      kind: 'peer_review',
      title: 'Open peer review',
      settings: { rubric: RUBRIC, passMark: 50, reviewsPerSubmission: 2, anonymous: false },
    });
    const id = ((await created.json()) as { assessment: { id: string } }).assessment.id;
    const path = `/api/v1/orgs/${orgId}/assessments/${id}`;
    await issuer.request('POST', `${path}/open`);
    const trio = learners.slice(0, 3);
    const submissions: string[] = [];
    for (const l of trio) {
      const res = await l.caller.request('POST', `/api/v1/assessments/${id}/submissions`, {
        text: `Open work of ${l.name}`,
      });
      submissions.push(((await res.json()) as { submission: { id: string } }).submission.id);
    }
    // Two reviews each among three learners: everyone reviews the two others. No seed given: one is drawn.
    const assigned = (await (await assessor.request('POST', `${path}/peer-assignments`, {})).json()) as {
      assignment: { seed: string; peerReviews: number; load: { min: number; max: number } };
    };
    expect(assigned.assignment).toMatchObject({ peerReviews: 6, load: { min: 2, max: 2 } });
    expect(assigned.assignment.seed).toMatch(/^[\w-]{16}$/);
    const levelsBy = [
      { quality: 'q3', presentation: 'p1' },
      { quality: 'q4', presentation: 'p2' },
      { quality: 'q4', presentation: 'p2' },
    ];
    for (const [i, l] of trio.entries()) {
      const { reviews } = (await (await l.caller.request('GET', '/api/v1/me/reviews')).json()) as {
        reviews: Assignment[];
      };
      const mine = reviews.filter((r) => submissions.includes(r.submissionId));
      expect(mine.map((r) => [r.kind, r.available])).toEqual([
        ['peer', true],
        ['peer', true],
      ]);
      for (const r of mine) {
        const view = (await (await l.caller.request('GET', `/api/v1/submissions/${r.submissionId}`)).json()) as {
          submission: { view: string; author: unknown };
        };
        const author = trio[submissions.indexOf(r.submissionId)]!;
        expect(view.submission).toMatchObject({ view: 'reviewer', author: { name: author.name } });
        expect(view.submission.author).not.toHaveProperty('email');
        const res = await l.caller.request('POST', `/api/v1/reviews/${r.id}`, { levels: levelsBy[i]! });
        expect(res.status, await res.clone().text()).toBe(201);
      }
    }
    // Learner 0's work, reviewed by learners 1 and 2 (both q4 p2): 6 / 6, final. Learners 1 and 2 each got learner 0's
    // q3 p1 (4 points) and a q4 p2 (6): Quality 3.5 → 4, Presentation 1.5 → 2, grade 6; the 4 lies 2 > 1.5 points
    // away: flagged.
    const own = await trio[1]!.caller.request('GET', `/api/v1/submissions/${submissions[1]}`);
    const ownText = await own.text();
    for (const reviewer of [trio[0]!, trio[2]!]) {
      for (const secret of [reviewer.id, reviewer.email, reviewer.name]) expect(ownText).not.toContain(secret);
    }
    const staff = (await (await assessor.request('GET', `${path}/submissions/${submissions[0]}`)).json()) as {
      submission: { state: string; grade: { percent: number }; gradings: { weight: number; outlier: boolean }[] };
    };
    expect(staff.submission).toMatchObject({ state: 'graded', grade: { percent: 100 } });
    expect(staff.submission.gradings.map((g) => [g.weight, g.outlier])).toEqual([
      [1, false],
      [1, false],
    ]);
    const flags = (await (await assessor.request('GET', `${path}/flags`)).json()) as {
      flags: { submissionId: string }[];
    };
    expect(flags.flags.map((f) => f.submissionId).sort()).toEqual([submissions[1], submissions[2]].sort());
  });
});
