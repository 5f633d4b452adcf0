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
export { buildSkillProfile } from './gap/build-skill-profile.js';
export type {
  CredentialSkills,
  EvidenceSource,
  SelfDeclaredSkill,
  SkillEvidence,
  SkillProfile,
} from './gap/build-skill-profile.js';
export { createSkillTaxonomy } from './gap/skill-taxonomy.js';
export type { SkillTaxonomy, TaxonomySkill } from './gap/skill-taxonomy.js';
export { ESCO_WEIGHT, goalRequirements, ONET_ESSENTIAL_IMPORTANCE } from './gap/goal-requirements.js';
export type { Goal, GoalRequirement } from './gap/goal-requirements.js';
export { analyseGap, DEFAULT_HIERARCHY_CREDIT } from './gap/analyse-gap.js';
export type {
  CreditRelation,
  CreditVia,
  GapAnalysis,
  GapOptions,
  HierarchyCredit,
  SkillGap,
} from './gap/analyse-gap.js';
export { createNextRoleIndex } from './gap/create-next-role-index.js';
export type { NextRole, NextRoleIndex, NextRoleOptions, RoleOccupation } from './gap/create-next-role-index.js';
export { loadHighsSolver } from './plan/milp-solver.js';
export type { HighsLoaderOptions, MilpProblem, MilpRow, MilpSolution, MilpSolver } from './plan/milp-solver.js';
export { createPlanCatalogue, planLearningPath } from './plan/plan-learning-path.js';
export type {
  CatalogueCredential,
  LearningPlan,
  PlanCatalogue,
  PlanCostMeasure,
  PlanGoal,
  PlanGoalSkill,
  PlanGuarantee,
  PlanOptions,
  PlanRequest,
  PlanStep,
} from './plan/plan-learning-path.js';
export { rankReachableRoles } from './plan/rank-reachable-roles.js';
export type {
  RankReachableRolesOptions,
  ReachableRole,
  ReachableRolesRequest,
  RoleCandidate,
} from './plan/rank-reachable-roles.js';
