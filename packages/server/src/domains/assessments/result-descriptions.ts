import type { Kysely } from 'kysely';
import type { ResultInput } from '@skillproof/core';
import { audit } from '../../audit.js';
import type { Database } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import type { Principal } from '../../http/env.js';
import { achievementUrl, type AchievementDefinition } from '../achievements/definition.js';
import { getAchievement, updateAchievement, type AchievementVersion } from '../achievements/service.js';
import type { OutcomeResult } from '../awards/outcomes.js';
import type { AssessmentRecord } from './service.js';
import { parseSettings } from './schemas.js';

type ResultDescription = AchievementDefinition['resultDescription'][number];

/** The longest ResultDescription name an achievement definition takes. */
const MAX_NAME = 200;

/** A number as an OB value string: at most 4 decimals, never in exponent form. */
export const decimalString = (n: number): string => String(Math.round(n * 10_000) / 10_000);

/** The name of the ResultDescription of one rubric criterion of an assessment. */
export const criterionResultName = (assessmentTitle: string, criterion: string): string =>
  `${assessmentTitle}: ${criterion}`;

/**
 * The ResultDescriptions an assessment's results need in its achievement: every kind a Percent result named after
 * the assessment (0–100, required: the pass mark); projects and peer-reviewed projects one RubricCriterionLevel
 * result per rubric criterion, named `<title>: <criterion>`, with the criterion's levels (low → high) and points.
 */
export function resultDescriptionsFor(assessment: AssessmentRecord): ResultDescription[] {
  const passMark = assessment.kind === 'quiz' ? parseSettings('quiz', assessment.settings).passMark : undefined;
  const project = assessment.kind === 'quiz' ? undefined : parseSettings(assessment.kind, assessment.settings);
  const percent: ResultDescription = {
    name: assessment.title,
    resultType: 'Percent',
    valueMin: '0',
    valueMax: '100',
    requiredValue: decimalString(passMark ?? project?.passMark ?? 0),
  };
  const criteria: ResultDescription[] = (project?.rubric.criteria ?? []).map((c) => ({
    name: criterionResultName(assessment.title, c.name),
    resultType: 'RubricCriterionLevel',
    rubricCriterionLevel: c.levels.map((l) => ({
      name: l.name,
      ...(l.description !== undefined && { description: l.description }),
      points: decimalString(l.points),
    })),
  }));
  return [percent, ...criteria];
}

/**
 * Adds to the achievement an assessment counts toward the ResultDescriptions it is missing (by name; see
 * {@link resultDescriptionsFor}), as a new achievement version, audited as an achievement update. Nothing missing:
 * no new version. Call in the transaction that opens the assessment. Returns the new version, if any.
 *
 * @example
 * ```ts
 * await syncResultDescriptions(tx, { orgId, now, principal }, assessment);
 * ```
 */
export async function syncResultDescriptions(
  tx: Kysely<Database>,
  context: { orgId: string; now: Date; principal: Principal },
  assessment: AssessmentRecord,
): Promise<{ version: number; added: string[] } | null> {
  if (!assessment.achievementId) return null;
  const { orgId, now, principal } = context;
  const current = await getAchievement(tx, orgId, assessment.achievementId);
  const have = new Set(current.definition.resultDescription.map((r) => r.name));
  const missing = resultDescriptionsFor(assessment).filter((r) => !have.has(r.name));
  if (missing.length === 0) return null;
  const tooLong = missing.find((r) => r.name.length > MAX_NAME);
  if (tooLong) {
    throw new AppError(
      'ERR_VALIDATION',
      `The result "${tooLong.name.slice(0, 60)}…" would be named with more than ${MAX_NAME} characters: shorten the ` +
        'assessment title or the rubric criterion names.',
    );
  }
  const { achievement, changed } = await updateAchievement(
    tx,
    orgId,
    assessment.achievementId,
    { resultDescription: [...current.definition.resultDescription, ...missing] },
    now,
    principal.userId,
  );
  if (changed.length === 0) return null;
  const added = missing.map((r) => r.name);
  await audit(tx, principal, now, {
    orgId,
    action: 'achievement.update',
    targetType: 'achievement',
    targetId: assessment.achievementId,
    data: { version: achievement.version, fields: changed, assessmentId: assessment.id, addedResults: added },
  });
  return { version: achievement.version, added };
}

/**
 * An assessment's results as OB 3.0 Results of a credential issued under `achievement` (one version): each points at
 * the version's ResultDescription of the same name (`<url>#result-<n>`, see achievements/definition.ts): a percent as
 * `value`, a rubric criterion's level as `achievedLevel` (`<url>#result-<n>-level-<m>`). Results the version has no
 * description for (or no such level) are left out.
 *
 * @example
 * ```ts
 * const result = outcomeResultsToOb(publicUrl, version, 'SQL basics', [{ type: 'percent', value: 85 }]);
 * // [{ resultDescription: 'https://…/achievements/…/versions/2#result-1', value: '85' }]
 * ```
 */
export function outcomeResultsToOb(
  publicUrl: string,
  achievement: AchievementVersion,
  assessmentTitle: string,
  results: readonly OutcomeResult[],
): ResultInput[] {
  const url = achievementUrl(publicUrl, achievement.achievementId, achievement.version);
  const descriptions = achievement.definition.resultDescription;
  const out: ResultInput[] = [];
  for (const result of results) {
    if (result.type === 'percent') {
      const i = descriptions.findIndex((d) => d.name === assessmentTitle && d.resultType === 'Percent');
      if (i >= 0) out.push({ resultDescription: `${url}#result-${i + 1}`, value: decimalString(result.value) });
    } else {
      const name = criterionResultName(assessmentTitle, result.criterion);
      const i = descriptions.findIndex((d) => d.name === name && d.resultType === 'RubricCriterionLevel');
      const j = descriptions[i]?.rubricCriterionLevel?.findIndex((l) => l.name === result.level) ?? -1;
      if (i >= 0 && j >= 0) {
        out.push({
          resultDescription: `${url}#result-${i + 1}`,
          achievedLevel: `${url}#result-${i + 1}-level-${j + 1}`,
        });
      }
    }
  }
  return out;
}
