import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { AppError } from '../../errors.js';
import { access } from '../../http/access.js';
import type { AppEnv } from '../../http/env.js';
import { encodeIdCursor, pageOf } from '../../http/pagination.js';
import { route } from '../../http/route.js';
import { errorResponse, jsonResponse } from '../../http/schemas.js';
import {
  DETAIL_LIMITS,
  findChildIds,
  findItemNeighbourhood,
  findItemsByIds,
  findOccupationNeighbourhood,
  findOccupationsByIds,
  getFrameworkItem,
  getVisibleOccupation,
  listFrameworkItems,
  listOccupations,
  type ItemRow,
  type OccupationRow,
} from './browse.js';
import { countFramework } from './importer.js';
import { FrameworkJson, frameworkItemFields, frameworkItemJson, frameworkJson } from './schemas.js';
import { searchFrameworks, searchIndexCacheFor } from './search.js';
import { frameworkItemUrl } from './skill-references.js';
import { assertFrameworkVisible, frameworkReaderOrgIds, visibleFrameworks, type FrameworkRow } from './visibility.js';

const TAGS = ['Frameworks'];
const READS = access.public('reads');
const VISIBILITY =
  'Global frameworks (ESCO, O*NET), public ones, and — with a session, or a token with `frameworks:read` — those of ' +
  'your organisations. Any other framework answers 404, as if it did not exist.';

// --- schemas

const FrameworkRef = z
  .object({
    id: z.uuid(),
    title: z.string(),
    version: z.string().nullable(),
    attribution: z.string().nullable().openapi({ description: 'Show it wherever the content is shown.' }),
  })
  .openapi('FrameworkRef');

const CountsJson = z
  .object({
    items: z.record(z.string(), z.number().int()).openapi({ description: 'Items by type.' }),
    associations: z.record(z.string(), z.number().int()).openapi({ description: 'Associations by type.' }),
    occupations: z.object({ occupation: z.number().int(), group: z.number().int() }),
    occupationSkills: z.number().int(),
    occupationRelations: z.object({ broader: z.number().int(), related: z.number().int() }),
  })
  .openapi('FrameworkCounts');

const ItemRefJson = z
  .object({
    id: z.uuid(),
    statement: z.string(),
    type: z.string(),
    code: z.string().nullable(),
    uri: z.string().openapi({ description: "The item's URI, or its CASE CFItem URL on this server." }),
  })
  .openapi('FrameworkItemRef');

const MatchJson = z
  .object({
    field: z.enum(['label', 'altLabel', 'description']),
    text: z.string().optional().openapi({ description: 'The label that matched best.' }),
    exact: z.boolean().openapi({ description: 'The query equals this label (case, accents and punctuation aside).' }),
  })
  .openapi('SearchMatch');

const ItemJson = z
  .object({
    ...frameworkItemFields,
    uri: z.string().openapi({ description: "The item's URI, or its CASE CFItem URL on this server." }),
    score: z.number().optional().openapi({ description: 'With `q`: the relevance (higher is better).' }),
    match: MatchJson.optional(),
  })
  .openapi('FrameworkItem');

const NodeJson = z.object({
  item: ItemRefJson.nullable().openapi({ description: 'Set when the other end is an item of a framework here.' }),
  identifier: z.string(),
  uri: z.string().nullable(),
  title: z.string().nullable(),
});

const OccupationRefJson = z
  .object({
    id: z.uuid(),
    frameworkId: z.uuid(),
    kind: z.enum(['occupation', 'group']),
    code: z.string().nullable(),
    title: z.string(),
    uri: z.string().nullable(),
  })
  .openapi('OccupationRef');

const ItemDetailJson = z
  .object({
    item: ItemJson,
    framework: FrameworkRef,
    parents: z.array(ItemRefJson),
    children: z.array(ItemRefJson).openapi({ description: `At most ${DETAIL_LIMITS.children}.` }),
    childCount: z.number().int(),
    associations: z
      .array(
        z.object({
          id: z.uuid(),
          type: z.string(),
          direction: z.enum(['outgoing', 'incoming']).openapi({
            description: '`outgoing`: the item is the origin ("needs", "precedes", … the node).',
          }),
          node: NodeJson,
          sequenceNumber: z.number().int().nullable(),
        }),
      )
      .openapi({ description: `Associations other than isChildOf, both ways; at most ${DETAIL_LIMITS.associations}.` }),
    associationCount: z.number().int(),
    occupations: z
      .array(
        z.object({
          occupation: OccupationRefJson,
          relation: z.enum(['essential', 'optional']).nullable(),
          importance: z.number().nullable(),
          level: z.number().nullable(),
          weight: z.number(),
        }),
      )
      .openapi({
        description: `The occupations that need the item most (by weight); at most ${DETAIL_LIMITS.occupations}.`,
      }),
    occupationCount: z.number().int(),
  })
  .openapi('FrameworkItemDetail');

const SearchHitJson = z
  .object({
    item: z.object({
      id: z.uuid(),
      statement: z.string(),
      type: z.string(),
      code: z.string().nullable(),
      uri: z.string().openapi({ description: "The item's URI, or its CASE CFItem URL on this server." }),
      altLabels: z.array(z.string()),
    }),
    framework: FrameworkRef,
    score: z.number(),
    match: MatchJson,
  })
  .openapi('SkillSearchHit');

const OccupationJson = z
  .object({
    id: z.uuid(),
    frameworkId: z.uuid(),
    identifier: z.string(),
    kind: z.enum(['occupation', 'group']).openapi({ description: '`group`: a level of a classification (ISCO-08).' }),
    code: z.string().nullable(),
    title: z.string(),
    altLabels: z.array(z.string()),
    description: z.string().nullable(),
    uri: z.string().nullable(),
    jobZone: z.number().int().nullable(),
    framework: FrameworkRef,
    score: z.number().optional().openapi({ description: 'With `q`: the relevance (higher is better).' }),
    match: MatchJson.optional(),
  })
  .openapi('Occupation');

const OccupationDetailJson = z
  .object({
    occupation: OccupationJson,
    skills: z.array(
      z.object({
        item: ItemRefJson.extend({ frameworkId: z.uuid() }),
        relation: z.enum(['essential', 'optional']).nullable().openapi({ description: 'ESCO.' }),
        importance: z.number().nullable().openapi({ description: 'O*NET importance (1–5).' }),
        level: z.number().nullable().openapi({ description: 'O*NET level (0–7).' }),
        weight: z.number().openapi({ description: '0–1, comparable across sources.' }),
      }),
    ),
    broader: z.array(OccupationRefJson),
    narrower: z.array(OccupationRefJson),
    related: z.array(OccupationRefJson.extend({ rank: z.number().int().nullable(), tier: z.string().nullable() })),
  })
  .openapi('OccupationDetail');

// --- parameters

const Query = z.string().trim().min(1).max(200);
const oneOrMany = <T extends z.ZodType>(schema: T, max: number) => z.union([schema, z.array(schema).max(max)]);
const asList = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];
const Limit = (max: number, fallback: number) => z.coerce.number().int().min(1).max(max).default(fallback);
const Cursor = z.string().max(200).optional();
const FrameworkParams = z.object({ frameworkId: z.uuid() });
const ItemParams = FrameworkParams.extend({ itemId: z.uuid() });

// --- routes

const listFrameworksRoute = route({
  method: 'get',
  path: '/api/v1/frameworks',
  access: READS,
  summary: 'Frameworks you can see',
  description: `${VISIBILITY} Global ones first, then by title.`,
  tags: TAGS,
  responses: { 200: jsonResponse('The frameworks', z.object({ frameworks: z.array(FrameworkJson) })) },
});

const getFrameworkRoute = route({
  method: 'get',
  path: '/api/v1/frameworks/{frameworkId}',
  access: READS,
  summary: 'A framework, with what it holds',
  description: VISIBILITY,
  tags: TAGS,
  request: { params: FrameworkParams },
  responses: {
    200: jsonResponse('The framework and its counts', z.object({ framework: FrameworkJson, counts: CountsJson })),
    404: errorResponse('No such framework that you can see.'),
  },
});

const listItemsRoute = route({
  method: 'get',
  path: '/api/v1/frameworks/{frameworkId}/items',
  access: READS,
  summary: "A framework's items: searched, or listed",
  description:
    'With `q`: the best `limit` matches, ranked (typos and an unfinished last word allowed), no further pages. ' +
    'Without: by statement, a page at a time (pass `nextCursor` back as `cursor`). `type` and `parent` (an item id, ' +
    `or \`root\` for items without a parent) filter both. ${VISIBILITY}`,
  tags: TAGS,
  request: {
    params: FrameworkParams,
    query: z.object({
      q: Query.optional(),
      type: z.string().max(100).optional().openapi({ description: 'skill, knowledge, skill-group, competency, …' }),
      parent: z
        .union([z.uuid(), z.literal('root')])
        .optional()
        .openapi({ description: 'Children of this item (isChildOf), or `root`.' }),
      cursor: Cursor,
      limit: Limit(100, 50),
    }),
  },
  responses: {
    200: jsonResponse(
      'Items',
      z.object({ items: z.array(ItemJson), nextCursor: z.string().nullable(), framework: FrameworkRef }),
    ),
    404: errorResponse('No such framework (or parent item) that you can see.'),
  },
});

const getItemRoute = route({
  method: 'get',
  path: '/api/v1/frameworks/{frameworkId}/items/{itemId}',
  access: READS,
  summary: 'An item with its parents, children, associations and the occupations needing it',
  description: VISIBILITY,
  tags: TAGS,
  request: { params: ItemParams },
  responses: {
    200: jsonResponse('The item', ItemDetailJson),
    404: errorResponse('No such framework or item that you can see.'),
  },
});

const searchSkillsRoute = route({
  method: 'get',
  path: '/api/v1/skills/search',
  access: READS,
  summary: 'Search skills across frameworks',
  description:
    'Ranked matches of `q` against preferred labels, alternative labels and descriptions (in falling weight), ' +
    'tolerant of typos and of an unfinished last word. `framework` (repeatable) limits the search to those ' +
    `frameworks, \`type\` (repeatable) to those item types. ${VISIBILITY}`,
  tags: TAGS,
  request: {
    query: z.object({
      q: Query,
      framework: oneOrMany(z.uuid(), 20).optional(),
      type: oneOrMany(z.string().min(1).max(100), 20).optional(),
      limit: Limit(50, 20),
    }),
  },
  responses: {
    200: jsonResponse('Best first', z.object({ results: z.array(SearchHitJson) })),
    404: errorResponse('A framework named in `framework` does not exist or you cannot see it.'),
  },
});

const listOccupationsRoute = route({
  method: 'get',
  path: '/api/v1/occupations',
  access: READS,
  summary: 'Search or list occupations',
  description:
    'With `q`: the best `limit` matches against titles, alternative titles and descriptions, ranked. Without: by ' +
    `title, a page at a time. \`framework\` (repeatable) and \`kind\` filter both. ${VISIBILITY}`,
  tags: TAGS,
  request: {
    query: z.object({
      q: Query.optional(),
      framework: oneOrMany(z.uuid(), 20).optional(),
      kind: z.enum(['occupation', 'group']).optional(),
      cursor: Cursor,
      limit: Limit(100, 20),
    }),
  },
  responses: {
    200: jsonResponse(
      'Occupations',
      z.object({ occupations: z.array(OccupationJson), nextCursor: z.string().nullable() }),
    ),
    404: errorResponse('A framework named in `framework` does not exist or you cannot see it.'),
  },
});

const getOccupationRoute = route({
  method: 'get',
  path: '/api/v1/occupations/{occupationId}',
  access: READS,
  summary: 'An occupation with its skills (most important first) and related occupations',
  description: VISIBILITY,
  tags: TAGS,
  request: { params: z.object({ occupationId: z.uuid() }) },
  responses: {
    200: jsonResponse('The occupation', OccupationDetailJson),
    404: errorResponse('No such occupation that you can see.'),
  },
});

// --- JSON

const frameworkRef = (f: FrameworkRow) => ({
  id: f.id,
  title: f.title,
  version: f.version,
  attribution: f.attribution,
});

const itemJson = (publicUrl: string, i: ItemRow): z.infer<typeof ItemJson> => ({
  ...frameworkItemJson(i),
  uri: frameworkItemUrl(publicUrl, i),
});

const itemRefJson = (
  publicUrl: string,
  i: { id: string; statement: string; type: string; code: string | null; uri: string | null; caseIdentifier: string },
) => ({ id: i.id, statement: i.statement, type: i.type, code: i.code, uri: frameworkItemUrl(publicUrl, i) });

function occupationJson(o: OccupationRow, framework: FrameworkRow): z.infer<typeof OccupationJson> {
  return {
    id: o.id,
    frameworkId: o.frameworkId,
    identifier: o.identifier,
    kind: o.kind,
    code: o.code,
    title: o.title,
    altLabels: o.altLabels,
    description: o.description,
    uri: o.uri,
    jobZone: o.jobZone,
    framework: frameworkRef(framework),
  };
}

/**
 * The frameworks a search covers: the ones named (each must be visible: 404 otherwise, naming it), or every visible
 * one.
 */
async function searchedFrameworks(visible: readonly FrameworkRow[], named: readonly string[]): Promise<FrameworkRow[]> {
  if (named.length === 0) return [...visible];
  const byId = new Map(visible.map((f) => [f.id, f]));
  return [...new Set(named)].map((id) => {
    const framework = byId.get(id);
    if (!framework)
      throw new AppError('ERR_NOT_FOUND', `framework: no framework ${id} that you can see.`, { path: 'framework' });
    return framework;
  });
}

/**
 * Browsing and searching frameworks and occupations: `/api/v1/frameworks…`, `/api/v1/skills/search`,
 * `/api/v1/occupations…`. Public (the `reads` rate limit), with visibility widened by the caller's memberships.
 *
 * @example
 * ```ts
 * registerBrowseRoutes(app);
 * ```
 */
export function registerBrowseRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(listFrameworksRoute, async (c) => {
    const frameworks = await visibleFrameworks(c.get('deps'), c.get('principal'));
    return c.json({ frameworks: frameworks.map(frameworkJson) }, 200);
  });

  app.openapi(getFrameworkRoute, async (c) => {
    const deps = c.get('deps');
    const framework = await assertFrameworkVisible(deps, c.get('principal'), c.req.valid('param').frameworkId);
    const { items, associations, occupations, occupationSkills, occupationRelations } = await countFramework(
      deps.db,
      framework.id,
    );
    return c.json(
      {
        framework: frameworkJson(framework),
        counts: { items, associations, occupations, occupationSkills, occupationRelations },
      },
      200,
    );
  });

  app.openapi(listItemsRoute, async (c) => {
    const deps = c.get('deps');
    const framework = await assertFrameworkVisible(deps, c.get('principal'), c.req.valid('param').frameworkId);
    const { q, type, parent, cursor, limit } = c.req.valid('query');
    if (parent && parent !== 'root') await getFrameworkItem(deps.db, framework.id, parent);
    if (q !== undefined) {
      if (cursor) {
        throw new AppError('ERR_VALIDATION', 'cursor: ranked search results come in one page; drop the cursor.', {
          path: 'cursor',
        });
      }
      const index = await searchIndexCacheFor(deps.db).items(framework);
      const children = parent ? await findChildIds(deps.db, framework.id, parent) : undefined;
      const hits = index.search(q, {
        limit,
        ...(type && { types: [type] }),
        ...(children && { filter: (doc) => children.has(doc.id) }),
      });
      const rows = await findItemsByIds(
        deps.db,
        hits.map((h) => h.id),
      );
      const byId = new Map(hits.map((h) => [h.id, h]));
      const items = rows.map((row) => {
        const hit = byId.get(row.id)!;
        return { ...itemJson(deps.publicUrl, row), score: hit.score, match: hit.match };
      });
      return c.json({ items, nextCursor: null, framework: frameworkRef(framework) }, 200);
    }
    const rows = await listFrameworkItems(deps.db, framework.id, { type, parent, cursor, limit });
    const page = pageOf(rows, limit, (last) => encodeIdCursor(last.id));
    return c.json(
      {
        items: page.rows.map((row) => itemJson(deps.publicUrl, row)),
        nextCursor: page.next,
        framework: frameworkRef(framework),
      },
      200,
    );
  });

  app.openapi(getItemRoute, async (c) => {
    const deps = c.get('deps');
    const principal = c.get('principal');
    const { frameworkId, itemId } = c.req.valid('param');
    const framework = await assertFrameworkVisible(deps, principal, frameworkId);
    const item = await getFrameworkItem(deps.db, framework.id, itemId);
    const around = await findItemNeighbourhood(deps.db, item.id, await frameworkReaderOrgIds(deps, principal));
    const ref = (i: Parameters<typeof itemRefJson>[1]) => itemRefJson(deps.publicUrl, i);
    return c.json(
      {
        item: itemJson(deps.publicUrl, item),
        framework: frameworkRef(framework),
        parents: around.parents.map(ref),
        children: around.children.map(ref),
        childCount: around.childCount,
        associations: around.associations.map((a) => ({
          ...a,
          node: { ...a.node, item: a.node.item && ref(a.node.item) },
        })),
        associationCount: around.associationCount,
        occupations: around.occupations,
        occupationCount: around.occupationCount,
      },
      200,
    );
  });

  app.openapi(searchSkillsRoute, async (c) => {
    const deps = c.get('deps');
    const { q, framework, type, limit } = c.req.valid('query');
    const frameworks = await searchedFrameworks(await visibleFrameworks(deps, c.get('principal')), asList(framework));
    const cache = searchIndexCacheFor(deps.db);
    const types = asList(type);
    const hits = await searchFrameworks(frameworks, (f) => cache.items(f), q, {
      limit,
      ...(types.length > 0 && { types }),
    });
    const results = hits.map((hit) => ({
      item: {
        id: hit.doc.id,
        statement: hit.doc.label,
        type: hit.doc.type,
        code: hit.doc.code,
        uri: frameworkItemUrl(deps.publicUrl, hit.doc),
        altLabels: hit.doc.altLabels,
      },
      framework: frameworkRef(hit.framework),
      score: hit.score,
      match: hit.match,
    }));
    return c.json({ results }, 200);
  });

  app.openapi(listOccupationsRoute, async (c) => {
    const deps = c.get('deps');
    const { q, framework, kind, cursor, limit } = c.req.valid('query');
    const frameworks = await searchedFrameworks(await visibleFrameworks(deps, c.get('principal')), asList(framework));
    const byId = new Map(frameworks.map((f) => [f.id, f]));
    if (q !== undefined) {
      if (cursor) {
        throw new AppError('ERR_VALIDATION', 'cursor: ranked search results come in one page; drop the cursor.', {
          path: 'cursor',
        });
      }
      const cache = searchIndexCacheFor(deps.db);
      const hits = await searchFrameworks(frameworks, (f) => cache.occupations(f), q, {
        limit,
        ...(kind && { types: [kind] }),
      });
      const rows = await findOccupationsByIds(
        deps.db,
        hits.map((h) => h.id),
      );
      const hitById = new Map(hits.map((h) => [h.id, h]));
      const occupations = rows.map((row) => {
        const hit = hitById.get(row.id)!;
        return { ...occupationJson(row, byId.get(row.frameworkId)!), score: hit.score, match: hit.match };
      });
      return c.json({ occupations, nextCursor: null }, 200);
    }
    const rows = await listOccupations(deps.db, [...byId.keys()], { kind, cursor, limit });
    const page = pageOf(rows, limit, (last) => encodeIdCursor(last.id));
    return c.json(
      { occupations: page.rows.map((row) => occupationJson(row, byId.get(row.frameworkId)!)), nextCursor: page.next },
      200,
    );
  });

  app.openapi(getOccupationRoute, async (c) => {
    const deps = c.get('deps');
    const principal = c.get('principal');
    const occupation = await getVisibleOccupation(
      deps.db,
      c.req.valid('param').occupationId,
      await frameworkReaderOrgIds(deps, principal),
    );
    const framework = await assertFrameworkVisible(deps, principal, occupation.frameworkId);
    const around = await findOccupationNeighbourhood(deps.db, occupation.id);
    return c.json(
      {
        occupation: occupationJson(occupation, framework),
        skills: around.skills.map((s) => ({
          ...s,
          item: { ...itemRefJson(deps.publicUrl, s.item), frameworkId: s.item.frameworkId },
        })),
        broader: around.broader,
        narrower: around.narrower,
        related: around.related,
      },
      200,
    );
  });
}
