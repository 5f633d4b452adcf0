import type { z } from '@hono/zod-openapi';
import type { Grade, Levels } from './grading.js';
import type { GradeJson, GradingJson, LevelJson } from './schemas.js';
import type { Rubric } from './settings.js';

/** Levels by id as the API shows them: per criterion (rubric order), the criterion's and level's names and points. */
export function levelsJson(rubric: Rubric, levels: Levels): z.infer<typeof LevelJson>[] {
  const out: z.infer<typeof LevelJson>[] = [];
  for (const c of rubric.criteria) {
    const level = c.levels.find((l) => l.id === levels[c.id]);
    if (level) {
      out.push({ criterionId: c.id, criterion: c.name, levelId: level.id, level: level.name, points: level.points });
    }
  }
  return out;
}

export function gradeJson(rubric: Rubric, grade: Grade, gradedAt: Date | null): z.infer<typeof GradeJson> {
  return {
    levels: levelsJson(rubric, grade.levels),
    score: grade.score,
    maxScore: grade.maxScore,
    percent: grade.percent,
    passed: grade.passed,
    gradedAt: gradedAt?.toISOString() ?? null,
  };
}

/** A grading row with its grader's name (staff views). */
export interface GradingRow {
  id: string;
  submissionId: string;
  graderUserId: string;
  graderName: string | null;
  graderEmail: string;
  kind: 'assessor' | 'peer' | 'calibration' | 'appeal';
  levels: unknown;
  score: number;
  comment: string | null;
  criterionComments: unknown;
  weight: number | null;
  outlier: boolean;
  createdAt: Date;
}

/**
 * A grading as shown to `audience`: staff see who graded, the weight and the outlier flag; the author sees the levels
 * and comments only (never who wrote them).
 */
export function gradingJson(rubric: Rubric, g: GradingRow, audience: 'staff' | 'owner'): z.infer<typeof GradingJson> {
  const base = {
    kind: g.kind,
    levels: levelsJson(rubric, g.levels as Levels),
    score: g.score,
    comment: g.comment,
    criterionComments: (g.criterionComments as Record<string, string> | null) ?? null,
    createdAt: g.createdAt.toISOString(),
  };
  if (audience === 'owner') return base;
  return {
    id: g.id,
    ...base,
    grader: { id: g.graderUserId, name: g.graderName, email: g.graderEmail },
    weight: g.weight,
    outlier: g.outlier,
  };
}
