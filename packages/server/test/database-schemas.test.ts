import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { dropSchema, migrateToLatest, openDatabase, type DatabaseHandle } from '../src/index.js';
import { databaseTargets } from './helpers/context.js';

const postgres = databaseTargets().find((t) => t.url !== undefined);

describe('schema changes on one PostgreSQL database', () => {
  // Kysely's migrator introspects every schema's tables; a schema dropped meanwhile made it fail with "relation …
  // does not exist" (seen in CI between two test files). Unlocked, this reproduced in 6 of 8 rounds here.
  it.runIf(postgres !== undefined)(
    'migrations of new schemas and drops of old ones, all at once, never collide',
    async () => {
      const open = async () => {
        const schema = `t_${randomBytes(6).toString('hex')}`;
        return { schema, database: await openDatabase({ url: postgres!.url, schema, poolSize: 2 }) };
      };
      const all: { schema: string; database: DatabaseHandle }[] = [];
      try {
        for (let round = 0; round < 4; round++) {
          const old = await Promise.all([open(), open(), open()]);
          all.push(...old);
          for (const o of old) await migrateToLatest(o.database.db);
          const fresh = await Promise.all([open(), open(), open()]);
          all.push(...fresh);
          const results = await Promise.allSettled([
            ...fresh.map((f) => migrateToLatest(f.database.db)),
            ...old.map((o) => dropSchema(o.database.db, o.schema)),
          ]);
          expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
          for (const f of fresh) await dropSchema(f.database.db, f.schema);
        }
        await expect(dropSchema(all[0]!.database.db, 'x; DROP TABLE users')).rejects.toThrow('Not a schema name');
      } finally {
        for (const { database } of all) await database.close();
      }
    },
    120_000,
  );
});
