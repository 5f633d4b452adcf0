// A signing thread of the signer pool: signs slices of credentials exactly as issuing does in the main thread (it
// calls the same inThreadSigner), with the organisation's key rebuilt from its seed once and kept while it is in use.
import { parentPort } from 'node:worker_threads';
import { generateEd25519Key, isSkillproofError, type Ed25519Key } from '@skillproof/core';
import { inThreadSigner } from '../domains/issuing/issue.js';
import type { SignReply, SignRequest } from './signer-pool.js';

const port = parentPort!;
let current: { seed: Uint8Array; key: Ed25519Key } | undefined;

function keyFor(request: SignRequest['key']): Ed25519Key {
  const same =
    current &&
    current.key.id === request.id &&
    current.key.controller === request.controller &&
    Buffer.compare(current.seed, request.seed) === 0;
  if (!same) {
    current = {
      seed: request.seed,
      key: generateEd25519Key({ seed: request.seed, controller: request.controller, id: request.id }),
    };
  }
  return current!.key;
}

port.on('message', (request: SignRequest) => {
  void (async () => {
    let reply: SignReply;
    try {
      const signed = await inThreadSigner.sign(request.unsigned, keyFor(request.key), { created: request.created });
      reply = { id: request.id, signed };
    } catch (e) {
      reply = isSkillproofError(e)
        ? { id: request.id, error: { code: e.code, message: e.message, ...(e.path !== undefined && { path: e.path }) } }
        : { id: request.id, error: { message: (e as Error)?.stack ?? String(e) } };
    }
    port.postMessage(reply);
  })();
});
port.postMessage({ ready: true } satisfies SignReply);
