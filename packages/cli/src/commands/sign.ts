import { importEd25519Key, signCredential } from '@skillproof/core';
import type { JsonObject } from '@skillproof/core';
import { readJson, UsageError, writeOutput } from '../io.js';

export interface SignOptions {
  key?: string;
  format?: string;
  created?: string;
  out?: string;
}

/** `skillproof sign <unsigned.json> --key key.json [--format di|jwt] [--created ISO] [--out FILE]` */
export async function sign(input: string | undefined, options: SignOptions): Promise<number> {
  if (!input) throw new UsageError('Name the unsigned credential file to sign.');
  if (!options.key) throw new UsageError('--key <key.json> is required.');
  const format = options.format ?? 'di';
  if (format !== 'di' && format !== 'jwt')
    throw new UsageError(`Unknown --format ${JSON.stringify(format)}: use di or jwt.`);
  const credential = await readJson(input);
  if (!credential || typeof credential !== 'object' || Array.isArray(credential)) {
    throw new UsageError(`${input} does not hold a JSON object.`);
  }
  const keyJson = await readJson(options.key);
  if (format === 'di') {
    const key = importEd25519Key(keyJson);
    const signed = await signCredential(credential as JsonObject, {
      key,
      ...(options.created !== undefined && { created: options.created }),
    });
    await writeOutput(options.out, JSON.stringify(signed, null, 2) + '\n');
    return 0;
  }
  const core = await import('@skillproof/core');
  const key = isRsaJwk(keyJson) ? await core.importRsaKey(keyJson) : importEd25519Key(keyJson);
  const jwt = await core.signCredentialJwt(credential as JsonObject, key, {});
  await writeOutput(options.out, jwt + '\n');
  return 0;
}

/** An RSA key file: a bare JWK, or the `{ type: 'JsonWebKey', publicKeyJwk, secretKeyJwk }` form keys generate writes. */
function isRsaJwk(json: unknown): boolean {
  const j = json as { kty?: unknown; publicKeyJwk?: { kty?: unknown } } | null;
  return j?.kty === 'RSA' || j?.publicKeyJwk?.kty === 'RSA';
}
