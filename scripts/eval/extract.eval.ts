/**
 * Evaluation section `extract`: text → ESCO skills on the TECH and HOUSE validation sets of Decorte et al. (2022)
 * (scripts/eval/data/decorte, CC BY 4.0), at sentence level: a sentence's gold set is the ESCO preferred labels of its
 * annotated spans (sentences with none are left out). R-Precision@K = gold labels in the top K / min(K, |gold|),
 * averaged over sentences; MRR = 1 / rank of the first gold label (0 when none is in the top 100).
 * Two plain-BM25 baselines run in the same section, so the figures always come from the same data: one document per
 * skill of its preferred and alternative labels (`bm25`), and of its preferred label only (`bm25-label`, the stronger
 * of the two here: alternative labels add many loosely related words); the sentence is the query.
 */
import { readFile } from 'node:fs/promises';
import { createSkillExtractor, termsOf } from '../../packages/skills/src/index.js';
import { buildSkillModel } from '../build-skill-model.js';
import { readShippedRows } from './shipped-data.js';

const DATA = new URL('./data/decorte/', import.meta.url);
const NO_LABEL = new Set(['LABEL NOT PRESENT', 'UNDERSPECIFIED']);
/** Issue 8's targets for the extractor's RP@5. */
const TARGET_RP5 = { tech: 35, house: 25 } as const;
/** How deep a ranking is read for MRR. */
const DEPTH = 100;

/** One validation sentence and the ESCO preferred labels annotated in it. */
export interface GoldSentence {
  sentence: string;
  gold: Set<string>;
}

/** A ranker under test: the ESCO preferred labels it proposes for a sentence, best first. */
type Ranker = (sentence: string) => readonly string[];

/** The rows of an RFC 4180 CSV (quoted fields may hold commas, quotes and newlines). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const endField = () => {
    row.push(field);
    field = '';
  };
  const endRow = () => {
    endField();
    rows.push(row);
    row = [];
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') endField();
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRow();
    } else field += c;
  }
  if (field !== '' || row.length > 0) endRow();
  return rows;
}

/** The sentences of one validation file that have at least one ESCO label, in file order. */
export async function readGold(name: 'tech' | 'house'): Promise<GoldSentence[]> {
  const [header, ...rows] = parseCsv(await readFile(new URL(`${name}_validation_annotations.csv`, DATA), 'utf8'));
  const column = (n: string) => header!.indexOf(n);
  const [sentenceAt, labelAt] = [column('sentence'), column('label')];
  const bySentence = new Map<string, Set<string>>();
  for (const row of rows) {
    const sentence = row[sentenceAt]!;
    const label = row[labelAt]!;
    if (!bySentence.has(sentence)) bySentence.set(sentence, new Set());
    if (!NO_LABEL.has(label)) bySentence.get(sentence)!.add(label);
  }
  return [...bySentence].filter(([, gold]) => gold.size > 0).map(([sentence, gold]) => ({ sentence, gold }));
}

/** RP@5, RP@10 and MRR (percentages) of a ranker over the sentences. */
export function score(sentences: readonly GoldSentence[], rank: Ranker): { rp5: number; rp10: number; mrr: number } {
  let [rp5, rp10, mrr] = [0, 0, 0];
  for (const { sentence, gold } of sentences) {
    const ranked = rank(sentence).slice(0, DEPTH);
    const hits = (k: number) => ranked.slice(0, k).filter((label) => gold.has(label)).length;
    rp5 += hits(5) / Math.min(5, gold.size);
    rp10 += hits(10) / Math.min(10, gold.size);
    const first = ranked.findIndex((label) => gold.has(label));
    mrr += first < 0 ? 0 : 1 / (first + 1);
  }
  const pct = (x: number) => Math.round((1000 * x) / sentences.length) / 10;
  return { rp5: pct(rp5), rp10: pct(rp10), mrr: pct(mrr) };
}

/** ESCO v1.1.1 skills as the evaluation reads them. */
export interface EscoSkill {
  uri: string;
  label: string;
  altLabels: string[];
  description: string;
}

export async function readEscoSkills(): Promise<EscoSkill[]> {
  const rows = await readShippedRows('esco', 'skills_en.csv', ['conceptUri', 'preferredLabel', 'altLabels']);
  return rows.map((r) => ({
    uri: r.conceptUri!,
    label: r.preferredLabel!,
    altLabels: (r.altLabels ?? '').split('\n').filter((l) => l.trim() !== ''),
    description: r.description ?? '',
  }));
}

/**
 * Plain Okapi BM25 (k1 = 1.2, b = 0.75; Robertson & Zaragoza 2009) with one document per skill — its preferred and
 * (unless `labelOnly`) alternative labels as one bag of words — and the whole sentence as the query: the floor the
 * issue names.
 */
export function plainBm25(skills: readonly EscoSkill[], options: { labelOnly?: boolean } = {}): Ranker {
  const [k1, b] = [1.2, 0.75];
  const postings = new Map<string, [number, number][]>();
  const lengths = skills.map((skill, i) => {
    const terms = termsOf(options.labelOnly ? skill.label : [skill.label, ...skill.altLabels].join(' '));
    const tf = new Map<string, number>();
    for (const t of terms) tf.set(t, (tf.get(t) ?? 0) + 1);
    for (const [t, n] of tf) {
      if (!postings.has(t)) postings.set(t, []);
      postings.get(t)!.push([i, n]);
    }
    return terms.length;
  });
  const avg = lengths.reduce((a, n) => a + n, 0) / skills.length;
  return (sentence) => {
    const scores = new Map<number, number>();
    for (const t of new Set(termsOf(sentence))) {
      const list = postings.get(t);
      if (!list) continue;
      const idf = Math.log(1 + (skills.length - list.length + 0.5) / (list.length + 0.5));
      for (const [i, tf] of list) {
        const s = (idf * tf * (k1 + 1)) / (tf + k1 * (1 - b + (b * lengths[i]!) / avg));
        scores.set(i, (scores.get(i) ?? 0) + s);
      }
    }
    return [...scores]
      .sort((x, y) => y[1] - x[1] || x[0] - y[0])
      .slice(0, DEPTH)
      .map(([i]) => skills[i]!.label);
  };
}

export async function run(): Promise<{ metrics: Record<string, number | string>; report: string[] }> {
  const skills = await readEscoSkills();
  const labels = new Set(skills.map((s) => s.label));
  const sets = { tech: await readGold('tech'), house: await readGold('house') };
  const extractor = createSkillExtractor(await buildSkillModel());
  const rankers: [string, Ranker][] = [
    ['bm25', plainBm25(skills)],
    ['bm25_label', plainBm25(skills, { labelOnly: true })],
    ['extractor', (sentence) => extractor.extract(sentence, { top: DEPTH }).map((s) => s.label)],
  ];

  const metrics: Record<string, number | string> = {};
  const report: string[] = [];
  for (const [name, sentences] of Object.entries(sets)) {
    const gold = sentences.flatMap((s) => [...s.gold]);
    const missing = gold.filter((l) => !labels.has(l)).length;
    report.push(
      `${name.toUpperCase()}: ${sentences.length} sentences with ${gold.length} gold labels` +
        (missing ? ` (${missing} not a preferred label in ESCO 1.1.1: unreachable)` : ''),
    );
    for (const [ranker, rank] of rankers) {
      const { rp5, rp10, mrr } = score(sentences, rank);
      Object.assign(metrics, {
        [`${name}_${ranker}_rp5`]: rp5,
        [`${name}_${ranker}_rp10`]: rp10,
        [`${name}_${ranker}_mrr`]: mrr,
      });
      report.push(`  ${ranker.padEnd(11)} RP@5 ${rp5.toFixed(1)}  RP@10 ${rp10.toFixed(1)}  MRR ${mrr.toFixed(1)}`);
    }
    const target = TARGET_RP5[name as keyof typeof TARGET_RP5];
    const met = (metrics[`${name}_extractor_rp5`] as number) >= target;
    report.push(`  target: extractor RP@5 ≥ ${target}: ${met ? 'met' : 'MISSED'}`);
  }
  return { metrics, report };
}
