import type { Kysely } from 'kysely';
import {
  buildSkillProfile,
  type CredentialSkills,
  type SelfDeclaredSkill,
  type SkillProfile,
} from '@skillproof/skills';
import type { JsonObject, JsonValue } from '@skillproof/core';
import type { Database, ProficiencyLevel } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import { orgDid } from '../orgs/identity.js';
import type { AchievementDefinition } from '../achievements/definition.js';
import { frameworkItemUrl } from '../frameworks/skill-references.js';
import { isFrameworkVisible } from '../frameworks/visibility.js';

/**
 * A learner's skills as the guidance routes read them. Skills are named by their item's URL (its URI, or its CASE
 * CFItem URL here): the same string credentials carry as Alignment `targetUrl`, and the ESCO URI the extractor returns,
 * so evidence from an imported credential meets an occupation's skill without a lookup table.
 */
export interface LearnerSkills {
  readonly profile: SkillProfile;
  /** Skill URL → label, for every skill of the profile the server knows. */
  readonly labels: ReadonlyMap<string, string>;
  /** Achievements (ids here) of credentials issued here that the learner holds and that stand. */
  readonly heldAchievementIds: ReadonlySet<string>;
}

const asObject = (v: JsonValue | undefined): JsonObject | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? v : undefined;
const asString = (v: JsonValue | undefined): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * A level on a proficiency scale as a 0–1 level: its value over the scale's highest value, because the profile, a gap
 * and a plan compare levels on one scale. No scale or level: the credential attests the skill fully.
 */
export function levelOnUnitScale(levels: readonly ProficiencyLevel[] | undefined, code: string | undefined) {
  if (!levels || code === undefined) return undefined;
  const max = Math.max(...levels.map((l) => l.value));
  const value = levels.find((l) => l.code === code)?.value;
  return value === undefined || !(max > 0) ? undefined : Math.min(1, Math.max(0, value / max));
}

/** A skill an achievement certifies, named by its URL; `level` 0–1 when it requires one. */
export interface AchievementSkill {
  url: string;
  /** The item's statement, or for an Alignment its `targetName`. */
  label: string;
  level?: number;
  /** Named by an OB Alignment only, not a framework item. */
  aligned?: true;
}

/**
 * The skills an achievement definition certifies: its framework items (with the required level on the 0–1 scale,
 * {@link levelOnUnitScale}), then the targets of its own OB Alignments (no level), each URL once. Alignments are how an
 * achievement written before its framework was imported, or aligned to one this server does not hold, names skills,
 * and how imported credentials are read: issued credentials, imported ones and the catalogue then agree.
 *
 * @example
 * ```ts
 * achievementSkills(publicUrl, definition); // [{ url: 'http://data.europa.eu/esco/skill/…', label: 'SQL' }, …]
 * ```
 */
export function achievementSkills(
  publicUrl: string,
  d: Pick<AchievementDefinition, 'skills' | 'alignment'>,
): AchievementSkill[] {
  const skills: AchievementSkill[] = (d.skills ?? []).map((s) => {
    const level = levelOnUnitScale(s.scale?.levels, s.requiredLevel?.level);
    return {
      url: frameworkItemUrl(publicUrl, { uri: s.item.uri ?? null, caseIdentifier: s.item.caseIdentifier }),
      label: s.item.statement,
      ...(level !== undefined && { level }),
    };
  });
  const seen = new Set(skills.map((s) => s.url));
  for (const a of d.alignment ?? []) {
    if (seen.has(a.targetUrl)) continue;
    seen.add(a.targetUrl);
    skills.push({ url: a.targetUrl, label: a.targetName, aligned: true });
  }
  return skills;
}

/** The credential a VC-JWT carries: its payload, or the `vc` claim of older encodings. */
function jwtCredential(jwt: string): JsonObject | undefined {
  try {
    const payload = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as JsonValue;
    const object = asObject(payload);
    return asObject(object?.['vc']) ?? object;
  } catch {
    return undefined;
  }
}

/** The skills an imported credential states: its achievement's Alignment targets (OB 3.0 `alignment[].targetUrl`). */
function alignedUrls(credential: JsonObject): string[] {
  const s = credential['credentialSubject'];
  const subject = Array.isArray(s) ? asObject(s[0]) : asObject(s);
  const alignment = asObject(subject?.['achievement'])?.['alignment'];
  const list = Array.isArray(alignment) ? alignment : [];
  return [...new Set(list.map((a) => asString(asObject(a)?.['targetUrl'])).filter((u): u is string => !!u))];
}

/**
 * Reads a learner's skills: the aligned skills of every standing credential issued here that they hold (at the level
 * the achievement version requires), of every imported credential they hold that was verified on import and has not
 * expired, and the skills they declared (kept apart). Framework items' statements label the skills.
 *
 * @example
 * ```ts
 * const { profile } = await loadLearnerSkills(db, publicUrl, userId, now);
 * profile.verified.map((e) => e.skill); // ['http://data.europa.eu/esco/skill/…', …]
 * ```
 */
export async function loadLearnerSkills(
  db: Kysely<Database>,
  publicUrl: string,
  userId: string,
  now: Date,
): Promise<LearnerSkills> {
  const labels = new Map<string, string>();
  const credentials: CredentialSkills[] = [];
  const heldAchievementIds = new Set<string>();
  // What an issuer's own Alignment calls a skill: its label only when no framework here names it.
  const alignmentLabels = new Map<string, string>();

  const issued = await db
    .selectFrom('credentials as c')
    .innerJoin('organizations as o', 'o.id', 'c.orgId')
    .innerJoin('achievementVersions as v', (j) =>
      j.onRef('v.achievementId', '=', 'c.achievementId').onRef('v.version', '=', 'c.achievementVersion'),
    )
    .select(['c.id', 'c.achievementId', 'c.validFrom', 'c.validUntil', 'o.slug', 'o.name', 'v.definition'])
    .where('c.holderUserId', '=', userId)
    .where('c.state', '=', 'active')
    .orderBy('c.id')
    .execute();
  for (const c of issued) {
    if (c.validUntil && c.validUntil <= now) continue;
    heldAchievementIds.add(c.achievementId);
    const definition = c.definition as unknown as AchievementDefinition;
    const skills = achievementSkills(publicUrl, definition).map(({ url, label, level, aligned }) => {
      if (aligned) alignmentLabels.set(url, label);
      else labels.set(url, label);
      return { skill: url, ...(level !== undefined && { level }) };
    });
    if (skills.length === 0) continue;
    credentials.push({
      credentialId: c.id,
      issuer: { id: orgDid(publicUrl, c.slug), name: c.name },
      issuedAt: c.validFrom.toISOString(),
      source: 'issued',
      skills,
    });
  }

  const imported = await db
    .selectFrom('heldCredentials')
    .select(['id', 'issuerId', 'document', 'jwt', 'validFrom', 'validUntil', 'verifiedAt'])
    .where('userId', '=', userId)
    .orderBy('id')
    .execute();
  for (const h of imported) {
    if (h.validUntil && h.validUntil <= now) continue;
    const credential = asObject(h.document as JsonValue) ?? (h.jwt ? jwtCredential(h.jwt) : undefined);
    const urls = credential ? alignedUrls(credential) : [];
    if (urls.length === 0) continue;
    const issuerName = asString(asObject(credential?.['issuer'])?.['name']);
    credentials.push({
      credentialId: h.id,
      issuer: { id: h.issuerId, ...(issuerName !== undefined && { name: issuerName }) },
      issuedAt: (h.validFrom ?? h.verifiedAt).toISOString(),
      source: 'imported',
      skills: urls.map((skill) => ({ skill })),
    });
  }

  const declared = await db
    .selectFrom('declaredSkills as d')
    .innerJoin('frameworkItems as i', 'i.id', 'd.itemId')
    .select(['d.level', 'd.declaredAt', 'i.uri', 'i.caseIdentifier', 'i.statement'])
    .where('d.userId', '=', userId)
    .execute();
  const selfDeclared: SelfDeclaredSkill[] = declared.map((d) => {
    const url = frameworkItemUrl(publicUrl, d);
    labels.set(url, d.statement);
    return { skill: url, ...(d.level !== null && { level: d.level }), declaredAt: d.declaredAt.toISOString() };
  });

  // Imported credentials name skills by URL only: label the ones this server's frameworks hold.
  const unlabelled = credentials.flatMap((c) => c.skills.map((s) => s.skill)).filter((u) => !labels.has(u));
  if (unlabelled.length > 0) {
    const rows = await db
      .selectFrom('frameworkItems')
      .select(['uri', 'statement'])
      .where('uri', 'in', [...new Set(unlabelled)])
      .orderBy('id')
      .execute();
    for (const r of rows) if (r.uri && !labels.has(r.uri)) labels.set(r.uri, r.statement);
  }
  for (const [url, label] of alignmentLabels) if (!labels.has(url)) labels.set(url, label);
  return { profile: buildSkillProfile({ credentials, selfDeclared }), labels, heldAchievementIds };
}

/** The organisations a user belongs to: whose private frameworks and job profiles their guidance may use. */
export async function memberOrgIds(db: Kysely<Database>, userId: string): Promise<string[]> {
  return (await db.selectFrom('memberships').select('orgId').where('userId', '=', userId).execute()).map(
    (m) => m.orgId,
  );
}

/** The most skills a learner may declare. */
export const MAX_DECLARED_SKILLS = 500;

/**
 * Replaces the skills a learner declares without a credential. Every item must be in a framework the learner can see
 * (global, public, or one of their organisations'); otherwise ERR_VALIDATION names it. Call inside a transaction.
 *
 * @example
 * ```ts
 * await db.transaction().execute((tx) => setDeclaredSkills(tx, userId, [{ itemId, level: 0.5 }], now));
 * ```
 */
export async function setDeclaredSkills(
  db: Kysely<Database>,
  userId: string,
  skills: readonly { itemId: string; level?: number | undefined }[],
  now: Date,
): Promise<void> {
  const ids = [...new Set(skills.map((s) => s.itemId))];
  if (ids.length !== skills.length) {
    throw new AppError('ERR_VALIDATION', 'skills: each item may be declared once.', {
      issues: [{ path: 'skills', message: 'duplicate itemId' }],
    });
  }
  if (ids.length > 0) {
    const orgIds = await memberOrgIds(db, userId);
    const found = new Set(
      (
        await db
          .selectFrom('frameworkItems')
          .innerJoin('frameworks', 'frameworks.id', 'frameworkItems.frameworkId')
          .select('frameworkItems.id')
          .where('frameworkItems.id', 'in', ids)
          .where((eb) => isFrameworkVisible(eb, orgIds))
          .execute()
      ).map((r) => r.id),
    );
    const index = skills.findIndex((s) => !found.has(s.itemId));
    if (index >= 0) {
      const path = `skills.${index}.itemId`;
      throw new AppError('ERR_VALIDATION', `${path}: no framework item with this id that you can see.`, {
        issues: [{ path, message: 'no such item' }],
      });
    }
  }
  await db.deleteFrom('declaredSkills').where('userId', '=', userId).execute();
  if (skills.length === 0) return;
  await db
    .insertInto('declaredSkills')
    .values(skills.map((s) => ({ userId, itemId: s.itemId, level: s.level ?? null, declaredAt: now })))
    .execute();
}
