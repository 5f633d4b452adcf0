/**
 * The little HTTP client the examples share: a session that keeps its cookie and sends its CSRF token, and the demo
 * accounts' passwords. Everything goes through the public API, as any client would.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- an example: the API's JSON, read as documented
export type Json = any;

/** Calls the API as one signed-in account; a string body is sent as it is, with `type` as its media type. */
export type Api = (method: string, path: string, body?: unknown, type?: string) => Promise<Json>;

/** The JSON of a successful response; anything else throws with the status and the error body. */
export async function expectOk(res: Response): Promise<Json> {
  const body: Json = res.status === 204 ? null : await res.json();
  if (!res.ok) throw new Error(`${res.url}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

/** Signs in (or signs up, with `/api/v1/auth/sign-up`) at `base` and returns a client for that session. */
export async function session(
  base: string,
  path: '/api/v1/auth/sign-in' | '/api/v1/auth/sign-up',
  credentials: object,
): Promise<Api> {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(credentials),
  });
  const { csrfToken } = (await expectOk(res)) as { csrfToken: string };
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  return async (method, route, body, type = 'application/json') => {
    const headers: Record<string, string> = { cookie, 'x-csrf-token': csrfToken };
    if (body !== undefined) headers['content-type'] = type;
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    return expectOk(
      await fetch(`${base}${route}`, { method, headers, ...(payload !== undefined && { body: payload }) }),
    );
  };
}

/**
 * A demo account's password: `given` (the --password option), SKILLPROOF_DEMO_PASSWORD, or the
 * DATA_DIR/demo-accounts.json that the server wrote on its first start.
 */
export async function passwordFor(email: string, given?: string): Promise<string> {
  if (given) return given;
  if (process.env.SKILLPROOF_DEMO_PASSWORD) return process.env.SKILLPROOF_DEMO_PASSWORD;
  const file = join(process.env.DATA_DIR ?? './data', 'demo-accounts.json');
  const accounts = JSON.parse(await readFile(file, 'utf8')) as { email: string; password: string }[];
  const account = accounts.find((a) => a.email === email);
  if (!account) throw new Error(`No demo account ${email} in ${file}.`);
  return account.password;
}
