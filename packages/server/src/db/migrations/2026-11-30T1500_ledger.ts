import type { Kysely } from 'kysely';
import { executeStatements } from '../execute-statements.js';

/**
 * The transparency log (one per instance): its entries, the Merkle tree's hashes as C2SP tlog-tiles, the signed
 * checkpoints and the key that signs them.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await executeStatements(
    db,
    `
    -- One row: the log's size, i.e. the index the next entry gets. Appending updates it (UPDATE … RETURNING), which
    -- holds its row lock until the appending transaction ends: indexes are dense (a rolled-back append gives its
    -- indexes back) and follow commit order, so the committed entries are always a prefix of the log.
    CREATE TABLE log_state (
      id boolean PRIMARY KEY DEFAULT true CHECK (id),
      size bigint NOT NULL DEFAULT 0 CHECK (size >= 0)
    );
    INSERT INTO log_state (id, size) VALUES (true, 0);

    -- The log's entries, in order. leaf is the exact bytes hashed (RFC 9162 §2.1.1: leaf_hash = SHA-256(0x00 ‖ leaf));
    -- the other columns are what the leaf says, kept for lookups (a credential's entries, an organisation's).
    CREATE TABLE log_entries (
      idx bigint PRIMARY KEY CHECK (idx >= 0),
      leaf bytea NOT NULL,
      leaf_hash bytea NOT NULL CHECK (length(leaf_hash) = 32),
      type text NOT NULL CHECK (type IN ('issue', 'revoke', 'suspend', 'unsuspend', 'key-add', 'key-revoke')),
      credential_id uuid,
      org_id uuid NOT NULL,
      at timestamptz NOT NULL
    );
    CREATE INDEX log_entries_credential ON log_entries (credential_id, idx) WHERE credential_id IS NOT NULL;

    -- The tree's stored hashes, as C2SP tlog-tiles: tile (level L, index N) holds the hashes of the complete subtrees
    -- of height 8L with indexes 256N … 256N + 255 (level 0: the leaf hashes), concatenated, 32 bytes each. The last
    -- tile of a level is partial (fewer than 256) until the log grows past it; a full tile never changes again.
    -- runs holds the roots of the tile's complete runs of 16 hashes (its height-4 level; not served): proofs read
    -- any node from at most 16 stored hashes instead of hashing up to 256.
    CREATE TABLE log_tiles (
      level smallint NOT NULL CHECK (level >= 0),
      idx bigint NOT NULL CHECK (idx >= 0),
      hashes bytea NOT NULL CHECK (length(hashes) BETWEEN 32 AND 8192 AND length(hashes) % 32 = 0),
      runs bytea NOT NULL CHECK (length(runs) = length(hashes) / 512 * 32),
      PRIMARY KEY (level, idx)
    );

    -- Signed checkpoints (C2SP tlog-checkpoint as a signed note), one per tree size the log has been integrated to.
    CREATE TABLE log_checkpoints (
      size bigint PRIMARY KEY CHECK (size >= 0),
      root_hash bytea NOT NULL CHECK (length(root_hash) = 32),
      note text NOT NULL,
      created_at timestamptz NOT NULL
    );

    -- The key that signs checkpoints (an Ed25519 seed sealed under the master key, bound to its row), made on first
    -- use. name is the signed note key name: the log's origin, <host>/log.
    CREATE TABLE log_keys (
      id uuid PRIMARY KEY,
      name text NOT NULL,
      public_key bytea NOT NULL CHECK (length(public_key) = 32),
      secret_ciphertext bytea NOT NULL,
      created_at timestamptz NOT NULL,
      revoked_at timestamptz
    );
    CREATE UNIQUE INDEX log_keys_one_active ON log_keys ((true)) WHERE revoked_at IS NULL;
  `,
  );
}
