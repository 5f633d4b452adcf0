import { z } from '@hono/zod-openapi';
import type { Selectable } from 'kysely';
import type { FrameworkItemsTable } from '../../db/schema.js';
import type { FrameworkRow } from './visibility.js';

/**
 * A framework as the API answers it: one schema (the `Framework` component) for the browse and the authoring routes,
 * so that both describe a framework alike.
 */
export const FrameworkJson = z
  .object({
    id: z.uuid(),
    orgId: z.uuid().nullable().openapi({ description: 'Null: a global framework.' }),
    source: z.enum(['esco', 'onet', 'case', 'custom']),
    identifier: z.uuid().openapi({ description: 'The CASE CFDocument identifier.' }),
    uri: z.string(),
    version: z.string().nullable(),
    title: z.string(),
    creator: z.string(),
    publisher: z.string().nullable(),
    description: z.string().nullable(),
    language: z.string().nullable(),
    licenseUri: z.string().nullable(),
    attribution: z.string().nullable().openapi({ description: 'Show it wherever the content is shown.' }),
    adoptionStatus: z.string().nullable(),
    public: z.boolean(),
    lastChangeAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .openapi('Framework');

/**
 * A framework row as {@link FrameworkJson}.
 *
 * @example
 * ```ts
 * c.json({ frameworks: rows.map(frameworkJson) }, 200);
 * ```
 */
export function frameworkJson(f: FrameworkRow): z.infer<typeof FrameworkJson> {
  return {
    id: f.id,
    orgId: f.orgId,
    source: f.source,
    identifier: f.identifier,
    uri: f.uri,
    version: f.version,
    title: f.title,
    creator: f.creator,
    publisher: f.publisher,
    description: f.description,
    language: f.language,
    licenseUri: f.licenseUri,
    attribution: f.attribution,
    adoptionStatus: f.adoptionStatus,
    public: f.public,
    lastChangeAt: f.lastChangeAt.toISOString(),
    updatedAt: f.updatedAt.toISOString(),
  };
}

/**
 * The fields every answer about a framework item has. Its `uri` is not among them: the browse routes give a URI
 * always (the CFItem URL here when the item has none), the authoring routes the item's own, possibly null.
 */
export const frameworkItemFields = {
  id: z.uuid(),
  frameworkId: z.uuid(),
  identifier: z.string().openapi({ description: "The source's identifier (an ESCO URI, an O*NET element id, …)." }),
  caseIdentifier: z.uuid(),
  type: z.string(),
  code: z.string().nullable(),
  statement: z.string(),
  abbreviatedStatement: z.string().nullable(),
  altLabels: z.array(z.string()),
  description: z.string().nullable(),
  language: z.string().nullable(),
};

/**
 * An item row's {@link frameworkItemFields}.
 *
 * @example
 * ```ts
 * const json = { ...frameworkItemJson(row), uri: frameworkItemUrl(publicUrl, row) };
 * ```
 */
export function frameworkItemJson(i: Selectable<FrameworkItemsTable>) {
  return {
    id: i.id,
    frameworkId: i.frameworkId,
    identifier: i.identifier,
    caseIdentifier: i.caseIdentifier,
    type: i.type,
    code: i.code,
    statement: i.statement,
    abbreviatedStatement: i.abbreviatedStatement,
    altLabels: i.altLabels,
    description: i.description,
    language: i.language,
  };
}
