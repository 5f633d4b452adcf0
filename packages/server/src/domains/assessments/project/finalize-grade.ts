import type { Kysely } from 'kysely';
import type { Database } from '../../../db/schema.js';
import type { AppDeps } from '../../../http/env.js';
import type { AwardResult } from '../../awards/engine.js';
import { recordAssessmentOutcome, type OutcomeResult } from '../../awards/outcomes.js';
import { gradeOf, type Grade, type Levels } from './grading.js';
import type { Project, SubmissionRow } from './project.js';

/**
 * Gives a submission its final grade and records the outcome, in the caller's transaction: the submission becomes
 * `graded` with its levels, score, percent and pass, and `recordAssessmentOutcome` (one outcome per submission:
 * grading again after an appeal replaces it) runs the award engine, so a credential it earns commits with the grade.
 * `how` says who graded, for the evidence ("by 2 assessors").
 *
 * @example
 * ```ts
 * const { grade, awards } = await finalizeGrade(tx, deps, project, submission, levels, now, 'by 2 assessors');
 * ```
 */
export async function finalizeGrade(
  tx: Kysely<Database>,
  deps: AppDeps,
  project: Project,
  submission: SubmissionRow,
  levels: Levels,
  at: Date,
  how: string,
): Promise<{ grade: Grade; awards: AwardResult[] }> {
  if (submission.isReference || !submission.learnerUserId) throw new Error('a reference submission has no grade');
  const grade = gradeOf(project.rubric, levels, project.settings.passMark);
  await tx
    .updateTable('submissions')
    .set({
      state: 'graded',
      gradedAt: at,
      levels: JSON.stringify(levels),
      score: grade.score,
      percent: grade.percent,
      passed: grade.passed,
    })
    .where('id', '=', submission.id)
    .execute();

  const results: OutcomeResult[] = [{ type: 'percent', value: grade.percent }];
  for (const c of project.rubric.criteria) {
    const level = c.levels.find((l) => l.id === levels[c.id])!;
    results.push({ type: 'rubric', criterion: c.name, level: level.name, points: level.points });
  }
  const { assessment } = project;
  const { awards } = await recordAssessmentOutcome(tx, deps, {
    orgId: assessment.orgId,
    assessmentId: assessment.id,
    learnerUserId: submission.learnerUserId,
    source: 'submission',
    sourceId: submission.id,
    passed: grade.passed,
    percent: grade.percent,
    results,
    evidence: [
      {
        id: `${deps.publicUrl}/assessments/${assessment.id}`,
        name: assessment.title,
        genre: project.kind === 'peer_review' ? 'Peer-reviewed project' : 'Project',
        narrative: await narrativeOf(tx, submission, grade, how),
      },
    ],
    at,
  });
  return { grade, awards };
}

/** A short summary of the work and its grade; the work itself stays private to the author and the organisation. */
async function narrativeOf(tx: Kysely<Database>, s: SubmissionRow, grade: Grade, how: string): Promise<string> {
  const files = await tx
    .selectFrom('submissionFiles')
    .select('name')
    .where('submissionId', '=', s.id)
    .orderBy('name')
    .execute();
  const parts = [
    ...(s.text ? [`text of ${s.text.length.toLocaleString('en')} characters`] : []),
    ...(s.links.length > 0 ? [`${s.links.length} link${s.links.length === 1 ? '' : 's'}`] : []),
    ...(files.length > 0 ? [`files: ${files.map((f) => f.name).join(', ')}`] : []),
  ];
  return (
    `Submission ${s.number}${parts.length > 0 ? ` (${parts.join('; ')})` : ''}, graded ` +
    `${grade.percent}% (${grade.score} of ${grade.maxScore} points, ${grade.passed ? 'passed' : 'not passed'}) ${how}.`
  );
}
