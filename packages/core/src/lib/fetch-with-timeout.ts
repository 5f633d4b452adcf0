import type { FetchedDocument, Fetcher } from '../types.js';

/** The timeout of {@link fetchWithTimeout} fired. Named like the DOM's, so `name === 'TimeoutError'` tells it apart. */
export class FetchTimeoutError extends Error {
  override readonly name = 'TimeoutError';
  constructor(
    readonly url: string,
    readonly timeoutMs: number,
  ) {
    super(`Fetching ${url} took longer than ${timeoutMs} ms.`);
  }
}

/**
 * Calls an injected fetcher with a deadline that holds even when the fetcher ignores its abort signal: the call is
 * raced against a timer, which also aborts the signal. Rejects with {@link FetchTimeoutError} on the deadline, and
 * with whatever the fetcher threw otherwise.
 */
export async function fetchWithTimeout(
  fetcher: Fetcher,
  url: string,
  accept: string,
  timeoutMs: number,
): Promise<FetchedDocument> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new FetchTimeoutError(url, timeoutMs));
    }, timeoutMs);
  });
  try {
    return await Promise.race([fetcher(url, { accept, signal: controller.signal }), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
