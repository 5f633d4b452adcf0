import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyCredential } from '@skillproof/core';
import type { JsonObject } from '@skillproof/core';
import { bin, runCli, teamworkCredential } from './helpers/cli.js';
import { main } from '../src/main.js';

const CREATED = '2025-01-01T00:00:00Z';
let dir: string;
let issuer: string;
let signed2: ReturnType<typeof run>;

const run = (args: string[], stdinFile?: string) => runCli(dir, args, stdinFile);
const credential = (i: number, extra: JsonObject = {}) => teamworkCredential(issuer, i, extra);

// Lines that cannot be signed, at known positions (1-based line numbers), with the code each must get.
const BAD: Record<number, { text: string; code: string }> = {
  7: { text: '{"@context": [', code: 'ERR_JSON_PARSE' },
  130: { text: '', code: 'ERR_INPUT_INVALID' },
  257: { text: '[1, 2]', code: 'ERR_INPUT_INVALID' },
  400: {
    text: JSON.stringify({ ...credential(400), notATerm: 'x' }),
    code: 'ERR_TERM_UNDEFINED',
  },
};
const N = 520;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'skillproof-batch-'));
  const r = spawnSync(process.execPath, [bin, 'keys', 'generate', '--out', 'key.json'], { cwd: dir, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  issuer = JSON.parse(readFileSync(join(dir, 'key.json'), 'utf8')).controller;
  const lines: string[] = [];
  for (let n = 1; n <= N; n++) lines.push(BAD[n]?.text ?? JSON.stringify(credential(n)));
  writeFileSync(join(dir, 'unsigned.jsonl'), lines.join('\n') + '\n');
});

describe('skillproof sign-batch', () => {
  it('signs 520 lines on 2 threads: one output line per input line, in input order, error lines in place (exit 1)', async () => {
    signed2 = run(['sign-batch', '--key', 'key.json', '--created', CREATED, '--threads', '2'], 'unsigned.jsonl');
    expect(signed2.code, signed2.stderr).toBe(1);
    expect(signed2.lines).toHaveLength(N);
    for (let n = 1; n <= N; n++) {
      const out = JSON.parse(signed2.lines[n - 1]!);
      if (BAD[n]) {
        expect(out, `line ${n}`).toMatchObject({ error: { code: BAD[n]!.code, line: n } });
        expect(typeof out.error.message).toBe('string');
      } else {
        expect(out.id, `line ${n}`).toBe(credential(n).id);
        expect(out.proof).toMatchObject({ cryptosuite: 'eddsa-rdfc-2022', created: CREATED });
      }
    }
    // The undefined term is named by its JSON path, as `skillproof sign` names it.
    expect(JSON.parse(signed2.lines[399]!).error.path).toBe('$.notATerm');
    // Spot-check: every 50th signed credential verifies in-process.
    for (let n = 1; n <= N; n += 50) {
      if (BAD[n]) continue;
      expect((await verifyCredential(JSON.parse(signed2.lines[n - 1]!))).verified, `line ${n}`).toBe(true);
    }
  });

  it('writes the same bytes with --threads 1 (in this thread) as with --threads 2 (Ed25519 is deterministic)', () => {
    const signed1 = run(['sign-batch', '--key', 'key.json', '--created', CREATED, '--threads', '1'], 'unsigned.jsonl');
    expect(signed1.code, signed1.stderr).toBe(1);
    expect(signed1.stdout).toBe(signed2.stdout);
  });

  it('without --threads, a short batch stays in this thread (no worker start-up) and writes the same bytes', () => {
    const r = run(['sign-batch', '--key', 'key.json', '--created', CREATED, '--stats'], 'unsigned.jsonl');
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toBe(signed2.stdout);
    const stats = JSON.parse(r.stderr.trim().split('\n').at(-1)!) as { workersUsed: boolean; items: number };
    expect(stats).toMatchObject({ items: N, workersUsed: false });
  });

  it('usage errors exit 2 before reading anything', async () => {
    // In this process (standard input is never read when the options are wrong), and once through a real process.
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      expect(await main(['sign-batch', '--created', CREATED])).toBe(2);
      expect(await main(['sign-batch', '--key', 'key.json', '--format', 'xml'])).toBe(2);
      expect(await main(['sign-batch', '--key', 'key.json', '--created', 'yesterday'])).toBe(2);
      expect(await main(['sign-batch', '--key', 'key.json', '--threads', '0'])).toBe(2);
      expect(await main(['sign-batch', '--key', 'missing.json'])).toBe(2);
      expect(await main(['verify-batch', '--threads', '1.5'])).toBe(2);
    } finally {
      process.chdir(cwd);
    }
    expect(run(['verify-batch', '--threads', 'many'], 'unsigned.jsonl').code).toBe(2);
  });
  it('verifies the signed batch on 2 threads: a result per line, in order; the unsignable lines fail (exit 1)', () => {
    writeFileSync(join(dir, 'signed.jsonl'), signed2.stdout);
    const v = run(['verify-batch', '--offline', '--threads', '2'], 'signed.jsonl');
    expect(v.code, v.stderr).toBe(1);
    expect(v.lines).toHaveLength(N);
    for (let n = 1; n <= N; n++) {
      const r = JSON.parse(v.lines[n - 1]!);
      expect(Object.keys(r)).toEqual(['verified', 'checks']);
      for (const c of r.checks) expect(Object.keys(c)).toEqual(['id', 'status', 'code', 'message']);
      expect(r.verified, `line ${n}`).toBe(!BAD[n]);
    }
  });
});
