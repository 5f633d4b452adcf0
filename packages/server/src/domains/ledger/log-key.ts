import type { Kysely } from 'kysely';
import { createNoteSigner, noteVerifierKey, type NoteSigner } from '@skillproof/core';
import type { Database } from '../../db/schema.js';
import type { AppDeps } from '../../http/env.js';
import { singletonKey } from '../../security/singleton-key.js';

/**
 * The instance log's origin: `<host>/log` (the checkpoint's first line and the note key's name). One log per
 * instance: a witness cosigns one tree per instance, and every leaf names its issuer.
 *
 * @example
 * ```ts
 * logOrigin('https://badges.example.edu'); // 'badges.example.edu/log'
 * ```
 */
export function logOrigin(publicUrl: string): string {
  return `${new URL(publicUrl).host}/log`;
}

/** The log key: its seed sealed under the master key, bound to its row (`log-key:<id>`). */
const logKey = singletonKey('logKeys', 'log-key', logOrigin, createNoteSigner);

/**
 * The signed-note signer of the instance's log (key name {@link logOrigin}), opened from its sealed form and made on
 * first use.
 *
 * @example
 * ```ts
 * const signer = await logSigner(db, deps);
 * const note = signNote(formatCheckpoint({ origin: signer.name, size, rootHash }), [signer]);
 * ```
 */
export async function logSigner(
  db: Kysely<Database>,
  deps: Pick<AppDeps, 'keys' | 'clock' | 'publicUrl'>,
): Promise<NoteSigner> {
  return logKey.open(db, deps);
}

/**
 * The log's verifier key in the signed-note format (`<name>+<key hash>+<base64 key>`), what a witness or auditor
 * configures to check its checkpoints. Makes the key on first use.
 *
 * @example
 * ```ts
 * await logVerifierKey(db, deps); // 'badges.example.edu/log+8a1c…+AQ…'
 * ```
 */
export async function logVerifierKey(
  db: Kysely<Database>,
  deps: Pick<AppDeps, 'keys' | 'clock' | 'publicUrl'>,
): Promise<string> {
  const row = await logKey.row(db, deps);
  return noteVerifierKey(row.name, row.publicKey);
}
