import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueNextBatchChunk } from '../src/domains/batches/issuance.js';
import { openDatabase, type AppDeps, type DatabaseHandle } from '../src/index.js';
import { startJobRunner } from '../src/jobs/runner.js';
import { createTestContext, databaseTargets, type TestContext } from './helpers/context.js';
import { issuerWithAchievement } from './helpers/fixtures.js';

/**
 * Two job runners on one database share a batch. On PostgreSQL each has its own connection pool, as two server
 * processes would; on PGlite (one connection) they interleave on it. Either way no row is issued twice.
 */
describe.each(databaseTargets())('two job runners on one $name database', (target) => {
  let ctx: TestContext;
  let second: DatabaseHandle | undefined;
  let otherDeps: AppDeps;

  beforeAll(async () => {
    ctx = await createTestContext(target);
    if (target.url) {
      const { rows } = await sql<{ schema: string }>`SELECT current_schema() AS schema`.execute(ctx.db);
      second = await openDatabase({ url: target.url, schema: rows[0]!.schema, poolSize: 4 });
      otherDeps = { ...ctx.deps, db: second.db };
    } else {
      otherDeps = ctx.deps;
    }
  });
  afterAll(async () => {
    await second?.close();
    await ctx.close();
  });

  it('issue one batch together, each row exactly once', async () => {
    const { orgId, caller, achievementId } = await issuerWithAchievement(ctx);
    const rows = 600;
    const csv = 'email\n' + Array.from({ length: rows }, (_, i) => `c${i}@example.org`).join('\n');
    const res = await ctx.app.request(`/api/v1/orgs/${orgId}/batches?achievementId=${achievementId}`, {
      method: 'POST',
      headers: { ...caller.headers, 'content-type': 'text/csv' },
      body: csv,
    });
    const { batch } = (await res.json()) as { batch: { id: string } };

    const chunks = [0, 0];
    const runners = [ctx.deps, otherDeps].map((deps, i) =>
      startJobRunner({
        step: async () => {
          const worked = await issueNextBatchChunk(deps, { chunkSize: 15 });
          if (worked) chunks[i]!++;
          return worked;
        },
        logger: deps.logger,
        pollMs: 10,
      }),
    );
    try {
      expect((await caller.request('POST', `/api/v1/orgs/${orgId}/batches/${batch.id}/confirm`)).status).toBe(202);
      let status = '';
      for (let i = 0; i < 600 && status !== 'completed'; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        status = (
          await ctx.db.selectFrom('batches').select('status').where('id', '=', batch.id).executeTakeFirstOrThrow()
        ).status;
      }
      expect(status).toBe('completed');
    } finally {
      await Promise.all(runners.map((r) => r.stop()));
    }
    // Both took part (40 chunks of 15, and a step that completes the batch).
    expect(chunks[0]).toBeGreaterThan(0);
    expect(chunks[1]).toBeGreaterThan(0);
    expect(chunks[0]! + chunks[1]!).toBeGreaterThanOrEqual(rows / 15);

    const perRow = await sql<{ n: number; rows: number }>`
      SELECT count(*)::int AS n, count(DISTINCT batch_row)::int AS rows FROM credentials WHERE batch_id = ${batch.id}`.execute(
      ctx.db,
    );
    expect(perRow.rows[0]).toEqual({ n: rows, rows });
    const linked = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM batch_rows r JOIN credentials c ON c.id = r.credential_id
      WHERE r.batch_id = ${batch.id} AND r.state = 'issued' AND c.batch_row = r.row_number
        AND c.recipient_email = r.data->>'email'`.execute(ctx.db);
    expect(linked.rows[0]!.n).toBe(rows);
    const audits = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM audit_log WHERE action = 'credential.issue' AND org_id = ${orgId}`.execute(ctx.db);
    expect(audits.rows[0]!.n).toBe(rows);
  });
});
