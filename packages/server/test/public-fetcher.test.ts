import fc from 'fast-check';
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPublicFetcher, isPublicAddress } from '../src/http/public-fetcher.js';

describe('createPublicFetcher: the server never fetches non-public addresses for a caller', () => {
  let server: Server;
  let port: number;
  let connections = 0;
  beforeAll(async () => {
    server = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const fetcher = createPublicFetcher();
  const init = () => ({ accept: 'application/json', signal: AbortSignal.timeout(5_000) });

  it.each([
    ['a name that resolves to loopback', () => `https://localhost:${port}/did.json`],
    ['an IPv4 loopback literal', () => `https://127.0.0.1:${port}/did.json`],
    ['an IPv6 loopback literal', () => `https://[::1]:${port}/did.json`],
    ['a private literal', () => `https://10.1.2.3:${port}/x`],
    ['a link-local literal (cloud metadata)', () => 'https://169.254.169.254/latest/meta-data'],
  ])('refuses %s before connecting', async (_, url) => {
    await expect(fetcher(url(), init())).rejects.toMatchObject({ code: 'ERR_ADDRESS_NOT_PUBLIC' });
    expect(connections).toBe(0);
  });

  it('refuses plain HTTP', async () => {
    await expect(fetcher('http://example.org/x', init())).rejects.toThrow(/only HTTPS/);
  });

  it('classifies addresses', () => {
    for (const a of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '93.184.216.34', '::ffff:808:808'])
      expect(isPublicAddress(a)).toBe(true);
    for (const a of [
      '127.0.0.1',
      '10.0.0.1',
      '172.16.5.4',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      '::',
      'fe80::1',
      'fd00::1',
      '::ffff:127.0.0.1',
      'not-an-ip',
    ]) {
      expect(isPublicAddress(a)).toBe(false);
    }
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 255 }),
        fc.integer({ min: 0, max: 255 }),
        fc.integer({ min: 0, max: 255 }),
        (b, c, d) => {
          expect(isPublicAddress(`10.${b}.${c}.${d}`)).toBe(false);
          expect(isPublicAddress(`127.${b}.${c}.${d}`)).toBe(false);
          expect(isPublicAddress(`192.168.${c}.${d}`)).toBe(false);
          expect(isPublicAddress(`172.${16 + (b % 16)}.${c}.${d}`)).toBe(false);
        },
      ),
    );
  });
});
