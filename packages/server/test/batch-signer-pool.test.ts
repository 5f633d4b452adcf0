import { afterAll, describe, expect, it } from 'vitest';
import { buildAchievementCredential, generateEd25519Key, verifyCredential, type JsonObject } from '@skillproof/core';
import { inThreadSigner } from '../src/domains/issuing/issue.js';
import { createSignerPool } from '../src/jobs/signer-pool.js';
import { createLogger } from '../src/logger.js';

const key = generateEd25519Key();
const created = new Date('2026-06-01T12:00:00Z');
const credential = (i: number) =>
  buildAchievementCredential({
    id: `urn:uuid:00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    issuer: { id: key.controller, name: 'Example University' },
    validFrom: '2026-01-01T00:00:00Z',
    name: 'Teamwork',
    subject: { id: `did:example:learner-${i}` },
    achievement: {
      id: 'https://example.edu/achievements/teamwork',
      name: 'Teamwork',
      description: 'Works well in a team.',
      criteria: { narrative: 'Nominated by peers.' },
    },
  }) as unknown as JsonObject;

describe('the signing thread pool', () => {
  const pool = createSignerPool({ threads: 2, minCredentials: 1, logger: createLogger({ level: 'silent' }) });
  afterAll(() => pool.close());

  it('signs in this thread while its threads start, then on them', async () => {
    const unsigned = [credential(0), credential(1)];
    // The first call starts the threads in the background and does not wait for them.
    expect(await pool.sign(unsigned, key, { created })).toEqual(await inThreadSigner.sign(unsigned, key, { created }));
    expect(await pool.start()).toBe(true);
  });

  it('signs in input order, byte for byte as in the main thread, and the proofs verify', async () => {
    expect(await pool.start()).toBe(true);
    const unsigned = Array.from({ length: 25 }, (_, i) => credential(i));
    const [threaded, local] = await Promise.all([
      pool.sign(unsigned, key, { created }),
      inThreadSigner.sign(unsigned, key, { created }),
    ]);
    expect(threaded).toHaveLength(25);
    expect(threaded).toEqual(local);
    expect(threaded.map((s) => s.document['id'])).toEqual(unsigned.map((u) => u['id']));
    for (const s of [threaded[0]!, threaded[24]!]) {
      expect(
        (await verifyCredential(s.document, { clock: () => created })).checks.find((c) => c.id === 'proof'),
      ).toMatchObject({
        status: 'passed',
      });
    }
  });

  it('a credential the signer refuses rejects with its code and path, as in the main thread', async () => {
    const bad = { ...credential(1), unknownTerm: 'x' };
    const fromPool = await pool.sign([credential(0), bad], key, { created }).catch((e: unknown) => e);
    const local = await inThreadSigner.sign([bad], key, { created }).catch((e: unknown) => e);
    expect(fromPool).toMatchObject({ name: 'SkillproofError', code: 'ERR_TERM_UNDEFINED', path: '$.unknownTerm' });
    expect(fromPool).toMatchObject({ code: (local as { code: string }).code, message: (local as Error).message });
  });

  it('a key that has no private half is refused before any thread sees it', async () => {
    const publicOnly = { ...key, seed: undefined };
    await expect(pool.sign([credential(0)], publicOnly, { created })).rejects.toMatchObject({
      code: 'ERR_KEY_INVALID',
    });
  });

  it('after close, calls sign in the main thread', async () => {
    const closing = createSignerPool({ threads: 2, minCredentials: 1, logger: createLogger({ level: 'silent' }) });
    await closing.close();
    expect(await closing.start()).toBe(false);
    expect(await closing.sign([credential(3)], key, { created })).toEqual(
      await inThreadSigner.sign([credential(3)], key, { created }),
    );
  });
});
