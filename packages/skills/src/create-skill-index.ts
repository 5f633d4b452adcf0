import MiniSearch from 'minisearch';
import { buildInvertedIndex, DOCUMENTS_PER_STEP, FIELDS } from './build-inverted-index.js';
import { STOP_WORDS, termsOf } from './normalize.js';

/** What the index needs of a skill, competency, knowledge area or occupation; anything else is carried along. */
export interface SkillDocument {
  /** Unique within one index. */
  readonly id: string;
  /** The preferred label (a framework item's statement, an occupation's title). */
  readonly label: string;
  readonly altLabels?: readonly string[] | null | undefined;
  readonly description?: string | null | undefined;
  /** skill, knowledge, competency, occupation, …: what `types` filters on. */
  readonly type?: string | null | undefined;
}

/** Where a hit's best evidence is: the label that matched the query best, or only its description. */
export interface SkillMatch {
  field: 'label' | 'altLabel' | 'description';
  /** The preferred or alternative label that matched (absent when only the description did). */
  text?: string;
  /** The whole query equals this label (case, accents and punctuation aside). */
  exact: boolean;
}

export interface SkillHit {
  id: string;
  /** Higher is better; comparable only within one result list. */
  score: number;
  match: SkillMatch;
}

export interface SkillSearchOptions<T extends SkillDocument = SkillDocument> {
  /** How many hits at most (default 10). */
  limit?: number;
  /** Only documents of these types. */
  types?: readonly string[];
  /** Only documents this accepts. */
  filter?: (doc: T) => boolean;
}

export interface SkillIndex<T extends SkillDocument = SkillDocument> {
  /** Ranked hits for what a person typed (typos, missing accents and an unfinished last word allowed). */
  search(query: string, options?: SkillSearchOptions<T>): SkillHit[];
  /** The document indexed under this id. */
  get(id: string): T | undefined;
  readonly size: number;
}

/** Field weights: the preferred label counts most, the description least. */
const BOOST = [3, 1.5, 0.3];
/** BM25+ lower bound for a matching field (Lv & Zhai 2011), as MiniSearch uses it. */
const DELTA = 0.5;
const K1 = 1.2;
/** How much a word found by expansion counts in BM25, relative to the word as typed. */
const PREFIX_WEIGHT = 0.5;
const TYPO_WEIGHT = [1, 0.6, 0.35];
const INFLECTION_WEIGHT = 0.8;
/** How close an expanded word counts when labels are compared as a whole. */
const TYPO_SIMILARITY = [1, 0.75, 0.5];
const INFLECTION_SIMILARITY = 0.9;
/** Prefix expansions kept per term (the commonest): a two-letter start otherwise expands to thousands of words. */
const MAX_PREFIX_TERMS = 50;
/** Candidates re-ranked by label similarity (recall@5 on ESCO typo queries is the same from 30 up). */
const RERANK = 50;
/** Score added for an exact match of the whole query with a preferred (2) or alternative (1) label. */
const EXACT_PREFERRED = 2;
const EXACT_ALT = 1;
/** An alternative label's similarity counts slightly less than the preferred label's, so ties go to the latter. */
const ALT_FACTOR = 0.95;
/** How much the BM25 score (scaled to the best candidate's) adds to label similarity (0–1). */
const BM25_SHARE = 0.35;
/** Query terms considered; the rest of a very long query is ignored. */
const MAX_TERMS = 12;
/** Longer "terms" are not words: matched exactly only. */
const MAX_FUZZY_TERM = 40;
const DEFAULT_LIMIT = 10;

/** Typos allowed in a query term of this length: none below 3 letters, one up to 8, then two. */
function typosAllowed(term: string): number {
  if (term.length > MAX_FUZZY_TERM) return 0;
  return term.length >= 9 ? 2 : term.length >= 3 ? 1 : 0;
}

interface Expansion {
  weight: number;
  similarity: number;
}

/**
 * A ranked, typo-tolerant text index over skills (or occupations), built in memory. Candidates are scored with BM25+
 * over the preferred label, alternative labels and description (in falling weight); a query word the index does not
 * hold also matches the words one typo away (a transposition is one typo; two typos in long words), and the last
 * word, while it is still being typed, the words it begins. The best candidates are then re-ranked by how closely
 * the query matches one of their labels as a whole, so that an exact label beats a partial one. Ties keep the
 * documents' order. MiniSearch's radix tree finds the words near a typo. Pure: runs in the browser too.
 *
 * @example
 * ```ts
 * const index = createSkillIndex([
 *   { id: 'a', label: 'manage musical staff', altLabels: ['manage music staff'], type: 'skill' },
 *   { id: 'b', label: 'music theory', type: 'knowledge' },
 * ]);
 * index.search('manage musci staff', { limit: 5 })[0]?.id; // 'a'
 * ```
 */
export function createSkillIndex<T extends SkillDocument>(docs: readonly T[]): SkillIndex<T> {
  const steps = skillIndexSteps(docs);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * {@link createSkillIndex} without holding the thread for the whole build (ESCO takes about a second): it pauses
 * every thousand documents or so and lets other work run, so a server stays responsive while it indexes.
 *
 * @example
 * ```ts
 * const index = await createSkillIndexAsync(items);
 * ```
 */
export async function createSkillIndexAsync<T extends SkillDocument>(docs: readonly T[]): Promise<SkillIndex<T>> {
  const steps = skillIndexSteps(docs);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

function* skillIndexSteps<T extends SkillDocument>(docs: readonly T[]): Generator<void, SkillIndex<T>, void> {
  const byId = new Map<string, number>();
  docs.forEach((doc, i) => {
    if (byId.has(doc.id)) throw new Error(`createSkillIndex: two documents have the id ${JSON.stringify(doc.id)}.`);
    byId.set(doc.id, i);
  });
  const index = yield* buildInvertedIndex(
    docs.map((d) => ({ label: d.label, altLabels: d.altLabels ?? [], description: d.description ?? '' })),
  );
  const { terms, termIds, idf, lengthNorm, docLabels, labelBounds, labelTerms, isStopWord } = index;
  const documentFrequency = (id: number) =>
    index.labelStart[id + 1]! - index.labelStart[id]! + index.descriptionStart[id + 1]! - index.descriptionStart[id]!;

  // Words near a typo: MiniSearch over the vocabulary, one document per word.
  const words = new MiniSearch<number>({
    idField: 'id',
    fields: ['term'],
    extractField: (id, field) => (field === 'id' ? (id as unknown as string) : terms[id]!),
    tokenize: (text) => [text],
    processTerm: (term) => term,
  });
  for (let from = 0; from < terms.length; from += 5 * DOCUMENTS_PER_STEP) {
    words.addAll(terms.slice(from, from + 5 * DOCUMENTS_PER_STEP).map((_, k) => from + k));
    yield;
  }
  // Words a prefix begins: binary search over the sorted vocabulary.
  const sorted = Int32Array.from(terms.keys()).sort((a, b) => (terms[a]! < terms[b]! ? -1 : 1));

  // Per-query scratch space, reused (search is synchronous).
  const total = new Float64Array(docs.length);
  const termBest = new Float64Array(docs.length);
  const seenIn = new Int32Array(docs.length).fill(-1);
  const matched = new Int32Array(docs.length);
  const touchedAt = new Int32Array(docs.length).fill(-1);
  let generation = 0;

  /**
   * The indexed words a query term stands for: how much each counts in BM25 (`weight`) and how close it is when
   * labels are compared (`similarity`). A word the index does not hold is taken for a typo: words one edit away
   * (a transposition is one edit), or two in a long word when none is one away. A word it holds is taken as meant
   * (its neighbours are mostly other words: "form", "from"), with its plural or singular. While the last word is being
   * typed, the commonest words it begins count too.
   */
  function expand(q: string, typing: boolean): Map<number, Expansion> {
    const found = new Map<number, Expansion>();
    const add = (id: number | undefined, weight: number, similarity: number) => {
      if (id !== undefined && weight > (found.get(id)?.weight ?? 0)) found.set(id, { weight, similarity });
    };
    const own = termIds.get(q);
    const typos = typosAllowed(q);
    if (own !== undefined) {
      add(own, 1, 1);
      if (typos > 0) {
        for (const variant of [
          `${q}s`,
          `${q}es`,
          q.endsWith('s') && q.slice(0, -1),
          q.endsWith('es') && q.slice(0, -2),
        ]) {
          if (variant) add(termIds.get(variant), INFLECTION_WEIGHT, INFLECTION_SIMILARITY);
        }
      }
    } else if (typos > 0) {
      for (const hit of words.search(q, { fuzzy: 1, prefix: false })) {
        add(hit.id as number, TYPO_WEIGHT[1]!, TYPO_SIMILARITY[1]!);
      }
      // Adjacent transpositions are two Levenshtein edits, which the fuzzy search above misses.
      for (let k = 0; k + 1 < q.length; k++) {
        if (q[k] === q[k + 1]) continue;
        add(termIds.get(q.slice(0, k) + q[k + 1] + q[k] + q.slice(k + 2)), TYPO_WEIGHT[1]!, TYPO_SIMILARITY[1]!);
      }
      // Two edits away is the costliest search: only when nothing is one edit away.
      if (typos > 1 && found.size === 0) {
        for (const hit of words.search(q, { fuzzy: 2, prefix: false })) {
          add(hit.id as number, TYPO_WEIGHT[2]!, TYPO_SIMILARITY[2]!);
        }
      }
    }
    if (typing && q.length >= 2) {
      let lo = 0;
      let hi = sorted.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (terms[sorted[mid]!]! < q) lo = mid + 1;
        else hi = mid;
      }
      const starting: number[] = [];
      for (let k = lo; k < sorted.length && terms[sorted[k]!]!.startsWith(q); k++) starting.push(sorted[k]!);
      if (starting.length > MAX_PREFIX_TERMS) {
        starting.sort((a, b) => documentFrequency(b) - documentFrequency(a) || a - b);
        starting.length = MAX_PREFIX_TERMS;
      }
      for (const id of starting) {
        const ratio = q.length / terms[id]!.length;
        add(id, PREFIX_WEIGHT * Math.sqrt(ratio), 0.6 + 0.3 * ratio);
      }
    }
    return found;
  }

  function search(query: string, options: SkillSearchOptions<T> = {}): SkillHit[] {
    const limit = options.limit === undefined ? DEFAULT_LIMIT : Math.floor(options.limit);
    if (!(limit > 0) || typeof query !== 'string') return [];
    const text = query.slice(0, 1000);
    const all = termsOf(text);
    if (all.length === 0) return [];
    const queryTerms = contentTerms(all).slice(0, MAX_TERMS);
    const typing = !/\s$/.test(text);
    const types = options.types && new Set(options.types);
    const accepts = (i: number) => {
      const doc = docs[i]!;
      return (!types || types.has(doc.type ?? '')) && (!options.filter || options.filter(doc));
    };
    if (++generation > 100_000_000) {
      generation = 1;
      seenIn.fill(-1);
      touchedAt.fill(-1);
    }

    // BM25+ per field; a query term counts once per document (its best word and field: a label repeated as an
    // alternative label, or a word and its plural, do not add up); the sum is multiplied by the terms matched.
    const expansions = queryTerms.map((q, qn) => expand(q, typing && qn === queryTerms.length - 1));
    const touched: number[] = [];
    const these: number[] = [];
    for (let qn = 0; qn < queryTerms.length; qn++) {
      const mark = generation * MAX_TERMS + qn;
      const score = (id: number, weight: number, data: Int32Array, from: number, to: number) => {
        for (let k = 2 * from; k < 2 * to; k += 2) {
          const docField = data[k]!;
          const f = docField % FIELDS;
          const i = (docField - f) / FIELDS;
          const tf = data[k + 1]!;
          const s =
            weight * BOOST[f]! * idf[id * FIELDS + f]! * (DELTA + (tf * (K1 + 1)) / (tf + lengthNorm[docField]!));
          if (seenIn[i] !== mark) {
            seenIn[i] = mark;
            termBest[i] = s;
            these.push(i);
          } else if (s > termBest[i]!) termBest[i] = s;
        }
      };
      these.length = 0;
      for (const [id, { weight }] of expansions[qn]!) {
        score(id, weight, index.labelData, index.labelStart[id]!, index.labelStart[id + 1]!);
        // Descriptions only count for the words as typed: expanding there costs much and finds little.
        if (weight === 1)
          score(id, weight, index.descriptionData, index.descriptionStart[id]!, index.descriptionStart[id + 1]!);
      }
      for (const i of these) {
        if (touchedAt[i] !== generation) {
          touchedAt[i] = generation;
          total[i] = 0;
          matched[i] = 0;
          touched.push(i);
        }
        total[i]! += termBest[i]!;
        matched[i]!++;
      }
    }

    // The candidates: the best by BM25, and every document with a label equal to the query (BM25 may miss a label of
    // only function words). Those have the query's rarest word in a label: look among them.
    const candidates = new Map<number, number>();
    const bm25 = (i: number) => total[i]! * matched[i]!;
    for (const i of topK(touched, bm25, Math.max(RERANK, limit), types || options.filter ? accepts : undefined)) {
      candidates.set(i, bm25(i));
    }
    const queryIds = all.map((t) => termIds.get(t) ?? -1);
    const isExact = (l: number) => {
      const from = labelBounds[l]!;
      if (labelBounds[l + 1]! - from !== queryIds.length) return false;
      for (let k = 0; k < queryIds.length; k++) if (labelTerms[from + k] !== queryIds[k]) return false;
      return true;
    };
    if (!queryIds.includes(-1)) {
      const labelDf = (id: number) => index.labelStart[id + 1]! - index.labelStart[id]!;
      const rarest = queryIds.reduce((a, b) => (labelDf(b) < labelDf(a) ? b : a));
      for (let k = 2 * index.labelStart[rarest]!; k < 2 * index.labelStart[rarest + 1]!; k += 2) {
        const i = Math.floor(index.labelData[k]! / FIELDS);
        if (candidates.has(i) || !accepts(i)) continue;
        for (let l = docLabels[i]!; l < docLabels[i + 1]!; l++) {
          if (isExact(l)) {
            candidates.set(i, 0);
            break;
          }
        }
      }
    }
    if (candidates.size === 0) return [];
    let best = 0;
    for (const s of candidates.values()) if (s > best) best = s;
    best ||= 1;

    /**
     * How closely the query matches label `l` as a whole (0–1): each query term's best match among the label's
     * content words, over the larger of the two word counts, so that extra words on either side cost.
     */
    const labelSimilarity = (l: number): number => {
      const from = labelBounds[l]!;
      const to = labelBounds[l + 1]!;
      let content = 0;
      for (let k = from; k < to; k++) content += 1 - isStopWord[labelTerms[k]!]!;
      const onlyStopWords = content === 0;
      if (onlyStopWords) content = to - from;
      if (content === 0) return 0;
      let sum = 0;
      for (let qn = 0; qn < queryTerms.length; qn++) {
        const near = expansions[qn]!;
        let bestTerm = 0;
        for (let k = from; k < to; k++) {
          const id = labelTerms[k]!;
          if (isStopWord[id] && !onlyStopWords) continue;
          const s = near.get(id)?.similarity ?? 0;
          if (s > bestTerm) bestTerm = s;
        }
        sum += bestTerm;
      }
      return sum / Math.max(queryTerms.length, content);
    };
    const ranked: { i: number; score: number; match: SkillMatch }[] = [];
    for (const [i, score] of candidates) {
      const doc = docs[i]!;
      const first = docLabels[i]!;
      let bestSim = 0;
      let bestLabel = -1;
      let exactLabel = -1;
      for (let l = first; l < docLabels[i + 1]!; l++) {
        if (exactLabel < 0 && isExact(l)) exactLabel = l - first;
        const sim = labelSimilarity(l) * (l === first ? 1 : ALT_FACTOR);
        if (sim > bestSim) [bestSim, bestLabel] = [sim, l - first];
      }
      let tier = 0;
      let match: SkillMatch;
      if (exactLabel === 0) {
        tier = EXACT_PREFERRED;
        match = { field: 'label', text: doc.label, exact: true };
      } else if (exactLabel > 0) {
        tier = EXACT_ALT;
        match = { field: 'altLabel', text: doc.altLabels![exactLabel - 1]!, exact: true };
      } else if (bestLabel === 0) match = { field: 'label', text: doc.label, exact: false };
      else if (bestLabel > 0) match = { field: 'altLabel', text: doc.altLabels![bestLabel - 1]!, exact: false };
      else match = { field: 'description', exact: false };
      ranked.push({ i, score: tier + bestSim + (BM25_SHARE * score) / best, match });
    }
    ranked.sort((a, b) => b.score - a.score || a.i - b.i);
    return ranked.slice(0, limit).map(({ i, score, match }) => ({ id: docs[i]!.id, score: round(score), match }));
  }

  return {
    search,
    get: (id) => {
      const i = byId.get(id);
      return i === undefined ? undefined : docs[i];
    },
    size: docs.length,
  };
}

/** The `k` items with the highest score (ties: the lower index), those `accepts` refuses left out. */
function topK(items: number[], scoreOf: (i: number) => number, k: number, accepts?: (i: number) => boolean): number[] {
  const kept = accepts ? items.filter(accepts) : items;
  const byScore = (a: number, b: number) => scoreOf(b) - scoreOf(a) || a - b;
  if (kept.length <= 4 * k) return kept.sort(byScore).slice(0, k);
  // Cheaper than sorting thousands with a comparator: the k-th best score from a typed-array sort, then only what
  // reaches it.
  const scores = Float64Array.from(kept, scoreOf).sort();
  const threshold = scores[scores.length - k]!;
  return kept
    .filter((i) => scoreOf(i) >= threshold)
    .sort(byScore)
    .slice(0, k);
}

/** The terms that carry meaning: function words dropped unless nothing else is left. */
function contentTerms(terms: string[]): string[] {
  const content = terms.filter((t) => !STOP_WORDS.has(t));
  return content.length > 0 ? content : terms;
}

const round = (score: number) => Math.round(score * 1e6) / 1e6;
