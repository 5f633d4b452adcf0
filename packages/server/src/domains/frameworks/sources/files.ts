import { createHash } from 'node:crypto';
import { createReadStream, statSync, type ReadStream } from 'node:fs';
import { join } from 'node:path';
import { createBrotliDecompress, createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import { FrameworkImportError } from './model.js';

/** A directory of source files; each named file may be stored as NAME, NAME.gz or NAME.br. */
export interface SourceDirectory {
  readonly dir: string;
  has(name: string): boolean;
  /** Total bytes (as stored) of the named files that exist: for the progress bar. */
  size(names: readonly string[]): number;
  bytesRead(): number;
  /** SHA-256 hex over the named files' decompressed bytes, in the order given (names included). */
  contentHash(names: readonly string[]): Promise<string>;
  /**
   * Streams a delimited file's rows as objects keyed by header, with their 1-based line number (of the row's first
   * line). Checks: file exists (ERR_IMPORT_FILE_MISSING), UTF-8 (ERR_IMPORT_ENCODING with line; UTF-16/UTF-32 BOMs and
   * invalid bytes named), BOM stripped, required columns present (ERR_IMPORT_COLUMNS naming the missing ones), quoting
   * (ERR_IMPORT_CSV with line). delimiter ',' (CSV, RFC 4180) or '\t' (O*NET: tab-separated, no quoting).
   */
  rows(name: string, options: RowsOptions): AsyncIterable<SourceRow>;
}

/** How {@link SourceDirectory.rows} reads a file: its delimiter and the header names it must have. */
export interface RowsOptions {
  delimiter: ',' | '\t';
  required: readonly string[];
  /**
   * Pads rows with fewer fields than the header with empty strings instead of refusing them: ESCO's
   * skillsHierarchy_en.csv leaves out the empty trailing columns of its shallower rows. Longer rows are still refused.
   */
  padShortRows?: boolean;
}

/** One data row of a delimited file and the line it starts on (the header is line 1). */
export interface SourceRow {
  line: number;
  row: Record<string, string>;
}

/** How a file may be stored, tried in this order: as is, gzip, brotli. */
const ENCODINGS = [
  { suffix: '', label: 'plain' },
  { suffix: '.gz', label: 'gzip' },
  { suffix: '.br', label: 'brotli' },
] as const;

type Stored = { path: string; bytes: number; label: (typeof ENCODINGS)[number]['label'] };

/**
 * A record longer than this is refused rather than buffered: in a source file it is almost always an unclosed quote
 * swallowing the rest of the file, and the cap keeps memory flat whatever the input.
 */
const MAX_RECORD_CHARS = 1 << 20;

/** Bytes per read and per decompressed chunk: zlib's 16 KB default costs a stream round trip every 16 KB. */
const CHUNK = 256 * 1024;

/**
 * Opens a directory of framework source files (ESCO CSV, O*NET text files) for streaming, whether each file is stored
 * plain, gzipped or brotli-compressed, so the shipped compressed copy and the original download read the same.
 *
 * @example
 * const files = openSourceDirectory('packages/server/data/esco-1.1.1');
 * for await (const { line, row } of files.rows('skills_en.csv', { delimiter: ',', required: ['conceptUri'] })) {
 *   console.log(line, row.conceptUri);
 * }
 */
export function openSourceDirectory(dir: string): SourceDirectory {
  const active = new Set<ReadStream>();
  let finished = 0;

  function find(name: string): Stored | undefined {
    for (const { suffix, label } of ENCODINGS) {
      const path = join(dir, name + suffix);
      try {
        const stat = statSync(path);
        if (stat.isFile()) return { path, bytes: stat.size, label };
      } catch {
        // not stored this way: try the next
      }
    }
    return undefined;
  }

  function get(name: string): Stored {
    const stored = find(name);
    if (!stored) {
      throw new FrameworkImportError(
        'ERR_IMPORT_FILE_MISSING',
        `${name} (or ${name}.gz, ${name}.br) is not in ${dir}: check the directory holds the framework's source files`,
        { file: name },
      );
    }
    return stored;
  }

  /** The decompressed bytes of one file; `track` counts its stored bytes into bytesRead(). */
  async function* bytesOf(name: string, stored: Stored, track: boolean): AsyncGenerator<Buffer> {
    const file = createReadStream(stored.path, { highWaterMark: CHUNK });
    if (track) active.add(file);
    let stream: Readable = file;
    if (stored.label !== 'plain') {
      const decompress =
        stored.label === 'gzip' ? createGunzip({ chunkSize: CHUNK }) : createBrotliDecompress({ chunkSize: CHUNK });
      file.on('error', (error) => decompress.destroy(error));
      stream = file.pipe(decompress);
    }
    try {
      for await (const chunk of stream) yield chunk as Buffer;
    } catch (error) {
      if (error instanceof FrameworkImportError) throw error;
      const code = (error as { code?: unknown }).code;
      if (typeof code === 'string' && code.startsWith('E') && !code.startsWith('ERR_')) {
        throw new FrameworkImportError('ERR_IMPORT_FILE_MISSING', `${stored.path} cannot be read (${code})`, {
          file: name,
        });
      }
      throw new FrameworkImportError(
        'ERR_IMPORT_ENCODING',
        `${stored.path} is not valid ${stored.label} data (${(error as Error).message}): store it uncompressed or recompress it`,
        { file: name },
      );
    } finally {
      stream.destroy();
      file.destroy();
      if (track) {
        active.delete(file);
        finished += file.bytesRead;
      }
    }
  }

  return {
    dir,
    has: (name) => find(name) !== undefined,
    size: (names) => names.reduce((sum, name) => sum + (find(name)?.bytes ?? 0), 0),
    bytesRead() {
      let sum = finished;
      for (const file of active) sum += file.bytesRead;
      return sum;
    },
    async contentHash(names) {
      const hash = createHash('sha256');
      for (const name of names) {
        const stored = find(name);
        hash.update(`${name}\n`);
        if (!stored) {
          hash.update('-\n');
          continue;
        }
        let length = 0;
        for await (const chunk of bytesOf(name, stored, false)) {
          hash.update(chunk);
          length += chunk.length;
        }
        hash.update(`\n${length}\n`);
      }
      return hash.digest('hex');
    },
    rows(name, options) {
      // looked up when iteration starts, so a missing file is an error of the loop that reads it
      return {
        [Symbol.asyncIterator]: () =>
          parseRows(name, decodeUtf8(name, bytesOf(name, get(name), true)), options)[Symbol.asyncIterator](),
      };
    },
  };
}

const BOMS: { bytes: number[]; encoding: string }[] = [
  { bytes: [0xff, 0xfe, 0x00, 0x00], encoding: 'UTF-32 (little-endian)' },
  { bytes: [0x00, 0x00, 0xfe, 0xff], encoding: 'UTF-32 (big-endian)' },
  { bytes: [0xff, 0xfe], encoding: 'UTF-16 (little-endian)' },
  { bytes: [0xfe, 0xff], encoding: 'UTF-16 (big-endian)' },
];

/**
 * UTF-8 text of a byte stream, chunk by chunk, checked strictly: a UTF-16/32 byte-order mark, an invalid byte or a
 * NUL (UTF-16 without a mark) is ERR_IMPORT_ENCODING with its line. Each chunk is cut after its last complete
 * character, so every decode is self-contained and an error can be located within it.
 */
export async function* decodeUtf8(file: string, chunks: AsyncIterable<Buffer>): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  let carry: Buffer = Buffer.alloc(0);
  let first = true;
  let line = 1;

  const nulError = (where: number) =>
    new FrameworkImportError(
      'ERR_IMPORT_ENCODING',
      `NUL character on line ${where}: the file looks like UTF-16 without a byte-order mark, or binary data; save it as UTF-8`,
      { file, line: where },
    );
  const decode = (bytes: Buffer): string => {
    let text: string;
    try {
      text = decoder.decode(bytes);
    } catch {
      const at = firstInvalidUtf8(bytes);
      const nul = bytes.indexOf(0);
      if (nul >= 0 && nul < at) throw nulError(line + countByte(bytes, 0x0a, nul));
      const where = line + countByte(bytes, 0x0a, Math.max(at, 0));
      const byte = bytes[Math.max(at, 0)] ?? 0;
      const hint = byte >= 0x80 && byte <= 0xff ? ' (Latin-1 or Windows-1252 text looks like this)' : '';
      throw new FrameworkImportError(
        'ERR_IMPORT_ENCODING',
        `byte 0x${byte.toString(16).toUpperCase().padStart(2, '0')} on line ${where} is not UTF-8${hint}: save the file as UTF-8`,
        { file, line: where },
      );
    }
    const nul = text.indexOf('\0');
    if (nul >= 0) throw nulError(line + countChar(text, '\n', 0, nul));
    line += countChar(text, '\n', 0, text.length);
    return text;
  };

  for await (const chunk of chunks) {
    let bytes = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
    if (first) {
      if (bytes.length < 4) {
        carry = bytes;
        continue;
      }
      first = false;
      bytes = stripBom(file, bytes);
    }
    const end = completeUpTo(bytes);
    carry = Buffer.from(bytes.subarray(end));
    if (end > 0) yield decode(bytes.subarray(0, end));
  }
  if (first) carry = stripBom(file, carry);
  if (carry.length > 0) yield decode(carry);
}

function stripBom(file: string, bytes: Buffer): Buffer {
  for (const bom of BOMS) {
    if (bom.bytes.every((b, i) => bytes[i] === b)) {
      throw new FrameworkImportError(
        'ERR_IMPORT_ENCODING',
        `the file is ${bom.encoding} (it starts with that byte-order mark): save it as UTF-8`,
        { file, line: 1 },
      );
    }
  }
  return bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
}

/** Where the trailing incomplete UTF-8 sequence of `bytes` starts (its length when the last character is whole). */
function completeUpTo(bytes: Uint8Array): number {
  let i = bytes.length - 1;
  let continuation = 0;
  while (i >= 0 && continuation < 3 && (bytes[i]! & 0xc0) === 0x80) {
    i--;
    continuation++;
  }
  if (i < 0) return bytes.length;
  const lead = bytes[i]!;
  const needed = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return bytes.length - i < needed ? i : bytes.length;
}

/** The offset of the first byte that is not well-formed UTF-8 (Unicode §3.9, table 3-7), or -1. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let n: number;
    let low = 0x80;
    let high = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) n = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      n = 2;
      if (b === 0xe0) low = 0xa0;
      if (b === 0xed) high = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      n = 3;
      if (b === 0xf0) low = 0x90;
      if (b === 0xf4) high = 0x8f;
    } else return i;
    if (i + n >= bytes.length) return i; // cut short by the end of the file
    const second = bytes[i + 1];
    if (second === undefined || second < low || second > high) return i;
    for (let k = 2; k <= n; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
    }
    i += n + 1;
  }
  return -1;
}

function countByte(bytes: Uint8Array, byte: number, end: number): number {
  let count = 0;
  for (let i = bytes.indexOf(byte); i >= 0 && i < end; i = bytes.indexOf(byte, i + 1)) count++;
  return count;
}

function countChar(text: string, char: string, start: number, end: number): number {
  let count = 0;
  for (let i = text.indexOf(char, start); i >= 0 && i < end; i = text.indexOf(char, i + 1)) count++;
  return count;
}

/**
 * Rows of a delimited text stream keyed by its header. CSV follows RFC 4180 (quoted fields may hold delimiters, line
 * breaks and doubled quotes); tab-separated files have no quoting (O*NET text contains bare quotes). Blank lines are
 * skipped. Line numbers are counted here rather than taken from csv-parse, whose `info.lines` drifts on CRLF input and
 * reports the end of a record, not its start.
 */
export async function* parseRows(
  file: string,
  text: AsyncIterable<string>,
  options: RowsOptions,
): AsyncGenerator<SourceRow> {
  let header: string[] | undefined;
  let buffer = '';
  let line = 1;
  const tab = options.delimiter === '\t';

  function* drain(final: boolean): Generator<SourceRow> {
    let position = 0;
    for (;;) {
      const parsed = tab ? splitTabLine(buffer, position, final) : splitCsvRecord(file, buffer, position, final, line);
      if (!parsed) break;
      const start = line;
      line += countChar(buffer, '\n', position, parsed.end);
      position = parsed.end;
      const fields = parsed.fields;
      if (fields.length === 1 && fields[0] === '') continue;
      if (!header) {
        header = fields;
        const missing = options.required.filter((column) => !fields.includes(column));
        if (missing.length > 0) {
          throw new FrameworkImportError(
            'ERR_IMPORT_COLUMNS',
            `missing column${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')} (the header has ${fields.map((f) => `"${f}"`).join(', ')})`,
            { file, line: start },
          );
        }
        continue;
      }
      if (options.padShortRows) while (fields.length < header.length) fields.push('');
      if (fields.length !== header.length) {
        throw new FrameworkImportError(
          'ERR_IMPORT_CSV',
          `line ${start} has ${fields.length} fields but the header has ${header.length}${tab ? '' : ': check its quoting'}`,
          { file, line: start },
        );
      }
      const row: Record<string, string> = {};
      for (let i = 0; i < header.length; i++) row[header[i]!] = fields[i]!;
      yield { line: start, row };
    }
    buffer = buffer.slice(position);
    if (buffer.length > MAX_RECORD_CHARS) {
      throw new FrameworkImportError(
        'ERR_IMPORT_CSV',
        `the record starting on line ${line} is longer than ${MAX_RECORD_CHARS} characters: probably a quote that is never closed`,
        { file, line },
      );
    }
  }

  for await (const chunk of text) {
    buffer += chunk;
    yield* drain(false);
  }
  yield* drain(true);
  if (!header) {
    throw new FrameworkImportError('ERR_IMPORT_COLUMNS', 'the file is empty: it needs a header row', { file, line: 1 });
  }
}

type Split = { fields: string[]; end: number };

/** The line of `offset`, in a record starting at `position` on line `line`. */
function lineOf(buffer: string, position: number, line: number, offset: number): number {
  return line + countChar(buffer, '\n', position, offset);
}

function splitTabLine(buffer: string, position: number, final: boolean): Split | undefined {
  if (position >= buffer.length) return undefined;
  const newline = buffer.indexOf('\n', position);
  if (newline < 0 && !final) return undefined;
  const end = newline < 0 ? buffer.length : newline + 1;
  let content = buffer.slice(position, newline < 0 ? buffer.length : newline);
  if (content.endsWith('\r')) content = content.slice(0, -1);
  return { fields: content.split('\t'), end };
}

/**
 * One RFC 4180 record starting at `position`, or undefined when the buffer ends inside it (more text is needed).
 * `line` is the record's first line, for errors.
 */
function splitCsvRecord(
  file: string,
  buffer: string,
  position: number,
  final: boolean,
  line: number,
): Split | undefined {
  if (position >= buffer.length) return undefined;
  const fields: string[] = [];
  let p = position;
  for (;;) {
    if (buffer.charCodeAt(p) === 0x22) {
      // quoted field
      let value = '';
      let from = p + 1;
      for (;;) {
        const quote = buffer.indexOf('"', from);
        if (quote < 0 || (quote === buffer.length - 1 && !final)) {
          if (!final) return undefined;
          throw new FrameworkImportError(
            'ERR_IMPORT_CSV',
            `the quote opened on line ${lineOf(buffer, position, line, p)} is never closed`,
            {
              file,
              line: lineOf(buffer, position, line, p),
            },
          );
        }
        if (buffer.charCodeAt(quote + 1) === 0x22) {
          value += buffer.slice(from, quote + 1);
          from = quote + 2;
          continue;
        }
        value += buffer.slice(from, quote);
        p = quote + 1;
        break;
      }
      fields.push(value);
      const next = buffer.charCodeAt(p);
      if (next === 0x2c) {
        p++;
        continue;
      }
      if (p >= buffer.length) {
        if (!final) return undefined;
        return { fields, end: p };
      }
      if (next === 0x0a) return { fields, end: p + 1 };
      if (next === 0x0d) {
        if (p + 1 >= buffer.length && !final) return undefined;
        if (p + 1 >= buffer.length) return { fields, end: p + 1 };
        if (buffer.charCodeAt(p + 1) === 0x0a) return { fields, end: p + 2 };
      }
      throw new FrameworkImportError(
        'ERR_IMPORT_CSV',
        `line ${lineOf(buffer, position, line, p)}: text after a closing quote (${JSON.stringify(buffer.slice(p, p + 10))}); a quote inside a quoted field must be doubled ("")`,
        { file, line: lineOf(buffer, position, line, p) },
      );
    }
    // unquoted field: up to the next comma or line break
    let comma = buffer.indexOf(',', p);
    let newline = buffer.indexOf('\n', p);
    if (newline < 0) {
      if (!final) return undefined;
      newline = buffer.length;
    }
    if (comma < 0 || comma > newline) comma = -1;
    const stop = comma >= 0 ? comma : newline;
    let value = buffer.slice(p, stop);
    if (comma < 0 && value.endsWith('\r')) value = value.slice(0, -1);
    const stray = value.indexOf('"');
    if (stray >= 0) {
      throw new FrameworkImportError(
        'ERR_IMPORT_CSV',
        `line ${lineOf(buffer, position, line, p)}: a quote inside an unquoted field; quote the whole field and double the quote ("")`,
        { file, line: lineOf(buffer, position, line, p) },
      );
    }
    fields.push(value);
    if (comma >= 0) {
      p = comma + 1;
      continue;
    }
    return { fields, end: Math.min(newline + 1, buffer.length) };
  }
}
