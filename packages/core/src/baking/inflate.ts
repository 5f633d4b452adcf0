import { Unzlib } from 'fflate';
import { SkillproofError } from '../errors.js';
import { concatBytes } from '../lib/encoding.js';

// Compressed data is fed to the inflater in slices this big. DEFLATE expands at most ~1032:1, so one slice yields at
// most ~1 MiB before the running total is checked: a zlib bomb is stopped soon after it passes the limit.
const SLICE = 1024;

/**
 * Inflates a zlib stream (RFC 1950), refusing to produce more than `limit` bytes. Bad data is ERR_IMAGE_INVALID,
 * too much output ERR_IMAGE_TOO_LARGE; memory stays within about `limit` + 1 MiB whatever the input claims.
 */
export function inflateZlibBounded(data: Uint8Array, limit: number, what: string): Uint8Array {
  const parts: Uint8Array[] = [];
  let total = 0;
  let finished = false;
  const tooLarge = new SkillproofError(
    'ERR_IMAGE_TOO_LARGE',
    `${what} inflates to more than the limit of ${limit} bytes.`,
    { details: { limit } },
  );
  const inflater = new Unzlib((chunk, final) => {
    total += chunk.length;
    if (total > limit) throw tooLarge;
    if (chunk.length > 0) parts.push(chunk);
    if (final) finished = true;
  });
  try {
    if (data.length === 0) throw new Error('no compressed data');
    for (let i = 0; i < data.length; i += SLICE) {
      const end = Math.min(i + SLICE, data.length);
      inflater.push(data.subarray(i, end), end === data.length);
    }
  } catch (cause) {
    if (cause === tooLarge) throw tooLarge;
    throw new SkillproofError('ERR_IMAGE_INVALID', `${what} is not valid zlib data.`, { cause });
  }
  if (!finished) throw new SkillproofError('ERR_IMAGE_INVALID', `${what} ends before its zlib stream does.`);
  return concatBytes(...parts);
}
