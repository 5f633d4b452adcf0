import { SkillproofError } from '../errors.js';
import { HASH_SIZE } from './merkle.js';
import { base64Decode, base64Encode, isSafeIndex, parseDecimal } from './bytes.js';

/** A log checkpoint (C2SP tlog-checkpoint): the log's origin, its size and root hash, and optional extension lines. */
export interface Checkpoint {
  origin: string;
  size: number;
  rootHash: Uint8Array;
  extensions: string[];
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f]/;

function checkpointError(message: string): SkillproofError {
  return new SkillproofError('ERR_CHECKPOINT_INVALID', message);
}

function checkLine(line: unknown, what: string): asserts line is string {
  if (typeof line !== 'string' || line.length === 0 || CONTROL.test(line)) {
    throw checkpointError(`The checkpoint ${what} is a non-empty line without control characters.`);
  }
}

/**
 * The note text of a checkpoint: origin, tree size in decimal, base64 root hash, then any extension lines, each ending
 * in a newline. Sign it with {@link signNote}.
 *
 * @example
 * ```ts
 * const text = formatCheckpoint({ origin: 'badges.example.edu/log', size: 20852163, rootHash });
 * // 'badges.example.edu/log\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n'
 * ```
 */
export function formatCheckpoint(checkpoint: {
  origin: string;
  size: number;
  rootHash: Uint8Array;
  extensions?: readonly string[];
}): string {
  const { origin, size, rootHash, extensions = [] } = checkpoint;
  checkLine(origin, 'origin');
  if (!isSafeIndex(size)) throw checkpointError('The checkpoint size is a non-negative safe integer.');
  if (!(rootHash instanceof Uint8Array) || rootHash.length !== HASH_SIZE) {
    throw checkpointError(`The checkpoint root hash is ${HASH_SIZE} bytes.`);
  }
  for (const line of extensions) checkLine(line, 'extension line');
  return [origin, String(size), base64Encode(rootHash), ...extensions].map((line) => `${line}\n`).join('');
}

/**
 * Parses checkpoint note text (the `text` of {@link openNote} or {@link parseNote}): at least three non-empty lines,
 * a size with no leading zeros, a base64 32-byte root hash, non-empty extension lines. `ERR_CHECKPOINT_INVALID`
 * otherwise.
 *
 * @example
 * ```ts
 * const { origin, size, rootHash } = parseCheckpoint(openNote(note, [logKey]).text);
 * ```
 */
export function parseCheckpoint(text: string): Checkpoint {
  if (typeof text !== 'string' || !text.endsWith('\n')) throw checkpointError('Checkpoint text ends with a newline.');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) throw checkpointError('A checkpoint has an origin, a size and a root hash line.');
  const [origin, sizeText, rootText, ...extensions] = lines as [string, string, string, ...string[]];
  checkLine(origin, 'origin');
  const size = parseDecimal(sizeText);
  if (size === undefined) throw checkpointError('The checkpoint size is a decimal number without leading zeros.');
  const rootHash = base64Decode(rootText);
  if (!rootHash || rootHash.length !== HASH_SIZE) {
    throw checkpointError(`The checkpoint root hash is the base64 of ${HASH_SIZE} bytes.`);
  }
  for (const line of extensions) checkLine(line, 'extension line');
  return { origin, size, rootHash, extensions };
}
