import { randomBytes } from 'node:crypto';
import { z } from '@hono/zod-openapi';
import type { QuestionType } from '../../../db/schema.js';
import { compilePattern, PatternError } from './safe-pattern.js';
import { PoolName } from './settings.js';

/**
 * The seven question types: how authors write them (`…Input`), how they are stored (`body`: what a learner may be
 * shown; `answer`: the key, never in a learner-facing response), and how a learner sees them (built field by field
 * from `body` by {@link learnerQuestion}, an allow-list: nothing of the key can slip through by being forgotten).
 */

export const QUESTION_TYPES = [
  'single_choice',
  'multiple_choice',
  'true_false',
  'numeric',
  'short_answer',
  'ordering',
  'matching',
] as const satisfies readonly QuestionType[];

/** The longest short answer a learner may give, in characters. */
export const MAX_ANSWER_LENGTH = 500;
/** The longest short-answer pattern, in characters. */
export const MAX_PATTERN_LENGTH = 200;

const text = (max: number) => z.string().trim().min(1).max(max);

/**
 * How short answers (and accepted answers) are compared: Unicode-normalised (NFKC), trimmed, runs of white space
 * made one space, and lower-cased unless the question is case-sensitive.
 */
export function normalizeAnswer(value: string, caseSensitive = false): string {
  const spaced = value.normalize('NFKC').trim().replace(/\s+/gu, ' ');
  return caseSensitive ? spaced : spaced.toLowerCase();
}

/** Adds an issue for each value that repeats an earlier one (compared by `key`). */
function unique<T>(
  values: readonly T[],
  key: (v: T) => string,
  path: (i: number) => (string | number)[],
  what: string,
) {
  return (ctx: z.RefinementCtx) => {
    const seen = new Set<string>();
    values.forEach((v, i) => {
      const k = key(v);
      if (seen.has(k)) ctx.addIssue({ code: 'custom', path: path(i), message: `${what} repeats an earlier one` });
      seen.add(k);
    });
  };
}

const Feedback = z
  .object({
    correct: text(2_000).optional().openapi({ description: 'Shown when the answer earned every point.' }),
    incorrect: text(2_000).optional().openapi({ description: 'Shown otherwise.' }),
  })
  .strict()
  .openapi('QuestionFeedback');

const common = {
  prompt: text(5_000),
  points: z.number().gt(0).max(1_000).default(1),
  pool: PoolName.default('default'),
  position: z
    .number()
    .int()
    .min(0)
    .max(1_000_000)
    .optional()
    .openapi({ description: 'Where the question comes in the bank (default: after the last).' }),
  feedback: Feedback.optional(),
};

const Choice = z
  .object({ text: text(1_000), correct: z.boolean().default(false) })
  .strict()
  .openapi('ChoiceInput');
const Choices = z.array(Choice).min(2).max(20);
const sameText = (s: string) => normalizeAnswer(s);
/** Two choices of one question may not read the same (after normalisation). */
const uniqueChoices = (choices: readonly { text: string }[]) =>
  unique(
    choices,
    (c) => sameText(c.text),
    (i) => ['choices', i, 'text'],
    'the choice',
  );

export const SingleChoiceInput = z
  .object({ type: z.literal('single_choice'), ...common, choices: Choices })
  .strict()
  .superRefine((q, ctx) => {
    uniqueChoices(q.choices)(ctx);
    const correct = q.choices.filter((c) => c.correct).length;
    if (correct !== 1) {
      ctx.addIssue({ code: 'custom', path: ['choices'], message: `exactly one choice is correct (${correct} are)` });
    }
  });

export const MultipleChoiceInput = z
  .object({
    type: z.literal('multiple_choice'),
    ...common,
    choices: Choices,
    scoring: z
      .enum(['all_or_nothing', 'partial'])
      .default('all_or_nothing')
      .openapi({
        description:
          '`all_or_nothing`: every point for exactly the correct choices, none otherwise. `partial`: points × ' +
          'max(0, (correct choices selected − incorrect choices selected) / correct choices).',
      }),
  })
  .strict()
  .superRefine((q, ctx) => {
    uniqueChoices(q.choices)(ctx);
    if (!q.choices.some((c) => c.correct)) {
      ctx.addIssue({ code: 'custom', path: ['choices'], message: 'at least one choice is correct' });
    }
  });

export const TrueFalseInput = z.object({ type: z.literal('true_false'), ...common, correct: z.boolean() }).strict();

export const NumericInput = z
  .object({
    type: z.literal('numeric'),
    ...common,
    value: z.number().min(-1e15).max(1e15),
    tolerance: z
      .number()
      .min(0)
      .max(1e15)
      .default(0)
      .openapi({ description: 'An answer within `value ± tolerance` is correct.' }),
    unit: text(50).optional().openapi({ description: 'Shown to the learner beside the answer field.' }),
  })
  .strict();

export const ShortAnswerInput = z
  .object({
    type: z.literal('short_answer'),
    ...common,
    accepted: z
      .array(text(MAX_ANSWER_LENGTH))
      .min(1)
      .max(50)
      .optional()
      .openapi({ description: 'Answers accepted as they are, compared after normalisation (case, white space).' }),
    patterns: z
      .array(z.string().min(1).max(MAX_PATTERN_LENGTH))
      .min(1)
      .max(20)
      .optional()
      .openapi({
        description:
          `Patterns (≤ ${MAX_PATTERN_LENGTH} characters) the whole normalised answer must match: a safe regular-` +
          'expression subset (literals, `.`, classes, `\\d \\w \\s`, groups, `|`, `* + ? {n,m}`), run in linear ' +
          'time.',
      }),
    caseSensitive: z.boolean().default(false),
  })
  .strict()
  .superRefine((q, ctx) => {
    if (!q.accepted && !q.patterns) {
      ctx.addIssue({ code: 'custom', path: ['accepted'], message: 'give accepted answers, patterns, or both' });
    }
    if (q.accepted) {
      unique(
        q.accepted,
        (a) => normalizeAnswer(a, q.caseSensitive),
        (i) => ['accepted', i],
        'the answer',
      )(ctx);
    }
    q.patterns?.forEach((p, i) => {
      try {
        compilePattern(p, { caseSensitive: q.caseSensitive });
      } catch (e) {
        if (!(e instanceof PatternError)) throw e;
        ctx.addIssue({ code: 'custom', path: ['patterns', i], message: `not a supported pattern: ${e.message}` });
      }
    });
  });

export const OrderingInput = z
  .object({
    type: z.literal('ordering'),
    ...common,
    items: z
      .array(text(1_000))
      .min(2)
      .max(20)
      .openapi({ description: 'The items in their correct order; learners always see them shuffled.' }),
  })
  .strict()
  .superRefine((q, ctx) => unique(q.items, sameText, (i) => ['items', i], 'the item')(ctx));

export const MatchingInput = z
  .object({
    type: z.literal('matching'),
    ...common,
    pairs: z
      .array(z.object({ left: text(1_000), right: text(1_000) }).strict())
      .min(2)
      .max(20)
      .openapi({
        description: 'Each left-hand prompt with its right-hand match; learners see the right sides shuffled.',
      }),
    distractors: z
      .array(text(1_000))
      .max(20)
      .optional()
      .openapi({ description: 'Right-hand options that match no prompt.' }),
  })
  .strict()
  .superRefine((q, ctx) => {
    unique(
      q.pairs,
      (p) => sameText(p.left),
      (i) => ['pairs', i, 'left'],
      'the left side',
    )(ctx);
    const rights = [...q.pairs.map((p) => p.right), ...(q.distractors ?? [])];
    unique(
      rights,
      sameText,
      (i) => (i < q.pairs.length ? ['pairs', i, 'right'] : ['distractors', i - q.pairs.length]),
      'the right side',
    )(ctx);
  });

/** A question as an author writes it. */
export const QuestionInput = z
  .discriminatedUnion('type', [
    SingleChoiceInput,
    MultipleChoiceInput,
    TrueFalseInput,
    NumericInput,
    ShortAnswerInput,
    OrderingInput,
    MatchingInput,
  ])
  .openapi('QuestionInput');
export type QuestionInput = z.output<typeof QuestionInput>;

/**
 * A change to a question: fields given replace the current ones (a list replaces the whole list; choices keep their
 * ids when their text stays), the result is checked as a whole. Changing `type` needs that type's fields.
 */
export const QuestionPatch = z
  .object({
    type: z.enum(QUESTION_TYPES).optional(),
    prompt: z.unknown().optional(),
    points: z.unknown().optional(),
    pool: z.unknown().optional(),
    position: z.unknown().optional(),
    feedback: z.unknown().optional(),
    choices: z.unknown().optional(),
    scoring: z.unknown().optional(),
    correct: z.unknown().optional(),
    value: z.unknown().optional(),
    tolerance: z.unknown().optional(),
    unit: z.unknown().optional(),
    accepted: z.unknown().optional(),
    patterns: z.unknown().optional(),
    caseSensitive: z.unknown().optional(),
    items: z.unknown().optional(),
    pairs: z.unknown().optional(),
    distractors: z.unknown().optional(),
  })
  .strict()
  .openapi('QuestionPatch', { description: 'Fields of QuestionInput to replace; checked as a whole question.' });
export type QuestionPatch = z.output<typeof QuestionPatch>;

// --- stored form

const Labelled = z.object({ id: z.string(), text: z.string() });

export const StoredBody = {
  single_choice: z.object({ choices: z.array(Labelled) }),
  multiple_choice: z.object({ choices: z.array(Labelled) }),
  true_false: z.object({}),
  numeric: z.object({ unit: z.string().optional() }),
  short_answer: z.object({}),
  ordering: z.object({ items: z.array(Labelled) }),
  matching: z.object({ prompts: z.array(Labelled), options: z.array(Labelled) }),
} as const satisfies Record<QuestionType, z.ZodType>;

export const StoredAnswer = {
  single_choice: z.object({ correct: z.string() }),
  multiple_choice: z.object({ correct: z.array(z.string()), scoring: z.enum(['all_or_nothing', 'partial']) }),
  true_false: z.object({ correct: z.boolean() }),
  numeric: z.object({ value: z.number(), tolerance: z.number() }),
  short_answer: z.object({
    accepted: z.array(z.string()),
    patterns: z.array(z.string()),
    caseSensitive: z.boolean(),
  }),
  ordering: z.object({ order: z.array(z.string()) }),
  matching: z.object({ pairs: z.record(z.string(), z.string()) }),
} as const satisfies Record<QuestionType, z.ZodType>;

type BodyOf<T extends QuestionType> = z.output<(typeof StoredBody)[T]>;
type AnswerOf<T extends QuestionType> = z.output<(typeof StoredAnswer)[T]>;

/** A question as stored, its body and key typed by its type. */
export type StoredQuestion = {
  [T in QuestionType]: {
    id: string;
    type: T;
    prompt: string;
    points: number;
    pool: string;
    position: number;
    body: BodyOf<T>;
    answer: AnswerOf<T>;
    feedback: { correct?: string; incorrect?: string } | null;
    archived: boolean;
  };
}[QuestionType];

/** A stored row's JSON read back through the type's schemas. */
export function readStoredQuestion(row: {
  id: string;
  type: QuestionType;
  prompt: string;
  points: number;
  pool: string;
  position: number;
  body: unknown;
  answer: unknown;
  feedback: unknown;
  archivedAt: Date | null;
}): StoredQuestion {
  return {
    id: row.id,
    type: row.type,
    prompt: row.prompt,
    points: row.points,
    pool: row.pool,
    position: row.position,
    body: StoredBody[row.type].parse(row.body),
    answer: StoredAnswer[row.type].parse(row.answer),
    feedback: (row.feedback ?? null) as StoredQuestion['feedback'],
    archived: row.archivedAt !== null,
  } as StoredQuestion;
}

/** A fresh id for a choice, item or option: random, so that ids say nothing about order or correctness. */
const newId = (taken: Set<string>): string => {
  for (;;) {
    const id = randomBytes(5).toString('hex');
    if (!taken.has(id)) {
      taken.add(id);
      return id;
    }
  }
};

/**
 * Ids for texts: the id a text had before (`previous`, compared after normalisation) when there was one, else a new
 * random one.
 */
function labelled(texts: readonly string[], previous: readonly { id: string; text: string }[] = []) {
  const taken = new Set(previous.map((p) => p.id));
  const byText = new Map(previous.map((p) => [sameText(p.text), p.id]));
  return texts.map((t) => ({ id: byText.get(sameText(t)) ?? newId(taken), text: t }));
}

/** What is stored for a question: the body a learner may be shown and the key. */
export function toStored(
  input: QuestionInput,
  previous?: StoredQuestion,
): { body: Record<string, unknown>; answer: Record<string, unknown> } {
  const before = (key: 'choices' | 'items' | 'prompts' | 'options') =>
    previous ? ((previous.body as Record<string, unknown>)[key] as { id: string; text: string }[] | undefined) : [];
  switch (input.type) {
    case 'single_choice':
    case 'multiple_choice': {
      const choices = labelled(
        input.choices.map((c) => c.text),
        before('choices'),
      );
      const correct = choices.filter((_, i) => input.choices[i]!.correct).map((c) => c.id);
      return {
        body: { choices },
        answer: input.type === 'single_choice' ? { correct: correct[0]! } : { correct, scoring: input.scoring },
      };
    }
    case 'true_false':
      return { body: {}, answer: { correct: input.correct } };
    case 'numeric':
      return {
        body: input.unit !== undefined ? { unit: input.unit } : {},
        answer: { value: input.value, tolerance: input.tolerance },
      };
    case 'short_answer':
      return {
        body: {},
        answer: { accepted: input.accepted ?? [], patterns: input.patterns ?? [], caseSensitive: input.caseSensitive },
      };
    case 'ordering': {
      const items = labelled(input.items, before('items'));
      return { body: { items }, answer: { order: items.map((i) => i.id) } };
    }
    case 'matching': {
      const prompts = labelled(
        input.pairs.map((p) => p.left),
        before('prompts'),
      );
      const options = labelled([...input.pairs.map((p) => p.right), ...(input.distractors ?? [])], before('options'));
      return {
        body: { prompts, options },
        answer: { pairs: Object.fromEntries(prompts.map((p, i) => [p.id, options[i]!.id])) },
      };
    }
  }
}

/** The type-specific fields of a stored question in the form an author writes them (for a patch to apply to). */
export function authoringFields(q: StoredQuestion): Record<string, unknown> {
  switch (q.type) {
    case 'single_choice':
      return { choices: q.body.choices.map((c) => ({ text: c.text, correct: c.id === q.answer.correct })) };
    case 'multiple_choice':
      return {
        choices: q.body.choices.map((c) => ({ text: c.text, correct: q.answer.correct.includes(c.id) })),
        scoring: q.answer.scoring,
      };
    case 'true_false':
      return { correct: q.answer.correct };
    case 'numeric':
      return { value: q.answer.value, tolerance: q.answer.tolerance, ...(q.body.unit && { unit: q.body.unit }) };
    case 'short_answer':
      return {
        ...(q.answer.accepted.length > 0 && { accepted: q.answer.accepted }),
        ...(q.answer.patterns.length > 0 && { patterns: q.answer.patterns }),
        caseSensitive: q.answer.caseSensitive,
      };
    case 'ordering': {
      const byId = new Map(q.body.items.map((i) => [i.id, i.text]));
      return { items: q.answer.order.map((id) => byId.get(id)!) };
    }
    case 'matching': {
      const options = new Map(q.body.options.map((o) => [o.id, o.text]));
      const matched = new Set(Object.values(q.answer.pairs));
      const distractors = q.body.options.filter((o) => !matched.has(o.id)).map((o) => o.text);
      return {
        pairs: q.body.prompts.map((p) => ({ left: p.text, right: options.get(q.answer.pairs[p.id]!)! })),
        ...(distractors.length > 0 && { distractors }),
      };
    }
  }
}

// --- what staff see

/** A question as its authors see it: the authoring fields (with the key), plus ids. */
export const QuestionJson = z
  .object({
    id: z.uuid(),
    type: z.enum(QUESTION_TYPES),
    pool: z.string(),
    position: z.number().int(),
    prompt: z.string(),
    points: z.number(),
    feedback: Feedback.nullable(),
    archived: z.boolean(),
    choices: z.array(z.object({ id: z.string(), text: z.string(), correct: z.boolean() })).optional(),
    scoring: z.enum(['all_or_nothing', 'partial']).optional(),
    correct: z.boolean().optional(),
    value: z.number().optional(),
    tolerance: z.number().optional(),
    unit: z.string().optional(),
    accepted: z.array(z.string()).optional(),
    patterns: z.array(z.string()).optional(),
    caseSensitive: z.boolean().optional(),
    items: z.array(z.object({ id: z.string(), text: z.string() })).optional(),
    pairs: z
      .array(z.object({ leftId: z.string(), left: z.string(), rightId: z.string(), right: z.string() }))
      .optional(),
    distractors: z.array(z.object({ id: z.string(), text: z.string() })).optional(),
  })
  .openapi('Question');
export type QuestionJson = z.infer<typeof QuestionJson>;

export function questionJson(q: StoredQuestion): QuestionJson {
  const base = {
    id: q.id,
    type: q.type,
    pool: q.pool,
    position: q.position,
    prompt: q.prompt,
    points: q.points,
    feedback: q.feedback,
    archived: q.archived,
  };
  switch (q.type) {
    case 'single_choice':
    case 'multiple_choice': {
      const correct = typeof q.answer.correct === 'string' ? [q.answer.correct] : q.answer.correct;
      return {
        ...base,
        choices: q.body.choices.map((c) => ({ id: c.id, text: c.text, correct: correct.includes(c.id) })),
        ...(q.type === 'multiple_choice' && { scoring: q.answer.scoring }),
      };
    }
    case 'ordering': {
      const byId = new Map(q.body.items.map((i) => [i.id, i]));
      return { ...base, items: q.answer.order.map((id) => byId.get(id)!) };
    }
    case 'matching': {
      const options = new Map(q.body.options.map((o) => [o.id, o.text]));
      const matched = new Set(Object.values(q.answer.pairs));
      return {
        ...base,
        pairs: q.body.prompts.map((p) => {
          const rightId = q.answer.pairs[p.id]!;
          return { leftId: p.id, left: p.text, rightId, right: options.get(rightId)! };
        }),
        distractors: q.body.options.filter((o) => !matched.has(o.id)),
      };
    }
    default:
      return { ...base, ...(authoringFields(q) as Partial<QuestionJson>) };
  }
}

// --- what learners see

const LearnerLabel = z.object({ id: z.string(), text: z.string() });
const learnerBase = { id: z.uuid(), prompt: z.string(), points: z.number() };

/** A question as a learner sees it: no key, and nothing from which one could be told. */
export const LearnerQuestionJson = z
  .discriminatedUnion('type', [
    z.object({ type: z.literal('single_choice'), ...learnerBase, choices: z.array(LearnerLabel) }),
    z.object({ type: z.literal('multiple_choice'), ...learnerBase, choices: z.array(LearnerLabel) }),
    z.object({ type: z.literal('true_false'), ...learnerBase }),
    z.object({ type: z.literal('numeric'), ...learnerBase, unit: z.string().optional() }),
    z.object({ type: z.literal('short_answer'), ...learnerBase, maxLength: z.number().int() }),
    z.object({ type: z.literal('ordering'), ...learnerBase, items: z.array(LearnerLabel) }),
    z.object({
      type: z.literal('matching'),
      ...learnerBase,
      prompts: z.array(LearnerLabel),
      options: z.array(LearnerLabel),
    }),
  ])
  .openapi('LearnerQuestion');
export type LearnerQuestionJson = z.infer<typeof LearnerQuestionJson>;

/** The display orders an attempt fixed for a question's lists (ids, in the order shown). */
export interface DisplayOrder {
  choices?: string[];
  items?: string[];
  prompts?: string[];
  options?: string[];
}

/** `list` in the order of `ids` (ids the list does not have are skipped; entries `ids` lacks come last). */
function inOrder<T extends { id: string }>(list: readonly T[], ids: readonly string[] | undefined): T[] {
  if (!ids) return [...list];
  const rank = new Map(ids.map((id, i) => [id, i]));
  return [...list].sort((a, b) => (rank.get(a.id) ?? ids.length) - (rank.get(b.id) ?? ids.length));
}

/** Only an entry's id and text: the learner view of a choice, item, prompt or option. */
const label = (e: { id: string; text: string }) => ({ id: e.id, text: e.text });

/**
 * A question as a learner sees it, built from an explicit list of fields (never by removing the key from a copy):
 * id, type, prompt, points, and per type only what answering needs, in the attempt's display order.
 */
export function learnerQuestion(q: StoredQuestion, order: DisplayOrder): LearnerQuestionJson {
  const base = { id: q.id, prompt: q.prompt, points: q.points };
  switch (q.type) {
    case 'single_choice':
      return { type: 'single_choice', ...base, choices: inOrder(q.body.choices, order.choices).map(label) };
    case 'multiple_choice':
      return { type: 'multiple_choice', ...base, choices: inOrder(q.body.choices, order.choices).map(label) };
    case 'true_false':
      return { type: 'true_false', ...base };
    case 'numeric':
      return { type: 'numeric', ...base, ...(q.body.unit !== undefined && { unit: q.body.unit }) };
    case 'short_answer':
      return { type: 'short_answer', ...base, maxLength: MAX_ANSWER_LENGTH };
    case 'ordering':
      return { type: 'ordering', ...base, items: inOrder(q.body.items, order.items).map(label) };
    case 'matching':
      return {
        type: 'matching',
        ...base,
        prompts: inOrder(q.body.prompts, order.prompts).map(label),
        options: inOrder(q.body.options, order.options).map(label),
      };
  }
}
