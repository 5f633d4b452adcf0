/**
 * The credentials every measurement uses: the rich OB 3.0 credential of the test suite (alignments, results with
 * rubric levels, an @list, evidence; ~2.5 KB unsigned) and the 1EdTech CLR 2.0 example (four contexts, a nested
 * AchievementCredential with its own proof, associations) re-issued under the bench's did:key. Variants differ in
 * `id` and subject `id`, so no path can answer a repeated document from a cache.
 */
import { generateEd25519Key } from '../src/index.js';
import type { Ed25519Key, JsonObject } from '../src/index.js';
import { richCredential } from '../test/helpers/credentials.js';
import { vectorJson } from '../test/helpers/vectors.js';

/** The issuer key's seed (the test suite's: bytes 1…32); the reference library derives the same key pair from it. */
export const BENCH_SEED = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
/** Every proof's `created`: Ed25519 is deterministic, so equal inputs give byte-identical proofValues on both sides. */
export const CREATED = '2025-03-01T09:00:00Z';
/** The verifiers' fixed clock (inside every credential's validity period). */
export const NOW = new Date('2026-01-15T12:00:00Z');

export function benchKey(): Ed25519Key {
  return generateEd25519Key({ seed: BENCH_SEED });
}

export type CredentialName = 'ob3' | 'clr';

export interface BenchCredential {
  name: CredentialName;
  label: string;
  /** Credential number `i` (distinct id and subject id), a fresh object each call. */
  make(i: number): JsonObject;
}

/** `urn:uuid:` with the variant number in the last group: a valid, distinct v4-shaped UUID per item. */
export function variantId(i: number): string {
  return `urn:uuid:5b1e0c3a-8d2f-4c6b-9a7e-${i.toString(16).padStart(12, '0')}`;
}

function withVariant(template: JsonObject, i: number): JsonObject {
  const credential = structuredClone(template);
  credential.id = variantId(i);
  credential.credentialSubject = { ...(credential.credentialSubject as JsonObject), id: `did:example:learner-${i}` };
  return credential;
}

export function benchCredentials(key: Ed25519Key): BenchCredential[] {
  const ob3 = richCredential(key.controller);
  const clr = vectorJson('1edtech-openbadges-specification/extracted-from-html/linked-data-proof-clr.credential.json');
  delete clr.proof;
  clr.issuer = { ...(clr.issuer as JsonObject), id: key.controller };
  return [
    { name: 'ob3', label: 'OB 3.0 rich', make: (i) => withVariant(ob3, i) },
    { name: 'clr', label: 'CLR 2.0', make: (i) => withVariant(clr, i) },
  ];
}

/** The proofValue of a signed credential's (last) proof. */
export function proofValueOf(signed: JsonObject): string {
  const proof = signed.proof;
  const last = Array.isArray(proof) ? proof[proof.length - 1] : proof;
  const value = last && typeof last === 'object' && !Array.isArray(last) ? last.proofValue : undefined;
  if (typeof value !== 'string') throw new Error('The signed credential has no proofValue.');
  return value;
}
