/**
 * What a verifier must answer for a tampered Data Integrity credential, check by check, worked out from the tampered
 * document itself and the untampered one, independently of Skillproof's code (the order of the steps is the one
 * documented in src/verify/data-integrity-checks.ts and src/proofs/data-integrity.ts: proof type and cryptosuite, proof
 * purpose, `created`, the verification method and its resolution, the proofValue encoding, JSON-LD canonicalization,
 * the signature). Where one step can end in one of a few codes (a resolution, a canonicalization) the oracle names
 * that few; everywhere else it names one code, or that the check passes.
 */
import jsonld from 'jsonld';
import type { JsonObject, JsonValue, VerificationCheck } from '../../src/index.js';
// Which safe-mode events are undefined terms is the one table the verifier names them by; jsonld.js decides the events.
import { TERM_EVENT_CODES } from '../../src/jsonld/canonize.js';

export interface Expected {
  id: VerificationCheck['id'];
  /** Allowed `status:code` pairs (code empty when the check has none). */
  allowed: ReadonlySet<string>;
  /** Why, for the failure message. */
  why: string;
}

const VC_V2 = 'https://www.w3.org/ns/credentials/v2';
const VC_V1 = 'https://www.w3.org/2018/credentials/v1';
/** The contexts the bundled loader knows (the ones the test credentials use). */
const KNOWN_CONTEXTS = new Set([VC_V2, 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json']);
/** The message of a signature that does not match; any other ERR_PROOF_INVALID would be a wrapped exception. */
export const SIGNATURE_MISMATCH =
  'The signature does not match the credential: it was changed after signing, or signed with another key.';

const failed = (...codes: string[]) => codes.map((c) => `failed:${c}`);
const one = (id: Expected['id'], why: string, ...pairs: string[]): Expected => ({ id, allowed: new Set(pairs), why });

/** XSD dateTimeStamp: a real calendar date and time, with its zone (written here, not imported, on purpose). */
export function isDateTimeStamp(v: unknown): boolean {
  if (typeof v !== 'string') return false;
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-](\d{2}):(\d{2}))$/.exec(v);
  if (!m) return false;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return false;
  if (m[9] !== undefined && (Number(m[9]) > 23 || Number(m[10]) > 59)) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1]!;
  return d <= days;
}

const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

/** The byte length of a base58btc string (leading '1's are zero bytes), or undefined when it is not base58. */
export function base58ByteLength(s: string): number | undefined {
  let n = 0n;
  for (const c of s) {
    const digit = BASE58.indexOf(c);
    if (digit < 0) return undefined;
    n = n * 58n + BigInt(digit);
  }
  let zeros = 0;
  while (zeros < s.length && s[zeros] === '1') zeros++;
  return zeros + (n === 0n ? 0 : Math.ceil(n.toString(16).length / 2));
}

function issuerIdOf(doc: JsonObject): string | undefined {
  const issuer = doc.issuer;
  if (typeof issuer === 'string') return issuer;
  if (issuer && typeof issuer === 'object' && !Array.isArray(issuer) && typeof issuer.id === 'string') return issuer.id;
  return undefined;
}

function proofList(doc: JsonObject): JsonValue[] | undefined {
  const p = doc.proof;
  return p === undefined ? undefined : Array.isArray(p) ? p : [p];
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Codes that resolving a changed verification method may end in (src/keys/resolve-key.ts). */
function resolutionOutcomes(vm: string, original: string): string[] {
  if (vm.length === 0 || vm.length > 2048) return failed('ERR_KEY_INVALID');
  const hash = vm.indexOf('#');
  const controller = hash < 0 ? vm : vm.slice(0, hash);
  const fragment = hash < 0 ? '' : vm.slice(hash + 1);
  if (controller.startsWith('did:key:')) {
    // Not a did:key, not Ed25519, not a key, or a key whose document has no such method.
    return failed('ERR_DID_INVALID', 'ERR_DID_UNSUPPORTED', 'ERR_KEY_NOT_FOUND');
  }
  if (controller.startsWith('did:web:')) return [...failed('ERR_DID_INVALID'), 'unknown:ERR_OFFLINE'];
  if (controller.startsWith('did:')) return failed('ERR_DID_UNSUPPORTED');
  if (/^https:\/\//.test(controller)) {
    // Offline: unknown; the 1EdTech form (a z6Mk… fragment) falls back to the key in the fragment, which is not the
    // signer's unless only the controller part changed.
    if (/^z6Mk[1-9A-HJ-NP-Za-km-z]+$/.test(fragment)) {
      return fragment === original.slice(original.indexOf('#') + 1)
        ? ['continue']
        : [...failed('ERR_KEY_INVALID', 'ERR_PROOF_INVALID'), 'continue'];
    }
    return ['unknown:ERR_OFFLINE'];
  }
  return failed('ERR_DID_INVALID');
}

export interface MutationFacts {
  kind: string;
  /** For rename-key: the new key. */
  to?: string;
}

/**
 * The expected checks of `verifyCredential(doc)` for `doc`, a mutation of the verified credential `base`, given the
 * checks `base` verified with (for `status`, which no mutation reaches) and the clock.
 */
export function expectedChecks(
  base: JsonObject,
  baseChecks: VerificationCheck[],
  doc: JsonObject,
  facts: MutationFacts,
  now: Date,
): Expected[] {
  const out: Expected[] = [one('format', 'a JSON object is always read', 'passed:')];

  // schema (src/verify/schema.ts): the VC 2.0 rules are certain; the OB 3.0 shape may or may not break.
  const context = doc['@context'];
  const first = Array.isArray(context) ? context[0] : context;
  const types = Array.isArray(doc.type) ? doc.type : [doc.type];
  const subject = doc.credentialSubject;
  if (first !== VC_V2 && first !== VC_V1)
    out.push(one('schema', 'the first @context is not VC', 'failed:ERR_SCHEMA_INVALID'));
  else if (!types.includes('VerifiableCredential'))
    out.push(one('schema', 'type lacks VerifiableCredential', 'failed:ERR_SCHEMA_INVALID'));
  else if (issuerIdOf(doc) === undefined) out.push(one('schema', 'no issuer id', 'failed:ERR_SCHEMA_INVALID'));
  else if (subject === null || typeof subject !== 'object')
    out.push(one('schema', 'no credentialSubject', 'failed:ERR_SCHEMA_INVALID'));
  else out.push(one('schema', 'the OB 3.0 shape may break', 'passed:', 'failed:ERR_SCHEMA_INVALID'));

  // proof (one check per proof)
  const { proof: _b, ...baseBody } = base;
  const { proof: _d, ...body } = doc;
  const baseProofs = proofList(base)!;
  const proofs = proofList(doc);
  const contexts = Array.isArray(context) ? context : [context];
  const bodyChanged = !same(body, baseBody);
  // Reordering the two contexts changes no term definition, so the RDF, and with it the signature, stay the same.
  const rdfSameBody =
    !bodyChanged ||
    (same({ ...body, '@context': null }, { ...baseBody, '@context': null }) &&
      same([...contexts].map(String).sort(), [...(baseBody['@context'] as JsonValue[])].map(String).sort()));
  const contextProblem = contexts.some((c) => typeof c !== 'string')
    ? 'ERR_JSONLD_INVALID'
    : contexts.some((c) => !KNOWN_CONTEXTS.has(c as string))
      ? 'ERR_CONTEXT_UNKNOWN'
      : undefined;
  if (proofs === undefined) {
    out.push(one('proof', 'the proof was removed', 'failed:ERR_PROOF_MISSING'));
  } else {
    proofs.forEach((value, j) => {
      const original = baseProofs[j] as JsonObject;
      const proof = value as JsonObject;
      const step = (why: string, ...pairs: string[]) => out.push(one('proof', `proof ${j}: ${why}`, ...pairs));
      const supported =
        (proof.type === 'DataIntegrityProof' &&
          (proof.cryptosuite === 'eddsa-rdfc-2022' || proof.cryptosuite === 'eddsa-2022')) ||
        proof.type === 'Ed25519Signature2020';
      if (!supported) return step('type or cryptosuite', ...failed('ERR_PROOF_TYPE_UNSUPPORTED'));
      if (proof.proofPurpose !== 'assertionMethod') return step('proofPurpose', ...failed('ERR_PROOF_PURPOSE'));
      if (proof.created !== undefined && !isDateTimeStamp(proof.created))
        return step('created is no dateTimeStamp', ...failed('ERR_PROOF_MALFORMED'));
      if (proof.expires !== undefined && !isDateTimeStamp(proof.expires))
        return step('expires is no dateTimeStamp', ...failed('ERR_PROOF_MALFORMED'));
      const vm = proof.verificationMethod;
      if (typeof vm !== 'string') return step('no verificationMethod', ...failed('ERR_PROOF_MALFORMED'));
      const early: string[] = [];
      if (vm !== original.verificationMethod) {
        const outcomes = resolutionOutcomes(vm, original.verificationMethod as string);
        if (!outcomes.includes('continue')) return step(`verificationMethod ${vm}`, ...outcomes);
        early.push(...outcomes.filter((o) => o !== 'continue'));
      }
      const pv = proof.proofValue;
      if (typeof pv !== 'string' || !pv.startsWith('z') || base58ByteLength(pv.slice(1)) !== 64)
        return step('proofValue is not 64 base58btc bytes', ...early, ...failed('ERR_PROOF_MALFORMED'));
      if (contextProblem) return step('an @context entry', ...early, ...failed(contextProblem));
      const proofSame = same(proof, original);
      if (proofSame && rdfSameBody) return step('untouched, and signs the same RDF', ...early, 'passed:');
      const renamedTo = facts.kind === 'rename-key' ? facts.to : undefined;
      if (renamedTo === 'x')
        return step('a key renamed to an undefined term', ...early, ...failed('ERR_TERM_UNDEFINED'));
      const keysSame = same(Object.keys(proof), Object.keys(original));
      if (!bodyChanged && keysSame) {
        // Only values of the proof changed, to values of the right form: the signature covers them.
        return step('a signed proof option changed', ...early, ...failed('ERR_PROOF_INVALID'));
      }
      // A changed document or proof configuration: the signature fails, unless safe-mode JSON-LD refuses it first.
      return step(
        'the signed data changed',
        ...early,
        ...failed('ERR_PROOF_INVALID', 'ERR_TERM_UNDEFINED', 'ERR_JSONLD_INVALID'),
      );
    });
  }

  // issuer: worked out from the proof outcomes, which are asserted above.
  out.push({ id: 'issuer', allowed: new Set(), why: 'from the proof checks' });

  // validity (src/verify/validity.ts), with the default skew of 60 s.
  out.push(expectedValidity(doc, now));

  const status = baseChecks.find((c) => c.id === 'status')!;
  out.push(one('status', 'no mutation reaches credentialStatus', `${status.status}:${status.code ?? ''}`));
  return out;
}

function expectedValidity(doc: JsonObject, now: Date): Expected {
  const read = (names: string[]) => {
    for (const name of names) if (doc[name] !== undefined) return { name, raw: doc[name] };
    return undefined;
  };
  const from = read(['validFrom', 'issuanceDate']);
  const until = read(['validUntil', 'expirationDate']);
  for (const d of [from, until])
    if (d && !isDateTimeStamp(d.raw))
      return one('validity', `${d.name} is no dateTimeStamp`, 'failed:ERR_DATE_INVALID');
  const f = from && new Date(from.raw as string).getTime();
  const u = until && new Date(until.raw as string).getTime();
  if (f !== undefined && u !== undefined && u < f)
    return one('validity', 'ends before it starts', 'failed:ERR_DATE_INVALID');
  if (f !== undefined && now.getTime() + 60_000 < f)
    return one('validity', 'not yet valid', 'failed:ERR_NOT_YET_VALID');
  if (u !== undefined && now.getTime() - 60_000 > u) return one('validity', 'expired', 'failed:ERR_EXPIRED');
  return one('validity', 'within its period', 'passed:');
}

/** The issuer check that follows from the proof checks (src/verify/data-integrity-checks.ts checkIssuerBinding). */
export function expectedIssuer(doc: JsonObject, proofChecks: VerificationCheck[], signer: string): string {
  const issuer = issuerIdOf(doc);
  if (issuer === undefined) return 'failed:ERR_SCHEMA_INVALID';
  const passed = proofChecks.filter((c) => c.status === 'passed');
  if (passed.length === 0) {
    return proofChecks.some((c) => c.status === 'unknown') ? 'unknown:ERR_ISSUER_UNCONFIRMED' : 'skipped:';
  }
  return issuer === signer ? 'passed:' : 'failed:ERR_ISSUER_MISMATCH';
}

/**
 * The canonical N-Quads of a document by jsonld.js itself (safe mode, RDFC-1.0, rdf-canonize's default work bound), or
 * the code its refusal amounts to: the reference for Skillproof's own canonicalizer, which must agree.
 */
export async function referenceCanonical(
  document: JsonObject,
  documentLoader: (url: string) => Promise<unknown>,
): Promise<{ nquads: string } | { code: string; message: string }> {
  try {
    const nquads = (await jsonld.canonize(
      document as never,
      {
        algorithm: 'RDFC-1.0',
        format: 'application/n-quads',
        documentLoader,
        safe: true,
      } as never,
    )) as unknown as string;
    return { nquads };
  } catch (e) {
    let cur: unknown = e;
    for (let depth = 0; cur && typeof cur === 'object' && depth < 10; depth++) {
      const code = (cur as { code?: unknown }).code;
      if (typeof code === 'string' && code.startsWith('ERR_')) return { code, message: String(e) };
      const c = cur as { cause?: unknown; details?: { cause?: unknown } };
      cur = c.details?.cause ?? c.cause;
    }
    const err = e as { name?: string; message?: string; details?: { event?: { code?: string } } };
    const event = err.details?.event?.code;
    if (err.name === 'jsonld.ValidationError' && event !== undefined) {
      return { code: TERM_EVENT_CODES.has(event) ? 'ERR_TERM_UNDEFINED' : 'ERR_JSONLD_INVALID', message: event };
    }
    return { code: 'ERR_JSONLD_INVALID', message: err.message ?? String(e) };
  }
}

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** A canonical base64url segment (no padding, no stray bits) decoded, or undefined. */
function decodeBase64url(segment: string): Uint8Array | undefined {
  const bytes = Buffer.from(segment, 'base64url');
  return bytes.toString('base64url') === segment ? bytes : undefined;
}

/** A JWT header or payload segment as a JSON object, or undefined when a verifier must call it malformed. */
function decodeJsonSegment(segment: string): JsonObject | undefined {
  const bytes = segment.length > 0 ? decodeBase64url(segment) : undefined;
  if (!bytes) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return undefined;
  }
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as JsonObject) : undefined;
}

const isObjectValue = (v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The JWT form a `typ` header names (VC-JOSE-COSE or the Open Badges VC-JWT), or undefined for an unknown one. */
function jwtForm(typ: JsonValue | undefined): 'vc' | 'ob' | undefined {
  if (typ === undefined) return 'ob';
  if (typeof typ !== 'string') return undefined;
  const t = typ.toLowerCase().replace(/^application\//, '');
  return t === 'vc+jwt' || t === 'vc+ld+json+jwt' ? 'vc' : t === 'jwt' ? 'ob' : undefined;
}

const REGISTERED = ['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti'];

/**
 * The expected checks of `verifyCredential(forged)` for a compact JWT made from `token` (which verified with
 * `baseChecks`) by changing its characters or its payload. Worked out segment by segment: the shape of the compact
 * serialization, each segment's base64url and JSON, then what changed in the header (alg, typ, kid, the rest), in the
 * payload, or in the signature alone.
 */
export function expectedJwtChecks(
  token: string,
  baseChecks: VerificationCheck[],
  forged: string,
  now: Date,
): Expected[] {
  const unreadable = (why: string, code: string): Expected[] => [
    one('format', why, `failed:${code}`),
    one('proof', why, 'skipped:'),
    one('issuer', why, 'skipped:'),
  ];
  if (!JWT_SHAPE.test(forged)) return [one('format', 'not a compact JWS', 'failed:ERR_FORMAT_UNKNOWN')];
  const [h, p, s] = forged.split('.') as [string, string, string];
  const header = decodeJsonSegment(h);
  const payload = decodeJsonSegment(p);
  if (!header || !payload || (s.length > 0 && !decodeBase64url(s)))
    return unreadable('a segment is not canonical base64url JSON', 'ERR_JWT_MALFORMED');
  const [bh, bp] = token.split('.') as [string, string, string];
  const baseHeader = decodeJsonSegment(bh)!;
  const basePayload = decodeJsonSegment(bp)!;
  if (typeof header.alg !== 'string') return unreadable('the header has no alg', 'ERR_JWT_MALFORMED');
  const form = jwtForm(header.typ);
  if (!form) return unreadable(`typ ${JSON.stringify(header.typ)}`, 'ERR_JWT_TYP');
  if (
    form === 'ob' &&
    payload.vc !== undefined &&
    (payload.vc === null || typeof payload.vc !== 'object' || Array.isArray(payload.vc))
  )
    return unreadable('the vc claim is not an object', 'ERR_JWT_MALFORMED');

  const payloadChanged = !same(payload, basePayload);
  const baseOf = (id: string) => baseChecks.find((c) => c.id === id)!;
  const asBase = (id: Expected['id'], why: string) => one(id, why, `${baseOf(id).status}:${baseOf(id).code ?? ''}`);

  // format: the claims may contradict the credential once the payload or the form changed.
  const format =
    payloadChanged || form !== jwtForm(baseHeader.typ)
      ? one('format', 'claims against the credential', 'passed:', 'failed:ERR_JWT_CLAIMS')
      : asBase('format', 'the claims did not change');

  // proof: the first failing step of the header's algorithm, key and signature.
  let proof: Expected;
  if (header.alg !== baseHeader.alg) proof = one('proof', `alg ${header.alg}`, 'failed:ERR_JWT_ALG');
  else if (!same(header.kid, baseHeader.kid) && header.kid !== undefined) {
    const kid = header.kid;
    // A kid that is not an absolute URI names a key in the issuer's did:key document, which has only its own.
    const issuer = issuerIdOf((form === 'ob' && isObjectValue(payload.vc) ? payload.vc : payload) as JsonObject);
    const vm =
      typeof kid !== 'string' || /^[A-Za-z][A-Za-z0-9+.-]*:/.test(kid)
        ? kid
        : `${issuer}${kid.startsWith('#') ? '' : '#'}${kid}`;
    proof =
      typeof vm !== 'string' || vm.length === 0
        ? one('proof', 'kid is not a string', 'failed:ERR_JWT_MALFORMED')
        : one(
            'proof',
            `kid ${vm}`,
            ...resolutionOutcomes(vm, baseHeader.kid as string).filter((o) => o !== 'continue'),
            'failed:ERR_JWT_SIGNATURE',
          );
  } else proof = one('proof', 'the signed bytes changed', 'failed:ERR_JWT_SIGNATURE');

  const vc = form === 'ob' && payload.vc !== undefined ? (payload.vc as JsonObject) : undefined;
  const credential: JsonObject = vc ?? { ...payload };
  if (!vc) for (const name of REGISTERED) delete credential[name];
  const dated =
    typeof payload.exp === 'number' && credential.validUntil === undefined && credential.expirationDate === undefined
      ? { ...credential, validUntil: new Date(payload.exp * 1000).toISOString() }
      : credential;
  return [
    format,
    payloadChanged
      ? one('schema', 'the credential changed', 'passed:', 'failed:ERR_SCHEMA_INVALID')
      : asBase('schema', 'the credential did not change'),
    proof,
    one('issuer', 'no valid proof', 'skipped:'),
    payloadChanged ? expectedValidity(dated, now) : asBase('validity', 'the credential did not change'),
    asBase('status', 'no change reaches credentialStatus'),
  ];
}
