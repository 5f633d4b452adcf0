import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  canonize,
  checkCredentialStatus,
  createDocumentLoader,
  createStatusList,
  createStatusListCredential,
  createStatusListEntry,
  isSkillproofError,
} from '../src/index.js';
import type {
  CheckCredentialStatusOptions,
  JsonObject,
  StatusCheckReport,
  StatusListVerification,
} from '../src/index.js';

const VECTORS = fileURLToPath(new URL('./fixtures/vectors/', import.meta.url));
const DCC = VECTORS + 'digitalcredentials-vc-test-fixtures/';
const readJson = (path: string): Record<string, unknown> => JSON.parse(readFileSync(path, 'utf8'));
const NOW = new Date('2026-01-15T00:00:00Z');
const clock = () => NOW;
const LIST_URL = 'https://example.com/status/3';
const SUSPENSION_URL = 'https://example.com/status/4';
const MESSAGE_URL = 'https://example.com/status/8';

const MESSAGES = [
  { status: '0x0', message: 'pending_review' },
  { status: '0x1', message: 'accepted' },
  { status: '0x2', message: 'rejected' },
  { status: '0x3', message: 'undefined' },
];

function buildLists(): Map<string, unknown> {
  const revocation = createStatusList();
  revocation.set(94_567);
  const suspension = createStatusList();
  suspension.set(23_452);
  const message = createStatusList({ statusSize: 2 });
  message.set(492_847 % 131_072, 2);
  const common = { issuer: 'did:example:12345', validFrom: '2021-04-05T14:27:40Z' };
  return new Map<string, unknown>([
    [LIST_URL, createStatusListCredential({ id: LIST_URL, statusPurpose: 'revocation', list: revocation, ...common })],
    [
      SUSPENSION_URL,
      createStatusListCredential({ id: SUSPENSION_URL, statusPurpose: 'suspension', list: suspension, ...common }),
    ],
    [
      MESSAGE_URL,
      createStatusListCredential({
        id: MESSAGE_URL,
        statusPurpose: 'message',
        list: message,
        statusMessage: MESSAGES,
        ...common,
      }),
    ],
  ]);
}

function options(lists: Map<string, unknown>, extra: Partial<CheckCredentialStatusOptions> = {}) {
  const loads: string[] = [];
  const opts: CheckCredentialStatusOptions = {
    loadStatusList: async (url) => {
      loads.push(url);
      if (!lists.has(url)) throw new Error(`404 ${url}`);
      return structuredClone(lists.get(url));
    },
    verifyStatusListCredential: async () => ({ verified: true }),
    clock,
    ...extra,
  };
  return { opts, loads };
}

const revocationEntry = (index: number, url = LIST_URL) =>
  createStatusListEntry({ statusListCredential: url, statusListIndex: index, statusPurpose: 'revocation' });
const credentialWith = (credentialStatus: unknown): Record<string, unknown> => ({
  '@context': ['https://www.w3.org/ns/credentials/v2'],
  id: 'urn:uuid:8e1f5c1a-1111-4c2e-9d44-000000000001',
  type: ['VerifiableCredential'],
  issuer: 'did:example:12345',
  credentialSubject: { id: 'did:example:6789' },
  ...(credentialStatus === undefined ? {} : { credentialStatus }),
});

function expectReport(report: StatusCheckReport, status: StatusCheckReport['status'], code?: string): void {
  expect({ status: report.status, code: report.code }, report.message).toEqual({ status, code });
}

describe('checkCredentialStatus: every report code', () => {
  it('skipped: no credentialStatus (absent, null or empty)', async () => {
    const { opts, loads } = options(buildLists());
    for (const cs of [undefined, null, []]) {
      expectReport(await checkCredentialStatus(credentialWith(cs), opts), 'skipped');
    }
    expect(loads).toEqual([]);
  });

  it('passed: revocation and suspension bits clear; one load per list', async () => {
    const { opts, loads } = options(buildLists());
    const suspensionEntry = createStatusListEntry({
      statusListCredential: SUSPENSION_URL,
      statusListIndex: 94_567,
      statusPurpose: 'suspension',
    });
    const report = await checkCredentialStatus(
      credentialWith([revocationEntry(94_566), suspensionEntry, revocationEntry(94_568)]),
      opts,
    );
    expectReport(report, 'passed');
    expect(report.entries.map((e) => [e.position, e.status, e.value, e.statusListIndex])).toEqual([
      [0, 'passed', 0, 94_566],
      [1, 'passed', 0, 94_567],
      [2, 'passed', 0, 94_568],
    ]);
    expect(loads.sort()).toEqual([LIST_URL, SUSPENSION_URL]);
  });

  it('failed ERR_STATUS_REVOKED', async () => {
    const { opts } = options(buildLists());
    const report = await checkCredentialStatus(credentialWith(revocationEntry(94_567)), opts);
    expectReport(report, 'failed', 'ERR_STATUS_REVOKED');
    expect(report.entries[0]).toMatchObject({ value: 1, statusMessage: 'set', statusPurpose: 'revocation' });
  });

  it('failed ERR_STATUS_SUSPENDED', async () => {
    const { opts } = options(buildLists());
    const entry = createStatusListEntry({
      statusListCredential: SUSPENSION_URL,
      statusListIndex: 23_452,
      statusPurpose: 'suspension',
    });
    expectReport(await checkCredentialStatus(credentialWith(entry), opts), 'failed', 'ERR_STATUS_SUSPENDED');
  });

  it('failed ERR_STATUS_MESSAGE with the statusMessage text; 0x0 passes', async () => {
    const { opts } = options(buildLists());
    const entry = (index: number) =>
      createStatusListEntry({
        statusListCredential: MESSAGE_URL,
        statusListIndex: index,
        statusPurpose: 'message',
        statusSize: 2,
        statusMessage: MESSAGES,
      });
    const set = await checkCredentialStatus(credentialWith(entry(492_847 % 131_072)), opts);
    expectReport(set, 'failed', 'ERR_STATUS_MESSAGE');
    expect(set.entries[0]).toMatchObject({ value: 2, statusMessage: 'rejected' });
    expect(set.message).toContain('rejected');
    const clear = await checkCredentialStatus(credentialWith(entry(5)), opts);
    expectReport(clear, 'passed');
    expect(clear.entries[0]).toMatchObject({ value: 0, statusMessage: 'pending_review' });
  });

  it('unknown ERR_STATUS_UNAVAILABLE: the list cannot be loaded, or its proof cannot be checked now', async () => {
    const lists = buildLists();
    const cred = credentialWith(revocationEntry(94_567, 'https://example.com/status/missing'));
    expectReport(await checkCredentialStatus(cred, options(lists).opts), 'unknown', 'ERR_STATUS_UNAVAILABLE');
    const throwing = options(lists, {
      verifyStatusListCredential: async () => {
        throw new Error('resolver crashed');
      },
    }).opts;
    expectReport(
      await checkCredentialStatus(credentialWith(revocationEntry(1)), throwing),
      'unknown',
      'ERR_STATUS_UNAVAILABLE',
    );
    const offline = options(lists, {
      verifyStatusListCredential: async (): Promise<StatusListVerification> => ({
        verified: false,
        code: 'ERR_OFFLINE',
      }),
    }).opts;
    const report = await checkCredentialStatus(credentialWith(revocationEntry(1)), offline);
    expectReport(report, 'unknown', 'ERR_STATUS_UNAVAILABLE');
    expect(report.entries[0]?.causeCode).toBe('ERR_OFFLINE');
  });

  it('unknown ERR_STATUS_UNAVAILABLE: the list credential is expired or not yet valid (clock injected)', async () => {
    const lists = buildLists();
    const list = lists.get(LIST_URL) as Record<string, unknown>;
    list.validUntil = '2025-12-31T23:59:59Z';
    const expired = await checkCredentialStatus(credentialWith(revocationEntry(94_567)), options(lists).opts);
    expectReport(expired, 'unknown', 'ERR_STATUS_UNAVAILABLE');
    expect(expired.entries[0]?.causeCode).toBe('ERR_EXPIRED');
    // The same list read a day earlier is valid: the clock, not the system time, decides.
    const earlier = options(lists, { clock: () => new Date('2025-12-30T00:00:00Z') }).opts;
    expectReport(
      await checkCredentialStatus(credentialWith(revocationEntry(94_567)), earlier),
      'failed',
      'ERR_STATUS_REVOKED',
    );
    delete list.validUntil;
    list.validFrom = '2026-02-01T00:00:00Z';
    const early = await checkCredentialStatus(credentialWith(revocationEntry(94_567)), options(lists).opts);
    expectReport(early, 'unknown', 'ERR_STATUS_UNAVAILABLE');
    expect(early.entries[0]?.causeCode).toBe('ERR_NOT_YET_VALID');
  });

  it('failed ERR_STATUS_INDEX: malformed or out of range', async () => {
    const { opts } = options(buildLists());
    for (const statusListIndex of [
      'abc',
      '-1',
      '1.5',
      '',
      ' 7',
      '0x10',
      1.5,
      -3,
      null,
      '99999999999999999999',
      '131072',
    ]) {
      const entry = { ...revocationEntry(0), statusListIndex };
      const report = await checkCredentialStatus(credentialWith(entry), opts);
      expectReport(report, 'failed', 'ERR_STATUS_INDEX');
    }
    // A JSON number, as some StatusList2021 producers wrote, is read as the index.
    const numeric = { ...revocationEntry(0), statusListIndex: 94_567 };
    expectReport(await checkCredentialStatus(credentialWith(numeric), opts), 'failed', 'ERR_STATUS_REVOKED');
  });

  it('failed ERR_STATUS_LIST_INVALID: the list does not verify (a tampered list is never trusted)', async () => {
    const tampered = options(buildLists(), {
      verifyStatusListCredential: async () => ({
        verified: false,
        code: 'ERR_PROOF_INVALID',
        message: 'bad signature',
      }),
    }).opts;
    // Even when the tampered list says "not revoked".
    const report = await checkCredentialStatus(credentialWith(revocationEntry(5)), tampered);
    expectReport(report, 'failed', 'ERR_STATUS_LIST_INVALID');
    expect(report.entries[0]?.causeCode).toBe('ERR_PROOF_INVALID');
    expect(report.message).toContain('bad signature');
  });

  it('failed ERR_STATUS_LIST_INVALID: malformed list credentials', async () => {
    const base = buildLists().get(LIST_URL) as Record<string, unknown>;
    const subject = base.credentialSubject as Record<string, unknown>;
    const variants: [string, unknown][] = [
      ['not an object', 'just a string'],
      ['array', [base]],
      ['no BitstringStatusListCredential type', { ...base, type: ['VerifiableCredential'] }],
      ['subject missing', { ...base, credentialSubject: undefined }],
      ['subject wrong type', { ...base, credentialSubject: { ...subject, type: 'StatusList2021' } }],
      ['purpose mismatch', { ...base, credentialSubject: { ...subject, statusPurpose: 'suspension' } }],
      ['encodedList missing', { ...base, credentialSubject: { ...subject, encodedList: undefined } }],
      [
        'encodedList garbage',
        { ...base, credentialSubject: { ...subject, encodedList: 'uH4sIAAAAAAAAA-I-CHANGED-THIS' } },
      ],
      ['statusSize mismatch', { ...base, credentialSubject: { ...subject, statusSize: 2 } }],
      ['bad validUntil', { ...base, validUntil: 'next tuesday' }],
      ['too short', { ...base, credentialSubject: { ...subject, encodedList: shortList() } }],
    ];
    for (const [why, listCredential] of variants) {
      const { opts } = options(new Map([[LIST_URL, listCredential]]));
      const report = await checkCredentialStatus(credentialWith(revocationEntry(3)), opts);
      expect({ why, status: report.status, code: report.code }).toEqual({
        why,
        status: 'failed',
        code: 'ERR_STATUS_LIST_INVALID',
      });
    }
  });

  it('accepts a list whose statusPurpose is an array that includes the entry purpose (§3.2)', async () => {
    const lists = buildLists();
    const list = lists.get(LIST_URL) as { credentialSubject: Record<string, unknown> };
    list.credentialSubject.statusPurpose = ['suspension', 'revocation'];
    expectReport(
      await checkCredentialStatus(credentialWith(revocationEntry(94_567)), options(lists).opts),
      'failed',
      'ERR_STATUS_REVOKED',
    );
  });

  it('failed ERR_SCHEMA_INVALID for a malformed entry, unknown ERR_FORMAT_UNKNOWN for an unsupported type', async () => {
    const { opts } = options(buildLists());
    for (const entry of [
      'a string',
      { ...revocationEntry(1), statusListCredential: 42 },
      { ...revocationEntry(1), statusPurpose: undefined },
    ]) {
      expectReport(await checkCredentialStatus(credentialWith(entry), opts), 'failed', 'ERR_SCHEMA_INVALID');
    }
    const legacy = { id: 'https://example.com/rl#1', type: 'RevocationList2020Status', revocationListIndex: '1' };
    expectReport(await checkCredentialStatus(credentialWith(legacy), opts), 'unknown', 'ERR_FORMAT_UNKNOWN');
    expectReport(await checkCredentialStatus('not a credential', opts), 'failed', 'ERR_INPUT_INVALID');
  });

  it('the worst outcome wins: revoked beats unavailable; unavailable beats passed', async () => {
    const { opts } = options(buildLists());
    const missing = revocationEntry(1, 'https://example.com/status/missing');
    expectReport(
      await checkCredentialStatus(credentialWith([missing, revocationEntry(94_567)]), opts),
      'failed',
      'ERR_STATUS_REVOKED',
    );
    expectReport(
      await checkCredentialStatus(credentialWith([revocationEntry(1), missing]), opts),
      'unknown',
      'ERR_STATUS_UNAVAILABLE',
    );
  });

  it('refresh: a set bit does not invalidate the credential (§2.1)', async () => {
    const list = createStatusList();
    list.set(10);
    const url = 'https://example.com/status/refresh';
    const lists = new Map<string, unknown>([
      [url, createStatusListCredential({ id: url, issuer: 'did:example:1', statusPurpose: 'refresh', list })],
    ]);
    const entry = createStatusListEntry({ statusListCredential: url, statusListIndex: 10, statusPurpose: 'refresh' });
    const report = await checkCredentialStatus(credentialWith(entry), options(lists).opts);
    expectReport(report, 'passed');
    expect(report.entries[0]?.value).toBe(1);
  });

  it('StatusList2021Entry with an unprefixed encodedList (older producers)', async () => {
    const list = createStatusList();
    list.set(77);
    const url = 'https://example.com/status/2021';
    const listCredential = {
      '@context': ['https://www.w3.org/2018/credentials/v1', 'https://w3id.org/vc/status-list/2021/v1'],
      id: url,
      type: ['VerifiableCredential', 'StatusList2021Credential'],
      issuer: 'did:example:1',
      issuanceDate: '2021-04-05T14:27:40Z',
      credentialSubject: {
        id: `${url}#list`,
        type: 'StatusList2021',
        statusPurpose: 'revocation',
        encodedList: list.encode().slice(1),
      },
    };
    const { opts } = options(new Map([[url, listCredential]]));
    const entry = (i: number) => ({
      id: `${url}#${i}`,
      type: 'StatusList2021Entry',
      statusPurpose: 'revocation',
      statusListIndex: String(i),
      statusListCredential: url,
    });
    expectReport(await checkCredentialStatus(credentialWith(entry(77)), opts), 'failed', 'ERR_STATUS_REVOKED');
    expectReport(await checkCredentialStatus(credentialWith(entry(78)), opts), 'passed');
    // A BitstringStatusListEntry may not point at a StatusList2021Credential.
    expectReport(
      await checkCredentialStatus(credentialWith(revocationEntry(77, url)), opts),
      'failed',
      'ERR_STATUS_LIST_INVALID',
    );
  });

  it('1EdTechRevocationList: ids or objects in revokedCredentials / revokedCredential', async () => {
    const url = 'https://example.edu/revocations';
    const cred = (id: string | undefined) => ({ ...credentialWith({ id: url, type: '1EdTechRevocationList' }), id });
    const check = (list: unknown, id: string | undefined) =>
      checkCredentialStatus(cred(id), options(new Map([[url, list]])).opts);
    const plural = { id: url, revokedCredentials: [{ id: 'urn:uuid:revoked', revocationReason: 'Issued in error' }] };
    const singular = { id: url, revokedCredential: ['urn:uuid:other', 'urn:uuid:revoked'] };
    const revoked = await check(plural, 'urn:uuid:revoked');
    expectReport(revoked, 'failed', 'ERR_STATUS_REVOKED');
    expect(revoked.message).toContain('Issued in error');
    expectReport(await check(singular, 'urn:uuid:revoked'), 'failed', 'ERR_STATUS_REVOKED');
    expectReport(await check(singular, 'urn:uuid:fine'), 'passed');
    expectReport(await check({ id: url }, 'urn:uuid:revoked'), 'failed', 'ERR_STATUS_LIST_INVALID');
    expectReport(await check(plural, undefined), 'failed', 'ERR_SCHEMA_INVALID');
  });

  it('throws only for misuse', async () => {
    await expect(checkCredentialStatus({}, {} as CheckCredentialStatusOptions)).rejects.toSatisfy((e) =>
      isSkillproofError(e, 'ERR_INPUT_INVALID'),
    );
    const { opts } = options(buildLists());
    await expect(checkCredentialStatus({}, { ...opts, minimumEntries: 0 })).rejects.toSatisfy((e) =>
      isSkillproofError(e, 'ERR_INPUT_INVALID'),
    );
  });

  it('never throws for hostile data: any credentialStatus and any loaded document end in a coded report', async () => {
    const good = buildLists().get(LIST_URL);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.anything(),
          fc.record({
            type: fc.constantFrom('BitstringStatusListEntry', 'StatusList2021Entry', '1EdTechRevocationList'),
            statusPurpose: fc.constantFrom('revocation', 'message', 'x'),
            statusListIndex: fc.oneof(fc.string(), fc.integer()),
            statusListCredential: fc.constant(LIST_URL),
            id: fc.constant(LIST_URL),
            statusSize: fc.oneof(fc.integer({ min: -2, max: 12 }), fc.constant(undefined)),
          }),
        ),
        fc.oneof(fc.anything(), fc.constant(good)),
        async (credentialStatus, document) => {
          const report = await checkCredentialStatus(credentialWith(credentialStatus), {
            loadStatusList: async () => document,
            verifyStatusListCredential: async () => ({ verified: true }),
            clock,
          });
          expect(['passed', 'failed', 'unknown', 'skipped']).toContain(report.status);
          if (report.status === 'failed' || report.status === 'unknown') expect(report.code).toMatch(/^ERR_/);
          expect(typeof report.message).toBe('string');
        },
      ),
      { numRuns: 150 },
    );
  });
});

function shortList(): string {
  // 100,000 entries: a valid encoding, below the default minimum of 131,072.
  return 'uH4sIAAAAAAAAA-3BMQEAAAwCoGUx6aLbwgvIHwAAAAAAAAAAAAAAwFwBZnztF9QwAAA';
}

describe('checkCredentialStatus against the DCC fixtures', () => {
  // The fixtures point at published URLs; map them to the copies in statusLists/.
  const listFiles: Record<string, string> = {
    e5WK8CbZ1GjycuPombrj: 'e5WK8CbZ1GjycuPombrj',
    tampered: 'tampered',
    expired: 'expired',
    notYetValid: 'notYetValid',
    missingBitStringType: 'missingBitStringType',
  };
  const loadStatusList = async (url: string) => {
    const name = url.split('/').pop()!;
    const file = listFiles[name];
    if (!file) throw new Error(`no fixture for ${url}`);
    return readJson(`${DCC}statusLists/didkey-ed25519Signature2020/${file}`);
  };
  // Models what the lead's verifier says about these lists: the "tampered" list's encodedList was edited after
  // signing, so its proof fails; the others were signed as they are.
  const verifyStatusListCredential = async (list: unknown): Promise<StatusListVerification> =>
    String((list as { id?: unknown }).id).endsWith('/tampered')
      ? { verified: false, code: 'ERR_PROOF_INVALID', message: 'The proof does not match the document.' }
      : { verified: true };

  function fixtureFiles(dir: string): string[] {
    return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
      d.isDirectory() ? fixtureFiles(`${dir}/${d.name}`) : d.name.endsWith('.json') ? [`${dir}/${d.name}`] : [],
    );
  }
  const files = fixtureFiles(`${DCC}verifiableCredentials/v2`);

  function expected(name: string): [StatusCheckReport['status'], string | undefined, string?] {
    if (/noStatus/.test(name) || /badDidWeb/.test(name)) return ['skipped', undefined];
    if (/revoked/i.test(name)) return ['failed', 'ERR_STATUS_REVOKED'];
    if (/validStatus/.test(name)) return ['passed', undefined];
    if (/tamperedStatus/.test(name)) return ['failed', 'ERR_STATUS_LIST_INVALID', 'ERR_PROOF_INVALID'];
    if (/missingTypeStatus/.test(name)) return ['failed', 'ERR_STATUS_LIST_INVALID'];
    if (/expiredStatus/.test(name)) return ['unknown', 'ERR_STATUS_UNAVAILABLE', 'ERR_EXPIRED'];
    if (/notYetValidStatus/.test(name)) return ['unknown', 'ERR_STATUS_UNAVAILABLE', 'ERR_NOT_YET_VALID'];
    throw new Error(`no expectation for ${name}`);
  }

  it('each credential gets the outcome its file name states (DCC ecosystem bound of 100,000 entries)', async () => {
    expect(files.length).toBeGreaterThan(40);
    let withStatus = 0;
    for (const file of files) {
      const name = file.slice(file.lastIndexOf('/') + 1);
      const [status, code, causeCode] = expected(name);
      const report = await checkCredentialStatus(readJson(file), {
        loadStatusList,
        verifyStatusListCredential,
        clock,
        minimumEntries: 100_000,
      });
      expect({ name, status: report.status, code: report.code }).toEqual({ name, status, code });
      if (causeCode) expect(report.entries[0]?.causeCode, name).toBe(causeCode);
      if (status !== 'skipped') withStatus++;
    }
    expect(withStatus).toBe(21);
  });

  it('with the spec default minimum (131,072) the 100,000-entry DCC list is refused, never read as "not revoked"', async () => {
    const valid = readJson(`${DCC}verifiableCredentials/v2/dataIntegrityProof/didKey/twoOIDF-validStatus-expired.json`);
    const report = await checkCredentialStatus(valid, { loadStatusList, verifyStatusListCredential, clock });
    expectReport(report, 'failed', 'ERR_STATUS_LIST_INVALID');
    expect(report.message).toContain('STATUS_LIST_LENGTH_ERROR');
  });
});

describe('createStatusListCredential / createStatusListEntry', () => {
  it('builds the §2.2 shape and the §2.1 entry', () => {
    const list = createStatusList();
    list.set(94_567);
    const credential = createStatusListCredential({
      id: LIST_URL,
      issuer: 'did:example:12345',
      statusPurpose: 'revocation',
      list,
      validFrom: new Date('2021-04-05T14:27:40Z'),
      ttl: 300_000,
    });
    expect(credential).toEqual({
      '@context': ['https://www.w3.org/ns/credentials/v2'],
      id: LIST_URL,
      type: ['VerifiableCredential', 'BitstringStatusListCredential'],
      issuer: 'did:example:12345',
      validFrom: '2021-04-05T14:27:40Z',
      credentialSubject: {
        id: `${LIST_URL}#list`,
        type: 'BitstringStatusList',
        statusPurpose: 'revocation',
        encodedList: list.encode(),
        ttl: 300_000,
      },
    });
    expect(revocationEntry(94_567)).toEqual({
      id: `${LIST_URL}#94567`,
      type: 'BitstringStatusListEntry',
      statusPurpose: 'revocation',
      statusListIndex: '94567',
      statusListCredential: LIST_URL,
    });
    const sized = createStatusListEntry({
      statusListCredential: MESSAGE_URL,
      statusListIndex: 7,
      statusPurpose: 'message',
      statusSize: 2,
      statusMessage: MESSAGES,
    });
    expect(sized).toMatchObject({ statusSize: 2, statusMessage: MESSAGES, statusListIndex: '7' });
  });

  it('refuses inconsistent input with codes', () => {
    const list = createStatusList({ statusSize: 2 });
    const code = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return isSkillproofError(e) ? e.code : 'other';
      }
      return undefined;
    };
    const base = { id: MESSAGE_URL, issuer: 'did:example:1', statusPurpose: 'message' as const, list };
    expect(code(() => createStatusListCredential(base))).toBe('ERR_INPUT_INVALID'); // statusMessage missing
    expect(code(() => createStatusListCredential({ ...base, statusMessage: MESSAGES.slice(0, 3) }))).toBe(
      'ERR_INPUT_INVALID',
    );
    expect(code(() => createStatusListCredential({ ...base, statusMessage: MESSAGES, statusSize: 1 }))).toBe(
      'ERR_INPUT_INVALID',
    );
    expect(
      code(() => createStatusListCredential({ ...base, statusPurpose: 'revoked' as never, statusMessage: MESSAGES })),
    ).toBe('ERR_INPUT_INVALID');
    expect(code(() => createStatusListCredential({ ...base, statusMessage: MESSAGES, validFrom: 'soon' }))).toBe(
      'ERR_DATE_INVALID',
    );
    expect(
      code(() =>
        createStatusListEntry({ statusListCredential: LIST_URL, statusListIndex: -1, statusPurpose: 'revocation' }),
      ),
    ).toBe('ERR_STATUS_INDEX');
    expect(
      code(() =>
        createStatusListEntry({
          statusListCredential: LIST_URL,
          statusListIndex: 1,
          statusPurpose: 'message',
          statusSize: 2,
        }),
      ),
    ).toBe('ERR_INPUT_INVALID');
  });

  it('canonicalizes in safe mode (every term defined), including statusSize/statusMessage on the list subject', async () => {
    const loader = createDocumentLoader();
    const lists = buildLists();
    for (const url of [LIST_URL, MESSAGE_URL]) {
      const nquads = await canonize(lists.get(url) as JsonObject, loader);
      expect(nquads).toContain('<https://www.w3.org/ns/credentials/status#encodedList>');
      if (url === MESSAGE_URL) {
        expect(nquads).toContain(
          '<https://www.w3.org/ns/credentials/status#statusSize> "2"^^<http://www.w3.org/2001/XMLSchema#integer>',
        );
        expect(nquads).toContain('<https://www.w3.org/ns/credentials/status#message> "rejected"');
      }
    }
    // Without the inline context the same subject terms are undefined: the reason it is added.
    const bare = structuredClone(lists.get(MESSAGE_URL)) as JsonObject;
    bare['@context'] = ['https://www.w3.org/ns/credentials/v2'];
    await expect(canonize(bare, loader)).rejects.toSatisfy((e) => isSkillproofError(e, 'ERR_TERM_UNDEFINED'));
    // A credential carrying an entry canonicalizes too.
    const credential = credentialWith(
      createStatusListEntry({
        statusListCredential: MESSAGE_URL,
        statusListIndex: 7,
        statusPurpose: 'message',
        statusSize: 2,
        statusMessage: MESSAGES,
      }),
    );
    await expect(canonize(credential as JsonObject, loader)).resolves.toContain('statusListIndex');
  });
});
