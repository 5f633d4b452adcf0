import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, databaseTargets, type TestContext } from './helpers/context.js';

describe.each(databaseTargets())('app skeleton on $name', (target) => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext(target);
  });
  afterAll(() => ctx.close());

  it('GET /healthz', async () => {
    const res = await ctx.app.request('/healthz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('an unknown route is a coded 404', async () => {
    const res = await ctx.app.request('/nope');
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: 'ERR_NOT_FOUND' } });
  });

  it('serves an OpenAPI 3.1 document', async () => {
    const res = await ctx.app.request('/openapi.json');
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toContain('/healthz');
  });
});

it('GET /healthz is 503 ERR_UNAVAILABLE when the database does not answer', async () => {
  const down = await createTestContext({ name: 'pglite' });
  await down.database.close();
  const res = await down.app.request('/healthz');
  expect(res.status).toBe(503);
  expect(await res.json()).toMatchObject({ error: { code: 'ERR_UNAVAILABLE' } });
});
