import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JsonObject } from '@skillproof/core';

/** The command's entry point. */
export const bin = fileURLToPath(new URL('../../bin/skillproof.js', import.meta.url));

/**
 * Runs the command from a clean `node bin/skillproof.js` in `dir`, standard input from a file there. `timeout`
 * (default 60 s) is for commands that load a database (import), which take longer on a busy machine.
 */
export function runCli(dir: string, args: string[], stdinFile?: string, options: { timeout?: number } = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd: dir,
    encoding: 'utf8',
    timeout: options.timeout ?? 60_000,
    maxBuffer: 64 * 1024 * 1024,
    ...(stdinFile !== undefined
      ? { input: readFileSync(join(dir, stdinFile)) }
      : { stdio: ['ignore', 'pipe', 'pipe'] }),
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, lines: r.stdout.split('\n').slice(0, -1) };
}

/** The i-th of a family of small, distinct OB 3.0 credentials from `issuer`. */
export function teamworkCredential(issuer: string, i: number, extra: JsonObject = {}): JsonObject {
  return {
    '@context': ['https://www.w3.org/ns/credentials/v2', 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json'],
    id: `urn:uuid:00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    type: ['VerifiableCredential', 'OpenBadgeCredential'],
    issuer: { id: issuer, type: ['Profile'], name: 'Example University' },
    validFrom: '2025-01-01T00:00:00Z',
    credentialSubject: {
      id: `did:example:learner-${i}`,
      type: ['AchievementSubject'],
      achievement: {
        id: 'https://example.edu/achievements/teamwork',
        type: ['Achievement'],
        name: `Teamwork ${i}`,
        description: 'Works well in a team.',
        criteria: { narrative: 'Peer-nominated.' },
      },
    },
    ...extra,
  };
}
