import { z } from '@hono/zod-openapi';
import { AppError } from '../errors.js';
import { isUuid } from './schemas.js';

/** Where a page of a list sorted newest first ends: the sort time and id of its last row (keyset pagination). */
export interface Cursor {
  at: Date;
  id: string;
}

/** The query parameters of a list that pages with cursors; lists add theirs (`...PageQuery.shape`). */
export const PageQuery = z.object({
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});

/** The opaque `nextCursor` a list answers with. */
export function encodeCursor(at: Date, id: string): string {
  return Buffer.from(`${at.toISOString()}|${id}`).toString('base64url');
}

/** A `cursor` parameter back as the {@link Cursor} it stands for; one this API did not give out is `ERR_VALIDATION`. */
export function decodeCursor(cursor: string): Cursor {
  const [time, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const at = new Date(time ?? '');
  if (!id || !isUuid(id) || Number.isNaN(at.getTime())) {
    throw new AppError('ERR_VALIDATION', 'cursor: not a cursor this API gave out; start again without it.', {
      path: 'cursor',
    });
  }
  return { at, id };
}

/**
 * A page from rows fetched with `limit + 1`: the first `limit`, and the next page's cursor (made from the page's last
 * row) when there was one more, null on the last page.
 *
 * @example
 * ```ts
 * const rows = await query.limit(limit + 1).execute();
 * const { rows: shown, next } = pageOf(rows, limit, (r) => encodeCursor(r.createdAt, r.id));
 * ```
 */
export function pageOf<T>(rows: readonly T[], limit: number, cursorOf: (last: T) => string) {
  const shown = rows.slice(0, limit);
  const last = shown.at(-1);
  return { rows: shown, next: rows.length > limit && last !== undefined ? cursorOf(last) : null };
}
