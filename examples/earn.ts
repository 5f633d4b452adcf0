/**
 * Earning with Skillproof, end to end, through the public HTTP API only:
 * an issuer authors a quiz-based credential, a project credential graded against a rubric, a peer-reviewed credential
 * and a pathway made of the three → learners sign up, take the quiz (one fails, then passes), submit projects, review
 * each other's work, get graded → the pathway credential is issued automatically → the learner exports a CLR.
 *
 *   npm run example:earn -- --base http://localhost:3000 --out ./earn-out
 *
 * Writes <out>/clr.json (the signed ClrCredential) and <out>/credentials/<id>.json (each credential the learner earned,
 * as anyone can fetch it). Signs in as the demo admin: --email/--password, or SKILLPROOF_DEMO_PASSWORD, or
 * DATA_DIR/demo-accounts.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { expectOk, passwordFor, session, type Api, type Json } from './client.js';

const { values: args } = parseArgs({
  options: {
    base: { type: 'string', default: 'http://localhost:3000' },
    out: { type: 'string', default: './earn-out' },
    email: { type: 'string', default: 'admin@demo.skillproof.dev' },
    password: { type: 'string' },
  },
});
const base = args.base.replace(/\/+$/, '');
const run = Date.now().toString(36);

// 1. The issuer: an organisation with four achievements.
const admin = await session(base, '/api/v1/auth/sign-in', {
  email: args.email,
  password: await passwordFor(args.email, args.password),
});
const { org } = await admin('POST', '/api/v1/orgs', {
  slug: `data-school-${run}`,
  name: 'Example Data School',
  url: 'https://data-school.example',
});
const orgPath = `/api/v1/orgs/${org.id}`;
const achievement = async (definition: object) =>
  (await admin('POST', `${orgPath}/achievements`, definition)).achievement;
const sqlBadge = await achievement({
  name: 'SQL Fundamentals',
  description: 'Writes SELECT queries with filters, joins and aggregates.',
  criteria: { narrative: 'Pass the SQL quiz with 70% or more.' },
  creditsAvailable: 1,
  eqfLevel: 4,
});
const projectBadge = await achievement({
  name: 'Data Cleaning Project',
  description: 'Cleans a messy data set and documents every step.',
  criteria: { narrative: 'Submit a data-cleaning project graded Proficient or better against the published rubric.' },
  creditsAvailable: 2,
  eqfLevel: 5,
});
const storyBadge = await achievement({
  name: 'Data Storytelling',
  description: 'Presents an analysis as a clear, honest story for a non-specialist audience.',
  criteria: { narrative: 'Write a data story that peers, calibrated against reference stories, grade as passing.' },
  creditsAvailable: 2,
  eqfLevel: 5,
});
const pathway = await achievement({
  name: 'Junior Data Analyst',
  description: 'A stacked credential: SQL, data cleaning and data storytelling, each shown in an assessment.',
  criteria: { narrative: 'Earn SQL Fundamentals, Data Cleaning Project and Data Storytelling.' },
  achievementType: 'Certificate',
  creditsAvailable: 5,
  eqfLevel: 5,
});
console.log(`organisation ${org.did}`);

// 2. A quiz for SQL Fundamentals: five question types, pass mark 70%.
const { assessment: quiz } = await admin('POST', `${orgPath}/assessments`, {
  kind: 'quiz',
  title: 'SQL quiz',
  achievementId: sqlBadge.id,
  settings: { passMark: 70, shuffleChoices: true, timeLimitSeconds: 1800, maxAttempts: 3, feedback: 'immediate' },
});
const quizPath = `${orgPath}/assessments/${quiz.id}`;
const questions = [
  {
    type: 'single_choice',
    prompt: 'Which clause filters rows before grouping?',
    points: 1,
    choices: [{ text: 'WHERE', correct: true }, { text: 'HAVING' }, { text: 'ORDER BY' }],
  },
  {
    type: 'multiple_choice',
    prompt: 'Which are aggregate functions?',
    points: 1,
    choices: [{ text: 'COUNT', correct: true }, { text: 'SUM', correct: true }, { text: 'UPPER' }],
  },
  { type: 'true_false', prompt: 'An INNER JOIN keeps rows without a match.', points: 1, correct: false },
  { type: 'numeric', prompt: 'SELECT 7 / 2.0 returns?', points: 1, value: 3.5, tolerance: 0.001 },
  {
    type: 'short_answer',
    prompt: 'Which keyword removes duplicate rows from a result?',
    points: 1,
    accepted: ['DISTINCT'],
  },
  {
    type: 'ordering',
    prompt: 'Order the clauses as they are written.',
    points: 1,
    items: ['SELECT', 'FROM', 'WHERE', 'GROUP BY'],
  },
];
for (const q of questions) await admin('POST', `${quizPath}/questions`, q);
await admin('POST', `${quizPath}/open`);

// 3. A project for Data Cleaning, graded by an assessor against a rubric.
const rubric = {
  criteria: [
    {
      id: 'cleaning',
      name: 'Cleaning',
      levels: [
        { id: 'novice', name: 'Novice', points: 0 },
        { id: 'proficient', name: 'Proficient', points: 2 },
        { id: 'expert', name: 'Expert', points: 3 },
      ],
    },
    {
      id: 'documentation',
      name: 'Documentation',
      levels: [
        { id: 'novice', name: 'Novice', points: 0 },
        { id: 'proficient', name: 'Proficient', points: 2 },
        { id: 'expert', name: 'Expert', points: 3 },
      ],
    },
  ],
};
const { assessment: project } = await admin('POST', `${orgPath}/assessments`, {
  kind: 'project',
  title: 'Data cleaning project',
  achievementId: projectBadge.id,
  settings: { rubric, passMark: 60 },
});
await admin('POST', `${orgPath}/assessments/${project.id}/open`);

// 4. A peer-reviewed data story: each submission reviewed by two peers, calibrated on a reference story.
const { assessment: story } = await admin('POST', `${orgPath}/assessments`, {
  kind: 'peer_review',
  title: 'Data story',
  achievementId: storyBadge.id,
  settings: { rubric, passMark: 60, reviewsPerSubmission: 2, anonymous: true, calibration: 1 },
});
const storyPath = `${orgPath}/assessments/${story.id}`;
await admin('POST', `${storyPath}/reference-submissions`, {
  text: 'A reference story: the question, the data, three charts, the caveats, the answer.',
  referenceLevels: { cleaning: 'proficient', documentation: 'expert' },
});
await admin('POST', `${storyPath}/open`);

// 5. The pathway: all three components, issued automatically when the learner holds them.
await admin('PUT', `${orgPath}/achievements/${pathway.id}/award-rule`, {
  rule: {
    type: 'allOf',
    rules: [
      { type: 'achievement', achievementId: sqlBadge.id },
      { type: 'achievement', achievementId: projectBadge.id },
      { type: 'achievement', achievementId: storyBadge.id },
    ],
  },
});

// 6. Learners sign up. Ana is the one the example follows; three classmates make the peer-review cohort.
const learners = await Promise.all(
  ['ana', 'ben', 'chloe', 'dev'].map(async (name) => {
    const email = `${name}.${run}@learners.example`;
    const api = await session(base, '/api/v1/auth/sign-up', {
      email,
      password: `${name} learns data ${run}`,
      name: name[0]!.toUpperCase() + name.slice(1),
      kind: 'learner',
    });
    return { name, email, api };
  }),
);
const [ana] = learners as [(typeof learners)[number]];

/** Answers the quiz: right answers (found by the choices' text) when `know`, wrong ones otherwise. */
async function takeQuiz(learner: Api, know: boolean) {
  const { attempt } = await learner('POST', `/api/v1/assessments/${quiz.id}/attempts`);
  const answers: Record<string, unknown> = {};
  for (const q of attempt.questions as Json[]) {
    const choice = (text: string) => q.choices.find((c: Json) => c.text === text).id;
    switch (q.type) {
      case 'single_choice':
        answers[q.id] = { choiceId: choice(know ? 'WHERE' : 'HAVING') };
        break;
      case 'multiple_choice':
        answers[q.id] = { choiceIds: know ? [choice('COUNT'), choice('SUM')] : [choice('UPPER')] };
        break;
      case 'true_false':
        answers[q.id] = { value: !know };
        break;
      case 'numeric':
        answers[q.id] = { value: know ? 3.5 : 3 };
        break;
      case 'short_answer':
        answers[q.id] = { text: know ? 'distinct' : 'unique' };
        break;
      case 'ordering': {
        const order = ['SELECT', 'FROM', 'WHERE', 'GROUP BY'].map((t) => q.items.find((i: Json) => i.text === t).id);
        answers[q.id] = { order: know ? order : order.reverse() };
        break;
      }
    }
  }
  await learner('PUT', `/api/v1/attempts/${attempt.id}/answers`, { answers });
  return (await learner('POST', `/api/v1/attempts/${attempt.id}/submit`)).attempt;
}
const failed = await takeQuiz(ana.api, false);
const passed = await takeQuiz(ana.api, true);
console.log(`quiz: ${failed.percent}% (passed: ${failed.passed}), then ${passed.percent}% (passed: ${passed.passed})`);

// 7. Ana submits the project; an assessor (the admin) grades it.
const { submission: work } = await ana.api('POST', `/api/v1/assessments/${project.id}/submissions`, {
  text: 'Removed 312 duplicate rows, normalised dates to ISO 8601, documented each step in README.md.',
  links: ['https://git.example/ana/cleaning'],
});
const graded = await admin('POST', `${orgPath}/assessments/${project.id}/submissions/${work.id}/grades`, {
  levels: { cleaning: 'expert', documentation: 'proficient' },
  comment: 'Thorough and reproducible.',
});
console.log(`project graded: ${graded.submission.percent}% (passed: ${graded.submission.passed})`);

// 8. Everyone submits a data story; the system assigns each to two peers; peers calibrate, then review.
for (const l of learners) {
  await l.api('POST', `/api/v1/assessments/${story.id}/submissions`, {
    text: `${l.name}'s story: how commute times changed after the new tram line, with caveats.`,
  });
}
await admin('POST', `${storyPath}/peer-assignments`, { seed: 'example' });
for (let round = 0; round < 3; round++) {
  for (const l of learners) {
    const { reviews } = await l.api('GET', '/api/v1/me/reviews');
    for (const review of (reviews as Json[]).filter((r) => r.state === 'assigned')) {
      await l.api('POST', `/api/v1/reviews/${review.id}`, {
        levels: { cleaning: 'proficient', documentation: 'expert' },
        comment: 'Clear question and honest caveats.',
      });
    }
  }
}

// 9. The pathway credential was issued when the third component was: Ana's credentials, and her CLR.
const { credentials } = await ana.api('GET', '/api/v1/me/credentials');
const names = (credentials as Json[]).map((c) => c.document.name);
console.log(`Ana holds ${credentials.length} credentials: ${names.join(', ')}`);
if (!names.includes('Junior Data Analyst')) throw new Error('The pathway credential was not issued.');
const progress = await ana.api('GET', `/api/v1/me/progress/${pathway.id}`);
console.log(`pathway progress: satisfied ${progress.progress.satisfied}`);

await mkdir(join(args.out, 'credentials'), { recursive: true });
for (const c of credentials as Json[]) {
  const id = c.credential.id as string;
  const res = await fetch(`${base}/credentials/${id}`, { headers: { accept: 'application/vc+ld+json' } });
  await writeFile(join(args.out, 'credentials', `${id}.json`), JSON.stringify(await expectOk(res), null, 2));
}
const clr = await ana.api('POST', '/api/v1/me/clr', {});
await writeFile(join(args.out, 'clr.json'), JSON.stringify(clr.document, null, 2));
console.log(`wrote ${credentials.length} credentials and clr.json to ${args.out}`);
