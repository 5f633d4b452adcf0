import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import type { Kysely } from 'kysely';
import type { Database, FrameworkSourceKind } from '../../src/db/schema.js';
import { importFramework } from '../../src/domains/frameworks/importer.js';
import { readEsco } from '../../src/domains/frameworks/sources/esco.js';

/**
 * Frameworks made straight in the database, for suites that need a few items, occupations or scales without running
 * an importer (and without depending on the shipped data). Every id is fresh, so suites sharing a database keep apart.
 */

export interface TestItemSpec {
  /** What the test calls the item; also the end of its identifier. */
  key: string;
  statement: string;
  type?: string;
  code?: string;
  description?: string;
  /** The item's own URI; `null`: none (its CASE URL on the server stands for it). Default: an example.org URI. */
  uri?: string | null;
  altLabels?: string[];
}

export interface TestOccupationSpec {
  key: string;
  title: string;
  code?: string;
  /** The occupation's skills by item key, in the order given. */
  skills: {
    item: string;
    weight: number;
    relation?: 'essential' | 'optional';
    importance?: number;
    level?: number;
  }[];
}

export interface TestFrameworkSpec {
  /** Null or absent: a global framework. */
  orgId?: string | null;
  public?: boolean;
  source?: FrameworkSourceKind;
  title?: string;
  version?: string | null;
  items: TestItemSpec[];
  occupations?: TestOccupationSpec[];
}

export interface TestItem {
  id: string;
  identifier: string;
  caseIdentifier: string;
  uri: string | null;
  statement: string;
  type: string;
  code: string | null;
  description: string | null;
}

export interface TestFramework {
  id: string;
  title: string;
  version: string | null;
  orgId: string | null;
  /** By the spec's keys. */
  items: Record<string, TestItem>;
  occupations: Record<string, { id: string; title: string }>;
}

let counter = 0;

/**
 * Inserts a framework with its items and occupations (and their weighted skills) and returns their ids by key.
 *
 * @example
 * ```ts
 * const fw = await insertTestFramework(ctx.db, { items: [{ key: 'sql', statement: 'use SQL' }] });
 * fw.items['sql']!.id;
 * ```
 */
export async function insertTestFramework(db: Kysely<Database>, spec: TestFrameworkSpec): Promise<TestFramework> {
  const n = counter++;
  const id = randomUUID();
  const title = spec.title ?? `Test framework ${n}`;
  const version = spec.version === undefined ? '1.0' : spec.version;
  const base = `https://frameworks.example.org/${id}`;
  const orgId = spec.orgId ?? null;
  await db
    .insertInto('frameworks')
    .values({
      id,
      orgId,
      source: spec.source ?? (orgId ? 'custom' : 'esco'),
      identifier: randomUUID(),
      uri: base,
      version,
      title,
      creator: 'Skillproof tests',
      public: spec.public ?? false,
      lastChangeAt: new Date('2026-01-01T00:00:00Z'),
    })
    .execute();
  const items: Record<string, TestItem> = {};
  for (const s of spec.items) {
    const item: TestItem = {
      id: randomUUID(),
      identifier: `${base}/items/${s.key}`,
      caseIdentifier: randomUUID(),
      uri: s.uri === undefined ? `${base}/items/${s.key}` : s.uri,
      statement: s.statement,
      type: s.type ?? 'skill',
      code: s.code ?? null,
      description: s.description ?? null,
    };
    items[s.key] = item;
  }
  if (spec.items.length > 0) {
    await db
      .insertInto('frameworkItems')
      .values(
        spec.items.map((s) => ({
          ...items[s.key]!,
          frameworkId: id,
          altLabels: JSON.stringify(s.altLabels ?? []),
        })),
      )
      .execute();
  }
  const occupations: Record<string, { id: string; title: string }> = {};
  for (const o of spec.occupations ?? []) {
    const occupationId = randomUUID();
    occupations[o.key] = { id: occupationId, title: o.title };
    await db
      .insertInto('occupations')
      .values({
        id: occupationId,
        frameworkId: id,
        identifier: `${base}/occupations/${o.key}`,
        kind: 'occupation',
        code: o.code ?? null,
        title: o.title,
        uri: `${base}/occupations/${o.key}`,
      })
      .execute();
    if (o.skills.length > 0) {
      await db
        .insertInto('occupationSkills')
        .values(
          o.skills.map((s) => {
            const item = items[s.item];
            if (!item) throw new Error(`insertTestFramework: occupation ${o.key} names unknown item ${s.item}`);
            return {
              occupationId,
              itemId: item.id,
              relation: s.relation ?? null,
              importance: s.importance ?? null,
              level: s.level ?? null,
              weight: s.weight,
            };
          }),
        )
        .execute();
    }
  }
  return { id, title, version, orgId, items, occupations };
}

/** The ESCO mini fixture: a small real subset of ESCO v1.1.1 in the shipped format (see its SOURCES.md). */
export const ESCO_MINI_DIR = fileURLToPath(new URL('../fixtures/esco-mini/', import.meta.url));

/**
 * Imports the ESCO mini fixture as a global framework (through the real reader and importer) and returns its id.
 *
 * @example
 * ```ts
 * const escoId = await importEscoMini(ctx.db, ctx.deps.clock());
 * ```
 */
export async function importEscoMini(db: Kysely<Database>, now?: Date): Promise<string> {
  return (await importFramework(db, readEsco(ESCO_MINI_DIR), now ? { now } : {})).frameworkId;
}

/**
 * The rows of one of the ESCO mini fixture's CSV files, parsed independently of the reader under test: an oracle for
 * what an import must hold.
 *
 * @example
 * ```ts
 * const skill = escoMiniRows('skills_en.csv').find((r) => r['preferredLabel'] === 'show initiative');
 * ```
 */
export function escoMiniRows(file: string): Record<string, string>[] {
  return parse(readFileSync(join(ESCO_MINI_DIR, file)), { columns: true, bom: true }) as Record<string, string>[];
}
