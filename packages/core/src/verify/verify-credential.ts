import { createDocumentLoader, defaultDocumentLoader } from '../contexts/document-loader.js';
import { SkillproofError } from '../errors.js';
import { createKeyResolver } from '../keys/resolve-key.js';
import type { KeyResolver } from '../keys/resolve-key.js';
import { fetchWithTimeout } from '../lib/fetch-with-timeout.js';
import { assertJsonObject, DEFAULT_MAX_BYTES, parseJsonObject } from '../lib/json-input.js';
import type { InputLimits } from '../lib/json-input.js';
import { hasPngSignature } from '../baking/png.js';
import { unbake } from '../baking/unbake.js';
import { verifyCredentialJwt } from '../jwt/verify-credential-jwt.js';
import { checkCredentialStatus } from '../status/check-credential-status.js';
import type { Clock, DocumentLoader, Fetcher, JsonObject, JsonValue } from '../types.js';
import { check, isVerified } from './checks.js';
import type { CredentialFormat, VerificationCheck, VerificationResult } from './checks.js';
import { checkDataIntegrityProofs, checkIssuerBinding } from './data-integrity-checks.js';
import { checkSchema } from './schema.js';
import { assertLedgerOptions, checkLedger } from './ledger-check.js';
import type { LedgerCheckOptions } from './ledger-check.js';
import { checkValidity } from './validity.js';

export interface VerifyCredentialOptions extends InputLimits {
  /** Network access for did:web, HTTPS keys, status lists and unknown contexts. Without it, verification is offline. */
  fetcher?: Fetcher;
  /** Default: the bundled contexts (plus the fetcher, when given). */
  documentLoader?: DocumentLoader;
  /** Default: did:key offline, did:web and HTTPS through the fetcher. */
  resolver?: KeyResolver;
  /** Default: the system clock. */
  clock?: Clock;
  /** Allowed clock difference for validFrom / validUntil, in seconds. Default 60; at most one day. */
  clockSkewSeconds?: number;
  /** Check `credentialStatus` (default true). */
  checkStatus?: boolean;
  /**
   * Check that the issuer's transparency log holds this credential's issuance (a `ledger` check, last). Without it,
   * no ledger check is made or reported.
   */
  ledger?: LedgerCheckOptions;
}

interface Defaults {
  documentLoader: DocumentLoader;
  resolver: KeyResolver;
}
let offlineDefaults: Defaults | undefined;
const defaultsPerFetcher = new WeakMap<Fetcher, Defaults>();

/**
 * The loader and resolver used when the caller passes none: one offline pair, and one pair per fetcher, so that keys,
 * DID documents and contexts are imported and fetched once across calls, not once per credential. Their caches expire
 * by the system clock (5 minutes), not by the clock that judges validity.
 */
function defaultsFor(fetcher: Fetcher | undefined): Defaults {
  if (!fetcher) return (offlineDefaults ??= { documentLoader: defaultDocumentLoader(), resolver: createKeyResolver() });
  let defaults = defaultsPerFetcher.get(fetcher);
  if (!defaults) {
    defaults = { documentLoader: createDocumentLoader({ fetcher }), resolver: createKeyResolver({ fetcher }) };
    defaultsPerFetcher.set(fetcher, defaults);
  }
  return defaults;
}

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

interface ParsedInput {
  format: CredentialFormat;
  credential?: JsonObject;
  jwt?: string;
}

/** Decides what text or bytes hold: JSON text, a compact JWT, or a baked PNG/SVG (objects need no parsing). */
async function parseInput(input: string | Uint8Array, limits: InputLimits): Promise<ParsedInput> {
  if (input instanceof Uint8Array) {
    if (input.length > (limits.maxBytes ?? DEFAULT_MAX_BYTES)) {
      throw new SkillproofError(
        'ERR_INPUT_TOO_LARGE',
        `The input is larger than ${limits.maxBytes ?? DEFAULT_MAX_BYTES} bytes.`,
      );
    }
    const image = unbakeIfImage(input, limits);
    if (image) return { ...(await parseText(image.text, limits)), format: image.format };
    return parseText(new TextDecoder('utf-8', { fatal: false }).decode(input), limits);
  }
  return parseText(input, limits);
}

async function parseText(text: string, limits: InputLimits): Promise<ParsedInput> {
  const trimmed = text.replace(/^\uFEFF/, '').trim();
  if (trimmed.startsWith('{')) return { format: 'json', credential: parseJsonObject(trimmed, limits) };
  if (JWT_SHAPE.test(trimmed)) {
    if (trimmed.length > (limits.maxBytes ?? DEFAULT_MAX_BYTES)) {
      throw new SkillproofError('ERR_INPUT_TOO_LARGE', 'The JWT is too large.');
    }
    return { format: 'jwt', jwt: trimmed };
  }
  throw new SkillproofError(
    'ERR_FORMAT_UNKNOWN',
    'The input is neither a JSON credential, a JWT, nor a baked PNG or SVG image.',
  );
}

/** Reads the credential baked into a PNG or SVG; undefined when the bytes are not an image. */
function unbakeIfImage(bytes: Uint8Array, limits: InputLimits): { format: 'png' | 'svg'; text: string } | undefined {
  const isPng = hasPngSignature(bytes);
  const head = isPng
    ? ''
    : new TextDecoder()
        .decode(bytes.subarray(0, 1024))
        .replace(/^\uFEFF/, '')
        .trimStart();
  const isSvg =
    !isPng &&
    (head.startsWith('<svg') ||
      head.startsWith('<?xml') ||
      head.startsWith('<!--') ||
      head.startsWith('<!DOCTYPE svg'));
  if (!isPng && !isSvg) return undefined;
  const baked = unbake(bytes, { maxBytes: limits.maxBytes ?? DEFAULT_MAX_BYTES });
  if (baked.format === 'ob2') {
    throw new SkillproofError(
      'ERR_FORMAT_UNKNOWN',
      'The image holds an Open Badges 2.0 assertion, which is not a verifiable credential.',
    );
  }
  return { format: baked.image, text: baked.text };
}

/**
 * Verifies a credential: a JSON object or text, a compact JWS/JWT, or a baked PNG/SVG image (bytes). Returns a report
 * whose checks say what was found: `format`, `schema`, `proof` (one per proof), `issuer`, `validity`, `status`, and
 * with the `ledger` option `ledger` (the issuer's transparency log holds this very document). Only
 * misuse (wrong argument types) throws; every problem with the credential itself is a check with a code.
 *
 * @example
 * ```ts
 * const { verified, checks } = await verifyCredential(await readFile('badge.png'), { fetcher });
 * for (const c of checks) console.log(c.id, c.status, c.code ?? '', c.message);
 * ```
 */
export async function verifyCredential(
  input: JsonObject | string | Uint8Array,
  options: VerifyCredentialOptions = {},
): Promise<VerificationResult> {
  if (input === null || (typeof input !== 'string' && typeof input !== 'object')) {
    throw new TypeError('verifyCredential takes a JSON object, a string or a Uint8Array.');
  }
  const clock = options.clock ?? (() => new Date());
  const skew = Math.min(Math.max(options.clockSkewSeconds ?? 60, 0), 86_400);
  const defaults = defaultsFor(options.fetcher);
  const documentLoader = options.documentLoader ?? defaults.documentLoader;
  const resolver = options.resolver ?? defaults.resolver;
  if (options.ledger !== undefined) assertLedgerOptions(options.ledger);

  let parsed: ParsedInput;
  try {
    // A credential object needs no await (one microtask turn fewer on the common path); text and bytes may need one.
    parsed =
      typeof input === 'string' || input instanceof Uint8Array
        ? await parseInput(input, options)
        : { format: 'json', credential: assertJsonObject(input, options) };
  } catch (e) {
    if (!(e instanceof SkillproofError)) throw e;
    return { verified: false, checks: [check('format', 'failed', e.message, e.code)] };
  }
  const checks: VerificationCheck[] = [];
  let credential: JsonObject;
  if (parsed.jwt !== undefined) {
    const jwt = await verifyCredentialJwt(parsed.jwt, {
      resolver,
      clock,
      ...(options.maxBytes && { maxBytes: options.maxBytes }),
    });
    const [format, ...rest] = jwt.checks;
    if (!jwt.credential) return { verified: false, format: parsed.format, checks: jwt.checks };
    credential = jwt.credential;
    // OB 3.0 §8.2.5: `exp` is the end of validity when the credential itself states none.
    const exp = jwt.claims?.exp;
    const dated =
      typeof exp === 'number' && credential.validUntil === undefined && credential.expirationDate === undefined
        ? { ...credential, validUntil: new Date(exp * 1000).toISOString() }
        : credential;
    checks.push(format!, checkSchema(credential), ...rest, checkValidity(dated, clock(), skew));
  } else {
    credential = parsed.credential!;
    checks.push(
      check(
        'format',
        'passed',
        `A JSON credential${parsed.format === 'json' ? '' : ` baked in a ${parsed.format.toUpperCase()} image`}.`,
      ),
      checkSchema(credential),
    );
    const outcomes = await checkDataIntegrityProofs(credential, resolver, documentLoader);
    checks.push(
      ...outcomes.map((o) => o.check),
      checkIssuerBinding(credential, outcomes),
      checkValidity(credential, clock(), skew),
    );
  }
  checks.push(
    options.checkStatus === false
      ? STATUS_SKIPPED()
      : await checkStatus(credential, options, { documentLoader, resolver, clock }),
  );
  if (options.ledger !== undefined) {
    // A JWT's payload is not the Data Integrity document the issuer logged: only its id and issuer can be compared.
    const { fetcher } = options;
    checks.push(
      await checkLedger(
        credential,
        parsed.jwt === undefined,
        options.ledger,
        fetcher ? { fetcher, resolver } : { resolver },
      ),
    );
  }
  return { verified: isVerified(checks), credential, format: parsed.format, checks };
}

const STATUS_SKIPPED = () => check('status', 'skipped', 'Status checking was turned off.');

async function checkStatus(
  credential: JsonObject,
  options: VerifyCredentialOptions,
  context: { documentLoader: DocumentLoader; resolver: KeyResolver; clock: Clock },
): Promise<VerificationCheck> {
  const report = await checkCredentialStatus(credential, {
    clock: context.clock,
    // Bitstring Status List v1.0 §3.2 lets an ecosystem set its own minimum; a verifier reads any list length (the
    // DCC publishes 100,000-entry lists). Lists Skillproof creates always hold at least 131,072 entries.
    minimumEntries: 8,
    loadStatusList: async (url) => {
      const { fetcher } = options;
      if (!fetcher) throw new SkillproofError('ERR_OFFLINE', `Fetching the status list ${url} needs the network.`);
      const res = await fetchWithTimeout(
        fetcher,
        url,
        'application/vc+ld+json, application/ld+json, application/json',
        10_000,
      );
      return parseJsonObject(typeof res.body === 'string' ? res.body : new TextDecoder().decode(res.body), options);
    },
    // The list is itself a credential: its proof, issuer key and validity are checked the same way (not its status,
    // and not the ledger: a log records credentials, not the lists that change with them).
    verifyStatusListCredential: async (list) => {
      const result = await verifyCredential(list as JsonObject, {
        ...options,
        ...context,
        checkStatus: false,
        ledger: undefined,
      });
      const bad = result.checks.find((c) => c.status === 'failed') ?? result.checks.find((c) => c.status === 'unknown');
      return { verified: result.verified, ...(bad?.code && { code: bad.code }), ...(bad && { message: bad.message }) };
    },
  });
  const detail: { [key: string]: JsonValue } = {
    entries: report.entries.map((e) => {
      const entry: { [key: string]: JsonValue } = { position: e.position, status: e.status, message: e.message };
      if (e.statusPurpose !== undefined) entry.statusPurpose = e.statusPurpose;
      if (e.statusListCredential !== undefined) entry.statusListCredential = e.statusListCredential;
      if (e.statusListIndex !== undefined) entry.statusListIndex = e.statusListIndex;
      if (e.code !== undefined) entry.code = e.code;
      if (e.causeCode !== undefined) entry.causeCode = e.causeCode;
      return entry;
    }),
  };
  return check('status', report.status, report.message, report.code, report.entries.length > 0 ? detail : undefined);
}
