// The known traps of issue 3, one test each, the published vectors, and the documents the fast path must refuse.
// Every expectation is checked twice: against the exact quad the trap is about, and against jsonld.canonize's bytes.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundledContexts } from '../src/index.js';
import type { JsonObject } from '../src/index.js';
import { toQuadsFast, type FastQuad } from '../src/jsonld/fast/to-quads.js';
import { OB_CONTEXT } from './interop/arbitraries.js';
import { CLR_CONTEXT, fast, reference } from './fast-to-rdf-arbitraries.js';

const contexts = bundledContexts();
const OB = 'https://purl.imsglobal.org/spec/vc/ob/vocab.html#';
const XSD = 'http://www.w3.org/2001/XMLSchema#';
// OB 3.0.3 writes its datatypes with https (not the XML Schema namespace): the quads must carry that IRI as written.
const OB_XSD = 'https://www.w3.org/2001/XMLSchema#';
const RDF = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#';

function credential(subject: JsonObject, extra: JsonObject = {}): JsonObject {
  return {
    '@context': [...OB_CONTEXT],
    id: 'urn:uuid:5b7a0d1e-0000-4000-8000-000000000001',
    type: ['VerifiableCredential', 'OpenBadgeCredential'],
    issuer: 'did:web:issuer.example',
    validFrom: '2024-01-01T00:00:00Z',
    credentialSubject: { type: 'AchievementSubject', ...subject },
    ...extra,
  };
}

const ACHIEVEMENT = {
  id: 'https://issuer.example/achievements/1',
  type: 'Achievement',
  name: 'A',
  criteria: { narrative: 'Do it' },
};

function quadsOf(document: JsonObject): FastQuad[] {
  const quads = toQuadsFast(document, contexts);
  if (!quads) throw new Error('expected the fast path');
  return quads;
}

/** The fast path answers, and its canonical bytes are jsonld.canonize's. */
async function expectSameAsReference(document: JsonObject): Promise<string> {
  const ref = await reference(document);
  const mine = await fast(document);
  expect(mine).toBeDefined();
  expect(ref).toHaveProperty('nquads');
  expect(mine).toEqual(ref);
  return (ref as { nquads: string }).nquads;
}

/** The fast path steps aside, and jsonld.js rejects the document (safe mode). */
async function expectRefusedByBoth(document: JsonObject): Promise<void> {
  expect(toQuadsFast(document, contexts)).toBeUndefined();
  expect(await reference(document)).toHaveProperty('error');
}

const objectsOf = (quads: FastQuad[], predicate: string) =>
  quads.filter((q) => q.predicate.value === predicate).map((q) => q.object);

describe('toQuadsFast: the traps', () => {
  it('gives awardedDate the datatype IRI xsd:dateTime literally (OB 3.0.3 never defines the xsd prefix)', async () => {
    const doc = credential({ achievement: ACHIEVEMENT }, { awardedDate: '2024-02-03T04:05:06Z' });
    const [object] = objectsOf(quadsOf(doc), `${OB}awardedDate`);
    expect(object).toEqual({
      termType: 'Literal',
      value: '2024-02-03T04:05:06Z',
      datatype: { termType: 'NamedNode', value: 'xsd:dateTime' },
    });
    expect(await expectSameAsReference(doc)).toContain('"2024-02-03T04:05:06Z"^^<xsd:dateTime>');
  });

  it('canonicalizes numbers as jsonld.js: 2.5E0, 1e-7 as the integer 0, -1e-300 as -0, beyond 2^53, 1e21', async () => {
    const values = [2.5, 1e-7, 1.5e-7, 2 ** 53 + 2, 1e21, -0, 0.1 + 0.2, 123, -1e-300];
    const doc = credential({
      achievement: { ...ACHIEVEMENT, creditsAvailable: 2.5 },
      result: values.map((value) => ({ type: 'Result', value })),
    });
    const quads = quadsOf(doc);
    expect(objectsOf(quads, `${OB}creditsAvailable`)).toEqual([
      { termType: 'Literal', value: '2.5E0', datatype: { termType: 'NamedNode', value: `${OB_XSD}float` } },
    ]);
    const lexical = objectsOf(quads, 'https://schema.org/value').map(
      (o) => `${o.value} ${(o as { datatype: { value: string } }).datatype.value.slice(XSD.length)}`,
    );
    expect(lexical.sort()).toEqual(
      [
        '2.5E0 double',
        '0 integer',
        '1.5E-7 double',
        '9007199254740994 integer',
        '1.0E21 double',
        '0 integer',
        // toExponential(15): 0.30000000000000004 loses its last digit, as in jsonld.js.
        '3.0E-1 double',
        '123 integer',
        // No '.' in String(-1e-300) and |v| < 1e21: jsonld.js's integer branch, toFixed(0) gives "-0".
        '-0 integer',
      ].sort(),
    );
    await expectSameAsReference(doc);
  });

  it('lower-cases language tags of language value objects', async () => {
    const doc = credential({ achievement: { ...ACHIEVEMENT, name: { '@value': 'Colour', '@language': 'EN-GB' } } });
    const [name] = objectsOf(quadsOf(doc), 'https://schema.org/name');
    expect(name).toMatchObject({ value: 'Colour', language: 'en-gb', datatype: { value: `${RDF}langString` } });
    expect(await expectSameAsReference(doc)).toContain('"Colour"@en-gb');
  });

  it('keeps order and duplicates in @list allowedValue, while a set (tag) collapses duplicates', async () => {
    const doc = credential({
      achievement: {
        ...ACHIEVEMENT,
        tag: ['x', 'x', 'y'],
        resultDescription: [
          {
            id: 'https://issuer.example/rd/1',
            type: 'ResultDescription',
            name: 'Grade',
            resultType: 'LetterGrade',
            allowedValue: ['B', 'A', 'B'],
          },
        ],
      },
    });
    const quads = quadsOf(doc);
    expect(
      objectsOf(quads, 'https://schema.org/keywords')
        .map((o) => o.value)
        .sort(),
    ).toEqual(['x', 'y']);
    // Walk the rdf:first/rdf:rest chain from the list head.
    const [head] = objectsOf(quads, `${OB}allowedValue`);
    const walked: string[] = [];
    for (let cell = head; cell && cell.value !== `${RDF}nil`;) {
      const here = cell;
      walked.push(
        quads.find((q) => q.subject.value === here.value && q.predicate.value === `${RDF}first`)!.object.value,
      );
      cell = quads.find((q) => q.subject.value === here.value && q.predicate.value === `${RDF}rest`)!.object;
    }
    expect(walked).toEqual(['B', 'A', 'B']);
    await expectSameAsReference(doc);
  });

  it('reads resultDescription as a set of nodes under Achievement and as an xsd:anyURI literal under Result', async () => {
    const doc = credential({
      achievement: {
        ...ACHIEVEMENT,
        resultDescription: [
          { id: 'https://issuer.example/rd/1', type: 'ResultDescription', name: 'Grade', resultType: 'LetterGrade' },
        ],
      },
      result: [{ type: 'Result', resultDescription: 'https://issuer.example/rd/1', value: 'A' }],
    });
    const objects = objectsOf(quadsOf(doc), `${OB}resultDescription`);
    expect(objects).toContainEqual({ termType: 'NamedNode', value: 'https://issuer.example/rd/1' });
    expect(objects).toContainEqual({
      termType: 'Literal',
      value: 'https://issuer.example/rd/1',
      datatype: { termType: 'NamedNode', value: `${OB_XSD}anyURI` },
    });
    await expectSameAsReference(doc);
  });

  it('stops applying class-scoped terms inside a nested node (Achievement terms inside its creator Profile)', async () => {
    const ok = credential({
      achievement: { ...ACHIEVEMENT, creator: { id: 'https://issuer.example', type: 'Profile', name: 'I' } },
    });
    await expectSameAsReference(ok);
    const leaked = credential({
      achievement: {
        ...ACHIEVEMENT,
        creator: { id: 'https://issuer.example', type: 'Profile', fieldOfStudy: 'Achievement-only term' },
      },
    });
    await expectRefusedByBoth(leaked);
    // An untyped nested node sees neither its parent's class terms nor its own: criteria's narrative is a top-level term.
    const untyped = credential({
      achievement: { ...ACHIEVEMENT, image: { id: 'https://i.example/a.png', caption: 'c' } },
    });
    await expectRefusedByBoth(untyped);
  });

  it('keeps the type-scoped context for a nested object that is only an @id (a prefix scoped to ClrSubject)', async () => {
    // ClrSubject's scoped context defines the prefix `obi`: `{id: "obi:x"}` alone keeps it and expands; with any other
    // key the context reverts and `obi:x` stays an IRI of the scheme `obi`.
    const doc: JsonObject = {
      '@context': [...CLR_CONTEXT],
      id: 'urn:uuid:5b7a0d1e-0000-4000-8000-000000000002',
      type: ['VerifiableCredential', 'ClrCredential'],
      issuer: 'did:web:issuer.example',
      validFrom: '2024-01-01T00:00:00Z',
      credentialSubject: {
        id: 'did:example:learner',
        type: 'ClrSubject',
        verifiableCredential: [credential({ achievement: ACHIEVEMENT })],
        achievement: [
          { id: 'obi:onlyId' },
          { id: 'obi:withName', type: 'Achievement', name: 'N', criteria: { narrative: 'n' } },
        ],
      },
    };
    const objects = objectsOf(quadsOf(doc), 'https://purl.imsglobal.org/spec/vc/clr/vocab.html#achievement').map(
      (o) => o.value,
    );
    expect(objects.sort()).toEqual([`${OB}onlyId`, 'obi:withName']);
    await expectSameAsReference(doc);
  });

  it('refuses an undefined term, an undefined class and a relative IRI, as jsonld.js safe mode does', async () => {
    await expectRefusedByBoth(credential({ achievement: { ...ACHIEVEMENT, undefinedTerm: 'x' } }));
    await expectRefusedByBoth(credential({ achievement: { ...ACHIEVEMENT, type: ['Achievement', 'NoSuchClass'] } }));
    await expectRefusedByBoth(credential({ achievement: { ...ACHIEVEMENT, image: 'relative/image.png' } }));
  });

  it('puts each proof in its own graph named by a blank node, linked from the credential', async () => {
    const proof = {
      type: 'DataIntegrityProof',
      cryptosuite: 'eddsa-rdfc-2022',
      created: '2024-01-01T00:00:00Z',
      verificationMethod: 'did:web:issuer.example#key-1',
      proofPurpose: 'assertionMethod',
      proofValue: 'z3FXQ',
    };
    const doc = credential({ achievement: ACHIEVEMENT }, { proof: [proof, { ...proof, proofValue: 'z4GYR' }] });
    const quads = quadsOf(doc);
    const links = quads.filter((q) => q.predicate.value === 'https://w3id.org/security#proof');
    expect(links).toHaveLength(2);
    for (const link of links) {
      expect(link.object.termType).toBe('BlankNode');
      expect(link.graph.termType).toBe('DefaultGraph');
      const inGraph = quads.filter((q) => q.graph.termType === 'BlankNode' && q.graph.value === link.object.value);
      expect(inGraph.map((q) => q.predicate.value)).toContain('https://w3id.org/security#proofValue');
    }
    const nquads = await expectSameAsReference(doc);
    expect(nquads).toMatch(
      /<https:\/\/w3id\.org\/security#proofValue> "z3FXQ"\^\^<https:\/\/w3id\.org\/security#multibase> _:c14n\d+ \.\n/,
    );
  });

  it('keeps the duplicate quads jsonld.js keeps (5 and "5" are two values of one xsd:float literal)', async () => {
    const doc = credential({ achievement: { ...ACHIEVEMENT, creditsAvailable: [5, '5', 5] as never } });
    const credits = objectsOf(quadsOf(doc), `${OB}creditsAvailable`);
    expect(credits).toHaveLength(2);
    expect(credits[0]).toEqual(credits[1]);
    const nquads = await expectSameAsReference(doc);
    expect(nquads.split('\n').filter((l) => l.includes('creditsAvailable'))).toHaveLength(2);
  });

  it('merges the occurrences of one named node as jsonld.js does: each type and value once, lists kept', async () => {
    // The achievement appears twice (in the subject and in an endorsement-free evidence-like place: `result` points
    // at its result descriptions by id), with overlapping names, types, tags and a list in each occurrence.
    const first = { ...ACHIEVEMENT, tag: ['a', 'b', 'a'], resultDescription: [] };
    const second = {
      id: ACHIEVEMENT.id,
      type: ['Achievement', 'Achievement'],
      name: ['A', 'A2'],
      tag: ['b', 'c'],
      criteria: { narrative: 'Do it' },
    };
    const doc = credential(
      { achievement: first },
      { evidence: [{ id: 'https://issuer.example/e/1', type: 'Evidence' }] },
    );
    (doc.credentialSubject as JsonObject).source = second as never;
    const quads = quadsOf(doc);
    const tags = objectsOf(quads, 'https://schema.org/keywords').map((o) => o.value);
    expect(tags.sort()).toEqual(['a', 'b', 'c']);
    const names = quads.filter(
      (q) => q.subject.value === ACHIEVEMENT.id && q.predicate.value === 'https://schema.org/name',
    );
    expect(names.map((q) => q.object.value).sort()).toEqual(['A', 'A2']);
    const types = quads.filter((q) => q.subject.value === ACHIEVEMENT.id && q.predicate.value.endsWith('#type'));
    expect(types).toHaveLength(1);
    await expectSameAsReference(doc);
  });

  it('steps aside for an unknown context, an embedded context object, @direction and an undefined term', async () => {
    const base = credential({ achievement: ACHIEVEMENT });
    const withoutOb = new Map(contexts);
    withoutOb.delete(OB_CONTEXT[1]);
    expect(toQuadsFast(base, withoutOb)).toBeUndefined();
    expect(toQuadsFast(base, (url) => contexts.get(url))).toBeDefined();
    expect(
      toQuadsFast({ ...base, '@context': [...OB_CONTEXT, { ex: 'https://example.org/' }] }, contexts),
    ).toBeUndefined();
    expect(
      toQuadsFast(
        credential({ achievement: { ...ACHIEVEMENT, name: { '@value': 'x', '@direction': 'rtl' } } }),
        contexts,
      ),
    ).toBeUndefined();
    expect(toQuadsFast(credential({ achievement: { ...ACHIEVEMENT, nope: 1 } }), contexts)).toBeUndefined();
  });

  it('uses the document the resolver gives for a URL, not one remembered from an earlier call', async () => {
    const doc = credential({ achievement: ACHIEVEMENT });
    const ob = contexts.get(OB_CONTEXT[1]) as { '@context': JsonObject };
    const renamed = new Map(contexts);
    renamed.set(OB_CONTEXT[1], {
      '@context': { ...ob['@context'], narrative: { '@id': 'https://example.org/otherNarrative' } },
    });
    const before = quadsOf(doc);
    const after = toQuadsFast(doc, renamed);
    expect(objectsOf(before, 'https://example.org/otherNarrative')).toHaveLength(0);
    expect(objectsOf(before, `${OB}narrative`)).toHaveLength(1);
    expect(after && objectsOf(after, 'https://example.org/otherNarrative')).toHaveLength(1);
    expect(toQuadsFast(doc, contexts)).toEqual(before);
    // Redefining a protected term (VC 2.0's `name`) the way jsonld.js refuses is refused here too.
    const clash = new Map(contexts);
    clash.set(OB_CONTEXT[1], { '@context': { ...ob['@context'], name: { '@id': 'https://example.org/otherName' } } });
    expect(toQuadsFast(doc, clash)).toBeUndefined();
  });
});

describe('toQuadsFast: published vectors', () => {
  it('gives jsonld.canonize bytes on every 1EdTech OB/CLR example and DCC fixture it takes', async () => {
    const root = new URL('./fixtures/vectors/', import.meta.url).pathname;
    const files: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (name.endsWith('.json') && !path.includes('/contexts/')) files.push(path);
      }
    };
    walk(join(root, '1edtech-openbadges-specification/extracted-from-html'));
    walk(join(root, 'digitalcredentials-vc-test-fixtures/verifiableCredentials'));
    let taken = 0;
    for (const path of files) {
      const document = JSON.parse(readFileSync(path, 'utf8')) as JsonObject;
      if (!('@context' in document)) continue;
      const { proof: _proof, ...unsigned } = document;
      for (const variant of [document, unsigned]) {
        const mine = await fast(variant);
        const ref = await reference(variant);
        if (mine === undefined) continue;
        taken++;
        expect(mine, path).toEqual(ref);
      }
    }
    // 1EdTech: 3 OB and 3 CLR documents, DCC: 50-odd credentials; all but one (an embedded context) are fast.
    expect(taken).toBeGreaterThanOrEqual(100);
  });
});
