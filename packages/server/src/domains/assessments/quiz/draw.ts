import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../../db/schema.js';
import { AppError } from '../../../errors.js';
import type { QuizSettings } from './settings.js';

/**
 * A deterministic pseudo-random generator (sfc32) seeded by the SHA-256 of `seed`: the same seed (an attempt's id)
 * always gives the same draw and the same shuffles. Returns numbers in [0, 1).
 *
 * @example
 * ```ts
 * const random = seededRandom(attemptId);
 * const order = shuffled(questionIds, random);
 * ```
 */
export function seededRandom(seed: string): () => number {
  const h = createHash('sha256').update(seed).digest();
  let a = h.readUInt32LE(0);
  let b = h.readUInt32LE(4);
  let c = h.readUInt32LE(8);
  let d = h.readUInt32LE(12);
  const next = () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4_294_967_296;
  };
  // The first outputs of sfc32 still show the seed's structure: discard them, as its author recommends.
  for (let i = 0; i < 12; i++) next();
  return next;
}

/** A uniformly shuffled copy (Fisher–Yates). */
export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** A question of the bank as the draw sees it. */
export interface BankEntry {
  id: string;
  pool: string;
}

/**
 * The questions of one attempt, in the order shown. `bank`: the active questions, in position order. Without a draw,
 * every question; with one, `count` questions picked at random from each pool (each pool's picks in position order,
 * the pools in the draw's order). `shuffleQuestions` then shuffles the whole list.
 */
export function drawQuestions(
  bank: readonly BankEntry[],
  settings: Pick<QuizSettings, 'draw' | 'shuffleQuestions'>,
  random: () => number,
): string[] {
  let ids: string[];
  if (!settings.draw) {
    ids = bank.map((q) => q.id);
  } else {
    ids = [];
    for (const { pool, count } of settings.draw) {
      const inPool = bank.filter((q) => q.pool === pool);
      if (inPool.length < count) throw notEnough(pool, inPool.length, count);
      const picked = new Set(shuffled(inPool, random).slice(0, count));
      ids.push(...inPool.filter((q) => picked.has(q)).map((q) => q.id));
    }
  }
  return settings.shuffleQuestions ? shuffled(ids, random) : ids;
}

const notEnough = (pool: string, has: number, count: number) =>
  new AppError(
    'ERR_STATE',
    `The quiz draws ${count} question(s) from pool "${pool}", which has ${has}: add questions or change the draw.`,
    { pool, has, count },
  );

/** A quiz's active (not archived) questions, in position order: what attempts draw from. */
export async function activeBank(db: Kysely<Database>, assessmentId: string): Promise<BankEntry[]> {
  return db
    .selectFrom('quizQuestions')
    .select(['id', 'pool'])
    .where('assessmentId', '=', assessmentId)
    .where('archivedAt', 'is', null)
    .orderBy('position')
    .orderBy('createdAt')
    .orderBy('id')
    .execute();
}

/** Throws `ERR_STATE` unless the quiz's bank holds what its draw needs (at least one question, in any case). */
export async function assertQuizReady(
  db: Kysely<Database>,
  assessmentId: string,
  settings: Pick<QuizSettings, 'draw'>,
): Promise<void> {
  const bank = await activeBank(db, assessmentId);
  if (bank.length === 0) throw new AppError('ERR_STATE', 'The quiz has no questions: add some before opening it.');
  for (const { pool, count } of settings.draw ?? []) {
    const has = bank.filter((q) => q.pool === pool).length;
    if (has < count) throw notEnough(pool, has, count);
  }
}

/** How many questions an attempt at this quiz has. */
export function attemptLength(bankSize: number, settings: Pick<QuizSettings, 'draw'>): number {
  return settings.draw ? settings.draw.reduce((n, d) => n + d.count, 0) : bankSize;
}
