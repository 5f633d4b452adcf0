/**
 * The skills-search quality measure shared by the benchmark (bench/skills-search.ts) and the acceptance test
 * (test/skills-search-quality.test.ts): queries made from ESCO alternative labels with one seeded typo, and how often
 * the skill the label belongs to comes first / in the top 5.
 */
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { SkillDocument, SkillIndex } from '@skillproof/skills';
import { readEsco } from '../src/domains/frameworks/sources/esco.js';

/** The ESCO copy shipped in the repository. */
export const SHIPPED_ESCO = fileURLToPath(new URL('../data/esco-1.1.1', import.meta.url));

/**
 * Every ESCO item (skills, knowledge and skill groups, as the server indexes a framework) as a search document, read
 * with the importer's own reader, and which of them are skills (the intended answers).
 */
export async function loadEscoDocuments(dir = SHIPPED_ESCO): Promise<{ docs: SkillDocument[]; skillIds: Set<string> }> {
  const docs: SkillDocument[] = [];
  const skillIds = new Set<string>();
  for await (const record of readEsco(dir).records()) {
    if (record.kind !== 'item') break; // items come first; the rest is relations
    docs.push({
      id: record.identifier,
      label: record.statement,
      altLabels: record.altLabels,
      description: record.description,
      type: record.type,
    });
    if (record.type === 'skill' || record.type === 'knowledge') skillIds.add(record.identifier);
  }
  return { docs, skillIds };
}

/** A small, fast, seeded PRNG (mulberry32): the same seed gives the same queries on every machine. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type TypoKind = 'insertion' | 'deletion' | 'substitution' | 'transposition';

export interface TypoQuery {
  query: string;
  /** The alternative label the query was made from. */
  altLabel: string;
  /** The id of the one skill that has this alternative label. */
  intended: string;
  typo: TypoKind;
}

export interface TypoQuerySet {
  queries: TypoQuery[];
  /** Alternative labels considered, and why some were not used. */
  altLabels: number;
  eligible: number;
  skipped: { shared: number; preferredElsewhere: number; ownPreferred: number; noLongWord: number };
}

/** Case, accents, punctuation and spacing folded, to decide when two labels are "the same". */
const key = (label: string) =>
  label
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .match(/[\p{L}\p{N}]+[+#]*/gu)
    ?.join(' ') ?? '';

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';
const LONG_WORD = /^\p{L}{4,}$/u;

/**
 * `count` queries, each an alternative label of exactly one skill with one typo (a random insertion, deletion,
 * substitution or adjacent transposition) in one of its words of 4 or more letters. Not used: alternative labels
 * that several skills share (no single intended skill), that equal another skill's preferred label (that skill is the
 * right answer), or that equal the skill's own preferred label (not an alternative).
 */
export function typoQueries(
  docs: readonly SkillDocument[],
  skillIds: ReadonlySet<string>,
  options: { count: number; seed: number },
): TypoQuerySet {
  const preferred = new Map<string, Set<string>>();
  const alts = new Map<string, Set<string>>();
  const add = (map: Map<string, Set<string>>, k: string, id: string) => {
    const ids = map.get(k);
    if (ids) ids.add(id);
    else map.set(k, new Set([id]));
  };
  for (const doc of docs) {
    add(preferred, key(doc.label), doc.id);
    for (const alt of doc.altLabels ?? []) add(alts, key(alt), doc.id);
  }
  const skipped = { shared: 0, preferredElsewhere: 0, ownPreferred: 0, noLongWord: 0 };
  const eligible: { altLabel: string; intended: string }[] = [];
  let altLabels = 0;
  for (const doc of docs) {
    if (!skillIds.has(doc.id)) continue;
    const own = key(doc.label);
    for (const altLabel of new Set(doc.altLabels ?? [])) {
      altLabels++;
      const k = key(altLabel);
      if (k === own) skipped.ownPreferred++;
      else if ((alts.get(k)?.size ?? 0) > 1) skipped.shared++;
      else if (preferred.has(k)) skipped.preferredElsewhere++;
      else if (!altLabel.split(/\s+/).some((w) => LONG_WORD.test(w))) skipped.noLongWord++;
      else eligible.push({ altLabel, intended: doc.id });
    }
  }
  const random = seededRandom(options.seed);
  const pick = (n: number) => Math.floor(random() * n);
  const pool = [...eligible];
  const queries: TypoQuery[] = [];
  while (queries.length < options.count && pool.length > 0) {
    const [chosen] = pool.splice(pick(pool.length), 1);
    const words = chosen!.altLabel.split(/(\s+)/);
    const long = words.flatMap((w, i) => (LONG_WORD.test(w) ? [i] : []));
    const w = long[pick(long.length)]!;
    const { word, typo } = withTypo(words[w]!, random);
    words[w] = word;
    queries.push({ query: words.join(''), altLabel: chosen!.altLabel, intended: chosen!.intended, typo });
  }
  return { queries, altLabels, eligible: eligible.length, skipped };
}

function withTypo(word: string, random: () => number): { word: string; typo: TypoKind } {
  const pick = (n: number) => Math.floor(random() * n);
  const kinds: TypoKind[] = ['insertion', 'deletion', 'substitution', 'transposition'];
  const letter = (not?: string) => {
    for (;;) {
      const c = LETTERS[pick(LETTERS.length)]!;
      if (c !== not?.toLowerCase()) return c;
    }
  };
  for (;;) {
    const typo = kinds[pick(kinds.length)]!;
    const at = pick(word.length);
    let changed: string;
    if (typo === 'insertion') {
      const pos = pick(word.length + 1);
      changed = word.slice(0, pos) + letter() + word.slice(pos);
    } else if (typo === 'deletion') changed = word.slice(0, at) + word.slice(at + 1);
    else if (typo === 'substitution') changed = word.slice(0, at) + letter(word[at]) + word.slice(at + 1);
    else {
      const pos = pick(word.length - 1);
      changed = word.slice(0, pos) + word[pos + 1] + word[pos] + word.slice(pos + 2);
    }
    if (changed.toLowerCase() !== word.toLowerCase()) return { word: changed, typo };
  }
}

export interface SearchEvaluation {
  queries: number;
  recallAt1: number;
  recallAt5: number;
  /** Milliseconds per search (limit 10), each query's first run after a warm-up pass. */
  p50: number;
  p95: number;
  max: number;
  /**
   * The same over each query's fastest of `repeat` runs: on a shared machine, what the search costs without the
   * time the process spent waiting for a core.
   */
  best: { p50: number; p95: number; max: number };
  misses: { query: TypoQuery; top: string[] }[];
}

/**
 * Runs every query (after a warm-up pass) and measures how often the intended skill ranks first / in the top 5, and
 * how long each search takes.
 */
export function evaluateSearch(
  index: SkillIndex,
  queries: readonly TypoQuery[],
  options: { repeat?: number } = {},
): SearchEvaluation {
  for (const q of queries.slice(0, 50)) index.search(q.query, { limit: 10 });
  const first: number[] = [];
  const best: number[] = [];
  let at1 = 0;
  let at5 = 0;
  const misses: SearchEvaluation['misses'] = [];
  for (const q of queries) {
    let start = performance.now();
    const hits = index.search(q.query, { limit: 10 });
    const elapsed = performance.now() - start;
    first.push(elapsed);
    let fastest = elapsed;
    for (let r = 1; r < (options.repeat ?? 1); r++) {
      start = performance.now();
      index.search(q.query, { limit: 10 });
      fastest = Math.min(fastest, performance.now() - start);
    }
    best.push(fastest);
    const rank = hits.findIndex((h) => h.id === q.intended);
    if (rank === 0) at1++;
    if (rank >= 0 && rank < 5) at5++;
    else misses.push({ query: q, top: hits.slice(0, 5).map((h) => h.id) });
  }
  const quantiles = (times: number[]) => {
    const sorted = [...times].sort((a, b) => a - b);
    const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
    return { p50: at(0.5), p95: at(0.95), max: sorted.at(-1) ?? 0 };
  };
  return {
    queries: queries.length,
    recallAt1: at1 / queries.length,
    recallAt5: at5 / queries.length,
    ...quantiles(first),
    best: quantiles(best),
    misses,
  };
}
