import { platform } from '#platform';
import { SkillproofError } from '../errors.js';
import { concatBytes } from '../lib/encoding.js';
import { base64Decode, base64Encode, readUint32, readUint64, uint32Hex, writeUint32 } from './bytes.js';

/**
 * C2SP signed-note signature type of plain Ed25519 note signatures.
 *
 * @example
 * ```ts
 * parseVerifierKey(vkey).type === NOTE_TYPE_ED25519; // a log key
 * ```
 */
export const NOTE_TYPE_ED25519 = 0x01;
/**
 * C2SP signed-note signature type of timestamped Ed25519 checkpoint cosignatures (c2sp.org/tlog-cosignature).
 *
 * @example
 * ```ts
 * parseVerifierKey(vkey).type === NOTE_TYPE_COSIGNATURE; // a witness key
 * ```
 */
export const NOTE_TYPE_COSIGNATURE = 0x04;

/** Go's golang.org/x/mod/sumdb/note caps a note at 100 signatures; C2SP asks verifiers to accept at least 16. */
const MAX_SIGNATURES = 100;
const MAX_NOTE_LENGTH = 1 << 20;
const SIGNATURE_PREFIX = '\u2014 ';
// Go's unicode.IsSpace: the characters a key name may not contain, with '+'.
const SPACE = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0009\u000b-\u001f]/;

/** Signs note text for one key; `sign` returns the raw signature (the key hash is prepended by {@link signNote}). */
export interface NoteSigner {
  readonly name: string;
  readonly keyHash: number;
  sign(message: Uint8Array): Uint8Array;
}

/** Verifies note signatures of one key (name and key hash), whatever its algorithm. */
export interface NoteVerifier {
  readonly name: string;
  readonly keyHash: number;
  /** The signature type byte, when known (0x01 Ed25519, 0x04 cosignature/v1). */
  readonly type?: number;
  verify(message: Uint8Array, signature: Uint8Array): boolean;
}

/** An Ed25519 note signer with its public key and verifier key (vkey). */
export interface Ed25519NoteSigner extends NoteSigner {
  readonly publicKey: Uint8Array;
  /** `<name>+<hex key hash>+<base64(0x01 ‖ public key)>`, what verifiers are configured with. */
  readonly verifierKey: string;
}

/** A verifier parsed from a vkey. */
export interface NoteVerifierKey extends NoteVerifier {
  readonly type: number;
  readonly publicKey: Uint8Array;
  readonly verifierKey: string;
}

/** One signature line of a note. `signature` is the bytes after the 4-byte key hash. */
export interface NoteSignature {
  name: string;
  keyHash: number;
  signature: Uint8Array;
  /** The line as it appears in the note, without its newline. */
  line: string;
}

/** A signature as {@link openNote} judged it; `timeSeconds` for verified cosignatures. */
export interface CheckedNoteSignature extends NoteSignature {
  status: 'verified' | 'invalid' | 'unknown';
  timeSeconds?: number;
}

/** What {@link openNote} found. */
export interface OpenedNote {
  /** The note text, final newline included (what was signed). */
  text: string;
  signatures: CheckedNoteSignature[];
  /** Names of the keys whose signatures verified, in note order. */
  verified: string[];
}

function noteError(message: string): SkillproofError {
  return new SkillproofError('ERR_NOTE_INVALID', message);
}

function keyError(message: string): SkillproofError {
  return new SkillproofError('ERR_KEY_INVALID', message);
}

/** A valid key name: non-empty, no Unicode space, no '+', well-formed. */
export function isValidKeyName(name: unknown): name is string {
  return (
    typeof name === 'string' &&
    name.length > 0 &&
    !SPACE.test(name) &&
    !name.includes('+') &&
    !LONE_SURROGATE.test(name) &&
    !CONTROL.test(name)
  );
}

/**
 * The key hash (key ID) of a note key: the first four bytes, big-endian, of SHA-256(name ‖ 0x0A ‖ type ‖ public key).
 *
 * @example
 * ```ts
 * noteKeyHash('example.com/log', NOTE_TYPE_ED25519, publicKey).toString(16);
 * ```
 */
export function noteKeyHash(name: string, type: number, publicKey: Uint8Array): number {
  const digest = platform.sha256(concatBytes(new TextEncoder().encode(name), Uint8Array.of(0x0a, type), publicKey));
  return readUint32(digest);
}

function assertSeed(seed: unknown): asserts seed is Uint8Array {
  if (!(seed instanceof Uint8Array) || seed.length !== 32) throw keyError('An Ed25519 seed is 32 bytes.');
}

/**
 * An Ed25519 note signer (signature type 0x01) named `name`, from a 32-byte seed.
 *
 * @example
 * ```ts
 * const signer = createNoteSigner('badges.example.edu/log', seed);
 * const note = signNote(formatCheckpoint(checkpoint), [signer]);
 * ```
 */
export function createNoteSigner(name: string, seed: Uint8Array): Ed25519NoteSigner {
  if (!isValidKeyName(name)) throw keyError(`Invalid note key name ${JSON.stringify(name)}.`);
  assertSeed(seed);
  const publicKey = platform.ed25519PublicKey(seed);
  const key = platform.ed25519Signer(seed);
  return {
    name,
    keyHash: noteKeyHash(name, NOTE_TYPE_ED25519, publicKey),
    publicKey,
    verifierKey: noteVerifierKey(name, publicKey),
    sign: (message) => key.sign(message),
  };
}

/**
 * The verifier key (vkey) of a note key: `<name>+<hex key hash>+<base64(type ‖ public key)>`.
 *
 * @example
 * ```ts
 * noteVerifierKey('PeterNeumann', publicKey); // 'PeterNeumann+c74f20a3+ARpc2QcU…'
 * ```
 */
export function noteVerifierKey(name: string, publicKey: Uint8Array, type: number = NOTE_TYPE_ED25519): string {
  if (!isValidKeyName(name)) throw keyError(`Invalid note key name ${JSON.stringify(name)}.`);
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32)
    throw keyError('An Ed25519 public key is 32 bytes.');
  if (type !== NOTE_TYPE_ED25519 && type !== NOTE_TYPE_COSIGNATURE) {
    throw keyError(`Unsupported note signature type ${String(type)}.`);
  }
  const hash = uint32Hex(noteKeyHash(name, type, publicKey));
  return `${name}+${hash}+${base64Encode(concatBytes(Uint8Array.of(type), publicKey))}`;
}

/** Splits `count` '+'-separated fields off the front; the rest (base64 may hold '+') is the last field. */
function chop(text: string, count: number): string[] | undefined {
  const fields: string[] = [];
  let rest = text;
  for (let i = 0; i < count; i++) {
    const at = rest.indexOf('+');
    if (at < 0) return undefined;
    fields.push(rest.slice(0, at));
    rest = rest.slice(at + 1);
  }
  fields.push(rest);
  return fields;
}

/** The cosignature/v1 message: header, time line, then the checkpoint text (c2sp.org/tlog-cosignature). */
export function cosignatureMessage(text: Uint8Array, timeSeconds: number): Uint8Array {
  return concatBytes(new TextEncoder().encode(`cosignature/v1\ntime ${timeSeconds}\n`), text);
}

/**
 * Parses a vkey into a verifier. Type 0x01 verifies plain Ed25519 note signatures; type 0x04 verifies
 * cosignature/v1 timestamped cosignatures (so {@link openNote} checks witnesses too). `ERR_KEY_INVALID` for a
 * malformed key, an unsupported type or a key hash that does not match the name and key.
 *
 * @example
 * ```ts
 * const log = parseVerifierKey('PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW');
 * openNote(note, [log]).verified; // ['PeterNeumann']
 * ```
 */
export function parseVerifierKey(vkey: string): NoteVerifierKey {
  if (typeof vkey !== 'string' || vkey.length > 1000) throw keyError('A verifier key is a short string.');
  const fields = chop(vkey, 2);
  if (!fields) throw keyError('A verifier key is <name>+<hex key hash>+<base64 key>.');
  const [name, hashText, keyText] = fields as [string, string, string];
  if (!isValidKeyName(name)) throw keyError(`Invalid note key name ${JSON.stringify(name)}.`);
  if (!/^[0-9a-f]{8}$/.test(hashText)) throw keyError('The key hash of a verifier key is 8 lowercase hex digits.');
  const key = base64Decode(keyText);
  if (!key || key.length !== 33) throw keyError('The key of a verifier key is base64 of a type byte and 32 bytes.');
  const type = key[0]!;
  if (type !== NOTE_TYPE_ED25519 && type !== NOTE_TYPE_COSIGNATURE) {
    throw keyError(`Unsupported note signature type 0x${type.toString(16).padStart(2, '0')}.`);
  }
  const publicKey = key.slice(1);
  const keyHash = noteKeyHash(name, type, publicKey);
  if (uint32Hex(keyHash) !== hashText) throw keyError('The key hash does not match the name and public key.');
  let ed25519: { verify(message: Uint8Array, signature: Uint8Array): boolean };
  try {
    ed25519 = platform.ed25519Verifier(publicKey);
  } catch (cause) {
    throw new SkillproofError('ERR_KEY_INVALID', 'Not an Ed25519 public key.', { cause });
  }
  const verify =
    type === NOTE_TYPE_ED25519
      ? (message: Uint8Array, signature: Uint8Array) => signature.length === 64 && ed25519.verify(message, signature)
      : (message: Uint8Array, signature: Uint8Array) => {
          if (signature.length !== 72) return false;
          const timeSeconds = readUint64(signature);
          if (timeSeconds === undefined) return false;
          return ed25519.verify(cosignatureMessage(message, timeSeconds), signature.subarray(8));
        };
  return { name, keyHash, type, publicKey, verifierKey: vkey, verify };
}

/**
 * The signer key (skey) of golang.org/x/mod/sumdb/note: `PRIVATE+KEY+<name>+<hex key hash>+<base64(0x01 ‖ seed)>`.
 * Secret: store it like any private key.
 *
 * @example
 * ```ts
 * const skey = noteSignerKey('badges.example.edu/log', seed);
 * ```
 */
export function noteSignerKey(name: string, seed: Uint8Array): string {
  const signer = createNoteSigner(name, seed);
  const key = base64Encode(concatBytes(Uint8Array.of(NOTE_TYPE_ED25519), seed));
  return `PRIVATE+KEY+${name}+${uint32Hex(signer.keyHash)}+${key}`;
}

/**
 * Parses a signer key (skey) into its name and Ed25519 seed, checking the key hash against the derived public key.
 * `ERR_KEY_INVALID` otherwise.
 *
 * @example
 * ```ts
 * const { name, seed } = parseSignerKey(skey);
 * const signer = createNoteSigner(name, seed);
 * ```
 */
export function parseSignerKey(skey: string): { name: string; keyHash: number; seed: Uint8Array } {
  if (typeof skey !== 'string' || skey.length > 1000) throw keyError('A signer key is a short string.');
  const fields = chop(skey, 4);
  if (!fields || fields[0] !== 'PRIVATE' || fields[1] !== 'KEY') {
    throw keyError('A signer key is PRIVATE+KEY+<name>+<hex key hash>+<base64 key>.');
  }
  const [, , name, hashText, keyText] = fields as [string, string, string, string, string];
  if (!isValidKeyName(name)) throw keyError(`Invalid note key name ${JSON.stringify(name)}.`);
  if (!/^[0-9a-f]{8}$/.test(hashText)) throw keyError('The key hash of a signer key is 8 lowercase hex digits.');
  const key = base64Decode(keyText);
  if (!key || key.length !== 33 || key[0] !== NOTE_TYPE_ED25519) {
    throw keyError('The key of a signer key is base64 of 0x01 and a 32-byte Ed25519 seed.');
  }
  const seed = key.slice(1);
  const keyHash = noteKeyHash(name, NOTE_TYPE_ED25519, platform.ed25519PublicKey(seed));
  if (uint32Hex(keyHash) !== hashText) throw keyError('The key hash does not match the name and key.');
  return { name, keyHash, seed };
}

function checkText(text: string, what: string): void {
  if (CONTROL.test(text) || LONE_SURROGATE.test(text)) {
    throw noteError(`A ${what} is UTF-8 with no control characters other than newline.`);
  }
}

/** The note signature line `— <name> base64(key hash ‖ signature)`. */
export function signatureLine(name: string, keyHash: number, signature: Uint8Array): NoteSignature {
  const line = `${SIGNATURE_PREFIX}${name} ${base64Encode(concatBytes(writeUint32(keyHash), signature))}`;
  return { name, keyHash, signature, line };
}

/**
 * Signs note text (which ends in a newline) with each signer: the text, a blank line, then one line per signature,
 * `— <name> base64(key hash ‖ signature)`. Signatures in `keep` (from {@link parseNote}, e.g. the log's signature
 * when adding cosignatures) come first, unless a signer has the same name and key hash.
 *
 * @example
 * ```ts
 * const note = signNote('example.com/log\n1\nbjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=\n', [signer]);
 * ```
 */
export function signNote(text: string, signers: readonly NoteSigner[], keep: readonly NoteSignature[] = []): string {
  if (typeof text !== 'string' || !text.endsWith('\n')) throw noteError('Note text must end with a newline.');
  checkText(text, 'note text');
  if (text.length > MAX_NOTE_LENGTH) throw noteError('The note text is too long.');
  const message = new TextEncoder().encode(text);
  const id = (name: string, keyHash: number) => `${name}+${keyHash}`;
  const signed = new Set(signers.map((s) => id(s.name, s.keyHash)));
  const lines: string[] = [];
  for (const sig of keep) {
    if (!isValidKeyName(sig.name)) throw noteError(`Invalid signature name ${JSON.stringify(sig.name)}.`);
    if (!signed.has(id(sig.name, sig.keyHash))) lines.push(signatureLine(sig.name, sig.keyHash, sig.signature).line);
  }
  for (const signer of signers) {
    if (!isValidKeyName(signer.name)) throw keyError(`Invalid signer name ${JSON.stringify(signer.name)}.`);
    lines.push(signatureLine(signer.name, signer.keyHash >>> 0, signer.sign(message)).line);
  }
  if (lines.length === 0) throw noteError('A signed note needs at least one signature.');
  if (lines.length > MAX_SIGNATURES) throw noteError(`A note holds at most ${MAX_SIGNATURES} signatures.`);
  return `${text}\n${lines.join('\n')}\n`;
}

/**
 * Splits a signed note into its text and signature lines without verifying anything: a note is UTF-8 without control
 * characters other than newline, text ending in a newline, a blank line, then 1 to 100 lines
 * `— <name> <base64 of at least 5 bytes>`. `ERR_NOTE_INVALID` otherwise.
 *
 * @example
 * ```ts
 * const { text, signatures } = parseNote(checkpointNote);
 * ```
 */
export function parseNote(note: string | Uint8Array): { text: string; signatures: NoteSignature[] } {
  let source: string;
  if (note instanceof Uint8Array) {
    if (note.length > MAX_NOTE_LENGTH) throw noteError('The note is too long.');
    try {
      source = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(note);
    } catch {
      throw noteError('A note is UTF-8.');
    }
  } else if (typeof note === 'string') {
    if (note.length > MAX_NOTE_LENGTH) throw noteError('The note is too long.');
    source = note;
  } else {
    throw noteError('A note is a string or UTF-8 bytes.');
  }
  checkText(source, 'note');
  const split = source.lastIndexOf('\n\n');
  if (split < 0) throw noteError('A note has its text, a blank line, then signature lines.');
  const text = source.slice(0, split + 1);
  const block = source.slice(split + 2);
  if (block.length === 0 || !block.endsWith('\n')) throw noteError('A note ends with signature lines.');
  const signatures: NoteSignature[] = [];
  for (const line of block.slice(0, -1).split('\n')) {
    if (!line.startsWith(SIGNATURE_PREFIX)) throw noteError(`Not a signature line: ${JSON.stringify(line)}.`);
    const rest = line.slice(SIGNATURE_PREFIX.length);
    const space = rest.indexOf(' ');
    const name = space < 0 ? rest : rest.slice(0, space);
    const encoded = space < 0 ? '' : rest.slice(space + 1);
    const bytes = base64Decode(encoded);
    if (!isValidKeyName(name) || encoded === '' || !bytes || bytes.length < 5) {
      throw noteError(`Malformed signature line: ${JSON.stringify(line)}.`);
    }
    if (signatures.length === MAX_SIGNATURES) throw noteError(`A note holds at most ${MAX_SIGNATURES} signatures.`);
    signatures.push({ name, keyHash: readUint32(bytes), signature: bytes.slice(4), line });
  }
  return { text, signatures };
}

/**
 * Opens a signed note: parses it ({@link parseNote}) and checks every signature whose name and key hash match one of
 * `verifiers`; others are `unknown` and ignored, as C2SP signed-note requires. A repeated signature of a key is
 * checked once. The result lists each signature's status and the names that verified; per the spec, a caller should
 * reject the note when any known key's signature is `invalid`, and must when none verified.
 * `ERR_NOTE_INVALID` for a malformed note; `ERR_INPUT_INVALID` when two different verifiers share a name and key hash.
 *
 * @example
 * ```ts
 * const opened = openNote(note, [logVerifier, ...witnessVerifiers]);
 * if (!opened.verified.includes(logVerifier.name)) reject();
 * ```
 */
export function openNote(note: string | Uint8Array, verifiers: readonly NoteVerifier[]): OpenedNote {
  const { text, signatures } = parseNote(note);
  const message = new TextEncoder().encode(text);
  const byId = new Map<string, NoteVerifier[]>();
  for (const v of verifiers) {
    const key = `${v.name}+${v.keyHash >>> 0}`;
    const list = byId.get(key) ?? [];
    if (!list.includes(v)) list.push(v);
    byId.set(key, list);
  }
  const seen = new Set<string>();
  const checked: CheckedNoteSignature[] = [];
  const verified: string[] = [];
  for (const sig of signatures) {
    const key = `${sig.name}+${sig.keyHash}`;
    const matches = byId.get(key) ?? [];
    if (matches.length === 0) {
      if (!checked.some((c) => c.status === 'unknown' && c.line === sig.line))
        checked.push({ ...sig, status: 'unknown' });
      continue;
    }
    if (matches.length > 1) {
      throw new SkillproofError('ERR_INPUT_INVALID', `Ambiguous verifier key ${sig.name}+${uint32Hex(sig.keyHash)}.`);
    }
    if (seen.has(key)) continue;
    seen.add(key);
    const verifier = matches[0]!;
    const ok = verifier.verify(message, sig.signature);
    const entry: CheckedNoteSignature = { ...sig, status: ok ? 'verified' : 'invalid' };
    if (ok && verifier.type === NOTE_TYPE_COSIGNATURE) entry.timeSeconds = readUint64(sig.signature);
    checked.push(entry);
    if (ok) verified.push(sig.name);
  }
  return { text, signatures: checked, verified };
}
