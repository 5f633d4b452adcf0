import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpFetcher } from '../src/io.js';

describe('createHttpFetcher', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ path: req.url }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const fetcher = createHttpFetcher();
  const signal = new AbortController().signal;

  it('reads loopback HTTP', async () => {
    const doc = await fetcher(`http://127.0.0.1:${port}/a`, { accept: 'application/json', signal });
    expect(JSON.parse(doc.body as string)).toEqual({ path: '/a' });
  });

  it('asks a loopback development server again over HTTP when it answers HTTPS in plain HTTP (did:web on localhost)', async () => {
    const doc = await fetcher(`https://127.0.0.1:${port}/orgs/demo/did.json`, { accept: 'application/json', signal });
    expect(JSON.parse(doc.body as string)).toEqual({ path: '/orgs/demo/did.json' });
  });

  it('refuses plain HTTP anywhere else', async () => {
    await expect(fetcher('http://example.org/did.json', { accept: 'application/json', signal })).rejects.toThrow(
      /only HTTPS/,
    );
  });
});
