import type { Context } from 'hono';
import { SkillproofError, type Fetcher } from '@skillproof/core';

/** What the self-fetcher needs of the app: Hono's in-process `request`. */
export interface InProcessApp {
  request(input: string, init?: RequestInit, env?: object): Response | Promise<Response>;
}

// Set in the env of in-process requests. A symbol cannot come from outside (the Node adapter's env is
// { incoming, outgoing }), so a request that carries it was made by this process.
const SELF_FETCH = Symbol('skillproof.selfFetch');

/**
 * True for a request the self-fetcher made: the request that caused it was already counted by the rate limiter, so
 * its own DID document and status list lookups are not counted again (they would all count against one "local" key).
 */
export function isSelfFetch(c: Context): boolean {
  return (c.env as Record<symbol, unknown> | undefined)?.[SELF_FETCH] === true;
}

/**
 * A core {@link Fetcher} that answers URLs of this instance in-process, through `app.request`, and passes every other
 * URL to `deps.fetcher` (without one: `ERR_OFFLINE`). "This instance" is `deps.publicUrl`'s origin, and also the
 * https:// form of the same host, since did:web always resolves over HTTPS. The server verifies its own credentials
 * with it, without a network and whatever its public URL. Like every fetcher, an HTTP error throws an error whose
 * `status` is the HTTP status, so a 404 reads as a finding, not an outage.
 *
 * @example
 * ```ts
 * const fetcher = createSelfFetcher(app, deps);
 * const { verified } = await verifyCredential(document, { fetcher });
 * ```
 */
export function createSelfFetcher(app: InProcessApp, deps: { publicUrl: string; fetcher?: Fetcher }): Fetcher {
  const own = new URL(deps.publicUrl);
  return async (url, init) => {
    let target: URL | undefined;
    try {
      target = new URL(url);
    } catch {
      target = undefined;
    }
    const isOwn =
      target !== undefined &&
      target.host === own.host &&
      (target.protocol === own.protocol || target.protocol === 'https:');
    if (!isOwn) {
      if (!deps.fetcher)
        throw new SkillproofError('ERR_OFFLINE', `Fetching ${url} needs the network, and none was given.`);
      return deps.fetcher(url, init);
    }
    const res = await app.request(
      `${target!.pathname}${target!.search}`,
      { headers: { accept: init.accept }, signal: init.signal },
      { [SELF_FETCH]: true },
    );
    if (!res.ok) {
      await res.body?.cancel();
      throw Object.assign(new Error(`${url} answered HTTP ${res.status}.`), { status: res.status });
    }
    const contentType = res.headers.get('content-type') ?? undefined;
    const isText = contentType !== undefined && /json|jwt|text|svg|xml/.test(contentType);
    const body = isText ? await res.text() : new Uint8Array(await res.arrayBuffer());
    return { body, ...(contentType && { contentType }) };
  };
}
