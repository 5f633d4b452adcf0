import { compactVerify, errors as joseErrors, importJWK } from 'jose';
import { SkillproofError, UNREACHABLE_CODES } from '../errors.js';
import type { ErrorCode } from '../errors.js';
import { decodeEd25519PublicKey } from '../keys/multikey.js';
import type { KeyResolver, ResolvedKey } from '../keys/resolve-key.js';
import { base64urlEncode } from '../lib/encoding.js';
import { issuerId } from '../lib/issuer-id.js';
import { assertDepth } from '../lib/json-input.js';
import { check } from '../verify/checks.js';
import type { VerificationCheck } from '../verify/checks.js';
import type { Clock, JsonObject, JsonValue } from '../types.js';
import {
  ALLOWED_ALGORITHMS,
  algorithmMismatch,
  decodeCanonicalBase64url,
  isAllowedAlgorithm,
  keyIdentity,
  publicJwk,
} from './jwk.js';
import type { AllowedAlgorithm } from './jwk.js';
import type { CredentialJwtForm } from './sign-credential-jwt.js';

export interface VerifyCredentialJwtOptions {
  /** Finds the key named by `kid`, and the issuer's DID or controller document. */
  resolver: KeyResolver;
  /** Only used to judge a retired key when the JWT carries no signing time. Default: the system clock. */
  clock?: Clock;
  /** Longest JWT accepted, in characters. Default 10 MiB. */
  maxBytes?: number;
}

/** One finding, in the shape every verification in core reports (`format`, then `proof`, then `issuer`). */
export type JwtCheck = VerificationCheck & { id: 'format' | 'proof' | 'issuer' };

export interface CredentialJwtVerification {
  /** True only when every check passed. Validity period and status are not judged here. */
  verified: boolean;
  /** The credential the JWT carries, without the JWT claims; absent when the token could not be read. */
  credential?: JsonObject;
  form?: CredentialJwtForm;
  /**
   * True when the payload carried the credential in a `vc` claim (the VC Data Model 1.1 JWT encoding), which OB 3.0
   * §8.2.5 still asks verifiers to accept.
   */
  vcClaim?: boolean;
  /** The protected header, as sent (untrusted until `proof` passed). */
  header?: JsonObject;
  /**
   * The registered JWT claims found in the payload (`iss`, `sub`, `jti`, `nbf`, `exp`, `iat`, `aud`). `exp` with no
   * `validUntil` in the credential is its end of validity (OB 3.0 §8.2.5); the caller's validity check must use it.
   */
  claims?: JsonObject;
  /** The verification method whose key was used, when one was found. */
  verificationMethod?: string;
  checks: JwtCheck[];
}

const DEFAULT_MAX_BYTES = 10 * 1024 * 1024;
const MAX_DEPTH = 64;
const REGISTERED_CLAIMS = ['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti'] as const;

function jwtCheck(
  id: JwtCheck['id'],
  status: JwtCheck['status'],
  message: string,
  code?: ErrorCode,
  detail?: { [key: string]: JsonValue },
): JwtCheck {
  return check(id, status, message, code, detail) as JwtCheck;
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function decodeSegment(segment: string, what: string): JsonObject {
  if (segment.length === 0) throw new SkillproofError('ERR_JWT_MALFORMED', `The JWT ${what} is empty.`);
  const bytes = decodeCanonicalBase64url(segment, `The JWT ${what}`, 'ERR_JWT_MALFORMED');
  let value: unknown;
  try {
    value = JSON.parse(strictUtf8.decode(bytes));
  } catch (cause) {
    throw new SkillproofError('ERR_JWT_MALFORMED', `The JWT ${what} is not UTF-8 JSON.`, { cause });
  }
  if (!isObject(value)) throw new SkillproofError('ERR_JWT_MALFORMED', `The JWT ${what} is not a JSON object.`);
  try {
    assertDepth(value, MAX_DEPTH);
  } catch (cause) {
    throw new SkillproofError('ERR_JWT_MALFORMED', `The JWT ${what} nests too deeply.`, { cause });
  }
  return value;
}

/** RFC 7515 §4.1.9: `typ` may omit the "application/" prefix, and media types compare case-insensitively. */
function formOf(typ: JsonValue | undefined): CredentialJwtForm | undefined {
  if (typ === undefined) return 'ob-vc-jwt';
  if (typeof typ !== 'string') return undefined;
  const t = typ.toLowerCase().replace(/^application\//, '');
  // vc+ld+json+jwt: the media type of VC-JOSE-COSE drafts before 2024.
  if (t === 'vc+jwt' || t === 'vc+ld+json+jwt') return 'vc-jose-cose';
  if (t === 'jwt') return 'ob-vc-jwt';
  return undefined;
}

function subjectIdsOf(credential: JsonObject): string[] {
  const subject = credential.credentialSubject;
  const subjects = Array.isArray(subject) ? subject : [subject];
  return subjects.flatMap((s) => (isObject(s) && typeof s.id === 'string' ? [s.id] : []));
}

function seconds(value: JsonValue | undefined): number | undefined {
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}

/** Claims that contradict the credential they carry; an empty list when they agree. */
function claimProblems(
  form: CredentialJwtForm,
  claims: JsonObject,
  credential: JsonObject,
  vcClaim: boolean,
  wrapped: boolean,
): string[] {
  const problems: string[] = [];
  for (const name of ['iat', 'nbf', 'exp'] as const) {
    const v = claims[name];
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v))) {
      problems.push(`${name} is not a NumericDate.`);
    }
  }
  const issuer = issuerId(credential);
  if (form === 'vc-jose-cose') {
    // VC-JOSE-COSE §3.1.3 and §4.1.2: no vc/vp wrappers; an iss, when present, must be the issuer.
    if (wrapped) problems.push('The vc and vp claims must not be present in a vc+jwt.');
    if (claims.iss !== undefined && claims.iss !== issuer) {
      problems.push(`iss ${JSON.stringify(claims.iss)} is not the issuer ${JSON.stringify(issuer ?? null)}.`);
    }
    return problems;
  }
  // OB 3.0 §8.2.5 "Verify a Credential VC-JWT Signature". VC 1.1 credentials (in a vc claim) name the dates
  // issuanceDate and expirationDate.
  if (claims.iss === undefined || claims.iss !== issuer) {
    problems.push(`iss ${JSON.stringify(claims.iss ?? null)} is not the issuer ${JSON.stringify(issuer ?? null)}.`);
  }
  if (claims.jti === undefined || claims.jti !== credential.id) {
    problems.push(
      `jti ${JSON.stringify(claims.jti ?? null)} is not the credential id ${JSON.stringify(credential.id ?? null)}.`,
    );
  }
  const subjects = subjectIdsOf(credential);
  if (subjects.length > 0 ? !subjects.includes(claims.sub as string) : claims.sub !== undefined) {
    problems.push(`sub ${JSON.stringify(claims.sub ?? null)} is not the credentialSubject id.`);
  }
  const from = credential.validFrom ?? (vcClaim ? credential.issuanceDate : undefined);
  const fromSeconds = seconds(from);
  if (fromSeconds === undefined) problems.push('The credential has no validFrom for nbf to match.');
  else if (claims.nbf !== fromSeconds)
    problems.push(`nbf ${JSON.stringify(claims.nbf ?? null)} is not validFrom ${String(from)}.`);
  const until = credential.validUntil ?? (vcClaim ? credential.expirationDate : undefined);
  if (until !== undefined) {
    const untilSeconds = seconds(until);
    if (untilSeconds === undefined) problems.push(`validUntil ${JSON.stringify(until)} is not a date-time.`);
    else if (claims.exp !== untilSeconds)
      problems.push(`exp ${JSON.stringify(claims.exp ?? null)} is not validUntil ${String(until)}.`);
  }
  return problems;
}

interface ProofOutcome {
  check: JwtCheck;
  key?: ResolvedKey;
  /** The key came from the `jwk` header alone: it verifies the signature but says nothing about who holds it. */
  selfAsserted?: boolean;
}

function absolute(ref: string, base: string): string {
  return ref.startsWith('#') ? base + ref : ref;
}

/** Verification methods a controller document lists, with their public keys as JWK identities. */
function listedKeys(document: JsonObject): Array<{ id: string; identity: string }> {
  const base = typeof document.id === 'string' ? document.id : '';
  const out: Array<{ id: string; identity: string }> = [];
  const candidates = [
    ...(Array.isArray(document.verificationMethod) ? document.verificationMethod : []),
    ...(Array.isArray(document.assertionMethod) ? document.assertionMethod : []),
  ];
  for (const m of candidates) {
    if (!isObject(m) || typeof m.id !== 'string') continue;
    try {
      let identity: string | undefined;
      if (isObject(m.publicKeyJwk)) identity = keyIdentity(publicJwk(m.publicKeyJwk));
      else if (typeof m.publicKeyMultibase === 'string') {
        const x = base64urlEncode(decodeEd25519PublicKey(m.publicKeyMultibase));
        identity = keyIdentity({ kty: 'OKP', crv: 'Ed25519', x });
      }
      if (identity) out.push({ id: absolute(m.id, base), identity });
    } catch {
      // A method with an unusable key cannot be the one that matches.
    }
  }
  return out;
}

function firstAssertionMethod(document: JsonObject): string | undefined {
  const base = typeof document.id === 'string' ? document.id : '';
  const first = Array.isArray(document.assertionMethod) ? document.assertionMethod[0] : undefined;
  if (typeof first === 'string') return absolute(first, base);
  if (isObject(first) && typeof first.id === 'string') return absolute(first.id, base);
  return undefined;
}

function asSkillproofError(e: unknown): SkillproofError {
  return e instanceof SkillproofError ? e : new SkillproofError('ERR_DID_RESOLUTION', String(e), { cause: e });
}

function resolutionCheck(e: unknown, what: string, detail: { [key: string]: JsonValue }): JwtCheck {
  const err = asSkillproofError(e);
  const status = UNREACHABLE_CODES.has(err.code) ? 'unknown' : 'failed';
  return jwtCheck('proof', status, `${what} could not be resolved: ${err.message}`, err.code, detail);
}

/** The time the JWT says it was signed: `iat`, else `nbf`, else the credential's validFrom (issuanceDate in VC 1.1). */
function signingTime(claims: JsonObject, credential: JsonObject): Date | undefined {
  for (const name of ['iat', 'nbf'] as const) {
    const v = claims[name];
    if (typeof v === 'number' && Number.isFinite(v)) return new Date(v * 1000);
  }
  const from = credential.validFrom ?? credential.issuanceDate;
  const s = seconds(from);
  return s === undefined ? undefined : new Date(s * 1000);
}

async function checkProof(
  jwt: string,
  header: JsonObject,
  claims: JsonObject,
  credential: JsonObject,
  options: VerifyCredentialJwtOptions,
): Promise<ProofOutcome> {
  const alg = header.alg as string;
  const detail: { [key: string]: JsonValue } = { alg };
  const fail = (code: ErrorCode, message: string, key?: ResolvedKey): ProofOutcome => ({
    check: jwtCheck('proof', 'failed', message, code, detail),
    ...(key && { key }),
  });
  if (!isAllowedAlgorithm(alg)) {
    // RFC 8725 §3.1: alg "none" and HMAC (whose secret a verifier would take from a public key) are never accepted.
    return fail(
      'ERR_JWT_ALG',
      `The algorithm ${JSON.stringify(alg)} is not accepted (only ${ALLOWED_ALGORITHMS.join(', ')}).`,
    );
  }
  const issuer = issuerId(credential);
  const { resolver } = options;

  let headerJwk: JsonWebKey | undefined;
  if (header.jwk !== undefined) {
    if (!isObject(header.jwk)) return fail('ERR_JWT_MALFORMED', 'The jwk header is not a JSON object.');
    // OB 3.0 §8.2.2: the jwk "MUST never contain d".
    if ('d' in header.jwk) return fail('ERR_JWT_MALFORMED', 'The jwk header holds a private key.');
    try {
      headerJwk = publicJwk(header.jwk);
      keyIdentity(headerJwk);
    } catch (e) {
      return fail('ERR_JWT_MALFORMED', `The jwk header is not a usable public key: ${asSkillproofError(e).message}`);
    }
  }

  let key: ResolvedKey;
  let selfAsserted = false;
  if (header.kid !== undefined) {
    if (typeof header.kid !== 'string' || header.kid.length === 0) {
      return fail('ERR_JWT_MALFORMED', 'The kid header is not a non-empty string.');
    }
    // A kid that is not an absolute URI names a key in the issuer's document (VC-JOSE-COSE §4.1.4, OB 3.0 §8.2.2).
    const isAbsolute = /^[A-Za-z][A-Za-z0-9+.-]*:/.test(header.kid);
    if (!isAbsolute && issuer === undefined) return fail('ERR_KEY_NOT_FOUND', 'A relative kid needs an issuer id.');
    const vm = isAbsolute ? header.kid : `${issuer}${header.kid.startsWith('#') ? '' : '#'}${header.kid}`;
    detail.verificationMethod = vm;
    try {
      key = await resolver.resolve(vm);
    } catch (e) {
      return { check: resolutionCheck(e, `The key ${vm}`, detail) };
    }
    if (headerJwk && keyIdentity(headerJwk) !== keyIdentity(resolvedJwk(key))) {
      return fail('ERR_JWT_MALFORMED', `The jwk header and the kid ${vm} name different keys.`, key);
    }
  } else {
    if (issuer === undefined) return fail('ERR_KEY_NOT_FOUND', 'The JWT has no kid and the credential no issuer id.');
    let document: JsonObject | undefined;
    try {
      document = await resolver.resolveController(issuer);
    } catch (e) {
      if (!headerJwk) return { check: resolutionCheck(e, `The issuer ${issuer}`, detail) };
    }
    let vm: string | undefined;
    if (headerJwk) {
      const identity = keyIdentity(headerJwk);
      vm = document ? listedKeys(document).find((k) => k.identity === identity)?.id : undefined;
    } else {
      vm = firstAssertionMethod(document!);
      if (vm === undefined)
        return fail('ERR_KEY_NOT_FOUND', `The JWT has no kid and ${issuer} lists no assertionMethod.`);
    }
    if (vm !== undefined) {
      detail.verificationMethod = vm;
      try {
        key = await resolver.resolve(vm);
      } catch (e) {
        return { check: resolutionCheck(e, `The key ${vm}`, detail) };
      }
    } else {
      // A key the token brings along proves only that its holder signed, not who the holder is (OB 3.0 §8.2.2 allows
      // jwk, but the binding to the issuer must come from the issuer's own document).
      key = { id: 'jwk', controller: '', publicKeyJwk: headerJwk!, purposes: [], confirmed: false };
      selfAsserted = true;
    }
  }

  let jwk: JsonWebKey;
  try {
    jwk = resolvedJwk(key);
  } catch (e) {
    return fail('ERR_KEY_INVALID', asSkillproofError(e).message, key);
  }
  const declared = key.publicKeyJwk;
  if (declared && typeof declared.alg === 'string' && declared.alg !== alg) {
    return fail('ERR_JWT_ALG', `The key is declared for ${declared.alg}, not ${alg}.`, key);
  }
  const mismatch = algorithmMismatch(alg, jwk);
  if (mismatch) return fail('ERR_JWT_ALG', `Key confusion refused: ${mismatch}`, key);

  let cryptoKey: CryptoKey;
  try {
    cryptoKey = (await importJWK(jwk as Parameters<typeof importJWK>[0], alg)) as CryptoKey;
  } catch {
    return fail('ERR_KEY_INVALID', `The key ${key.id} could not be imported for ${alg}.`, key);
  }
  try {
    // compactVerify checks the signature only: the validity period is judged by the caller, for every format alike.
    await compactVerify(jwt, cryptoKey, { algorithms: [alg] });
  } catch (e) {
    const { code, message } = joseFailure(e, alg);
    return fail(code, message, key);
  }

  const who = selfAsserted ? 'the key in the jwk header' : key.id;
  if (key.confirmed && !key.purposes.includes('assertionMethod')) {
    return fail(
      'ERR_KEY_NOT_AUTHORIZED',
      `The key ${key.id} is not listed under assertionMethod by its controller.`,
      key,
    );
  }
  const signed = signingTime(claims, credential);
  if (key.revoked && (!signed || signed.getTime() >= key.revoked.getTime())) {
    return fail(
      'ERR_KEY_REVOKED',
      `The key ${key.id} was revoked on ${key.revoked.toISOString()}; this JWT ${signed ? `was signed on ${signed.toISOString()}` : 'has no signing time'}.`,
      key,
    );
  }
  const at = signed ?? (options.clock ?? (() => new Date()))();
  if (key.expires && at.getTime() >= key.expires.getTime()) {
    return fail(
      'ERR_KEY_EXPIRED',
      `The key ${key.id} was retired on ${key.expires.toISOString()}, before this JWT was signed.`,
      key,
    );
  }
  if (key.created && signed && signed.getTime() < key.created.getTime()) {
    return fail('ERR_KEY_EXPIRED', `The JWT claims a signing time before its key ${key.id} existed.`, key);
  }
  return {
    check: jwtCheck('proof', 'passed', `Valid ${alg} signature by ${who}.`, undefined, detail),
    key,
    selfAsserted,
  };
}

/** The public key of a resolved verification method as a JWK. */
function resolvedJwk(key: ResolvedKey): JsonWebKey {
  if (key.ed25519) return { kty: 'OKP', crv: 'Ed25519', x: base64urlEncode(key.ed25519.publicKey) };
  if (key.publicKeyJwk) return publicJwk(key.publicKeyJwk as Record<string, unknown>);
  throw new SkillproofError('ERR_KEY_INVALID', `The key ${key.id} has no public key.`);
}

function joseFailure(e: unknown, alg: AllowedAlgorithm): { code: ErrorCode; message: string } {
  if (e instanceof joseErrors.JWSSignatureVerificationFailed) {
    return {
      code: 'ERR_JWT_SIGNATURE',
      message: 'The signature does not match: the JWT was changed, or signed with another key.',
    };
  }
  if (e instanceof joseErrors.JOSEAlgNotAllowed) return { code: 'ERR_JWT_ALG', message: `${alg} is not allowed here.` };
  if (e instanceof TypeError) return { code: 'ERR_JWT_ALG', message: `The key does not suit ${alg}: ${e.message}` };
  if (e instanceof joseErrors.JOSEError)
    return { code: 'ERR_JWT_MALFORMED', message: `The JWS is not acceptable: ${e.message}` };
  return { code: 'ERR_JWT_SIGNATURE', message: `The signature could not be verified: ${String(e)}` };
}

function checkIssuer(credential: JsonObject, outcome: ProofOutcome): JwtCheck {
  const issuer = issuerId(credential);
  if (outcome.check.status !== 'passed' || !outcome.key) {
    return outcome.check.status === 'unknown'
      ? jwtCheck(
          'issuer',
          'unknown',
          'The signature could not be checked, so neither could its signer.',
          'ERR_ISSUER_UNCONFIRMED',
        )
      : jwtCheck('issuer', 'skipped', 'No valid signature to bind to the issuer.');
  }
  if (issuer === undefined)
    return jwtCheck('issuer', 'failed', 'The credential names no issuer id.', 'ERR_SCHEMA_INVALID');
  if (outcome.selfAsserted) {
    return jwtCheck(
      'issuer',
      'unknown',
      `The JWT was signed with the key in its own jwk header, which ${issuer} does not list.`,
      'ERR_ISSUER_UNCONFIRMED',
    );
  }
  const key = outcome.key;
  if (key.controller !== issuer) {
    return jwtCheck(
      'issuer',
      'failed',
      `The signing key is controlled by ${key.controller}, not the issuer ${issuer}.`,
      'ERR_ISSUER_MISMATCH',
    );
  }
  if (!key.confirmed) {
    return jwtCheck(
      'issuer',
      'unknown',
      `The key is named under the issuer's URL, but ${issuer} was not fetched to confirm it lists that key.`,
      'ERR_ISSUER_UNCONFIRMED',
    );
  }
  return jwtCheck('issuer', 'passed', `The signing key belongs to the issuer ${issuer}.`);
}

/**
 * Verifies a credential secured as a compact JWS, in either form (W3C VC-JOSE-COSE `vc+jwt`, or Open Badges 3.0 VC-JWT
 * with `typ: "JWT"`, including the VC 1.1 `vc` claim). The key is found from `kid` (absolute, or relative to the issuer),
 * else from a `jwk` header the issuer's document lists, else the issuer's first assertionMethod. Reports `format`,
 * `proof` and `issuer` checks; the validity period and status are left to the caller. Only misuse throws.
 *
 * @example
 * ```ts
 * const result = await verifyCredentialJwt(jwt, { resolver: createKeyResolver({ fetcher }) });
 * if (result.verified) console.log(result.credential);
 * ```
 */
export async function verifyCredentialJwt(
  jwt: string,
  options: VerifyCredentialJwtOptions,
): Promise<CredentialJwtVerification> {
  if (typeof jwt !== 'string') throw new TypeError('verifyCredentialJwt takes a compact JWS string.');
  if (!options || typeof options.resolver?.resolve !== 'function') {
    throw new TypeError('verifyCredentialJwt needs a key resolver.');
  }
  const skipped = (why: string): JwtCheck[] => [jwtCheck('proof', 'skipped', why), jwtCheck('issuer', 'skipped', why)];
  const malformed = (e: unknown, extra: Partial<CredentialJwtVerification> = {}): CredentialJwtVerification => {
    const err = e instanceof SkillproofError ? e : new SkillproofError('ERR_JWT_MALFORMED', String(e));
    return {
      verified: false,
      ...extra,
      checks: [jwtCheck('format', 'failed', err.message, err.code), ...skipped('The JWT could not be read.')],
    };
  };

  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (jwt.length > maxBytes)
    return malformed(new SkillproofError('ERR_JWT_MALFORMED', `The JWT is longer than ${maxBytes} characters.`));
  const parts = jwt.split('.');
  if (parts.length !== 3) {
    return malformed(new SkillproofError('ERR_JWT_MALFORMED', `A compact JWS has 3 parts, not ${parts.length}.`));
  }
  let header: JsonObject;
  let payload: JsonObject;
  try {
    header = decodeSegment(parts[0]!, 'header');
    payload = decodeSegment(parts[1]!, 'payload');
    if (parts[2]!.length > 0) decodeCanonicalBase64url(parts[2]!, 'The JWT signature', 'ERR_JWT_MALFORMED');
  } catch (e) {
    return malformed(e);
  }
  if (typeof header.alg !== 'string') {
    return malformed(new SkillproofError('ERR_JWT_MALFORMED', 'The JWT header has no alg.'), { header });
  }
  const form = formOf(header.typ);
  if (form === undefined) {
    return malformed(
      new SkillproofError(
        'ERR_JWT_TYP',
        `typ ${JSON.stringify(header.typ)} is not vc+jwt (VC-JOSE-COSE) or JWT (Open Badges).`,
      ),
      { header },
    );
  }

  const vcClaim = form === 'ob-vc-jwt' && payload.vc !== undefined;
  let credential: JsonObject;
  if (vcClaim) {
    if (!isObject(payload.vc))
      return malformed(new SkillproofError('ERR_JWT_MALFORMED', 'The vc claim is not an object.'), { header, form });
    credential = payload.vc;
  } else {
    credential = { ...payload };
    for (const name of REGISTERED_CLAIMS) delete credential[name];
  }
  const claims: JsonObject = {};
  for (const name of REGISTERED_CLAIMS) if (payload[name] !== undefined) claims[name] = payload[name]!;

  const checks: JwtCheck[] = [];
  const problems = claimProblems(
    form,
    claims,
    credential,
    vcClaim,
    payload.vc !== undefined || payload.vp !== undefined,
  );
  const formName = form === 'vc-jose-cose' ? 'A VC-JOSE-COSE vc+jwt' : 'An Open Badges 3.0 VC-JWT';
  checks.push(
    problems.length === 0
      ? jwtCheck('format', 'passed', `${formName}.`)
      : jwtCheck(
          'format',
          'failed',
          `${formName} whose claims contradict its credential: ${problems.join(' ')}`,
          'ERR_JWT_CLAIMS',
          {
            problems,
          },
        ),
  );

  const outcome = await checkProof(jwt, header, claims, credential, options);
  checks.push(outcome.check, checkIssuer(credential, outcome));
  const result: CredentialJwtVerification = {
    verified: checks.every((c) => c.status === 'passed'),
    credential,
    form,
    vcClaim,
    header,
    claims,
    checks,
  };
  const vm = outcome.check.detail?.verificationMethod;
  if (typeof vm === 'string') result.verificationMethod = vm;
  return result;
}
