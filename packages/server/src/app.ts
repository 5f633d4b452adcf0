import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { isSkillproofError, verifyCredential } from '@skillproof/core';
import type { Clock, Fetcher } from '@skillproof/core';

export interface AppDependencies {
  clock?: Clock;
  /** Network access for verification (did:web, status lists). Absent: verification is offline. */
  fetcher?: Fetcher;
}

const MAX_BODY = 10 * 1024 * 1024;

/**
 * The Skillproof HTTP application. Every dependency is passed in; nothing is global.
 *
 * @example
 * ```ts
 * const app = createApp({ clock: () => new Date() });
 * const res = await app.request('/healthz');
 * ```
 */
export function createApp(deps: AppDependencies = {}) {
  const app = new Hono();

  app.get('/healthz', (c) => c.json({ status: 'ok' }));

  app.post('/v1/verify', async (c) => {
    const length = Number(c.req.header('content-length') ?? '0');
    if (length > MAX_BODY) throw new HTTPException(413, { message: 'The credential is larger than 10 MiB.' });
    const body = new Uint8Array(await c.req.arrayBuffer());
    if (body.length > MAX_BODY) throw new HTTPException(413, { message: 'The credential is larger than 10 MiB.' });
    const result = await verifyCredential(body, {
      ...(deps.clock && { clock: deps.clock }),
      ...(deps.fetcher && { fetcher: deps.fetcher }),
    });
    return c.json({
      verified: result.verified,
      format: result.format ?? null,
      checks: result.checks,
      credential: result.credential ?? null,
    });
  });

  app.notFound((c) =>
    c.json({ error: { code: 'ERR_NOT_FOUND', message: `No route for ${c.req.method} ${c.req.path}.` } }, 404),
  );

  app.onError((err, c) => {
    if (err instanceof HTTPException) {
      return c.json(
        { error: { code: err.status === 413 ? 'ERR_INPUT_TOO_LARGE' : 'ERR_HTTP', message: err.message } },
        err.status,
      );
    }
    if (isSkillproofError(err)) return c.json({ error: { code: err.code, message: err.message } }, 400);
    console.error(err);
    return c.json({ error: { code: 'ERR_INTERNAL', message: 'Internal error.' } }, 500);
  });

  return app;
}

export type App = ReturnType<typeof createApp>;
