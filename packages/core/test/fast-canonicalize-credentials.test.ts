import { readdirSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import jsonld from 'jsonld';
import { describe, expect, it } from 'vitest';
import { createDocumentLoader } from '../src/index.js';
import type { DocumentLoader, JsonObject } from '../src/index.js';
import { canonicalizeQuads, type Quad } from '../src/jsonld/fast/canonicalize-quads.js';
import { newStats, reference } from './fast-canonicalize-arbitraries.js';
import { openBadgeCredential } from './interop/arbitraries.js';

const vectors = fileURLToPath(new URL('./fixtures/vectors/', import.meta.url));
const readJson = (path: string): JsonObject => JSON.parse(readFileSync(path, 'utf8')) as JsonObject;
const eddsa = vectors + 'w3c-vc-di-eddsa/TestVectors/';

const loader = createDocumentLoader({
  contexts: {
    'https://www.w3.org/ns/credentials/examples/v2': readJson(
      vectors + 'w3c-vc-data-model/contexts/credentials/examples/v2',
    ),
    'https://w3id.org/citizenship/v4rc1': readJson(
      fileURLToPath(new URL('./fixtures/contexts/citizenship-v4rc1.jsonld', import.meta.url)),
    ),
  },
});

async function toQuads(document: JsonObject, documentLoader: DocumentLoader = loader): Promise<Quad[]> {
  return (await jsonld.toRDF(
    document as never,
    { documentLoader: documentLoader as never, safe: true } as never,
  )) as never;
}

function listJson(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = `${dir}/${name}`;
    return statSync(path).isDirectory() ? listJson(path) : name.endsWith('.json') ? [path] : [];
  });
}

describe('canonicalizeQuads on real credential quads (jsonld.toRDF, safe mode)', () => {
  it('reproduces the W3C eddsa-rdfc-2022 canonical documents and proof configurations byte for byte', async () => {
    const cases: Array<[string, string]> = [
      ['unsigned.json', 'eddsa-rdfc-2022/canonDocDataInt.txt'],
      ['eddsa-rdfc-2022/proofConfigDataInt.json', 'eddsa-rdfc-2022/proofCanonDataInt.txt'],
      ['employmentAuth.json', 'eddsa-rdfc-2022/employ/canonDocDataInt.txt'],
      ['eddsa-rdfc-2022/employ/proofConfigDataInt.json', 'eddsa-rdfc-2022/employ/proofCanonDataInt.txt'],
    ];
    for (const [input, canonical] of cases) {
      const quads = await toQuads(readJson(eddsa + input));
      const stats = newStats();
      expect(canonicalizeQuads(quads, { stats }), input).toBe(readFileSync(eddsa + canonical, 'utf8'));
      expect(stats.path).toBe('first-degree');
    }
  });

  it('equals rdf-canonize on the 1EdTech OB 3.0 / CLR examples and every DCC fixture, through the first-degree path', async () => {
    const files = [
      ...readdirSync(vectors + '1edtech-openbadges-specification/extracted-from-html')
        .filter((n) => n.endsWith('.credential.json') || n.endsWith('.signed-credential.json'))
        .map((n) => `${vectors}1edtech-openbadges-specification/extracted-from-html/${n}`),
      ...listJson(vectors + 'digitalcredentials-vc-test-fixtures/verifiableCredentials'),
    ];
    let compared = 0;
    let withBlankGraph = 0;
    for (const file of files) {
      const document = readJson(file);
      const quads = await toQuads(document);
      const stats = newStats();
      const nquads = canonicalizeQuads(quads, { stats });
      expect({ nquads }, file).toEqual(await reference(quads));
      // Credentials: every blank node has its own literals, so no N-degree hashing is needed.
      expect(stats.path, file).toBe('first-degree');
      expect(stats.blankNodes, file).toBeGreaterThan(0);
      if (quads.some((q) => q.graph.termType === 'BlankNode')) withBlankGraph++;
      compared++;
    }
    expect(compared).toBe(files.length);
    expect(compared).toBeGreaterThanOrEqual(48);
    // Signed credentials put their proofs in blank-node graphs.
    expect(withBlankGraph).toBeGreaterThan(30);
  });

  it('equals rdf-canonize on 300 generated OB 3.0 credentials, first-degree path throughout', async () => {
    await fc.assert(
      fc.asyncProperty(openBadgeCredential('did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2'), async (doc) => {
        const quads = await toQuads(doc);
        const stats = newStats();
        expect({ nquads: canonicalizeQuads(quads, { stats }) }).toEqual(await reference(quads));
        expect(stats.path).toBe('first-degree');
      }),
      { numRuns: 300 },
    );
  });

  it('takes the N-degree path for a credential with two identical alignments, with the same bytes as rdf-canonize', async () => {
    const alignment = {
      type: ['Alignment'],
      targetName: 'Same',
      targetUrl: 'https://ex.org/framework/1',
    };
    const credential = readJson(
      vectors + '1edtech-openbadges-specification/extracted-from-html/linked-data-proof-ob.credential.json',
    );
    const subject = credential.credentialSubject as JsonObject;
    (subject.achievement as JsonObject).alignment = [alignment, { ...alignment }];
    const quads = await toQuads(credential);
    const stats = newStats();
    const nquads = canonicalizeQuads(quads, { stats });
    expect(stats.path).toBe('n-degree');
    expect(stats.nDegreeRuns).toBe(2);
    expect({ nquads }).toEqual(await reference(quads));
  });
});
