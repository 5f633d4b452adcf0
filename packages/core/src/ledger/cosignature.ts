import { platform } from '#platform';
import { SkillproofError } from '../errors.js';
import { concatBytes } from '../lib/encoding.js';
import { isSafeIndex, readUint64, writeUint64 } from './bytes.js';
import { parseCheckpoint } from './checkpoint.js';
import {
  NOTE_TYPE_COSIGNATURE,
  cosignatureMessage,
  isValidKeyName,
  noteKeyHash,
  noteVerifierKey,
  parseNote,
  parseVerifierKey,
  signatureLine,
} from './note.js';
import type { NoteSignature, NoteVerifier } from './note.js';

/** A witness key that cosigns checkpoints (c2sp.org/tlog-cosignature, cosignature/v1, signature type 0x04). */
export interface Cosigner {
  readonly name: string;
  readonly keyHash: number;
  readonly publicKey: Uint8Array;
  /** `<name>+<hex key hash>+<base64(0x04 ‖ public key)>`. */
  readonly verifierKey: string;
  /** The 72-byte timestamped signature (big-endian seconds ‖ Ed25519 signature) of checkpoint text. */
  cosign(text: Uint8Array, timeSeconds: number): Uint8Array;
}

/**
 * A cosigner named `name` (a schema-less URL identifying the witness) from a 32-byte Ed25519 seed. Its key hash uses
 * signature type 0x04, so the same name and key never collide with a plain note signer.
 *
 * @example
 * ```ts
 * const witness = createCosigner('witness.example.org/w1', seed);
 * ```
 */
export function createCosigner(name: string, seed: Uint8Array): Cosigner {
  if (!isValidKeyName(name))
    throw new SkillproofError('ERR_KEY_INVALID', `Invalid cosigner name ${JSON.stringify(name)}.`);
  if (!(seed instanceof Uint8Array) || seed.length !== 32) {
    throw new SkillproofError('ERR_KEY_INVALID', 'An Ed25519 seed is 32 bytes.');
  }
  const publicKey = platform.ed25519PublicKey(seed);
  const key = platform.ed25519Signer(seed);
  return {
    name,
    keyHash: noteKeyHash(name, NOTE_TYPE_COSIGNATURE, publicKey),
    publicKey,
    verifierKey: noteVerifierKey(name, publicKey, NOTE_TYPE_COSIGNATURE),
    cosign(text, timeSeconds) {
      if (!isSafeIndex(timeSeconds)) {
        throw new SkillproofError('ERR_INPUT_INVALID', 'A cosignature time is a non-negative integer of seconds.');
      }
      return concatBytes(writeUint64(timeSeconds), key.sign(cosignatureMessage(text, timeSeconds)));
    },
  };
}

/**
 * Cosigns a signed checkpoint at `timeSeconds` (POSIX seconds) and returns the cosignature, whose `line` is what a
 * witness answers and what the log appends (with `signNote(text, [], [...signatures, cosignature])`). It only signs:
 * the witness checks the log's signature and the consistency with what it saw before calling it.
 * `ERR_NOTE_INVALID` / `ERR_CHECKPOINT_INVALID` when the note is not a checkpoint.
 *
 * @example
 * ```ts
 * const cosignature = cosign(checkpointNote, witness, Math.floor(clock().getTime() / 1000));
 * ```
 */
export function cosign(checkpointNote: string, cosigner: Cosigner, timeSeconds: number): NoteSignature {
  const { text } = parseNote(checkpointNote);
  parseCheckpoint(text);
  const signature = cosigner.cosign(new TextEncoder().encode(text), timeSeconds);
  return signatureLine(cosigner.name, cosigner.keyHash, signature);
}

/**
 * Finds the cosignature of one witness in a checkpoint note and checks it. `verifier` is the witness's vkey (type
 * 0x04) or its parsed verifier. Returns whether it verified and, if so, the time it states.
 *
 * @example
 * ```ts
 * const { verified, timeSeconds } = verifyCosignature(checkpointNote, 'witness.example.org/w1+1c1b8c62+BP…');
 * ```
 */
export function verifyCosignature(
  checkpointNote: string,
  verifier: string | NoteVerifier,
): { verified: boolean; timeSeconds?: number } {
  const key = typeof verifier === 'string' ? parseVerifierKey(verifier) : verifier;
  const { text, signatures } = parseNote(checkpointNote);
  const message = new TextEncoder().encode(text);
  const mine = signatures.filter((s) => s.name === key.name && s.keyHash === key.keyHash >>> 0);
  if (mine.length === 0 || !mine.every((s) => key.verify(message, s.signature))) return { verified: false };
  const timeSeconds = readUint64(mine[0]!.signature);
  return timeSeconds === undefined ? { verified: false } : { verified: true, timeSeconds };
}
