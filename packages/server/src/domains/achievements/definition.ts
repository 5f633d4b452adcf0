import { z } from '@hono/zod-openapi';
import {
  ACHIEVEMENT_TYPES,
  ALIGNMENT_TARGET_TYPES,
  RESULT_TYPES,
  type AchievementInput,
  type AlignmentInput,
  type ResultDescriptionInput,
} from '@skillproof/core';
import { ProficiencyLevelSchema, RequiredLevelInput } from '../frameworks/scales.js';
import { frameworkItemUrl } from '../frameworks/skill-references.js';

const text = (max: number) => z.string().trim().min(1).max(max);

const isHttpUrl = (value: string) => z.url({ protocol: /^https?$/ }).safeParse(value).success;

/**
 * An image: an http(s) URL, or a `data:` URI of a PNG or SVG that the server stores and serves (its content is checked
 * by `decodeImage` when it is saved). The request body limit bounds a data URI; `decodeImage` refuses one over 1 MiB.
 */
export const ImageReference = z
  .string()
  .refine((v) => v.startsWith('data:') || (v.length <= 2048 && isHttpUrl(v)), {
    message: 'must be an http(s) URL or a data: URI of a PNG or SVG image',
  })
  .openapi({ example: 'https://example.edu/badges/sql.png' });

const Criteria = z
  .object({ narrative: text(10_000).optional(), id: z.url({ protocol: /^https?$/ }).optional() })
  .strict()
  .refine((c) => c.narrative !== undefined || c.id !== undefined, 'criteria needs a narrative or an id (URL)');

const Alignment = z
  .object({
    targetName: text(500),
    targetUrl: z.url({ protocol: /^https?$/ }),
    targetDescription: text(5_000).optional(),
    targetFramework: text(500).optional(),
    targetCode: text(200).optional(),
    targetType: z.enum(ALIGNMENT_TARGET_TYPES).optional(),
  })
  .strict();

const numeric = (v: string | undefined) => (v !== undefined && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : undefined);

/**
 * How a result is recorded (OB 3.0 ResultDescription): pass/fail as `Result` (or `Status`) with `allowedValue`
 * `['Pass', 'Fail']` and `requiredValue` `'Pass'`; a percentage as `Percent` with optional `valueMin`/`valueMax`/
 * `requiredValue` between 0 and 100; a rubric as `RubricCriterionLevel` with its levels.
 */
const ResultDescription = z
  .object({
    name: text(200),
    resultType: z.enum(RESULT_TYPES),
    allowedValue: z.array(text(200)).min(1).max(100).optional(),
    requiredValue: text(200).optional(),
    rubricCriterionLevel: z
      .array(
        z
          .object({
            name: text(200),
            description: text(2_000).optional(),
            level: text(100).optional(),
            points: text(50).optional(),
          })
          .strict(),
      )
      .min(1)
      .max(20)
      .optional(),
    valueMin: text(50).optional(),
    valueMax: text(50).optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (r.allowedValue && r.requiredValue !== undefined && !r.allowedValue.includes(r.requiredValue)) {
      issue('requiredValue', 'must be one of allowedValue');
    }
    if (r.resultType === 'RubricCriterionLevel' && !r.rubricCriterionLevel) {
      issue('rubricCriterionLevel', 'a RubricCriterionLevel result needs its levels');
    }
    const min = numeric(r.valueMin);
    const max = numeric(r.valueMax);
    if (r.resultType === 'Percent') {
      for (const key of ['valueMin', 'valueMax', 'requiredValue'] as const) {
        const v = r[key];
        const n = numeric(v);
        if (v !== undefined && (n === undefined || n < 0 || n > 100)) issue(key, 'must be a number from 0 to 100');
      }
    }
    if (min !== undefined && max !== undefined && min > max) issue('valueMin', 'must not be greater than valueMax');
  });

/** The EQF levels (European Qualifications Framework, 1–8) and the URI of each in the EU's Europass vocabulary. */
export const eqfLevelUri = (level: number): string => `http://data.europa.eu/snb/eqf/${level}`;

/**
 * Renewal of an expiring credential: the award engine issues the next one when the learner qualifies again within
 * `windowDays` before it expires (or after); holders are reminded `reminderDays` before (each lead time once).
 */
const Renewal = z
  .object({
    windowDays: z.number().int().min(1).max(3_650).default(30),
    reminderDays: z
      .array(z.number().int().min(1).max(365))
      .max(10)
      .refine((days) => new Set(days).size === days.length, 'must not repeat a lead time')
      .default([30, 7]),
  })
  .strict()
  .openapi('AchievementRenewal');

/** At most two decimals, as the number's shortest decimal form shows it (what a JSON body's `12.5` parses to). */
const atMostTwoDecimals = (v: number) => /^-?\d+(\.\d{1,2})?$/.test(String(v));

/**
 * What earning an achievement costs, in a currency (ISO 4217 code). Skillproof catalogue data for learning plans:
 * credentials never carry it (see {@link achievementInput}).
 */
export const AchievementPrice = z
  .object({
    amount: z
      .number()
      .min(0)
      .max(10_000_000)
      .refine(atMostTwoDecimals, { message: 'must have at most two decimals' })
      .openapi({ example: 49.5 }),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 currency code (three upper-case letters)')
      .openapi({ example: 'EUR' }),
  })
  .strict()
  .openapi('AchievementPrice');

/** The most framework items one achievement aligns to. */
export const MAX_ACHIEVEMENT_SKILLS = 100;

/** A framework item an achievement certifies, as a client names it (resolved into an {@link AlignedSkill} on save). */
export const SkillReferenceInput = z
  .object({
    itemId: z.uuid().openapi({ description: 'A framework item the organisation can use (global, public or its own).' }),
    requiredLevel: RequiredLevelInput.optional(),
  })
  .strict()
  .openapi('AchievementSkillInput');

/**
 * A framework item an achievement certifies, as saved with the version: what the item and its framework said (and the
 * scale's levels, when a level is required) at save time, so that a version, and every credential issued under it,
 * stays the same when the framework changes. The item's URL is its `uri`, or its CASE CFItem URL on this server.
 */
export const AlignedSkill = z
  .object({
    itemId: z.uuid(),
    requiredLevel: RequiredLevelInput.optional(),
    item: z
      .object({
        statement: z.string(),
        description: z.string().optional(),
        code: z.string().optional(),
        type: z.string(),
        uri: z.string().optional(),
        caseIdentifier: z.uuid(),
        framework: z.object({ id: z.uuid(), title: z.string(), version: z.string().optional() }).strict(),
      })
      .strict(),
    scale: z
      .object({ key: z.string(), title: z.string(), levels: z.array(ProficiencyLevelSchema) })
      .strict()
      .optional(),
  })
  .strict()
  .openapi('AlignedSkill');

export type AlignedSkill = z.infer<typeof AlignedSkill>;

/**
 * The fields of a definition, without defaults: {@link AchievementDefinition} adds the defaults, and
 * {@link AchievementPatch} makes each one optional.
 */
const fields = {
  name: text(200),
  description: text(5_000),
  criteria: Criteria,
  achievementType: z.enum(ACHIEVEMENT_TYPES),
  image: ImageReference,
  alignment: z.array(Alignment).max(100),
  resultDescription: z.array(ResultDescription).max(50),
  creditsAvailable: z.number().nonnegative().max(10_000),
  /** How long a credential stays valid after issuance; none: it does not expire. */
  validityDays: z.number().int().min(1).max(36_500),
  tags: z.array(text(100)).max(50),
  humanCode: text(100),
  fieldOfStudy: text(200),
  inLanguage: z.string().regex(/^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{1,8})*$/, 'must be a BCP 47 language tag'),
  /** The level on the European Qualifications Framework: credentials carry it as an Alignment. */
  eqfLevel: z.number().int().min(1).max(8),
  /** How credentials are renewed before they expire; only with `validityDays`. */
  renewal: Renewal,
  /** Study effort in hours, for learning plans (catalogue data: not in credentials). */
  hours: z.number().positive().max(10_000).openapi({ example: 20 }),
  /** What earning it costs, for learning plans (catalogue data: not in credentials). */
  price: AchievementPrice,
};

const definitionShape = {
  name: fields.name,
  description: fields.description,
  criteria: fields.criteria,
  achievementType: fields.achievementType.default('MicroCredential'),
  image: fields.image.optional(),
  alignment: fields.alignment.default([]),
  resultDescription: fields.resultDescription.default([]),
  creditsAvailable: fields.creditsAvailable.optional(),
  validityDays: fields.validityDays.optional(),
  tags: fields.tags.default([]),
  humanCode: fields.humanCode.optional(),
  fieldOfStudy: fields.fieldOfStudy.optional(),
  inLanguage: fields.inLanguage.optional(),
  eqfLevel: fields.eqfLevel.optional(),
  renewal: fields.renewal.optional(),
  hours: fields.hours.optional(),
  price: fields.price.optional(),
};

/** What zod cannot say field by field: a renewal policy needs credentials that expire. */
function checkRenewal(d: { renewal?: unknown; validityDays?: number | undefined }, ctx: z.RefinementCtx): void {
  if (d.renewal !== undefined && d.validityDays === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['renewal'],
      message: 'renewal needs validityDays: only credentials that expire can be renewed',
    });
  }
}

/**
 * An achievement (badge class) as an organisation defines it: what `achievement_versions.definition` holds. Each edit
 * is a new version; a credential names the version it was issued under. `skills` holds the framework items it
 * certifies as saved ({@link AlignedSkill}); credentials carry them as OB 3.0 Alignments (see {@link achievementInput}).
 */
export const AchievementDefinition = z
  .object({ ...definitionShape, skills: z.array(AlignedSkill).max(MAX_ACHIEVEMENT_SKILLS).optional() })
  .strict()
  .superRefine(checkRenewal)
  .openapi('AchievementDefinition');

export type AchievementDefinition = z.infer<typeof AchievementDefinition>;

/** An achievement definition as a client sends it: `skills` names framework items, which the server resolves. */
export const AchievementDefinitionInput = z
  .object({ ...definitionShape, skills: z.array(SkillReferenceInput).max(MAX_ACHIEVEMENT_SKILLS).optional() })
  .strict()
  .superRefine(checkRenewal)
  .openapi('AchievementDefinitionInput');

export type AchievementDefinitionInput = z.infer<typeof AchievementDefinitionInput>;

/**
 * A change to a definition (JSON merge patch, RFC 7396): fields given replace the current ones, `null` removes an
 * optional field (or empties a list), fields left out stay as they are.
 */
export const AchievementPatch = z
  .object({
    name: fields.name.optional(),
    description: fields.description.optional(),
    criteria: fields.criteria.optional(),
    achievementType: fields.achievementType.nullable().optional(),
    image: fields.image.nullable().optional(),
    alignment: fields.alignment.nullable().optional(),
    resultDescription: fields.resultDescription.nullable().optional(),
    creditsAvailable: fields.creditsAvailable.nullable().optional(),
    validityDays: fields.validityDays.nullable().optional(),
    tags: fields.tags.nullable().optional(),
    humanCode: fields.humanCode.nullable().optional(),
    fieldOfStudy: fields.fieldOfStudy.nullable().optional(),
    inLanguage: fields.inLanguage.nullable().optional(),
    eqfLevel: fields.eqfLevel.nullable().optional(),
    renewal: fields.renewal.nullable().optional(),
    hours: fields.hours.nullable().optional(),
    price: fields.price.nullable().optional(),
    /** Replaces the whole list; `null` or `[]` removes every alignment to framework items. */
    skills: z.array(SkillReferenceInput).max(MAX_ACHIEVEMENT_SKILLS).nullable().optional(),
  })
  .strict()
  .openapi('AchievementPatch');

export type AchievementPatch = z.infer<typeof AchievementPatch>;

/**
 * The definition after a patch; the defaults fill what `null` removed. `skills` is left as it is: framework items are
 * resolved against the database, which the service does.
 */
export function applyPatch(current: AchievementDefinition, patch: AchievementPatch): AchievementDefinition {
  const merged: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (key === 'skills') continue;
    if (value === null) delete merged[key];
    else if (value !== undefined) merged[key] = value;
  }
  return AchievementDefinition.parse(merged);
}

/** The public URL of one version of an achievement: its OB `id`. */
export function achievementUrl(publicUrl: string, achievementId: string, version: number): string {
  return `${publicUrl}/achievements/${achievementId}/versions/${version}`;
}

/** Where the server serves a version's stored (`data:`) image. */
export function achievementImageUrl(publicUrl: string, achievementId: string, version: number): string {
  return `${achievementUrl(publicUrl, achievementId, version)}/image`;
}

/**
 * One version of an achievement as the core builder's input (the credential's `credentialSubject.achievement`, and
 * the document served at its URL). A stored `data:` image is referred to by the URL it is served at, so that
 * credentials stay small. The catalogue figures (`hours`, `price`) are left out: they are Skillproof's data for learning
 * plans, not part of the OB 3.0 Achievement, and changing them must not change what credentials say.
 *
 * @example
 * ```ts
 * const achievement = buildAchievement(achievementInput(publicUrl, id, 2, definition));
 * ```
 */
export function achievementInput(
  publicUrl: string,
  achievementId: string,
  version: number,
  d: AchievementDefinition,
): AchievementInput {
  const id = achievementUrl(publicUrl, achievementId, version);
  const { alignment, resultDescription } = alignmentsOf(publicUrl, id, d);
  return {
    id,
    name: d.name,
    description: d.description,
    criteria: d.criteria,
    achievementType: d.achievementType,
    version: String(version),
    ...(d.image && {
      image: { id: d.image.startsWith('data:') ? achievementImageUrl(publicUrl, achievementId, version) : d.image },
    }),
    ...(alignment.length > 0 && { alignment }),
    ...(resultDescription.length > 0 && { resultDescription }),
    ...(d.creditsAvailable !== undefined && { creditsAvailable: d.creditsAvailable }),
    ...(d.tags.length > 0 && { tag: d.tags }),
    ...(d.humanCode && { humanCode: d.humanCode }),
    ...(d.fieldOfStudy && { fieldOfStudy: d.fieldOfStudy }),
    ...(d.inLanguage && { inLanguage: d.inLanguage }),
  };
}

/**
 * The OB 3.0 Alignment for a framework item an achievement certifies: a CFItem, named by its statement, at its URI (or
 * its CASE CFItem URL on this server).
 *
 * @example
 * ```ts
 * const alignment = skillAlignment(publicUrl, definition.skills[0]);
 * ```
 */
export function skillAlignment(publicUrl: string, skill: AlignedSkill): AlignmentInput {
  const { item } = skill;
  return {
    targetType: 'CFItem',
    targetName: item.statement,
    targetUrl: frameworkItemUrl(publicUrl, { uri: item.uri ?? null, caseIdentifier: item.caseIdentifier }),
    ...(item.description !== undefined && { targetDescription: item.description }),
    ...(item.code !== undefined && { targetCode: item.code }),
    targetFramework: item.framework.title,
  };
}

/**
 * The ResultDescription for a framework item with a required level: a RubricCriterionLevel result whose levels are the
 * scale's (as saved), `requiredLevel` the required one's id, aligned to the item. Ids are fragments of the achievement's
 * URL: `#skill-<n>` and `#skill-<n>-level-<code>`, n counting the achievement's skills from 1.
 */
function skillResultDescription(
  id: string,
  n: number,
  skill: AlignedSkill,
  alignment: AlignmentInput,
): ResultDescriptionInput | undefined {
  const { requiredLevel, scale } = skill;
  if (!requiredLevel || !scale) return undefined;
  const levelId = (code: string) => `${id}#skill-${n}-level-${code}`;
  return {
    id: `${id}#skill-${n}`,
    name: `${skill.item.statement} (${scale.title})`,
    resultType: 'RubricCriterionLevel',
    requiredLevel: levelId(requiredLevel.level),
    rubricCriterionLevel: scale.levels.map((l) => ({
      id: levelId(l.code),
      name: l.name,
      ...(l.description !== undefined && { description: l.description }),
      level: l.code,
    })),
    alignment: [alignment],
  };
}

/** What the manual fields and the framework items of a definition give: Alignments, and ResultDescriptions. */
function alignmentsOf(publicUrl: string, id: string, d: AchievementDefinition) {
  const manual = new Set(d.alignment.map((a) => a.targetUrl));
  const alignment: AlignmentInput[] = [...d.alignment];
  if (d.eqfLevel !== undefined && !manual.has(eqfLevelUri(d.eqfLevel))) {
    alignment.push({
      targetName: `EQF level ${d.eqfLevel}`,
      targetUrl: eqfLevelUri(d.eqfLevel),
      targetFramework: 'European Qualifications Framework',
      targetCode: String(d.eqfLevel),
    });
  }
  const resultDescription: ResultDescriptionInput[] = d.resultDescription.map(({ rubricCriterionLevel, ...r }, i) => ({
    id: `${id}#result-${i + 1}`,
    ...r,
    ...(rubricCriterionLevel && {
      rubricCriterionLevel: rubricCriterionLevel.map((l, j) => ({
        id: `${id}#result-${i + 1}-level-${j + 1}`,
        ...l,
      })),
    }),
  }));
  (d.skills ?? []).forEach((skill, i) => {
    const a = skillAlignment(publicUrl, skill);
    // An item also aligned to by hand is listed once.
    if (!manual.has(a.targetUrl)) alignment.push(a);
    const result = skillResultDescription(id, i + 1, skill, a);
    if (result) resultDescription.push(result);
  });
  return { alignment, resultDescription };
}
