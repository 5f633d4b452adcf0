import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { brotliDecompressSync } from 'node:zlib';
import { createSkillExtractor, type ExtractorSkill, type SkillExtractor } from '@skillproof/skills';
import { UsageError } from '../io.js';

/** The most skills one line may ask for. */
const MAX_TOP = 100;

/**
 * The extractor over the ESCO catalogue shipped with @skillproof/skills (data/skill-model.json.br, written by
 * `npm run build:skill-model`): read from disk, nothing downloaded.
 *
 * @example
 * ```ts
 * const extractor = await loadShippedExtractor();
 * extractor.extract('Experience with SQL and Python', { top: 3 });
 * ```
 */
export async function loadShippedExtractor(): Promise<SkillExtractor> {
  const file = fileURLToPath(new URL('../data/skill-model.json.br', import.meta.resolve('@skillproof/skills')));
  const model = JSON.parse(brotliDecompressSync(await readFile(file)).toString('utf8')) as { skills: ExtractorSkill[] };
  return createSkillExtractor(model.skills);
}

/**
 * `skillproof skills extract [--top K] [--json]`: one text per line on standard input; for each, the ESCO skills it
 * mentions, best first. With --json, one line per input: `{"text","skills":[{"uri","label","score"}]}`; otherwise a
 * `# text` line followed by `score<TAB>label<TAB>uri` lines.
 *
 * @example
 * ```ts
 * await skillsExtract({ top: '5', json: true }); // echo "SQL and Python" | skillproof skills extract --json
 * ```
 */
export async function skillsExtract(options: { top?: string | number; json?: boolean }): Promise<number> {
  const top = options.top === undefined ? 10 : Number(options.top);
  if (!Number.isInteger(top) || top < 1 || top > MAX_TOP) {
    throw new UsageError(`--top must be a whole number from 1 to ${MAX_TOP}, not ${JSON.stringify(options.top)}.`);
  }
  const extractor = await loadShippedExtractor();
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const text of lines) {
    const skills = extractor.extract(text, { top }).map(({ uri, label, score }) => ({ uri, label, score }));
    if (options.json) process.stdout.write(`${JSON.stringify({ text, skills })}\n`);
    else {
      process.stdout.write(`# ${text}\n`);
      for (const s of skills) process.stdout.write(`${s.score.toFixed(3)}\t${s.label}\t${s.uri}\n`);
    }
  }
  return 0;
}
