import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { EvidenceInput } from '@skillproof/core';
import type { Database } from '../../db/schema.js';
import type { AppDeps } from '../../http/env.js';
import { evaluateAwards, type AwardResult } from './engine.js';

/**
 * One result an assessment reports, in the assessment's words; the award engine turns it into an OB 3.0 Result that
 * points at the achievement version's ResultDescription of the same name (see `assessments/result-descriptions.ts`).
 * - `percent`: the score of the whole assessment, 0–100;
 * - `rubric`: the level reached on one rubric criterion (criterion and level by name, as the rubric states them).
 */
export type OutcomeResult =
  { type: 'percent'; value: number } | { type: 'rubric'; criterion: string; level: string; points?: number };

/** What an assessment concluded about a learner: a submitted quiz attempt, or a graded submission. */
export interface AssessmentOutcome {
  orgId: string;
  assessmentId: string;
  learnerUserId: string;
  source: 'quiz_attempt' | 'submission';
  /** The attempt's or submission's id: one outcome per source (recording it again replaces it, e.g. after an appeal). */
  sourceId: string;
  passed: boolean;
  /** 0–100. */
  percent: number;
  results: OutcomeResult[];
  /** OB 3.0 Evidence the credential carries (the assessment, the submission). */
  evidence: EvidenceInput[];
  at: Date;
}

/**
 * Records an assessment's outcome for a learner and runs the award engine for them, in the caller's transaction:
 * the outcome, and any credential it earns (and any pathway credential that one completes), commit together.
 *
 * @example
 * ```ts
 * const { awards } = await db.transaction().execute((tx) => recordAssessmentOutcome(tx, deps, outcome));
 * ```
 */
export async function recordAssessmentOutcome(
  tx: Kysely<Database>,
  deps: AppDeps,
  outcome: AssessmentOutcome,
): Promise<{ outcomeId: string; awards: AwardResult[] }> {
  const row = {
    orgId: outcome.orgId,
    assessmentId: outcome.assessmentId,
    learnerUserId: outcome.learnerUserId,
    passed: outcome.passed,
    percent: outcome.percent,
    results: JSON.stringify(outcome.results),
    evidence: JSON.stringify(outcome.evidence),
    at: outcome.at,
  };
  const { id } = await tx
    .insertInto('assessmentOutcomes')
    .values({ id: randomUUID(), source: outcome.source, sourceId: outcome.sourceId, ...row })
    .onConflict((oc) => oc.columns(['source', 'sourceId']).doUpdateSet(row))
    .returning('id')
    .executeTakeFirstOrThrow();
  const awards = await evaluateAwards(tx, deps, {
    learnerUserId: outcome.learnerUserId,
    trigger: { type: 'assessment', id: outcome.assessmentId },
  });
  return { outcomeId: id, awards };
}
