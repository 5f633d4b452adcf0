import { createHash, randomBytes } from 'node:crypto';

/** A fresh secret with a readable prefix, e.g. `sp_session_…`, `sp_token_…`, `sp_claim_…` (256 bits). */
export function newSecret(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

/** What the database keeps of a secret: its SHA-256, so that a leaked table grants nothing. */
export function secretHash(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url');
}
