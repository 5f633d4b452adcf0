import { z, type OpenAPIHono } from '@hono/zod-openapi';
import type { SkillEvidence } from '@skillproof/skills';
import { access } from '../../http/access.js';
import type { AppEnv } from '../../http/env.js';
import { route } from '../../http/route.js';
import { errorResponse, jsonBody, jsonResponse } from '../../http/schemas.js';
import { learnerGap } from './learner-gap.js';
import { loadLearnerSkills, setDeclaredSkills } from './learner-skills.js';
import { nextRoleIndexFor } from './next-roles.js';
import {
  DeclaredSkillsInput,
  ExtractInput,
  ExtractJson,
  GapInput,
  GapJson,
  NextRolesJson,
  SkillProfileJson,
} from './schemas.js';
import { skillExtractorFor } from './skill-extractor.js';

const TAGS = ['Guidance'];

// A learner's own data only: every /me route reads the caller's account, so there is nothing to name and nothing of
// anyone else's to reach.
const READ = access.signedIn({ scope: 'skills:read' });
const WRITE = access.signedIn({ scope: 'skills:write' });

const profileRoute = route({
  method: 'get',
  path: '/api/v1/me/skills',
  access: READ,
  summary: 'My skill profile',
  description:
    'Per skill, the strongest then newest verified evidence: credentials issued here that you hold (at the level the ' +
    'achievement requires) and imported credentials verified on import (their achievement’s alignments), with date, ' +
    'issuer and source. Revoked, suspended and expired credentials do not count. Self-declared skills are listed apart.',
  tags: TAGS,
  responses: { 200: jsonResponse('The profile', SkillProfileJson) },
});

const declareRoute = route({
  method: 'put',
  path: '/api/v1/me/skills/declared',
  access: WRITE,
  summary: 'Set my self-declared skills',
  description: 'Replaces the whole list. They stay marked as self-declared and never count as verified.',
  tags: TAGS,
  request: { body: jsonBody(DeclaredSkillsInput) },
  responses: { 200: jsonResponse('The profile', SkillProfileJson) },
});

const gapRoute = route({
  method: 'post',
  path: '/api/v1/me/gap',
  access: READ,
  summary: 'My skill gap for a goal',
  description:
    'Per skill the goal asks for: weight, required and held level (0–1), shortfall, the evidence that counted, and an ' +
    'explanation; with the weighted score and essential coverage. Goals: an occupation (ESCO essential 1 / optional ' +
    '0.5; O*NET from Importance and Level), a job profile of an organisation you belong to, or a job posting (the ESCO ' +
    'skills found in it, each essential). A held skill also counts, in part, for a related required one through the ' +
    'isChildOf hierarchy of the frameworks you can see: a narrower skill 0.5 per level, a broader 0.25 per level, a ' +
    'sibling under a small parent skill 0.25. An unknown occupation or job profile is 404.',
  tags: TAGS,
  request: { body: jsonBody(GapInput) },
  responses: { 200: jsonResponse('The gap', GapJson), 404: errorResponse('No such occupation or job profile') },
});

const nextRolesRoute = route({
  method: 'get',
  path: '/api/v1/me/next-roles',
  access: READ,
  summary: 'The occupations I am closest to',
  description:
    'Occupations of the global and public frameworks (ESCO, O*NET), by cosine similarity of your verified skills and ' +
    'the occupation’s weighted skills (IDF-weighted: rare skills say more than common ones), with the weighted share ' +
    'you already hold and the skills that count most. Only occupations sharing a skill with you; self-declared skills ' +
    'do not count.',
  tags: TAGS,
  request: {
    query: z.object({
      limit: z.coerce.number().int().min(1).max(50).default(10).openapi({ description: 'At most 50.' }),
    }),
  },
  responses: { 200: jsonResponse('Suggestions, closest first', NextRolesJson) },
});

const extractRoute = route({
  method: 'post',
  path: '/api/v1/skills/extract',
  access: access.public('public'),
  summary: 'Find the ESCO skills a text mentions',
  description:
    'Ranked ESCO skills, best first (BM25 over labels and descriptions with an occupation prior; offline, nothing ' +
    'downloaded). Rate-limited per client address.',
  tags: TAGS,
  request: { body: jsonBody(ExtractInput) },
  responses: { 200: jsonResponse('The skills', ExtractJson) },
});

/** Evidence as the API shows it: every field present (null when absent), with the skill's label. */
function evidenceJson(e: SkillEvidence, labels: ReadonlyMap<string, string>) {
  return {
    skill: e.skill,
    label: labels.get(e.skill) ?? null,
    level: e.level,
    date: e.date ?? null,
    source: e.source,
    credentialId: e.credentialId ?? null,
    issuer: e.issuer ? { id: e.issuer.id, name: e.issuer.name ?? null } : null,
  };
}

/** Guidance: a learner's skill profile, their gap for a goal, and text → skills. */
export function registerGuidanceRoutes(app: OpenAPIHono<AppEnv>): void {
  const profileOf = async (deps: AppEnv['Variables']['deps'], userId: string) => {
    const { profile, labels } = await loadLearnerSkills(deps.db, deps.publicUrl, userId, deps.clock());
    return {
      verified: profile.verified.map((e) => evidenceJson(e, labels)),
      selfDeclared: profile.selfDeclared.map((e) => evidenceJson(e, labels)),
    };
  };

  app.openapi(profileRoute, async (c) => c.json(await profileOf(c.get('deps'), c.get('principal')!.userId), 200));

  app.openapi(declareRoute, async (c) => {
    const deps = c.get('deps');
    const { userId } = c.get('principal')!;
    const { skills } = c.req.valid('json');
    await deps.db.transaction().execute((tx) => setDeclaredSkills(tx, userId, skills, deps.clock()));
    return c.json(await profileOf(deps, userId), 200);
  });

  app.openapi(gapRoute, async (c) => {
    const deps = c.get('deps');
    const { userId } = c.get('principal')!;
    const { goal: goalInput, includeSelfDeclared } = c.req.valid('json');
    const { goal, gap, learner } = await learnerGap(deps, userId, goalInput, { includeSelfDeclared });
    const { labels } = learner;
    return c.json(
      {
        goal: { kind: goal.kind, id: goal.id, title: goal.title },
        score: gap.score,
        essentialCoverage: gap.essentialCoverage,
        credit: gap.credit,
        skills: gap.skills.map((s) => ({
          ...s,
          via: s.via ? { ...s.via, evidence: evidenceJson(s.via.evidence, labels) } : null,
        })),
      },
      200,
    );
  });

  app.openapi(nextRolesRoute, async (c) => {
    const deps = c.get('deps');
    const { limit } = c.req.valid('query');
    const { profile, labels } = await loadLearnerSkills(
      deps.db,
      deps.publicUrl,
      c.get('principal')!.userId,
      deps.clock(),
    );
    const roles = (await nextRoleIndexFor(deps)).suggest(profile, { limit });
    return c.json(
      {
        roles: roles.map((r) => ({
          occupation: { id: r.id, title: r.label },
          similarity: r.similarity,
          coverage: r.coverage,
          shared: r.shared.map((skill) => ({ skill, label: labels.get(skill) ?? null })),
          sharedCount: r.sharedCount,
          skillCount: r.skillCount,
          explanation: r.explanation,
        })),
      },
      200,
    );
  });

  app.openapi(extractRoute, async (c) => {
    const { text, top } = c.req.valid('json');
    const extractor = await skillExtractorFor(c.get('deps'));
    return c.json(
      { skills: extractor.extract(text, { top }).map(({ uri, label, score }) => ({ uri, label, score })) },
      200,
    );
  });
}
