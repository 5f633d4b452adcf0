import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import {
  cosign,
  HASH_SIZE,
  isSkillproofError,
  openNote,
  parseCheckpoint,
  parseNote,
  parseVerifierKey,
  verifyConsistency,
  type Checkpoint,
  type NoteVerifierKey,
} from '@skillproof/core';
import type { Database, WitnessEvidenceKind } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import type { AppDeps } from '../../http/env.js';
import { witnessCosigner } from './witness-key.js';

/** C2SP tlog-witness: a client sends at most 63 consistency proof lines. */
export const MAX_PROOF_LINES = 63;

/** A parsed add-checkpoint request body. */
export interface AddCheckpointRequest {
  oldSize: number;
  proof: Uint8Array[];
  /** The signed checkpoint note, verbatim. */
  note: string;
}

const DECIMAL = /^(0|[1-9][0-9]*)$/;

const invalid = (message: string) => new AppError('ERR_VALIDATION', `add-checkpoint: ${message}`);

/**
 * Parses an add-checkpoint body (C2SP tlog-witness): `old <size>`, zero to 63 base64 hash lines, an empty line, then
 * the checkpoint note; every line ends in a newline. `ERR_VALIDATION` otherwise.
 *
 * @example
 * ```ts
 * const { oldSize, proof, note } = parseAddCheckpoint('old 0\n\nexample.com/log\n1\n…\n\n— example.com/log …\n');
 * ```
 */
export function parseAddCheckpoint(body: string): AddCheckpointRequest {
  let pos = 0;
  const nextLine = (): string => {
    const end = body.indexOf('\n', pos);
    if (end < 0) throw invalid('every line ends in a newline, and an empty line precedes the checkpoint.');
    const line = body.slice(pos, end);
    pos = end + 1;
    return line;
  };
  const first = nextLine();
  const size = first.startsWith('old ') ? first.slice(4) : '';
  if (!DECIMAL.test(size) || !Number.isSafeInteger(Number(size))) {
    throw invalid('the first line is `old <size>`, the size in decimal without leading zeros.');
  }
  const proof: Uint8Array[] = [];
  for (let line = nextLine(); line !== ''; line = nextLine()) {
    if (proof.length === MAX_PROOF_LINES) throw invalid(`at most ${MAX_PROOF_LINES} consistency proof lines.`);
    const hash = Buffer.from(line, 'base64');
    if (hash.length !== HASH_SIZE || hash.toString('base64') !== line) {
      throw invalid(`a consistency proof line is the base64 of a ${HASH_SIZE}-byte hash.`);
    }
    proof.push(new Uint8Array(hash));
  }
  const oldSize = Number(size);
  if (oldSize === 0 && proof.length > 0) throw invalid('the consistency proof is empty when the old size is 0.');
  return { oldSize, proof, note: body.slice(pos) };
}

/** What the witness answers: the cosignature lines, or the size it last cosigned (409, `text/x.tlog.size`). */
export type AddCheckpointResult = { kind: 'cosigned'; lines: string[] } | { kind: 'size-conflict'; size: number };

/** The verifier keys of the logs this instance witnesses whose name (the origin) is `origin`. */
function logKeysFor(deps: Pick<AppDeps, 'ledger'>, origin: string): NoteVerifierKey[] {
  return (deps.ledger?.witnessedLogs ?? []).map((vkey) => parseVerifierKey(vkey)).filter((k) => k.name === origin);
}

/** The checkpoint and its text, if a trusted key of its origin signed it; the C2SP errors otherwise. */
function openCheckpoint(deps: Pick<AppDeps, 'ledger'>, note: string): Checkpoint {
  let text: string;
  let checkpoint: Checkpoint;
  try {
    text = parseNote(note).text;
    checkpoint = parseCheckpoint(text);
  } catch (e) {
    if (isSkillproofError(e)) throw invalid(`the checkpoint is not a signed C2SP checkpoint note: ${e.message}`);
    throw e;
  }
  const keys = logKeysFor(deps, checkpoint.origin);
  if (keys.length === 0) {
    throw new AppError('ERR_LOG_UNKNOWN', `This witness does not witness the log ${checkpoint.origin}.`);
  }
  // Signatures from unknown keys are ignored (C2SP tlog-witness); one verifying trusted key is enough.
  if (openNote(note, keys).verified.length === 0) {
    throw new AppError('ERR_NOTE_UNVERIFIED', `No trusted key of ${checkpoint.origin} signed the checkpoint.`);
  }
  return checkpoint;
}

const base64Lines = (proof: readonly Uint8Array[]) =>
  proof.map((h) => `${Buffer.from(h).toString('base64')}\n`).join('');

/**
 * Handles `POST <witness>/add-checkpoint` (C2SP tlog-witness): checks the checkpoint's origin is a log this instance
 * witnesses (`ERR_LOG_UNKNOWN`, 404), that one of its trusted keys signed it (`ERR_NOTE_UNVERIFIED`, 403), that the old
 * size is at most the checkpoint's (`ERR_VALIDATION`, 400) and is the size last cosigned (else the `size-conflict`
 * result, 409), that a checkpoint of that same size has the same root (`ERR_LOG_CONFLICT`, 409) and that the
 * consistency proof verifies from the cosigned root (`ERR_LOG_INCONSISTENT`, 422); then records the checkpoint and
 * cosigns it. The read, the checks and the write are one transaction under the log's row lock, so concurrent requests
 * never roll the recorded size back. A validly signed checkpoint that contradicts the recorded one (same size, other
 * root; or no valid proof from it) is kept as evidence (`witness_evidence`) and logged as a warning.
 *
 * @example
 * ```ts
 * const result = await addCheckpoint(deps.db, deps, await c.req.text());
 * if (result.kind === 'cosigned') return c.text(result.lines.join(''));
 * ```
 */
export async function addCheckpoint(
  db: Kysely<Database>,
  deps: Pick<AppDeps, 'keys' | 'clock' | 'publicUrl' | 'ledger' | 'logger'>,
  body: string,
): Promise<AddCheckpointResult> {
  const request = parseAddCheckpoint(body);
  const checkpoint = openCheckpoint(deps, request.note);
  const { origin, size, rootHash } = checkpoint;
  if (request.oldSize > size) {
    throw invalid(`the old size ${request.oldSize} is larger than the checkpoint's size ${size}.`);
  }
  const cosigner = await witnessCosigner(db, deps);
  const now = deps.clock();
  const outcome = await db.transaction().execute(async (tx) => {
    await tx
      .insertInto('witnessedLogs')
      .values({ origin, size: 0, rootHash: null, note: null, updatedAt: now })
      .onConflict((oc) => oc.column('origin').doNothing())
      .execute();
    const known = await tx
      .selectFrom('witnessedLogs')
      .selectAll()
      .where('origin', '=', origin)
      .forUpdate()
      .executeTakeFirstOrThrow();
    const evidence = async (kind: WitnessEvidenceKind) => {
      const inserted = await tx
        .insertInto('witnessEvidence')
        .values({
          id: randomUUID(),
          origin,
          kind,
          witnessedSize: known.size,
          witnessedNote: known.note ?? '',
          conflictingSize: size,
          conflictingRoot: rootHash,
          conflictingNote: request.note,
          proof: base64Lines(request.proof),
          createdAt: now,
        })
        .onConflict((oc) => oc.doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0) {
        deps.logger.warn(
          { origin, kind, witnessedSize: known.size, conflictingSize: size },
          kind === 'split-view'
            ? 'witness: the log signed two checkpoints of one size with different roots (split view); evidence kept'
            : 'witness: a checkpoint signed by the log is not proven consistent with the one cosigned; evidence kept',
        );
      }
    };
    const splitView = known.rootHash !== null && size === known.size && !Buffer.from(rootHash).equals(known.rootHash);
    if (splitView) await evidence('split-view');
    if (request.oldSize !== known.size) return { kind: 'size-conflict' as const, size: known.size };
    if (splitView) {
      return {
        error: new AppError(
          'ERR_LOG_CONFLICT',
          `This witness cosigned another checkpoint of ${origin} at size ${size}: the log shows a split view.`,
        ),
      };
    }
    if (known.rootHash !== null && known.size > 0) {
      if (!verifyConsistency(known.size, size, request.proof, known.rootHash, rootHash)) {
        await evidence('inconsistent');
        return {
          error: new AppError(
            'ERR_LOG_INCONSISTENT',
            `The consistency proof from size ${known.size} to ${size} does not verify against the cosigned root.`,
          ),
        };
      }
    }
    // Trust on first use: the first checkpoint of a log (old size 0) needs no proof, as C2SP tlog-witness says.
    await tx
      .updateTable('witnessedLogs')
      .set({ size, rootHash, note: request.note, updatedAt: now })
      .where('origin', '=', origin)
      .execute();
    const line = cosign(request.note, cosigner, Math.floor(now.getTime() / 1000)).line;
    return { kind: 'cosigned' as const, lines: [`${line}\n`] };
  });
  if ('error' in outcome) throw outcome.error;
  return outcome;
}

/** One piece of evidence, as `GET /witness/evidence` lists it. */
export interface WitnessEvidence {
  origin: string;
  kind: WitnessEvidenceKind;
  at: string;
  witnessedSize: number;
  witnessedNote: string;
  conflictingSize: number;
  conflictingNote: string;
  /** The consistency proof sent with the conflicting checkpoint (base64 lines). */
  proof: string;
}

/**
 * The evidence of misbehaviour this witness kept, newest first (at most `limit`), optionally for one origin.
 *
 * @example
 * ```ts
 * const items = await findWitnessEvidence(db, { origin: 'badges.example.edu/log' });
 * ```
 */
export async function findWitnessEvidence(
  db: Kysely<Database>,
  options: { origin?: string; limit?: number } = {},
): Promise<WitnessEvidence[]> {
  let query = db.selectFrom('witnessEvidence').selectAll();
  if (options.origin !== undefined) query = query.where('origin', '=', options.origin);
  const rows = await query
    .orderBy('createdAt', 'desc')
    .orderBy('id')
    .limit(options.limit ?? 100)
    .execute();
  return rows.map((r) => ({
    origin: r.origin,
    kind: r.kind,
    at: new Date(r.createdAt).toISOString(),
    witnessedSize: r.witnessedSize,
    witnessedNote: r.witnessedNote,
    conflictingSize: r.conflictingSize,
    conflictingNote: r.conflictingNote,
    proof: r.proof,
  }));
}
