import type { Kysely } from 'kysely';
import { createSkillIndexAsync, type SkillDocument, type SkillHit, type SkillIndex } from '@skillproof/skills';
import type { Database } from '../../db/schema.js';

/** A framework item as the search index holds it: what a hit shows, without going back to the database. */
export interface ItemDocument extends SkillDocument {
  label: string;
  altLabels: string[];
  type: string;
  code: string | null;
  uri: string | null;
  caseIdentifier: string;
}

/** An occupation (or occupation group) as the search index holds it. */
export interface OccupationDocument extends SkillDocument {
  label: string;
  altLabels: string[];
  /** 'occupation' or 'group'. */
  type: 'occupation' | 'group';
  code: string | null;
  uri: string | null;
}

/** What a cached index is keyed on: a framework's id and the time it last changed. */
export interface FrameworkVersion {
  id: string;
  updatedAt: Date;
}

/**
 * Search indexes of frameworks' items and occupations, built on first use from the database and kept while the
 * framework is unchanged.
 */
export interface SearchIndexCache {
  items(framework: FrameworkVersion): Promise<SkillIndex<ItemDocument>>;
  occupations(framework: FrameworkVersion): Promise<SkillIndex<OccupationDocument>>;
  /** How many indexes have been built, and how many documents the cached ones hold (for tests and metrics). */
  stats(): { builds: number; entries: number; documents: number };
}

interface Entry {
  updatedAt: number;
  promise: Promise<SkillIndex<ItemDocument> | SkillIndex<OccupationDocument>>;
  /** Documents in the index once built (0 while building). */
  documents: number;
}

/** ESCO (about 15,000 items and 3,600 occupations) and O*NET together stay well below this. */
export const DEFAULT_MAX_DOCUMENTS = 150_000;

/**
 * An index cache over `db`. Indexes are built in steps ({@link createSkillIndexAsync}) so that other requests go on
 * while ESCO is indexed (about a second). Each index is keyed by (framework id, `updated_at`): every change to a framework bumps
 * `updated_at` (imports, authoring), so a changed framework gets a new index on its next search and the old one is
 * dropped. Concurrent searches of a framework share one build. The cache holds at most `maxDocuments` documents
 * (least recently used indexes go first; the one just built always stays), which bounds its memory (ESCO: about
 * 20 MiB of index for 15,000 items).
 *
 * @example
 * ```ts
 * const cache = createSearchIndexCache(db);
 * const index = await cache.items({ id: framework.id, updatedAt: framework.updatedAt });
 * index.search('project managment', { limit: 10 });
 * ```
 */
export function createSearchIndexCache(
  db: Kysely<Database>,
  options: { maxDocuments?: number } = {},
): SearchIndexCache {
  const maxDocuments = options.maxDocuments ?? DEFAULT_MAX_DOCUMENTS;
  // Insertion order is recency order: a hit is deleted and set again.
  const entries = new Map<string, Entry>();
  let builds = 0;

  function evict(keep: string): void {
    let documents = 0;
    for (const entry of entries.values()) documents += entry.documents;
    for (const [key, entry] of entries) {
      if (documents <= maxDocuments) break;
      if (key === keep || entry.documents === 0) continue; // the newest, and builds still running
      entries.delete(key);
      documents -= entry.documents;
    }
  }

  function cached<T extends SkillIndex<ItemDocument> | SkillIndex<OccupationDocument>>(
    key: string,
    framework: FrameworkVersion,
    build: () => Promise<T>,
  ): Promise<T> {
    const updatedAt = framework.updatedAt.getTime();
    const entry = entries.get(key);
    // A caller holding an older row than the cached index gets the newer index: never go back in time.
    if (entry && entry.updatedAt >= updatedAt) {
      entries.delete(key);
      entries.set(key, entry);
      return entry.promise as Promise<T>;
    }
    builds++;
    const promise = build();
    const fresh: Entry = { updatedAt, promise, documents: 0 };
    entries.delete(key);
    entries.set(key, fresh);
    promise.then(
      (index) => {
        if (entries.get(key) !== fresh) return;
        fresh.documents = Math.max(1, index.size);
        evict(key);
      },
      () => {
        if (entries.get(key) === fresh) entries.delete(key); // a failed build is retried by the next search
      },
    );
    return promise;
  }

  return {
    items: (framework) =>
      cached(`items:${framework.id}`, framework, async () => {
        const rows = await db
          .selectFrom('frameworkItems')
          .select(['id', 'statement', 'altLabels', 'description', 'type', 'code', 'uri', 'caseIdentifier'])
          .where('frameworkId', '=', framework.id)
          .orderBy('id')
          .execute();
        return createSkillIndexAsync<ItemDocument>(
          rows.map((r) => ({
            id: r.id,
            label: r.statement,
            altLabels: r.altLabels,
            description: r.description,
            type: r.type,
            code: r.code,
            uri: r.uri,
            caseIdentifier: r.caseIdentifier,
          })),
        );
      }),
    occupations: (framework) =>
      cached(`occupations:${framework.id}`, framework, async () => {
        const rows = await db
          .selectFrom('occupations')
          .select(['id', 'title', 'altLabels', 'description', 'kind', 'code', 'uri'])
          .where('frameworkId', '=', framework.id)
          .orderBy('id')
          .execute();
        return createSkillIndexAsync<OccupationDocument>(
          rows.map((r) => ({
            id: r.id,
            label: r.title,
            altLabels: r.altLabels,
            description: r.description,
            type: r.kind,
            code: r.code,
            uri: r.uri,
          })),
        );
      }),
    stats: () => {
      let documents = 0;
      for (const entry of entries.values()) documents += entry.documents;
      return { builds, entries: entries.size, documents };
    },
  };
}

const caches = new WeakMap<Kysely<Database>, SearchIndexCache>();

/**
 * The one index cache of a database handle: the app's dependencies have no slot for it, and keying on the handle
 * keeps apps over different databases (tests) apart while every request of one app shares it.
 *
 * @example
 * ```ts
 * const index = await searchIndexCacheFor(deps.db).items(framework);
 * ```
 */
export function searchIndexCacheFor(db: Kysely<Database>): SearchIndexCache {
  let cache = caches.get(db);
  if (!cache) caches.set(db, (cache = createSearchIndexCache(db)));
  return cache;
}

/** A hit together with the framework it came from. */
export interface FrameworkHit<F, D> extends SkillHit {
  framework: F;
  doc: D;
}

/**
 * Searches several frameworks' indexes and merges the hits by score (scores are label similarity plus a share of
 * BM25 scaled per framework, so they compare across frameworks well enough to interleave), best `limit` first; ties
 * keep the frameworks' order.
 *
 * @example
 * ```ts
 * const hits = await searchFrameworks(frameworks, (f) => cache.items(f), 'sql', { limit: 20 });
 * ```
 */
export async function searchFrameworks<F extends FrameworkVersion, D extends SkillDocument>(
  frameworks: readonly F[],
  indexOf: (framework: F) => Promise<SkillIndex<D>>,
  query: string,
  options: { limit: number; types?: readonly string[] | undefined },
): Promise<FrameworkHit<F, D>[]> {
  const indexes = await Promise.all(frameworks.map(indexOf));
  const hits = indexes.flatMap((index, n) =>
    index
      .search(query, { limit: options.limit, ...(options.types && { types: options.types }) })
      .map((hit, rank) => ({ ...hit, framework: frameworks[n]!, doc: index.get(hit.id)!, order: n, rank })),
  );
  hits.sort((a, b) => b.score - a.score || a.order - b.order || a.rank - b.rank);
  return hits.slice(0, options.limit).map(({ order: _order, rank: _rank, ...hit }) => hit);
}
