import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { Logger } from '../../logger.js';
import { importFramework } from './importer.js';
import { readFrameworkSource, type FrameworkSourceFormat } from './sources/read-framework-source.js';

/** A framework source the server loads as a global framework when it starts. */
export interface Catalogue {
  kind: FrameworkSourceFormat;
  dir: string;
}

/**
 * The compact copies of ESCO and O*NET shipped in the repository (packages/server/data, built by
 * scripts/build-framework-data.ts), so that search, browsing and job profiles work offline on a fresh clone.
 */
export const SHIPPED_CATALOGUES: readonly Catalogue[] = [
  { kind: 'esco', dir: fileURLToPath(new URL('../../../data/esco-1.1.1', import.meta.url)) },
  { kind: 'onet', dir: fileURLToPath(new URL('../../../data/onet-29.2', import.meta.url)) },
];

export interface CatalogueResult {
  kind: FrameworkSourceFormat;
  dir: string;
  /** 'imported': rows were written; 'unchanged': already there; 'missing': no such directory; 'failed'; 'cancelled'. */
  outcome: 'imported' | 'unchanged' | 'missing' | 'failed' | 'cancelled';
  frameworkId?: string;
  summary?: Record<string, number>;
  ms: number;
}

/** Thrown from the import's progress callback to stop it: the transaction rolls back. */
class Cancelled extends Error {}

/**
 * Imports each catalogue as a global framework, one after the other, logging what happened and how long it took. A
 * catalogue already in the database costs a content hash (the importer stops when it equals the stored one); a failure
 * is logged and does not stop the others or the server. `signal` cancels between chunks of an import (which then
 * rolls back), so a server can stop without waiting for ESCO to finish.
 *
 * @example
 * const results = await importCatalogues(db, logger);
 * results.map((r) => r.outcome); // ['unchanged', 'unchanged']
 */
export async function importCatalogues(
  db: Kysely<Database>,
  logger: Logger,
  options: { catalogues?: readonly Catalogue[]; signal?: AbortSignal } = {},
): Promise<CatalogueResult[]> {
  const results: CatalogueResult[] = [];
  for (const { kind, dir } of options.catalogues ?? SHIPPED_CATALOGUES) {
    const started = performance.now();
    const result = (outcome: CatalogueResult['outcome'], extra: Partial<CatalogueResult> = {}): CatalogueResult => ({
      kind,
      dir,
      outcome,
      ...extra,
      ms: Math.round(performance.now() - started),
    });
    if (options.signal?.aborted) {
      results.push(result('cancelled'));
      continue;
    }
    if (!existsSync(dir)) {
      logger.warn({ catalogue: kind, dir }, 'catalogue not found: not imported');
      results.push(result('missing'));
      continue;
    }
    try {
      const source = await readFrameworkSource(kind, dir);
      const imported = await importFramework(db, source, {
        onProgress: () => {
          if (options.signal?.aborted) throw new Cancelled();
        },
      });
      const done = result(imported.unchanged ? 'unchanged' : 'imported', {
        frameworkId: imported.frameworkId,
        summary: imported.summary,
      });
      logger.info(
        {
          catalogue: kind,
          version: source.meta.version,
          changes: imported.changes,
          summary: done.summary,
          ms: done.ms,
        },
        imported.unchanged ? 'catalogue already imported' : 'catalogue imported',
      );
      results.push(done);
    } catch (err) {
      if (err instanceof Cancelled) {
        logger.info({ catalogue: kind }, 'catalogue import cancelled: the server is stopping');
        results.push(result('cancelled'));
        continue;
      }
      const failed = result('failed');
      logger.error({ err, catalogue: kind, dir, ms: failed.ms }, 'catalogue import failed');
      results.push(failed);
    }
  }
  return results;
}
