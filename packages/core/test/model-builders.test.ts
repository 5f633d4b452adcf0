import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ACHIEVEMENT_TYPES,
  buildAchievement,
  buildAchievementCredential,
  buildClrCredential,
  buildEndorsementCredential,
  buildProfile,
  canonize,
  createDocumentLoader,
  createIdentityObject,
  validateCredential,
  type AchievementCredentialInput,
  type JsonObject,
} from '../src/index.js';

const ACHIEVEMENT = {
  id: 'https://example.edu/achievements/teamwork',
  name: 'Teamwork',
  description: 'Works well in a team.',
  criteria: { narrative: 'Nominated by peers.' },
};
const BASE: AchievementCredentialInput = {
  id: 'urn:uuid:6a9d6f4e-5bd0-4e0e-8b5a-1f6a0b0c9e11',
  issuer: { id: 'did:web:example.edu', name: 'Example University' },
  validFrom: '2024-01-01T00:00:00Z',
  name: 'Teamwork',
  subject: { id: 'did:example:learner' },
  achievement: ACHIEVEMENT,
};

const hasUndefined = (v: unknown): boolean =>
  v === undefined || (v !== null && typeof v === 'object' && Object.values(v).some(hasUndefined));

describe('buildAchievementCredential', () => {
  it('produces exactly the OB 3.0.3 / VC 2.0 shape, in a fixed key order', () => {
    const credential = buildAchievementCredential(BASE);
    expect(JSON.stringify(credential)).toBe(
      JSON.stringify({
        '@context': [
          'https://www.w3.org/ns/credentials/v2',
          'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json',
        ],
        id: 'urn:uuid:6a9d6f4e-5bd0-4e0e-8b5a-1f6a0b0c9e11',
        type: ['VerifiableCredential', 'OpenBadgeCredential'],
        name: 'Teamwork',
        issuer: { id: 'did:web:example.edu', type: ['Profile'], name: 'Example University' },
        validFrom: '2024-01-01T00:00:00Z',
        credentialSubject: {
          id: 'did:example:learner',
          type: ['AchievementSubject'],
          achievement: {
            id: 'https://example.edu/achievements/teamwork',
            type: ['Achievement'],
            achievementType: 'MicroCredential',
            name: 'Teamwork',
            description: 'Works well in a team.',
            criteria: { narrative: 'Nominated by peers.' },
          },
        },
      }),
    );
    expect(validateCredential(credential)).toMatchObject({ valid: true, kind: 'OpenBadgeCredential', version: 'v2' });
  });

  it('keeps a caller-chosen achievementType, writes Dates without milliseconds, omits what is not given', () => {
    const credential = buildAchievementCredential({
      ...BASE,
      validFrom: new Date(Date.UTC(2024, 0, 2, 3, 4, 5)),
      validUntil: new Date(Date.UTC(2025, 0, 2, 3, 4, 5, 678)),
      achievement: { ...ACHIEVEMENT, achievementType: 'ext:Nanodegree', image: 'https://example.edu/t.png' },
    });
    expect(credential.validFrom).toBe('2024-01-02T03:04:05Z');
    expect(credential.validUntil).toBe('2025-01-02T03:04:05.678Z');
    expect(credential.credentialSubject.achievement).toMatchObject({
      achievementType: 'ext:Nanodegree',
      image: { id: 'https://example.edu/t.png', type: 'Image' },
    });
    expect(hasUndefined(credential)).toBe(false);
    expect('credentialSchema' in credential).toBe(false);
  });

  it('never emits 1EdTechJsonSchemaValidator2019; offers the VC 2.0 JsonSchema type instead', () => {
    const withSchema = buildAchievementCredential({
      ...BASE,
      credentialSchema: [
        { id: 'https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json' },
      ],
    });
    expect(withSchema.credentialSchema).toEqual([
      {
        id: 'https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json',
        type: 'JsonSchema',
      },
    ]);
    expect(() =>
      buildAchievementCredential({
        ...BASE,
        credentialSchema: [
          { id: 'https://example.edu/s.json', type: '1EdTechJsonSchemaValidator2019' as 'JsonSchema' },
        ],
      }),
    ).toThrowError(expect.objectContaining({ code: 'ERR_INPUT_INVALID' }) as Error);
  });

  it('identifies a recipient by IdentityObject, with results and evidence', () => {
    const identifier = [createIdentityObject({ email: 'ada@example.org', salt: 's' })];
    const credential = buildAchievementCredential({
      ...BASE,
      subject: { identifier, activityStartDate: '2023-09-01T09:00:00', role: 'Captain' },
      result: [{ resultDescription: 'urn:uuid:rd-1', value: 'A' }],
      evidence: [{ id: 'https://example.edu/evidence/1', narrative: 'Led the project.' }],
    });
    expect(Object.keys(credential.credentialSubject)).toEqual([
      'type',
      'identifier',
      'achievement',
      'result',
      'activityStartDate',
      'role',
    ]);
    expect(credential.evidence).toEqual([
      { id: 'https://example.edu/evidence/1', type: ['Evidence'], narrative: 'Led the project.' },
    ]);
    expect(validateCredential(credential).valid).toBe(true);
  });

  it('throws ERR_SCHEMA_INVALID with the issue path when the input breaks the model', () => {
    const cases: Array<[Partial<AchievementCredentialInput>, string]> = [
      [{ id: 'not a uri' }, '$.id'],
      [{ validFrom: '2024-01-01' }, '$.validFrom'],
      [{ subject: {} as AchievementCredentialInput['subject'] }, '$.credentialSubject'],
      [
        { achievement: { ...ACHIEVEMENT, achievementType: 'Program' as 'Badge' } },
        '$.credentialSubject.achievement.achievementType',
      ],
      [{ issuer: { id: 'example.edu' } }, '$.issuer.id'],
    ];
    for (const [patch, path] of cases) {
      expect(() => buildAchievementCredential({ ...BASE, ...patch })).toThrowError(
        expect.objectContaining({ code: 'ERR_SCHEMA_INVALID', path }) as Error,
      );
    }
    expect(() => buildAchievementCredential({ ...BASE, validFrom: new Date(NaN) })).toThrowError(
      expect.objectContaining({ code: 'ERR_INPUT_INVALID' }) as Error,
    );
  });

  it('builds credentials that canonize in JSON-LD safe mode with the bundled contexts', async () => {
    const loader = createDocumentLoader();
    const credential = buildAchievementCredential({
      ...BASE,
      subject: { id: 'did:example:learner', identifier: [createIdentityObject({ email: 'a@example.org' })] },
      achievement: {
        ...ACHIEVEMENT,
        alignment: [{ targetName: 'Collaboration', targetUrl: 'https://example.org/c', targetType: 'CFItem' }],
        resultDescription: [
          { id: 'urn:uuid:rd-1', name: 'Grade', resultType: 'LetterGrade', allowedValue: ['A', 'B'] },
        ],
      },
      result: [{ resultDescription: 'urn:uuid:rd-1', value: 'A' }],
      credentialSchema: [{ id: 'https://example.edu/schema.json' }],
    });
    const nquads = await canonize(credential as unknown as JsonObject, loader);
    expect(nquads).toContain('<https://purl.imsglobal.org/spec/vc/ob/vocab.html#OpenBadgeCredential>');
    const endorsement = buildEndorsementCredential({
      id: 'urn:uuid:e-1',
      issuer: 'did:web:accreditor.example',
      validFrom: '2024-01-01T00:00:00Z',
      name: 'Accredited',
      subject: { id: 'https://example.edu/achievements/teamwork', endorsementComment: 'Good.' },
    });
    await expect(canonize(endorsement as unknown as JsonObject, loader)).resolves.toContain('EndorsementCredential');
    const clr = buildClrCredential({
      id: 'urn:uuid:clr-1',
      issuer: 'did:web:example.edu',
      validFrom: '2024-01-01T00:00:00Z',
      name: 'Transcript',
      subject: { id: 'did:example:learner', verifiableCredential: [credential] },
    });
    await expect(canonize(clr as unknown as JsonObject, loader)).resolves.toContain('ClrCredential');
  });
});

describe('buildEndorsementCredential, buildClrCredential, buildProfile, buildAchievement', () => {
  it('writes the endorsement with the OB contexts and an EndorsementSubject', () => {
    const e = buildEndorsementCredential({
      id: 'urn:uuid:e-1',
      issuer: { id: 'did:web:accreditor.example', name: 'Accreditor' },
      validFrom: '2024-01-01T00:00:00Z',
      name: 'Accredited',
      subject: { id: 'did:web:example.edu' },
    });
    expect(e['@context']).toEqual([
      'https://www.w3.org/ns/credentials/v2',
      'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json',
    ]);
    expect(e.type).toEqual(['VerifiableCredential', 'EndorsementCredential']);
    expect(e.credentialSubject).toEqual({ id: 'did:web:example.edu', type: ['EndorsementSubject'] });
    expect(validateCredential(e)).toMatchObject({ valid: true, kind: 'EndorsementCredential' });
  });

  it('writes the CLR with CLR 2.0.1 before OB 3.0.3 and Association objects', () => {
    const badge = buildAchievementCredential(BASE);
    const clr = buildClrCredential({
      id: 'urn:uuid:clr-1',
      issuer: 'did:web:example.edu',
      validFrom: '2024-01-01T00:00:00Z',
      name: 'Transcript',
      partial: true,
      subject: {
        id: 'did:example:learner',
        verifiableCredential: [badge],
        achievement: [ACHIEVEMENT, { ...ACHIEVEMENT, id: 'https://example.edu/achievements/leadership' }],
        association: [
          {
            associationType: 'isParentOf',
            sourceId: 'https://example.edu/achievements/leadership',
            targetId: ACHIEVEMENT.id,
          },
        ],
      },
    });
    expect(clr['@context']).toEqual([
      'https://www.w3.org/ns/credentials/v2',
      'https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json',
      'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json',
    ]);
    expect(Object.keys(clr.credentialSubject)).toEqual([
      'id',
      'type',
      'verifiableCredential',
      'achievement',
      'association',
    ]);
    expect(clr.credentialSubject.association?.[0]).toEqual({
      type: 'Association',
      associationType: 'isParentOf',
      sourceId: 'https://example.edu/achievements/leadership',
      targetId: ACHIEVEMENT.id,
    });
    expect(validateCredential(clr)).toMatchObject({ valid: true, kind: 'ClrCredential' });
    expect(() =>
      buildClrCredential({
        id: 'urn:uuid:clr-2',
        issuer: 'did:web:example.edu',
        validFrom: '2024-01-01T00:00:00Z',
        name: 'T',
        subject: { id: 'did:example:l', verifiableCredential: [] },
      }),
    ).toThrowError(
      expect.objectContaining({
        code: 'ERR_SCHEMA_INVALID',
        path: '$.credentialSubject.verifiableCredential',
      }) as Error,
    );
  });

  it('builds parts on their own and checks them', () => {
    expect(
      buildProfile({
        id: 'did:web:example.edu',
        url: 'https://example.edu',
        parentOrg: { id: 'did:web:parent.example' },
      }),
    ).toEqual({
      id: 'did:web:example.edu',
      type: ['Profile'],
      url: 'https://example.edu',
      parentOrg: { id: 'did:web:parent.example', type: ['Profile'] },
    });
    expect(() => buildProfile({ id: 'did:web:example.edu', url: 'example.edu' })).toThrowError(
      expect.objectContaining({ code: 'ERR_SCHEMA_INVALID', path: '$.url' }) as Error,
    );
    expect(buildAchievement(ACHIEVEMENT).achievementType).toBe('MicroCredential');
    expect(() => buildAchievement({ ...ACHIEVEMENT, inLanguage: 'English' })).toThrowError(
      expect.objectContaining({ code: 'ERR_SCHEMA_INVALID', path: '$.inLanguage' }) as Error,
    );
  });
});

describe('builders: properties over generated inputs', () => {
  const uri = fc.oneof(
    fc.webUrl(),
    fc.uuid().map((u) => `urn:uuid:${u}`),
    fc.stringMatching(/^[a-z0-9]{1,20}$/).map((s) => `did:example:${s}`),
  );
  const text = fc.string({ maxLength: 40 });
  const iso = fc
    .date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true })
    .map((d) => d.toISOString());
  const achievement = fc.record(
    {
      id: uri,
      name: text,
      description: text,
      criteria: fc.record({ id: uri, narrative: text }, { requiredKeys: [] }),
      achievementType: fc.oneof(fc.constantFrom(...ACHIEVEMENT_TYPES), fc.stringMatching(/^ext:[A-Za-z0-9._-]{1,10}$/)),
      image: fc.oneof(uri, fc.record({ id: uri, caption: text }, { requiredKeys: ['id'] })),
      creditsAvailable: fc.integer({ min: 0, max: 1000 }).map((n) => n / 4),
      tag: fc.array(text, { maxLength: 3 }),
      inLanguage: fc.constantFrom('en', 'en-US', 'fr', 'zh-Hant-TW'),
      alignment: fc.array(fc.record({ targetName: text, targetUrl: uri }), { maxLength: 2 }),
    },
    { requiredKeys: ['id', 'name', 'description', 'criteria'] },
  );
  const input = fc.record(
    {
      id: uri,
      issuer: fc.oneof(uri, fc.record({ id: uri, name: text, url: uri, email: text }, { requiredKeys: ['id'] })),
      validFrom: iso,
      validUntil: iso,
      name: text,
      description: text,
      subject: fc.oneof(
        fc.record({ id: uri }),
        fc.record({ identifier: fc.constant([createIdentityObject({ email: 'ada@example.org', salt: 'x' })]) }),
      ),
      achievement,
      result: fc.array(
        fc.record({ value: text, status: fc.constantFrom('Completed', 'InProgress') }, { requiredKeys: [] }),
        {
          maxLength: 2,
        },
      ),
      evidence: fc.array(fc.record({ id: uri, narrative: text }, { requiredKeys: [] }), { maxLength: 2 }),
    },
    { requiredKeys: ['id', 'issuer', 'validFrom', 'name', 'subject', 'achievement'] },
  );

  it('always validates, has no undefined values, survives a JSON round trip and is deterministic', () => {
    fc.assert(
      fc.property(input, (i) => {
        const credential = buildAchievementCredential(i as AchievementCredentialInput);
        expect(validateCredential(credential)).toMatchObject({ valid: true, kind: 'OpenBadgeCredential' });
        expect(hasUndefined(credential)).toBe(false);
        expect(JSON.parse(JSON.stringify(credential))).toEqual(credential);
        expect(JSON.stringify(buildAchievementCredential(i as AchievementCredentialInput))).toBe(
          JSON.stringify(credential),
        );
        expect(Object.keys(credential).slice(0, 3)).toEqual(['@context', 'id', 'type']);
      }),
      { numRuns: 200 },
    );
  });
});
