import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { AppError } from '../errors.js';

/**
 * Seals secrets (organisations' private keys) at rest with AES-256-GCM under the instance's master key.
 * Sealed form: version byte 0x01 ‖ 12-byte nonce ‖ ciphertext ‖ 16-byte tag; the associated data binds a sealed
 * secret to what it belongs to (an org key's id), so ciphertexts cannot be swapped between rows.
 */
export interface KeyStore {
  seal(secret: Uint8Array, associatedData: string): Uint8Array;
  open(sealed: Uint8Array, associatedData: string): Uint8Array;
}

const VERSION = 0x01;

export function createKeyStore(masterKey: Uint8Array): KeyStore {
  if (masterKey.length !== 32) throw new AppError('ERR_VALIDATION', 'The master key must be 32 bytes.');
  const key = Buffer.from(masterKey);
  return {
    seal(secret, associatedData) {
      const nonce = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, nonce);
      cipher.setAAD(Buffer.from(associatedData, 'utf8'));
      const body = Buffer.concat([cipher.update(secret), cipher.final()]);
      return new Uint8Array(Buffer.concat([Buffer.of(VERSION), nonce, body, cipher.getAuthTag()]));
    },
    open(sealed, associatedData) {
      if (sealed.length < 1 + 12 + 16 || sealed[0] !== VERSION) {
        throw new AppError('ERR_INTERNAL', 'A sealed key is malformed.');
      }
      const buf = Buffer.from(sealed);
      const decipher = createDecipheriv('aes-256-gcm', key, buf.subarray(1, 13));
      decipher.setAAD(Buffer.from(associatedData, 'utf8'));
      decipher.setAuthTag(buf.subarray(buf.length - 16));
      try {
        return new Uint8Array(Buffer.concat([decipher.update(buf.subarray(13, buf.length - 16)), decipher.final()]));
      } catch {
        throw new AppError(
          'ERR_INTERNAL',
          'A sealed key does not open under this master key (wrong SKILLPROOF_MASTER_KEY?).',
        );
      }
    },
  };
}

/** Keys opened from their sealed form, kept per key store (so per app and master key) and by key row id. */
export interface OpenedKeyCache<T> {
  get(keys: KeyStore, keyId: string): T | undefined;
  set(keys: KeyStore, keyId: string, key: T): void;
  delete(keys: KeyStore, keyId: string): void;
}

/**
 * A cache of opened keys: opening one costs an AES-GCM decryption and a key import, and signing uses the same key
 * thousands of times. Which key is current always comes from the database; the cache only saves the opening. Beyond
 * `max` keys per store, the oldest opened is forgotten.
 *
 * @example
 * ```ts
 * const opened = openedKeyCache<Ed25519Key>();
 * const key = opened.get(deps.keys, row.id) ?? open(row);
 * ```
 */
export function openedKeyCache<T>(max = 1000): OpenedKeyCache<T> {
  const byStore = new WeakMap<KeyStore, Map<string, T>>();
  return {
    get: (keys, keyId) => byStore.get(keys)?.get(keyId),
    set(keys, keyId, key) {
      let map = byStore.get(keys);
      if (!map) byStore.set(keys, (map = new Map()));
      if (!map.has(keyId) && map.size >= max) map.delete(map.keys().next().value!);
      map.set(keyId, key);
    },
    delete: (keys, keyId) => void byStore.get(keys)?.delete(keyId),
  };
}

/**
 * The master key: `SKILLPROOF_MASTER_KEY` (64 hex digits or base64url of 32 bytes) when set; otherwise the key file,
 * created with mode 0600 on first start.
 */
export async function loadMasterKey(options: { env?: string | undefined; keyFile: string }): Promise<Uint8Array> {
  if (options.env !== undefined && options.env !== '') return parseMasterKey(options.env);
  try {
    return parseMasterKey((await readFile(options.keyFile, 'utf8')).trim());
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const key = randomBytes(32);
  await mkdir(dirname(options.keyFile), { recursive: true });
  await writeFile(options.keyFile, key.toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
  await chmod(options.keyFile, 0o600);
  return new Uint8Array(key);
}

function parseMasterKey(text: string): Uint8Array {
  const bytes = /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64url');
  if (bytes.length !== 32) {
    throw new AppError('ERR_VALIDATION', 'The master key must be 32 bytes, as 64 hex digits or base64url.');
  }
  return new Uint8Array(bytes);
}
