import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeTable } from '../src/http/route.js';
import { createTestContext, databaseTargets, type TestContext } from './helpers/context.js';
import { createUser, member, sessionFor, type Caller } from './helpers/fixtures.js';

/**
 * Tenants never see each other's earning data: organisation A's owner calls every organisation route that names an
 * object (an assessment, a question, a submission, an appeal, an achievement's award rule, a webhook secret, an
 * endorsement) with A's id in the path and organisation B's objects after it. Every call must fail (404, or 400 for a
 * body the route refuses before looking anything up), change nothing of B's, and answer without any of B's content.
 */
describe.each(databaseTargets())('earning routes keep tenants apart, on $name', (target) => {
  let ctx: TestContext;
  let a: { caller: Caller; orgId: string };
  let b: { caller: Caller; orgId: string };
  const ids: Record<string, string[]> = {};
  const SECRETS = ['B-quiz-title-7c1f', 'B-question-prompt-7c1f', 'B-project-title-7c1f', 'B-submission-text-7c1f'];

  async function ok<T>(res: Promise<Response>, status = 200): Promise<T> {
    const r = await res;
    const text = await r.text();
    expect(r.status, text).toBe(status);
    return JSON.parse(text) as T;
  }

  beforeAll(async () => {
    ctx = await createTestContext(target);
    a = await member(ctx, 'owner');
    b = await member(ctx, 'owner');
    const orgB = `/api/v1/orgs/${b.orgId}`;
    const { achievement } = await ok<{ achievement: { id: string } }>(
      b.caller.request('POST', `${orgB}/achievements`, {
        name: 'B achievement',
        description: 'Belongs to B.',
        criteria: { narrative: 'B only.' },
      }),
      201,
    );
    const { assessment: quiz } = await ok<{ assessment: { id: string } }>(
      b.caller.request('POST', `${orgB}/assessments`, {
        kind: 'quiz',
        title: SECRETS[0],
        achievementId: achievement.id,
        settings: { passMark: 50 },
      }),
      201,
    );
    const { question } = await ok<{ question: { id: string } }>(
      b.caller.request('POST', `${orgB}/assessments/${quiz.id}/questions`, {
        type: 'true_false',
        prompt: SECRETS[1],
        points: 1,
        correct: true,
      }),
      201,
    );
    const { assessment: project } = await ok<{ assessment: { id: string } }>(
      b.caller.request('POST', `${orgB}/assessments`, {
        kind: 'project',
        title: SECRETS[2],
        settings: {
          passMark: 50,
          rubric: {
            criteria: [
              {
                name: 'Work',
                levels: [
                  { name: 'Weak', points: 0 },
                  { name: 'Strong', points: 1 },
                ],
              },
            ],
          },
        },
      }),
      201,
    );
    await ok(b.caller.request('POST', `${orgB}/assessments/${project.id}/open`));
    const learner = await createUser(ctx, { kind: 'learner' });
    const { submission } = await ok<{ submission: { id: string } }>(
      (await sessionFor(ctx, learner.id)).request('POST', `/api/v1/assessments/${project.id}/submissions`, {
        text: SECRETS[3],
      }),
      201,
    );
    await ok(
      b.caller.request('PUT', `${orgB}/achievements/${achievement.id}/award-rule`, {
        rule: { type: 'assessment', assessmentId: quiz.id },
      }),
    );
    const { secret } = await ok<{ secret: { id: string } }>(b.caller.request('POST', `${orgB}/webhook-secrets`), 201);
    const other = await member(ctx, 'owner');
    const { achievement: otherAchievement } = await ok<{ achievement: { id: string } }>(
      other.caller.request('POST', `/api/v1/orgs/${other.orgId}/achievements`, {
        name: 'Endorsed',
        description: 'Endorsed by B.',
        criteria: { narrative: 'Anything.' },
      }),
      201,
    );
    const { endorsement } = await ok<{ endorsement: { id: string } }>(
      b.caller.request('POST', `${orgB}/endorsements`, {
        target: { achievementId: otherAchievement.id },
        comment: 'B endorses this.',
      }),
      201,
    );
    Object.assign(ids, {
      assessmentId: [quiz.id, project.id],
      questionId: [question.id],
      submissionId: [submission.id],
      achievementId: [achievement.id],
      secretId: [secret.id],
      endorsementId: [endorsement.id],
    });
  });
  afterAll(() => ctx?.close());

  it("every organisation route naming one of B's objects answers A's owner with 404 (or 400), revealing nothing", async () => {
    const routes = routeTable().filter(
      (r) => r.path.startsWith('/api/v1/orgs/:orgId/') && /:(?!orgId)\w+/.test(r.path),
    );
    const named = new Set(routes.flatMap((r) => [...r.path.matchAll(/:(\w+)/g)].map((m) => m[1]!)));
    // Only the ids this suite made: an unknown parameter would be a route it does not cover.
    const earning = routes.filter((r) => [...named].some((n) => n in ids && r.path.includes(`:${n}`)));
    expect(earning.length).toBeGreaterThan(30);
    const failures: string[] = [];
    for (const r of earning) {
      const params = [...r.path.matchAll(/:(\w+)/g)].map((m) => m[1]!).filter((n) => n !== 'orgId');
      if (params.some((p) => !(p in ids))) continue;
      // Each combination of B's ids for the route's parameters (an assessment route is tried with the quiz and the project).
      let paths = [r.path.replace(':orgId', a.orgId)];
      for (const p of params) paths = paths.flatMap((path) => ids[p]!.map((id) => path.replace(`:${p}`, id)));
      for (const path of paths) {
        const res = await a.caller.request(
          r.method,
          path,
          r.method === 'GET' || r.method === 'DELETE' ? undefined : {},
        );
        const text = await res.text();
        if (![400, 404].includes(res.status)) failures.push(`${r.method} ${path}: ${res.status} ${text.slice(0, 200)}`);
        for (const secret of SECRETS) if (text.includes(secret)) failures.push(`${r.method} ${path} shows ${secret}`);
      }
    }
    expect(failures).toEqual([]);
    // B's objects are as they were.
    const orgB = `/api/v1/orgs/${b.orgId}`;
    for (const id of ids['assessmentId']!) {
      const { assessment } = await ok<{ assessment: { archived: boolean } }>(
        b.caller.request('GET', `${orgB}/assessments/${id}`),
      );
      expect(assessment.archived).toBe(false);
    }
    await ok(b.caller.request('GET', `${orgB}/achievements/${ids['achievementId']![0]}/award-rule`));
    const { endorsements } = await ok<{ endorsements: { id: string; revoked?: boolean; revokedAt?: string | null }[] }>(
      b.caller.request('GET', `${orgB}/endorsements`),
    );
    expect(endorsements.find((e) => e.id === ids['endorsementId']![0])).toMatchObject({ id: ids['endorsementId']![0] });
    expect(endorsements[0]!.revokedAt ?? null).toBeNull();
  });
});
