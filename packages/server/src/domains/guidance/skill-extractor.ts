import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { brotliDecompressSync } from 'node:zlib';
import { createSkillExtractor, type ExtractorSkill, type SkillExtractor } from '@skillproof/skills';
import type { AppDeps } from '../../http/env.js';

// One extractor per app: the model (ESCO's ~14,000 skills) takes seconds to read and index, and never changes while
// the process runs. Keyed by the app's deps so that two apps in one process (tests) do not share state by accident.
const extractors = new WeakMap<AppDeps, Promise<SkillExtractor>>();

async function loadShippedExtractor(): Promise<SkillExtractor> {
  const file = fileURLToPath(new URL('../data/skill-model.json.br', import.meta.resolve('@skillproof/skills')));
  const model = JSON.parse(brotliDecompressSync(await readFile(file)).toString('utf8')) as { skills: ExtractorSkill[] };
  return createSkillExtractor(model.skills);
}

/**
 * The text → ESCO skills extractor over the model shipped with @skillproof/skills (data/skill-model.json.br), loaded
 * on first use and kept for the app's lifetime; nothing is downloaded.
 *
 * @example
 * ```ts
 * const extractor = await skillExtractorFor(c.get('deps'));
 * extractor.extract('Experience with SQL', { top: 5 });
 * ```
 */
export function skillExtractorFor(deps: AppDeps): Promise<SkillExtractor> {
  let extractor = extractors.get(deps);
  if (!extractor) {
    extractor = loadShippedExtractor();
    // A failed load is not cached: the next request tries again.
    extractor.catch(() => extractors.delete(deps));
    extractors.set(deps, extractor);
  }
  return extractor;
}
