import { randomBytes, randomUUID } from 'node:crypto';
import type { AccountKind } from '../db/schema.js';
import type { AppDeps } from '../http/env.js';
import { hashPassword } from '../security/passwords.js';
import { createOrganization } from '../domains/orgs/service.js';
import { createAchievement } from '../domains/achievements/service.js';
import { AchievementDefinition } from '../domains/achievements/definition.js';
import { audit } from '../audit.js';
import { issueCredentials } from '../domains/issuing/issue.js';

export interface DemoAccount {
  kind: AccountKind;
  email: string;
  password: string;
}

export const DEMO_ORG_SLUG = 'demo';

const ACCOUNTS: { kind: AccountKind; email: string; name: string }[] = [
  { kind: 'staff', email: 'admin@demo.skillproof.dev', name: 'Ada Admin' },
  { kind: 'learner', email: 'learner@demo.skillproof.dev', name: 'Lee Learner' },
  { kind: 'employer', email: 'employer@demo.skillproof.dev', name: 'Emery Employer' },
];

/** An alignment to an ESCO v1.1.1 skill (ESCO, © European Union, CC BY 4.0). */
const esco = (targetName: string, uuid: string) => ({
  targetName,
  targetUrl: `http://data.europa.eu/esco/skill/${uuid}`,
  targetFramework: 'ESCO v1.1.1',
  targetType: 'ceasn:Competency' as const,
});

const ACHIEVEMENTS = [
  {
    name: 'SQL Fundamentals',
    description: 'Writes SELECT queries with filters, joins and aggregates to answer questions from relational data.',
    criteria: { narrative: 'Score 80% or more on the SQL Fundamentals quiz (30 questions, 45 minutes).' },
    creditsAvailable: 1,
    hours: 12,
    price: { amount: 0, currency: 'EUR' },
    tags: ['sql', 'data'],
    alignment: [
      esco('SQL', '598de5b0-5b58-4ea7-8058-a4bc4d18c742'),
      esco('use databases', '4463a721-69f3-413d-8321-43e3af13a4f1'),
    ],
    resultDescription: [
      { name: 'Quiz score', resultType: 'Percent', valueMin: '0', valueMax: '100', requiredValue: '80' },
    ],
  },
  {
    name: 'Data Visualisation Project',
    description: 'Designs and builds a clear, honest dashboard from a real data set and explains the choices made.',
    criteria: { narrative: 'Submit a dashboard project graded at "Proficient" or above on every rubric criterion.' },
    creditsAvailable: 2,
    hours: 30,
    price: { amount: 149, currency: 'EUR' },
    validityDays: 1095,
    tags: ['visualisation', 'data'],
    alignment: [esco('prepare visual data', 'c0326e27-5fa8-4dca-aecb-ed89ab491513')],
    resultDescription: [
      {
        name: 'Project rubric',
        resultType: 'RubricCriterionLevel',
        rubricCriterionLevel: [
          { name: 'Developing', level: '1' },
          { name: 'Proficient', level: '2' },
          { name: 'Exemplary', level: '3' },
        ],
        requiredValue: 'Proficient',
      },
    ],
  },
  {
    name: 'Workplace Data Ethics',
    description: 'Recognises personal data, applies data-minimisation and consent rules, and reports misuse.',
    criteria: { narrative: 'Pass the scenario-based assessment.' },
    hours: 4,
    price: { amount: 0, currency: 'EUR' },
    tags: ['ethics', 'gdpr'],
    alignment: [esco('ensure information privacy', '71717c33-dd63-4acf-b052-a5fd5d9fc490')],
    resultDescription: [{ name: 'Outcome', resultType: 'Status' }],
  },
];

/**
 * Seeds the demo organisation (with achievements, published in the learning catalogue) and the demo accounts — admin, learner, employer, the learner holding
 * two credentials — into an empty
 * database. Returns the accounts with their generated passwords (to print once), or `undefined` when the database
 * already holds an organisation. Passwords come from `password` when given (tests, scripted demos).
 */
export async function seedDemo(deps: AppDeps, options: { password?: string } = {}): Promise<DemoAccount[] | undefined> {
  return deps.db.transaction().execute(async (tx) => {
    const any = await tx.selectFrom('organizations').select('id').limit(1).executeTakeFirst();
    if (any) return undefined;
    const now = deps.clock();
    const accounts: DemoAccount[] = [];
    let adminId = '';
    let learnerId = '';
    for (const a of ACCOUNTS) {
      const password = options.password ?? randomBytes(12).toString('base64url');
      const id = randomUUID();
      await tx
        .insertInto('users')
        .values({
          id,
          email: a.email,
          name: a.name,
          kind: a.kind,
          passwordHash: await hashPassword(password, deps.passwordParams),
        })
        .execute();
      if (a.kind === 'staff') adminId = id;
      if (a.kind === 'learner') learnerId = id;
      accounts.push({ kind: a.kind, email: a.email, password });
    }
    const org = await createOrganization(
      tx,
      deps,
      {
        slug: DEMO_ORG_SLUG,
        name: 'Skillproof Demo University',
        url: deps.publicUrl,
        email: 'badges@demo.skillproof.dev',
        description:
          'A demonstration issuer: every credential it issues is signed and verifiable, but not a real award.',
      },
      adminId,
    );
    const achievements = [];
    for (const a of ACHIEVEMENTS) {
      achievements.push(await createAchievement(tx, org.id, AchievementDefinition.parse(a), now, adminId));
    }
    // In the learning catalogue, so that learning plans have something to choose from.
    await tx
      .updateTable('achievements')
      .set({ publishedAt: now })
      .where(
        'id',
        'in',
        achievements.map((a) => a.achievementId),
      )
      .execute();
    // The learner already holds two of them, so their side of the demo is not empty.
    const learner = accounts.find((a) => a.kind === 'learner')!;
    for (const a of [achievements[0]!, achievements[2]!]) {
      const [credential] = await issueCredentials(tx, deps, {
        orgId: org.id,
        achievementId: a.achievementId,
        items: [{ recipient: { email: learner.email }, name: 'Lee Learner', notify: false }],
        actor: null,
      });
      await tx
        .updateTable('credentials')
        .set({ holderUserId: learnerId, claimedAt: now, namePublic: true })
        .where('id', '=', credential!.id)
        .execute();
    }
    await audit(tx, null, now, { orgId: org.id, action: 'demo.seed', targetType: 'organization', targetId: org.id });
    return accounts;
  });
}
