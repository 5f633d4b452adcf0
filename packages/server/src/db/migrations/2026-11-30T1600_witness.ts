import type { Kysely } from 'kysely';
import { executeStatements } from '../execute-statements.js';

/**
 * Witnessing (C2SP tlog-witness), both sides: the instance as a witness of other logs (its cosigning key, the latest
 * checkpoint it cosigned per log, evidence of misbehaviour), and its own log's cosignatures from its witnesses.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await executeStatements(
    db,
    `
    -- The witness's cosigning key (an Ed25519 seed sealed under the master key, bound to its row), made on first use.
    -- name is the cosigner name, <host>/witness.
    CREATE TABLE witness_keys (
      id uuid PRIMARY KEY,
      name text NOT NULL,
      public_key bytea NOT NULL CHECK (length(public_key) = 32),
      secret_ciphertext bytea NOT NULL,
      created_at timestamptz NOT NULL,
      revoked_at timestamptz
    );
    CREATE UNIQUE INDEX witness_keys_one_active ON witness_keys ((true)) WHERE revoked_at IS NULL;

    -- Per witnessed log (by origin): the latest checkpoint the witness cosigned. C2SP tlog-witness asks for no more;
    -- a request reads and replaces its row under a row lock, so two requests for one log never roll it back.
    CREATE TABLE witnessed_logs (
      origin text PRIMARY KEY,
      size bigint NOT NULL CHECK (size >= 0),
      root_hash bytea CHECK (length(root_hash) = 32),
      note text,
      updated_at timestamptz NOT NULL
    );

    -- Checkpoints, validly signed by a witnessed log, that contradict what the witness cosigned: kind 'split-view'
    -- (same size, another root: proof of a fork by itself) or 'inconsistent' (larger, but the consistency proof sent
    -- with it does not verify from the cosigned root: a rewritten history, or a client's wrong proof). One row per
    -- conflicting checkpoint: the log's signature bounds how many there can be.
    CREATE TABLE witness_evidence (
      id uuid PRIMARY KEY,
      origin text NOT NULL,
      kind text NOT NULL CHECK (kind IN ('split-view', 'inconsistent')),
      witnessed_size bigint NOT NULL,
      witnessed_note text NOT NULL,
      conflicting_size bigint NOT NULL,
      conflicting_root bytea NOT NULL CHECK (length(conflicting_root) = 32),
      conflicting_note text NOT NULL,
      proof text NOT NULL,
      created_at timestamptz NOT NULL
    );
    CREATE UNIQUE INDEX witness_evidence_once ON witness_evidence (origin, kind, witnessed_size, conflicting_size, conflicting_root);
    CREATE INDEX witness_evidence_recent ON witness_evidence (created_at DESC);

    -- The log side: cosignatures this instance's checkpoints received, one per witness (its vkey) and checkpoint; the
    -- served note is the log's note followed by these lines.
    CREATE TABLE log_checkpoint_cosignatures (
      size bigint NOT NULL REFERENCES log_checkpoints (size) ON DELETE CASCADE,
      witness text NOT NULL,
      line text NOT NULL,
      created_at timestamptz NOT NULL,
      PRIMARY KEY (size, witness)
    );

    -- The size each witness (by vkey) last cosigned for this log: the old size of the next add-checkpoint.
    CREATE TABLE log_witness_state (
      witness text PRIMARY KEY,
      size bigint NOT NULL CHECK (size >= 0),
      updated_at timestamptz NOT NULL
    );
  `,
  );
}
