import { format } from 'node:util';
import { main } from '../../src/main.js';

export interface MainRun {
  /** What `main` resolved to: the exit code bin/skillproof.js sets. */
  code: number;
  stdout: string;
  stderr: string;
  /** The lines of standard output. */
  lines: string[];
}

/**
 * Runs the command in this process as bin/skillproof.js does (`process.exitCode = await main(argv)`), from `dir` and
 * with `env` set, capturing what it writes to standard output and error (console included), neither a terminal. A
 * child process costs a Node start and a tsx load of the sources (about a second under load); suites that make many
 * calls run them here and keep real `node bin/skillproof.js` runs (helpers/cli.ts) for what only the binary shows: its
 * exit status and streams. One call at a time: it swaps process-wide state (working directory, streams, environment);
 * the working directory needs Vitest's default `forks` pool (worker threads cannot chdir).
 *
 * @example
 * const r = await runMain(dir, ['verify', 'signed.json', '--offline']);
 * r.code; // 0
 */
export async function runMain(dir: string, args: string[], env: Record<string, string> = {}): Promise<MainRun> {
  const out: string[] = [];
  const err: string[] = [];
  const text = (chunk: unknown) =>
    typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
  const capture =
    (into: string[]) =>
    (chunk: unknown, ...rest: unknown[]): boolean => {
      into.push(text(chunk));
      const done = rest.find((r): r is () => void => typeof r === 'function');
      done?.();
      return true;
    };
  const saved = {
    cwd: process.cwd(),
    log: console.log,
    info: console.info,
    error: console.error,
    warn: console.warn,
    stdout: process.stdout.write,
    stderr: process.stderr.write,
    env: Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]])),
  };
  process.chdir(dir);
  Object.assign(process.env, env);
  console.log = console.info = (...a: unknown[]) => void out.push(`${format(...a)}\n`);
  console.error = console.warn = (...a: unknown[]) => void err.push(`${format(...a)}\n`);
  process.stdout.write = capture(out) as typeof process.stdout.write;
  process.stderr.write = capture(err) as typeof process.stderr.write;
  // Pipes, as for a child process run by a test: no terminal (no progress bar), whatever runs the tests.
  const ttys = [process.stdout, process.stderr].map((stream) => {
    const own = Object.getOwnPropertyDescriptor(stream, 'isTTY');
    Object.defineProperty(stream, 'isTTY', { value: false, configurable: true, writable: true });
    return () => (own ? Object.defineProperty(stream, 'isTTY', own) : delete (stream as { isTTY?: boolean }).isTTY);
  });
  let code: number;
  try {
    code = await main(args);
  } finally {
    for (const restore of ttys) restore();
    process.stdout.write = saved.stdout;
    process.stderr.write = saved.stderr;
    Object.assign(console, { log: saved.log, info: saved.info, error: saved.error, warn: saved.warn });
    for (const [k, v] of Object.entries(saved.env)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    process.chdir(saved.cwd);
  }
  const stdout = out.join('');
  return { code, stdout, stderr: err.join(''), lines: stdout.split('\n').slice(0, -1) };
}
