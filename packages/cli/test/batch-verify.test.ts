import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject } from '@skillproof/core';
import { bin, runCli, teamworkCredential } from './helpers/cli.js';

const CREATED = '2025-01-01T00:00:00Z';
let dir: string;
let issuer: string;

const run = (args: string[], stdinFile?: string) => runCli(dir, args, stdinFile);
const credential = (i: number, extra: JsonObject = {}) => teamworkCredential(issuer, i, extra);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'skillproof-batch-'));
  const r = spawnSync(process.execPath, [bin, 'keys', 'generate', '--out', 'key.json'], { cwd: dir, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  issuer = JSON.parse(readFileSync(join(dir, 'key.json'), 'utf8')).controller;
  writeFileSync(join(dir, 'few.jsonl'), [1, 2, 3, 4, 5].map((i) => JSON.stringify(credential(i))).join('\n'));
});

describe('skillproof verify-batch', () => {
  it('signs VC-JWTs as JSON strings, the same with 1 and 2 threads, and verify-batch verifies them', () => {
    writeFileSync(join(dir, 'few.jsonl'), [1, 2, 3, 4, 5].map((i) => JSON.stringify(credential(i))).join('\n'));
    const outs = ['1', '2'].map((t) =>
      run(['sign-batch', '--key', 'key.json', '--format', 'jwt', '--created', CREATED, '--threads', t], 'few.jsonl'),
    );
    for (const o of outs) expect(o.code, o.stderr).toBe(0);
    expect(outs[1]!.stdout).toBe(outs[0]!.stdout);
    const tokens = outs[0]!.lines.map((l) => JSON.parse(l) as string);
    expect(tokens).toHaveLength(5);
    for (const t of tokens) expect(t).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
    // Both forms verify: the JSON string sign-batch writes, and a bare token.
    writeFileSync(join(dir, 'jwts.jsonl'), outs[0]!.stdout + tokens[0] + '\n');
    const v = run(['verify-batch', '--offline', '--threads', '1'], 'jwts.jsonl');
    expect(v.code, v.stdout + v.stderr).toBe(0);
    expect(v.lines.map((l) => JSON.parse(l).verified)).toEqual([true, true, true, true, true, true]);
  });

  it('exit 0 when all verify, 1 when one is tampered, 3 when none failed but one could not be checked offline', () => {
    const good = run(['sign-batch', '--key', 'key.json', '--created', CREATED, '--threads', '1'], 'few.jsonl');
    expect(good.code, good.stderr).toBe(0);
    writeFileSync(join(dir, 'good.jsonl'), good.stdout);
    const ok = run(['verify-batch', '--offline', '--threads', '1'], 'good.jsonl');
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.lines.map((l) => JSON.parse(l).verified)).toEqual([true, true, true, true, true]);

    const tampered = good.lines.map((l, i) => (i === 3 ? l.replace('Teamwork 4', 'Teamwork 9') : l));
    writeFileSync(join(dir, 'tampered.jsonl'), tampered.join('\n') + '\n');
    const bad = run(['verify-batch', '--offline', '--threads', '2'], 'tampered.jsonl');
    expect(bad.code).toBe(1);
    const fourth = JSON.parse(bad.lines[3]!);
    expect(fourth.verified).toBe(false);
    expect(fourth.checks.find((c: { id: string }) => c.id === 'proof')).toMatchObject({
      status: 'failed',
      code: 'ERR_PROOF_INVALID',
    });

    // A status list cannot be fetched offline: the status check is unknown, nothing failed.
    const status = {
      credentialStatus: {
        id: 'https://example.edu/status/1#5',
        type: 'BitstringStatusListEntry',
        statusPurpose: 'revocation',
        statusListIndex: '5',
        statusListCredential: 'https://example.edu/status/1',
      },
    };
    writeFileSync(join(dir, 'status.jsonl'), JSON.stringify(credential(1, status)) + '\n');
    const withStatus = run(['sign-batch', '--key', 'key.json', '--threads', '1'], 'status.jsonl');
    expect(withStatus.code, withStatus.stdout + withStatus.stderr).toBe(0);
    writeFileSync(join(dir, 'status-signed.jsonl'), good.stdout + withStatus.stdout);
    const unknown = run(['verify-batch', '--offline', '--threads', '1'], 'status-signed.jsonl');
    expect(unknown.code, unknown.stdout).toBe(3);
    expect(JSON.parse(unknown.lines[5]!).checks.at(-1)).toMatchObject({ id: 'status', status: 'unknown' });
  });

  it('lines that are not JSON, or blank, are results whose format check failed', () => {
    writeFileSync(join(dir, 'junk.jsonl'), 'not json\n\n{"a":\n"unterminated\n');
    const v = run(['verify-batch', '--offline', '--threads', '1'], 'junk.jsonl');
    expect(v.code).toBe(1);
    expect(v.lines).toHaveLength(4);
    const codes = v.lines.map((l) => {
      const r = JSON.parse(l);
      expect(r.verified).toBe(false);
      expect(r.checks[0]).toMatchObject({ id: 'format', status: 'failed' });
      return r.checks[0].code;
    });
    expect(codes).toEqual(['ERR_FORMAT_UNKNOWN', 'ERR_FORMAT_UNKNOWN', 'ERR_JSON_PARSE', 'ERR_JSON_PARSE']);
  });

  it('stops with exit 1 and one line on standard error when the reader goes away (… | head), not a crash', () => {
    const many = Array.from({ length: 300 }, () => 'not json').join('\n') + '\n';
    writeFileSync(join(dir, 'many.jsonl'), many.repeat(50));
    const r = spawnSync(
      'bash',
      [
        '-c',
        `"${process.execPath}" "${bin}" verify-batch --offline --threads 1 < many.jsonl 2> err.txt | head -c 1 > /dev/null; echo \${PIPESTATUS[0]}`,
      ],
      { cwd: dir, encoding: 'utf8', timeout: 60_000 },
    );
    expect(r.stdout.trim()).toBe('1');
    expect(readFileSync(join(dir, 'err.txt'), 'utf8')).toBe(
      'skillproof: The output was closed before the batch ended.\n',
    );
  });
});
