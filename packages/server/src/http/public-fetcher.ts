import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { request } from 'node:https';
import { BlockList, isIP } from 'node:net';
import type { Fetcher } from '@skillproof/core';

/** Addresses a server must never be made to reach on someone else's behalf (loopback, private, link-local, …). */
const NON_PUBLIC = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 3],
] as const) {
  NON_PUBLIC.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 127],
  ['64:ff9b::', 96],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  NON_PUBLIC.addSubnet(net, prefix, 'ipv6');
}

export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  // An IPv4-mapped IPv6 address (::ffff:127.0.0.1) is judged as the IPv4 address it maps.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return isPublicAddress(mapped[1]!);
  return !NON_PUBLIC.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * DNS lookup that refuses non-public answers. It runs at connect time, for the address actually connected to, so a
 * name that resolves differently on a second lookup (DNS rebinding) cannot slip through.
 */
function publicLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, '');
    const refused = addresses.find((a) => !isPublicAddress(a.address));
    if (refused || addresses.length === 0) {
      const e: NodeJS.ErrnoException = new Error(`${hostname} resolves to a non-public address; refusing to fetch it.`);
      e.code = 'ERR_ADDRESS_NOT_PUBLIC';
      return callback(e, '');
    }
    if (options.all) return callback(null, addresses);
    callback(null, addresses[0]!.address, addresses[0]!.family);
  });
}

/**
 * The server's network access on behalf of callers (did:web documents, status lists, credential URLs pasted into
 * /verify): HTTPS only, public addresses only (checked on the address connected to), at most `maxBytes`, at most three
 * redirects, each checked the same way; the deadline is the signal core passes in.
 */
export function createPublicFetcher(maxBytes = 10 * 1024 * 1024): Fetcher {
  const get = (url: URL, accept: string, signal: AbortSignal, redirects: number) =>
    new Promise<{ body: Uint8Array; contentType: string | undefined }>((resolve, reject) => {
      if (url.protocol !== 'https:') return reject(new Error(`Refusing to fetch ${url.href}: only HTTPS is allowed.`));
      // An address literal is connected to without a lookup: check it here.
      const literal = url.hostname.replace(/^\[|\]$/g, '');
      if (isIP(literal) && !isPublicAddress(literal)) {
        return reject(
          Object.assign(new Error(`${literal} is not a public address; refusing to fetch it.`), {
            code: 'ERR_ADDRESS_NOT_PUBLIC',
          }),
        );
      }
      const req = request(url, { headers: { accept }, signal, lookup: publicLookup as never }, (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 300 && status < 400 && res.headers.location) {
          res.resume();
          if (redirects >= 3) return reject(new Error(`${url.href}: too many redirects.`));
          return get(new URL(res.headers.location, url), accept, signal, redirects + 1).then(resolve, reject);
        }
        if (status < 200 || status >= 300) {
          res.resume();
          return reject(Object.assign(new Error(`${url.href} answered HTTP ${status}.`), { status }));
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) {
            req.destroy(new Error(`${url.href} is larger than ${maxBytes} bytes.`));
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () =>
          resolve({ body: new Uint8Array(Buffer.concat(chunks)), contentType: res.headers['content-type'] }),
        );
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
  return async (url, { accept, signal }) => {
    const { body, contentType } = await get(new URL(url), accept, signal, 0);
    const isText = contentType !== undefined && /json|text|svg|xml/.test(contentType);
    return { body: isText ? new TextDecoder().decode(body) : body, ...(contentType && { contentType }) };
  };
}
