import { z } from '@hono/zod-openapi';
import { ROLES, SCOPES } from '../../http/access.js';

/** The bounds of a password: long enough to resist guessing, short enough that hashing it is cheap to refuse. */
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 1024;

/** An email address as typed (any case); the services store and compare it in lower case. */
export const EmailInput = z
  .email({ error: 'must be an email address' })
  .max(254)
  .openapi({ example: 'ada@example.edu' });

export const NewPassword = z
  .string()
  .min(PASSWORD_MIN_LENGTH, { error: `must be at least ${PASSWORD_MIN_LENGTH} characters` })
  .max(PASSWORD_MAX_LENGTH, { error: `must be at most ${PASSWORD_MAX_LENGTH} characters` });

/** What sign-in and password changes accept as the current password: any length a password can have. */
export const GivenPassword = z.string().min(1).max(PASSWORD_MAX_LENGTH);

export const AccountKindSchema = z.enum(['staff', 'learner', 'employer']);
export const RoleSchema = z.enum(ROLES);
export const ScopeSchema = z.enum(SCOPES);

export const UserSchema = z
  .object({ id: z.uuid(), email: z.string(), name: z.string().nullable(), kind: AccountKindSchema })
  .openapi('User');

export const MembershipSchema = z
  .object({ orgId: z.uuid(), slug: z.string(), name: z.string(), role: RoleSchema })
  .openapi('Membership');

export const MemberSchema = z
  .object({
    userId: z.uuid(),
    email: z.string(),
    name: z.string().nullable(),
    kind: AccountKindSchema,
    role: RoleSchema,
    since: z.iso.datetime(),
  })
  .openapi('Member');

export const ApiTokenSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    scopes: z.array(ScopeSchema),
    orgId: z.uuid().nullable(),
    createdAt: z.iso.datetime(),
    expiresAt: z.iso.datetime().nullable(),
    revokedAt: z.iso.datetime().nullable(),
    lastUsedAt: z.iso.datetime().nullable(),
  })
  .openapi('ApiToken');

export const AuditEntrySchema = z
  .object({
    id: z.string().openapi({ description: 'Increasing; pass as `before` to page back.' }),
    at: z.iso.datetime(),
    action: z.string().openapi({ example: 'member.role-change' }),
    actorUserId: z.uuid().nullable(),
    actorEmail: z.string().nullable(),
    actorTokenId: z.uuid().nullable(),
    targetType: z.string().nullable(),
    targetId: z.string().nullable(),
    data: z.record(z.string(), z.unknown()),
  })
  .openapi('AuditEntry');

export const iso = (d: Date): string => d.toISOString();
export const isoOrNull = (d: Date | null): string | null => (d ? d.toISOString() : null);
