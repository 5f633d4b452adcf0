// Throwaway: prints N unsigned OB 3.0 credentials (one per line) issued by the key in ./key.json.
import { readFileSync } from 'node:fs';
const key = JSON.parse(readFileSync('key.json', 'utf8'));
const n = Number(process.argv[2] ?? 10);
for (let i = 0; i < n; i++) {
  process.stdout.write(
    JSON.stringify({
      '@context': [
        'https://www.w3.org/ns/credentials/v2',
        'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json',
      ],
      id: `urn:uuid:00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      type: ['VerifiableCredential', 'OpenBadgeCredential'],
      issuer: { id: key.controller, type: ['Profile'], name: 'Example University' },
      name: 'Teamwork',
      validFrom: '2025-01-01T00:00:00Z',
      credentialSubject: {
        id: `did:example:learner${i}`,
        type: ['AchievementSubject'],
        achievement: {
          id: 'https://example.edu/achievements/teamwork',
          type: ['Achievement'],
          name: 'Teamwork',
          description: 'Works well in a team.',
          criteria: { narrative: 'Peer-nominated.' },
        },
      },
    }) + '\n',
  );
}
