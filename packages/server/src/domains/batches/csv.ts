import { parse } from 'csv-parse/sync';
import { z } from '@hono/zod-openapi';
import { normalizeEmail } from '@skillproof/core';
import { AppError } from '../../errors.js';
import { DID_PATTERN } from '../issuing/issue.js';

/** The columns a batch CSV may have; `email` or `did` names each row's recipient. */
export const BATCH_COLUMNS = ['email', 'did', 'name', 'valid_from', 'valid_until'] as const;
export type BatchColumn = (typeof BATCH_COLUMNS)[number];

export const CSV_LIMITS = {
  /** Bytes in one row: a longer row is one `ERR_ROW_TOO_LARGE` error, skipped without being held in memory. */
  rowBytes: 64 * 1024,
  /** Data rows in one batch. */
  rows: 100_000,
  /** Bytes in one upload. */
  bytes: 64 * 1024 * 1024,
  nameLength: 200,
  emailLength: 254,
  didLength: 2048,
};

export type RowErrorCode =
  | 'ERR_ROW_TOO_LARGE'
  | 'ERR_ROW_ENCODING'
  | 'ERR_ROW_MALFORMED'
  | 'ERR_ROW_COLUMNS'
  | 'ERR_ROW_RECIPIENT_MISSING'
  | 'ERR_ROW_RECIPIENT_AMBIGUOUS'
  | 'ERR_ROW_EMAIL_INVALID'
  | 'ERR_ROW_DID_INVALID'
  | 'ERR_ROW_NAME_INVALID'
  | 'ERR_ROW_DATE_INVALID'
  | 'ERR_ROW_DATE_ORDER'
  | 'ERR_ROW_DUPLICATE';

/** A problem with one row; `code` is a {@link RowErrorCode}, or the issuing error's code for a row that failed. */
export interface RowError {
  code: string;
  message: string;
  column?: string;
}

export type RowData = Partial<Record<BatchColumn, string>>;

/** One data row: `row` counts data rows from 1 (the header is not counted); `line` is where it starts in the file. */
export interface ParsedRow {
  row: number;
  line: number;
  data: RowData;
  errors: RowError[];
}

/** What one valid row asks to issue. */
export interface RowRequest {
  recipient: { email: string } | { did: string };
  name?: string;
  validFrom?: Date;
  validUntil?: Date;
}

/** A record as the splitter yields it: its bytes, or only its size when it was over the limit. */
export type CsvRecord = { line: number; bytes: Uint8Array } | { line: number; tooLarge: number };

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

/**
 * Splits a CSV byte stream into records (RFC 4180: a line break inside double quotes belongs to the field; LF, CRLF
 * and CR end records). A record longer than `maxRecordBytes` is not held: its bytes are dropped as they arrive and it
 * is yielded as `{ tooLarge }`, so a 10 MB line costs no more memory than a short one. Blank lines are skipped.
 * More than `maxBytes` in all is `ERR_INPUT_TOO_LARGE`.
 *
 * (csv-parse's own `max_record_size` stops the parse; with `skip_records_with_error` it also drops the records after
 * the long one in the same chunk, so records are cut here and each is then parsed by csv-parse alone.)
 */
export async function* readCsvRecords(
  source: AsyncIterable<Uint8Array>,
  limits: { maxRecordBytes: number; maxBytes: number },
): AsyncGenerator<CsvRecord> {
  let parts: Uint8Array[] = [];
  let size = 0;
  let total = 0;
  let inQuotes = false;
  let afterCr = false;
  let line = 1;
  let recordLine = 1;
  const take = (chunk: Uint8Array, from: number, to: number) => {
    if (to <= from) return;
    size += to - from;
    if (size <= limits.maxRecordBytes) parts.push(chunk.subarray(from, to));
    else parts = [];
  };
  const finish = (): CsvRecord | undefined => {
    const record: CsvRecord | undefined =
      size > limits.maxRecordBytes
        ? { line: recordLine, tooLarge: size }
        : size > 0
          ? { line: recordLine, bytes: concat(parts, size) }
          : undefined;
    parts = [];
    size = 0;
    recordLine = line;
    return record;
  };
  for await (const chunk of source) {
    total += chunk.length;
    if (total > limits.maxBytes) {
      throw new AppError('ERR_INPUT_TOO_LARGE', `The file is larger than ${limits.maxBytes / 1024 / 1024} MiB.`);
    }
    let start = 0;
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i];
      if (byte === QUOTE) {
        inQuotes = !inQuotes;
      } else if (byte === LF || byte === CR) {
        const crlf = byte === LF && afterCr;
        if (!crlf) line++;
        if (!inQuotes) {
          take(chunk, start, i);
          start = i + 1;
          if (!crlf) {
            const record = finish();
            if (record) yield record;
          } else {
            recordLine = line;
          }
        }
      }
      afterCr = byte === CR;
    }
    take(chunk, start, chunk.length);
  }
  const last = finish();
  if (last) yield last;
}

function concat(parts: Uint8Array[], size: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(size);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const lossy = new TextDecoder('utf-8', { ignoreBOM: true });
const BOM = [0xef, 0xbb, 0xbf];
const plural = (n: number, one: string) => `${n.toLocaleString('en')} ${one}${n === 1 ? '' : 's'}`;

/**
 * Reads a batch CSV: the header (required; every column one of {@link BATCH_COLUMNS}, and `email` or `did` among
 * them), then each row, validated on its own. Problems with the file as a whole (not UTF-8, no header, unknown or
 * repeated columns, too many rows or bytes) throw an AppError; problems with a row are that row's `errors`, and
 * reading goes on. A recipient named twice is an error on the later rows, naming the first.
 *
 * @example
 * ```ts
 * const { rows } = await parseBatchCsv(request.body, { now: new Date() });
 * rows.filter((r) => r.errors.length > 0); // what the preview shows
 * ```
 */
export async function parseBatchCsv(
  source: AsyncIterable<Uint8Array>,
  options: { now: Date; limits?: Partial<typeof CSV_LIMITS> },
): Promise<{ columns: BatchColumn[]; rows: ParsedRow[] }> {
  const limits = { ...CSV_LIMITS, ...options.limits };
  let columns: BatchColumn[] | undefined;
  const rows: ParsedRow[] = [];
  const firstRowOf = new Map<string, number>();
  for await (const record of readCsvRecords(source, { maxRecordBytes: limits.rowBytes, maxBytes: limits.bytes })) {
    if (!columns) {
      columns = readHeader(record);
      continue;
    }
    const parsed = readRow(record, columns, rows.length + 1);
    if (!parsed) continue;
    if (rows.length >= limits.rows) {
      throw new AppError(
        'ERR_INPUT_TOO_LARGE',
        `The file has more than ${plural(limits.rows, 'row')}; split it into smaller batches.`,
      );
    }
    if (parsed.errors.length === 0) {
      const { errors, request } = validateRow(parsed.data, options.now, limits);
      parsed.errors = errors;
      if (request) {
        const key = 'email' in request.recipient ? `email:${request.recipient.email}` : `did:${request.recipient.did}`;
        const first = firstRowOf.get(key);
        if (first === undefined) firstRowOf.set(key, parsed.row);
        else {
          parsed.errors.push({
            code: 'ERR_ROW_DUPLICATE',
            message: `Row ${parsed.row} names the same recipient as row ${first}; each recipient may appear once.`,
            column: 'email' in request.recipient ? 'email' : 'did',
          });
        }
      }
    }
    rows.push(parsed);
  }
  if (!columns) throw new AppError('ERR_CSV_HEADER', 'The file is empty: the first row must be a header.');
  if (rows.length === 0) throw new AppError('ERR_CSV_NO_ROWS', 'The file has a header but no rows.');
  return { columns, rows };
}

function readHeader(record: CsvRecord): BatchColumn[] {
  if ('tooLarge' in record) {
    throw new AppError('ERR_CSV_HEADER', `The header row has ${plural(record.tooLarge, 'byte')}; is it a CSV file?`);
  }
  let bytes = record.bytes;
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff) || bytes.includes(0)) {
    throw new AppError('ERR_CSV_ENCODING', 'The file is UTF-16 (or binary); save it as CSV in UTF-8.');
  }
  if (BOM.every((b, i) => bytes[i] === b)) bytes = bytes.subarray(3);
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new AppError('ERR_CSV_ENCODING', 'The header row is not UTF-8; save the file as CSV in UTF-8.');
  }
  let names: string[];
  try {
    names = (parse(text, { relax_column_count: true }) as string[][])[0] ?? [];
  } catch (e) {
    throw new AppError('ERR_CSV_HEADER', `The header row is not valid CSV: ${(e as Error).message}`);
  }
  names = names.map((n) => n.trim().toLowerCase());
  const unknown = names.filter((n) => !(BATCH_COLUMNS as readonly string[]).includes(n));
  if (unknown.length > 0) {
    throw new AppError(
      'ERR_CSV_HEADER',
      `Unknown column${unknown.length === 1 ? '' : 's'} ${unknown.map((n) => JSON.stringify(n)).join(', ')}; ` +
        `the columns are ${BATCH_COLUMNS.join(', ')} (email or did required).`,
      { unknownColumns: unknown },
    );
  }
  const repeated = names.filter((n, i) => names.indexOf(n) !== i);
  if (repeated.length > 0) {
    throw new AppError('ERR_CSV_HEADER', `The column ${JSON.stringify(repeated[0])} appears more than once.`, {
      repeatedColumns: [...new Set(repeated)],
    });
  }
  if (!names.includes('email') && !names.includes('did')) {
    throw new AppError('ERR_CSV_HEADER', 'The header needs an email or a did column to name the recipients.');
  }
  return names as BatchColumn[];
}

/** One record as a row: decoded, split into fields, and matched to the columns. `undefined` for a row of empty fields. */
function readRow(record: CsvRecord, columns: BatchColumn[], row: number): ParsedRow | undefined {
  const at = `Row ${row} (line ${record.line})`;
  if ('tooLarge' in record) {
    return {
      row,
      line: record.line,
      data: {},
      errors: [
        {
          code: 'ERR_ROW_TOO_LARGE',
          message: `${at} has ${plural(record.tooLarge, 'byte')}, more than the ${plural(CSV_LIMITS.rowBytes, 'byte')} a row may have.`,
        },
      ],
    };
  }
  const errors: RowError[] = [];
  let text: string;
  try {
    text = utf8.decode(record.bytes);
  } catch {
    text = lossy.decode(record.bytes);
    errors.push({ code: 'ERR_ROW_ENCODING', message: `${at} is not UTF-8; save the file as CSV in UTF-8.` });
  }
  if (text.includes('\0')) {
    // PostgreSQL text cannot hold NUL, and no name or address has one.
    text = text.replaceAll('\0', '');
    errors.push({ code: 'ERR_ROW_ENCODING', message: `${at} holds a NUL character.` });
  }
  let fields: string[];
  try {
    const records = parse(text, { relax_column_count: true }) as string[][];
    if (records.length !== 1) throw new Error('the row does not hold exactly one record');
    fields = records[0]!.map((f) => f.trim());
  } catch (e) {
    return {
      row,
      line: record.line,
      data: {},
      errors: [...errors, { code: 'ERR_ROW_MALFORMED', message: `${at} is not valid CSV: ${(e as Error).message}` }],
    };
  }
  if (fields.every((f) => f === '')) return undefined;
  const data: RowData = {};
  columns.forEach((column, i) => {
    const value = fields[i];
    if (value !== undefined && value !== '') data[column] = value;
  });
  // Fewer fields than columns: the last ones are empty (hand-written files leave them out). More: data would be lost.
  if (fields.length > columns.length) {
    errors.push({
      code: 'ERR_ROW_COLUMNS',
      message: `${at} has ${plural(fields.length, 'field')}; the header has ${plural(columns.length, 'column')}.`,
    });
  }
  if (errors.length > 0) {
    for (const e of errors.filter((e) => e.code === 'ERR_ROW_ENCODING')) {
      const bad = columns.filter((c) => data[c]?.includes('\uFFFD'));
      if (bad.length > 0) e.column = bad[0]!;
    }
  }
  return { row, line: record.line, data, errors };
}

const EMAIL = z.email();
// ISO 8601 / RFC 3339: a date (midnight UTC), or a date and time with Z or an offset.
const DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?([Zz]|[+-]\d{2}:?\d{2}))?$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * Checks one row's values and says what it asks to issue. Pure: the preview and the issuing job both call it, so a
 * row is judged the same way when it is shown and when it is issued (only `now` may have moved on).
 *
 * @example
 * ```ts
 * validateRow({ email: 'Ada@Example.org', valid_from: '2026-01-01' }, new Date()).request;
 * // { recipient: { email: 'ada@example.org' }, validFrom: 2026-01-01T00:00:00.000Z }
 * ```
 */
export function validateRow(
  data: RowData,
  now: Date,
  limits: Pick<typeof CSV_LIMITS, 'nameLength' | 'emailLength' | 'didLength'> = CSV_LIMITS,
): { errors: RowError[]; request?: RowRequest } {
  const errors: RowError[] = [];
  let recipient: RowRequest['recipient'] | undefined;
  if (data.email !== undefined && data.did !== undefined) {
    errors.push({
      code: 'ERR_ROW_RECIPIENT_AMBIGUOUS',
      message: 'The row has both an email and a did; give one of them.',
      column: 'did',
    });
  } else if (data.email !== undefined) {
    const email = normalizeEmail(data.email);
    if (email.length > limits.emailLength || !EMAIL.safeParse(email).success) {
      errors.push({
        code: 'ERR_ROW_EMAIL_INVALID',
        message: `${JSON.stringify(truncate(data.email))} is not an email address.`,
        column: 'email',
      });
    } else recipient = { email };
  } else if (data.did !== undefined) {
    if (data.did.length > limits.didLength || !DID_PATTERN.test(data.did)) {
      errors.push({
        code: 'ERR_ROW_DID_INVALID',
        message: `${JSON.stringify(truncate(data.did))} is not a DID (did:<method>:<id>).`,
        column: 'did',
      });
    } else recipient = { did: data.did };
  } else {
    errors.push({ code: 'ERR_ROW_RECIPIENT_MISSING', message: 'The row has no email (or did).', column: 'email' });
  }
  const name = data.name;
  if (name !== undefined && (name.length > limits.nameLength || CONTROL.test(name))) {
    errors.push({
      code: 'ERR_ROW_NAME_INVALID',
      message: CONTROL.test(name)
        ? 'The name holds a control character.'
        : `The name is longer than ${limits.nameLength} characters.`,
      column: 'name',
    });
  }
  const validFrom = readDate(data, 'valid_from', errors);
  const validUntil = readDate(data, 'valid_until', errors);
  if (validUntil && validUntil <= (validFrom ?? now)) {
    errors.push({
      code: 'ERR_ROW_DATE_ORDER',
      message: validFrom
        ? 'valid_until must be after valid_from.'
        : `valid_until must be in the future (it is the issuance date when valid_from is empty).`,
      column: 'valid_until',
    });
  }
  if (errors.length > 0 || !recipient) return { errors };
  return {
    errors,
    request: {
      recipient,
      ...(name !== undefined && { name }),
      ...(validFrom && { validFrom }),
      ...(validUntil && { validUntil }),
    },
  };
}

function readDate(data: RowData, column: 'valid_from' | 'valid_until', errors: RowError[]): Date | undefined {
  const value = data[column];
  if (value === undefined) return undefined;
  const date = parseIsoDate(value);
  if (!date) {
    errors.push({
      code: 'ERR_ROW_DATE_INVALID',
      message: `${JSON.stringify(truncate(value))} is not an ISO 8601 date (2026-09-01) or date-time with a zone (2026-09-01T09:00:00Z).`,
      column,
    });
  } else if (date.getUTCFullYear() < 1970 || date.getUTCFullYear() > 9999) {
    errors.push({ code: 'ERR_ROW_DATE_INVALID', message: `${value} is not between 1970 and 9999.`, column });
    return undefined;
  }
  return date;
}

/** An ISO 8601 calendar date or date-time with a zone, or `undefined` (also for impossible dates like 02-30). */
export function parseIsoDate(value: string): Date | undefined {
  const m = DATE.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h = '00', mi = '00', s = '00', fraction = '', zone = 'Z'] = m;
  const offset = zone.toUpperCase() === 'Z' ? 'Z' : `${zone.slice(0, 3)}:${zone.slice(-2)}`;
  const date = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}${fraction.slice(0, 4)}${offset}`);
  if (Number.isNaN(date.getTime())) return undefined;
  // Date rolls 02-30 over to 03-02 and 24:00 to the next day: the fields must be what was written.
  const written = new Date(0);
  written.setUTCFullYear(Number(y), Number(mo) - 1, Number(d));
  written.setUTCHours(Number(h), Number(mi), Number(s));
  const same =
    written.getUTCFullYear() === Number(y) &&
    written.getUTCMonth() === Number(mo) - 1 &&
    written.getUTCDate() === Number(d) &&
    written.getUTCHours() === Number(h) &&
    written.getUTCMinutes() === Number(mi) &&
    written.getUTCSeconds() === Number(s);
  return same ? date : undefined;
}

function truncate(text: string, max = 80): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
