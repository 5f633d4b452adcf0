/**
 * @skillproof/skills: ranked, typo-tolerant search over competency frameworks' skills and occupations. No I/O: the
 * caller hands over the documents; runs in Node and in the browser.
 */
export { createSkillIndex, createSkillIndexAsync } from './create-skill-index.js';
export type { SkillDocument, SkillHit, SkillIndex, SkillMatch, SkillSearchOptions } from './create-skill-index.js';
export { foldText, labelKey, termsOf } from './normalize.js';
export { isSkillsError, SkillsError } from './skills-error.js';
export type { SkillsErrorCode } from './skills-error.js';
export { createSkillExtractor, MAX_EXTRACT_CHARS } from './extract/create-skill-extractor.js';
export type {
  ExtractedSkill,
  ExtractOptions,
  ExtractorSkill,
  SkillExtractor,
} from './extract/create-skill-extractor.js';
