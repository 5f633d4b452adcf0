import type { Kysely } from 'kysely';
import { executeStatements } from '../execute-statements.js';

/** Receipts of the log's checkpoints anchored to external timestamping services or chains (plugins; none by default). */
export async function up(db: Kysely<unknown>): Promise<void> {
  await executeStatements(
    db,
    `
    -- One receipt per anchor and checkpoint size: the note exactly as anchored (its cosignatures included), so the
    -- receipt can be checked again later against the very bytes that were hashed.
    CREATE TABLE log_anchors (
      anchor text NOT NULL CHECK (length(anchor) BETWEEN 1 AND 200),
      size bigint NOT NULL CHECK (size >= 0),
      root_hash bytea NOT NULL CHECK (length(root_hash) = 32),
      note text NOT NULL,
      anchored_at timestamptz NOT NULL,
      receipt text NOT NULL,
      created_at timestamptz NOT NULL,
      PRIMARY KEY (anchor, size)
    );
  `,
  );
}
