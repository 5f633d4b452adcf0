import { z, type OpenAPIHono, type RouteConfig } from '@hono/zod-openapi';
import { access } from '../../http/access.js';
import { auditedWrite, type AuditedResult, type WriteContext } from '../../http/audited-write.js';
import type { AppEnv } from '../../http/env.js';
import { route } from '../../http/route.js';
import { errorResponse, jsonBody, jsonResponse, OrgParams } from '../../http/schemas.js';
import {
  createAssociation,
  createCustomFramework,
  createItem,
  deleteAssociation,
  deleteFramework,
  deleteItem,
  lockEditableFramework,
  updateFramework,
  updateItem,
  type AssociationRow,
} from './authoring.js';
import type { ItemRow } from './browse.js';
import { FrameworkJson, frameworkItemFields, frameworkItemJson, frameworkJson } from './schemas.js';
import type { FrameworkRow } from './visibility.js';

const TAGS = ['Framework authoring'];
const WRITE = access.org('admin', 'frameworks:write');
const BASE = '/api/v1/orgs/{orgId}/frameworks';

const text = (max: number) => z.string().trim().min(1).max(max);
const nullableText = (max: number) => text(max).nullable().optional();
const absoluteUri = z
  .url({ protocol: /^https?$/ })
  .max(2048)
  .openapi({ description: 'An absolute http(s) URI.' });

const FrameworkFields = {
  title: text(500),
  version: nullableText(100),
  description: nullableText(10_000),
  creator: text(500).optional().openapi({ description: "Default: the organisation's name." }),
  publisher: nullableText(500),
  language: z
    .string()
    .regex(/^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$/, 'must be a BCP 47 language tag such as en or en-GB')
    .nullable()
    .optional(),
  licenseUri: absoluteUri.nullable().optional(),
  attribution: nullableText(2000),
  adoptionStatus: nullableText(100).openapi({ description: 'CASE adoption status: Draft (default), Adopted, …' }),
  public: z.boolean().optional().openapi({ description: 'Visible to everyone (default false: members only).' }),
};

const FrameworkCreate = z.strictObject(FrameworkFields);
const FrameworkPatchBody = z.strictObject({
  ...FrameworkFields,
  title: text(500).optional(),
  creator: text(500).optional(),
});

const ItemFields = {
  statement: text(10_000).openapi({ description: 'The CASE fullStatement.' }),
  type: text(100).optional().openapi({ description: 'The CFItemType: competency (default), skill, knowledge, …' }),
  code: nullableText(100).openapi({ description: 'The CASE humanCodingScheme.' }),
  abbreviatedStatement: nullableText(1000),
  altLabels: z.array(text(1000)).max(200).optional(),
  description: nullableText(20_000).openapi({ description: 'The CASE notes.' }),
  language: FrameworkFields.language,
  listEnumeration: nullableText(100),
  uri: absoluteUri.nullable().optional().openapi({ description: "The item's own URI; default: its CASE URL here." }),
};
const ItemCreate = z.strictObject(ItemFields);
const ItemPatchBody = z.strictObject({ ...ItemFields, statement: text(10_000).optional() });

const AssociationCreate = z.strictObject({
  type: z.string().openapi({
    description: 'A CASE 1.1 association type (isChildOf, isPartOf, precedes, exactMatchOf, …) or an extension ext:…',
    example: 'isChildOf',
  }),
  originItemId: z.uuid().openapi({ description: 'An item of this framework.' }),
  destinationItemId: z
    .uuid()
    .optional()
    .openapi({
      description:
        'An item of this framework, or of another framework you can see (ESCO, O*NET, …), which is then stored as ' +
        'a node elsewhere: by its URI, CASE identifier and statement.',
    }),
  destination: z
    .strictObject({ uri: absoluteUri, identifier: text(500).optional(), title: text(1000).optional() })
    .optional()
    .openapi({ description: 'A node outside this platform, by URI (instead of destinationItemId).' }),
  sequenceNumber: z.number().int().min(0).max(2_147_483_647).optional(),
});

/** The authoring routes answer a framework with its creation time too. */
const AuthoredFrameworkJson = FrameworkJson.extend({ createdAt: z.iso.datetime() });

const ItemJson = z.object({
  ...frameworkItemFields,
  uri: z.string().nullable().openapi({ description: "The item's own URI, if it has one." }),
  listEnumeration: z.string().nullable(),
  updatedAt: z.iso.datetime(),
});

const NodeJson = z.object({
  itemId: z.uuid().nullable().openapi({ description: 'Set when the end is an item of this framework.' }),
  identifier: z.string(),
  uri: z.string().nullable(),
  title: z.string().nullable(),
});

const AssociationJson = z.object({
  id: z.uuid(),
  frameworkId: z.uuid(),
  identifier: z.string(),
  caseIdentifier: z.uuid(),
  type: z.string(),
  origin: NodeJson,
  destination: NodeJson,
  sequenceNumber: z.number().int().nullable(),
  updatedAt: z.iso.datetime(),
});

const FrameworkParams = OrgParams.extend({ frameworkId: z.uuid() });
const ItemParams = FrameworkParams.extend({ itemId: z.uuid() });
const AssociationParams = FrameworkParams.extend({ associationId: z.uuid() });

const EDITABLE =
  "Only the organisation's own frameworks made here or imported from CASE can change: global ones (ESCO, O*NET) and " +
  "imported ESCO/O*NET releases answer 403, another organisation's 404.";
const writeErrors = {
  403: errorResponse('A viewer or issuer, or a framework that cannot be edited (`ERR_FORBIDDEN`).'),
  404: errorResponse('No such framework (item, association) in the organisation (`ERR_NOT_FOUND`).'),
};

/** An authoring route: admins and tokens with frameworks:write, under the one tag. */
const writeRoute = <const R extends Omit<RouteConfig, 'middleware' | 'tags'>>(config: R) =>
  route({ ...config, access: WRITE, tags: TAGS });

const createFrameworkRoute = writeRoute({
  method: 'post',
  path: BASE,
  summary: 'Create a framework of your own',
  description:
    'A custom competency framework, private to the organisation until `public` is set. It has a fresh CASE ' +
    'identifier and is served through the CASE API like an imported one.',
  request: { params: OrgParams, body: jsonBody(FrameworkCreate) },
  responses: { 201: jsonResponse('Created', z.object({ framework: AuthoredFrameworkJson })) },
});

const patchFrameworkRoute = writeRoute({
  method: 'patch',
  path: `${BASE}/{frameworkId}`,
  summary: "Change a framework's metadata, or publish it",
  description: `Title, description, version, public, adoption status, … ${EDITABLE}`,
  request: { params: FrameworkParams, body: jsonBody(FrameworkPatchBody) },
  responses: { 200: jsonResponse('The framework', z.object({ framework: AuthoredFrameworkJson })), ...writeErrors },
});

const deleteFrameworkRoute = writeRoute({
  method: 'delete',
  path: `${BASE}/{frameworkId}`,
  summary: 'Delete a framework',
  description: `With its items and associations; refused (409 \`ERR_IMPORT_IN_USE\`) while a job profile or an achievement uses one of its items. ${EDITABLE}`,
  request: { params: FrameworkParams },
  responses: {
    200: jsonResponse('The deleted framework', z.object({ framework: AuthoredFrameworkJson })),
    ...writeErrors,
    409: errorResponse('An item is in use (`ERR_IMPORT_IN_USE`).'),
  },
});

const createItemRoute = writeRoute({
  method: 'post',
  path: `${BASE}/{frameworkId}/items`,
  summary: 'Add an item (a competency, skill, …)',
  description: `Its identifier and CASE identifier are a fresh UUID. Place it with an isChildOf association. ${EDITABLE}`,
  request: { params: FrameworkParams, body: jsonBody(ItemCreate) },
  responses: { 201: jsonResponse('Created', z.object({ item: ItemJson })), ...writeErrors },
});

const patchItemRoute = writeRoute({
  method: 'patch',
  path: `${BASE}/{frameworkId}/items/{itemId}`,
  summary: 'Change an item',
  description: `Achievement versions keep the item as it read when they were saved. ${EDITABLE}`,
  request: { params: ItemParams, body: jsonBody(ItemPatchBody) },
  responses: { 200: jsonResponse('The item', z.object({ item: ItemJson })), ...writeErrors },
});

const deleteItemRoute = writeRoute({
  method: 'delete',
  path: `${BASE}/{frameworkId}/items/{itemId}`,
  summary: 'Delete an item',
  description:
    'With the associations it is an end of (its children become top-level); refused (409 `ERR_IMPORT_IN_USE`) while ' +
    `a job profile or an achievement uses it. ${EDITABLE}`,
  request: { params: ItemParams },
  responses: {
    200: jsonResponse('The deleted item', z.object({ item: ItemJson })),
    ...writeErrors,
    409: errorResponse('The item is in use (`ERR_IMPORT_IN_USE`).'),
  },
});

const createAssociationRoute = writeRoute({
  method: 'post',
  path: `${BASE}/{frameworkId}/associations`,
  summary: 'Associate an item with another (isChildOf, precedes, exactMatchOf, …)',
  description:
    'The checks an import makes: the type (`ERR_IMPORT_ASSOCIATION_TYPE`), the ends (`ERR_IMPORT_REFERENCE`), no second ' +
    'association of one type between the same ends (`ERR_IMPORT_DUPLICATE`), and no isChildOf cycle ' +
    `(\`ERR_IMPORT_CYCLE\`, naming the items on it); all 400, and nothing is written. ${EDITABLE}`,
  request: { params: FrameworkParams, body: jsonBody(AssociationCreate) },
  responses: {
    201: jsonResponse('Created', z.object({ association: AssociationJson })),
    400: errorResponse('The association is refused (`ERR_IMPORT_…`, `ERR_VALIDATION`).'),
    ...writeErrors,
  },
});

const deleteAssociationRoute = writeRoute({
  method: 'delete',
  path: `${BASE}/{frameworkId}/associations/{associationId}`,
  summary: 'Delete an association',
  description: EDITABLE,
  request: { params: AssociationParams },
  responses: {
    200: jsonResponse('The deleted association', z.object({ association: AssociationJson })),
    ...writeErrors,
  },
});

const authoredFrameworkJson = (f: FrameworkRow): z.infer<typeof AuthoredFrameworkJson> => ({
  ...frameworkJson(f),
  createdAt: f.createdAt.toISOString(),
});

const itemJson = (i: ItemRow): z.infer<typeof ItemJson> => ({
  ...frameworkItemJson(i),
  uri: i.uri,
  listEnumeration: i.listEnumeration,
  updatedAt: i.updatedAt.toISOString(),
});

function associationJson(a: AssociationRow): z.infer<typeof AssociationJson> {
  return {
    id: a.id,
    frameworkId: a.frameworkId,
    identifier: a.identifier,
    caseIdentifier: a.caseIdentifier,
    type: a.type,
    origin: { itemId: a.originItemId, identifier: a.originIdentifier, uri: a.originUri, title: a.originTitle },
    destination: {
      itemId: a.destinationItemId,
      identifier: a.destinationIdentifier,
      uri: a.destinationUri,
      title: a.destinationTitle,
    },
    sequenceNumber: a.sequenceNumber,
    updatedAt: a.updatedAt.toISOString(),
  };
}

/** An edit of one of the organisation's frameworks: the framework locked and checked editable, then audited. */
function editFramework<T>(
  c: Parameters<typeof auditedWrite>[0],
  frameworkId: string,
  edit: (framework: FrameworkRow, context: WriteContext) => Promise<AuditedResult<T>>,
): Promise<T> {
  return auditedWrite(c, async (context) =>
    edit(await lockEditableFramework(context.tx, context.orgId, frameworkId), context),
  );
}

/**
 * Authoring an organisation's own frameworks: create, change metadata (and publish), delete; add, change and delete
 * items; add and delete associations. Admins, tokens with frameworks:write. Each write runs in one transaction that
 * locks the framework row, applies the graph checks an import would, bumps the framework's updated_at (search
 * caches key on it) and writes the audit log.
 */
export function registerAuthoringRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(createFrameworkRoute, async (c) => {
    const framework = await auditedWrite(c, async ({ tx, orgId, now, deps }) => {
      const created = await createCustomFramework(tx, orgId, c.req.valid('json'), { now, publicUrl: deps.publicUrl });
      return {
        result: created,
        audit: {
          action: 'framework.create',
          targetType: 'framework',
          targetId: created.id,
          data: { title: created.title },
        },
      };
    });
    return c.json({ framework: authoredFrameworkJson(framework) }, 201);
  });

  app.openapi(patchFrameworkRoute, async (c) => {
    const { frameworkId } = c.req.valid('param');
    const framework = await editFramework(c, frameworkId, async (locked, { tx, now }) => {
      const { framework: updated, changed } = await updateFramework(tx, locked, c.req.valid('json'), now);
      return {
        result: updated,
        audit:
          changed.length > 0
            ? { action: 'framework.update', targetType: 'framework', targetId: frameworkId, data: { fields: changed } }
            : null,
      };
    });
    return c.json({ framework: authoredFrameworkJson(framework) }, 200);
  });

  app.openapi(deleteFrameworkRoute, async (c) => {
    const { frameworkId } = c.req.valid('param');
    const framework = await editFramework(c, frameworkId, async (locked, { tx }) => {
      const { items } = await deleteFramework(tx, locked);
      return {
        result: locked,
        audit: {
          action: 'framework.delete',
          targetType: 'framework',
          targetId: frameworkId,
          data: { title: locked.title, items },
        },
      };
    });
    return c.json({ framework: authoredFrameworkJson(framework) }, 200);
  });

  app.openapi(createItemRoute, async (c) => {
    const { frameworkId } = c.req.valid('param');
    const item = await editFramework(c, frameworkId, async (framework, { tx, now }) => {
      const created = await createItem(tx, framework, c.req.valid('json'), now);
      return {
        result: created,
        audit: {
          action: 'framework_item.create',
          targetType: 'framework_item',
          targetId: created.id,
          data: { frameworkId, statement: created.statement },
        },
      };
    });
    return c.json({ item: itemJson(item) }, 201);
  });

  app.openapi(patchItemRoute, async (c) => {
    const { frameworkId, itemId } = c.req.valid('param');
    const item = await editFramework(c, frameworkId, async (framework, { tx, now }) => {
      const { item: updated, changed } = await updateItem(tx, framework, itemId, c.req.valid('json'), now);
      return {
        result: updated,
        audit:
          changed.length > 0
            ? {
                action: 'framework_item.update',
                targetType: 'framework_item',
                targetId: itemId,
                data: { frameworkId, fields: changed },
              }
            : null,
      };
    });
    return c.json({ item: itemJson(item) }, 200);
  });

  app.openapi(deleteItemRoute, async (c) => {
    const { frameworkId, itemId } = c.req.valid('param');
    const item = await editFramework(c, frameworkId, async (framework, { tx, now }) => {
      const { item: deleted, associations } = await deleteItem(tx, framework, itemId, now);
      return {
        result: deleted,
        audit: {
          action: 'framework_item.delete',
          targetType: 'framework_item',
          targetId: itemId,
          data: { frameworkId, statement: deleted.statement, associations },
        },
      };
    });
    return c.json({ item: itemJson(item) }, 200);
  });

  app.openapi(createAssociationRoute, async (c) => {
    const { frameworkId } = c.req.valid('param');
    const association = await editFramework(c, frameworkId, async (framework, { tx, now, deps, principal }) => {
      const input = c.req.valid('json');
      const created = await createAssociation(tx, framework, input, { now, publicUrl: deps.publicUrl, principal });
      return {
        result: created,
        audit: {
          action: 'framework_association.create',
          targetType: 'framework_association',
          targetId: created.id,
          data: {
            frameworkId,
            type: created.type,
            origin: created.originIdentifier,
            destination: created.destinationIdentifier,
          },
        },
      };
    });
    return c.json({ association: associationJson(association) }, 201);
  });

  app.openapi(deleteAssociationRoute, async (c) => {
    const { frameworkId, associationId } = c.req.valid('param');
    const association = await editFramework(c, frameworkId, async (framework, { tx, now }) => {
      const deleted = await deleteAssociation(tx, framework, associationId, now);
      return {
        result: deleted,
        audit: {
          action: 'framework_association.delete',
          targetType: 'framework_association',
          targetId: associationId,
          data: { frameworkId, type: deleted.type },
        },
      };
    });
    return c.json({ association: associationJson(association) }, 200);
  });
}
