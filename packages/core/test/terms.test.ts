import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { canonize, checkTerms, createDocumentLoader, SkillproofError } from '../src/index.js';
import type { JsonObject, JsonValue } from '../src/index.js';

const vectors = fileURLToPath(new URL('./fixtures/vectors/', import.meta.url));
const json = (path: string): JsonObject => JSON.parse(readFileSync(vectors + path, 'utf8')) as JsonObject;
const OB = '1edtech-openbadges-specification/extracted-from-html/';
const loader = createDocumentLoader();

function unsigned(path: string): JsonObject {
  const { proof: _proof, ...rest } = json(path);
  return rest;
}
const obExample = (): JsonObject => unsigned(`${OB}linked-data-proof-ob.credential.json`);
const clrExample = (): JsonObject => unsigned(`${OB}linked-data-proof-clr.credential.json`);

async function termError(document: JsonObject): Promise<SkillproofError> {
  const e: unknown = await checkTerms(document, loader).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(SkillproofError);
  return e as SkillproofError;
}

function obj(value: JsonValue | undefined): JsonObject {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('not an object');
  return value;
}

describe('checkTerms', () => {
  it('passes the 1EdTech Open Badges and CLR examples (signed ones included)', async () => {
    await expect(checkTerms(obExample(), loader)).resolves.toBeUndefined();
    await expect(checkTerms(clrExample(), loader)).resolves.toBeUndefined();
    await expect(checkTerms(json(`${OB}linked-data-proof-ob.signed-credential.json`), loader)).resolves.toBeUndefined();
    await expect(
      checkTerms(json(`${OB}linked-data-proof-clr.signed-credential.json`), loader),
    ).resolves.toBeUndefined();
  });

  it('reports an undefined top-level term with its path', async () => {
    const doc = { ...obExample(), shoeSize: 42 };
    const e = await termError(doc);
    expect(e.code).toBe('ERR_TERM_UNDEFINED');
    expect(e.path).toBe('$.shoeSize');
    expect(e.details).toMatchObject({ event: 'invalid property', term: 'shoeSize' });
  });

  it('reports an undefined term inside credentialSubject.achievement', async () => {
    const doc = obExample();
    obj(obj(doc.credentialSubject).achievement).foo = 'bar';
    const e = await termError(doc);
    expect(e.code).toBe('ERR_TERM_UNDEFINED');
    expect(e.path).toBe('$.credentialSubject.achievement.foo');
  });

  it('reports an undefined term inside an array element, with its index', async () => {
    const doc = clrExample();
    const subject = obj(doc.credentialSubject);
    const achievements = subject.achievement as JsonValue[];
    expect(achievements.length).toBe(2);
    obj(obj(achievements[1]).creator).favouriteColour = 'teal';
    const e = await termError(doc);
    expect(e.path).toBe('$.credentialSubject.achievement[1].creator.favouriteColour');
    // Inside the embedded OpenBadgeCredential (its own @context, and a proof with the Data Integrity terms).
    const embedded = clrExample();
    const vc = obj((obj(embedded.credentialSubject).verifiableCredential as JsonValue[])[0]);
    obj((vc.proof as JsonValue[] | JsonObject) instanceof Array ? (vc.proof as JsonValue[])[0] : vc.proof).nonceX = 1;
    expect((await termError(embedded)).path).toMatch(
      /^\$\.credentialSubject\.verifiableCredential\[0\]\.proof(\[0\])?\.nonceX$/,
    );
  });

  it('reports an unknown type value', async () => {
    const doc = { ...obExample(), type: ['VerifiableCredential', 'NotAClass'] };
    const e = await termError(doc);
    expect(e.code).toBe('ERR_TERM_UNDEFINED');
    expect(e.path).toBe('$.type[1]');
    expect(e.details).toMatchObject({ event: 'relative @type reference', term: 'NotAClass' });
    const single = obExample();
    obj(obj(single.credentialSubject).achievement).type = 'Acheivement';
    expect((await termError(single)).path).toBe('$.credentialSubject.achievement.type');
  });

  it('reports a relative id', async () => {
    const doc = obExample();
    obj(doc.credentialSubject).id = 'student-42';
    const e = await termError(doc);
    expect(e.code).toBe('ERR_TERM_UNDEFINED');
    expect(e.path).toBe('$.credentialSubject.id');
  });

  it('reports the place where a key is undefined, not the places where the same key is defined', async () => {
    // `achievementType` is defined for Achievement (a type-scoped context) but not on the credential itself.
    const doc = obExample();
    const achievement = obj(obj(doc.credentialSubject).achievement);
    achievement.achievementType = 'Badge';
    doc.achievementType = 'Badge';
    const e = await termError(doc);
    expect(e.path).toBe('$.achievementType');
    // Type-scoped contexts stop at nested objects: `achievementType` inside the criteria of an Achievement is undefined.
    const nested = obExample();
    const inner = obj(obj(nested.credentialSubject).achievement);
    inner.achievementType = 'Badge';
    obj(inner.criteria).achievementType = 'Badge';
    expect((await termError(nested)).path).toBe('$.credentialSubject.achievement.criteria.achievementType');
  });

  it('agrees with canonize: what checkTerms refuses, safe-mode canonize refuses with the same code', async () => {
    const doc = { ...obExample(), shoeSize: 42 };
    const e: unknown = await canonize(doc, loader).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(SkillproofError);
    expect((e as SkillproofError).code).toBe('ERR_TERM_UNDEFINED');
  });

  it('calls other unsafe JSON-LD ERR_JSONLD_INVALID, in checkTerms and in canonize alike', async () => {
    const doc = { ...obExample(), description: { '@value': 'x', '@language': 'not a tag!' } };
    expect((await termError(doc)).code).toBe('ERR_JSONLD_INVALID');
    const e: unknown = await canonize(doc, loader).catch((err: unknown) => err);
    expect((e as SkillproofError).code).toBe('ERR_JSONLD_INVALID');
  });

  it('keeps context errors as they are', async () => {
    const doc = { ...obExample(), '@context': ['https://www.w3.org/ns/credentials/v2', 'https://nowhere.example/ctx'] };
    const e = await termError(doc);
    expect(e.code).toBe('ERR_CONTEXT_UNKNOWN');
    expect(e.details?.url).toBe('https://nowhere.example/ctx');
  });

  it('refuses documents nested too deep or too large, before any JSON-LD work', async () => {
    let deep: JsonObject = { name: 'x' };
    for (let i = 0; i < 100; i++) deep = { description: deep };
    const e = await checkTerms({ ...obExample(), evidence: deep }, loader).catch((err: unknown) => err);
    expect((e as SkillproofError).code).toBe('ERR_INPUT_TOO_DEEP');
    const wide = { ...obExample(), x: Array.from({ length: 2000 }, (_, i) => i) };
    const f = await checkTerms(wide, loader, { maxValues: 1000 }).catch((err: unknown) => err);
    expect((f as SkillproofError).code).toBe('ERR_INPUT_TOO_LARGE');
  });

  it('still fails, without a path, when the probe budget is spent', async () => {
    const doc = { ...obExample(), shoeSize: 42 };
    const e = await checkTerms(doc, loader, { maxProbes: 0 }).catch((err: unknown) => err);
    expect((e as SkillproofError).code).toBe('ERR_TERM_UNDEFINED');
    expect((e as SkillproofError).path).toBeUndefined();
  });

  it.each([
    ['OB', obExample, 5, 50],
    ['CLR', clrExample, 20, 15],
  ])(
    'any undefined key added at any object of the %s example is reported with exactly that path',
    async (_, example, minPlaces, numRuns) => {
      const base = example();
      const places = objectPaths(base);
      expect(places.length).toBeGreaterThanOrEqual(minPlaces);
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...places),
          fc.stringMatching(/^[a-z0-9]{1,12}$/),
          fc.anything({ maxDepth: 1 }),
          async (place, suffix, value) => {
            const doc = structuredClone(base);
            const key = `x_${suffix}`;
            const target = obj(resolve(doc, place.segments));
            target[key] = JSON.parse(JSON.stringify(value ?? null) ?? 'null') as JsonValue;
            const e = await termError(doc);
            expect(e.code).toBe('ERR_TERM_UNDEFINED');
            expect(e.path).toBe(`${place.path}.${key}`);
          },
        ),
        { numRuns },
      );
    },
  );
});

type Segment = string | number;

/** Every object in the document outside `@context`, with its path. */
function objectPaths(document: JsonObject): Array<{ path: string; segments: Segment[] }> {
  const out: Array<{ path: string; segments: Segment[] }> = [];
  const walk = (value: JsonValue, segments: Segment[], path: string): void => {
    if (Array.isArray(value)) value.forEach((v, i) => walk(v, [...segments, i], `${path}[${i}]`));
    else if (value !== null && typeof value === 'object') {
      out.push({ path, segments });
      for (const [k, v] of Object.entries(value)) if (k !== '@context') walk(v, [...segments, k], `${path}.${k}`);
    }
  };
  walk(document, [], '$');
  return out;
}

function resolve(document: JsonObject, segments: Segment[]): JsonValue {
  let cur: JsonValue = document;
  for (const s of segments) cur = Array.isArray(cur) ? cur[s as number]! : obj(cur)[s as string]!;
  return cur;
}
