import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bin, runCli } from './helpers/cli.js';
import { runMain } from './helpers/main-in-process.js';
import { startServerProcess, type ServerProcess } from './helpers/server-process.js';

/** `skillproof issue` against a real `skillproof serve` (PGlite in a fresh data folder, demo seeded). */
describe('skillproof issue', () => {
  let dir: string;
  let server: ServerProcess;
  let token: string;
  let orgId: string;
  let achievementId: string;

  /**
   * Runs `skillproof issue` as a real process with this environment (for SKILLPROOF_TOKEN) and no terminal: for one
   * call of each exit status (0, 1, 2); the other calls run the same `main` in this process (`issueHere`), since each
   * child process costs a Node start and a tsx load.
   */
  function issue(args: string[], env: Record<string, string> = {}) {
    const r = spawnSync(process.execPath, [bin, 'issue', ...args], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, SKILLPROOF_TOKEN: '', ...env },
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  }
  const issueHere = (args: string[], env: Record<string, string> = {}) =>
    runMain(dir, ['issue', ...args], { SKILLPROOF_TOKEN: '', ...env });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'skillproof-issue-'));
    mkdirSync(join(dir, 'data'));
    server = await startServerProcess({ DATA_DIR: join(dir, 'data') }, dir);
    const accounts = JSON.parse(readFileSync(join(dir, 'data', 'demo-accounts.json'), 'utf8')) as {
      email: string;
      password: string;
    }[];
    const admin = accounts.find((a) => a.email === 'admin@demo.skillproof.dev')!;
    const signIn = await fetch(`${server.url}/api/v1/auth/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: admin.email, password: admin.password }),
    });
    const { csrfToken } = (await signIn.json()) as { csrfToken: string };
    const headers = {
      cookie: signIn.headers
        .getSetCookie()
        .map((c) => c.split(';')[0])
        .join('; '),
      'x-csrf-token': csrfToken,
      'content-type': 'application/json',
    };
    const me = (await (await fetch(`${server.url}/api/v1/me`, { headers })).json()) as {
      memberships: { orgId: string }[];
    };
    orgId = me.memberships[0]!.orgId;
    const list = (await (await fetch(`${server.url}/api/v1/orgs/${orgId}/achievements`, { headers })).json()) as {
      achievements: { id: string }[];
    };
    achievementId = list.achievements[0]!.id;
    const created = await fetch(`${server.url}/api/v1/me/tokens`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ name: 'cli test', scopes: ['credentials:issue'], orgId }),
    });
    expect(created.status).toBe(201);
    ({ token } = (await created.json()) as { token: string });
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const base = () => ['--server', server.url, '--org', orgId, '--achievement', achievementId];

  it('issues to an email (--json); the credential verifies online with skillproof verify', () => {
    const r = issue([...base(), '--token', token, '--email', 'cli@example.org', '--name', 'Cli Learner', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as {
      credential: { url: string; recipient: unknown };
      document: object;
      jwt: string;
    };
    expect(out.credential.recipient).toEqual({ email: 'cli@example.org' });
    expect(out.jwt.split('.')).toHaveLength(3);
    writeFileSync(join(dir, 'issued.json'), JSON.stringify(out.document));
    const verified = runCli(dir, ['verify', '--json', 'issued.json']);
    const report = JSON.parse(verified.stdout) as { verified: boolean; checks: { id: string; status: string }[] };
    expect(report.checks.map((c) => `${c.id} ${c.status}`)).toContain('status passed');
    expect(report.verified).toBe(true);
    expect(verified.code).toBe(0);
  }, 60_000);

  it('with the same --idempotency-key, a second run answers with the first credential (token from SKILLPROOF_TOKEN)', async () => {
    const args = [...base(), '--did', 'did:example:cli-learner', '--idempotency-key', 'cli-run-1'];
    const first = await issueHere(args, { SKILLPROOF_TOKEN: token });
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(
      /^Issued: http:\/\/localhost:\d+\/credentials\/[0-9a-f-]{36}\n {2}to did:example:cli-learner;/,
    );
    const second = await issueHere(args, { SKILLPROOF_TOKEN: token });
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/^Already issued \(same Idempotency-Key\)/);
    const url = (s: string) => /(http:\S+)/.exec(s)![1];
    expect(url(second.stdout)).toBe(url(first.stdout));
    const other = await issueHere([...base(), '--email', 'other@example.org', '--idempotency-key', 'cli-run-1'], {
      SKILLPROOF_TOKEN: token,
    });
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/^skillproof: ERR_IDEMPOTENCY_MISMATCH: /);
  }, 60_000);

  it('the server’s refusals exit 1 with the error code', async () => {
    const unknown = issue([
      '--server',
      server.url,
      '--org',
      orgId,
      '--achievement',
      '00000000-0000-4000-8000-000000000000',
      '--token',
      token,
      '--email',
      'a@example.org',
    ]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^skillproof: ERR_NOT_FOUND: /);
    const badToken = await issueHere([...base(), '--token', `sp_token_${'A'.repeat(43)}`, '--email', 'a@example.org']);
    expect(badToken.code).toBe(1);
    expect(badToken.stderr).toMatch(/^skillproof: ERR_UNAUTHENTICATED: /);
    const badEmail = await issueHere([...base(), '--token', token, '--email', 'not-an-email']);
    expect(badEmail.code).toBe(1);
    expect(badEmail.stderr).toMatch(/^skillproof: ERR_VALIDATION: recipient\.email/);
  }, 60_000);

  it.each([
    ['no server', (t: string) => ['--token', t, '--org', 'x'], '--server'],
    ['plain http to another host', (t: string) => ['--server', 'http://badges.example.edu', '--token', t], 'https'],
    ['no token', () => ['--server', 'https://badges.example.edu', '--email', 'a@example.org'], '--token'],
    ['a malformed token', () => ['--server', 'https://badges.example.edu', '--token', 'abc'], 'sp_token_'],
    ['no organisation', (t: string) => ['--server', 'https://x.example', '--token', t, '--achievement', 'a'], '--org'],
    [
      'an organisation that is not an id',
      (t: string) => ['--server', 'https://x.example', '--token', t, '--org', 'acme', '--achievement', 'a'],
      '--org must be an id',
    ],
  ])('%s: usage error, exit 2', async (_name, args, message) => {
    const r = await issueHere(args(token));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stdout).toBe('');
  });

  it('needs exactly one of --email and --did: exit 2', () => {
    for (const extra of [[], ['--email', 'a@example.org', '--did', 'did:example:1']]) {
      const r = issue([...base(), '--token', token, ...extra]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('exactly one of --email');
    }
  });
});
