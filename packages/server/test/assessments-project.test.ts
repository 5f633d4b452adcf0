import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, databaseTargets, type TestContext } from './helpers/context.js';
import { expectError } from './helpers/errors.js';
import { createSampleAchievement, createUser, member, sessionFor, type Caller } from './helpers/fixtures.js';

/** Rubric: Analysis 0–3 (l1–l4), Clarity 0–2 (l1–l3); max score 5. */
const RUBRIC = {
  criteria: [
    {
      id: 'analysis',
      name: 'Analysis',
      levels: [
        { name: 'Missing', points: 0 },
        { name: 'Basic', points: 1 },
        { name: 'Sound', points: 2 },
        { name: 'Insightful', points: 3 },
      ],
    },
    {
      id: 'clarity',
      name: 'Clarity',
      levels: [
        { name: 'Unclear', points: 0 },
        { name: 'Readable', points: 1 },
        { name: 'Clear', points: 2 },
      ],
    },
  ],
};

const PDF = new TextEncoder().encode('%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n');
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);

interface SubmissionBody {
  submission: {
    id: string;
    number: number;
    state: string;
    view: string;
    author: unknown;
    files: { id: string; name: string; mediaType: string; size: number; sha256: string }[];
    grade: { percent: number; passed: boolean; score: number; levels: { criterionId: string; level: string }[] } | null;
    gradings?: Record<string, unknown>[];
  };
  awards?: unknown[];
}

const form = (
  fields: Record<string, string>,
  files: { name: string; type: string; bytes: Uint8Array<ArrayBuffer> }[],
) => {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) f.append(k, v);
  for (const file of files) f.append('files', new File([file.bytes], file.name, { type: file.type }));
  return f;
};

describe.each(databaseTargets())('projects on $name', (target) => {
  let ctx: TestContext;
  let orgId: string;
  let issuer: Caller;
  let assessor1: Caller;
  let assessor2: Caller;
  let outsider: Caller;
  let assessmentId: string;
  let achievementId: string;
  const learners: Record<'a' | 'b' | 'c', { id: string; email: string; caller: Caller }> = {} as never;

  beforeAll(async () => {
    ctx = await createTestContext(target);
    const owner = await member(ctx, 'issuer');
    orgId = owner.orgId;
    issuer = owner.caller;
    assessor1 = (await member(ctx, 'assessor', orgId)).caller;
    assessor2 = (await member(ctx, 'assessor', orgId)).caller;
    outsider = (await member(ctx, 'owner')).caller; // staff of another organisation
    for (const key of ['a', 'b', 'c'] as const) {
      const user = await createUser(ctx, { kind: 'learner', name: `Learner ${key.toUpperCase()}` });
      learners[key] = { id: user.id, email: user.email, caller: await sessionFor(ctx, user.id) };
    }
    ({ achievementId } = await createSampleAchievement(ctx, orgId, { name: 'SQL Analysis Project' }));
    const created = await issuer.request('POST', `/api/v1/orgs/${orgId}/assessments`, {
      kind: 'project',
      title: 'SQL analysis project',
      achievementId,
      settings: {
        rubric: RUBRIC,
        passMark: 60,
        assessorsPerSubmission: 2,
        maxSubmissions: 2,
        files: { maxFiles: 2, maxBytes: 1024, mediaTypes: ['application/pdf', 'text/plain'] },
      },
    });
    expect(created.status, await created.clone().text()).toBe(201);
    assessmentId = ((await created.json()) as { assessment: { id: string } }).assessment.id;
  });
  afterAll(() => ctx?.close());

  let minutes = 0;
  const submit = (who: Caller, body: unknown) => {
    ctx.setNow(new Date(Date.parse('2026-06-01T12:00:00Z') + ++minutes * 60_000));
    return who.request('POST', `/api/v1/assessments/${assessmentId}/submissions`, body);
  };
  const grade = (who: Caller, submissionId: string, levels: Record<string, string>, comment?: string) =>
    who.request('POST', `/api/v1/orgs/${orgId}/assessments/${assessmentId}/submissions/${submissionId}/grades`, {
      levels,
      ...(comment && { comment }),
    });
  const gradeBoth = async (id: string, first: [string, string], second: [string, string]) => {
    const r1 = await grade(assessor1, id, { analysis: first[0], clarity: first[1] }, 'First reading.');
    expect(r1.status, await r1.clone().text()).toBe(201);
    expect(((await r1.json()) as SubmissionBody).submission.state).toBe('submitted');
    const r2 = await grade(assessor2, id, { analysis: second[0], clarity: second[1] });
    expect(r2.status, await r2.clone().text()).toBe(201);
    return (await r2.json()) as SubmissionBody;
  };

  it('a project from authoring to grade: two assessors, a failed submission, a resubmission that passes, agreement', async () => {
    // A draft is not there for learners.
    await expectError(await submit(learners.a.caller, { text: 'early' }), 404, 'ERR_NOT_FOUND');
    expect((await issuer.request('POST', `/api/v1/orgs/${orgId}/assessments/${assessmentId}/open`)).status).toBe(200);

    // A submits text, a link and a PDF.
    const first = await submit(
      learners.a.caller,
      form({ text: 'My analysis of the sales data.', links: 'https://example.org/notebook' }, [
        { name: 'report.pdf', type: 'application/pdf', bytes: PDF },
      ]),
    );
    expect(first.status, await first.clone().text()).toBe(201);
    const a1 = ((await first.json()) as SubmissionBody).submission;
    expect(a1).toMatchObject({ number: 1, state: 'submitted', view: 'owner', grade: null });
    expect(a1.files).toEqual([
      {
        id: expect.any(String),
        name: 'report.pdf',
        mediaType: 'application/pdf',
        size: PDF.length,
        sha256: createHash('sha256').update(PDF).digest('hex'),
      },
    ]);
    // One submission awaits its grade at a time.
    await expectError(await submit(learners.a.caller, { text: 'again' }), 409, 'ERR_STATE');

    // The file, served safely to its author.
    const file = await learners.a.caller.request('GET', `/api/v1/submissions/${a1.id}/files/${a1.files[0]!.id}`);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('application/pdf');
    expect(file.headers.get('content-disposition')).toBe(
      `attachment; filename="report.pdf"; filename*=UTF-8''report.pdf`,
    );
    expect(file.headers.get('x-content-type-options')).toBe('nosniff');
    expect(new Uint8Array(await file.arrayBuffer())).toEqual(PDF);

    // Two assessors: Analysis 1 and 0 → 0.5 → halfway → Basic (1); Clarity 0 and 1 → Readable (1): 2 / 5 = 40 % → fail.
    const graded1 = await gradeBoth(a1.id, ['l2', 'l1'], ['l1', 'l2']);
    expect(graded1.submission.state).toBe('graded');
    expect(graded1.submission.grade).toMatchObject({ score: 2, percent: 40, passed: false });
    // An assessor grades once; a graded submission changes only by appeal.
    await expectError(await grade(assessor1, a1.id, { analysis: 'l4', clarity: 'l3' }), 409, 'ERR_STATE');

    // The author sees the grade and the comments, never who graded.
    const own = (await (
      await learners.a.caller.request('GET', `/api/v1/submissions/${a1.id}`)
    ).json()) as SubmissionBody;
    expect(own.submission.grade?.levels.map((l) => l.level)).toEqual(['Basic', 'Readable']);
    expect(own.submission.gradings).toHaveLength(2);
    for (const g of own.submission.gradings!) {
      expect(g).not.toHaveProperty('grader');
      expect(g).not.toHaveProperty('id');
    }
    expect(own.submission.gradings!.map((g) => g['comment'])).toContain('First reading.');

    // After a failed grade, a resubmission: Analysis 2 and 1 → 1.5 → Sound (2); Clarity 2 and 2 → 4 / 5 = 80 % → pass.
    const second = await submit(learners.a.caller, { text: 'Revised analysis with a cohort breakdown.' });
    expect(second.status).toBe(201);
    const a2 = ((await second.json()) as SubmissionBody).submission;
    expect(a2.number).toBe(2);
    const graded2 = await gradeBoth(a2.id, ['l3', 'l3'], ['l2', 'l3']);
    expect(graded2.submission.grade).toMatchObject({ score: 4, percent: 80, passed: true });
    expect(graded2.submission.grade!.levels.map((l) => [l.criterionId, l.level])).toEqual([
      ['analysis', 'Sound'],
      ['clarity', 'Clear'],
    ]);
    // Passed: no more submissions.
    await expectError(await submit(learners.a.caller, { text: 'third' }), 409, 'ERR_STATE');

    // The award engine issued the credential with the grade: the achievement (version 2, which opening the project
    // gave its ResultDescriptions) carries the percent and each criterion's level as a RubricCriterionLevel result.
    expect(graded2.awards).toEqual([expect.objectContaining({ achievementId })]);
    const held = (await (await learners.a.caller.request('GET', '/api/v1/me/credentials')).json()) as {
      credentials: { document: { credentialSubject: Record<string, unknown>; evidence?: unknown[] } }[];
    };
    expect(held.credentials).toHaveLength(1);
    const document = held.credentials[0]!.document;
    const version = `https://skillproof.test/achievements/${achievementId}/versions/2`;
    expect(document.credentialSubject['result']).toEqual([
      { type: ['Result'], resultDescription: `${version}#result-1`, value: '80' },
      { type: ['Result'], resultDescription: `${version}#result-2`, achievedLevel: `${version}#result-2-level-3` },
      { type: ['Result'], resultDescription: `${version}#result-3`, achievedLevel: `${version}#result-3-level-3` },
    ]);
    const achievement = document.credentialSubject['achievement'] as {
      resultDescription: {
        id: string;
        name: string;
        resultType: string;
        rubricCriterionLevel?: { id: string; name: string }[];
      }[];
    };
    expect(achievement.resultDescription.map((r) => [r.id, r.name, r.resultType])).toEqual([
      [`${version}#result-1`, 'SQL analysis project', 'Percent'],
      [`${version}#result-2`, 'SQL analysis project: Analysis', 'RubricCriterionLevel'],
      [`${version}#result-3`, 'SQL analysis project: Clarity', 'RubricCriterionLevel'],
    ]);
    expect(achievement.resultDescription[1]!.rubricCriterionLevel![2]).toMatchObject({
      id: `${version}#result-2-level-3`,
      name: 'Sound',
    });
    expect(document.evidence).toEqual([expect.objectContaining({ genre: 'Project', name: 'SQL analysis project' })]);

    // The outcome the award engine reads, recorded with the grade: percent, one rubric result per criterion, evidence.
    const outcome = await ctx.db
      .selectFrom('assessmentOutcomes')
      .selectAll()
      .where('sourceId', '=', a2.id)
      .executeTakeFirstOrThrow();
    expect(outcome).toMatchObject({ learnerUserId: learners.a.id, source: 'submission', passed: true, percent: 80 });
    expect(outcome.results).toEqual([
      { type: 'percent', value: 80 },
      { type: 'rubric', criterion: 'Analysis', level: 'Sound', points: 2 },
      { type: 'rubric', criterion: 'Clarity', level: 'Clear', points: 2 },
    ]);
    expect(outcome.evidence).toEqual([
      {
        id: `https://skillproof.test/assessments/${assessmentId}`,
        name: 'SQL analysis project',
        genre: 'Project',
        narrative:
          'Submission 2 (text of 41 characters), graded 80% (4 of 5 points, passed) by 2 assessors (mean per criterion, nearest level).',
      },
    ]);
    const failed = await ctx.db
      .selectFrom('assessmentOutcomes')
      .select(['passed', 'percent'])
      .where('sourceId', '=', a1.id)
      .executeTakeFirstOrThrow();
    expect(failed).toEqual({ passed: false, percent: 40 });

    // B: fails twice (0 %, then 20 %), and has no third submission.
    const b1 = ((await (await submit(learners.b.caller, { text: 'First try' })).json()) as SubmissionBody).submission;
    expect((await gradeBoth(b1.id, ['l1', 'l1'], ['l1', 'l1'])).submission.grade).toMatchObject({ percent: 0 });
    const b2 = ((await (await submit(learners.b.caller, { text: 'Second try' })).json()) as SubmissionBody).submission;
    expect((await gradeBoth(b2.id, ['l2', 'l1'], ['l2', 'l1'])).submission.grade).toMatchObject({ percent: 20 });
    await expectError(await submit(learners.b.caller, { text: 'Third try' }), 409, 'ERR_ATTEMPT_LIMIT');

    // Agreement over the four doubly graded submissions, by hand:
    // Analysis positions [1,0] [2,1] [0,0] [1,1]: exact 2/4, adjacent 4/4; interval α = 1 − 7·4/56 = 0.5;
    //   ordinal (margins 3, 4, 1): δ²₀₁ = 12.25, δ²₁₂ = 6.25, δ²₀₂ = 36 → α = 1 − 7·37/560 = 0.5375.
    // Clarity [0,1] [2,2] [0,0] [0,0]: exact 3/4; interval α = 1 − 7·2/94 = 0.8511; ordinal (5, 1, 2) α = 1 − 7·18/504 = 0.75.
    // Scores [1,1] [4,3] [0,0] [1,1]: interval α = 1 − 7·2/222 = 0.9369.
    const report = await assessor1.request('GET', `/api/v1/orgs/${orgId}/assessments/${assessmentId}/agreement`);
    expect(report.status).toBe(200);
    expect(((await report.json()) as { agreement: unknown }).agreement).toEqual({
      raters: 'assessor',
      submissions: 4,
      criteria: [
        {
          criterionId: 'analysis',
          name: 'Analysis',
          pairs: 4,
          exactAgreement: 0.5,
          adjacentAgreement: 1,
          alphaOrdinal: 0.5375,
          alphaInterval: 0.5,
        },
        {
          criterionId: 'clarity',
          name: 'Clarity',
          pairs: 4,
          exactAgreement: 0.75,
          adjacentAgreement: 1,
          alphaOrdinal: 0.75,
          alphaInterval: 0.8511,
        },
      ],
      score: { alphaInterval: 0.9369 },
    });

    // The grading queue and the learner's own list.
    const queue = await assessor2.request(
      'GET',
      `/api/v1/orgs/${orgId}/assessments/${assessmentId}/submissions?limit=2`,
    );
    const page = (await queue.json()) as { submissions: { id: string }[]; nextCursor: string | null };
    expect(page.submissions.map((s) => s.id)).toEqual([a1.id, a2.id]);
    expect(page.nextCursor).not.toBeNull();
    const mine = (await (await learners.a.caller.request('GET', '/api/v1/me/submissions')).json()) as {
      submissions: { id: string; grade: { percent: number } | null }[];
    };
    expect(mine.submissions.map((s) => [s.id, s.grade?.percent])).toEqual([
      [a2.id, 80],
      [a1.id, 40],
    ]);

    // Cheating surface: B cannot read A's submission, its file or its grade; nor can another organisation's staff.
    for (const caller of [learners.b.caller, outsider]) {
      await expectError(await caller.request('GET', `/api/v1/submissions/${a1.id}`), 404, 'ERR_NOT_FOUND');
      await expectError(
        await caller.request('GET', `/api/v1/submissions/${a1.id}/files/${a1.files[0]!.id}`),
        404,
        'ERR_NOT_FOUND',
      );
      await expectError(
        await caller.request('POST', `/api/v1/submissions/${a2.id}/appeals`, { reason: 'mine now' }),
        404,
        'ERR_NOT_FOUND',
      );
    }
    await expectError(
      await outsider.request('GET', `/api/v1/orgs/${orgId}/assessments/${assessmentId}/submissions/${a1.id}`),
      404,
      'ERR_NOT_FOUND',
    );
    const bList = (await (await learners.b.caller.request('GET', '/api/v1/me/submissions')).json()) as {
      submissions: { id: string }[];
    };
    expect(bList.submissions.map((s) => s.id)).toEqual([b2.id, b1.id]);
    // The organisation's assessors read it, with its author.
    const staffView = (await (await assessor2.request('GET', `/api/v1/submissions/${a1.id}`)).json()) as SubmissionBody;
    expect(staffView.submission.view).toBe('staff');
    expect(staffView.submission.author).toMatchObject({ id: learners.a.id, email: learners.a.email });

    const credentialsOf = async (who: Caller) =>
      ((await (await who.request('GET', '/api/v1/me/credentials')).json()) as { credentials: unknown[] }).credentials;
    expect(await credentialsOf(learners.b.caller)).toEqual([]);

    // An appeal: one open at a time; upheld with new levels → a new grade and outcome.
    const appeal = await learners.b.caller.request('POST', `/api/v1/submissions/${b2.id}/appeals`, {
      reason: 'My clarity was better than Unclear.',
    });
    expect(appeal.status).toBe(201);
    const appealId = ((await appeal.json()) as { appeal: { id: string } }).appeal.id;
    await expectError(
      await learners.b.caller.request('POST', `/api/v1/submissions/${b2.id}/appeals`, { reason: 'again' }),
      409,
      'ERR_STATE',
    );
    const resolved = await assessor1.request(
      'POST',
      `/api/v1/orgs/${orgId}/assessments/${assessmentId}/appeals/${appealId}/resolve`,
      { decision: 'uphold', levels: { analysis: 'l3', clarity: 'l2' }, resolution: 'Clarity is Readable.' },
    );
    expect(resolved.status, await resolved.clone().text()).toBe(200);
    const after = (await resolved.json()) as { appeal: { state: string }; submission: SubmissionBody['submission'] };
    expect(after.appeal.state).toBe('upheld');
    expect(after.submission.grade).toMatchObject({ score: 3, percent: 60, passed: true });
    const reOutcome = await ctx.db
      .selectFrom('assessmentOutcomes')
      .select(['passed', 'percent'])
      .where('sourceId', '=', b2.id)
      .executeTakeFirstOrThrow();
    expect(reOutcome).toEqual({ passed: true, percent: 60 });
    // B had no credential while failing; the upheld appeal earned it.
    expect((after as { awards?: unknown[] }).awards).toEqual([expect.objectContaining({ achievementId })]);
    expect(await credentialsOf(learners.b.caller)).toHaveLength(1);
    await expectError(
      await assessor1.request('POST', `/api/v1/orgs/${orgId}/assessments/${assessmentId}/appeals/${appealId}/resolve`, {
        decision: 'reject',
      }),
      409,
      'ERR_STATE',
    );
  });

  it('file limits: count, size and type (declared and by content), with nothing stored when anything fails', async () => {
    const c = learners.c.caller;
    const pdf = { name: 'a.pdf', type: 'application/pdf', bytes: PDF };
    await expectError(await submit(c, form({}, [pdf, pdf, pdf])), 400, 'ERR_VALIDATION');
    const big = new Uint8Array(1025).fill(0x41);
    big.set(PDF.subarray(0, 5));
    await expectError(await submit(c, form({ text: 'x' }, [pdf, { ...pdf, bytes: big }])), 413, 'ERR_FILE_TOO_LARGE');
    await expectError(
      await submit(c, form({}, [{ name: 'a.png', type: 'image/png', bytes: PNG }])),
      415,
      'ERR_FILE_TYPE',
    );
    // Declared PDF, but a PNG inside; declared text, but binary.
    await expectError(await submit(c, form({}, [{ ...pdf, bytes: PNG }])), 415, 'ERR_FILE_TYPE');
    await expectError(
      await submit(c, form({}, [{ name: 'a.txt', type: 'text/plain', bytes: new Uint8Array([0x41, 0, 0x42]) }])),
      415,
      'ERR_FILE_TYPE',
    );
    await expectError(await submit(c, form({ notes: 'x' }, [])), 400, 'ERR_VALIDATION');
    await expectError(await submit(c, {}), 400, 'ERR_VALIDATION');
    await expectError(await submit(c, { links: ['javascript:alert(1)'] }), 400, 'ERR_VALIDATION');
    const stored = await ctx.db
      .selectFrom('submissions')
      .select('id')
      .where('learnerUserId', '=', learners.c.id)
      .execute();
    expect(stored).toEqual([]);
    // Text files are accepted by content; the limit is per file.
    const ok = await submit(
      c,
      form({ text: 'notes' }, [
        pdf,
        { name: '../../notes.txt', type: 'text/plain; charset=utf-8', bytes: new TextEncoder().encode('ok\n') },
      ]),
    );
    expect(ok.status, await ok.clone().text()).toBe(201);
    const files = ((await ok.json()) as SubmissionBody).submission.files;
    expect(files.map((f) => [f.name, f.mediaType])).toEqual([
      ['a.pdf', 'application/pdf'],
      ['notes.txt', 'text/plain'],
    ]);
    const total = await ctx.db
      .selectFrom('submissionFiles as f')
      .innerJoin('submissions as s', 's.id', 'f.submissionId')
      .select('f.id')
      .where('s.learnerUserId', '=', learners.c.id)
      .execute();
    expect(total).toHaveLength(2);
  });

  it('a closed project takes no submissions; a quiz id is no project', async () => {
    const other = await issuer.request('POST', `/api/v1/orgs/${orgId}/assessments`, {
      kind: 'project',
      title: 'Closed project',
      settings: { rubric: RUBRIC, passMark: 50 },
    });
    const id = ((await other.json()) as { assessment: { id: string } }).assessment.id;
    await issuer.request('POST', `/api/v1/orgs/${orgId}/assessments/${id}/open`);
    await issuer.request('POST', `/api/v1/orgs/${orgId}/assessments/${id}/close`);
    await expectError(
      await learners.c.caller.request('POST', `/api/v1/assessments/${id}/submissions`, { text: 'late' }),
      409,
      'ERR_ASSESSMENT_CLOSED',
    );
    // Assessors cannot grade what is not in this assessment.
    await expectError(await grade(assessor1, id, { analysis: 'l1', clarity: 'l1' }), 404, 'ERR_NOT_FOUND');
  });
});
