import type { Kysely } from 'kysely';
import { parseNote, parseVerifierKey, verifyCosignature } from '@skillproof/core';
import type { Database } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import type { AppDeps } from '../../http/env.js';
import type { LedgerConfig, LogWitnessConfig } from './config.js';
import { logConsistencyProof } from './consistency.js';
import { findLatestCheckpoint, type LogCheckpoint } from './integrate.js';

/**
 * The cosignatures a checkpoint needs before the log serves it: `witnessQuorum`, by default every configured witness
 * (0 without witnesses). `ERR_INTERNAL` for a quorum no configuration can meet.
 *
 * @example
 * ```ts
 * witnessQuorum({ witnesses: [a, b, c], witnessQuorum: 2 }); // 2
 * ```
 */
export function witnessQuorum(config: LedgerConfig | undefined): number {
  const count = config?.witnesses?.length ?? 0;
  const quorum = config?.witnessQuorum ?? count;
  if (!Number.isInteger(quorum) || quorum < 0 || quorum > count) {
    throw new AppError('ERR_INTERNAL', `ledger.witnessQuorum is ${quorum}, but ${count} witness(es) are configured.`);
  }
  return quorum;
}

/** What one witness did with the newest checkpoint in one pass. */
export interface WitnessOutcome {
  witness: string;
  outcome: 'cosigned' | 'present' | 'failed';
  /** Why it failed: the witness's HTTP status and answer, or the network error. */
  error?: string;
}

type WitnessingDeps = Pick<AppDeps, 'db' | 'clock' | 'logger' | 'ledger'>;

/** C2SP tlog-witness: a 409 whose body is the size the witness last cosigned. */
const SIZE_TYPE = 'text/x.tlog.size';

const base64Lines = (proof: readonly Uint8Array[]) =>
  proof.map((h) => `${Buffer.from(h).toString('base64')}\n`).join('');

/** Records the size a witness last cosigned: the old size of its next request. */
async function setWitnessedSize(db: Kysely<Database>, witness: string, size: number, now: Date): Promise<void> {
  await db
    .insertInto('logWitnessState')
    .values({ witness, size, updatedAt: now })
    .onConflict((oc) => oc.column('witness').doUpdateSet({ size, updatedAt: now }))
    .execute();
}

/**
 * Asks one witness to cosign `checkpoint` (POST `<url>/add-checkpoint`, C2SP tlog-witness) with the consistency proof
 * from the size it last cosigned; on a 409 naming another size, records that size and asks once more from it. Stores
 * the verified cosignature line with the checkpoint. Throws (a message for the log) when the witness refuses, answers
 * something that does not verify, or cannot be reached within `timeoutMs`.
 */
async function askWitness(
  deps: WitnessingDeps,
  witness: LogWitnessConfig,
  checkpoint: LogCheckpoint,
  timeoutMs: number,
): Promise<void> {
  const { db } = deps;
  const key = parseVerifierKey(witness.vkey);
  const fetcher = deps.ledger?.fetch ?? fetch;
  const url = `${witness.url.replace(/\/+$/, '')}/add-checkpoint`;
  const state = await db
    .selectFrom('logWitnessState')
    .select('size')
    .where('witness', '=', witness.vkey)
    .executeTakeFirst();
  let oldSize = state?.size ?? 0;
  for (let attempt = 0; ; attempt++) {
    if (oldSize > checkpoint.size) {
      throw new Error(
        `the witness cosigned size ${oldSize}, larger than the log's newest checkpoint (${checkpoint.size}): ` +
          'the log has lost checkpoints, or another log signs with its key',
      );
    }
    const proof = await logConsistencyProof(db, oldSize, checkpoint.size);
    const response = await fetcher(url, {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain; charset=utf-8' },
      body: `old ${oldSize}\n${base64Lines(proof)}\n${checkpoint.note}`,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = await response.text();
    if (response.status === 409 && (response.headers.get('content-type') ?? '').startsWith(SIZE_TYPE)) {
      const stated = /^(0|[1-9][0-9]*)\n$/.exec(body);
      if (!stated) throw new Error(`the witness answered 409 with a malformed size ${JSON.stringify(body)}`);
      oldSize = Number(stated[1]);
      await setWitnessedSize(db, witness.vkey, oldSize, deps.clock());
      if (attempt === 0) continue;
      throw new Error(`the witness answered 409 twice (it now states size ${oldSize})`);
    }
    if (response.status !== 200) {
      throw new Error(`the witness answered ${response.status}: ${body.slice(0, 300)}`);
    }
    // C2SP tlog-witness: ignore cosignatures from unknown keys; keep the witness's line if it verifies on the note.
    const lines = body.split('\n').filter((l) => l !== '');
    const line = lines.find((l) => {
      try {
        const [sig] = parseNote(`${checkpoint.note}${l}\n`).signatures.slice(-1);
        return (
          sig?.name === key.name &&
          sig.keyHash === key.keyHash >>> 0 &&
          verifyCosignature(`${checkpoint.note}${l}\n`, key).verified
        );
      } catch {
        return false;
      }
    });
    if (!line) throw new Error('the witness answered 200 without a cosignature that verifies with its key');
    const now = deps.clock();
    await db.transaction().execute(async (tx) => {
      await tx
        .insertInto('logCheckpointCosignatures')
        .values({ size: checkpoint.size, witness: witness.vkey, line, createdAt: now })
        .onConflict((oc) => oc.columns(['size', 'witness']).doNothing())
        .execute();
      await setWitnessedSize(tx, witness.vkey, checkpoint.size, now);
    });
    return;
  }
}

/**
 * One witnessing pass: asks every configured witness whose cosignature the newest checkpoint lacks to cosign it, all
 * at once, each within `timeoutMs` (default 10 s). Failures are logged and reported, never thrown: the next pass
 * tries again.
 *
 * @example
 * ```ts
 * const outcomes = await requestCosignatures(deps);
 * outcomes.filter((o) => o.outcome === 'failed');
 * ```
 */
export async function requestCosignatures(
  deps: WitnessingDeps,
  options: { timeoutMs?: number; only?: (witness: LogWitnessConfig) => boolean } = {},
): Promise<WitnessOutcome[]> {
  const witnesses = (deps.ledger?.witnesses ?? []).filter(options.only ?? (() => true));
  if (witnesses.length === 0) return [];
  const checkpoint = await findLatestCheckpoint(deps.db);
  if (!checkpoint) return [];
  const have = new Set(
    (
      await deps.db
        .selectFrom('logCheckpointCosignatures')
        .select('witness')
        .where('size', '=', checkpoint.size)
        .execute()
    ).map((r) => r.witness),
  );
  return Promise.all(
    witnesses.map(async (witness): Promise<WitnessOutcome> => {
      if (have.has(witness.vkey)) return { witness: witness.vkey, outcome: 'present' };
      try {
        await askWitness(deps, witness, checkpoint, options.timeoutMs ?? 10_000);
        return { witness: witness.vkey, outcome: 'cosigned' };
      } catch (e) {
        const error = e instanceof Error ? e.message : String(e);
        deps.logger.warn(
          { witness: witness.url, size: checkpoint.size, error },
          'log witnessing: a witness did not cosign the checkpoint; retrying later',
        );
        return { witness: witness.vkey, outcome: 'failed', error };
      }
    }),
  );
}

/**
 * A background job step: a witnessing pass ({@link requestCosignatures}) at most once per `intervalMs` (default 1 s);
 * a witness that failed is asked again after a back-off doubling from twice `intervalMs` up to 5 minutes, so an unreachable
 * witness costs one request per back-off. Without witnesses, nothing. Resolves false: the runner need not hurry.
 *
 * @example
 * ```ts
 * const witness = logWitnessingStep(deps);
 * await witness();
 * ```
 */
export function logWitnessingStep(
  deps: WitnessingDeps,
  options: { intervalMs?: number; timeoutMs?: number } = {},
): () => Promise<boolean> {
  const intervalMs = options.intervalMs ?? 1000;
  const maxBackoffMs = 5 * 60_000;
  let lastAt = -Infinity;
  const retry = new Map<string, { at: number; backoffMs: number }>();
  return async () => {
    if ((deps.ledger?.witnesses ?? []).length === 0) return false;
    const now = deps.clock().getTime();
    if (now - lastAt < intervalMs) return false;
    lastAt = now;
    const outcomes = await requestCosignatures(deps, {
      ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }),
      only: (w) => (retry.get(w.vkey)?.at ?? -Infinity) <= now,
    });
    for (const { witness, outcome } of outcomes) {
      if (outcome !== 'failed') {
        retry.delete(witness);
        continue;
      }
      const backoffMs = Math.min(maxBackoffMs, (retry.get(witness)?.backoffMs ?? intervalMs) * 2);
      retry.set(witness, { at: now + backoffMs, backoffMs });
    }
    return false;
  };
}
