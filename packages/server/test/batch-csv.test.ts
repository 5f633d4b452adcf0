import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppError } from '../src/errors.js';
import type { CSV_LIMITS } from '../src/domains/batches/csv.js';
import {
  BATCH_COLUMNS,
  parseBatchCsv,
  parseIsoDate,
  readCsvRecords,
  validateRow,
  type ParsedRow,
} from '../src/domains/batches/csv.js';

type Limits = typeof CSV_LIMITS;
const NOW = new Date('2026-06-01T12:00:00Z');
const utf8 = new TextEncoder();

/** The bytes as a stream cut at the given sizes (then the rest in one piece). */
async function* chunked(bytes: Uint8Array, sizes: number[] = []): AsyncGenerator<Uint8Array> {
  let at = 0;
  for (const size of sizes) {
    if (at >= bytes.length) return;
    yield bytes.subarray(at, at + size);
    at += size;
  }
  if (at < bytes.length) yield bytes.subarray(at);
}

const bytesOf = (...parts: (string | Uint8Array)[]) => {
  const arrays = parts.map((p) => (typeof p === 'string' ? utf8.encode(p) : p));
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of arrays) {
    out.set(a, at);
    at += a.length;
  }
  return out;
};

const parseText = (text: string | Uint8Array, limits?: Partial<Limits>) =>
  parseBatchCsv(chunked(typeof text === 'string' ? utf8.encode(text) : text), {
    now: NOW,
    ...(limits && { limits }),
  });

async function fileError(input: string | Uint8Array, limits?: Partial<Limits>): Promise<AppError> {
  const e = await parseText(input, limits).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(AppError);
  return e as AppError;
}

const codes = (row: ParsedRow | undefined) => row?.errors.map((e) => e.code);

describe('readCsvRecords', () => {
  it('cuts records at LF, CRLF and CR outside quotes, keeps line breaks inside quotes, counts lines', async () => {
    const text = 'a,b\r\n"x\r\ny",z\n\nlast\rcr-only';
    const records = [];
    for await (const r of readCsvRecords(chunked(utf8.encode(text), [1, 1, 1, 1, 1, 1]), {
      maxRecordBytes: 100,
      maxBytes: 1000,
    })) {
      records.push('bytes' in r ? { line: r.line, text: new TextDecoder().decode(r.bytes) } : r);
    }
    expect(records).toEqual([
      { line: 1, text: 'a,b' },
      { line: 2, text: '"x\r\ny",z' },
      { line: 5, text: 'last' },
      { line: 6, text: 'cr-only' },
    ]);
  });

  it('drops a record over the limit as it streams and goes on with the next', async () => {
    const big = 'x'.repeat(10 * 1024 * 1024);
    const records = [];
    for await (const r of readCsvRecords(chunked(utf8.encode(`a\n${big}\nb\n`), Array(200).fill(65_536)), {
      maxRecordBytes: 64 * 1024,
      maxBytes: 64 * 1024 * 1024,
    })) {
      records.push('bytes' in r ? new TextDecoder().decode(r.bytes) : r);
    }
    expect(records).toEqual(['a', { line: 2, tooLarge: big.length }, 'b']);
  });

  it('refuses more bytes than maxBytes', async () => {
    const read = async () => {
      for await (const _ of readCsvRecords(chunked(utf8.encode('a\n'.repeat(100)), [10, 10, 10]), {
        maxRecordBytes: 10,
        maxBytes: 150,
      }));
    };
    await expect(read()).rejects.toMatchObject({ code: 'ERR_INPUT_TOO_LARGE' });
  });
});

describe('parseBatchCsv: the file', () => {
  it('reads rows, trims values, lower-cases emails for validation, skips blank and empty rows, strips a BOM', async () => {
    const { columns, rows } = await parseText(
      '\uFEFFEmail , Name,valid_from,valid_until\r\n' +
        ' Ada@Example.org ,"Lovelace, Ada",2026-01-01,2030-01-01T00:00:00+01:00\r\n' +
        '\r\n,,,\r\n' +
        'did:example:123,Bob,,\r\n',
    );
    expect(columns).toEqual(['email', 'name', 'valid_from', 'valid_until']);
    expect(rows).toEqual([
      {
        row: 1,
        line: 2,
        data: {
          email: 'Ada@Example.org',
          name: 'Lovelace, Ada',
          valid_from: '2026-01-01',
          valid_until: '2030-01-01T00:00:00+01:00',
        },
        errors: [],
      },
      {
        row: 2,
        line: 5,
        data: { email: 'did:example:123', name: 'Bob' },
        errors: [
          { code: 'ERR_ROW_EMAIL_INVALID', message: '"did:example:123" is not an email address.', column: 'email' },
        ],
      },
    ]);
  });

  it('needs a header; names unknown and repeated columns; needs email or did', async () => {
    expect((await fileError('')).code).toBe('ERR_CSV_HEADER');
    expect((await fileError('\n\n')).code).toBe('ERR_CSV_HEADER');
    const unknown = await fileError('email,grade,Score\na@example.org,1,2\n');
    expect(unknown.code).toBe('ERR_CSV_HEADER');
    expect(unknown.message).toContain('"grade", "score"');
    expect(unknown.details).toEqual({ unknownColumns: ['grade', 'score'] });
    const headerless = await fileError('ada@example.org,Ada\n');
    expect(headerless.details).toEqual({ unknownColumns: ['ada@example.org', 'ada'] });
    const repeated = await fileError('email,name,Email\n');
    expect(repeated).toMatchObject({ code: 'ERR_CSV_HEADER', details: { repeatedColumns: ['email'] } });
    expect((await fileError('name,valid_from\nAda,2026-01-01\n')).message).toMatch(/email or a did/);
    expect((await fileError('email,name,\n')).details).toEqual({ unknownColumns: [''] });
    expect((await fileError('email\n\n')).code).toBe('ERR_CSV_NO_ROWS');
  });

  it('refuses UTF-16 and a header that is not UTF-8; Latin-1 rows are each an error naming row and column', async () => {
    const utf16 = Buffer.from('\uFEFFemail\na@example.org\n', 'utf16le');
    expect((await fileError(new Uint8Array(utf16))).code).toBe('ERR_CSV_ENCODING');
    const utf16NoBom = Buffer.from('email\na@example.org\n', 'utf16le');
    expect((await fileError(new Uint8Array(utf16NoBom))).code).toBe('ERR_CSV_ENCODING');
    expect((await fileError(bytesOf('email,n', new Uint8Array([0xe4]), 'me\n'))).code).toBe('ERR_CSV_ENCODING');

    const { rows } = await parseText(
      bytesOf('email,name\n', 'a@example.org,Ren', new Uint8Array([0xe9]), 'e\n', 'b@example.org,Zoë\n'),
    );
    expect(rows[0]!.errors).toEqual([
      {
        code: 'ERR_ROW_ENCODING',
        message: 'Row 1 (line 2) is not UTF-8; save the file as CSV in UTF-8.',
        column: 'name',
      },
    ]);
    expect(rows[1]).toMatchObject({ data: { name: 'Zoë' }, errors: [] });
  });

  it('a NUL character is a row error, and is not stored', async () => {
    const { rows } = await parseText('email,name\na@example.org,A\0da\n');
    expect(codes(rows[0])).toEqual(['ERR_ROW_ENCODING']);
    expect(rows[0]!.data.name).toBe('Ada');
  });

  it('a 10 MB line is one ERR_ROW_TOO_LARGE row, and the rows after it are read', async () => {
    const { rows } = await parseText(
      `email,name\na@example.org,A\nb@example.org,${'x'.repeat(10_000_000)}\nc@example.org,C\n`,
    );
    expect(rows.map((r) => [r.row, codes(r)])).toEqual([
      [1, []],
      [2, ['ERR_ROW_TOO_LARGE']],
      [3, []],
    ]);
    expect(rows[1]!.data).toEqual({});
    expect(rows[1]!.errors[0]!.message).toBe(
      'Row 2 (line 3) has 10,000,014 bytes, more than the 65,536 bytes a row may have.',
    );
  });

  it('bad quoting and a wrong number of fields are errors of their row only', async () => {
    const { rows } = await parseText(
      'email,name\na@example.org,"A"x\nb@example.org\nc@example.org,C,extra\nd@example.org,D\n',
    );
    expect(rows.map(codes)).toEqual([['ERR_ROW_MALFORMED'], [], ['ERR_ROW_COLUMNS'], []]);
    expect(rows[1]!.data).toEqual({ email: 'b@example.org' });
  });

  it('an unclosed quote runs to the end of the file, as CSV says: one malformed row', async () => {
    const { rows } = await parseText('email,name\na@example.org,"Ada\nb@example.org,B\n');
    expect(rows.map(codes)).toEqual([['ERR_ROW_MALFORMED']]);
  });

  it('a recipient twice: the later rows are errors naming the first (emails compared in lower case)', async () => {
    const { rows } = await parseText(
      'email,did,name\nada@example.org,,A\n,did:example:1,B\nADA@example.org,,C\n,did:example:1,D\nbad,,E\nbad,,F\n',
    );
    expect(rows.map(codes)).toEqual([
      [],
      [],
      ['ERR_ROW_DUPLICATE'],
      ['ERR_ROW_DUPLICATE'],
      ['ERR_ROW_EMAIL_INVALID'],
      ['ERR_ROW_EMAIL_INVALID'],
    ]);
    expect(rows[2]!.errors[0]).toEqual({
      code: 'ERR_ROW_DUPLICATE',
      message: 'Row 3 names the same recipient as row 1; each recipient may appear once.',
      column: 'email',
    });
    expect(rows[3]!.errors[0]!.message).toContain('as row 2');
  });

  it('refuses more rows than the limit', async () => {
    const text = 'email\n' + Array.from({ length: 11 }, (_, i) => `u${i}@example.org`).join('\n');
    expect((await parseText(text, { rows: 11 })).rows).toHaveLength(11);
    expect(await fileError(text, { rows: 10 })).toMatchObject({ code: 'ERR_INPUT_TOO_LARGE' });
  });

  it('property: any rows, quoted as CSV writers do, cut into any chunks, read back as written', async () => {
    const value = fc.string({
      unit: fc.constantFrom('a', 'é', '😀', ',', '"', '\n', '\r\n', ' ', 'x', '€'),
      maxLength: 12,
    });
    const field = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(value, value), { minLength: 1, maxLength: 20 }),
        fc.constantFrom('\n', '\r\n', '\r'),
        fc.array(fc.integer({ min: 1, max: 7 }), { maxLength: 60 }),
        async (names, newline, cuts) => {
          const lines = names.map(([a, b], i) => [`u${i}@example.org`, field(a), field(b)].join(','));
          const text = ['email,name,did', ...lines].join(newline) + newline;
          const { rows } = await parseBatchCsv(chunked(utf8.encode(text), cuts), { now: NOW });
          const expected = names
            .map(([a, b], i) => ({ email: `u${i}@example.org`, name: a.trim(), did: b.trim() }))
            .map((d) => Object.fromEntries(Object.entries(d).filter(([, v]) => v !== '')));
          expect(rows.map((r) => r.data)).toEqual(expected);
          expect(rows.map((r) => r.row)).toEqual(names.map((_, i) => i + 1));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('validateRow', () => {
  const errorsOf = (data: Record<string, string>) => validateRow(data, NOW).errors.map((e) => [e.code, e.column]);

  it('takes an email (lower-cased) or a DID, the name and dates', () => {
    expect(validateRow({ email: ' Ada@Example.ORG ', name: 'Ada', valid_from: '2026-01-01' }, NOW)).toEqual({
      errors: [],
      request: { recipient: { email: 'ada@example.org' }, name: 'Ada', validFrom: new Date('2026-01-01T00:00:00Z') },
    });
    expect(validateRow({ did: 'did:web:example.org:people:ada' }, NOW).request).toEqual({
      recipient: { did: 'did:web:example.org:people:ada' },
    });
  });

  it('every problem has its code and column', () => {
    expect(errorsOf({})).toEqual([['ERR_ROW_RECIPIENT_MISSING', 'email']]);
    expect(errorsOf({ email: 'a@example.org', did: 'did:example:1' })).toEqual([
      ['ERR_ROW_RECIPIENT_AMBIGUOUS', 'did'],
    ]);
    for (const email of [
      'ada',
      'ada@',
      '@example.org',
      'a b@example.org',
      'ada@example',
      `${'a'.repeat(250)}@example.org`,
    ]) {
      expect(errorsOf({ email })).toEqual([['ERR_ROW_EMAIL_INVALID', 'email']]);
    }
    for (const did of ['did:', 'did:web', 'DID:web:x', 'did:web:', 'did:web:a b', 'did:web:x#frag', 'did:web:%zz']) {
      expect(errorsOf({ did })).toEqual([['ERR_ROW_DID_INVALID', 'did']]);
    }
    expect(errorsOf({ email: 'a@example.org', name: 'x'.repeat(201) })).toEqual([['ERR_ROW_NAME_INVALID', 'name']]);
    expect(errorsOf({ email: 'a@example.org', name: 'a\u0007b' })).toEqual([['ERR_ROW_NAME_INVALID', 'name']]);
    expect(errorsOf({ email: 'a@example.org', valid_from: '01/02/2026' })).toEqual([
      ['ERR_ROW_DATE_INVALID', 'valid_from'],
    ]);
    expect(errorsOf({ email: 'a@example.org', valid_until: '2027-02-30' })).toEqual([
      ['ERR_ROW_DATE_INVALID', 'valid_until'],
    ]);
    expect(errorsOf({ email: 'a@example.org', valid_from: '2027-01-01', valid_until: '2027-01-01' })).toEqual([
      ['ERR_ROW_DATE_ORDER', 'valid_until'],
    ]);
    // Without valid_from the credential is valid from its issuance: valid_until must be later than now.
    expect(errorsOf({ email: 'a@example.org', valid_until: '2026-05-01' })).toEqual([
      ['ERR_ROW_DATE_ORDER', 'valid_until'],
    ]);
    expect(errorsOf({ email: 'ada', valid_from: 'soon' })).toEqual([
      ['ERR_ROW_EMAIL_INVALID', 'email'],
      ['ERR_ROW_DATE_INVALID', 'valid_from'],
    ]);
  });

  it('the columns are the documented ones', () => {
    expect(BATCH_COLUMNS).toEqual(['email', 'did', 'name', 'valid_from', 'valid_until']);
  });
});

describe('parseIsoDate', () => {
  it('reads dates (UTC midnight) and date-times with a zone; refuses the rest', () => {
    expect(parseIsoDate('2026-01-31')?.toISOString()).toBe('2026-01-31T00:00:00.000Z');
    expect(parseIsoDate('2026-01-31T10:00Z')?.toISOString()).toBe('2026-01-31T10:00:00.000Z');
    expect(parseIsoDate('2026-01-31T10:00:00.5+0100')?.toISOString()).toBe('2026-01-31T09:00:00.500Z');
    expect(parseIsoDate('2026-01-31 10:00:00-05:30')?.toISOString()).toBe('2026-01-31T15:30:00.000Z');
    for (const bad of [
      '2026-02-29',
      '2026-01-32',
      '2026-13-01',
      '2026-01-31T24:00Z',
      '2026-01-31T10:00',
      '2026-1-31',
      '31/01/2026',
      '2026-01-31T10:60Z',
      '2026-01-31T10:00+25:00',
      '',
    ]) {
      expect(parseIsoDate(bad), bad).toBeUndefined();
    }
  });

  it('property: every instant, written as ISO 8601 in UTC or with an offset, reads back', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('9999-12-30T00:00:00Z'), noInvalidDate: true }),
        fc.integer({ min: -14 * 4, max: 14 * 4 }),
        (date, quarterHours) => {
          expect(parseIsoDate(date.toISOString())?.getTime()).toBe(date.getTime());
          const offset = quarterHours * 15;
          const local = new Date(date.getTime() + offset * 60_000).toISOString().slice(0, 23);
          const sign = offset < 0 ? '-' : '+';
          const hh = String(Math.floor(Math.abs(offset) / 60)).padStart(2, '0');
          const mm = String(Math.abs(offset) % 60).padStart(2, '0');
          expect(parseIsoDate(`${local}${sign}${hh}:${mm}`)?.getTime()).toBe(date.getTime());
        },
      ),
    );
  });
});
