import type { JsonObject } from '../types.js';

/**
 * A credential download bundle (`/credentials/<id>.bundle.json`): the signed credential with what verifying it
 * offline, ledger check included, needs besides the verifier's own pins: the tlog-proof of its issuance (C2SP
 * tlog-proof@v1, its leaf in the `extra` line) and the issuer's DID document (its keys and its `TransparencyLog`
 * service). Status still needs the network: a status list changes after the download.
 */
export interface CredentialBundle {
  credential: JsonObject;
  tlogProof: string;
  didDocument?: JsonObject;
}

const isObject = (v: unknown): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * True when a parsed JSON value is a {@link CredentialBundle}: an object with a `credential` object and a `tlogProof`
 * string (and, if present, a `didDocument` object with a string `id`), and no `@context` of its own, so that no
 * credential is ever mistaken for one.
 *
 * @example
 * ```ts
 * const json = JSON.parse(await readFile('badge.bundle.json', 'utf8'));
 * if (isCredentialBundle(json)) await verifyCredential(json.credential, { ledger: { proof: json.tlogProof } });
 * ```
 */
export function isCredentialBundle(value: unknown): value is CredentialBundle {
  if (!isObject(value) || '@context' in value) return false;
  if (!isObject(value.credential) || typeof value.tlogProof !== 'string') return false;
  return value.didDocument === undefined || (isObject(value.didDocument) && typeof value.didDocument.id === 'string');
}
