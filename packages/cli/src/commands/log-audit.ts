import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { auditLog, type AuditGet, type AuditReport, type AuditState } from '@skillproof/core';
import { UsageError } from '../io.js';

export interface LogAuditOptions {
  /** The folder of saved states, one JSON file per log origin (default ~/.skillproof/audit). */
  state?: string;
  logKey?: string;
  org?: string;
  token?: string;
  credential?: string | string[];
  json?: boolean;
}

/** Exit codes of `skillproof log audit`: 0 sound, 1 findings (or a check not made), 2 usage. */
export const AUDIT_EXIT = { ok: 0, findings: 1, usage: 2 } as const;

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);
/** An entry bundle holds at most 256 entries of at most 64 KiB each. */
const MAX_BODY = 17 * 1024 * 1024;

function baseUrlOf(value: string | undefined): string {
  if (!value) throw new UsageError('Name the instance: skillproof log audit https://badges.example.edu');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${JSON.stringify(value)} is not a URL.`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))) {
    throw new UsageError('The instance must be an https:// URL (plain http only for localhost).');
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/**
 * The network for an audit: only the audited instance's origin (a leaf cannot send the auditor elsewhere), no
 * redirects, a deadline per request and a size cap.
 */
export function createAuditGet(base: string): AuditGet {
  const origin = new URL(base).origin;
  return async (url, headers = {}) => {
    if (new URL(url).origin !== origin) throw new Error(`Refusing to fetch ${url}: not on ${origin}.`);
    const res = await fetch(url, { headers, redirect: 'manual', signal: AbortSignal.timeout(30_000) });
    if (Number(res.headers.get('content-length') ?? '0') > MAX_BODY) throw new Error(`${url} is too large.`);
    const body = new Uint8Array(await res.arrayBuffer());
    if (body.length > MAX_BODY) throw new Error(`${url} is too large.`);
    const contentType = res.headers.get('content-type') ?? undefined;
    return { status: res.status, body, ...(contentType && { contentType }) };
  };
}

/** The state file of a log: its origin with anything but letters, digits, dots and dashes made `_`. */
export function stateFileOf(dir: string, origin: string): string {
  return join(dir, `${origin.replace(/[^A-Za-z0-9.-]/g, '_')}.json`);
}

async function readState(file: string): Promise<AuditState | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UsageError(`Cannot read the saved state ${file}: ${(e as Error).message}`);
  }
  let value: Partial<AuditState> | null;
  try {
    value = JSON.parse(text) as Partial<AuditState> | null;
  } catch {
    value = null;
  }
  const { origin, vkey, size, rootHash, checkpoint } = value ?? {};
  if (
    typeof origin !== 'string' ||
    typeof vkey !== 'string' ||
    !Number.isSafeInteger(size) ||
    typeof rootHash !== 'string'
  ) {
    throw new UsageError(`The saved state ${file} is not an audit state; move it away to start afresh.`);
  }
  return { origin, vkey, size: size!, rootHash, ...(typeof checkpoint === 'string' && { checkpoint }) };
}

/** Written beside, then renamed: a crash never leaves half a state, which would make the next audit start afresh. */
async function writeState(file: string, state: AuditState, now: Date): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify({ ...state, auditedAt: now.toISOString() }, null, 2)}\n`);
  await rename(temporary, file);
}

function print(report: AuditReport, firstKey: string | undefined): void {
  const { checkpoint, counts } = report;
  if (firstKey) console.log(`First audit of ${report.origin}: trusting its log key ${firstKey} from now on.`);
  if (checkpoint) {
    const root = Buffer.from(checkpoint.rootHash).toString('base64');
    console.log(`${report.origin}: checkpoint of ${checkpoint.size} entries, root ${root}`);
  }
  console.log(`  ${counts.entries} entries, ${counts.tiles} tiles, ${counts.credentials} credentials checked`);
  for (const f of report.findings) {
    const where = [f.index !== undefined && `entry ${f.index}`, f.credential].filter(Boolean).join(', ');
    console.log(`  ✗ ${f.code}${where ? ` (${where})` : ''}: ${f.message}`);
  }
  for (const url of report.pending) console.log(`  … ${url}: logged, not yet in a checkpoint (audit again shortly)`);
  console.log(report.ok ? 'SOUND' : 'NOT SOUND');
}

/**
 * `skillproof log audit <base-url>`: audits an instance's transparency log (core's `auditLog`) against the state saved
 * by the last sound audit of the same log, and saves the new state only when this audit is sound. The first audit
 * trusts the key the instance serves, unless `--log-key` pins one.
 */
export async function logAudit(
  baseUrl: string | undefined,
  options: LogAuditOptions,
  deps: { get?: AuditGet; env?: NodeJS.ProcessEnv; now?: () => Date } = {},
): Promise<number> {
  const base = baseUrlOf(baseUrl);
  const env = deps.env ?? process.env;
  const dir = resolve(options.state !== undefined ? String(options.state) : join(homedir(), '.skillproof', 'audit'));
  const token = options.token ?? env['SKILLPROOF_TOKEN'];
  if (options.org !== undefined && !token) throw new UsageError('--org needs --token (or SKILLPROOF_TOKEN).');
  const credentials = ([] as unknown[]).concat(options.credential ?? []).map(String);
  const file = stateFileOf(dir, `${new URL(base).host}/log`);
  const state = await readState(file);
  const report = await auditLog({
    baseUrl: base,
    get: deps.get ?? createAuditGet(base),
    ...(options.logKey !== undefined && { logKey: String(options.logKey) }),
    ...(state && { state }),
    ...(credentials.length > 0 && { credentials }),
    ...(options.org !== undefined && token && { org: { id: String(options.org), token } }),
  });
  const firstKey = !state && options.logKey === undefined ? report.newState?.vkey : undefined;
  if (options.json) {
    const { checkpoint, ...rest } = report;
    const shown = checkpoint && { ...checkpoint, rootHash: Buffer.from(checkpoint.rootHash).toString('base64') };
    console.log(JSON.stringify({ ...rest, ...(shown && { checkpoint: shown }), stateFile: file }, null, 2));
  } else {
    print(report, firstKey);
  }
  if (!report.ok || !report.newState) return AUDIT_EXIT.findings;
  await mkdir(dir, { recursive: true });
  await writeState(file, report.newState, (deps.now ?? (() => new Date()))());
  return AUDIT_EXIT.ok;
}
