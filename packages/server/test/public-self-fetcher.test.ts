import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { isSkillproofError, type Fetcher } from '@skillproof/core';
import { createSelfFetcher, isSelfFetch } from '../src/http/self-fetcher.js';

/** A tiny app standing in for the server: what it saw, and answers by path. */
function app() {
  const seen: { path: string; accept: string | undefined; self: boolean }[] = [];
  const hono = new Hono();
  hono.get('*', (c) => {
    seen.push({
      path: `${c.req.path}${new URL(c.req.url).search}`,
      accept: c.req.header('accept'),
      self: isSelfFetch(c),
    });
    if (c.req.path === '/missing') return c.json({ error: 'no' }, 404);
    if (c.req.path === '/image') return c.body(new Uint8Array([1, 2, 3]), 200, { 'content-type': 'image/png' });
    return c.json({ at: c.req.path });
  });
  return { hono, seen };
}

describe('createSelfFetcher', () => {
  const signal = new AbortController().signal;

  it("answers this instance's URLs in-process, over its own scheme and over https (did:web)", async () => {
    const { hono, seen } = app();
    const fetcher = createSelfFetcher(hono, { publicUrl: 'http://localhost:3000' });
    const a = await fetcher('http://localhost:3000/orgs/x/did.json?v=1', { accept: 'application/did+json', signal });
    const b = await fetcher('https://localhost:3000/status/1', { accept: 'application/json', signal });
    expect([a.body, b.body]).toEqual(['{"at":"/orgs/x/did.json"}', '{"at":"/status/1"}']);
    expect(a.contentType).toMatch(/^application\/json/);
    expect(seen).toEqual([
      { path: '/orgs/x/did.json?v=1', accept: 'application/did+json', self: true },
      { path: '/status/1', accept: 'application/json', self: true },
    ]);
    const image = await fetcher('http://localhost:3000/image', { accept: 'image/png', signal });
    expect(image.body).toEqual(new Uint8Array([1, 2, 3]));
  });

  it('an HTTP error throws with its status, so 404 is a finding', async () => {
    const { hono } = app();
    const fetcher = createSelfFetcher(hono, { publicUrl: 'https://badges.example.edu' });
    const error = await fetcher('https://badges.example.edu/missing', { accept: '*/*', signal }).catch(
      (e: unknown) => e,
    );
    expect((error as { status?: number }).status).toBe(404);
  });

  it('passes every other URL to the injected fetcher, and without one fails ERR_OFFLINE', async () => {
    const { hono, seen } = app();
    const asked: string[] = [];
    const network: Fetcher = async (url) => {
      asked.push(url);
      return { body: 'remote', contentType: 'text/plain' };
    };
    const others = [
      'https://other.example/x',
      'http://badges.example.edu:8080/x', // another port is another host
      'https://evil.example/?https://badges.example.edu/',
      'http://badges.example.edu/x', // plain HTTP to an HTTPS instance is not this instance
    ];
    const online = createSelfFetcher(hono, { publicUrl: 'https://badges.example.edu', fetcher: network });
    for (const url of others) expect((await online(url, { accept: '*/*', signal })).body).toBe('remote');
    expect(asked).toEqual(others);
    expect(seen).toEqual([]);

    const offline = createSelfFetcher(hono, { publicUrl: 'https://badges.example.edu' });
    const error = await offline('https://other.example/x', { accept: '*/*', signal }).catch((e: unknown) => e);
    expect(isSkillproofError(error, 'ERR_OFFLINE')).toBe(true);
  });
});
