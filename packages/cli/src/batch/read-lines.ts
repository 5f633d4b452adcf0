/** A line too long to hold: only its length is kept, so one runaway line cannot exhaust memory. */
export interface OversizedLine {
  /** The line's length in bytes. */
  tooLarge: number;
  /** The limit it exceeded. */
  limit: number;
}

/** One input line: its text (without the line break), or the marker of a line over the size limit. */
export type BatchLine = string | OversizedLine;

/** The same 10 MiB as one credential file accepts (`skillproof verify`). */
export const MAX_LINE_BYTES = 10 * 1024 * 1024;

/**
 * Splits a byte stream into JSON Lines: `\n` ends a line (a `\r` before it is dropped), a last line without a break
 * still counts, and a UTF-8 byte-order mark at the very start is ignored. Splitting on the byte 0x0A is safe in UTF-8
 * (it never occurs inside a multi-byte sequence). Pulling from the stream's async iterator only when a line is asked
 * for keeps the stream's own back-pressure: nothing is read ahead of the consumer beyond one stream chunk.
 */
export async function* readLines(
  stream: AsyncIterable<Buffer | Uint8Array | string>,
  maxLineBytes = MAX_LINE_BYTES,
): AsyncGenerator<BatchLine> {
  let parts: Buffer[] = [];
  let size = 0;
  let oversized = false;
  let first = true;

  const take = (): BatchLine => {
    if (oversized) {
      const line = { tooLarge: size, limit: maxLineBytes };
      parts = [];
      size = 0;
      oversized = false;
      first = false;
      return line;
    }
    let bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts, size);
    parts = [];
    size = 0;
    if (bytes.length > 0 && bytes[bytes.length - 1] === 0x0d) bytes = bytes.subarray(0, bytes.length - 1);
    let text = bytes.toString('utf8');
    if (first && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    first = false;
    return text;
  };
  const append = (piece: Buffer) => {
    size += piece.length;
    if (size > maxLineBytes) {
      oversized = true;
      parts = [];
    } else if (piece.length > 0) {
      parts.push(piece);
    }
  };

  for await (const raw of stream) {
    const chunk =
      typeof raw === 'string' ? Buffer.from(raw, 'utf8') : Buffer.from(raw.buffer, raw.byteOffset, raw.length);
    let start = 0;
    for (let nl = chunk.indexOf(0x0a, start); nl !== -1; nl = chunk.indexOf(0x0a, start)) {
      append(chunk.subarray(start, nl));
      start = nl + 1;
      yield take();
    }
    if (start < chunk.length) append(chunk.subarray(start));
  }
  if (size > 0 || oversized) yield take();
}
