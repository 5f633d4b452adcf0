/**
 * Issuing throughput of the server, in-process, on PGlite and (with DATABASE_URL or TEST_DATABASE_URL) PostgreSQL:
 * one credential per API call, a 5,000-row CSV batch through the job runner's chunks (signing in this thread and on
 * the signer pool), and a status list read. Run with `npm run bench:server [-- --rows N] [-- --json FILE]`.
 */
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { createApp } from '../src/index.js';
import { SCOPES } from '../src/http/access.js';
import { newSecret, secretHash } from '../src/security/tokens.js';
import { createOrganization } from '../src/domains/orgs/service.js';
import { createAchievement } from '../src/domains/achievements/service.js';
import { AchievementDefinition } from '../src/domains/achievements/definition.js';
import { issueNextBatchChunk } from '../src/domains/batches/issuance.js';
import { inThreadSigner, type CredentialSigner } from '../src/domains/issuing/issue.js';
import { createSignerPool } from '../src/jobs/signer-pool.js';
import { benchTargets, openBenchDatabase } from './bench-database.js';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '5000' },
    singles: { type: 'string', default: '200' },
    json: { type: 'string' },
  },
});
const ROWS = Number(args.rows);
const SINGLES = Number(args.singles);
const results: Record<string, Record<string, number>> = {};

for (const target of benchTargets()) {
  const { deps, close } = await openBenchDatabase(target);
  const app = createApp(deps);
  const userId = randomUUID();
  await deps.db
    .insertInto('users')
    .values({ id: userId, email: `bench-${userId}@example.org`, kind: 'staff' })
    .execute();
  const org = await deps.db
    .transaction()
    .execute((tx) => createOrganization(tx, deps, { slug: `bench-${Date.now()}`, name: 'Bench' }, userId));
  const achievement = await deps.db.transaction().execute((tx) =>
    createAchievement(
      tx,
      org.id,
      AchievementDefinition.parse({
        name: 'Bench Skill',
        description: 'Measured.',
        criteria: { narrative: 'Be fast.' },
      }),
      new Date(),
      userId,
    ),
  );
  const token = newSecret('sp_token');
  await deps.db
    .insertInto('apiTokens')
    .values({
      id: randomUUID(),
      userId,
      orgId: null,
      name: 'bench',
      tokenHash: secretHash(token),
      scopes: [...SCOPES],
      expiresAt: null,
      revokedAt: null,
      lastUsedAt: null,
    })
    .execute();
  const call = (method: string, path: string, body?: string, type = 'application/json') =>
    app.request(path, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': type },
      ...(body && { body }),
    });

  // One credential per API call.
  const times: number[] = [];
  for (let i = 0; i < SINGLES; i++) {
    const t = performance.now();
    const res = await call(
      'POST',
      `/api/v1/orgs/${org.id}/credentials`,
      JSON.stringify({ achievementId: achievement.achievementId, recipient: { email: `single${i}@example.org` } }),
    );
    if (res.status !== 201) throw new Error(`issue: ${res.status} ${await res.text()}`);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const r: Record<string, number> = {
    single_issue_p50_ms: round(times[Math.floor(times.length / 2)]!),
    single_issue_mean_ms: round(times.reduce((a, b) => a + b, 0) / times.length),
  };

  // A CSV batch, chunk by chunk as the job runner issues it, with each signer.
  const pool = createSignerPool({ logger: deps.logger });
  await pool.start();
  for (const [name, signer] of [
    ['in_thread', inThreadSigner],
    ['pool', pool],
  ] as [string, CredentialSigner][]) {
    const csv = ['email,name', ...Array.from({ length: ROWS }, (_, i) => `${name}${i}@example.org,Learner ${i}`)].join(
      '\n',
    );
    const preview = await call(
      'POST',
      `/api/v1/orgs/${org.id}/batches?achievementId=${achievement.achievementId}`,
      csv,
      'text/csv',
    );
    const { batch } = (await preview.json()) as { batch: { id: string; validRows: number } };
    if (batch.validRows !== ROWS) throw new Error('preview');
    await call('POST', `/api/v1/orgs/${org.id}/batches/${batch.id}/confirm`);
    const t = performance.now();
    while (await issueNextBatchChunk(deps, { signer })) {
      /* one chunk per step */
    }
    const seconds = (performance.now() - t) / 1000;
    const { count } = await deps.db
      .selectFrom('credentials')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('batchId', '=', batch.id)
      .executeTakeFirstOrThrow();
    if (Number(count) !== ROWS) throw new Error(`batch issued ${count} of ${ROWS}`);
    r[`batch_${name}_rows_per_s`] = Math.round(ROWS / seconds);
  }
  await pool.close();
  r['threads'] = pool.threads;

  // A status list read, after a change (re-signed once) and then unchanged (served as stored).
  const list = await deps.db
    .selectFrom('statusLists')
    .select('id')
    .where('orgId', '=', org.id)
    .executeTakeFirstOrThrow();
  const reads: number[] = [];
  for (let i = 0; i < 50; i++) {
    const t = performance.now();
    await (await app.request(`/status/${list.id}`)).arrayBuffer();
    reads.push(performance.now() - t);
  }
  reads.sort((a, b) => a - b);
  r['status_list_read_p50_ms'] = round(reads[25]!);
  results[target] = r;
  await close();
}

console.log(`server issuance (${ROWS} rows per batch, ${SINGLES} single issues)`);
console.table(results);
if (args.json) await writeFile(args.json, JSON.stringify(results, null, 2) + '\n');

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
