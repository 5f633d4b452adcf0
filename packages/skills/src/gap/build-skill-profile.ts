import { SkillsError } from '../skills-error.js';

/** Where a skill claim comes from: a credential issued here, one imported and verified, or the learner's word. */
export type EvidenceSource = 'issued' | 'imported' | 'self-declared';

/** A verified credential's aligned skills, as the caller read them after verification succeeded. */
export interface CredentialSkills {
  readonly credentialId: string;
  readonly issuer: { readonly id: string; readonly name?: string };
  /** ISO 8601 date or date-time of issuance (the credential's `validFrom`). */
  readonly issuedAt: string;
  /** `issued` by this instance, or `imported` from elsewhere and verified. */
  readonly source: 'issued' | 'imported';
  /** Levels run from 0 to 1 (the caller maps a framework's scale onto it); absent means the credential attests the skill fully. */
  readonly skills: readonly { readonly skill: string; readonly level?: number }[];
}

/** A skill the learner claims without a credential. Kept apart; counted in a gap only when the caller allows it. */
export interface SelfDeclaredSkill {
  readonly skill: string;
  readonly level?: number;
  readonly declaredAt?: string;
}

/** The one piece of evidence kept for a skill. */
export interface SkillEvidence {
  readonly skill: string;
  /** 0–1. */
  readonly level: number;
  /** ISO 8601, as given (absent only for a self-declared skill given without a date). */
  readonly date?: string;
  readonly source: EvidenceSource;
  readonly credentialId?: string;
  readonly issuer?: { readonly id: string; readonly name?: string };
}

/** A learner's skills: verified evidence and self-declared claims in separate lists, each sorted by skill id. */
export interface SkillProfile {
  readonly verified: readonly SkillEvidence[];
  readonly selfDeclared: readonly SkillEvidence[];
}

function checkLevel(level: number | undefined, where: string): number {
  if (level === undefined) return 1;
  if (typeof level !== 'number' || !(level >= 0 && level <= 1)) {
    throw new SkillsError('ERR_PROFILE_INPUT', `${where}: level must be a number from 0 to 1, got ${String(level)}.`);
  }
  return level;
}

function checkDate(date: string, where: string): number {
  const time = typeof date === 'string' ? Date.parse(date) : NaN;
  if (Number.isNaN(time))
    throw new SkillsError('ERR_PROFILE_INPUT', `${where}: ${String(date)} is not an ISO 8601 date.`);
  return time;
}

function checkSkill(skill: string, where: string): void {
  if (typeof skill !== 'string' || skill === '') {
    throw new SkillsError('ERR_PROFILE_INPUT', `${where}: every skill needs a non-empty id.`);
  }
}

const SOURCE_RANK: Record<EvidenceSource, number> = { issued: 0, imported: 1, 'self-declared': 2 };

/**
 * Whether `a` is better evidence than `b`: the higher level first (so adding evidence never lowers what a learner
 * holds, which the gap's monotonicity rests on), then the newer, then issued here over imported, then by credential
 * id so that the choice never depends on input order.
 */
function isBetter(a: SkillEvidence & { time: number }, b: SkillEvidence & { time: number }): boolean {
  if (a.level !== b.level) return a.level > b.level;
  if (a.time !== b.time) return a.time > b.time;
  if (a.source !== b.source) return SOURCE_RANK[a.source] < SOURCE_RANK[b.source];
  return (a.credentialId ?? '') < (b.credentialId ?? '');
}

function strongest(candidates: Iterable<SkillEvidence & { time: number }>): SkillEvidence[] {
  const best = new Map<string, SkillEvidence & { time: number }>();
  for (const candidate of candidates) {
    const current = best.get(candidate.skill);
    if (!current || isBetter(candidate, current)) best.set(candidate.skill, candidate);
  }
  return [...best.values()]
    .sort((a, b) => (a.skill < b.skill ? -1 : a.skill > b.skill ? 1 : 0))
    .map(({ time: _time, ...evidence }) => evidence);
}

/**
 * A learner's skill profile: per skill, the strongest and then newest evidence from verified credentials, and the
 * self-declared skills in a list of their own. The caller verifies the credentials first; this only reads what they
 * say. A skill both verified and self-declared appears in both lists, so a gap can show which one counted.
 *
 * @example
 * ```ts
 * const profile = buildSkillProfile({
 *   credentials: [{ credentialId: 'urn:uuid:1', issuer: { id: 'did:web:uni.example' }, issuedAt: '2026-03-02',
 *     source: 'issued', skills: [{ skill: 'esco:sql', level: 0.8 }] }],
 *   selfDeclared: [{ skill: 'esco:python' }],
 * });
 * profile.verified[0]?.level; // 0.8
 * ```
 */
export function buildSkillProfile(input: {
  credentials?: readonly CredentialSkills[];
  selfDeclared?: readonly SelfDeclaredSkill[];
}): SkillProfile {
  const verified: (SkillEvidence & { time: number })[] = [];
  for (const credential of input.credentials ?? []) {
    const where = `Credential ${String(credential.credentialId)}`;
    if (typeof credential.credentialId !== 'string' || credential.credentialId === '') {
      throw new SkillsError('ERR_PROFILE_INPUT', 'Every credential needs a non-empty credentialId.');
    }
    if (credential.source !== 'issued' && credential.source !== 'imported') {
      throw new SkillsError('ERR_PROFILE_INPUT', `${where}: source must be "issued" or "imported".`);
    }
    if (typeof credential.issuer?.id !== 'string' || credential.issuer.id === '') {
      throw new SkillsError('ERR_PROFILE_INPUT', `${where}: the issuer needs an id.`);
    }
    const time = checkDate(credential.issuedAt, where);
    for (const { skill, level } of credential.skills) {
      checkSkill(skill, where);
      verified.push({
        skill,
        level: checkLevel(level, `${where}, skill ${skill}`),
        date: credential.issuedAt,
        source: credential.source,
        credentialId: credential.credentialId,
        issuer: credential.issuer,
        time,
      });
    }
  }
  const declared: (SkillEvidence & { time: number })[] = [];
  for (const { skill, level, declaredAt } of input.selfDeclared ?? []) {
    checkSkill(skill, 'Self-declared skill');
    declared.push({
      skill,
      level: checkLevel(level, `Self-declared skill ${skill}`),
      ...(declaredAt === undefined ? {} : { date: declaredAt }),
      source: 'self-declared',
      time: declaredAt === undefined ? -Infinity : checkDate(declaredAt, `Self-declared skill ${skill}`),
    });
  }
  return { verified: strongest(verified), selfDeclared: strongest(declared) };
}
