import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, pageOf } from '../src/http/pagination.js';

const instant = fc.date({
  min: new Date('1970-01-01T00:00:00Z'),
  max: new Date('9999-12-31T23:59:59Z'),
  noInvalidDate: true,
});

describe('page cursors', () => {
  it('a cursor decodes to the time and id it was made from', () => {
    fc.assert(
      fc.property(instant, fc.uuid(), (at, id) => {
        expect(decodeCursor(encodeCursor(at, id))).toEqual({ at, id });
      }),
    );
  });

  it('anything else is ERR_VALIDATION naming the cursor', () => {
    const made = encodeCursor(new Date('2026-06-01T12:00:00Z'), '0f8fad5b-d9cb-469f-a165-70867728950e');
    const forged = [
      'garbage',
      '',
      made.slice(0, -4),
      Buffer.from('2026-06-01T12:00:00.000Z|not-a-uuid').toString('base64url'),
      Buffer.from('yesterday|0f8fad5b-d9cb-469f-a165-70867728950e').toString('base64url'),
    ];
    for (const cursor of forged) {
      expect(() => decodeCursor(cursor), cursor).toThrow(
        expect.objectContaining({ code: 'ERR_VALIDATION', details: { path: 'cursor' } }),
      );
    }
  });

  it('a page is the first `limit` rows, with a next cursor only when a row was left over', () => {
    fc.assert(
      fc.property(fc.array(fc.integer(), { maxLength: 30 }), fc.integer({ min: 1, max: 20 }), (fetched, limit) => {
        const rows = fetched.slice(0, limit + 1);
        const page = pageOf(rows, limit, (last) => `after ${last}`);
        expect(page.rows).toEqual(rows.slice(0, limit));
        expect(page.next).toBe(rows.length > limit ? `after ${rows[limit - 1]}` : null);
      }),
    );
  });
});
