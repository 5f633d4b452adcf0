import { createHash } from 'node:crypto';

/** A deterministic source of numbers in [0, 1): the same seed gives the same sequence on every machine. */
export type Random = () => number;

/**
 * A seeded generator (sfc32 over the SHA-256 of the seed): what peer assignment draws from, so that an assignment is
 * reproducible from its seed.
 *
 * @example
 * ```ts
 * const random = seededRandom('cohort-2026'); random(); // the same number every time
 * ```
 */
export function seededRandom(seed: string): Random {
  const digest = createHash('sha256').update(seed, 'utf8').digest();
  let a = digest.readUInt32LE(0);
  let b = digest.readUInt32LE(4);
  let c = digest.readUInt32LE(8);
  let d = digest.readUInt32LE(12);
  const next = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t / 4294967296;
  };
  // The first outputs of sfc32 still carry the seed's structure; discard them as its author recommends.
  for (let i = 0; i < 12; i++) next();
  return next;
}

/**
 * A shuffled copy of `items` (Fisher–Yates).
 *
 * @example
 * ```ts
 * shuffled(['a', 'b', 'c'], seededRandom('x'));
 * ```
 */
export function shuffled<T>(items: readonly T[], random: Random): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
