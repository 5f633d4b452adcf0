import { readFile, writeFile } from 'node:fs/promises';
import type { Fetcher } from '@skillproof/core';

/** A usage error: exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export async function readInput(path: string, maxBytes = 10 * 1024 * 1024): Promise<Uint8Array> {
  let bytes: Buffer;
  try {
    bytes = path === '-' ? await readStdin(maxBytes) : await readFile(path);
  } catch (e) {
    throw new UsageError(`Cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return new Uint8Array(bytes);
}

async function readStdin(maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new UsageError(`Standard input is larger than ${maxBytes} bytes.`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export async function readJson(path: string): Promise<unknown> {
  const text = new TextDecoder().decode(await readInput(path));
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${path} is not valid JSON: ${(e as Error).message}`);
  }
}

/** Writes to a file (private files get mode 0600), or to standard output when no path is given. */
export async function writeOutput(
  path: string | undefined,
  data: string | Uint8Array,
  options: { secret?: boolean } = {},
) {
  if (path === undefined || path === '-') {
    process.stdout.write(data);
    if (typeof data === 'string' && !data.endsWith('\n')) process.stdout.write('\n');
    return;
  }
  await writeFile(path, data, options.secret ? { mode: 0o600 } : {});
}

/**
 * The network, for verification that is not offline: HTTPS only (plus loopback HTTP for local testing), a size cap,
 * and the timeout signal core passes in. did:web always resolves over HTTPS; a loopback server that answers HTTPS
 * with plain HTTP (a development server on localhost) is asked again over HTTP: nothing leaves the machine.
 */
export function createHttpFetcher(maxBytes = 10 * 1024 * 1024): Fetcher {
  return async (url, { accept, signal }) => {
    const u = new URL(url);
    const loopback = u.hostname === '127.0.0.1' || u.hostname === 'localhost' || u.hostname === '[::1]';
    if (u.protocol !== 'https:' && !(u.protocol === 'http:' && loopback)) {
      throw new Error(`Refusing to fetch ${url}: only HTTPS is allowed.`);
    }
    const get = (target: string) => fetch(target, { headers: { accept }, signal, redirect: 'follow' });
    let res: Response;
    try {
      res = await get(url);
    } catch (e) {
      const plainHttp = (e as { cause?: { code?: string } }).cause?.code === 'ERR_SSL_WRONG_VERSION_NUMBER';
      if (!(loopback && u.protocol === 'https:' && plainHttp)) throw e;
      res = await get('http:' + url.slice('https:'.length));
    }
    if (!res.ok) throw Object.assign(new Error(`${url} answered HTTP ${res.status}.`), { status: res.status });
    const declared = Number(res.headers.get('content-length') ?? '0');
    if (declared > maxBytes) throw new Error(`${url} is larger than ${maxBytes} bytes.`);
    const body = new Uint8Array(await res.arrayBuffer());
    if (body.length > maxBytes) throw new Error(`${url} is larger than ${maxBytes} bytes.`);
    const contentType = res.headers.get('content-type') ?? undefined;
    const isText = contentType !== undefined && /json|text|svg|xml/.test(contentType);
    return { body: isText ? new TextDecoder().decode(body) : body, ...(contentType && { contentType }) };
  };
}
