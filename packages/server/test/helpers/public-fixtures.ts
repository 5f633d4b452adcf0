import type { CredentialRow, CredentialState } from '../../src/db/schema.js';
import { issueCredentials } from '../../src/domains/issuing/issue.js';
import { setStatusBit } from '../../src/domains/issuing/status-lists.js';
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

/** Revokes or suspends a credential as the issuing service does: the status bit and the row's state, together. */
export async function setTestCredentialState(
  ctx: TestContext,
  row: CredentialRow,
  state: Exclude<CredentialState, 'active'>,
  reason: string,
): Promise<void> {
  await ctx.db.transaction().execute(async (tx) => {
    if (state === 'revoked') await setStatusBit(tx, row.revocationListId, row.revocationIndex, 1);
    else await setStatusBit(tx, row.suspensionListId, row.suspensionIndex, 1);
    await tx
      .updateTable('credentials')
      .set({ state, stateReason: reason, stateChangedAt: ctx.deps.clock() })
      .where('id', '=', row.id)
      .execute();
  });
}
