import {
  createKeyResolver,
  importEd25519Key,
  importRsaKey,
  isSkillproofError,
  signCredential,
  signCredentialJwt,
  verifyCredential,
} from '@skillproof/core';
import type {
  Ed25519Key,
  Fetcher,
  FetchedDocument,
  JsonObject,
  JsonValue,
  KeyResolver,
  RsaKey,
  VerificationResult,
} from '@skillproof/core';
import { EXIT, exitCodeOf } from '../commands/verify.js';
import { createHttpFetcher } from '../io.js';
import type { BatchLine, OversizedLine } from './read-lines.js';

/**
 * What a batch does to each line. Plain data, so that it can be handed to a worker thread as `workerData`: every
 * worker builds its own processor from it once (the key imported once, the document loader and key cache kept warm).
 * `echo` copies lines through unchanged: it measures what moving lines between threads costs.
 */
export type BatchTask =
  | { kind: 'sign'; key: JsonValue; format: 'di' | 'jwt'; created: string }
  | { kind: 'verify'; offline: boolean }
  | { kind: 'echo' };

/** One chunk's output: its lines joined, each ended by `\n`, and how many of them failed or were unknown. */
export interface ChunkOutput {
  text: string;
  failed: number;
  unknown: number;
}

/** Processes the lines of one chunk; `offset` is the 0-based index of its first line in the whole input. */
export type LineProcessor = (lines: BatchLine[], offset: number) => Promise<ChunkOutput>;

/** An RSA key file: a bare JWK, or the `{ type: 'JsonWebKey', publicKeyJwk, secretKeyJwk }` form keys generate writes. */
export function isRsaKeyFile(json: unknown): boolean {
  const j = json as { kty?: unknown; publicKeyJwk?: { kty?: unknown } } | null;
  return j?.kty === 'RSA' || j?.publicKeyJwk?.kty === 'RSA';
}

/** Imports the key a sign task names: Ed25519 for Data Integrity, Ed25519 or RSA for VC-JWT. */
export async function importTaskKey(task: Extract<BatchTask, { kind: 'sign' }>): Promise<Ed25519Key | RsaKey> {
  if (task.format === 'jwt' && isRsaKeyFile(task.key)) return importRsaKey(task.key as JsonObject);
  return importEd25519Key(task.key as JsonObject);
}

/** The error line sign-batch writes in place of a credential it could not sign (a stable form). */
export function errorLine(code: string, message: string, line: number, path?: string): string {
  return JSON.stringify({ error: { code, message, line, ...(path !== undefined && { path }) } });
}

/** The result line verify-batch writes: the same `{ verified, checks }` as `skillproof verify --json`. */
export function resultLine(result: VerificationResult): string {
  return JSON.stringify({
    verified: result.verified,
    checks: result.checks.map((c) => ({ id: c.id, status: c.status, code: c.code ?? null, message: c.message })),
  });
}

/** Builds the processor for a task: done once per thread, before the first line. */
export async function createLineProcessor(task: BatchTask): Promise<LineProcessor> {
  switch (task.kind) {
    case 'sign':
      return createSignProcessor(task);
    case 'verify':
      return createVerifyProcessor(task);
    case 'echo':
      return async (lines) => {
        let text = '';
        for (const line of lines) text += (typeof line === 'string' ? line : '') + '\n';
        return { text, failed: 0, unknown: 0 };
      };
  }
}

async function createSignProcessor(task: Extract<BatchTask, { kind: 'sign' }>): Promise<LineProcessor> {
  const key = await importTaskKey(task);
  const clock = () => new Date(task.created);
  const signOne = async (line: BatchLine, number: number): Promise<string | { error: string }> => {
    if (typeof line !== 'string') {
      return {
        error: errorLine('ERR_INPUT_TOO_LARGE', tooLargeMessage(line), number),
      };
    }
    if (line.trim() === '') return { error: errorLine('ERR_INPUT_INVALID', 'The line is blank.', number) };
    let credential: unknown;
    try {
      credential = JSON.parse(line);
    } catch (e) {
      return { error: errorLine('ERR_JSON_PARSE', `The line is not valid JSON: ${(e as Error).message}`, number) };
    }
    if (credential === null || typeof credential !== 'object' || Array.isArray(credential)) {
      return { error: errorLine('ERR_INPUT_INVALID', 'The line is JSON but not a credential object.', number) };
    }
    try {
      if (task.format === 'di') {
        return JSON.stringify(
          await signCredential(credential as JsonObject, { key: key as Ed25519Key, created: task.created }),
        );
      }
      // A JSON string rather than the bare token: every output line stays valid JSON, like the error lines.
      return JSON.stringify(await signCredentialJwt(credential as JsonObject, key, { clock }));
    } catch (e) {
      if (isSkillproofError(e)) return { error: errorLine(e.code, e.message, number, e.path) };
      // Not a coded error: jsonld.js or jose refusing something about this credential. The batch goes on.
      return { error: errorLine('ERR_INPUT_INVALID', (e as Error).message ?? String(e), number) };
    }
  };
  return async (lines, offset) => {
    let text = '';
    let failed = 0;
    for (let i = 0; i < lines.length; i++) {
      const out = await signOne(lines[i]!, offset + i + 1);
      if (typeof out === 'string') {
        text += out + '\n';
      } else {
        text += out.error + '\n';
        failed++;
      }
    }
    return { text, failed, unknown: 0 };
  };
}

function tooLargeMessage(line: OversizedLine): string {
  return `The line holds ${line.tooLarge} bytes, more than the ${line.limit} a credential may have.`;
}

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

function formatFailure(code: string, message: string): string {
  return JSON.stringify({ verified: false, checks: [{ id: 'format', status: 'failed', code, message }] });
}

async function createVerifyProcessor(task: Extract<BatchTask, { kind: 'verify' }>): Promise<LineProcessor> {
  const fetcher = task.offline ? undefined : cachingFetcher(createHttpFetcher());
  // One resolver per thread: did:web documents are fetched once per batch (its cache: 5 minutes, 1,000 entries).
  // The document loader is left to verifyCredential: a loader shared across lines would carry its fetch budget
  // (32 URLs) from one credential to the next, and outcomes would then depend on which thread saw which line.
  const resolver: KeyResolver = createKeyResolver(fetcher ? { fetcher } : {});
  const options = { resolver, ...(fetcher && { fetcher }) };

  const verifyOne = async (line: BatchLine): Promise<{ text: string; code: number }> => {
    if (typeof line !== 'string') {
      return {
        text: formatFailure('ERR_INPUT_TOO_LARGE', tooLargeMessage(line)),
        code: EXIT.failed,
      };
    }
    let input = line;
    // sign-batch writes a VC-JWT as a JSON string; a bare compact token is taken as well.
    if (line.trimStart().startsWith('"')) {
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (e) {
        return {
          text: formatFailure('ERR_JSON_PARSE', `The line is not valid JSON: ${(e as Error).message}`),
          code: EXIT.failed,
        };
      }
      if (typeof value !== 'string' || !JWT_SHAPE.test(value.trim())) {
        return {
          text: formatFailure('ERR_FORMAT_UNKNOWN', 'The line is a JSON string but not a JWT.'),
          code: EXIT.failed,
        };
      }
      input = value;
    }
    const result = await verifyCredential(input, options);
    return { text: resultLine(result), code: exitCodeOf(result) };
  };

  return async (lines) => {
    let text = '';
    let failed = 0;
    let unknown = 0;
    for (const line of lines) {
      const out = await verifyOne(line);
      text += out.text + '\n';
      if (out.code === EXIT.failed) failed++;
      else if (out.code === EXIT.unknown) unknown++;
    }
    return { text, failed, unknown };
  };
}

/**
 * A batch verifies many credentials against the same few status lists and DID documents: successful responses of
 * up to 1 MiB are kept for 5 minutes (at most 32 of them), so a list is fetched once per thread, not once per line.
 */
function cachingFetcher(fetcher: Fetcher, ttlMs = 5 * 60_000, maxEntries = 32, maxBytes = 1024 * 1024): Fetcher {
  const cache = new Map<string, { at: number; response: Promise<FetchedDocument> }>();
  return (url, init) => {
    const key = `${init.accept}\n${url}`;
    const hit = cache.get(key);
    if (hit && Date.now() - hit.at < ttlMs) return hit.response;
    const response = fetcher(url, init);
    cache.delete(key);
    if (cache.size >= maxEntries) cache.delete(cache.keys().next().value!);
    cache.set(key, { at: Date.now(), response });
    response.then(
      (r) => {
        const size = typeof r.body === 'string' ? r.body.length : r.body.byteLength;
        if (size > maxBytes && cache.get(key)?.response === response) cache.delete(key);
      },
      () => {
        if (cache.get(key)?.response === response) cache.delete(key);
      },
    );
    return response;
  };
}
