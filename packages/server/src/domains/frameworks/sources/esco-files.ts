/**
 * The ESCO v1.1.1 CSV files the ESCO reader uses and the columns it reads from each. The shipped copy
 * (packages/server/data/esco-1.1.1, built by scripts/build-framework-data.ts) keeps exactly these columns under the
 * original file and header names, so the reader takes the shipped copy and an original ESCO download alike.
 *
 * @example
 * for await (const { row } of files.rows(ESCO_FILES.skills.name, { delimiter: ',', required: ESCO_FILES.skills.columns })) …
 */
export const ESCO_FILES = {
  skills: {
    name: 'skills_en.csv',
    columns: ['conceptUri', 'skillType', 'reuseLevel', 'preferredLabel', 'altLabels', 'description', 'modifiedDate'],
  },
  skillGroups: {
    name: 'skillGroups_en.csv',
    columns: ['conceptUri', 'code', 'preferredLabel', 'altLabels', 'description', 'modifiedDate'],
  },
  /**
   * Only for the skill groups skillGroups_en.csv leaves out (7 in v1.1.1) although broaderRelationsSkillPillar.csv
   * places them in the hierarchy; its shallower rows omit trailing empty columns.
   */
  skillsHierarchy: {
    name: 'skillsHierarchy_en.csv',
    columns: [
      'Level 0 URI',
      'Level 0 preferred term',
      'Level 1 URI',
      'Level 1 preferred term',
      'Level 2 URI',
      'Level 2 preferred term',
      'Level 3 URI',
      'Level 3 preferred term',
      'Description',
      'Level 0 code',
      'Level 1 code',
      'Level 2 code',
      'Level 3 code',
    ],
  },
  broaderSkills: {
    name: 'broaderRelationsSkillPillar.csv',
    columns: ['conceptType', 'conceptUri', 'broaderType', 'broaderUri'],
  },
  skillSkillRelations: {
    name: 'skillSkillRelations.csv',
    columns: ['originalSkillUri', 'originalSkillType', 'relationType', 'relatedSkillType', 'relatedSkillUri'],
  },
  occupations: {
    name: 'occupations_en.csv',
    columns: ['conceptUri', 'iscoGroup', 'code', 'preferredLabel', 'altLabels', 'description'],
  },
  iscoGroups: {
    name: 'ISCOGroups_en.csv',
    columns: ['conceptUri', 'code', 'preferredLabel', 'altLabels', 'description'],
  },
  broaderOccupations: {
    name: 'broaderRelationsOccPillar.csv',
    columns: ['conceptType', 'conceptUri', 'broaderType', 'broaderUri'],
  },
  occupationSkills: {
    name: 'occupationSkillRelations.csv',
    columns: ['occupationUri', 'relationType', 'skillType', 'skillUri'],
  },
  digitalSkills: { name: 'digitalSkillsCollection_en.csv', columns: ['conceptUri'] },
  greenSkills: { name: 'greenSkillsCollection_en.csv', columns: ['conceptUri'] },
  transversalSkills: { name: 'transversalSkillsCollection_en.csv', columns: ['conceptUri'] },
  languageSkills: { name: 'languageSkillsCollection_en.csv', columns: ['conceptUri'] },
} as const satisfies Record<string, { name: string; columns: readonly string[] }>;

/** The skill collections, as the names of the flags they set in a skill item's `extra.collections`. */
export const ESCO_COLLECTIONS = {
  digital: ESCO_FILES.digitalSkills,
  green: ESCO_FILES.greenSkills,
  transversal: ESCO_FILES.transversalSkills,
  language: ESCO_FILES.languageSkills,
} as const;

/** Files read with padded short rows (see {@link ESCO_FILES}.skillsHierarchy). */
export const ESCO_RAGGED_FILES: readonly string[] = [ESCO_FILES.skillsHierarchy.name];
