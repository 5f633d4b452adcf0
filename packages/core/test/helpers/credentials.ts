import { generateEd25519Key, signCredential } from '../../src/index.js';
import type { Ed25519Key, JsonObject } from '../../src/index.js';
import { vectorJson } from './vectors.js';

const OB_CONTEXT = [
  'https://www.w3.org/ns/credentials/v2',
  'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json',
];

/** A fixed test issuer key (seed 1…32), its own did:key. */
export function testIssuerKey(): Ed25519Key {
  return generateEd25519Key({ seed: Uint8Array.from({ length: 32 }, (_, i) => i + 1) });
}

/** A rich unsigned OB 3.0 credential: rubric levels, an @list of allowed values, alignments, results, evidence. */
export function richCredential(issuer: string): JsonObject {
  return {
    '@context': OB_CONTEXT,
    id: 'urn:uuid:7f1c8a9e-3b1a-4c55-9d3e-2f1b6c0a9d11',
    type: ['VerifiableCredential', 'OpenBadgeCredential'],
    issuer: {
      id: issuer,
      type: ['Profile'],
      name: 'Skillproof Academy',
      url: 'https://academy.example/',
      email: 'badges@academy.example',
    },
    validFrom: '2025-03-01T09:00:00Z',
    validUntil: '2030-03-01T09:00:00Z',
    name: 'Data Analysis with SQL — Level 2',
    credentialSubject: {
      id: 'did:example:learner-42',
      type: ['AchievementSubject'],
      achievement: {
        id: 'https://academy.example/achievements/sql-2',
        type: ['Achievement'],
        achievementType: 'MicroCredential',
        name: 'Data Analysis with SQL',
        description: 'Writes correct, efficient analytical SQL: joins, window functions, CTEs. «Ünïcödé» 数据 🧮',
        criteria: { narrative: 'Pass the proctored assessment with at least 80%, and a rubric-graded project.' },
        creditsAvailable: 2.5,
        humanCode: 'SQL-201',
        inLanguage: 'en',
        fieldOfStudy: 'Data science',
        tag: ['sql', 'analytics', 'databases'],
        alignment: [
          {
            type: ['Alignment'],
            targetName: 'use databases',
            targetUrl: 'http://data.europa.eu/esco/skill/6f0d4b25-5f3e-4b40-8b0e-8e2b2d6f0a11',
            targetType: 'ceasn:Competency',
            targetFramework: 'ESCO',
          },
        ],
        resultDescription: [
          {
            id: 'https://academy.example/achievements/sql-2/results/grade',
            type: ['ResultDescription'],
            name: 'Grade',
            resultType: 'LetterGrade',
            allowedValue: ['A', 'B', 'C', 'D'],
            requiredValue: 'C',
          },
          {
            id: 'https://academy.example/achievements/sql-2/results/project',
            type: ['ResultDescription'],
            name: 'Project rubric',
            resultType: 'RubricCriterionLevel',
            rubricCriterionLevel: [
              {
                id: 'https://academy.example/rubric/l1',
                type: ['RubricCriterionLevel'],
                name: 'Emerging',
                level: '1',
                points: '1',
              },
              {
                id: 'https://academy.example/rubric/l2',
                type: ['RubricCriterionLevel'],
                name: 'Proficient',
                level: '2',
                points: '3',
              },
            ],
            requiredLevel: 'https://academy.example/rubric/l2',
          },
        ],
      },
      result: [
        { type: ['Result'], resultDescription: 'https://academy.example/achievements/sql-2/results/grade', value: 'B' },
        {
          type: ['Result'],
          resultDescription: 'https://academy.example/achievements/sql-2/results/project',
          achievedLevel: 'https://academy.example/rubric/l2',
        },
      ],
      creditsEarned: 2.5,
    },
    evidence: [
      {
        id: 'https://academy.example/evidence/991',
        type: ['Evidence'],
        name: 'Capstone project',
        narrative: 'Analysed 1.2M rows of sales data.',
      },
    ],
  };
}

/** Signed test credentials, made once per test file: the OB example re-issued, the rich one, and a proof set. */
export async function signedTestCredentials(): Promise<Array<{ name: string; credential: JsonObject }>> {
  const key = testIssuerKey();
  const created = '2025-03-01T09:00:00Z';
  const ob = vectorJson('1edtech-openbadges-specification/extracted-from-html/linked-data-proof-ob.credential.json');
  delete ob.proof;
  ob.issuer = { ...(ob.issuer as JsonObject), id: key.controller };
  const rich = richCredential(key.controller);
  const richSigned = await signCredential(rich, { key, created });
  return [
    { name: '1EdTech OB example', credential: await signCredential(ob, { key, created }) },
    { name: 'rich OB credential', credential: richSigned },
    {
      name: 'proof set of two',
      credential: await signCredential(richSigned, { key, created: '2025-03-02T09:00:00Z' }),
    },
  ];
}
