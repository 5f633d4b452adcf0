import { SkillproofError, UNREACHABLE_CODES } from '../errors.js';
import { fetchWithTimeout } from '../lib/fetch-with-timeout.js';
import type { Clock, Fetcher, JsonObject } from '../types.js';
import { decodeEd25519PublicKey, importEd25519Key } from './multikey.js';
import type { Ed25519Key } from './multikey.js';

/** A verification relationship of a DID document (DID Core §5.3). */
export type ProofPurpose =
  'assertionMethod' | 'authentication' | 'capabilityInvocation' | 'capabilityDelegation' | 'keyAgreement';

/**
 * A public key found for a verification method id, with what is known about it: who controls it, what the controller
 * authorises it for, and its lifetime (key history: `created`, `expires` after a rotation, `revoked` after a compromise).
 */
export interface ResolvedKey {
  id: string;
  controller: string;
  /** Ed25519 keys, ready to verify. */
  ed25519?: Ed25519Key;
  /** Keys given as JWK (RSA for RS256, or OKP/EC); verified through jose. */
  publicKeyJwk?: JsonWebKey;
  /** The relationships the controller document lists this key under; empty when unconfirmed. */
  purposes: ProofPurpose[];
  /**
   * `true` when a controller document fetched from (or derived from) the controller's identifier lists the key;
   * `false` when the key was taken from the verification method id itself (the `https://issuer#z6Mk…` form).
   */
  confirmed: boolean;
  created?: Date;
  /** The key was rotated out: signatures created before this instant stay valid. */
  expires?: Date;
  /** The key was compromised: signatures created at or after this instant are invalid. */
  revoked?: Date;
}

export interface KeyResolver {
  /** Resolves a verification method id (`did:key:…#…`, `did:web:…#…`, `https://…#…`). */
  resolve(verificationMethod: string): Promise<ResolvedKey>;
  /** Resolves a DID or controller document (cached like keys). */
  resolveController(id: string): Promise<JsonObject>;
}

export interface KeyResolverOptions {
  /** Network access for did:web and HTTPS controller documents. Without it, only did:key (and key fragments) resolve. */
  fetcher?: Fetcher;
  /** Milliseconds before a fetch is abandoned. Default 5000. */
  timeoutMs?: number;
  /** Controller documents known in advance (a local DID document, test fixtures), keyed by DID or URL. */
  documents?: ReadonlyMap<string, JsonObject> | Record<string, JsonObject>;
  /** Entries to keep in the cache; default 1000. */
  cacheSize?: number;
  /** How long a fetched document stays cached, in ms; default 5 minutes. */
  cacheTtlMs?: number;
  clock?: Clock;
}

const PURPOSES: ProofPurpose[] = [
  'assertionMethod',
  'authentication',
  'capabilityInvocation',
  'capabilityDelegation',
  'keyAgreement',
];

/** Transforms a did:web DID into the URL of its DID document (did:web method §3.2.1). */
export function didWebUrl(did: string): string {
  const m = /^did:web:([^#?/]+)$/.exec(did);
  if (!m) throw new SkillproofError('ERR_DID_INVALID', `${JSON.stringify(did)} is not a did:web DID.`);
  const parts = m[1]!.split(':').map((p) => decodeURIComponent(p));
  const host = parts[0]!;
  if (!/^[a-zA-Z0-9.-]+(:\d+)?$/.test(host) || host.includes('/')) {
    throw new SkillproofError('ERR_DID_INVALID', `${JSON.stringify(did)} has an invalid host.`);
  }
  for (const p of parts.slice(1)) {
    if (p === '' || p === '.' || p === '..' || p.includes('/')) {
      throw new SkillproofError('ERR_DID_INVALID', `${JSON.stringify(did)} has an invalid path segment.`);
    }
  }
  const path = parts.length > 1 ? '/' + parts.slice(1).join('/') + '/did.json' : '/.well-known/did.json';
  return `https://${host}${path}`;
}

/** The DID document of a did:key (Ed25519 only), derived offline. */
export function didKeyDocument(did: string): JsonObject {
  const m = /^did:key:(z[1-9A-HJ-NP-Za-km-z]+)$/.exec(did);
  if (!m) throw new SkillproofError('ERR_DID_INVALID', `${JSON.stringify(did)} is not a did:key DID.`);
  const fingerprint = m[1]!;
  if (!fingerprint.startsWith('z6Mk')) {
    throw new SkillproofError('ERR_DID_UNSUPPORTED', `did:key ${fingerprint.slice(0, 8)}… is not an Ed25519 key.`);
  }
  try {
    decodeEd25519PublicKey(fingerprint);
  } catch (cause) {
    throw new SkillproofError('ERR_DID_INVALID', `${JSON.stringify(did)} does not hold a valid Ed25519 key.`, {
      cause,
    });
  }
  const id = `${did}#${fingerprint}`;
  return {
    '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
    id: did,
    verificationMethod: [{ id, type: 'Multikey', controller: did, publicKeyMultibase: fingerprint }],
    assertionMethod: [id],
    authentication: [id],
    capabilityInvocation: [id],
    capabilityDelegation: [id],
  };
}

function parseDate(value: unknown, name: string, vm: string): Date | undefined {
  if (value === undefined) return undefined;
  const d = typeof value === 'string' ? new Date(value) : new Date(NaN);
  if (Number.isNaN(d.getTime())) {
    throw new SkillproofError('ERR_KEY_INVALID', `Verification method ${vm} has an invalid ${name} date.`);
  }
  return d;
}

function absolute(ref: string, base: string): string {
  if (ref.startsWith('#')) return base + ref;
  return ref;
}

/** Finds a verification method in a controller document and reads its key and relationships. */
export function keyFromControllerDocument(document: JsonObject, verificationMethod: string): ResolvedKey {
  const docId = typeof document.id === 'string' ? document.id : '';
  const methods = Array.isArray(document.verificationMethod) ? document.verificationMethod : [];
  const purposes: ProofPurpose[] = [];
  let method: JsonObject | undefined;
  for (const m of methods) {
    if (
      m &&
      typeof m === 'object' &&
      !Array.isArray(m) &&
      typeof m.id === 'string' &&
      absolute(m.id, docId) === verificationMethod
    ) {
      method = m;
    }
  }
  for (const purpose of PURPOSES) {
    const list = document[purpose];
    if (!Array.isArray(list)) continue;
    for (const entry of list) {
      if (typeof entry === 'string' && absolute(entry, docId) === verificationMethod) purposes.push(purpose);
      else if (
        entry &&
        typeof entry === 'object' &&
        !Array.isArray(entry) &&
        typeof entry.id === 'string' &&
        absolute(entry.id, docId) === verificationMethod
      ) {
        purposes.push(purpose);
        method ??= entry;
      }
    }
  }
  if (!method) {
    throw new SkillproofError(
      'ERR_KEY_NOT_FOUND',
      `The controller document ${docId} has no verification method ${verificationMethod}.`,
    );
  }
  const controller = typeof method.controller === 'string' ? method.controller : docId;
  const resolved: ResolvedKey = { id: verificationMethod, controller, purposes, confirmed: true };
  const created = parseDate(method.created, 'created', verificationMethod);
  const expires = parseDate(method.expires, 'expires', verificationMethod);
  const revoked = parseDate(method.revoked, 'revoked', verificationMethod);
  if (created) resolved.created = created;
  if (expires) resolved.expires = expires;
  if (revoked) resolved.revoked = revoked;
  if (typeof method.publicKeyMultibase === 'string') {
    resolved.ed25519 = importEd25519Key({
      id: verificationMethod,
      controller,
      publicKeyMultibase: method.publicKeyMultibase,
    });
  } else if (method.publicKeyJwk && typeof method.publicKeyJwk === 'object' && !Array.isArray(method.publicKeyJwk)) {
    resolved.publicKeyJwk = method.publicKeyJwk as JsonWebKey;
  } else {
    throw new SkillproofError(
      'ERR_KEY_INVALID',
      `Verification method ${verificationMethod} has no supported public key.`,
    );
  }
  return resolved;
}

/**
 * Resolves verification methods to keys: did:key offline, did:web and HTTPS controller documents through the
 * injected fetcher (with a cache and a timeout). The 1EdTech example form `https://issuer.example/…#z6Mk…` (the fragment
 * is the multibase key) resolves without a fetch, marked `confirmed: false`, when the controller document cannot be had.
 *
 * @example
 * ```ts
 * const resolver = createKeyResolver({ fetcher });
 * const key = await resolver.resolve('did:web:example.edu#key-1');
 * ```
 */
export function createKeyResolver(options: KeyResolverOptions = {}): KeyResolver {
  const known = options.documents instanceof Map ? options.documents : new Map(Object.entries(options.documents ?? {}));
  const cacheSize = options.cacheSize ?? 1000;
  const ttl = options.cacheTtlMs ?? 5 * 60_000;
  const clock = options.clock ?? (() => new Date());
  const cache = new Map<string, { at: number; document: Promise<JsonObject> }>();

  async function fetchJson(url: string): Promise<JsonObject> {
    const { fetcher } = options;
    if (!fetcher) throw new SkillproofError('ERR_OFFLINE', `Resolving ${url} needs the network, and none was given.`);
    let text: string;
    try {
      const res = await fetchWithTimeout(
        fetcher,
        url,
        'application/did+json, application/did+ld+json, application/ld+json, application/json',
        options.timeoutMs ?? 5000,
      );
      text = typeof res.body === 'string' ? res.body : new TextDecoder().decode(res.body);
    } catch (cause) {
      const timedOut = cause instanceof Error && (cause.name === 'TimeoutError' || cause.name === 'AbortError');
      const status = (cause as { status?: unknown } | null)?.status;
      if (status === 404 || status === 410) {
        // The controller's server answered: the document does not exist. That is a finding, not an outage.
        throw new SkillproofError('ERR_DID_RESOLUTION', `${url} does not exist (HTTP ${status}).`, { cause });
      }
      throw new SkillproofError(timedOut ? 'ERR_FETCH_TIMEOUT' : 'ERR_FETCH_FAILED', `Could not fetch ${url}.`, {
        cause,
      });
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (cause) {
      throw new SkillproofError('ERR_DID_RESOLUTION', `${url} did not return JSON.`, { cause });
    }
    if (!json || typeof json !== 'object' || Array.isArray(json)) {
      throw new SkillproofError('ERR_DID_RESOLUTION', `${url} did not return a JSON object.`);
    }
    return json as JsonObject;
  }

  async function load(id: string): Promise<JsonObject> {
    const pre = known.get(id);
    if (pre) return pre;
    if (id.startsWith('did:key:')) return didKeyDocument(id);
    let document: JsonObject;
    if (id.startsWith('did:web:')) {
      document = await fetchJson(didWebUrl(id));
    } else if (id.startsWith('did:')) {
      throw new SkillproofError('ERR_DID_UNSUPPORTED', `The DID method of ${id} is not supported.`);
    } else if (/^https:\/\//.test(id)) {
      document = await fetchJson(id);
    } else {
      throw new SkillproofError('ERR_DID_INVALID', `${JSON.stringify(id)} is neither a DID nor an HTTPS URL.`);
    }
    if (document.id !== id) {
      throw new SkillproofError(
        'ERR_DID_RESOLUTION',
        `The document fetched for ${id} names itself ${String(document.id)}.`,
      );
    }
    return document;
  }

  function resolveController(id: string): Promise<JsonObject> {
    const now = clock().getTime();
    const hit = cache.get(id);
    if (hit && now - hit.at < ttl) return hit.document;
    const document = load(id);
    cache.set(id, { at: now, document });
    document.catch(() => cache.delete(id));
    if (cache.size > cacheSize) cache.delete(cache.keys().next().value!);
    return document;
  }

  // Keys are imported once per controller document (which the cache above keeps), not once per credential.
  const keys = new WeakMap<JsonObject, Map<string, ResolvedKey>>();
  function keyFor(document: JsonObject, verificationMethod: string): ResolvedKey {
    let byId = keys.get(document);
    if (!byId) keys.set(document, (byId = new Map()));
    let key = byId.get(verificationMethod);
    if (!key) byId.set(verificationMethod, (key = keyFromControllerDocument(document, verificationMethod)));
    return key;
  }
  const fragmentKeys = new Map<string, ResolvedKey>();

  return {
    resolveController,
    async resolve(verificationMethod) {
      if (
        typeof verificationMethod !== 'string' ||
        verificationMethod.length === 0 ||
        verificationMethod.length > 2048
      ) {
        throw new SkillproofError('ERR_KEY_INVALID', 'A verification method id must be a non-empty string.');
      }
      const hash = verificationMethod.indexOf('#');
      const controllerId = hash < 0 ? verificationMethod : verificationMethod.slice(0, hash);
      const fragment = hash < 0 ? '' : verificationMethod.slice(hash + 1);
      const isKeyFragment = /^z6Mk[1-9A-HJ-NP-Za-km-z]+$/.test(fragment);
      if (/^https:\/\//.test(controllerId) && isKeyFragment) {
        try {
          return keyFor(await resolveController(controllerId), verificationMethod);
        } catch (e) {
          // The 1EdTech examples name the key in the fragment: use it, but the binding to the issuer stays unknown.
          if (!(e instanceof SkillproofError) || !(UNREACHABLE_CODES.has(e.code) || e.code === 'ERR_DID_RESOLUTION'))
            throw e;
          let key = fragmentKeys.get(verificationMethod);
          if (!key) {
            key = {
              id: verificationMethod,
              controller: controllerId,
              ed25519: importEd25519Key({
                id: verificationMethod,
                controller: controllerId,
                publicKeyMultibase: fragment,
              }),
              purposes: [],
              confirmed: false,
            };
            if (fragmentKeys.size >= cacheSize) fragmentKeys.delete(fragmentKeys.keys().next().value!);
            fragmentKeys.set(verificationMethod, key);
          }
          return key;
        }
      }
      return keyFor(await resolveController(controllerId), verificationMethod);
    },
  };
}
