import { createHash, randomBytes, verify as verifySignature, X509Certificate } from 'node:crypto';
import type { AnchoredCheckpoint, AnchorReceipt, LogAnchor } from './anchors.js';
import {
  children,
  decodeGeneralizedTime,
  decodeOid,
  decodeSmallInteger,
  DerError,
  encode,
  encodeOid,
  encodeUnsigned,
  expectTag,
  readOnly,
  TAG,
  type DerElement,
} from './der.js';

const OID = {
  sha256: '2.16.840.1.101.3.4.2.1',
  signedData: '1.2.840.113549.1.7.2',
  tstInfo: '1.2.840.113549.1.9.16.1.4',
  messageDigest: '1.2.840.113549.1.9.4',
  timeStamping: '1.3.6.1.5.5.7.3.8',
} as const;

/** Digest algorithms a TSA may sign its attributes with, by OID. */
const DIGESTS: Record<string, string> = {
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};

export interface Rfc3161AnchorOptions {
  /** The time-stamping authority's URL (RFC 3161 §3.4: POST application/timestamp-query). */
  url: string;
  /** The TSA's certificate, or the CA certificate that issued it (PEM or DER): receipts must chain to it. */
  trust: string | Uint8Array;
  /** Stored with each receipt; default `rfc3161:<host of url>`. */
  name?: string;
  /** HTTP (default: the global fetch). */
  fetch?: typeof fetch;
  /** Milliseconds before a request is abandoned (default 10 s). */
  timeoutMs?: number;
}

/** The fields of a verified TimeStampToken a caller uses. */
export interface VerifiedTimestamp {
  genTime: Date;
  /** The SHA-256 the token timestamps. */
  imprint: Uint8Array;
  nonce?: Uint8Array;
  /** The certificate that signed it. */
  signer: X509Certificate;
}

export class TimestampError extends Error {
  override readonly name = 'TimestampError';
}

/**
 * An anchor to an RFC 3161 time-stamping authority: each checkpoint's note is hashed (SHA-256) and timestamped; the
 * receipt is the TSA's TimeStampToken (CMS SignedData, DER, base64), which anyone holding the TSA's certificate can
 * check (`openssl ts -verify -data note -in token.der -token_in -CAfile tsa.pem`). Proves the checkpoint, and so
 * every entry under it, existed by the TSA's time, on the TSA's word rather than the log's.
 *
 * @example
 * ```ts
 * const anchors = [createRfc3161Anchor({ url: 'https://freetsa.org/tsr', trust: await readFile('freetsa-ca.pem') })];
 * createApp({ ...deps, ledger: { anchors } });
 * ```
 */
export function createRfc3161Anchor(options: Rfc3161AnchorOptions): LogAnchor {
  const trusted = new X509Certificate(options.trust);
  const http = options.fetch ?? fetch;
  const name = options.name ?? `rfc3161:${new URL(options.url).host}`;
  return {
    name,
    async anchor(checkpoint, signal) {
      const imprint = noteDigest(checkpoint);
      const nonce = randomBytes(8);
      const res = await http(options.url, {
        method: 'POST',
        headers: { 'content-type': 'application/timestamp-query', accept: 'application/timestamp-reply' },
        body: timestampRequest(imprint, nonce) as Uint8Array<ArrayBuffer>,
        signal: AbortSignal.any([signal, AbortSignal.timeout(options.timeoutMs ?? 10_000)]),
      });
      if (!res.ok) throw new TimestampError(`The TSA answered HTTP ${res.status}.`);
      const token = timestampToken(new Uint8Array(await res.arrayBuffer()));
      const verified = verifyTimestampToken(token, trusted);
      if (!bytesEqual(verified.imprint, imprint)) throw new TimestampError('The TSA timestamped another digest.');
      if (!verified.nonce || !bytesEqual(stripZeros(verified.nonce), stripZeros(nonce))) {
        throw new TimestampError('The TSA answered without our nonce: the reply may be replayed.');
      }
      return { at: verified.genTime, receipt: Buffer.from(token).toString('base64') };
    },
    async verify(checkpoint: AnchoredCheckpoint, receipt: AnchorReceipt) {
      try {
        const verified = verifyTimestampToken(Buffer.from(receipt.receipt, 'base64'), trusted);
        return (
          bytesEqual(verified.imprint, noteDigest(checkpoint)) && verified.genTime.getTime() === receipt.at.getTime()
        );
      } catch (e) {
        if (e instanceof TimestampError || e instanceof DerError) return false;
        throw e;
      }
    },
  };
}

function noteDigest(checkpoint: AnchoredCheckpoint): Uint8Array {
  return createHash('sha256').update(checkpoint.note).digest();
}

const SHA256_ALGORITHM = () => encode(TAG.SEQUENCE, encodeOid(OID.sha256), encode(TAG.NULL));

/**
 * A TimeStampReq (RFC 3161 §2.4.1) for a SHA-256 digest: version 1, the message imprint, a nonce, and certReq TRUE
 * so that the reply carries the TSA's certificate.
 *
 * @example
 * ```ts
 * const body = timestampRequest(sha256(note), randomBytes(8));
 * ```
 */
export function timestampRequest(imprint: Uint8Array, nonce: Uint8Array): Uint8Array {
  if (imprint.length !== 32) throw new TimestampError('A SHA-256 imprint is 32 bytes.');
  return encode(
    TAG.SEQUENCE,
    encode(TAG.INTEGER, Uint8Array.of(1)),
    encode(TAG.SEQUENCE, SHA256_ALGORITHM(), encode(TAG.OCTET_STRING, imprint)),
    encodeUnsigned(nonce),
    encode(TAG.BOOLEAN, Uint8Array.of(0xff)),
  );
}

/**
 * The TimeStampToken of a TimeStampResp (RFC 3161 §2.4.2), when its status is granted (0) or grantedWithMods (1).
 * `TimestampError` otherwise.
 */
export function timestampToken(response: Uint8Array): Uint8Array {
  try {
    const [status, token] = children(readOnly(response, TAG.SEQUENCE).content);
    const code = decodeSmallInteger(children(expectTag(status, TAG.SEQUENCE).content)[0]!);
    if (code > 1) throw new TimestampError(`The TSA refused the request (PKIStatus ${code}).`);
    return expectTag(token, TAG.SEQUENCE).raw;
  } catch (e) {
    if (e instanceof DerError) throw new TimestampError(`The TSA's reply is not a TimeStampResp: ${e.message}`);
    throw e;
  }
}

/**
 * Checks a TimeStampToken (CMS SignedData over a TSTInfo, RFC 3161 §2.4.2 and RFC 5652 §5): the signed attributes'
 * message digest is the TSTInfo's, their signature verifies under the signer's certificate, and that certificate is
 * the trusted one or issued by it, valid at the token's time, and for time stamping only. Returns what it timestamps.
 * `TimestampError` for anything else.
 *
 * @example
 * ```ts
 * const { genTime, imprint } = verifyTimestampToken(token, new X509Certificate(tsaPem));
 * ```
 */
export function verifyTimestampToken(token: Uint8Array, trusted: X509Certificate): VerifiedTimestamp {
  try {
    const [contentType, wrapped] = children(readOnly(token, TAG.SEQUENCE).content);
    if (decodeOid(contentType!) !== OID.signedData) throw new TimestampError('The token is not CMS SignedData.');
    const signedData = children(
      expectTag(children(expectTag(wrapped, TAG.CONTEXT_0).content)[0], TAG.SEQUENCE).content,
    );
    // version, digestAlgorithms, encapContentInfo, [0] certificates?, [1] crls?, signerInfos
    const encapsulated = children(expectTag(signedData[2], TAG.SEQUENCE).content);
    if (decodeOid(encapsulated[0]!) !== OID.tstInfo) throw new TimestampError('The token does not hold a TSTInfo.');
    const eContent = expectTag(
      children(expectTag(encapsulated[1], TAG.CONTEXT_0).content)[0],
      TAG.OCTET_STRING,
    ).content;
    const certificates = signedData
      .filter((e) => e.tag === TAG.CONTEXT_0)
      .flatMap((e) => children(e.content).map((c) => new X509Certificate(c.raw)));
    const signerInfos = children(expectTag(signedData.at(-1), TAG.SET).content);
    if (signerInfos.length !== 1) throw new TimestampError('A TimeStampToken has exactly one signer.');
    const tst = tstInfo(eContent);
    const signer = checkSigner(children(expectTag(signerInfos[0], TAG.SEQUENCE).content), eContent, [
      trusted,
      ...certificates,
    ]);
    if (signer.fingerprint256 !== trusted.fingerprint256 && !signer.checkIssued(trusted)) {
      throw new TimestampError('The signing certificate is not the trusted TSA certificate or issued by it.');
    }
    if (signer.fingerprint256 !== trusted.fingerprint256 && !signer.verify(trusted.publicKey)) {
      throw new TimestampError('The signing certificate’s signature does not verify under the trusted certificate.');
    }
    if (!(signer.keyUsage ?? []).includes(OID.timeStamping)) {
      throw new TimestampError('The signing certificate is not for time stamping (extended key usage).');
    }
    const time = tst.genTime.getTime();
    if (time < Date.parse(signer.validFrom) || time > Date.parse(signer.validTo)) {
      throw new TimestampError('The token’s time is outside its signing certificate’s validity.');
    }
    return { ...tst, signer };
  } catch (e) {
    if (e instanceof DerError) throw new TimestampError(`Not a TimeStampToken: ${e.message}`);
    throw e;
  }
}

function tstInfo(bytes: Uint8Array): { genTime: Date; imprint: Uint8Array; nonce?: Uint8Array } {
  // version, policy, messageImprint, serialNumber, genTime, accuracy?, ordering?, nonce?, tsa [0]?, extensions [1]?
  const fields = children(readOnly(bytes, TAG.SEQUENCE).content);
  const [algorithm, digest] = children(expectTag(fields[2], TAG.SEQUENCE).content);
  if (decodeOid(children(expectTag(algorithm, TAG.SEQUENCE).content)[0]!) !== OID.sha256) {
    throw new TimestampError('The token timestamps a digest other than SHA-256.');
  }
  const nonce = fields.slice(5).find((f) => f.tag === TAG.INTEGER)?.content;
  return {
    imprint: expectTag(digest, TAG.OCTET_STRING).content,
    genTime: decodeGeneralizedTime(fields[4]!),
    ...(nonce && { nonce }),
  };
}

/** RFC 5652 §5.4: the signature is over the DER of the signed attributes as a SET, which bind the content's digest. */
function checkSigner(info: DerElement[], eContent: Uint8Array, candidates: X509Certificate[]): X509Certificate {
  // version, sid, digestAlgorithm, [0] signedAttrs, signatureAlgorithm, signature, [1] unsignedAttrs?
  const digestName = DIGESTS[decodeOid(children(expectTag(info[2], TAG.SEQUENCE).content)[0]!)];
  if (!digestName) throw new TimestampError('The signer uses an unsupported digest algorithm.');
  const attributes = expectTag(info[3], TAG.CONTEXT_0);
  const messageDigest = children(attributes.content)
    .map((a) => children(a.content))
    .find(([type]) => decodeOid(type!) === OID.messageDigest)?.[1];
  const stated = children(expectTag(messageDigest, TAG.SET).content)[0];
  const actual = createHash(digestName).update(eContent).digest();
  if (!bytesEqual(expectTag(stated, TAG.OCTET_STRING).content, actual)) {
    throw new TimestampError('The signed attributes do not state the TSTInfo’s digest.');
  }
  const signed = Uint8Array.from(attributes.raw);
  signed[0] = TAG.SET;
  const signature = expectTag(info[5], TAG.OCTET_STRING).content;
  const signer = candidates.find((cert) => {
    try {
      return verifySignature(
        cert.publicKey.asymmetricKeyType === 'ed25519' ? null : digestName,
        signed,
        cert.publicKey,
        signature,
      );
    } catch {
      return false;
    }
  });
  if (!signer) throw new TimestampError('The token’s signature does not verify under any of its certificates.');
  return signer;
}

function stripZeros(bytes: Uint8Array): Uint8Array {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  return bytes.subarray(start);
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
