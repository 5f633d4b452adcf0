import type { JsonObject } from '@skillproof/core';

/**
 * An organisation's public identity under the instance's origin: `did:web:<host>%3A<port>:orgs:<slug>`, whose DID
 * document is served at `<origin>/orgs/<slug>/did.json` (the did:web method's path rule). The slug never changes: it
 * is part of every credential the organisation has signed.
 *
 * @example
 * ```ts
 * orgDid('https://badges.example.edu', 'physics'); // 'did:web:badges.example.edu:orgs:physics'
 * ```
 */
export function orgDid(publicUrl: string, slug: string): string {
  const { host } = new URL(publicUrl);
  return `did:web:${host.replace(':', '%3A')}:orgs:${slug}`;
}

export function orgDidDocumentUrl(publicUrl: string, slug: string): string {
  return `${publicUrl}/orgs/${slug}/did.json`;
}

/** One signing key's public half and history, as the DID document publishes it. */
export interface PublishedKey {
  fragment: string;
  publicKeyMultibase: string;
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

/**
 * `created` (a term neither the DID nor the Multikey context defines) as the security vocabulary defines it, so that
 * the document stays valid JSON-LD for a processor in safe mode.
 */
const CREATED_TERM = {
  created: { '@id': 'http://purl.org/dc/terms/created', '@type': 'http://www.w3.org/2001/XMLSchema#dateTime' },
};

/** The instance's transparency log, as a DID document's `service` names it (see {@link didDocument}). */
export interface PublishedLog {
  /** The log's URL prefix, `<publicUrl>/log` (`/checkpoint`, `/tile/…`, `/proof?credential=…` under it). */
  serviceEndpoint: string;
  /** The checkpoints' origin line, `<host>/log`. */
  origin: string;
  /** The signed-note verifier key of its checkpoints. */
  verifierKey: string;
}

/**
 * The service's terms beyond DID Core's, so that the document stays valid JSON-LD for a safe-mode processor. No
 * registry defines them: each is the URL of the C2SP specification (and section) its value follows.
 */
const LOG_TERMS = {
  TransparencyLog: 'https://c2sp.org/tlog-tiles',
  origin: 'https://c2sp.org/tlog-checkpoint#origin',
  verifierKey: 'https://c2sp.org/signed-note#verifier-keys',
};

/**
 * Proof `created` values are written to the second; a key's instants are published to the second (rounded down) so
 * that a proof made in the same second as a rotation compares correctly with both keys.
 */
const toSecond = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * The organisation's DID document: every key it has ever had, as a Multikey with its history (`created`; `expires` once
 * rotated out, after which the key vouches only for earlier proofs; `revoked` once compromised, after which it vouches
 * for none made at or after that instant). Every key stays under `assertionMethod`: a verifier needs a retired key to
 * check what it signed, and a revoked one to report the revocation rather than an unknown key. With `log`, a
 * `TransparencyLog` service names the log that records what this identity issues (DID Core §5.4: `id`, `type`,
 * `serviceEndpoint`, plus the log's `origin` and `verifierKey`), which core's ledger check reads.
 *
 * @example
 * ```ts
 * const doc = didDocument('did:web:badges.example.edu:orgs:physics', keys, await publishedLog(db, deps));
 * ```
 */
export function didDocument(did: string, keys: readonly PublishedKey[], log?: PublishedLog): JsonObject {
  const ids = keys.map((k) => `${did}#${k.fragment}`);
  return {
    '@context': [
      'https://www.w3.org/ns/did/v1',
      'https://w3id.org/security/multikey/v1',
      log ? { ...CREATED_TERM, ...LOG_TERMS } : CREATED_TERM,
    ],
    id: did,
    verificationMethod: keys.map((k, i) => ({
      id: ids[i]!,
      type: 'Multikey',
      controller: did,
      publicKeyMultibase: k.publicKeyMultibase,
      created: toSecond(k.createdAt),
      ...(k.expiresAt && { expires: toSecond(k.expiresAt) }),
      ...(k.revokedAt && { revoked: toSecond(k.revokedAt) }),
    })),
    assertionMethod: ids,
    ...(log && {
      service: [
        {
          id: `${did}#transparency-log`,
          type: 'TransparencyLog',
          serviceEndpoint: log.serviceEndpoint,
          origin: log.origin,
          verifierKey: log.verifierKey,
        },
      ],
    }),
  };
}
