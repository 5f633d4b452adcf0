import { z, type OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Kysely } from 'kysely';
import { audit } from '../../audit.js';
import type { Database } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import { access } from '../../http/access.js';
import type { AppEnv } from '../../http/env.js';
import { route } from '../../http/route.js';
import { errorResponse, isUuid, jsonResponse, OrgParams } from '../../http/schemas.js';
import {
  associationQuery,
  CASE_BASE_PATH,
  cfAssociation,
  cfDocument,
  cfItem,
  cfPackageJson,
  packageAssociation,
} from './case-export.js';
import { CFAssociation, CFDocument, CFItem, CFPackage, CFPackageAssociation, ImsxStatusInfo } from './case-schemas.js';
import { importFramework } from './importer.js';
import { MAX_CASE_BYTES, readCase } from './sources/case.js';
import { frameworkReaderOrgIds, visibleFrameworks, type FrameworkRow } from './visibility.js';

const CASE_TAGS = ['CASE 1.1'];
const IMPORT_PATH = /^\/api\/v1\/orgs\/[^/]+\/frameworks\/import\/?$/;

/** The CASE import route, which has its own body limit ({@link MAX_CASE_BYTES}) instead of the app's. */
export const isFrameworkImport = (method: string, path: string): boolean => method === 'POST' && IMPORT_PATH.test(path);

const SourcedIdParams = z.object({
  sourcedId: z.string().openapi({ description: 'The CASE identifier (a UUID).', format: 'uuid' }),
});

const notFound = jsonResponse(
  'No such object among the frameworks you can see (`imsx_codeMinorFieldValue` `unknownobject`).',
  ImsxStatusInfo,
);

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;

const listDocuments = route({
  method: 'get',
  path: `${CASE_BASE_PATH}/CFDocuments`,
  access: access.public('reads'),
  summary: 'The CFDocuments of every framework you can see',
  description:
    'Global frameworks (ESCO, O*NET), public ones, and with a session or a `frameworks:read` token those of your ' +
    `organisations. \`limit\` (default ${DEFAULT_LIMIT}, at most ${MAX_LIMIT}) and \`offset\` page through them; ` +
    '`X-Total-Count` is how many there are.',
  tags: CASE_TAGS,
  request: {
    query: z.object({
      limit: z
        .string()
        .optional()
        .openapi({ description: `1 to ${MAX_LIMIT}; default ${DEFAULT_LIMIT}.` }),
      offset: z.string().optional().openapi({ description: 'Documents to skip; default 0.' }),
    }),
  },
  responses: {
    200: jsonResponse('The documents.', z.object({ CFDocuments: z.array(CFDocument) })),
    400: jsonResponse('`limit` or `offset` is not a number in range (`invaliddata`).', ImsxStatusInfo),
  },
});

const getDocument = route({
  method: 'get',
  path: `${CASE_BASE_PATH}/CFDocuments/{sourcedId}`,
  access: access.public('reads'),
  summary: 'A framework as a CASE CFDocument',
  tags: CASE_TAGS,
  request: { params: SourcedIdParams },
  responses: { 200: jsonResponse('The document.', CFDocument), 404: notFound },
});

const getPackage = route({
  method: 'get',
  path: `${CASE_BASE_PATH}/CFPackages/{sourcedId}`,
  access: access.public('reads'),
  summary: 'A whole framework as a CASE CFPackage',
  description:
    'The document, every item and association (and the CFDefinitions and CFRubrics a CASE source had), valid ' +
    'against the official CASE 1.1 CFPackage schema. Streamed: ESCO is about 30 MB.',
  tags: CASE_TAGS,
  request: { params: SourcedIdParams },
  responses: { 200: jsonResponse('The package.', CFPackage), 404: notFound },
});

const getItem = route({
  method: 'get',
  path: `${CASE_BASE_PATH}/CFItems/{sourcedId}`,
  access: access.public('reads'),
  summary: 'A framework item as a CASE CFItem',
  tags: CASE_TAGS,
  request: { params: SourcedIdParams },
  responses: { 200: jsonResponse('The item.', CFItem), 404: notFound },
});

const getAssociation = route({
  method: 'get',
  path: `${CASE_BASE_PATH}/CFAssociations/{sourcedId}`,
  access: access.public('reads'),
  summary: 'An association between framework items as a CASE CFAssociation',
  tags: CASE_TAGS,
  request: { params: SourcedIdParams },
  responses: { 200: jsonResponse('The association.', CFAssociation), 404: notFound },
});

const getItemAssociations = route({
  method: 'get',
  path: `${CASE_BASE_PATH}/CFItemAssociations/{sourcedId}`,
  access: access.public('reads'),
  summary: 'A CFItem and every association it is an end of',
  tags: CASE_TAGS,
  request: { params: SourcedIdParams },
  responses: {
    200: jsonResponse(
      'The item and its associations (as origin or destination), in its framework.',
      z.object({ CFItem, CFAssociations: z.array(CFPackageAssociation) }),
    ),
    404: notFound,
  },
});

const ImportResultSchema = z
  .object({
    frameworkId: z.uuid(),
    unchanged: z.boolean().openapi({ description: 'True when the import changed nothing (a re-import).' }),
    changes: z.object({ inserted: z.number().int(), updated: z.number().int(), deleted: z.number().int() }),
    counts: z.object({
      items: z.record(z.string(), z.number().int()).openapi({ description: 'Items by type.' }),
      associations: z.record(z.string(), z.number().int()).openapi({ description: 'Associations by type.' }),
    }),
    summary: z.record(z.string(), z.number().int()).openapi({ description: 'Items and associations in all.' }),
  })
  .openapi('FrameworkImportResult');

const importCase = route({
  method: 'post',
  path: '/api/v1/orgs/{orgId}/frameworks/import',
  access: access.org('admin', 'frameworks:write'),
  summary: "Import a CASE 1.1 CFPackage as one of the organisation's frameworks",
  description:
    `The body is the CFPackage JSON (\`application/json\`, UTF-8, at most ${MAX_CASE_BYTES / 1024 / 1024} MiB), ` +
    'checked against the official CASE 1.1 schema. The framework is found by its CFDocument identifier: importing ' +
    'it again updates it in place (items and associations keep their ids; those no longer in the package are ' +
    'removed) and an identical package changes nothing. It stays private to the organisation until published. ' +
    'Refusals leave everything as it was: `ERR_IMPORT_JSON` (with line and column), `ERR_IMPORT_SCHEMA` (with the ' +
    'JSON paths), `ERR_IMPORT_ASSOCIATION_TYPE` and `ERR_IMPORT_DUPLICATE` (naming the identifier), ' +
    '`ERR_IMPORT_CYCLE` (isChildOf cycles), `ERR_IMPORT_ENCODING`; `ERR_IMPORT_IN_USE` (409) when an item a job ' +
    'profile or achievement uses would be removed.',
  tags: ['Frameworks'],
  request: {
    params: OrgParams,
    body: {
      required: true,
      content: { 'application/json': { schema: { type: 'object', description: 'A CASE 1.1 CFPackage.' } } },
    },
  },
  responses: {
    200: jsonResponse('What the import did, and what the framework holds now.', ImportResultSchema),
    400: errorResponse('The package was refused (`ERR_IMPORT_…`, with where and which identifier).'),
    409: errorResponse('An item in use by a job profile or achievement would be removed (`ERR_IMPORT_IN_USE`).'),
    413: errorResponse('The package is too large (`ERR_INPUT_TOO_LARGE`).'),
    415: errorResponse('The body is not JSON (`ERR_UNSUPPORTED_MEDIA_TYPE`).'),
  },
});

/** CASE's answer for an unknown or invisible object (imsx_StatusInfo, codeMinor `unknownobject`). */
function imsx(description: string, codeMinor: 'unknownobject' | 'invaliddata', field = 'sourcedId'): ImsxStatusInfo {
  return {
    imsx_codeMajor: 'failure',
    imsx_severity: 'error',
    imsx_description: description,
    imsx_CodeMinor: {
      imsx_codeMinorField: [{ imsx_codeMinorFieldName: field, imsx_codeMinorFieldValue: codeMinor }],
    },
  };
}

const unknownObject = (kind: string, sourcedId: string) =>
  imsx(`No ${kind} with the identifier ${sourcedId} among the frameworks you can see.`, 'unknownobject');

/**
 * Which of several visible frameworks with one CASE identifier answers (one package imported by two organisations,
 * say): the caller's own organisations' first, then global ones, then other public ones, oldest first.
 */
function preferred<T extends { framework: FrameworkRow }>(rows: T[], orgIds: readonly string[]): T | undefined {
  const rank = (f: FrameworkRow) => (f.orgId !== null && orgIds.includes(f.orgId) ? 0 : f.orgId === null ? 1 : 2);
  return rows
    .filter(({ framework: f }) => f.orgId === null || f.public || orgIds.includes(f.orgId))
    .sort(
      (a, b) =>
        rank(a.framework) - rank(b.framework) ||
        a.framework.createdAt.getTime() - b.framework.createdAt.getTime() ||
        a.framework.id.localeCompare(b.framework.id),
    )[0];
}

async function frameworksById(db: Kysely<Database>, ids: readonly string[]): Promise<Map<string, FrameworkRow>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom('frameworks')
    .selectAll()
    .where('id', 'in', [...new Set(ids)])
    .execute();
  return new Map(rows.map((f) => [f.id, f]));
}

async function readerOrgIds(c: Context<AppEnv>): Promise<string[]> {
  return frameworkReaderOrgIds(c.get('deps'), c.get('principal'));
}

async function findDocument(c: Context<AppEnv>, sourcedId: string): Promise<FrameworkRow | undefined> {
  if (!isUuid(sourcedId)) return undefined;
  const rows = await c
    .get('deps')
    .db.selectFrom('frameworks')
    .selectAll()
    .where('identifier', '=', sourcedId.toLowerCase())
    .execute();
  return preferred(
    rows.map((framework) => ({ framework })),
    await readerOrgIds(c),
  )?.framework;
}

async function findItem(c: Context<AppEnv>, sourcedId: string) {
  if (!isUuid(sourcedId)) return undefined;
  const db = c.get('deps').db;
  const rows = await db
    .selectFrom('frameworkItems')
    .selectAll()
    .where('caseIdentifier', '=', sourcedId.toLowerCase())
    .execute();
  const frameworks = await frameworksById(
    db,
    rows.map((r) => r.frameworkId),
  );
  return preferred(
    rows.map((item) => ({ item, framework: frameworks.get(item.frameworkId)! })),
    await readerOrgIds(c),
  );
}

/** The CASE 1.1 read endpoints under /ims/case/v1p1 and the CASE import of an organisation's framework. */
export function registerCaseRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(listDocuments, async (c) => {
    const deps = c.get('deps');
    const query = c.req.valid('query');
    const limit = parseCount(query.limit, DEFAULT_LIMIT);
    const offset = parseCount(query.offset, 0);
    if (limit === undefined || limit < 1 || limit > MAX_LIMIT) {
      return c.json(imsx(`limit must be a whole number from 1 to ${MAX_LIMIT}.`, 'invaliddata', 'limit'), 400);
    }
    if (offset === undefined) return c.json(imsx('offset must be a whole number.', 'invaliddata', 'offset'), 400);
    const frameworks = await visibleFrameworks(deps, c.get('principal'));
    c.header('X-Total-Count', String(frameworks.length));
    return c.json(
      { CFDocuments: frameworks.slice(offset, offset + limit).map((f) => cfDocument(f, deps.publicUrl)) },
      200,
    );
  });

  app.openapi(getDocument, async (c) => {
    const { sourcedId } = c.req.valid('param');
    const framework = await findDocument(c, sourcedId);
    if (!framework) return c.json(unknownObject('CFDocument', sourcedId), 404);
    return c.json(cfDocument(framework, c.get('deps').publicUrl), 200);
  });

  app.openapi(getPackage, async (c) => {
    const deps = c.get('deps');
    const { sourcedId } = c.req.valid('param');
    const framework = await findDocument(c, sourcedId);
    if (!framework) return c.json(unknownObject('CFPackage', sourcedId), 404);
    const chunks = cfPackageJson(deps.db, framework, deps.publicUrl);
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const next = await chunks.next();
          if (next.done) controller.close();
          else controller.enqueue(encoder.encode(next.value));
        } catch (err) {
          deps.logger.error({ err, frameworkId: framework.id }, 'CFPackage export failed');
          controller.error(err);
        }
      },
      async cancel() {
        await chunks.return(undefined);
      },
    });
    // The JSON text is streamed, not built as an object for c.json: the route's typed answer cannot say so.
    const streamed = new Response(body, { headers: { 'content-type': 'application/json; charset=utf-8' } });
    return streamed as never;
  });

  app.openapi(getItem, async (c) => {
    const { sourcedId } = c.req.valid('param');
    const found = await findItem(c, sourcedId);
    if (!found) return c.json(unknownObject('CFItem', sourcedId), 404);
    return c.json(cfItem(found.item, found.framework, c.get('deps').publicUrl), 200);
  });

  app.openapi(getAssociation, async (c) => {
    const deps = c.get('deps');
    const { sourcedId } = c.req.valid('param');
    if (!isUuid(sourcedId)) return c.json(unknownObject('CFAssociation', sourcedId), 404);
    const rows = await associationQuery(deps.db).where('a.caseIdentifier', '=', sourcedId.toLowerCase()).execute();
    const frameworks = await frameworksById(
      deps.db,
      rows.map((r) => r.frameworkId),
    );
    const found = preferred(
      rows.map((row) => ({ row, framework: frameworks.get(row.frameworkId)! })),
      await readerOrgIds(c),
    );
    if (!found) return c.json(unknownObject('CFAssociation', sourcedId), 404);
    return c.json(cfAssociation(found.row, found.framework, deps.publicUrl), 200);
  });

  app.openapi(getItemAssociations, async (c) => {
    const deps = c.get('deps');
    const { sourcedId } = c.req.valid('param');
    const found = await findItem(c, sourcedId);
    if (!found) return c.json(unknownObject('CFItem', sourcedId), 404);
    const { item, framework } = found;
    const rows = await associationQuery(deps.db)
      .where('a.frameworkId', '=', framework.id)
      .where((eb) => eb.or([eb('a.originItemId', '=', item.id), eb('a.destinationItemId', '=', item.id)]))
      .orderBy('a.sequenceNumber')
      .orderBy('a.id')
      .execute();
    return c.json(
      {
        CFItem: cfItem(item, framework, deps.publicUrl),
        CFAssociations: rows.map((r) => packageAssociation(r, framework, deps.publicUrl)),
      },
      200,
    );
  });

  app.openapi(importCase, async (c) => {
    const deps = c.get('deps');
    const orgId = c.get('org')!.id;
    const type = c.req.header('content-type') ?? '';
    if (!/^application\/(?:[\w.-]+\+)?json\s*(?:;|$)/i.test(type)) {
      throw new AppError('ERR_UNSUPPORTED_MEDIA_TYPE', 'Send the CFPackage as application/json.');
    }
    const charset = /;\s*charset="?([^";\s]+)/i.exec(type)?.[1];
    if (charset && !/^utf-?8$/i.test(charset)) {
      throw new AppError('ERR_UNSUPPORTED_MEDIA_TYPE', `The CFPackage is sent as ${charset}; send it as UTF-8.`);
    }
    const source = await readCase(new Uint8Array(await c.req.arrayBuffer()));
    const now = deps.clock();
    const result = await importFramework(deps.db, source, {
      orgId,
      now,
      beforeCommit: (tx, result) =>
        audit(tx, c.get('principal')!, now, {
          orgId,
          action: 'framework.import',
          targetType: 'framework',
          targetId: result.frameworkId,
          data: {
            source: 'case',
            identifier: source.meta.identifier,
            title: source.meta.title,
            unchanged: result.unchanged,
            changes: result.changes,
          },
        }),
    });
    return c.json(result, 200);
  });
}

/** A whole number from a query parameter; `fallback` when absent, undefined when malformed. */
function parseCount(value: string | undefined, fallback: number): number | undefined {
  if (value === undefined || value === '') return fallback;
  return /^\d{1,9}$/.test(value) ? Number(value) : undefined;
}
