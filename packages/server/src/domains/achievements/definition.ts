import { z } from '@hono/zod-openapi';
import { ACHIEVEMENT_TYPES, ALIGNMENT_TARGET_TYPES, type AchievementInput } from '@skillproof/core';

const text = (max: number) => z.string().trim().min(1).max(max);

/**
 * An achievement (badge class) as an organisation defines it: what `achievement_versions.definition` holds. Each edit
 * is a new version; a credential names the version it was issued under.
 */
export const AchievementDefinition = z
  .object({
    name: text(200),
    description: text(5_000),
    criteria: z
      .object({ narrative: text(10_000).optional(), id: z.url().optional() })
      .refine((c) => c.narrative !== undefined || c.id !== undefined, 'criteria needs a narrative or an id (URL)'),
    achievementType: z.enum(ACHIEVEMENT_TYPES).default('MicroCredential'),
    /** An image URL or a `data:image/png|svg+xml;base64,…` URI. */
    image: z.string().max(1_500_000).optional(),
    alignment: z
      .array(
        z.object({
          targetName: text(500),
          targetUrl: z.url(),
          targetDescription: text(5_000).optional(),
          targetFramework: text(500).optional(),
          targetCode: text(200).optional(),
          targetType: z.enum(ALIGNMENT_TARGET_TYPES).optional(),
        }),
      )
      .max(100)
      .default([]),
    resultDescription: z
      .array(
        z.object({
          name: text(200),
          resultType: z.enum([
            'Status',
            'Percent',
            'RubricCriterionLevel',
            'LetterGrade',
            'GradePointAverage',
            'RawScore',
          ]),
          allowedValue: z.array(text(200)).optional(),
          requiredValue: text(200).optional(),
          rubricCriterionLevel: z
            .array(
              z.object({
                name: text(200),
                description: text(2_000).optional(),
                level: text(100).optional(),
                points: text(50).optional(),
              }),
            )
            .optional(),
          valueMin: text(50).optional(),
          valueMax: text(50).optional(),
        }),
      )
      .max(50)
      .default([]),
    creditsAvailable: z.number().nonnegative().max(10_000).optional(),
    /** How long a credential stays valid after issuance; none: it does not expire. */
    validityDays: z.number().int().min(1).max(36_500).optional(),
    tags: z.array(text(100)).max(50).default([]),
    humanCode: text(100).optional(),
    fieldOfStudy: text(200).optional(),
    inLanguage: z
      .string()
      .regex(/^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{1,8})*$/)
      .optional(),
  })
  .strict();

export type AchievementDefinition = z.infer<typeof AchievementDefinition>;

/** The public URL of one version of an achievement: its OB `id`. */
export function achievementUrl(publicUrl: string, achievementId: string, version: number): string {
  return `${publicUrl}/achievements/${achievementId}/versions/${version}`;
}

/** One version of an achievement as the core builder's input (the credential's `credentialSubject.achievement`). */
export function achievementInput(
  publicUrl: string,
  achievementId: string,
  version: number,
  d: AchievementDefinition,
): AchievementInput {
  const id = achievementUrl(publicUrl, achievementId, version);
  return {
    id,
    name: d.name,
    description: d.description,
    criteria: d.criteria,
    achievementType: d.achievementType,
    version: String(version),
    ...(d.image && {
      image: {
        id: d.image.startsWith('data:')
          ? `${publicUrl}/achievements/${achievementId}/versions/${version}/image`
          : d.image,
      },
    }),
    ...(d.alignment.length > 0 && { alignment: d.alignment }),
    ...(d.resultDescription.length > 0 && {
      resultDescription: d.resultDescription.map(({ rubricCriterionLevel, ...r }, i) => ({
        id: `${id}#result-${i + 1}`,
        ...r,
        ...(rubricCriterionLevel && {
          rubricCriterionLevel: rubricCriterionLevel.map((l, j) => ({
            id: `${id}#result-${i + 1}-level-${j + 1}`,
            ...l,
          })),
        }),
      })),
    }),
    ...(d.creditsAvailable !== undefined && { creditsAvailable: d.creditsAvailable }),
    ...(d.tags.length > 0 && { tag: d.tags }),
    ...(d.humanCode && { humanCode: d.humanCode }),
    ...(d.fieldOfStudy && { fieldOfStudy: d.fieldOfStudy }),
    ...(d.inLanguage && { inLanguage: d.inLanguage }),
  };
}
