import type { Kysely } from 'kysely';
import { createCosigner, type Cosigner } from '@skillproof/core';
import type { Database } from '../../db/schema.js';
import type { AppDeps } from '../../http/env.js';
import { singletonKey } from '../../security/singleton-key.js';

/**
 * The instance's witness name: `<host>/witness`, the cosigner name in its cosignatures (C2SP tlog-cosignature names a
 * witness by a schema-less URL).
 *
 * @example
 * ```ts
 * witnessName('https://badges.example.edu'); // 'badges.example.edu/witness'
 * ```
 */
export function witnessName(publicUrl: string): string {
  return `${new URL(publicUrl).host}/witness`;
}

/** The witness key: its seed sealed under the master key, bound to its row (`witness-key:<id>`). */
const witnessKey = singletonKey('witnessKeys', 'witness-key', witnessName, createCosigner);

/**
 * The witness's cosigner (Ed25519, cosignature/v1), made on first use with a fresh seed sealed under the master key
 * (`singletonKey`: one key however many first uses race; refused if the public URL changed since).
 *
 * @example
 * ```ts
 * const cosigner = await witnessCosigner(db, deps);
 * const line = cosign(checkpointNote, cosigner, seconds).line;
 * ```
 */
export async function witnessCosigner(
  db: Kysely<Database>,
  deps: Pick<AppDeps, 'keys' | 'clock' | 'publicUrl'>,
): Promise<Cosigner> {
  return witnessKey.open(db, deps);
}
