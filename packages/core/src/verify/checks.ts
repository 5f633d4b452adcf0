import type { ErrorCode } from '../errors.js';
import type { JsonObject, JsonValue } from '../types.js';

/** The checks a verification reports, in this order (`ledger` only when the ledger check was asked for). */
export type CheckId = 'format' | 'schema' | 'proof' | 'issuer' | 'validity' | 'status' | 'ledger';

/**
 * `passed` and `failed` are findings; `unknown` means the check could not be made (a status list or DID document that
 * could not be fetched, offline) and is never to be read as `passed`; `skipped` means it does not apply.
 */
export type CheckStatus = 'passed' | 'failed' | 'unknown' | 'skipped';

export interface VerificationCheck {
  id: CheckId;
  status: CheckStatus;
  /** An {@link ErrorCode} for `failed` and `unknown`; absent when passed. */
  code?: ErrorCode;
  /** Plain language, for people. */
  message: string;
  /** Facts for machines: the proof index and type, the status purpose, the JSON path of a schema issue, … */
  detail?: { [key: string]: JsonValue };
}

export type CredentialFormat = 'json' | 'jwt' | 'png' | 'svg';

export interface VerificationResult {
  /** True only when no check failed and every check that applies passed. */
  verified: boolean;
  /** The credential found in the input (also when it did not verify), once it could be parsed. */
  credential?: JsonObject;
  format?: CredentialFormat;
  checks: VerificationCheck[];
}

export function check(
  id: CheckId,
  status: CheckStatus,
  message: string,
  code?: ErrorCode,
  detail?: { [key: string]: JsonValue },
): VerificationCheck {
  const c: VerificationCheck = { id, status, message };
  if (code !== undefined) c.code = code;
  if (detail !== undefined) c.detail = detail;
  return c;
}

/** A result is verified when nothing failed and nothing that applies is unknown. */
export function isVerified(checks: readonly VerificationCheck[]): boolean {
  return (
    checks.length > 0 &&
    checks.every((c) => c.status === 'passed' || c.status === 'skipped') &&
    checks.some((c) => c.id === 'proof' && c.status === 'passed')
  );
}
