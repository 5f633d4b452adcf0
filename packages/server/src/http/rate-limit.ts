import { AppError } from '../errors.js';

/** Fixed-window rate limits, by bucket (`sign-in`, `public`) and key (client address, or address + email). */
export interface RateLimiter {
  /** Counts one hit; throws `ERR_RATE_LIMITED` (429, with Retry-After) when the bucket's limit is passed. */
  hit(bucket: RateLimitBucket, key: string): void;
}

/**
 * `sign-in`: password checks; `public`: anonymous work that costs (pages with a live verification, /verify, baked
 * images); `reads`: anonymous reads of what is meant to be cached (credentials as JSON/JWT, status lists, DID
 * documents, achievements) — a verifier checking a thousand credentials makes a few thousand of these.
 */
export type RateLimitBucket = 'sign-in' | 'public' | 'reads';

export type RateLimits = Record<RateLimitBucket, { limit: number; windowMs: number }>;

export const DEFAULT_RATE_LIMITS: RateLimits = {
  'sign-in': { limit: 10, windowMs: 60_000 },
  public: { limit: 300, windowMs: 60_000 },
  reads: { limit: 6_000, windowMs: 60_000 },
};

/** Limits nobody reaches: for benchmarks, and tests that are not about rate limits. */
export const NO_RATE_LIMITS: RateLimits = {
  'sign-in': { limit: Infinity, windowMs: 60_000 },
  public: { limit: Infinity, windowMs: 60_000 },
  reads: { limit: Infinity, windowMs: 60_000 },
};

/**
 * In-process limiter. Per instance: behind a load balancer each node limits on its own, which bounds abuse at
 * N × limit; a shared store is the upgrade when that matters.
 */
export function createRateLimiter(limits: RateLimits = DEFAULT_RATE_LIMITS, now: () => number = Date.now): RateLimiter {
  const windows = new Map<string, { start: number; count: number }>();
  let lastSweep = now();
  return {
    hit(bucket, key) {
      const { limit, windowMs } = limits[bucket];
      const t = now();
      if (t - lastSweep > windowMs) {
        for (const [k, w] of windows) if (t - w.start >= windowMs) windows.delete(k);
        lastSweep = t;
      }
      const id = `${bucket}\u0000${key}`;
      let w = windows.get(id);
      if (!w || t - w.start >= windowMs) windows.set(id, (w = { start: t, count: 0 }));
      if (++w.count > limit) {
        const retryAfter = Math.ceil((w.start + windowMs - t) / 1000);
        throw new AppError('ERR_RATE_LIMITED', `Too many requests; try again in ${retryAfter} s.`, undefined, {
          'Retry-After': String(retryAfter),
        });
      }
    },
  };
}
