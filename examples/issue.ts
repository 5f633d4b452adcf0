/**
 * Issuing with Skillproof, end to end, through the public HTTP API only:
 * sign in → create an organisation and an achievement → issue one credential → issue a 1,000-row CSV batch →
 * claim a credential as the learner → revoke one → save every credential, as served at /credentials/{id}.
 *
 *   npm run example:issue -- --base http://localhost:3000 --out ./example-out
 *
 * Signs in as the demo admin: --email/--password, or SKILLPROOF_DEMO_PASSWORD, or DATA_DIR/demo-accounts.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { expectOk, passwordFor, session } from './client.js';

const { values: args } = parseArgs({
  options: {
    base: { type: 'string', default: 'http://localhost:3000' },
    out: { type: 'string', default: './example-out' },
    email: { type: 'string', default: 'admin@demo.skillproof.dev' },
    password: { type: 'string' },
    rows: { type: 'string', default: '1000' },
  },
});
const base = args.base.replace(/\/+$/, '');
const LEARNER = 'learner@demo.skillproof.dev';

// 1. Sign in as the demo admin; create an organisation and an achievement.
const admin = await session(base, '/api/v1/auth/sign-in', {
  email: args.email,
  password: await passwordFor(args.email, args.password),
});
const { org } = await admin('POST', '/api/v1/orgs', {
  slug: `example-${Date.now().toString(36)}`,
  name: 'Example Academy',
  url: 'https://academy.example',
  email: 'badges@academy.example',
});
const orgPath = `/api/v1/orgs/${org.id}`;
const { achievement } = await admin('POST', `${orgPath}/achievements`, {
  name: 'Spreadsheet Modelling',
  description: 'Builds reliable spreadsheet models: clean inputs, traceable formulas, checked outputs.',
  criteria: { narrative: 'Pass the modelling project, graded against the published rubric.' },
  tags: ['spreadsheets', 'modelling'],
});
console.log(`organisation ${org.did}, achievement ${achievement.url}`);

// 2. Issue one credential, to the demo learner (retrying with the same Idempotency-Key never issues twice).
const { credential: first } = await admin('POST', `${orgPath}/credentials`, {
  achievementId: achievement.id,
  recipient: { email: LEARNER },
  name: 'Lee Learner',
});

// 3. Issue a CSV batch: upload → preview → confirm → wait for the job → report.
const rows = Number(args.rows);
const csv = ['email,name', ...Array.from({ length: rows }, (_, i) => `learner${i}@school.example,Learner ${i}`)].join(
  '\n',
);
const preview = await admin(
  'POST',
  `${orgPath}/batches?achievementId=${achievement.id}&filename=cohort.csv`,
  csv,
  'text/csv',
);
console.log(`batch ${preview.batch.id}: ${preview.batch.validRows} valid rows, ${preview.batch.invalidRows} invalid`);
await admin('POST', `${orgPath}/batches/${preview.batch.id}/confirm`);
let batch = preview.batch;
while (batch.status !== 'completed') {
  await new Promise((r) => setTimeout(r, 500));
  ({ batch } = await admin('GET', `${orgPath}/batches/${preview.batch.id}`));
  process.stdout.write(`\r  issued ${batch.issued}/${batch.validRows}`);
}
process.stdout.write('\n');
const report = await admin('GET', `${orgPath}/batches/${preview.batch.id}/report`);
const batchIds: string[] = report.rows.map((r: { credentialId: string }) => r.credentialId);

// 4. The learner reads the claim mail (the development outbox) and claims the credential.
const learner = await session(base, '/api/v1/auth/sign-in', { email: LEARNER, password: await passwordFor(LEARNER) });
const { mails } = await learner('GET', '/api/v1/me/outbox');
const token = /\/claim\/([\w-]+)/.exec(mails[0].text)![1];
await learner('POST', '/api/v1/claims', { token });

// 5. Revoke one credential from the batch.
const revokedId = batchIds[0]!;
await admin('POST', `${orgPath}/credentials/${revokedId}/revoke`, { reason: 'Issued to the wrong cohort.' });

// 6. Save every credential as anyone can fetch it.
for (const dir of ['valid', 'revoked']) await mkdir(join(args.out, dir), { recursive: true });
for (const id of [first.id, ...batchIds]) {
  const res = await fetch(`${base}/credentials/${id}`, { headers: { accept: 'application/vc+ld+json' } });
  const dir = id === revokedId ? 'revoked' : 'valid';
  await writeFile(join(args.out, dir, `${id}.json`), JSON.stringify(await expectOk(res), null, 2));
}
console.log(`wrote ${batchIds.length} valid credentials and 1 revoked one to ${args.out}`);
