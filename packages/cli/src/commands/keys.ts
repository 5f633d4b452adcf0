import { exportEd25519Multikey, generateEd25519Key } from '@skillproof/core';
import { UsageError, writeOutput } from '../io.js';

export interface KeysGenerateOptions {
  type?: string;
  out?: string;
  controller?: string;
}

/** `skillproof keys generate`: writes a new private key file (mode 0600). */
export async function keysGenerate(options: KeysGenerateOptions): Promise<number> {
  const type = options.type ?? 'ed25519';
  let json: object;
  if (type === 'ed25519') {
    const key = generateEd25519Key(options.controller ? { controller: options.controller } : {});
    json = exportEd25519Multikey(key, { includeSecret: true });
  } else if (type === 'rsa') {
    const core = await import('@skillproof/core');
    const key = await core.generateRsaKey(options.controller ? { controller: options.controller } : {});
    json = core.exportRsaKey(key, { includeSecret: true });
  } else {
    throw new UsageError(`Unknown key type ${JSON.stringify(type)}: use ed25519 or rsa.`);
  }
  await writeOutput(options.out, JSON.stringify(json, null, 2) + '\n', { secret: true });
  if (options.out) console.error(`Wrote a ${type} private key to ${options.out} (mode 0600). Keep it secret.`);
  return 0;
}
