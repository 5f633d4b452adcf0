/**
 * `npm run bench`: the core benchmark (packages/core/bench/run.ts, with its own options), or with `--only <name>` one
 * named benchmark instead. Every other option goes to the benchmark that runs.
 *
 *   npm run bench -- [--quick] [--json FILE] …              the core benchmark, as before
 *   npm run bench -- --only ledger [--json FILE] …          the transparency log (packages/server/bench/ledger.ts)
 */
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BENCHES: Record<string, string> = {
  core: 'packages/core/bench/run.ts',
  ledger: 'packages/server/bench/ledger.ts',
};

const argv = process.argv.slice(2);
const at = argv.findIndex((a) => a === '--only' || a.startsWith('--only='));
const only = at < 0 ? 'core' : argv[at]!.startsWith('--only=') ? argv[at]!.slice('--only='.length) : argv[at + 1];
const rest = at < 0 ? argv : argv.filter((_, i) => i !== at && (argv[at]!.includes('=') || i !== at + 1));
const file = only === undefined ? undefined : BENCHES[only];
if (!file) {
  process.stderr.write(`--only takes one of ${Object.keys(BENCHES).join(', ')}; got ${String(only)}\n`);
  process.exit(2);
}
if (at < 0) {
  // The core benchmark in this process, exactly as `npm run bench` always ran it (same flags, same arguments).
  await import(pathToFileURL(resolve(root, file)).href);
} else {
  const child = spawnSync(process.execPath, [...process.execArgv, resolve(root, file), ...rest], { stdio: 'inherit' });
  process.exit(child.status ?? 1);
}
