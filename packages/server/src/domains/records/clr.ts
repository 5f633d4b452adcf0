import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import {
  buildClrCredential,
  createIdentityObject,
  signCredential,
  signCredentialJwt,
  type AchievementInput,
  type AnyAchievementCredential,
  type AssociationInput,
  type JsonObject,
  type JsonValue,
} from '@skillproof/core';
import type { Database } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import type { AppDeps } from '../../http/env.js';
import { instanceDid, instanceSigningKey } from './instance-identity.js';

/** The most credentials one CLR embeds (each is a few KB; the verifiers' input limit is 10 MiB). */
export const MAX_CLR_CREDENTIALS = 500;

export interface ClrRequest {
  /** Credentials issued here or held from elsewhere (ids of either); absent: the whole record. */
  credentialIds?: string[] | undefined;
  /** With the whole record: also the credentials held from other issuers (JSON-LD ones; a VC-JWT cannot be embedded). */
  includeHeld?: boolean | undefined;
}

/** One credential going into the CLR: the stored document, and what its associations are worked out from. */
interface Entry {
  /** The row's id (credentials or held_credentials). */
  id: string;
  document: JsonObject;
  /** This instance's achievement id (credentials issued here); undefined for held credentials. */
  achievementId?: string;
  /** The OB achievement's `id` (its version URL for credentials issued here). */
  achievementUri?: string;
}

const asObject = (v: JsonValue | undefined): JsonObject | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? v : undefined;

function achievementOf(document: JsonObject): JsonObject | undefined {
  const s = document['credentialSubject'];
  return asObject(asObject(Array.isArray(s) ? s[0] : s)?.['achievement']);
}

/** The learner's credentials issued here: active ones, or those selected (each must be held by the learner). */
async function issuedEntries(db: Kysely<Database>, userId: string, ids: string[] | undefined): Promise<Entry[]> {
  let q = db
    .selectFrom('credentials')
    .select(['id', 'achievementId', 'state', 'document'])
    .where('holderUserId', '=', userId);
  q = ids ? q.where('id', 'in', ids) : q.where('state', '=', 'active');
  const rows = await q
    .orderBy('issuedAt')
    .orderBy('id')
    .limit(MAX_CLR_CREDENTIALS + 1)
    .execute();
  return rows.map((r) => {
    if (r.state !== 'active') {
      throw new AppError('ERR_STATE', `The credential ${r.id} is ${r.state}: a CLR carries only standing credentials.`);
    }
    const document = r.document as JsonObject;
    const uri = achievementOf(document)?.['id'];
    return {
      id: r.id,
      document,
      achievementId: r.achievementId,
      ...(typeof uri === 'string' && { achievementUri: uri }),
    };
  });
}

async function heldEntries(db: Kysely<Database>, userId: string, ids: string[] | undefined): Promise<Entry[]> {
  let q = db.selectFrom('heldCredentials').select(['id', 'document']).where('userId', '=', userId);
  if (ids) q = q.where('id', 'in', ids);
  const rows = await q
    .orderBy('createdAt')
    .orderBy('id')
    .limit(MAX_CLR_CREDENTIALS + 1)
    .execute();
  return rows.flatMap((r) => {
    if (r.document === null) {
      if (ids) {
        throw new AppError(
          'ERR_VALIDATION',
          `credentialIds: the held credential ${r.id} is a VC-JWT, which a CLR cannot embed as a credential.`,
        );
      }
      return [];
    }
    const document = r.document as JsonObject;
    const uri = achievementOf(document)?.['id'];
    return [{ id: r.id, document, ...(typeof uri === 'string' && { achievementUri: uri }) }];
  });
}

/**
 * Pathway structure among the CLR's achievements: a component `isPartOf` each pathway whose award rule names it
 * (`award_rule_refs`: an achievement of this instance, or an external achievement URI), when both are in the CLR.
 */
async function associationsOf(db: Kysely<Database>, entries: Entry[]): Promise<AssociationInput[]> {
  const urisById = new Map<string, Set<string>>();
  for (const e of entries) {
    if (e.achievementId && e.achievementUri) {
      let set = urisById.get(e.achievementId);
      if (!set) urisById.set(e.achievementId, (set = new Set()));
      set.add(e.achievementUri);
    }
  }
  const pathwayIds = [...urisById.keys()];
  const externalUris = entries.filter((e) => !e.achievementId && e.achievementUri).map((e) => e.achievementUri!);
  if (pathwayIds.length === 0) return [];
  const refs = await db
    .selectFrom('awardRuleRefs')
    .select(['achievementId', 'refType', 'ref'])
    .where('achievementId', 'in', pathwayIds)
    .where((eb) =>
      eb.or([
        eb.and([eb('refType', '=', 'achievement'), eb('ref', 'in', pathwayIds)]),
        ...(externalUris.length > 0
          ? [eb.and([eb('refType', '=', 'external_achievement'), eb('ref', 'in', externalUris)])]
          : []),
      ]),
    )
    .orderBy('achievementId')
    .orderBy('ref')
    .execute();
  const out: AssociationInput[] = [];
  const seen = new Set<string>();
  for (const ref of refs) {
    if (ref.ref === ref.achievementId) continue;
    const components = ref.refType === 'achievement' ? [...(urisById.get(ref.ref) ?? [])] : [ref.ref];
    for (const targetId of urisById.get(ref.achievementId) ?? []) {
      for (const sourceId of components) {
        const key = `${sourceId} ${targetId}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push({ associationType: 'isPartOf', sourceId, targetId });
      }
    }
  }
  return out;
}

/**
 * A learner's record as a CLR 2.0 ClrCredential signed by the instance (`did:web:<host>`), in both forms: Data
 * Integrity (eddsa-rdfc-2022) and VC-JWT. Its subject is the learner (a salted, hashed email IdentityObject);
 * `verifiableCredential` holds each credential's stored, signed document unchanged (each still verifies on its own);
 * `achievement` lists their achievements, and `association` says which are part of which pathway. `partial` is true
 * for a selection: each selected id must be a credential the learner holds (issued here or imported), otherwise it is
 * not found; a revoked or suspended one is `ERR_STATE`. Nothing to export is `ERR_STATE`.
 *
 * @example
 * ```ts
 * const { document, jwt } = await exportClr(deps, { id: userId, email }, { credentialIds: [id] });
 * ```
 */
export async function exportClr(
  deps: Pick<AppDeps, 'db' | 'keys' | 'clock' | 'publicUrl'>,
  learner: { id: string; email: string },
  request: ClrRequest,
): Promise<{ document: JsonObject; jwt: string }> {
  const { db } = deps;
  const ids = request.credentialIds && [...new Set(request.credentialIds)];
  const issued = await issuedEntries(db, learner.id, ids);
  const held = ids || request.includeHeld ? await heldEntries(db, learner.id, ids) : [];
  if (ids) {
    const found = new Set([...issued, ...held].map((e) => e.id));
    const missing = ids.find((id) => !found.has(id));
    if (missing) throw new AppError('ERR_NOT_FOUND', `credentialIds: you hold no credential ${missing}.`);
  }
  const entries = [...issued, ...held];
  if (entries.length === 0) throw new AppError('ERR_STATE', 'You hold no credentials to put in a CLR.');
  if (entries.length > MAX_CLR_CREDENTIALS) {
    throw new AppError('ERR_VALIDATION', `A CLR carries at most ${MAX_CLR_CREDENTIALS} credentials: select some.`);
  }

  const achievements = new Map<string, AchievementInput>();
  for (const e of entries) {
    const a = achievementOf(e.document);
    // The embedded credentials' Achievements are valid OB 3.0 Achievements; the builder re-reads their fields.
    if (a && typeof a['id'] === 'string' && !achievements.has(a['id'])) {
      achievements.set(a['id'], a as unknown as AchievementInput);
    }
  }
  const association = await associationsOf(db, entries);
  const now = deps.clock();
  const did = instanceDid(deps.publicUrl);
  const unsigned = buildClrCredential({
    id: `urn:uuid:${randomUUID()}`,
    issuer: { id: did, name: new URL(deps.publicUrl).host, url: deps.publicUrl },
    name: 'Comprehensive Learner Record',
    description: `${entries.length} credential${entries.length === 1 ? '' : 's'}, exported by the learner.`,
    validFrom: now,
    awardedDate: now,
    partial: ids !== undefined,
    subject: {
      identifier: [createIdentityObject({ email: learner.email })],
      verifiableCredential: entries.map((e) => e.document as unknown as AnyAchievementCredential),
      ...(achievements.size > 0 && { achievement: [...achievements.values()] }),
      ...(association.length > 0 && { association }),
    },
  }) as unknown as JsonObject;
  const key = await instanceSigningKey(db, deps);
  const clock = () => now;
  return {
    document: await signCredential(unsigned, { key, clock }),
    jwt: await signCredentialJwt(unsigned, key, { form: 'ob-vc-jwt', clock }),
  };
}
