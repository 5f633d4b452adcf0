import { STOP_WORDS, termsOf } from '../normalize.js';
import { SkillsError } from '../skills-error.js';
import { porterStem } from './porter-stem.js';

/** A skill the extractor can find: an ESCO skill, say, with how many occupations ask for it. */
export interface ExtractorSkill {
  readonly uri: string;
  readonly label: string;
  readonly altLabels?: readonly string[] | undefined;
  readonly description?: string | undefined;
  /** How many occupations ask for the skill (ESCO essential + optional links): a prior for common skills. */
  readonly occupations?: number | undefined;
}

/** One skill found in a text. */
export interface ExtractedSkill {
  uri: string;
  /** The preferred label. */
  label: string;
  /** Higher is better; comparable within one result list. */
  score: number;
  /** The preferred or alternative label whose words the text holds best (absent when only the description matched). */
  matched?: string;
}

export interface ExtractOptions {
  /** How many skills at most (default 10). */
  top?: number;
}

export interface SkillExtractor {
  /** The skills a text mentions, best first. */
  extract(text: string, options?: ExtractOptions): ExtractedSkill[];
  readonly size: number;
}

/** Text beyond this many characters is not read: the work per call stays bounded (a job posting is ~5,000). */
export const MAX_EXTRACT_CHARS = 20_000;
const DEFAULT_TOP = 10;
/** How much the description's BM25 score (scaled to the best candidate's) adds to the label score (0–1). */
const DESCRIPTION_SHARE = 0.3;
/** How much the occupation prior (0–1, log-scaled) adds. */
const PRIOR_SHARE = 0.1;
/** A label whose words the text holds but scattered (not within twice the label's length) counts this much. */
const SCATTERED = 0.7;
/**
 * How much the share of the text's own IDF mass a label accounts for adds: of two labels the text holds whole, the
 * longer (more specific) one wins, as in longest-match span tagging; a text that is exactly a label puts it first.
 */
const SPECIFICITY_SHARE = 0.25;
/**
 * Added when the text's content words are exactly a label's: the text names that skill. A preferred label's exact match
 * outranks an alternative label's (ESCO reuses some alternative labels as other skills' preferred labels).
 */
const EXACT_PREFERRED = 2;
const EXACT_ALT = 1;
const K1 = 1.2;
const B = 0.75;

/**
 * English function words (besides the index's STOP_WORDS) that name no skill: pronouns, auxiliaries, determiners.
 * They are dropped from labels and text alike, so "be able to …" labels match on their content.
 */
const FUNCTION_WORDS: ReadonlySet<string> = new Set([
  ...STOP_WORDS,
  'about',
  'all',
  'also',
  'am',
  'any',
  'are',
  'be',
  'been',
  'being',
  'but',
  'can',
  'could',
  'do',
  'does',
  'etc',
  'has',
  'have',
  'he',
  'her',
  'his',
  'i',
  'if',
  'is',
  'it',
  'its',
  'may',
  'me',
  'must',
  'my',
  'not',
  'our',
  'she',
  'should',
  'so',
  'such',
  'than',
  'that',
  'their',
  'them',
  'they',
  'this',
  'those',
  'these',
  'us',
  'was',
  'we',
  'were',
  'what',
  'which',
  'who',
  'will',
  'would',
  'you',
  'your',
]);

/** The content words of a text, stemmed, in order (function words dropped). */
function stemsOf(text: string): string[] {
  const out: string[] = [];
  for (const t of termsOf(text)) if (!FUNCTION_WORDS.has(t)) out.push(porterStem(t));
  return out;
}

/**
 * An extractor of skills from free text (a job posting's sentence, a course description), built in memory from a
 * skill catalogue. Pure and offline. Each skill is scored by how much of one of its labels (preferred or alternative)
 * the text holds: the IDF-weighted share of the label's stemmed content words found in the text, squared so that a
 * whole label outranks half of a longer one, and discounted when the words lie scattered rather than together. IDF is
 * taken over the catalogue's labels and descriptions together, so words common in descriptions ("knowledge",
 * "experience") weigh little. BM25 of the text against the skill's description, and a prior from how many occupations
 * ask for the skill, add smaller shares. Ties keep catalogue order; the same input always gives the same result.
 *
 * @example
 * ```ts
 * const extractor = createSkillExtractor([
 *   { uri: 'urn:x:sql', label: 'SQL', description: 'The computer language SQL is a query language.' },
 *   { uri: 'urn:x:teams', label: 'work in teams', altLabels: ['team working'] },
 * ]);
 * extractor.extract('Team player with strong SQL experience', { top: 2 })[0]?.uri; // 'urn:x:sql'
 * ```
 */
export function createSkillExtractor(skills: readonly ExtractorSkill[]): SkillExtractor {
  const seen = new Set<string>();
  for (const [i, skill] of skills.entries()) {
    if (typeof skill?.uri !== 'string' || typeof skill.label !== 'string') {
      throw new SkillsError('ERR_EXTRACT_INPUT', `Skill ${i} needs a uri and a label (strings).`, {
        path: `$[${i}]`,
      });
    }
    if (seen.has(skill.uri)) {
      throw new SkillsError('ERR_EXTRACT_INPUT', `Two skills have the uri ${JSON.stringify(skill.uri)}.`, {
        path: `$[${i}].uri`,
      });
    }
    seen.add(skill.uri);
  }

  // Labels: each a list of distinct content stems; postings from stem to the labels holding it.
  const labelSkill: number[] = [];
  const labelText: string[] = [];
  const labelIsPreferred: boolean[] = [];
  const labelStems: string[][] = [];
  const labelPostings = new Map<string, number[]>();
  // Descriptions: term frequencies per skill, for BM25.
  const descriptionPostings = new Map<string, [number, number][]>();
  const descriptionLength = new Float64Array(skills.length);
  // Document frequency over each skill's labels and description together (one document per skill).
  const df = new Map<string, number>();

  skills.forEach((skill, i) => {
    const inSkill = new Set<string>();
    const labels = [skill.label, ...(skill.altLabels ?? [])];
    const keys = new Set<string>();
    for (const [k, text] of labels.entries()) {
      const stems = [...new Set(stemsOf(text))];
      const key = stems.join(' ');
      if (stems.length === 0 || keys.has(key)) continue;
      keys.add(key);
      const id = labelSkill.length;
      labelSkill.push(i);
      labelText.push(text);
      labelIsPreferred.push(k === 0);
      labelStems.push(stems);
      for (const s of stems) {
        inSkill.add(s);
        let list = labelPostings.get(s);
        if (!list) labelPostings.set(s, (list = []));
        list.push(id);
      }
    }
    const description = stemsOf(skill.description ?? '');
    descriptionLength[i] = description.length;
    const tf = new Map<string, number>();
    for (const s of description) tf.set(s, (tf.get(s) ?? 0) + 1);
    for (const [s, n] of tf) {
      inSkill.add(s);
      let list = descriptionPostings.get(s);
      if (!list) descriptionPostings.set(s, (list = []));
      list.push([i, n]);
    }
    for (const s of inSkill) df.set(s, (df.get(s) ?? 0) + 1);
  });

  const n = skills.length;
  const idf = (stem: string) => {
    const d = df.get(stem) ?? 0;
    return Math.log(1 + (n - d + 0.5) / (d + 0.5));
  };
  const labelMass = labelStems.map((stems) => stems.reduce((sum, s) => sum + idf(s), 0));
  let averageDescription = 0;
  for (const l of descriptionLength) averageDescription += l / Math.max(1, n);
  averageDescription ||= 1;
  let maxOccupations = 0;
  for (const skill of skills) maxOccupations = Math.max(maxOccupations, skill.occupations ?? 0);
  const prior = skills.map((s) =>
    maxOccupations > 0 ? Math.log1p(Math.max(0, s.occupations ?? 0)) / Math.log1p(maxOccupations) : 0,
  );

  function extract(text: string, options: ExtractOptions = {}): ExtractedSkill[] {
    if (typeof text !== 'string')
      throw new SkillsError('ERR_EXTRACT_INPUT', 'The text to extract from must be a string.');
    const top = options.top === undefined ? DEFAULT_TOP : Math.floor(options.top);
    if (!(top > 0)) return [];
    const stems = stemsOf(text.slice(0, MAX_EXTRACT_CHARS));
    if (stems.length === 0) return [];
    const positions = new Map<string, number[]>();
    stems.forEach((s, k) => {
      let list = positions.get(s);
      if (!list) positions.set(s, (list = []));
      list.push(k);
    });

    // Label evidence: matched IDF mass per label, then the best label per skill.
    const matchedMass = new Map<number, number>();
    let textMass = 0;
    for (const s of positions.keys()) textMass += idf(s);
    for (const s of positions.keys()) {
      const w = idf(s);
      for (const id of labelPostings.get(s) ?? []) matchedMass.set(id, (matchedMass.get(id) ?? 0) + w);
    }
    const labelScore = new Map<number, { score: number; label: number }>();
    for (const [id, mass] of matchedMass) {
      const coverage = labelMass[id]! > 0 ? mass / labelMass[id]! : 0;
      let score = coverage * coverage + (textMass > 0 ? (SPECIFICITY_SHARE * coverage * mass) / textMass : 0);
      if (labelStems[id]!.length === positions.size && coverage >= 1 - 1e-9) {
        score += labelIsPreferred[id] ? EXACT_PREFERRED : EXACT_ALT;
      }
      if (coverage >= 1 - 1e-9 && labelStems[id]!.length > 1 && !isNear(labelStems[id]!, positions)) score *= SCATTERED;
      const i = labelSkill[id]!;
      const best = labelScore.get(i);
      if (!best || score > best.score) labelScore.set(i, { score, label: id });
    }

    // Description evidence: BM25 over the text's distinct stems.
    const descriptionScore = new Map<number, number>();
    for (const s of positions.keys()) {
      const list = descriptionPostings.get(s);
      if (!list) continue;
      const w = idf(s);
      for (const [i, tf] of list) {
        const norm = K1 * (1 - B + (B * descriptionLength[i]!) / averageDescription);
        descriptionScore.set(i, (descriptionScore.get(i) ?? 0) + (w * tf * (K1 + 1)) / (tf + norm));
      }
    }
    let bestDescription = 0;
    for (const v of descriptionScore.values()) bestDescription = Math.max(bestDescription, v);
    bestDescription ||= 1;

    const ranked: { i: number; score: number; label?: number }[] = [];
    for (const i of new Set([...labelScore.keys(), ...descriptionScore.keys()])) {
      const byLabel = labelScore.get(i);
      const score =
        (byLabel?.score ?? 0) +
        (DESCRIPTION_SHARE * (descriptionScore.get(i) ?? 0)) / bestDescription +
        PRIOR_SHARE * prior[i]!;
      ranked.push({ i, score, ...(byLabel && { label: byLabel.label }) });
    }
    ranked.sort((a, b) => b.score - a.score || a.i - b.i);
    return ranked.slice(0, top).map(({ i, score, label }) => ({
      uri: skills[i]!.uri,
      label: skills[i]!.label,
      score: Math.round(score * 1e6) / 1e6,
      ...(label !== undefined && { matched: labelText[label]! }),
    }));
  }

  return { extract, size: skills.length };
}

/** Do a label's stems occur within a window of twice its length somewhere in the text? */
function isNear(label: readonly string[], positions: ReadonlyMap<string, number[]>): boolean {
  const window = 2 * label.length;
  for (const start of positions.get(label[0]!) ?? []) {
    if (label.every((s) => (positions.get(s) ?? []).some((p) => Math.abs(p - start) < window))) return true;
  }
  return false;
}
