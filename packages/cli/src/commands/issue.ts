import { randomUUID } from 'node:crypto';
import { UsageError } from '../io.js';

export interface IssueOptions {
  server?: string;
  token?: string;
  org?: string;
  achievement?: string;
  email?: string;
  did?: string;
  name?: string;
  idempotencyKey?: string;
  notify?: boolean;
  json?: boolean;
}

/** Exit codes of `skillproof issue`: 0 issued (or replayed), 1 the server refused or failed, 2 usage. */
export const ISSUE_EXIT = { issued: 0, refused: 1, usage: 2 } as const;

const TOKEN = /^sp_token_[A-Za-z0-9_-]{43}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Network failures and gateway errors are retried with the same Idempotency-Key, which makes the retry safe.
const ATTEMPTS = 3;
const RETRY_STATUSES = new Set([502, 503, 504]);

function serverUrl(value: string | undefined): string {
  if (!value) throw new UsageError('Name the server with --server <url>, e.g. --server https://badges.example.edu.');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--server ${JSON.stringify(value)} is not a URL.`);
  }
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new UsageError(
      '--server must be an https:// URL (plain http only for localhost): the token travels with it.',
    );
  }
  return url.origin;
}

function required(value: string | undefined, flag: string, what: string): string {
  if (value === undefined || value === '') throw new UsageError(`${flag} is required: ${what}.`);
  return String(value);
}

/**
 * `skillproof issue`: issues one credential through a Skillproof server's API
 * (POST /api/v1/orgs/{org}/credentials) with an API token that has the `credentials:issue` scope.
 */
export async function issue(options: IssueOptions, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const origin = serverUrl(options.server);
  const token = required(options.token ?? env['SKILLPROOF_TOKEN'], '--token (or SKILLPROOF_TOKEN)', 'an API token');
  if (!TOKEN.test(token))
    throw new UsageError('The token must be an API token, sp_token_… (from POST /api/v1/me/tokens).');
  const org = required(options.org, '--org', "the organisation's id");
  const achievement = required(options.achievement, '--achievement', "the achievement's id");
  for (const [flag, value] of [
    ['--org', org],
    ['--achievement', achievement],
  ] as const) {
    if (!UUID.test(value)) throw new UsageError(`${flag} must be an id (a UUID), not ${JSON.stringify(value)}.`);
  }
  if ((options.email === undefined) === (options.did === undefined)) {
    throw new UsageError('Give the recipient as exactly one of --email <address> or --did <did>.');
  }
  const body = {
    achievementId: achievement,
    recipient: options.email !== undefined ? { email: String(options.email) } : { did: String(options.did) },
    ...(options.name !== undefined && { name: String(options.name) }),
    ...(options.notify === false && { notify: false }),
  };
  const idempotencyKey = options.idempotencyKey !== undefined ? String(options.idempotencyKey) : randomUUID();

  let res: Response | undefined;
  let lastError: unknown;
  for (let attempt = 1; attempt <= ATTEMPTS && !res; attempt++) {
    try {
      const answer = await fetch(`${origin}/api/v1/orgs/${org}/credentials`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          accept: 'application/json',
          'idempotency-key': idempotencyKey,
        },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      });
      if (RETRY_STATUSES.has(answer.status) && attempt < ATTEMPTS) {
        await answer.body?.cancel();
      } else {
        res = answer;
      }
    } catch (e) {
      lastError = e;
    }
    if (!res && attempt < ATTEMPTS) await new Promise((r) => setTimeout(r, 250 * 2 ** attempt));
  }
  if (!res) {
    console.error(`skillproof: cannot reach ${origin}: ${(lastError as Error)?.message ?? 'no answer'}`);
    return ISSUE_EXIT.refused;
  }
  const text = await res.text();
  let answer: unknown;
  try {
    answer = JSON.parse(text);
  } catch {
    console.error(`skillproof: ${origin} answered HTTP ${res.status} without JSON.`);
    return ISSUE_EXIT.refused;
  }
  if (res.status !== 200 && res.status !== 201) {
    const error = (answer as { error?: { code?: string; message?: string } }).error;
    console.error(`skillproof: ${error?.code ?? `HTTP ${res.status}`}: ${error?.message ?? text.slice(0, 500)}`);
    return ISSUE_EXIT.refused;
  }
  const { credential } = answer as { credential: { id: string; url: string; recipient: Record<string, string> } };
  if (options.json) {
    console.log(JSON.stringify(answer, null, 2));
  } else {
    const to = credential.recipient['email'] ?? credential.recipient['did'];
    console.log(`${res.status === 201 ? 'Issued' : 'Already issued (same Idempotency-Key)'}: ${credential.url}`);
    console.log(`  to ${to}; Idempotency-Key ${idempotencyKey}`);
  }
  return ISSUE_EXIT.issued;
}
