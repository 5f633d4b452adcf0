/**
 * What a file's first bytes must be for the media types whose format has a signature: a file declared as one of these
 * must carry it (a declared type that the content contradicts is refused rather than stored and served as declared).
 */
const SIGNATURES: Record<string, (bytes: Uint8Array) => boolean> = {
  'application/pdf': (b) => startsWith(b, [0x25, 0x50, 0x44, 0x46, 0x2d]), // %PDF-
  'image/png': (b) => startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  'image/jpeg': (b) => startsWith(b, [0xff, 0xd8, 0xff]),
  'image/gif': (b) => startsWith(b, [0x47, 0x49, 0x46, 0x38]), // GIF8
  'image/webp': (b) => startsWith(b, [0x52, 0x49, 0x46, 0x46]) && startsWith(b.subarray(8), [0x57, 0x45, 0x42, 0x50]),
  // Local file header, or the end-of-central-directory record of an empty archive.
  'application/zip': (b) => startsWith(b, [0x50, 0x4b, 0x03, 0x04]) || startsWith(b, [0x50, 0x4b, 0x05, 0x06]),
  'text/plain': isPlainText,
  'text/markdown': isPlainText,
  'text/csv': isPlainText,
};

// Office Open XML and OpenDocument files are ZIP archives.
for (const type of [
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  'application/vnd.oasis.opendocument.text',
]) {
  SIGNATURES[type] = SIGNATURES['application/zip']!;
}

/**
 * Whether `bytes` can be what `mediaType` declares: for the types with a known signature (PDF, PNG, JPEG, GIF, WebP,
 * ZIP and the formats built on it, plain text as UTF-8 without control characters), the content must match; other
 * types are taken as declared.
 *
 * @example
 * ```ts
 * contentMatchesType('application/pdf', new TextEncoder().encode('%PDF-1.7 …')); // true
 * ```
 */
export function contentMatchesType(mediaType: string, bytes: Uint8Array): boolean {
  const check = SIGNATURES[mediaType];
  return check ? check(bytes) : true;
}

/** A media type as sent (`Text/Plain; charset=utf-8`) reduced to its essence (`text/plain`). */
export function essenceOf(mediaType: string): string {
  return mediaType.split(';')[0]!.trim().toLowerCase();
}

function startsWith(bytes: Uint8Array, prefix: readonly number[]): boolean {
  return bytes.length >= prefix.length && prefix.every((b, i) => bytes[i] === b);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const TEXT_CONTROLS = new Set([0x09, 0x0a, 0x0c, 0x0d]);

function isPlainText(bytes: Uint8Array): boolean {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return false;
  }
  // Tabs, line feeds, carriage returns and form feeds are text; other C0 controls (NUL above all) mean binary.
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if ((code < 0x20 && !TEXT_CONTROLS.has(code)) || code === 0x7f) return false;
  }
  return true;
}

/**
 * A file name safe to store and to offer for download: the last path segment, without control characters or quotes,
 * at most 200 characters; `file` when nothing is left.
 *
 * @example
 * ```ts
 * safeFileName('../../etc/passwd'); // 'passwd'
 * ```
 */
export function safeFileName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const cleaned = [...base]
    .filter((ch) => ch.charCodeAt(0) >= 0x20 && ch !== '\u007f' && ch !== '"')
    .join('')
    .trim()
    .slice(0, 200);
  return cleaned === '' || cleaned === '.' || cleaned === '..' ? 'file' : cleaned;
}

/**
 * A `Content-Disposition: attachment` value for a file name (RFC 6266): an ASCII fallback and the UTF-8 name.
 *
 * @example
 * ```ts
 * attachmentDisposition('résumé.pdf'); // attachment; filename="r_sum_.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf
 * ```
 */
export function attachmentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const encoded = encodeURIComponent(name).replace(
    /['()*]/g,
    (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
