import { z } from '@hono/zod-openapi';
import type { CredentialState } from '../../db/schema.js';

export const CREDENTIAL_STATES = ['active', 'revoked', 'suspended'] as const satisfies readonly CredentialState[];

export const CredentialSchema = z
  .object({
    id: z.uuid(),
    url: z.url().openapi({ description: 'The credential’s `id`: its public page and signed forms.' }),
    achievementId: z.uuid(),
    achievementVersion: z.number().int(),
    state: z.enum(CREDENTIAL_STATES),
    stateReason: z.string().nullable(),
    stateChangedAt: z.iso.datetime().nullable(),
    recipient: z.union([z.object({ email: z.string() }), z.object({ did: z.string() })]),
    name: z.string().nullable().openapi({ description: 'The recipient’s name, when the issuer gave one.' }),
    namePublic: z.boolean().openapi({ description: 'The holder shows their name on the public page.' }),
    issuedAt: z.iso.datetime(),
    validFrom: z.iso.datetime(),
    validUntil: z.iso.datetime().nullable(),
    claimed: z.boolean(),
    batchId: z.uuid().nullable(),
    suspendable: z.boolean().openapi({
      description:
        'The credential carries a suspension entry (its organisation’s `suspendableCredentials` was on when it was ' +
        'issued), so it can be suspended; otherwise it can only be revoked.',
    }),
  })
  .openapi('Credential');

/** A credential as the API shows it (the signed forms travel beside it). */
export type CredentialView = z.infer<typeof CredentialSchema>;
