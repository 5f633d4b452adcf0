import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDocumentLoader, verifyCredential } from '../../src/index.js';
import type { JsonObject, VerificationCheck } from '../../src/index.js';
import { signedTestCredentials, testIssuerKey } from './credentials.js';
import { mutationArbitrary } from './tamper.js';
import { SIGNATURE_MISMATCH, expectedChecks, expectedIssuer, referenceCanonical } from './tamper-oracle.js';

const NOW = new Date('2026-01-01T00:00:00Z');
const clock = () => NOW;

const pair = (c: VerificationCheck) => `${c.status}:${c.code ?? ''}`;
const documentLoader = createDocumentLoader();
/** One in this many mutations of the document alone is also canonicalized by jsonld.js, which must agree. */
const CROSS_CHECK_EVERY = 4;

/**
 * Acceptance 4 of the credential core: random semantic mutations of signed credentials are never accepted, and each
 * rejection names a precise code: every check's status and code is the one (or one of the few) that
 * helpers/tamper-oracle.ts works out from the tampered document. Sharded over several files so that vitest runs them
 * on all cores. Within a shard every mutated document is a different one (a repeat is discarded before it counts).
 */
export function tamperSuite(shard: number, runs: number): void {
  describe(`tampering with signed credentials (shard ${shard}, ${runs} mutations)`, () => {
    let bases: Array<{ name: string; credential: JsonObject; checks: VerificationCheck[]; nquads: string }>;
    const signer = testIssuerKey().controller;
    beforeAll(async () => {
      bases = [];
      for (const { name, credential } of await signedTestCredentials()) {
        const result = await verifyCredential(credential, { clock });
        expect(result.verified, JSON.stringify(result.checks)).toBe(true);
        const { proof: _proof, ...unsecured } = credential;
        const canonical = await referenceCanonical(unsecured, documentLoader);
        if (!('nquads' in canonical)) throw new Error(`${name}: ${canonical.message}`);
        bases.push({ name, credential, checks: result.checks, nquads: canonical.nquads });
      }
    });

    it('rejects every mutation with the precise codes it calls for', { timeout: 600_000 }, async () => {
      const distinct = new Set<string>();
      const kinds = new Map<string, number>();
      const codes = new Map<string, number>();
      let crossChecked = 0;
      await fc.assert(
        fc.asyncProperty(
          fc
            .nat({ max: bases.length - 1 })
            .chain((i) => fc.tuple(fc.constant(i), mutationArbitrary(bases[i]!.credential))),
          async ([i, mutation]) => {
            const base = bases[i]!;
            const doc = structuredClone(base.credential);
            fc.pre(mutation.apply(doc));
            const key = `${i} ${JSON.stringify(doc)}`;
            fc.pre(!distinct.has(key));
            const where = `${base.name}: ${mutation.kind} at ${mutation.path.join('.')}${
              mutation.other ? ` and ${mutation.other.join('.')}` : ''
            }${mutation.to ? ` to ${mutation.to}` : ''}`;
            const result = await verifyCredential(doc, { clock });
            expect(result.verified, where).toBe(false);

            const expected = expectedChecks(base.credential, base.checks, doc, mutation, NOW);
            expect(
              result.checks.map((c) => c.id),
              where,
            ).toEqual(expected.map((e) => e.id));
            const proofChecks = result.checks.filter((c) => c.id === 'proof');
            result.checks.forEach((c, k) => {
              const e = expected[k]!;
              const allowed = e.id === 'issuer' ? [expectedIssuer(doc, proofChecks, signer)] : [...e.allowed];
              expect(allowed, `${where}: ${c.id} (${e.why}) was ${pair(c)}: ${c.message}`).toContain(pair(c));
            });
            // An ERR_PROOF_INVALID is a signature that does not match, never a wrapped exception; JSON-LD refusals
            // are safe-mode findings or syntax errors of jsonld.js, never a crash.
            for (const c of proofChecks) {
              if (c.code === 'ERR_PROOF_INVALID') expect(c.message, where).toBe(SIGNATURE_MISMATCH);
              if (c.code === 'ERR_JSONLD_INVALID') {
                expect(c.message, where).toMatch(
                  /^(The document is not safe JSON-LD \(|JSON-LD processing failed: Invalid JSON-LD syntax;|Maximum deep iterations exceeded \(\d+\): RDF canonicalization)/,
                );
              }
            }
            // A body change fails every proof of a proof set alike (the same document, canonicalized once per proof).
            const baseBody = { ...base.credential, proof: null };
            if (JSON.stringify({ ...doc, proof: null }) !== JSON.stringify(baseBody) && proofChecks.length > 1) {
              const untouched = proofChecks.filter((_, j) => {
                const proofs = doc.proof as JsonObject[];
                return JSON.stringify(proofs[j]) === JSON.stringify((base.credential.proof as JsonObject[])[j]);
              });
              expect(new Set(untouched.map(pair)).size, where).toBeLessThanOrEqual(1);
            }
            // The document alone changed: jsonld.js decides between a refusal (and which) and a signature mismatch.
            const proofsUntouched = JSON.stringify(doc.proof) === JSON.stringify(base.credential.proof);
            if (proofsUntouched && doc.proof !== undefined && distinct.size % CROSS_CHECK_EVERY === 0) {
              const { proof: _proof, ...unsecured } = doc;
              const reference = await referenceCanonical(unsecured, documentLoader);
              const want =
                'nquads' in reference
                  ? reference.nquads === base.nquads
                    ? 'passed:'
                    : 'failed:ERR_PROOF_INVALID'
                  : `failed:${reference.code}`;
              for (const c of proofChecks) {
                expect(pair(c), `${where}: jsonld.js says ${'nquads' in reference ? want : reference.message}`).toBe(
                  want,
                );
              }
              crossChecked++;
            }

            distinct.add(key);
            kinds.set(mutation.kind, (kinds.get(mutation.kind) ?? 0) + 1);
            for (const c of result.checks.filter((c) => c.status === 'failed' || c.status === 'unknown')) {
              codes.set(`${c.id}:${c.code}`, (codes.get(`${c.id}:${c.code}`) ?? 0) + 1);
            }
          },
        ),
        { numRuns: runs, seed: 0x5eed + shard, maxSkipsPerRun: 100 },
      );
      // Every one of the runs was a different mutated document, verified and judged.
      expect(distinct.size).toBe(runs);
      expect(crossChecked).toBeGreaterThan(runs / (CROSS_CHECK_EVERY * 2));
      // A reordered @context (caught by the schema check alone) is kept, but at most once per base credential.
      expect(kinds.get('reorder-context') ?? 0).toBeLessThanOrEqual(bases.length);
      for (const kind of ['change-value', 'delete-key', 'rename-key', 'swap-values']) {
        expect(kinds.get(kind), kind).toBeGreaterThan(runs / 20);
      }
      // An @list has only so many orders (the rich credential's four allowed values: six swaps).
      expect(kinds.get('reorder-list')).toBeGreaterThan(0);
      // The mutations reach past the signature check into the other failure modes too.
      expect(codes.get('proof:ERR_PROOF_INVALID')).toBeGreaterThan(runs / 4);
      for (const code of [
        'proof:ERR_TERM_UNDEFINED',
        'proof:ERR_PROOF_MALFORMED',
        'proof:ERR_PROOF_TYPE_UNSUPPORTED',
        'proof:ERR_PROOF_PURPOSE',
        'proof:ERR_PROOF_MISSING',
        'proof:ERR_CONTEXT_UNKNOWN',
        'schema:ERR_SCHEMA_INVALID',
        'validity:ERR_DATE_INVALID',
      ]) {
        expect(codes.get(code), code).toBeGreaterThan(0);
      }
      if (process.env.TAMPER_STATS) {
        process.stdout.write(`${JSON.stringify({ shard, crossChecked, kinds: [...kinds], codes: [...codes] })}\n`);
      }
    });

    it('reordering the two @context entries fails the schema check alone (VC 2.0 §4.3), for each base', async () => {
      for (const base of bases) {
        const doc = structuredClone(base.credential);
        doc['@context'] = [...(doc['@context'] as string[])].reverse();
        const result = await verifyCredential(doc, { clock });
        expect(result.verified).toBe(false);
        const failing = result.checks.filter((c) => c.status !== 'passed' && c.status !== 'skipped');
        expect(failing.map((c) => [c.id, c.code, c.detail])).toEqual([
          ['schema', 'ERR_SCHEMA_INVALID', { path: "$['@context'][0]" }],
        ]);
      }
    });
  });
}
