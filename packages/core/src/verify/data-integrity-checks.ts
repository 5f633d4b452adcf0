import { SkillproofError, UNREACHABLE_CODES } from '../errors.js';
import { issuerId } from '../lib/issuer-id.js';
import type { KeyResolver, ResolvedKey } from '../keys/resolve-key.js';
import { isDateTimeStamp, proofSuite, proofsOf, verifyEd25519Proof } from '../proofs/data-integrity.js';
import type { DocumentLoader, JsonObject, JsonValue } from '../types.js';
import { check } from './checks.js';
import type { VerificationCheck } from './checks.js';

export interface ProofOutcome {
  check: VerificationCheck;
  key?: ResolvedKey;
}

/**
 * Verifies every embedded proof (a proof set reports each one). A key's history decides what its signatures are worth:
 * a key rotated out (`expires`) still vouches for proofs created before then; a key revoked for compromise (`revoked`)
 * vouches for none created at or after its revocation.
 */
export async function checkDataIntegrityProofs(
  credential: JsonObject,
  resolver: KeyResolver,
  documentLoader: DocumentLoader,
): Promise<ProofOutcome[]> {
  let proofs: JsonObject[];
  try {
    proofs = proofsOf(credential);
  } catch (e) {
    const err = e as SkillproofError;
    return [{ check: check('proof', 'failed', err.message, err.code) }];
  }
  if (proofs.length === 0) {
    return [{ check: check('proof', 'failed', 'The credential has no proof.', 'ERR_PROOF_MISSING') }];
  }
  return Promise.all(
    proofs.map((proof, index) => checkOneProof(credential, proof, index, proofs, resolver, documentLoader)),
  );
}

/** A failed proof check (a module function, not a closure per proof: tsx's keepNames names every closure it creates). */
function failed(
  detail: { [key: string]: JsonValue },
  code: SkillproofError['code'],
  message: string,
  key?: ResolvedKey,
): ProofOutcome {
  return { check: check('proof', 'failed', message, code, detail), ...(key && { key }) };
}

async function checkOneProof(
  credential: JsonObject,
  proof: JsonObject,
  index: number,
  all: JsonObject[],
  resolver: KeyResolver,
  documentLoader: DocumentLoader,
): Promise<ProofOutcome> {
  const detail: { [key: string]: JsonValue } = { index };
  for (const name of ['type', 'cryptosuite', 'verificationMethod', 'created'] as const) {
    const v = proof[name];
    if (typeof v === 'string') detail[name] = v;
  }
  const suite = proofSuite(proof);
  if (!suite) {
    return failed(
      detail,
      'ERR_PROOF_TYPE_UNSUPPORTED',
      `Proof type ${JSON.stringify(proof.type)}${proof.cryptosuite ? ` with cryptosuite ${JSON.stringify(proof.cryptosuite)}` : ''} is not supported.`,
    );
  }
  if (proof.proofPurpose !== 'assertionMethod') {
    return failed(
      detail,
      'ERR_PROOF_PURPOSE',
      `The proof purpose is ${JSON.stringify(proof.proofPurpose)}, not "assertionMethod".`,
    );
  }
  if (proof.created !== undefined && !isDateTimeStamp(proof.created)) {
    return failed(detail, 'ERR_PROOF_MALFORMED', "The proof's created is not an XSD dateTimeStamp.");
  }
  if (proof.expires !== undefined && !isDateTimeStamp(proof.expires)) {
    return failed(detail, 'ERR_PROOF_MALFORMED', "The proof's expires is not an XSD dateTimeStamp.");
  }
  const vm =
    typeof proof.verificationMethod === 'string'
      ? proof.verificationMethod
      : proof.verificationMethod &&
          typeof proof.verificationMethod === 'object' &&
          !Array.isArray(proof.verificationMethod) &&
          typeof proof.verificationMethod.id === 'string'
        ? proof.verificationMethod.id
        : undefined;
  if (!vm) return failed(detail, 'ERR_PROOF_MALFORMED', 'The proof has no verificationMethod.');

  let key: ResolvedKey;
  try {
    key = await resolver.resolve(vm);
  } catch (e) {
    const err = e instanceof SkillproofError ? e : new SkillproofError('ERR_DID_RESOLUTION', String(e));
    if (UNREACHABLE_CODES.has(err.code)) {
      return {
        check: check('proof', 'unknown', `The key ${vm} could not be resolved: ${err.message}`, err.code, detail),
      };
    }
    return failed(detail, err.code, `The key ${vm} could not be resolved: ${err.message}`);
  }
  if (!key.ed25519)
    return failed(detail, 'ERR_KEY_INVALID', `The key ${vm} is not an Ed25519 key, as ${suite} requires.`, key);

  let valid: boolean;
  try {
    valid = await verifyEd25519Proof(credential, proof, all, key.ed25519, documentLoader);
  } catch (e) {
    const err = e instanceof SkillproofError ? e : new SkillproofError('ERR_PROOF_INVALID', String(e));
    if (UNREACHABLE_CODES.has(err.code))
      return { check: check('proof', 'unknown', err.message, err.code, detail), key };
    return failed(detail, err.code, err.message, key);
  }
  if (!valid)
    return failed(
      detail,
      'ERR_PROOF_INVALID',
      'The signature does not match the credential: it was changed after signing, or signed with another key.',
      key,
    );

  if (key.confirmed && !key.purposes.includes('assertionMethod')) {
    return failed(
      detail,
      'ERR_KEY_NOT_AUTHORIZED',
      `The key ${vm} is not listed under assertionMethod by its controller.`,
      key,
    );
  }
  const created = typeof proof.created === 'string' ? new Date(proof.created) : undefined;
  if (key.revoked && (!created || created >= key.revoked)) {
    return failed(
      detail,
      'ERR_KEY_REVOKED',
      `The key ${vm} was revoked on ${key.revoked.toISOString()}; this proof ${created ? `was created on ${created.toISOString()}` : 'has no creation date'}.`,
      key,
    );
  }
  if (key.expires && created && created > key.expires) {
    return failed(
      detail,
      'ERR_KEY_EXPIRED',
      `The key ${vm} was retired on ${key.expires.toISOString()}, before this proof was created.`,
      key,
    );
  }
  if (key.created && created && created < key.created) {
    return failed(detail, 'ERR_KEY_EXPIRED', `The proof claims a creation date before its key ${vm} existed.`, key);
  }
  return { check: check('proof', 'passed', `Valid ${suite} signature by ${vm}.`, undefined, detail), key };
}

/** Whether the keys that signed belong to the credential's issuer. */
export function checkIssuerBinding(credential: JsonObject, outcomes: ProofOutcome[]): VerificationCheck {
  const issuer = issuerId(credential);
  if (!issuer) return check('issuer', 'failed', 'The credential names no issuer id.', 'ERR_SCHEMA_INVALID');
  const signers = outcomes.filter((o) => o.check.status === 'passed' && o.key).map((o) => o.key!);
  if (signers.length === 0) {
    const reason = outcomes.some((o) => o.check.status === 'unknown') ? 'unknown' : 'skipped';
    return check(
      'issuer',
      reason,
      'No valid proof to bind to the issuer.',
      reason === 'unknown' ? 'ERR_ISSUER_UNCONFIRMED' : undefined,
    );
  }
  const own = signers.filter((k) => k.controller === issuer);
  if (own.some((k) => k.confirmed))
    return check('issuer', 'passed', `The signing key belongs to the issuer ${issuer}.`);
  if (own.length > 0) {
    return check(
      'issuer',
      'unknown',
      `The key is named under the issuer's URL, but ${issuer} was not fetched to confirm it lists that key.`,
      'ERR_ISSUER_UNCONFIRMED',
    );
  }
  return check(
    'issuer',
    'failed',
    `The signing key is controlled by ${signers[0]!.controller}, not the issuer ${issuer}.`,
    'ERR_ISSUER_MISMATCH',
  );
}
