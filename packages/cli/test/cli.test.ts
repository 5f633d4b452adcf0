import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { runMain } from './helpers/main-in-process.js';

const bin = fileURLToPath(new URL('../bin/skillproof.js', import.meta.url));
const vectors = fileURLToPath(new URL('../../core/test/fixtures/vectors/', import.meta.url));
let dir: string;

/** A real `node bin/skillproof.js` process, for what only the binary shows: its exit status and streams. */
function spawnCli(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * The same command in this process (`main`, which the binary runs): most calls, since a child process costs a Node
 * start and a tsx load each. Every exit status (0, 1, 2, 3) is also checked on a real process above.
 */
const run = (...args: string[]) => runMain(dir, args);

const OB_UNSIGNED = {
  '@context': ['https://www.w3.org/ns/credentials/v2', 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json'],
  id: 'urn:uuid:2b6c5a8e-1f1e-4a55-9f55-0c8f9d6b7a10',
  type: ['VerifiableCredential', 'OpenBadgeCredential'],
  name: 'Teamwork',
  validFrom: '2025-01-01T00:00:00Z',
  credentialSubject: {
    id: 'did:example:learner',
    type: ['AchievementSubject'],
    achievement: {
      id: 'https://example.edu/achievements/teamwork',
      type: ['Achievement'],
      name: 'Teamwork',
      description: 'Works well in a team.',
      criteria: { narrative: 'Peer-nominated.' },
    },
  },
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'skillproof-cli-'));
});

describe('skillproof keys generate', async () => {
  it('writes an Ed25519 Multikey file with mode 0600', async () => {
    const r = spawnCli('keys', 'generate', '--out', 'key.json');
    expect(r.code, r.stderr).toBe(0);
    const key = JSON.parse(readFileSync(join(dir, 'key.json'), 'utf8'));
    expect(Object.keys(key).sort()).toEqual(['controller', 'id', 'publicKeyMultibase', 'secretKeyMultibase', 'type']);
    expect(key.type).toBe('Multikey');
    expect(key.controller).toBe(`did:key:${key.publicKeyMultibase}`);
    expect(key.id).toBe(`${key.controller}#${key.publicKeyMultibase}`);
    expect(statSync(join(dir, 'key.json')).mode & 0o777).toBe(0o600);
  });

  it('writes an RSA key for RS256', async () => {
    const r = await run('keys', 'generate', '--type', 'rsa', '--out', 'rsa.json');
    expect(r.code, r.stderr).toBe(0);
    const key = JSON.parse(readFileSync(join(dir, 'rsa.json'), 'utf8'));
    expect(key.publicKeyJwk.kty).toBe('RSA');
    expect(key.secretKeyJwk.d).toBeTypeOf('string');
  });

  it('refuses an unknown type: exit 2', async () => {
    expect(spawnCli('keys', 'generate', '--type', 'dsa').code).toBe(2);
  });
});

describe('skillproof sign and verify', async () => {
  it('reproduces the 1EdTech Open Badges 3.0 signed example byte for byte with --created', async () => {
    const base = vectors + '1edtech-openbadges-specification/extracted-from-html/';
    const k = JSON.parse(readFileSync(base + 'linked-data-proof-ob.keypair-and-intermediates.json', 'utf8'));
    const keyFile = {
      id: k.verificationMethod,
      type: 'Multikey',
      controller: k.controller,
      publicKeyMultibase: k.publicKeyMultibase,
      secretKeyMultibase: k.secretKeyMultibase,
    };
    writeFileSync(join(dir, '1edtech-key.json'), JSON.stringify(keyFile));
    const r = await run(
      'sign',
      base + 'linked-data-proof-ob.credential.json',
      '--key',
      '1edtech-key.json',
      '--created',
      '2010-01-01T19:23:24Z',
    );
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(
      JSON.parse(readFileSync(base + 'linked-data-proof-ob.signed-credential.json', 'utf8')),
    );
  });

  it('reads the W3C 32-byte privateKeyMultibase key form, and refuses a context it does not know (exit 1, the URL named)', async () => {
    const keyPair = JSON.parse(readFileSync(vectors + 'w3c-vc-di-eddsa/TestVectors/keyPair.json', 'utf8'));
    writeFileSync(join(dir, 'w3c-key.json'), JSON.stringify(keyPair));
    writeFileSync(
      join(dir, 'ob-for-w3c-key.json'),
      JSON.stringify({ ...OB_UNSIGNED, issuer: `did:key:${keyPair.publicKeyMultibase}` }),
    );
    const ok = await run('sign', 'ob-for-w3c-key.json', '--key', 'w3c-key.json', '--out', 'w3c-signed.json');
    expect(ok.code, ok.stderr).toBe(0);
    expect((await run('verify', 'w3c-signed.json', '--offline')).code).toBe(0);

    // The W3C vector's credential uses the examples context, which Skillproof does not bundle.
    const r = await run('sign', vectors + 'w3c-vc-di-eddsa/TestVectors/unsigned.json', '--key', 'w3c-key.json');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('ERR_CONTEXT_UNKNOWN');
    expect(r.stderr).toContain('https://www.w3.org/ns/credentials/examples/v2');
  });

  it('signs with Data Integrity, and verify exits 0 with --json checks', async () => {
    await run('keys', 'generate', '--out', 'issuer.json');
    const key = JSON.parse(readFileSync(join(dir, 'issuer.json'), 'utf8'));
    writeFileSync(join(dir, 'unsigned.json'), JSON.stringify({ ...OB_UNSIGNED, issuer: key.controller }));
    const signed = await run(
      'sign',
      'unsigned.json',
      '--key',
      'issuer.json',
      '--created',
      '2025-01-01T00:00:00Z',
      '--out',
      'signed.json',
    );
    expect(signed.code, signed.stderr).toBe(0);
    const proof = JSON.parse(readFileSync(join(dir, 'signed.json'), 'utf8')).proof;
    expect(proof).toMatchObject({
      type: 'DataIntegrityProof',
      cryptosuite: 'eddsa-rdfc-2022',
      created: '2025-01-01T00:00:00Z',
    });

    const r = await run('verify', 'signed.json', '--json', '--offline');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.verified).toBe(true);
    expect(out.checks.map((c: { id: string }) => c.id)).toEqual([
      'format',
      'schema',
      'proof',
      'issuer',
      'validity',
      'status',
    ]);
    for (const c of out.checks) expect(Object.keys(c).sort()).toEqual(['code', 'id', 'message', 'status']);
  });

  it('signs a VC-JWT with Ed25519 and with RSA, and both verify', async () => {
    for (const keyFile of ['issuer.json', 'rsa.json']) {
      const key = JSON.parse(readFileSync(join(dir, keyFile), 'utf8'));
      const controller = key.controller ?? key.id?.split('#')[0];
      writeFileSync(join(dir, 'unsigned-jwt.json'), JSON.stringify({ ...OB_UNSIGNED, issuer: controller }));
      const s = await run(
        'sign',
        'unsigned-jwt.json',
        '--key',
        keyFile,
        '--format',
        'jwt',
        '--out',
        `signed-${keyFile}.jwt`,
      );
      expect(s.code, s.stderr).toBe(0);
      expect(
        readFileSync(join(dir, `signed-${keyFile}.jwt`), 'utf8')
          .trim()
          .split('.'),
      ).toHaveLength(3);
      if (keyFile === 'issuer.json') expect((await run('verify', `signed-${keyFile}.jwt`, '--offline')).code).toBe(0);
    }
  });

  it('exits 1 when a check fails, naming the code', async () => {
    const doc = JSON.parse(readFileSync(join(dir, 'signed.json'), 'utf8'));
    doc.name = 'Forged';
    writeFileSync(join(dir, 'forged.json'), JSON.stringify(doc));
    const r = spawnCli('verify', 'forged.json', '--offline');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('ERR_PROOF_INVALID');
  });

  it('exits 3 when nothing failed but a check could not be made offline', async () => {
    const r = spawnCli(
      'verify',
      vectors + '1edtech-openbadges-specification/extracted-from-html/linked-data-proof-ob.signed-credential.json',
      '--offline',
    );
    expect(r.code, r.stdout).toBe(3);
    expect(r.stdout).toContain('ERR_ISSUER_UNCONFIRMED');
  });

  it('prints an array with --json for several inputs, and exits with the worst outcome', async () => {
    const r = await run('verify', 'signed.json', 'forged.json', '--json', '--offline');
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.map((o: { verified: boolean }) => o.verified)).toEqual([true, false]);
    for (const o of out) {
      expect(Object.keys(o).sort()).toEqual(['checks', 'verified']);
      for (const c of o.checks) expect(Object.keys(c).sort()).toEqual(['code', 'id', 'message', 'status']);
    }
    expect(out[1].checks.find((c: { id: string }) => c.id === 'proof')).toMatchObject({
      status: 'failed',
      code: 'ERR_PROOF_INVALID',
    });
  });

  it('verifies a credential given by URL, fetched over HTTP (loopback)', async () => {
    const body = readFileSync(join(dir, 'signed.json'));
    const server = createServer((req, res) => {
      if (req.url === '/credentials/teamwork.json') {
        res.writeHead(200, { 'content-type': 'application/ld+json' }).end(body);
      } else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const r = await run('verify', `http://127.0.0.1:${port}/credentials/teamwork.json`, '--json');
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).verified).toBe(true);
      const missing = await run('verify', `http://127.0.0.1:${port}/credentials/missing.json`);
      expect(missing.code).toBe(2);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('exits 2 on usage errors', async () => {
    expect((await run('verify')).code).toBe(2);
    expect((await run('verify', 'no-such-file.json')).code).toBe(2);
    expect((await run('sign', 'unsigned.json')).code).toBe(2);
    expect(spawnCli('frobnicate').code).toBe(2);
    expect((await run('verify', 'https://example.edu/c.json', '--offline')).code).toBe(2);
  });
});

describe('skillproof bake and unbake', async () => {
  const PNG = Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
    'base64',
  );
  it('bakes a PNG and an SVG, unbakes them, and the baked images verify', async () => {
    writeFileSync(join(dir, 'badge.png'), PNG);
    writeFileSync(join(dir, 'badge.svg'), '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>');
    for (const image of ['badge.png', 'badge.svg']) {
      const out = `baked-${image}`;
      expect((await run('bake', image, 'signed.json', '--out', out)).code).toBe(0);
      const unbaked = await run('unbake', out);
      expect(unbaked.code, unbaked.stderr).toBe(0);
      expect(JSON.parse(unbaked.stdout)).toEqual(JSON.parse(readFileSync(join(dir, 'signed.json'), 'utf8')));
      expect((await run('verify', out, '--offline')).code).toBe(0);
    }
  });

  it('bake of a credential file that is broken JSON exits 2, naming the file', async () => {
    writeFileSync(join(dir, 'broken.json'), '{"@context": [');
    const r = await run('bake', 'badge.png', 'broken.json', '--out', 'never.png');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('broken.json is not valid JSON');
  });

  it('unbake of an image without a credential exits 1 with ERR_IMAGE_NOT_BAKED', async () => {
    const r = await run('unbake', 'badge.png');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('ERR_IMAGE_NOT_BAKED');
  });
});
