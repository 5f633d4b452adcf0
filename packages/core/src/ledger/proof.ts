import { SkillproofError, isSkillproofError } from '../errors.js';
import type { ErrorCode } from '../errors.js';
import { base64Decode, base64Encode, isSafeIndex, parseDecimal } from './bytes.js';
import { parseCheckpoint } from './checkpoint.js';
import type { Checkpoint } from './checkpoint.js';
import { HASH_SIZE, leafHash, verifyInclusion } from './merkle.js';
import { openNote, parseVerifierKey } from './note.js';
import type { NoteVerifier } from './note.js';

const HEADER = 'c2sp.org/tlog-proof@v1';
const MAX_PROOF_HASHES = 63;

/** A C2SP tlog-proof: an entry's index, its inclusion proof, and the signed (and cosigned) checkpoint it is in. */
export interface TlogProof {
  index: number;
  /** Opaque, unauthenticated extra data (the `extra` line), if any. */
  extra?: Uint8Array;
  /** Inclusion proof hashes, from the leaf's sibling up to the root's child. */
  proof: Uint8Array[];
  /** The checkpoint note, verbatim, with its signature and cosignature lines. */
  checkpoint: string;
}

/** Who must have signed: the log's origin and keys, and the witnesses of which `witnessQuorum` must have cosigned. */
export interface TlogProofPolicy {
  origin: string;
  /** The log's verifier keys (vkeys or verifiers); one signature from them must verify. */
  logKeys: ReadonlyArray<string | NoteVerifier>;
  /** Witness cosigner keys (vkeys of type 0x04 or verifiers). */
  witnesses?: ReadonlyArray<string | NoteVerifier>;
  /** How many of `witnesses` must have cosigned; default all of them. */
  witnessQuorum?: number;
}

/** The outcome of {@link verifyTlogProof}. */
export type TlogProofVerification =
  | {
      verified: true;
      index: number;
      checkpoint: Checkpoint;
      /** The log key names whose signatures verified. */
      logSignatures: string[];
      /** The witnesses whose cosignatures verified, with the time each states. */
      witnesses: Array<{ name: string; timeSeconds?: number }>;
    }
  | { verified: false; code: ErrorCode; message: string };

function proofError(message: string): SkillproofError {
  return new SkillproofError('ERR_LOG_PROOF_INVALID', message);
}

/**
 * Writes a tlog-proof (`.tlog-proof`): the header, the optional `extra` line, `index N`, one base64 hash per line, a
 * blank line and the checkpoint note verbatim.
 *
 * @example
 * ```ts
 * const text = formatTlogProof({ index, proof: inclusionProof(index, size, read), checkpoint: checkpointNote });
 * ```
 */
export function formatTlogProof(proof: TlogProof): string {
  const { index, extra, proof: hashes, checkpoint } = proof;
  if (!isSafeIndex(index)) throw proofError('The index is a non-negative safe integer.');
  if (!Array.isArray(hashes) || hashes.some((h) => !(h instanceof Uint8Array) || h.length !== HASH_SIZE)) {
    throw proofError(`Each inclusion proof hash is ${HASH_SIZE} bytes.`);
  }
  if (typeof checkpoint !== 'string' || !checkpoint.endsWith('\n') || checkpoint.startsWith('\n')) {
    throw proofError('The checkpoint is a signed note ending with a newline.');
  }
  const lines = [HEADER];
  if (extra !== undefined) {
    if (!(extra instanceof Uint8Array) || extra.length === 0) throw proofError('Extra data is non-empty bytes.');
    lines.push(`extra ${base64Encode(extra)}`);
  }
  lines.push(`index ${index}`, ...hashes.map(base64Encode), '');
  return `${lines.join('\n')}\n${checkpoint}`;
}

/**
 * Parses a tlog-proof. The checkpoint is returned verbatim (its signatures are checked by {@link verifyTlogProof}).
 * `ERR_LOG_PROOF_INVALID` when the header, `extra`, `index` or hash lines are malformed or the checkpoint is missing.
 *
 * @example
 * ```ts
 * const { index, proof, checkpoint } = parseTlogProof(await response.text());
 * ```
 */
export function parseTlogProof(text: string): TlogProof {
  if (typeof text !== 'string' || text.length > 1 << 20) throw proofError('A tlog-proof is a string of at most 1 MiB.');
  const lines = text.split('\n');
  if (lines[0] !== HEADER) throw proofError(`A tlog-proof starts with ${HEADER}.`);
  let at = 1;
  let extra: Uint8Array | undefined;
  if (lines[at]?.startsWith('extra ')) {
    extra = base64Decode(lines[at]!.slice('extra '.length));
    if (!extra || extra.length === 0) throw proofError('The extra line holds base64 data.');
    at++;
  }
  const indexLine = lines[at] ?? '';
  const index = indexLine.startsWith('index ') ? parseDecimal(indexLine.slice('index '.length)) : undefined;
  if (index === undefined) throw proofError('A tlog-proof has an "index N" line with N in decimal, no leading zeros.');
  at++;
  const proof: Uint8Array[] = [];
  for (; at < lines.length && lines[at] !== ''; at++) {
    const hash = base64Decode(lines[at]!);
    if (!hash || hash.length !== HASH_SIZE) throw proofError(`Line ${at + 1} is not a base64 ${HASH_SIZE}-byte hash.`);
    if (proof.length === MAX_PROOF_HASHES) throw proofError('The inclusion proof is longer than any tree allows.');
    proof.push(hash);
  }
  if (at >= lines.length) throw proofError('The inclusion proof is followed by a blank line and the checkpoint.');
  const checkpoint = lines.slice(at + 1).join('\n');
  if (checkpoint === '' || !checkpoint.endsWith('\n')) throw proofError('The checkpoint note is missing or truncated.');
  return extra === undefined ? { index, proof, checkpoint } : { index, extra, proof, checkpoint };
}

function verifiers(keys: ReadonlyArray<string | NoteVerifier> | undefined): NoteVerifier[] {
  return (keys ?? []).map((k) => (typeof k === 'string' ? parseVerifierKey(k) : k));
}

/**
 * Verifies a tlog-proof for `leaf` (the entry's bytes) offline, as c2sp.org/tlog-proof describes: the checkpoint's
 * origin is the policy's, a log key signed it and no known key's signature is invalid, at least `witnessQuorum` of
 * the witnesses cosigned it, and the inclusion proof binds the leaf hash at `index` to the checkpoint's root. Returns
 * `{ verified: false, code, message }` with `ERR_LOG_PROOF_INVALID`, `ERR_NOTE_INVALID`, `ERR_NOTE_UNVERIFIED`,
 * `ERR_CHECKPOINT_INVALID` or `ERR_WITNESS_QUORUM`; throws only for a malformed policy (`ERR_KEY_INVALID`).
 *
 * @example
 * ```ts
 * const result = verifyTlogProof(proofText, buildLeaf(event), { origin: 'badges.example.edu/log', logKeys: [vkey] });
 * if (!result.verified) console.warn(result.code, result.message);
 * ```
 */
export function verifyTlogProof(
  proof: string | TlogProof,
  leaf: Uint8Array,
  policy: TlogProofPolicy,
): TlogProofVerification {
  if (!(leaf instanceof Uint8Array)) throw new SkillproofError('ERR_INPUT_INVALID', 'The leaf is bytes.');
  const logKeys = verifiers(policy.logKeys);
  const witnesses = verifiers(policy.witnesses);
  const quorum = policy.witnessQuorum ?? witnesses.length;
  if (logKeys.length === 0 || !Number.isInteger(quorum) || quorum < 0 || quorum > witnesses.length) {
    throw new SkillproofError('ERR_INPUT_INVALID', 'The policy needs a log key and a quorum of 0 to its witnesses.');
  }
  try {
    const parsed = typeof proof === 'string' ? parseTlogProof(proof) : proof;
    const opened = openNote(parsed.checkpoint, [...logKeys, ...witnesses]);
    const invalid = opened.signatures.filter((s) => s.status === 'invalid');
    if (invalid.length > 0) {
      return fail('ERR_NOTE_UNVERIFIED', `The signature of ${invalid[0]!.name} on the checkpoint does not verify.`);
    }
    const isLogKey = (s: { name: string; keyHash: number }) =>
      logKeys.some((k) => k.name === s.name && k.keyHash >>> 0 === s.keyHash);
    const logSignatures = opened.signatures.filter((s) => s.status === 'verified' && isLogKey(s)).map((s) => s.name);
    if (logSignatures.length === 0) return fail('ERR_NOTE_UNVERIFIED', 'No log key signed the checkpoint.');
    const checkpoint = parseCheckpoint(opened.text);
    if (checkpoint.origin !== policy.origin) {
      return fail('ERR_CHECKPOINT_INVALID', `The checkpoint is from ${checkpoint.origin}, not ${policy.origin}.`);
    }
    const isWitness = (s: { name: string; keyHash: number }) =>
      witnesses.some((k) => k.name === s.name && k.keyHash >>> 0 === s.keyHash);
    const cosigned = opened.signatures
      .filter((s) => s.status === 'verified' && isWitness(s))
      .map((s) => (s.timeSeconds === undefined ? { name: s.name } : { name: s.name, timeSeconds: s.timeSeconds }));
    if (cosigned.length < quorum) {
      return fail('ERR_WITNESS_QUORUM', `${cosigned.length} of the ${quorum} witness cosignatures required verified.`);
    }
    if (!verifyInclusion(leafHash(leaf), parsed.index, checkpoint.size, parsed.proof, checkpoint.rootHash)) {
      return fail(
        'ERR_LOG_PROOF_INVALID',
        `The inclusion proof does not bind the leaf at index ${parsed.index} to the checkpoint.`,
      );
    }
    return { verified: true, index: parsed.index, checkpoint, logSignatures, witnesses: cosigned };
  } catch (e) {
    if (isSkillproofError(e) && e.code !== 'ERR_INPUT_INVALID') return fail(e.code, e.message);
    throw e;
  }
}

function fail(code: ErrorCode, message: string): TlogProofVerification {
  return { verified: false, code, message };
}
