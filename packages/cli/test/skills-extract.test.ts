import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../bin/skillproof.js', import.meta.url));

function run(input: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [bin, 'skills', ...args], { input, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('skillproof skills extract', () => {
  it('writes one JSON line per input line, with at most --top ESCO skills each', () => {
    const r = run(
      'Experience with Java and SQL\n\nTeam player with great communication skills\n',
      'extract',
      '--top',
      '3',
      '--json',
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { text: string; skills: { uri: string; label: string; score: number }[] });
    expect(lines.map((l) => l.text)).toEqual([
      'Experience with Java and SQL',
      '',
      'Team player with great communication skills',
    ]);
    expect(lines[1]!.skills).toEqual([]);
    for (const l of [lines[0]!, lines[2]!]) {
      expect(l.skills.length).toBe(3);
      for (const s of l.skills) {
        expect(Object.keys(s).sort()).toEqual(['label', 'score', 'uri']);
        expect(s.uri).toMatch(/^http:\/\/data\.europa\.eu\/esco\/skill\//);
      }
    }
    expect(lines[0]!.skills.map((s) => s.label)).toEqual(
      expect.arrayContaining(['Java (computer programming)', 'SQL']),
    );
    expect(lines[2]!.skills[0]!.label).toBe('communication');
  });

  it('prints score, label and URI lines under each text without --json', () => {
    const r = run('SQL\n', 'extract', '--top', '1');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^# SQL\n\d+\.\d{3}\tSQL\thttp:\/\/data\.europa\.eu\/esco\/skill\/[0-9a-f-]+\n$/);
  });

  it('refuses a bad --top or an unknown action with exit code 2', () => {
    for (const args of [['extract', '--top', '0'], ['extract', '--top', 'many'], ['guess']]) {
      const r = run('SQL\n', ...args);
      expect([args.join(' '), r.code]).toEqual([args.join(' '), 2]);
      expect(r.stdout).toBe('');
    }
  });
});
