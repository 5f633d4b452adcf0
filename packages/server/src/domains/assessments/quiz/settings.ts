import { z } from '@hono/zod-openapi';

/** A pool name: questions belong to one (default `default`); a draw takes questions from named pools. */
export const PoolName = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'a pool name is 1–64 letters, digits, "_", "." or "-"');

export const QuizDraw = z
  .object({
    pool: PoolName,
    count: z.number().int().min(1).max(200).openapi({ description: 'How many questions to draw from the pool.' }),
  })
  .strict()
  .openapi('QuizDraw');

/** When a learner sees which questions they got right (and the authors' per-question feedback). */
export const FEEDBACK_MODES = ['immediate', 'after_close', 'none'] as const;
export type FeedbackMode = (typeof FEEDBACK_MODES)[number];

/**
 * A quiz's settings. `draw` absent: every question of the bank, by position; present: each attempt draws `count`
 * questions at random from each named pool (the draw is seeded by the attempt's id). `timeLimitSeconds` sets the
 * attempt's deadline when it starts (and `closesAt`, when earlier, caps it); the server refuses answers after it.
 */
export const QuizSettings = z
  .object({
    passMark: z
      .number()
      .min(0)
      .max(100)
      .openapi({ description: 'Percent of the points of the questions drawn needed to pass (0–100).' }),
    draw: z
      .array(QuizDraw)
      .min(1)
      .max(50)
      .superRefine((draws, ctx) => {
        const seen = new Set<string>();
        draws.forEach((d, i) => {
          if (seen.has(d.pool)) {
            ctx.addIssue({ code: 'custom', path: [i, 'pool'], message: `pool "${d.pool}" is drawn from twice` });
          }
          seen.add(d.pool);
        });
      })
      .optional(),
    shuffleQuestions: z.boolean().default(false),
    shuffleChoices: z
      .boolean()
      .default(false)
      .openapi({
        description:
          'Shuffle the choices of choice questions per attempt. (Items to order and options to match are always ' +
          'shown shuffled: their authored order is the answer.)',
      }),
    timeLimitSeconds: z
      .number()
      .int()
      .min(1)
      .max(7 * 86_400)
      .optional(),
    maxAttempts: z.number().int().min(1).max(1_000).optional(),
    cooldownSeconds: z
      .number()
      .int()
      .min(1)
      .max(365 * 86_400)
      .optional()
      .openapi({ description: 'How long after an attempt ends the learner must wait before starting the next.' }),
    feedback: z
      .enum(FEEDBACK_MODES)
      .default('immediate')
      .openapi({
        description:
          'When a learner sees which questions they got right and the per-question feedback: at once ' +
          '(`immediate`), once the quiz is closed (`after_close`), or never (`none`). The score, percent and pass ' +
          'are always shown. Answer keys are never shown.',
      }),
  })
  .strict()
  .openapi('QuizSettings');
export type QuizSettings = z.output<typeof QuizSettings>;
