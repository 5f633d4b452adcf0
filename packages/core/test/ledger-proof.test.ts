import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildLeaf,
  canonicalJson,
  cosign,
  createCosigner,
  createMemoryTree,
  createNoteSigner,
  credentialDigest,
  formatCheckpoint,
  formatTlogProof,
  inclusionProof,
  leafHash,
  parseCheckpoint,
  parseLeaf,
  parseNote,
  parseTlogProof,
  signNote,
  verifyTlogProof,
} from '../src/index.js';
import type { LogEvent, TlogProofPolicy } from '../src/index.js';

const fixture = <T>(name: string): T =>
  JSON.parse(readFileSync(new URL(`./fixtures/tlog/${name}`, import.meta.url), 'utf8')) as T;
const c2sp = fixture<{
  tlogProof: { text: string; index: number; proofHashes: number; origin: string; size: number };
}>('c2sp-examples.json');
const jcs = fixture<Record<string, { input: string; output: string }>>('cyberphone-jcs.json');
const seedOf = (n: number) => new Uint8Array(32).fill(n);
const decode = (b: Uint8Array) => new TextDecoder().decode(b);
const leafInvalid = expect.objectContaining({ code: 'ERR_LEAF_INVALID' });
const proofInvalid = expect.objectContaining({ code: 'ERR_LOG_PROOF_INVALID' });

const AT = '2026-11-30T12:00:00.000Z';
const ISSUER = 'did:web:badges.example.edu:orgs:acme';
const SHA = 'a'.repeat(64);

describe('leaves', () => {
  it('are compact JSON with the keys in the contract order', () => {
    expect(
      decode(buildLeaf({ type: 'issue', at: new Date(AT), issuer: ISSUER, credential: 'urn:uuid:1', sha256: SHA })),
    ).toBe(`{"v":1,"type":"issue","at":"${AT}","issuer":"${ISSUER}","credential":"urn:uuid:1","sha256":"${SHA}"}`);
    expect(decode(buildLeaf({ type: 'key-add', at: AT, issuer: ISSUER, key: `${ISSUER}#key-2` }))).toBe(
      `{"v":1,"type":"key-add","at":"${AT}","issuer":"${ISSUER}","key":"${ISSUER}#key-2"}`,
    );
    expect(
      decode(buildLeaf({ type: 'key-revoke', at: AT, issuer: ISSUER, key: `${ISSUER}#key-1`, reason: 'compromised' })),
    ).toBe(
      `{"v":1,"type":"key-revoke","at":"${AT}","issuer":"${ISSUER}","key":"${ISSUER}#key-1","reason":"compromised"}`,
    );
  });

  it('parse back to the event they record, and only from their canonical bytes', () => {
    const event = { type: 'revoke', at: AT, issuer: ISSUER, credential: 'https://x.example/c/1', sha256: SHA } as const;
    expect(parseLeaf(buildLeaf(event))).toEqual({ v: 1, ...event });
    const enc = (s: string) => new TextEncoder().encode(s);
    for (const bad of [
      `{"type":"revoke","v":1,"at":"${AT}","issuer":"${ISSUER}","credential":"c","sha256":"${SHA}"}`,
      `{"v":1, "type":"revoke","at":"${AT}","issuer":"${ISSUER}","credential":"c","sha256":"${SHA}"}`,
      `{"v":1,"type":"revoke","at":"${AT}","issuer":"${ISSUER}","credential":"c","sha256":"${SHA}","x":1}`,
      `{"v":2,"type":"revoke","at":"${AT}","issuer":"${ISSUER}","credential":"c","sha256":"${SHA}"}`,
      `{"v":1,"type":"burn","at":"${AT}","issuer":"${ISSUER}","credential":"c","sha256":"${SHA}"}`,
      `{"v":1,"type":"key-add","at":"${AT}","issuer":"${ISSUER}"}`,
      `[1]`,
      `{"v":1`,
    ]) {
      expect(() => parseLeaf(enc(bad)), bad).toThrow(leafInvalid);
    }
    expect(() => parseLeaf(Uint8Array.of(0xff))).toThrow(leafInvalid);
  });

  it('reject malformed events with ERR_LEAF_INVALID', () => {
    const base = { type: 'issue', at: AT, issuer: ISSUER, credential: 'c', sha256: SHA } as const;
    for (const bad of [
      { ...base, sha256: SHA.toUpperCase() },
      { ...base, sha256: 'ab' },
      { ...base, at: '2026-11-30 12:00:00' },
      { ...base, at: '2026-11-30T12:00:00+01:00' },
      { ...base, at: new Date(Number.NaN) },
      { ...base, issuer: '' },
      { ...base, credential: 'x'.repeat(70_000) },
      { type: 'key-revoke', at: AT, issuer: ISSUER, key: 'k' },
      { type: 'nope', at: AT, issuer: ISSUER },
    ]) {
      expect(() => buildLeaf(bad as LogEvent), JSON.stringify(bad).slice(0, 80)).toThrow(leafInvalid);
    }
  });
});

describe('canonical JSON (RFC 8785, cyberphone/json-canonicalization vectors)', () => {
  for (const [name, { input, output }] of Object.entries(jcs)) {
    it(name, () => {
      expect(canonicalJson(JSON.parse(input))).toBe(output);
    });
  }

  it('is independent of key order and stable under a parse round trip; the digest is SHA-256 of it', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = canonicalJson(value);
        expect(canonicalJson(JSON.parse(text))).toBe(text);
        const reversed = JSON.parse(JSON.stringify(value), (_k, v: unknown) =>
          v !== null && typeof v === 'object' && !Array.isArray(v)
            ? Object.fromEntries(Object.entries(v as object).reverse())
            : v,
        ) as unknown;
        expect(canonicalJson(reversed)).toBe(text);
        expect(credentialDigest(value)).toBe(createHash('sha256').update(text, 'utf8').digest('hex'));
      }),
      { numRuns: 100 },
    );
  });

  it('refuses what JSON cannot hold', () => {
    const invalid = expect.objectContaining({ code: 'ERR_INPUT_INVALID' });
    for (const bad of [Number.NaN, Infinity, '\ud800', { ['\udc00']: 1 }, [undefined], () => 1, 1n, new Date(0)]) {
      expect(() => canonicalJson(bad)).toThrow(invalid);
    }
    let deep: unknown = 1;
    for (let i = 0; i < 100; i++) deep = [deep];
    expect(() => canonicalJson(deep)).toThrow(expect.objectContaining({ code: 'ERR_INPUT_TOO_DEEP' }));
    expect(canonicalJson({ a: undefined, b: -0 })).toBe('{"b":0}');
  });
});

describe('tlog-proof (C2SP example)', () => {
  it('parses the example: extra data, index, five hashes, the checkpoint verbatim', () => {
    const proof = parseTlogProof(c2sp.tlogProof.text);
    expect(proof.index).toBe(c2sp.tlogProof.index);
    expect(decode(proof.extra!).startsWith('age-v1.2.1-darwin-arm64.tar.gz')).toBe(true);
    expect(proof.proof.length).toBe(c2sp.tlogProof.proofHashes);
    expect(proof.checkpoint.startsWith('example.com/fancylog\n109482\n')).toBe(true);
    expect(formatTlogProof(proof)).toBe(c2sp.tlogProof.text);
    const checkpoint = parseCheckpoint(proof.checkpoint.slice(0, proof.checkpoint.indexOf('\n\n') + 1));
    expect([checkpoint.origin, checkpoint.size]).toEqual([c2sp.tlogProof.origin, c2sp.tlogProof.size]);
    // Its signatures are elided ("hI2DJw[...]1roloI="): the note cannot even be parsed, so it never verifies.
    const result = verifyTlogProof(proof, new Uint8Array(1), {
      origin: c2sp.tlogProof.origin,
      logKeys: [createNoteSigner('example.com/fancylog', seedOf(1)).verifierKey],
    });
    expect(result).toMatchObject({ verified: false, code: 'ERR_NOTE_INVALID' });
  });

  it('rejects malformed proofs with ERR_LOG_PROOF_INVALID', () => {
    const lines = c2sp.tlogProof.text.split('\n');
    const without = (i: number) => [...lines.slice(0, i), ...lines.slice(i + 1)].join('\n');
    const replace = (i: number, line: string) => [...lines.slice(0, i), line, ...lines.slice(i + 1)].join('\n');
    for (const bad of [
      replace(0, 'c2sp.org/tlog-proof@v2'),
      without(2),
      replace(2, 'index 073894'),
      replace(2, 'index -1'),
      replace(1, 'extra !!!!'),
      replace(3, 'gSKyXoYZUgZ6jduWYrkDOARinOMGJveXjgMkBTcdPl=='),
      lines.slice(0, 8).join('\n'),
      lines.slice(0, 9).join('\n') + '\n',
      c2sp.tlogProof.text.slice(0, -1),
    ]) {
      expect(() => parseTlogProof(bad), bad.slice(0, 120)).toThrow(proofInvalid);
    }
  });
});

describe('tlog-proof verification', () => {
  const origin = 'badges.example.edu/log';
  const log = createNoteSigner(origin, seedOf(1));
  const w1 = createCosigner('w1.example.org', seedOf(2));
  const w2 = createCosigner('w2.example.org', seedOf(3));
  const leaves = Array.from({ length: 300 }, (_, i) =>
    buildLeaf({ type: 'issue', at: AT, issuer: ISSUER, credential: `urn:uuid:${i}`, sha256: SHA }),
  );
  const tree = createMemoryTree();
  for (const leaf of leaves) tree.append(leafHash(leaf));
  const signed = signNote(formatCheckpoint({ origin, size: tree.size, rootHash: tree.root() }), [log]);
  const { text, signatures } = parseNote(signed);
  const checkpoint = signNote(
    text,
    [],
    [...signatures, cosign(signed, w1, 1_800_000_000), cosign(signed, w2, 1_800_000_001)],
  );
  const policy: TlogProofPolicy = { origin, logKeys: [log.verifierKey], witnesses: [w1.verifierKey, w2.verifierKey] };
  const proofOf = (index: number, note = checkpoint) =>
    formatTlogProof({ index, proof: inclusionProof(index, tree.size, tree.read), checkpoint: note });

  it('verifies every leaf with the log key and both witnesses, and tells who cosigned when', () => {
    fc.assert(
      fc.property(fc.nat(leaves.length - 1), (index) => {
        const result = verifyTlogProof(proofOf(index), leaves[index]!, policy);
        expect(result).toEqual({
          verified: true,
          index,
          checkpoint: { origin, size: 300, rootHash: tree.root(), extensions: [] },
          logSignatures: [origin],
          witnesses: [
            { name: 'w1.example.org', timeSeconds: 1_800_000_000 },
            { name: 'w2.example.org', timeSeconds: 1_800_000_001 },
          ],
        });
        const other = (index + 1) % leaves.length;
        expect(verifyTlogProof(proofOf(index), leaves[other]!, policy)).toMatchObject({
          verified: false,
          code: 'ERR_LOG_PROOF_INVALID',
        });
        const wrongIndex = proofOf(index).replace(`index ${index}\n`, `index ${other}\n`);
        expect(verifyTlogProof(wrongIndex, leaves[index]!, policy)).toMatchObject({ code: 'ERR_LOG_PROOF_INVALID' });
      }),
      { numRuns: 30 },
    );
  });

  it('fails with a coded reason for each broken trust condition', () => {
    const proof = proofOf(7);
    const leaf = leaves[7]!;
    const code = (p: string, policyChange: Partial<TlogProofPolicy> = {}) => {
      const result = verifyTlogProof(p, leaf, { ...policy, ...policyChange });
      return result.verified ? 'verified' : result.code;
    };
    expect(code(proof)).toBe('verified');
    expect(code(proof, { origin: 'other.example/log' })).toBe('ERR_CHECKPOINT_INVALID');
    expect(code(proof, { logKeys: [createNoteSigner(origin, seedOf(9)).verifierKey] })).toBe('ERR_NOTE_UNVERIFIED');
    const onlyW1 = signNote(text, [], [...signatures, cosign(signed, w1, 1_800_000_000)]);
    expect(code(proofOf(7, onlyW1))).toBe('ERR_WITNESS_QUORUM');
    expect(code(proofOf(7, onlyW1), { witnessQuorum: 1 })).toBe('verified');
    expect(code(proofOf(7, signed), { witnesses: [] })).toBe('verified');
    // A witness's cosignature made for another checkpoint is invalid: the whole note is refused.
    const otherNote = signNote(formatCheckpoint({ origin, size: 299, rootHash: tree.root(299) }), [log]);
    const stolen = signNote(text, [], [...signatures, cosign(otherNote, w2, 1_800_000_000), cosign(signed, w1, 1)]);
    expect(code(proofOf(7, stolen), { witnessQuorum: 1 })).toBe('ERR_NOTE_UNVERIFIED');
    // A checkpoint for a different tree (a split view) does not contain the leaf at that root.
    const forked = signNote(formatCheckpoint({ origin, size: 300, rootHash: tree.root(299) }), [log]);
    expect(code(proofOf(7, forked), { witnesses: [] })).toBe('ERR_LOG_PROOF_INVALID');
    expect(code(proof.replace('c2sp.org/tlog-proof@v1', 'c2sp.org/tlog-proof@v0'))).toBe('ERR_LOG_PROOF_INVALID');
    expect(() => verifyTlogProof(proof, leaf, { ...policy, logKeys: ['not a vkey'] })).toThrow(
      expect.objectContaining({ code: 'ERR_KEY_INVALID' }),
    );
    expect(() => verifyTlogProof(proof, leaf, { ...policy, witnessQuorum: 3 })).toThrow(
      expect.objectContaining({ code: 'ERR_INPUT_INVALID' }),
    );
  });

  it('round-trips proofs with extra data', () => {
    const extra = new TextEncoder().encode('credential urn:uuid:7');
    const text = formatTlogProof({ index: 7, extra, proof: inclusionProof(7, tree.size, tree.read), checkpoint });
    const parsed = parseTlogProof(text);
    expect(parsed.extra).toEqual(extra);
    expect(formatTlogProof(parsed)).toBe(text);
    expect(verifyTlogProof(parsed, leaves[7]!, policy).verified).toBe(true);
  });
});
