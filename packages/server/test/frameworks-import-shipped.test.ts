import { fileURLToPath } from 'node:url';
import { sql, type RawBuilder } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importFramework, type ImportResult } from '../src/domains/frameworks/importer.js';
import { readEsco, type EscoSource } from '../src/domains/frameworks/sources/esco.js';
import { readOnet } from '../src/domains/frameworks/sources/onet.js';
import type { FrameworkSource } from '../src/domains/frameworks/sources/model.js';
import { createTestContext, databaseTargets, type TestContext } from './helpers/context.js';

const ESCO = fileURLToPath(new URL('../data/esco-1.1.1', import.meta.url));
const ONET = fileURLToPath(new URL('../data/onet-29.2', import.meta.url));

/** Full imports of the shipped data: minutes on PGlite under load, not the default minute. */
const SLOW = 600_000;

/**
 * A fingerprint of everything an import writes for one framework: every row's identity, id and updated_at, and every
 * occupation skill and relation. Equal fingerprints: the same rows with the same ids, none of them touched.
 */
async function fingerprint(ctx: TestContext, frameworkId: string): Promise<Record<string, string>> {
  const digest = async (query: RawBuilder<{ digest: string | null }>) =>
    (await query.execute(ctx.db)).rows[0]?.digest ?? '';
  return {
    framework: await digest(sql<{
      digest: string | null;
    }>`SELECT md5(f.updated_at::text || f.content_hash) AS digest FROM frameworks f
                                WHERE f.id = ${frameworkId}`),
    items: await digest(sql<{
      digest: string | null;
    }>`SELECT md5(string_agg(identifier || ' ' || id || ' ' || updated_at, ',' ORDER BY identifier))
                            AS digest FROM framework_items WHERE framework_id = ${frameworkId}`),
    associations: await digest(sql<{
      digest: string | null;
    }>`SELECT md5(string_agg(identifier || ' ' || id || ' ' || updated_at || ' ' ||
                                     coalesce(origin_item_id::text, '-') || ' ' || coalesce(destination_item_id::text, '-'),
                                     ',' ORDER BY identifier))
                                   AS digest FROM framework_associations WHERE framework_id = ${frameworkId}`),
    occupations: await digest(sql<{
      digest: string | null;
    }>`SELECT md5(string_agg(identifier || ' ' || id || ' ' || updated_at, ',' ORDER BY identifier))
                                  AS digest FROM occupations WHERE framework_id = ${frameworkId}`),
    occupationSkills: await digest(sql<{
      digest: string | null;
    }>`SELECT md5(string_agg(s::text, ',' ORDER BY s.occupation_id, s.item_id)) AS digest
                                       FROM occupation_skills s JOIN occupations o ON o.id = s.occupation_id
                                       WHERE o.framework_id = ${frameworkId}`),
    occupationRelations: await digest(sql<{
      digest: string | null;
    }>`SELECT md5(string_agg(r::text, ',' ORDER BY r.occupation_id, r.type,
                                            r.related_occupation_id)) AS digest
                                          FROM occupation_relations r JOIN occupations o ON o.id = r.occupation_id
                                          WHERE o.framework_id = ${frameworkId}`),
  };
}

describe.each(databaseTargets())('shipped frameworks imported on $name', (target) => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext(target);
  });
  afterAll(() => ctx.close());

  /** Imports, re-imports (stopped by the content hash) and force-imports (every row compared), checking nothing moved. */
  async function importThrice(read: () => FrameworkSource | Promise<FrameworkSource>): Promise<ImportResult> {
    const first = await importFramework(ctx.db, await read());
    expect(first.unchanged).toBe(false);
    const before = await fingerprint(ctx, first.frameworkId);
    const zero = { inserted: 0, updated: 0, deleted: 0 };
    for (const force of [false, true]) {
      const again = await importFramework(ctx.db, await read(), { force });
      expect(again, `force: ${force}`).toMatchObject({
        frameworkId: first.frameworkId,
        unchanged: true,
        changes: zero,
      });
      expect(again.counts).toEqual(first.counts);
      expect(await fingerprint(ctx, first.frameworkId)).toEqual(before);
    }
    return first;
  }

  it(
    'ESCO 1.1.1: the counts of the source files, and a re-import changes nothing',
    async () => {
      const sources: EscoSource[] = [];
      const result = await importThrice(() => sources[sources.push(readEsco(ESCO)) - 1]!);
      // skills_en.csv 13,896 rows; skillGroups_en.csv 640 + 7 groups only skillsHierarchy_en.csv defines;
      // occupations_en.csv 3,007; ISCOGroups_en.csv 619; broaderRelationsSkillPillar.csv 20,656;
      // skillSkillRelations.csv 5,899; occupationSkillRelations.csv 123,855 rows of which 67 name the occupation
      // ESCO withdrew (the reader lists them as skipped, as it does 1 of broaderRelationsOccPillar.csv's 3,617).
      expect(result.summary).toEqual({
        skills: 13_896,
        skillGroups: 647,
        occupations: 3_007,
        iscoGroups: 619,
        relations: 123_855 - 67,
        skillRelations: 5_899,
        hierarchy: 20_656,
      });
      expect(result.counts.occupationRelations).toEqual({ broader: 3_617 - 1, related: 0 });
      expect(result.changes.inserted).toBe(1 + 13_896 + 647 + 20_656 + 5_899 + 3_007 + 619 + 123_788 + 3_616);
      const skipped = sources[0]!.skipped();
      expect(skipped.filter((s) => s.file === 'occupationSkillRelations.csv')).toHaveLength(67);
      expect(skipped.filter((s) => s.file === 'broaderRelationsOccPillar.csv')).toHaveLength(1);
    },
    SLOW,
  );

  it(
    'O*NET 29.2: the counts of the source files, and a re-import changes nothing',
    async () => {
      const result = await importThrice(() => readOnet(ONET));
      // Occupation Data.txt 1,016 rows; the content model's 35 skills, 33 knowledge areas, 18 groups; Technology
      // Skills.txt 32,627 rows of 8,768 examples in 135 commodities; Alternate Titles.txt 56,560 rows, 2 repeating an
      // (occupation, title) pair; Related Occupations.txt 18,460; Skills.txt + Knowledge.txt 59,772 IM/LV pairs; Job
      // Zones.txt 923 (see frameworks-sources-onet.test.ts, which counts them in the files).
      expect(result.summary).toEqual({
        occupations: 1_016,
        skills: 35,
        knowledge: 33,
        skillGroups: 18,
        technologies: 8_768,
        technologyCategories: 135,
        technologySkills: 32_627,
        alternateTitles: 56_558,
        relatedOccupations: 18_460,
        ratings: 59_772,
        jobZones: 923,
      });
      expect(result.counts.associations).toEqual({ isChildOf: 83 + 8_927 });
    },
    SLOW,
  );
});
