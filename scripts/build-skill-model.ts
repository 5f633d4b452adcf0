/**
 * `npm run build:skill-model`: writes packages/skills/data/skill-model.json.br, the catalogue the text → skills
 * extractor (`createSkillExtractor`) reads offline: every ESCO v1.1.1 skill with its preferred and alternative labels,
 * description, and how many occupations ask for it (essential or optional). Built from the shipped ESCO files, so a
 * fresh clone rebuilds it byte for byte. ESCO © European Union, CC BY 4.0.
 */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants } from 'node:zlib';
import type { ExtractorSkill } from '../packages/skills/src/index.js';
import { readShippedRows } from './eval/shipped-data.js';

/** Where the model is written, and where the CLI reads it. */
export const SKILL_MODEL_FILE = fileURLToPath(new URL('../packages/skills/data/skill-model.json.br', import.meta.url));

/**
 * The extractor's catalogue from the shipped ESCO files, in skills_en.csv order.
 *
 * @example
 * ```ts
 * const extractor = createSkillExtractor(await buildSkillModel());
 * ```
 */
export async function buildSkillModel(): Promise<ExtractorSkill[]> {
  const occupations = new Map<string, number>();
  for (const r of await readShippedRows('esco', 'occupationSkillRelations.csv', ['skillUri'])) {
    occupations.set(r.skillUri!, (occupations.get(r.skillUri!) ?? 0) + 1);
  }
  const rows = await readShippedRows('esco', 'skills_en.csv', ['conceptUri', 'preferredLabel', 'altLabels']);
  return rows.map((r) => {
    const altLabels = (r.altLabels ?? '')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && l !== r.preferredLabel);
    return {
      uri: r.conceptUri!,
      label: r.preferredLabel!,
      ...(altLabels.length > 0 && { altLabels }),
      ...(r.description && { description: r.description }),
      ...(occupations.has(r.conceptUri!) && { occupations: occupations.get(r.conceptUri!)! }),
    };
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const model = await buildSkillModel();
  const bytes = brotliCompressSync(Buffer.from(`${JSON.stringify({ esco: '1.1.1', skills: model })}\n`), {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_LGWIN]: 24 },
  });
  await writeFile(SKILL_MODEL_FILE, bytes);
  process.stdout.write(`${SKILL_MODEL_FILE}: ${model.length} skills, ${bytes.length} bytes\n`);
}
