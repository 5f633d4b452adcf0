import { join } from 'node:path';
import {
  configFromEnv,
  FRAMEWORK_SOURCE_KINDS,
  FrameworkImportError,
  importFramework,
  migrateToLatest,
  openDatabase,
  readFrameworkSource,
  type FrameworkSourceFormat,
} from '@skillproof/server';
import { UsageError } from '../io.js';
import { createProgressBar } from '../progress-bar.js';
import { EXIT } from './verify.js';

export interface ImportCommandOptions {
  json?: boolean;
  /** An organisation's slug: the framework becomes that organisation's instead of global. */
  org?: string;
  frameworkVersion?: string;
  force?: boolean;
}

/**
 * `skillproof import esco|onet|case <path>`: reads a framework source (an ESCO CSV directory, an O*NET text-file
 * directory, a CASE CFPackage JSON file) into the database DATA_DIR / DATABASE_URL names, migrating it first. One
 * transaction: a refused source (FrameworkImportError) prints its code, file and line and leaves the database as it
 * was. With --json prints the counts the database holds afterwards as one JSON line.
 */
export async function importCommand(
  kind: string | undefined,
  path: string | undefined,
  options: ImportCommandOptions,
): Promise<number> {
  if (!kind || !(FRAMEWORK_SOURCE_KINDS as readonly string[]).includes(kind)) {
    throw new UsageError(`Import what? Use skillproof import ${FRAMEWORK_SOURCE_KINDS.join('|')} <path>.`);
  }
  if (!path) throw new UsageError(`skillproof import ${kind} needs the path of the source.`);
  const version = options.frameworkVersion === undefined ? undefined : String(options.frameworkVersion);
  if (version !== undefined && !/^[\w.+-]{1,64}$/.test(version)) {
    throw new UsageError(`--framework-version must be a release name like 1.1.1, not ${JSON.stringify(version)}.`);
  }
  const config = configFromEnv();
  const started = Date.now();
  const database = await openDatabase(
    config.databaseUrl ? { url: config.databaseUrl } : { dataDir: join(config.dataDir, 'pglite') },
  );
  try {
    await migrateToLatest(database.db);
    let orgId: string | null = null;
    if (options.org !== undefined) {
      const org = await database.db
        .selectFrom('organizations')
        .select('id')
        .where('slug', '=', String(options.org))
        .executeTakeFirst();
      if (!org) throw new UsageError(`There is no organisation with the slug ${JSON.stringify(options.org)}.`);
      orgId = org.id;
    }
    const source = await readFrameworkSource(kind as FrameworkSourceFormat, path, { version });
    const bar = createProgressBar(process.stderr, { label: `${kind} ${source.meta.version ?? ''}`.trim() });
    const total = source.size?.total;
    // The importer first hashes the source (to skip an unchanged one): show that something is happening.
    bar.update({ phase: 'checking', records: 0, bytesRead: 0, bytesTotal: total });
    const result = await (async () => {
      try {
        return await importFramework(database.db, source, {
          orgId,
          force: options.force === true,
          onProgress: (p) =>
            bar.update({ ...p, bytesRead: p.bytesRead ?? source.size?.read(), bytesTotal: p.bytesTotal ?? total }),
        });
      } finally {
        bar.done();
      }
    })();
    const skipped = source.skipped?.() ?? [];
    if (skipped.length > 0) {
      // The source contradicts itself (ESCO v1.1.1 names an occupation it does not define): say what was left out.
      const [first] = skipped;
      console.error(
        `skillproof: ${skipped.length} source rows left out, e.g. ${first!.file} line ${first!.line}: ${first!.reason}.`,
      );
    }
    if (options.json) {
      console.log(JSON.stringify(result.summary));
    } else {
      const counts = Object.entries(result.summary)
        .map(([name, n]) => `${n} ${name}`)
        .join(', ');
      const { inserted, updated, deleted } = result.changes;
      const what = result.unchanged ? 'unchanged' : `${inserted} rows inserted, ${updated} updated, ${deleted} deleted`;
      const owner = options.org === undefined ? 'global' : `organisation ${options.org}`;
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      console.log(`${source.meta.title} (${owner}): ${what} in ${seconds} s.`);
      console.log(counts);
    }
    return 0;
  } catch (e) {
    if (e instanceof FrameworkImportError) {
      console.error(`skillproof: ${e.code}: ${e.describe()}`);
      return EXIT.failed;
    }
    throw e;
  } finally {
    await database.close();
  }
}
