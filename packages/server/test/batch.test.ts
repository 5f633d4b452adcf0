import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RowError } from '../src/domains/batches/csv.js';
import { issueNextBatchChunk } from '../src/domains/batches/issuance.js';
import type { BatchView, ReportRow } from '../src/domains/batches/schemas.js';
import { startBackgroundJobs } from '../src/jobs/background-jobs.js';
import { createTestContext, databaseTargets, type TestContext } from './helpers/context.js';
import { expectError } from './helpers/errors.js';
import {
  createSampleAchievement,
  issuerWithAchievement,
  member,
  setSuspendableCredentials,
  type Caller,
} from './helpers/fixtures.js';

interface RowView {
  row: number;
  data: Record<string, string>;
  errors: RowError[];
}

const latin1 = (text: string) => new Uint8Array(Buffer.from(text, 'latin1'));
const concat = (...parts: (string | Uint8Array)[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));

describe.each(databaseTargets())('bulk issuance on $name', (target) => {
  let ctx: TestContext;
  let orgId: string;
  let achievementId: string;
  let issuer: Caller;

  beforeAll(async () => {
    ctx = await createTestContext(target);
    ({ orgId, caller: issuer, achievementId } = await issuerWithAchievement(ctx));
  });
  afterAll(() => ctx.close());

  const batchesPath = () => `/api/v1/orgs/${orgId}/batches`;
  /** Bytes as they are (the fixtures' caller sends anything but a string or a form as JSON). */
  const upload = (body: string | Uint8Array, query = `achievementId=${achievementId}`, type = 'text/csv') =>
    ctx.app.request(`${batchesPath()}?${query}`, {
      method: 'POST',
      headers: { ...issuer.headers, 'content-type': type },
      body: typeof body === 'string' ? body : Buffer.from(body),
    });
  async function preview(csv: string | Uint8Array) {
    const res = await upload(csv);
    expect(res.status).toBe(201);
    return (await res.json()) as { batch: BatchView; rows: RowView[] };
  }
  const confirm = (id: string) => issuer.request('POST', `${batchesPath()}/${id}/confirm`);
  const report = async (id: string) => {
    const res = await issuer.request('GET', `${batchesPath()}/${id}/report`);
    expect(res.status).toBe(200);
    return (await res.json()) as { batch: BatchView; rows: ReportRow[] };
  };
  /** Runs the job by hand, one chunk at a time, until it finds nothing to do. */
  async function drain(chunkSize = 3) {
    let steps = 0;
    while (await issueNextBatchChunk(ctx.deps, { chunkSize })) steps++;
    return steps;
  }
  const credentialsOf = (batchId: string) =>
    ctx.db.selectFrom('credentials').selectAll().where('batchId', '=', batchId).orderBy('batchRow').execute();

  it('a preview reports every bad row with its code, and nothing is issued until confirm', async () => {
    const csv = concat(
      'email,name,valid_from,valid_until\n',
      'ada@example.org,Ada Lovelace,2026-01-01,2030-01-01\n', // 1 valid
      ',No Address,,\n', // 2 missing email
      'not-an-email,Bad Address,,\n', // 3 malformed email
      `long@example.org,${'x'.repeat(10 * 1024 * 1024)},,\n`, // 4 a 10 MB line
      'rene@example.org,Ren',
      latin1('é'),
      ',,\n', // 5 Latin-1
      'ADA@example.org,Ada again,,\n', // 6 duplicate of row 1
      'grace@example.org,Grace,,,surplus\n', // 7 more fields than columns
      'alan@example.org,Alan,2026-02-30,\n', // 8 impossible date
      'mary@example.org,Mary,2027-01-01,2026-01-01\n', // 9 valid_until before valid_from
      'zoe@example.org,Zoë,,\n', // 10 valid (UTF-8)
    );
    const { batch, rows } = await preview(csv);
    expect(batch).toMatchObject({
      status: 'preview',
      totalRows: 10,
      validRows: 2,
      invalidRows: 8,
      issued: 0,
      pending: 2,
    });
    expect(rows.map((r) => [r.row, r.errors.map((e) => e.code)])).toEqual([
      [1, []],
      [2, ['ERR_ROW_RECIPIENT_MISSING']],
      [3, ['ERR_ROW_EMAIL_INVALID']],
      [4, ['ERR_ROW_TOO_LARGE']],
      [5, ['ERR_ROW_ENCODING']],
      [6, ['ERR_ROW_DUPLICATE']],
      [7, ['ERR_ROW_COLUMNS']],
      [8, ['ERR_ROW_DATE_INVALID']],
      [9, ['ERR_ROW_DATE_ORDER']],
      [10, []],
    ]);
    expect(rows[4]!.errors[0]).toMatchObject({ column: 'name', message: expect.stringContaining('Row 5 (line 6)') });
    expect(rows[5]!.errors[0]!.message).toBe(
      'Row 6 names the same recipient as row 1; each recipient may appear once.',
    );

    // The job finds nothing to do in a batch that was not confirmed.
    expect(await issueNextBatchChunk(ctx.deps)).toBe(false);
    expect(await credentialsOf(batch.id)).toEqual([]);
    const stored = await ctx.db
      .selectFrom('batchRows')
      .select(['rowNumber', 'state'])
      .where('batchId', '=', batch.id)
      .orderBy('rowNumber')
      .execute();
    expect(stored.map((r) => r.state)).toEqual(['pending', ...Array<string>(8).fill('invalid'), 'pending']);

    expect((await confirm(batch.id)).status).toBe(202);
    await drain();
    const { rows: reported } = await report(batch.id);
    expect(reported.map((r) => [r.row, r.state])).toEqual([
      [1, 'issued'],
      ...[2, 3, 4, 5, 6, 7, 8, 9].map((n) => [n, 'invalid']),
      [10, 'issued'],
    ]);
  });

  it('problems with the file as a whole answer with a code, and store nothing', async () => {
    const before = await ctx.db.selectFrom('batches').select('id').where('orgId', '=', orgId).execute();
    const unknown = await expectError(await upload('email,grade,notes\na@example.org,A,\n'), 400, 'ERR_CSV_HEADER');
    expect(unknown.message).toBe(
      'Unknown columns "grade", "notes"; the columns are email, did, name, valid_from, valid_until (email or did required).',
    );
    expect(unknown.details).toEqual({ unknownColumns: ['grade', 'notes'] });
    await expectError(await upload(Buffer.from('\uFEFFemail\na@example.org\n', 'utf16le')), 400, 'ERR_CSV_ENCODING');
    await expectError(
      await upload('email\na@example.org\n', `achievementId=${achievementId}`, 'text/csv; charset=iso-8859-1'),
      400,
      'ERR_CSV_ENCODING',
    );
    await expectError(await upload(''), 400, 'ERR_CSV_HEADER');
    await expectError(await upload('email\n'), 400, 'ERR_CSV_NO_ROWS');
    await expectError(
      await upload('{"email":"a@example.org"}', undefined, 'application/json'),
      415,
      'ERR_UNSUPPORTED_MEDIA_TYPE',
    );
    await expectError(await upload('email\na@example.org\n', ''), 400, 'ERR_VALIDATION');
    await expectError(
      await upload('email\na@example.org\n', `achievementId=${crypto.randomUUID()}`),
      404,
      'ERR_NOT_FOUND',
    );
    const other = await member(ctx, 'owner');
    const foreign = await createSampleAchievement(ctx, other.orgId);
    await expectError(
      await upload('email\na@example.org\n', `achievementId=${foreign.achievementId}`),
      404,
      'ERR_NOT_FOUND',
    );
    const archived = await createSampleAchievement(ctx, orgId);
    await ctx.db
      .updateTable('achievements')
      .set({ archivedAt: ctx.deps.clock() })
      .where('id', '=', archived.achievementId)
      .execute();
    await expectError(
      await upload('email\na@example.org\n', `achievementId=${archived.achievementId}`),
      409,
      'ERR_STATE',
    );
    const big = Buffer.alloc(64 * 1024 * 1024 + 1, 'a');
    await expectError(await upload(big), 413, 'ERR_INPUT_TOO_LARGE');
    expect(await ctx.db.selectFrom('batches').select('id').where('orgId', '=', orgId).execute()).toEqual(before);
  });

  it('takes a multipart form with the file and achievementId', async () => {
    const form = new FormData();
    form.set('achievementId', achievementId);
    form.set('file', new File(['email,name\nform@example.org,Form\n'], 'cohort-7.csv', { type: 'text/csv' }));
    const res = await issuer.request('POST', batchesPath(), form);
    expect(res.status).toBe(201);
    const { batch, rows } = (await res.json()) as { batch: BatchView & { filename: string }; rows: RowView[] };
    expect(batch).toMatchObject({ filename: 'cohort-7.csv', totalRows: 1, validRows: 1 });
    expect(rows).toEqual([{ row: 1, data: { email: 'form@example.org', name: 'Form' }, errors: [] }]);

    // A browser form carries the CSRF token as a field rather than a header; the file is still read.
    const { 'x-csrf-token': csrf, ...cookieOnly } = issuer.headers;
    form.set('_csrf', csrf!);
    const browser = await ctx.app.request(batchesPath(), { method: 'POST', headers: cookieOnly, body: form });
    expect(browser.status).toBe(201);
    expect(((await browser.json()) as { batch: BatchView }).batch).toMatchObject({ totalRows: 1, validRows: 1 });
    form.delete('file');
    const noFile = await issuer.request('POST', batchesPath(), form);
    expect(noFile.status).toBe(400);
    expect(await noFile.json()).toMatchObject({
      error: { code: 'ERR_VALIDATION', message: 'file: required (the CSV file).' },
    });
  });

  it('confirm happens once: a second confirm is ERR_STATE with the status', async () => {
    const { batch } = await preview('email\nonce@example.org\n');
    const first = await confirm(batch.id);
    expect(first.status).toBe(202);
    expect(((await first.json()) as { batch: BatchView }).batch.status).toBe('queued');
    const second = await confirm(batch.id);
    expect(second.status).toBe(409);
    expect(await second.json()).toMatchObject({ error: { code: 'ERR_STATE', details: { status: 'queued' } } });
    await drain();
    expect(await confirm(batch.id)).toHaveProperty('status', 409);
    expect(await credentialsOf(batch.id)).toHaveLength(1);
    const notFound = await confirm(crypto.randomUUID());
    expect(notFound.status).toBe(404);
  });

  it('issues every valid row exactly once over many chunks; the report (JSON and CSV) is exact', async () => {
    const people = Array.from({ length: 25 }, (_, i) => ({ email: `p${i}@example.org`, name: `Person ${i}` }));
    const csv =
      'email,did,name\n' +
      people.map((p, i) => (i === 7 ? 'bad-address,,X' : `${p.email},,${p.name}`)).join('\n') +
      '\n,did:example:learner-1,"=HYPERLINK(""x"")"\n';
    const { batch } = await preview(csv);
    expect((await confirm(batch.id)).status).toBe(202);
    expect(await drain(4)).toBeGreaterThanOrEqual(7);

    const { batch: done, rows } = await report(batch.id);
    expect(done).toMatchObject({
      status: 'completed',
      totalRows: 26,
      validRows: 25,
      invalidRows: 1,
      issued: 25,
      failed: 0,
      pending: 0,
    });
    const credentials = await credentialsOf(batch.id);
    expect(credentials).toHaveLength(25);
    const audits = await ctx.db
      .selectFrom('auditLog')
      .select(['action', 'data'])
      .where('targetId', '=', batch.id)
      .orderBy('id')
      .execute();
    expect(audits).toEqual([
      { action: 'batch.upload', data: { filename: null, totalRows: 26, invalidRows: 1 } },
      { action: 'batch.confirm', data: {} },
      { action: 'batch.complete', data: { issued: 25, failed: 0, invalid: 1 } },
    ]);
    const byRow = new Map(credentials.map((c) => [c.batchRow, c]));
    for (const r of rows) {
      if (r.row === 8) {
        expect(r).toMatchObject({ state: 'invalid', credentialId: null, errors: [{ code: 'ERR_ROW_EMAIL_INVALID' }] });
        expect(byRow.has(8)).toBe(false);
        continue;
      }
      const c = byRow.get(r.row)!;
      expect(r).toEqual({
        row: r.row,
        email: c.recipientEmail,
        did: c.recipientDid,
        name: c.recipientName,
        state: 'issued',
        credentialId: c.id,
        errors: [],
      });
    }
    expect(rows.at(-1)).toMatchObject({ row: 26, did: 'did:example:learner-1', email: null });

    const csvRes = await issuer.request('GET', `${batchesPath()}/${batch.id}/report`, undefined, {
      accept: 'text/csv',
    });
    expect(csvRes.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const lines = (await csvRes.text()).split('\r\n');
    expect(lines[0]).toBe('row,email,did,name,state,credential_id,errors');
    expect(lines[1]).toBe(`1,p0@example.org,,Person 0,issued,${byRow.get(1)!.id},`);
    expect(lines[8]).toBe(
      '8,bad-address,,X,invalid,,"ERR_ROW_EMAIL_INVALID: ""bad-address"" is not an email address."',
    );
    // A formula from the file is defused for spreadsheets.
    expect(lines[26]).toBe(`26,,did:example:learner-1,"'=HYPERLINK(""x"")",issued,${byRow.get(26)!.id},`);
    expect(lines).toHaveLength(28);
    // Read back as CSV, it is the JSON report line for line.
    const table = parse(lines.join('\r\n'), { columns: true }) as Record<string, string>[];
    expect(table).toEqual(
      rows.map((r) => ({
        row: String(r.row),
        email: r.email ?? '',
        did: r.did ?? '',
        name: r.name?.startsWith('=') ? `'${r.name}` : (r.name ?? ''),
        state: r.state,
        credential_id: r.credentialId ?? '',
        errors: r.errors.map((e) => `${e.code}: ${e.message}`).join(' | '),
      })),
    );
  });

  it('a row that can no longer be issued fails alone, and the batch goes on', async () => {
    const { batch } = await preview('email,valid_until\nsoon@example.org,2026-06-02\nlater@example.org,2027-01-01\n');
    await confirm(batch.id);
    ctx.setNow('2026-06-03T00:00:00Z');
    try {
      await drain();
    } finally {
      ctx.setNow('2026-06-01T12:00:00Z');
    }
    const { batch: done, rows } = await report(batch.id);
    expect(done).toMatchObject({ status: 'completed', issued: 1, failed: 1 });
    expect(rows.map((r) => [r.state, r.errors.map((e) => e.code)])).toEqual([
      ['failed', ['ERR_ROW_DATE_ORDER']],
      ['issued', []],
    ]);
  });

  it('when issuing refuses (the achievement was archived), each row fails with the refusal', async () => {
    const own = await createSampleAchievement(ctx, orgId);
    const res = await upload(
      'email\nx1@example.org\nx2@example.org\nx3@example.org\n',
      `achievementId=${own.achievementId}`,
    );
    const { batch } = (await res.json()) as { batch: BatchView };
    await confirm(batch.id);
    await ctx.db
      .updateTable('achievements')
      .set({ archivedAt: ctx.deps.clock() })
      .where('id', '=', own.achievementId)
      .execute();
    await drain(2);
    const { batch: done, rows } = await report(batch.id);
    expect(done).toMatchObject({ status: 'completed', issued: 0, failed: 3 });
    for (const r of rows)
      expect(r.errors).toEqual([{ code: 'ERR_STATE', message: expect.stringContaining('archived') }]);
    expect(await credentialsOf(batch.id)).toEqual([]);
  });

  it('each chunk follows the organisation’s suspendableCredentials at the moment it is issued', async () => {
    const { batch } = await preview('email\n' + Array.from({ length: 6 }, (_, i) => `s${i}@example.org`).join('\n'));
    await confirm(batch.id);
    expect(await issueNextBatchChunk(ctx.deps, { chunkSize: 3 })).toBe(true);
    await setSuspendableCredentials(ctx, orgId, true);
    try {
      await drain(3);
    } finally {
      await setSuspendableCredentials(ctx, orgId, false);
    }
    const credentials = await credentialsOf(batch.id);
    expect(
      credentials.map((c) => {
        const status = c.document['credentialStatus'] as { statusPurpose: string } | { statusPurpose: string }[];
        return [
          Array.isArray(status) ? status.map((s) => s.statusPurpose) : status.statusPurpose,
          c.suspensionIndex !== null,
        ];
      }),
    ).toEqual([...Array(3).fill(['revocation', false]), ...Array(3).fill([['revocation', 'suspension'], true])]);
  });

  it('cancel: issued rows stay issued, the rest never are; a cancelled batch cannot be confirmed', async () => {
    const { batch: previewed } = await preview('email\nc0@example.org\n');
    const cancelled = await issuer.request('POST', `${batchesPath()}/${previewed.id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(await confirm(previewed.id)).toHaveProperty('status', 409);

    const { batch } = await preview('email\n' + Array.from({ length: 10 }, (_, i) => `r${i}@example.org`).join('\n'));
    await confirm(batch.id);
    expect(await issueNextBatchChunk(ctx.deps, { chunkSize: 4 })).toBe(true);
    const res = await issuer.request('POST', `${batchesPath()}/${batch.id}/cancel`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { batch: BatchView }).batch).toMatchObject({
      status: 'cancelled',
      issued: 4,
      pending: 6,
    });
    expect(await drain()).toBe(0);
    const { rows } = await report(batch.id);
    expect(rows.map((r) => r.state)).toEqual([
      ...Array<string>(4).fill('issued'),
      ...Array<string>(6).fill('cancelled'),
    ]);
    expect(await credentialsOf(batch.id)).toHaveLength(4);
    const again = await issuer.request('POST', `${batchesPath()}/${batch.id}/cancel`);
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ error: { code: 'ERR_STATE', details: { status: 'cancelled' } } });
  });

  describe('Idempotency-Key', () => {
    const uploadWithKey = (key: string, csv: string, query = `achievementId=${achievementId}`) =>
      ctx.app.request(`${batchesPath()}?${query}`, {
        method: 'POST',
        headers: { ...issuer.headers, 'content-type': 'text/csv', 'idempotency-key': key },
        body: csv,
      });
    const batchesWithKey = (key: string) =>
      ctx.db.selectFrom('batches').select('id').where('orgId', '=', orgId).where('idempotencyKey', '=', key).execute();
    const batchCount = async () =>
      (await ctx.db.selectFrom('batches').select('id').where('orgId', '=', orgId).execute()).length;

    it('a re-sent upload answers 200 with the same batch and preview; anything else with the key is 422', async () => {
      // 104 valid rows (the preview shows the first 100) and one invalid row after them.
      const csv =
        'email,name,valid_from\n' +
        Array.from({ length: 104 }, (_, i) => `k${i}@example.org,K ${i},2026-01-01`).join('\n') +
        '\nnot-an-email,Bad,\n';
      const res = await uploadWithKey('upload-1', csv, `achievementId=${achievementId}&filename=cohort.csv`);
      expect(res.status).toBe(201);
      const first = (await res.json()) as { batch: BatchView; rows: RowView[] };
      expect(first.rows).toHaveLength(101);
      const count = await batchCount();

      const again = await uploadWithKey('upload-1', csv, `achievementId=${achievementId}&filename=cohort.csv`);
      expect(again.status).toBe(200);
      expect(await again.json()).toEqual(first);
      expect(await batchesWithKey('upload-1')).toEqual([{ id: first.batch.id }]);

      for (const [changed, body, query] of [
        ['file', csv.replace('k0@', 'k0-other@'), `achievementId=${achievementId}&filename=cohort.csv`],
        ['file name', csv, `achievementId=${achievementId}&filename=other.csv`],
        ['no file name', csv, `achievementId=${achievementId}`],
        ['achievement', csv, `achievementId=${(await createSampleAchievement(ctx, orgId)).achievementId}`],
      ] as const) {
        const error = await expectError(await uploadWithKey('upload-1', body, query), 422, 'ERR_IDEMPOTENCY_MISMATCH');
        expect(error.message, changed).toBe(
          'This Idempotency-Key was used with another upload (achievement, file name or file); use a new key for a ' +
            'new batch.',
        );
      }
      expect(await batchCount()).toBe(count);

      // Still a replay once the batch is confirmed: same id, its status now.
      expect((await confirm(first.batch.id)).status).toBe(202);
      const later = await uploadWithKey('upload-1', csv, `achievementId=${achievementId}&filename=cohort.csv`);
      expect(later.status).toBe(200);
      const replayed = (await later.json()) as { batch: BatchView; rows: RowView[] };
      expect(replayed.batch).toMatchObject({ id: first.batch.id, status: 'queued' });
      expect(replayed.rows).toEqual(first.rows);
      await drain(50);
      expect(await credentialsOf(first.batch.id)).toHaveLength(104);

      // Without the header, the same upload is a new batch, as before.
      expect((await upload(csv)).status).toBe(201);
      expect(await batchCount()).toBe(count + 1);
    });

    it.each([
      ['empty', ''],
      ['with a space', 'a b'],
      ['256 characters', 'k'.repeat(256)],
    ])('a key %s is 400 ERR_VALIDATION, nothing stored', async (_name, key) => {
      const count = await batchCount();
      const error = await expectError(await uploadWithKey(key, 'email\nx@example.org\n'), 400, 'ERR_VALIDATION');
      expect(error.message).toContain('idempotency-key');
      expect(await batchCount()).toBe(count);
    });

    it('10 concurrent identical uploads with one key make one batch, which issues each row once', async () => {
      const csv = 'email\n' + Array.from({ length: 30 }, (_, i) => `burst${i}@example.org`).join('\n');
      const responses = await Promise.all(Array.from({ length: 10 }, () => uploadWithKey('burst', csv)));
      expect(responses.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
      const bodies = await Promise.all(responses.map(async (r) => (await r.json()) as { batch: BatchView }));
      const ids = new Set(bodies.map((b) => b.batch.id));
      expect(ids.size).toBe(1);
      const [id] = ids;
      expect(await batchesWithKey('burst')).toEqual([{ id }]);

      expect((await confirm(id!)).status).toBe(202);
      await drain(7);
      expect(await credentialsOf(id!)).toHaveLength(30);
      const perRecipient = await ctx.db
        .selectFrom('credentials')
        .select(['recipientEmail', (eb) => eb.fn.countAll<number>().as('n')])
        .where('orgId', '=', orgId)
        .where('recipientEmail', 'like', 'burst%')
        .groupBy('recipientEmail')
        .execute();
      expect(perRecipient).toHaveLength(30);
      expect(perRecipient.every((r) => Number(r.n) === 1)).toBe(true);
    });
  });

  it("another organisation's batch is not found", async () => {
    const { batch } = await preview('email\nmine@example.org\n');
    const stranger = await member(ctx, 'owner');
    for (const [method, suffix] of [
      ['GET', ''],
      ['GET', '/report'],
      ['GET', '/events'],
      ['POST', '/confirm'],
      ['POST', '/cancel'],
    ] as const) {
      const res = await stranger.caller.request(method, `/api/v1/orgs/${stranger.orgId}/batches/${batch.id}${suffix}`);
      expect(res.status, `${method} ${suffix}`).toBe(404);
      expect(await res.json()).toMatchObject({ error: { code: 'ERR_NOT_FOUND' } });
    }
  });

  it('the runner wakes on confirm and the events stream shows progress until done', async () => {
    // Polling once a minute: only the wake-up on confirm can make this batch finish within the test.
    const jobs = startBackgroundJobs(ctx.deps, { pollMs: 60_000, chunkSize: 5, threads: 1 });
    ctx.deps.jobs = jobs;
    try {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const { batch } = await preview('email\n' + Array.from({ length: 23 }, (_, i) => `e${i}@example.org`).join('\n'));
      const events = await issuer.request('GET', `${batchesPath()}/${batch.id}/events`);
      expect(events.headers.get('content-type')).toBe('text/event-stream');
      expect((await confirm(batch.id)).status).toBe(202);
      const text = await events.text();
      const parsed = text
        .split('\n\n')
        .filter((block) => block.startsWith('event:'))
        .map((block) => {
          const [event, data] = block.split('\n');
          return {
            event: event!.slice('event: '.length),
            batch: JSON.parse(data!.slice('data: '.length)) as BatchView,
          };
        });
      expect(parsed[0]).toMatchObject({ event: 'progress', batch: { status: 'preview' } });
      expect(parsed.at(-1)).toMatchObject({ event: 'done', batch: { status: 'completed', issued: 23, pending: 0 } });
      expect(parsed.filter((e) => e.event === 'done')).toHaveLength(1);
      const issuedCounts = parsed.map((e) => e.batch.issued);
      expect(issuedCounts).toEqual([...issuedCounts].sort((a, b) => a - b));
    } finally {
      await jobs.stop();
      delete ctx.deps.jobs;
    }
  });
});
