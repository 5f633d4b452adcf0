import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { access } from '../../http/access.js';
import type { AppEnv } from '../../http/env.js';
import { decodeCursor, encodeCursor, pageOf, PageQuery } from '../../http/pagination.js';
import { route } from '../../http/route.js';
import { jsonResponse } from '../../http/schemas.js';
import { listCatalogue, type CatalogueEntry, type CatalogueItem } from './catalogue.js';

/** A catalogue achievement as the listing and learning plans name it. */
export const CatalogueAchievementJson = z
  .object({
    id: z.uuid().openapi({ description: 'The achievement: what learning plans and award rules name.' }),
    url: z.string().openapi({ description: "The current version's public URL: its OB `id`." }),
    name: z.string(),
    org: z.object({ id: z.uuid(), slug: z.string(), name: z.string() }).openapi({ description: 'The issuer.' }),
    hours: z.number().nullable().openapi({ description: 'Study effort in hours (null: not stated).' }),
    price: z
      .object({ amount: z.number(), currency: z.string().openapi({ example: 'EUR' }) })
      .nullable()
      .openapi({ description: 'What earning it costs (null: not stated).' }),
  })
  .openapi('CatalogueAchievement');

/** A catalogue entry as the API shows it: absent cost figures are null. */
export function catalogueAchievementJson(entry: CatalogueEntry): z.infer<typeof CatalogueAchievementJson> {
  return {
    id: entry.id,
    url: entry.url,
    name: entry.name,
    org: entry.org,
    hours: entry.hours ?? null,
    price: entry.price ?? null,
  };
}

const CatalogueEntryJson = CatalogueAchievementJson.extend({
  description: z.string(),
  skills: z.array(
    z.object({
      url: z.string().openapi({ description: "The skill: its item's URI, or its CASE CFItem URL here." }),
      label: z.string(),
      level: z
        .number()
        .nullable()
        .openapi({ description: 'The level it requires, 0–1 on its scale (null: none; it covers any level).' }),
    }),
  ),
  prerequisites: z.array(z.uuid()).openapi({
    description:
      'Achievements its award rule requires (every one, not one of several ways): held or earned first. Some may ' +
      'not be in the catalogue.',
  }),
}).openapi('CatalogueEntry');

const listRoute = route({
  method: 'get',
  path: '/api/v1/catalogue',
  access: access.public('public'),
  summary: 'The learning catalogue',
  description:
    "Every organisation's published achievements (not archived) at their current version, newest published first, a " +
    'page at a time (pass `nextCursor` back as `cursor`): what learning plans choose from, with cost figures, the ' +
    'skills each certifies and the achievements it requires first.',
  tags: ['Guidance'],
  request: {
    query: z.object({
      skill: z.string().min(1).max(2048).optional().openapi({
        description: "Only achievements certifying this skill: an item's URI, or its CASE CFItem URL here.",
        example: 'http://data.europa.eu/esco/skill/598de5b0-5b58-4ea7-8058-a4bc4d18c742',
      }),
      q: z.string().trim().min(1).max(200).optional().openapi({ description: 'Name contains (case-insensitive).' }),
      org: z.string().min(1).max(100).optional().openapi({ description: "The issuer's slug." }),
      ...PageQuery.shape,
    }),
  },
  responses: {
    200: jsonResponse(
      'A page',
      z.object({ achievements: z.array(CatalogueEntryJson), nextCursor: z.string().nullable() }),
    ),
  },
});

function entryJson(item: CatalogueItem): z.infer<typeof CatalogueEntryJson> {
  return {
    ...catalogueAchievementJson(item.entry),
    description: item.description,
    skills: item.skills.map((s) => ({ url: s.url, label: s.label, level: s.level ?? null })),
    prerequisites: item.prerequisites,
  };
}

export function registerCatalogueRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(listRoute, async (c) => {
    const { db, publicUrl } = c.get('deps');
    const { skill, q, org, limit, cursor } = c.req.valid('query');
    const page = await listCatalogue(db, publicUrl, {
      ...(skill !== undefined && { skill }),
      ...(q !== undefined && { q }),
      ...(org !== undefined && { org }),
      limit: limit + 1,
      ...(cursor !== undefined && { after: decodeCursor(cursor) }),
    });
    const { rows, next } = pageOf(page, limit, (last) => encodeCursor(last.publishedAt, last.entry.id));
    return c.json({ achievements: rows.map(entryJson), nextCursor: next }, 200);
  });
}
