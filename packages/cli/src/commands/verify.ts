import { verifyCredential } from '@skillproof/core';
import type { Fetcher, VerificationResult } from '@skillproof/core';
import { createHttpFetcher, readInput, UsageError } from '../io.js';

export interface VerifyOptions {
  json?: boolean;
  offline?: boolean;
}

/** Exit codes of `skillproof verify`, a stable contract. */
export const EXIT = { verified: 0, failed: 1, usage: 2, unknown: 3 } as const;

/** 0 when verified, 1 when any check failed, 3 when none failed but one that applies could not be made. */
export function exitCodeOf(result: VerificationResult): number {
  if (result.checks.some((c) => c.status === 'failed')) return EXIT.failed;
  return result.verified ? EXIT.verified : EXIT.unknown;
}

const MARK = { passed: '✓', failed: '✗', unknown: '?', skipped: '-' } as const;

async function load(input: string, fetcher: Fetcher | undefined): Promise<Uint8Array> {
  if (/^https?:\/\//i.test(input)) {
    if (!fetcher) throw new UsageError(`${input} is a URL, and --offline forbids fetching it.`);
    try {
      const res = await fetcher(input, {
        accept:
          'application/vc+ld+json, application/ld+json, application/json, application/jwt, image/png, image/svg+xml',
        signal: AbortSignal.timeout(10_000),
      });
      return typeof res.body === 'string' ? new TextEncoder().encode(res.body) : res.body;
    } catch (e) {
      throw new UsageError(`Cannot fetch ${input}: ${(e as Error).message}`);
    }
  }
  return readInput(input);
}

/** `skillproof verify <file|url>…` */
export async function verify(inputs: string[], options: VerifyOptions): Promise<number> {
  if (inputs.length === 0) throw new UsageError('Name at least one credential file or URL to verify.');
  const fetcher = options.offline ? undefined : createHttpFetcher();
  const reports: Array<{ input: string; result: VerificationResult }> = [];
  for (const input of inputs) {
    const bytes = await load(input, fetcher);
    const result = await verifyCredential(bytes, fetcher ? { fetcher } : {});
    reports.push({ input, result });
  }
  if (options.json) {
    const out = reports.map(({ result }) => ({
      verified: result.verified,
      checks: result.checks.map((c) => ({ id: c.id, status: c.status, code: c.code ?? null, message: c.message })),
    }));
    console.log(JSON.stringify(out.length === 1 ? out[0] : out, null, 2));
  } else {
    for (const { input, result } of reports) {
      const code = exitCodeOf(result);
      const verdict =
        code === EXIT.verified
          ? 'VERIFIED'
          : code === EXIT.failed
            ? 'NOT VERIFIED'
            : 'NOT VERIFIED (some checks could not be made)';
      console.log(`${input}: ${verdict}`);
      for (const c of result.checks) {
        console.log(`  ${MARK[c.status]} ${c.id.padEnd(8)} ${c.code ? c.code + ': ' : ''}${c.message}`);
      }
    }
  }
  const codes = reports.map(({ result }) => exitCodeOf(result));
  if (codes.includes(EXIT.failed)) return EXIT.failed;
  return codes.includes(EXIT.unknown) ? EXIT.unknown : EXIT.verified;
}
