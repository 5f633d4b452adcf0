import { STOP_WORDS, termsOf } from './normalize.js';

/** The indexed fields, in falling weight: preferred label, alternative labels, description. */
export const PREFERRED = 0;
export const ALT = 1;
export const DESCRIPTION = 2;
export const FIELDS = 3;

/** BM25+ (Lv & Zhai 2011) parameters, as MiniSearch uses them. */
const K1 = 1.2;
const B = 0.7;

/** What the index is built from: a document's labels (preferred first) and description. */
export interface IndexedText {
  label: string;
  altLabels: readonly string[];
  description: string;
}

/**
 * Postings, lengths and labels in flat typed arrays: ESCO (14,000 skills, 750,000 words) would otherwise be a
 * hundred thousand small arrays, which cost more to build and collect than to search.
 */
export interface InvertedIndex {
  /** Words by id, and ids by word. */
  terms: string[];
  termIds: Map<string, number>;
  /** Per word, `(document × FIELDS + field, term frequency)` pairs in its labels: `labelData[2*labelStart[t] …]`. */
  labelStart: Int32Array;
  labelData: Int32Array;
  /** The same for descriptions. */
  descriptionStart: Int32Array;
  descriptionData: Int32Array;
  /** Per word and field: BM25 inverse document frequency. */
  idf: Float64Array;
  /** Per document and field: BM25's `k1 × (1 − b + b × length / average length)`. */
  lengthNorm: Float64Array;
  /**
   * Per document, its labels `docLabels[i] … docLabels[i + 1] − 1` (the first the preferred one); per label, its
   * words `labelTerms[labelBounds[l] … labelBounds[l + 1] − 1]`.
   */
  docLabels: Int32Array;
  labelBounds: Int32Array;
  labelTerms: Int32Array;
  /** Per word: 1 for a function word (see STOP_WORDS). */
  isStopWord: Uint8Array;
}

/** An Int32Array that grows as it is written. */
class IntBuffer {
  data = new Int32Array(1024);
  length = 0;
  push(value: number): void {
    if (this.length === this.data.length) {
      const bigger = new Int32Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = value;
  }
  done(): Int32Array {
    return this.data.slice(0, this.length);
  }
}

/** Documents tokenised between two pauses of a stepwise build. */
export const DOCUMENTS_PER_STEP = 500;

/**
 * Builds the inverted index over `texts` (document i is `texts[i]`), pausing (yielding) every
 * {@link DOCUMENTS_PER_STEP} documents and between passes, so that a caller can build without holding the thread.
 */
export function* buildInvertedIndex(texts: readonly IndexedText[]): Generator<void, InvertedIndex, void> {
  const n = texts.length;
  const terms: string[] = [];
  const termIds = new Map<string, number>();
  const idOf = (term: string) => {
    let id = termIds.get(term);
    if (id === undefined) {
      id = terms.length;
      termIds.set(term, id);
      terms.push(term);
    }
    return id;
  };
  const tokens = new IntBuffer();
  const segmentStart = new Int32Array(n * FIELDS + 1);
  const docLabels = new Int32Array(n + 1);
  const labelBounds = new IntBuffer();
  const labelTerms = new IntBuffer();

  // Pass 1: every document's words as ids, field after field, and where each label's words are.
  for (let i = 0; i < n; i++) {
    if (i % DOCUMENTS_PER_STEP === DOCUMENTS_PER_STEP - 1) yield;
    const { label, altLabels, description } = texts[i]!;
    docLabels[i] = labelBounds.length;
    segmentStart[i * FIELDS + PREFERRED] = tokens.length;
    const preferred = termsOf(label);
    labelBounds.push(labelTerms.length);
    for (const w of preferred) {
      const id = idOf(w);
      tokens.push(id);
      labelTerms.push(id);
    }
    segmentStart[i * FIELDS + ALT] = tokens.length;
    for (const alt of altLabels) {
      labelBounds.push(labelTerms.length);
      for (const w of termsOf(alt)) {
        const id = idOf(w);
        tokens.push(id);
        labelTerms.push(id);
      }
    }
    segmentStart[i * FIELDS + DESCRIPTION] = tokens.length;
    for (const w of termsOf(description)) tokens.push(idOf(w));
  }
  segmentStart[n * FIELDS] = tokens.length;
  docLabels[n] = labelBounds.length;
  labelBounds.push(labelTerms.length);
  const words = tokens.done();

  // Passes 2 and 3: count each (word, document × field) once, with its frequency; then lay the postings out per word.
  const v = terms.length;
  const frequency = new Int32Array(v);
  const seen: number[] = [];
  function* eachPosting(visit: (term: number, docField: number, tf: number) => void): Generator<void, void, void> {
    for (let docField = 0; docField < n * FIELDS; docField++) {
      if (docField % (FIELDS * DOCUMENTS_PER_STEP) === FIELDS * DOCUMENTS_PER_STEP - 1) yield;
      for (let k = segmentStart[docField]!; k < segmentStart[docField + 1]!; k++) {
        const t = words[k]!;
        if (frequency[t]!++ === 0) seen.push(t);
      }
      for (const t of seen) {
        visit(t, docField, frequency[t]!);
        frequency[t] = 0;
      }
      seen.length = 0;
    }
  }
  const df = new Int32Array(v * FIELDS);
  yield* eachPosting((t, docField) => df[t * FIELDS + (docField % FIELDS)]!++);
  const labelStart = new Int32Array(v + 1);
  const descriptionStart = new Int32Array(v + 1);
  for (let t = 0; t < v; t++) {
    labelStart[t + 1] = labelStart[t]! + df[t * FIELDS + PREFERRED]! + df[t * FIELDS + ALT]!;
    descriptionStart[t + 1] = descriptionStart[t]! + df[t * FIELDS + DESCRIPTION]!;
  }
  const labelData = new Int32Array(2 * labelStart[v]!);
  const descriptionData = new Int32Array(2 * descriptionStart[v]!);
  const labelFill = labelStart.slice(0, v);
  const descriptionFill = descriptionStart.slice(0, v);
  yield* eachPosting((t, docField, tf) => {
    if (docField % FIELDS === DESCRIPTION) {
      const at = 2 * descriptionFill[t]!++;
      descriptionData[at] = docField;
      descriptionData[at + 1] = tf;
    } else {
      const at = 2 * labelFill[t]!++;
      labelData[at] = docField;
      labelData[at + 1] = tf;
    }
  });

  yield;
  const documents = Math.max(1, n);
  const idf = new Float64Array(v * FIELDS);
  for (let k = 0; k < idf.length; k++) idf[k] = Math.log(1 + (documents - df[k]! + 0.5) / (df[k]! + 0.5));
  const average = [0, 0, 0];
  for (let docField = 0; docField < n * FIELDS; docField++) {
    average[docField % FIELDS]! += segmentStart[docField + 1]! - segmentStart[docField]!;
  }
  const lengthNorm = new Float64Array(n * FIELDS);
  for (let docField = 0; docField < n * FIELDS; docField++) {
    const length = segmentStart[docField + 1]! - segmentStart[docField]!;
    lengthNorm[docField] = K1 * (1 - B + (B * length) / (average[docField % FIELDS]! / documents || 1));
  }

  return {
    terms,
    termIds,
    labelStart,
    labelData,
    descriptionStart,
    descriptionData,
    idf,
    lengthNorm,
    docLabels,
    labelBounds: labelBounds.done(),
    labelTerms: labelTerms.done(),
    isStopWord: Uint8Array.from(terms, (t) => (STOP_WORDS.has(t) ? 1 : 0)),
  };
}
