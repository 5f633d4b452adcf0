import type { CredentialRow, CredentialState } from '../../src/db/schema.js';
import { issueCredentials } from '../../src/domains/issuing/issue.js';
import { changeCredentialState } from '../../src/domains/issuing/credentials.js';
import type { TestContext } from './context.js';

/** Issues one credential straight through the issuing service (no claim mail), optionally with its name public. */
export async function issueTestCredential(
  ctx: TestContext,
  input: {
    orgId: string;
    achievementId: string;
    email?: string;
    name?: string;
    namePublic?: boolean;
    validUntil?: Date;
  },
): Promise<CredentialRow> {
  const [row] = await ctx.db.transaction().execute((tx) =>
    issueCredentials(tx, ctx.deps, {
      orgId: input.orgId,
      achievementId: input.achievementId,
      items: [
        {
          recipient: { email: input.email ?? 'learner@example.org' },
          ...(input.name !== undefined && { name: input.name }),
          ...(input.validUntil && { validUntil: input.validUntil }),
          notify: false,
        },
      ],
      actor: null,
    }),
  );
  if (input.namePublic) {
    await ctx.db.updateTable('credentials').set({ namePublic: true }).where('id', '=', row!.id).execute();
    return { ...row!, namePublic: true };
  }
  return row!;
}

/**
 * Revokes or suspends a credential through the issuing service (status bit and state together). Suspending needs a
 * credential issued with a suspension entry (see `setSuspendableCredentials`).
 */
export async function setTestCredentialState(
  ctx: TestContext,
  row: CredentialRow,
  state: Exclude<CredentialState, 'active'>,
  reason: string,
): Promise<void> {
  const change = state === 'revoked' ? 'revoke' : 'suspend';
  await changeCredentialState(ctx.db, null, ctx.deps.clock(), row.orgId, row.id, change, reason);
}
