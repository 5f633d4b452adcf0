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
  if (!id || !isUuid(id) || Number.isNaN(at.getTime())) throw notACursor();
  return { at, id };
}

/**
 * A cursor that is a row's id alone, for lists ordered by something the row still holds (a label): the list looks the
 * row up again to continue after it.
 */
export const encodeIdCursor = (id: string): string => Buffer.from(id).toString('base64url');

/** The id a cursor from {@link encodeIdCursor} stands for; anything else is `ERR_VALIDATION`. */
export function decodeIdCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!isUuid(id)) throw notACursor();
  return id;
}

const notACursor = () =>
  new AppError('ERR_VALIDATION', 'cursor: not a cursor this API gave out; start again without it.', {
    path: 'cursor',
  });

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
