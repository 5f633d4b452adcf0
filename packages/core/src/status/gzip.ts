import { Gunzip, gzipSync } from 'fflate';
import { SkillproofError } from '../errors.js';
import { crc32 } from '../lib/crc32.js';
import { concatBytes } from '../lib/encoding.js';

// Inflate at most this much input per step: DEFLATE's best ratio is about 1032:1, so one step can produce at most
// ~4 MiB of output before the running total is compared with the cap.
const INPUT_STEP = 4096;

/** CRC-32 of several parts, as if concatenated. */
function crc32Parts(parts: readonly Uint8Array[]): number {
  return parts.reduce((crc, part) => crc32(part, crc), 0);
}

function readUint32LE(bytes: Uint8Array, offset: number): number {
  return (bytes[offset]! | (bytes[offset + 1]! << 8) | (bytes[offset + 2]! << 16) | (bytes[offset + 3]! << 24)) >>> 0;
}

function invalid(message: string, cause?: unknown): SkillproofError {
  return new SkillproofError('ERR_STATUS_LIST_INVALID', message, cause === undefined ? {} : { cause });
}

/** GZIP (RFC 1952) with a fixed header (mtime 0), so equal bitstrings encode to equal bytes. */
export function gzip(data: Uint8Array): Uint8Array {
  return gzipSync(data, { level: 9, mtime: 0 });
}

/**
 * Decompresses one GZIP member, refusing to produce more than `maxBytes`.
 *
 * The trailer's ISIZE is attacker-controlled, so it is only used to reject early; the real bound is the running
 * output count while inflating in small steps (fflate's one-shot gunzipSync allocates whatever ISIZE claims). The
 * CRC-32 and ISIZE of the trailer (RFC 1952 §2.3.1) are then checked, which also rejects truncated input, trailing
 * garbage and concatenated members.
 */
export function gunzipBounded(input: Uint8Array, maxBytes: number): Uint8Array {
  if (input.length < 18 || input[0] !== 0x1f || input[1] !== 0x8b || input[2] !== 0x08) {
    throw invalid('The status list is not GZIP data (RFC 1952).');
  }
  const declaredSize = readUint32LE(input, input.length - 4);
  if (declaredSize > maxBytes) {
    throw invalid(`The status list declares ${declaredSize} uncompressed bytes, more than the limit of ${maxBytes}.`);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  let members = 0;
  const stream = new Gunzip((data) => {
    total += data.length;
    if (total > maxBytes) {
      throw invalid(`The status list expands to more than the limit of ${maxBytes} bytes.`);
    }
    chunks.push(data);
  });
  stream.onmember = () => {
    members++;
  };
  try {
    for (let offset = 0; offset < input.length; offset += INPUT_STEP) {
      const end = Math.min(offset + INPUT_STEP, input.length);
      stream.push(input.subarray(offset, end), end === input.length);
      if (members > 0) throw invalid('The status list has more than one GZIP member.');
    }
  } catch (e) {
    if (e instanceof SkillproofError) throw e;
    throw invalid(`The status list is not valid GZIP data: ${(e as Error).message}.`, e);
  }
  if (total !== declaredSize || crc32Parts(chunks) !== readUint32LE(input, input.length - 8)) {
    throw invalid('The status list GZIP trailer (CRC-32 or size) does not match its content.');
  }
  return concatBytes(...chunks);
}
