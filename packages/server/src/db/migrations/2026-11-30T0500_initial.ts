import type { Kysely } from 'kysely';
import { executeStatements } from '../execute-statements.js';

/** Organisations, people and access, achievements, status lists, credentials, batches, mail. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await executeStatements(
    db,
    `
    CREATE TABLE organizations (
      id uuid PRIMARY KEY,
      slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$'),
      name text NOT NULL,
      url text,
      email text,
      description text,
      image text,
      parent_org_id uuid REFERENCES organizations(id),
      -- Credentials carry a suspension entry beside the revocation one (an array of two: VC 2.0 allows it, OB 3.0's
      -- credentialStatus is 0..1). Off: one entry, as OB 3.0 requires.
      suspendable_credentials boolean NOT NULL DEFAULT false,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE org_keys (
      id uuid PRIMARY KEY,
      org_id uuid NOT NULL REFERENCES organizations(id),
      fragment text NOT NULL,
      public_key_multibase text NOT NULL,
      secret_ciphertext bytea NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz,
      revoked_at timestamptz,
      revoked_reason text,
      UNIQUE (org_id, fragment)
    );
    -- At most one signing key per organisation: the one neither expired nor revoked.
    CREATE UNIQUE INDEX org_keys_one_active ON org_keys (org_id) WHERE expires_at IS NULL AND revoked_at IS NULL;

    CREATE TABLE users (
      id uuid PRIMARY KEY,
      email text NOT NULL UNIQUE CHECK (email = lower(email)),
      name text,
      password_hash text,
      kind text NOT NULL CHECK (kind IN ('staff', 'learner', 'employer')),
      created_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE memberships (
      org_id uuid NOT NULL REFERENCES organizations(id),
      user_id uuid NOT NULL REFERENCES users(id),
      role text NOT NULL CHECK (role IN ('owner', 'admin', 'issuer', 'assessor', 'viewer')),
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (org_id, user_id)
    );
    CREATE INDEX memberships_user ON memberships (user_id);

    CREATE TABLE sessions (
      id_hash text PRIMARY KEY,
      user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      csrf_token text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz NOT NULL
    );
    CREATE INDEX sessions_user ON sessions (user_id);

    CREATE TABLE api_tokens (
      id uuid PRIMARY KEY,
      user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      org_id uuid REFERENCES organizations(id),
      name text NOT NULL,
      token_hash text NOT NULL UNIQUE,
      scopes text[] NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz,
      revoked_at timestamptz,
      last_used_at timestamptz
    );

    CREATE TABLE audit_log (
      id bigserial PRIMARY KEY,
      org_id uuid REFERENCES organizations(id),
      actor_user_id uuid REFERENCES users(id),
      actor_token_id uuid REFERENCES api_tokens(id),
      action text NOT NULL,
      target_type text,
      target_id text,
      data jsonb NOT NULL DEFAULT '{}',
      at timestamptz NOT NULL
    );
    CREATE INDEX audit_log_org ON audit_log (org_id, id);

    CREATE TABLE achievements (
      id uuid PRIMARY KEY,
      org_id uuid NOT NULL REFERENCES organizations(id),
      current_version integer NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      archived_at timestamptz
    );
    CREATE INDEX achievements_org ON achievements (org_id);

    CREATE TABLE achievement_versions (
      achievement_id uuid NOT NULL REFERENCES achievements(id),
      version integer NOT NULL CHECK (version >= 1),
      definition jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      created_by uuid REFERENCES users(id),
      PRIMARY KEY (achievement_id, version)
    );

    CREATE TABLE status_lists (
      id uuid PRIMARY KEY,
      org_id uuid NOT NULL REFERENCES organizations(id),
      purpose text NOT NULL CHECK (purpose IN ('revocation', 'suspension')),
      size integer NOT NULL CHECK (size >= 131072),
      bits bytea NOT NULL,
      -- Which indexes have been handed out (same bit order as bits), so allocation never reuses one.
      allocation bytea NOT NULL,
      allocated integer NOT NULL DEFAULT 0,
      version integer NOT NULL DEFAULT 1,
      signed_version integer,
      signed_credential json,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX status_lists_org ON status_lists (org_id, purpose);

    CREATE TABLE batches (
      id uuid PRIMARY KEY,
      org_id uuid NOT NULL REFERENCES organizations(id),
      achievement_id uuid NOT NULL REFERENCES achievements(id),
      achievement_version integer NOT NULL,
      status text NOT NULL CHECK (status IN ('preview', 'queued', 'running', 'completed', 'cancelled')),
      filename text,
      total_rows integer NOT NULL,
      valid_rows integer NOT NULL,
      invalid_rows integer NOT NULL,
      created_by uuid REFERENCES users(id),
      created_at timestamptz NOT NULL DEFAULT now(),
      confirmed_at timestamptz,
      completed_at timestamptz,
      idempotency_key text,
      request_hash text,
      UNIQUE (org_id, idempotency_key)
    );
    CREATE INDEX batches_org ON batches (org_id, created_at);
    CREATE INDEX batches_open ON batches (status) WHERE status IN ('queued', 'running');

    CREATE TABLE credentials (
      id uuid PRIMARY KEY,
      org_id uuid NOT NULL REFERENCES organizations(id),
      achievement_id uuid NOT NULL,
      achievement_version integer NOT NULL,
      recipient_email text,
      recipient_did text,
      recipient_name text,
      issued_at timestamptz NOT NULL,
      valid_from timestamptz NOT NULL,
      valid_until timestamptz,
      state text NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'revoked', 'suspended')),
      state_reason text,
      state_changed_at timestamptz,
      revocation_list_id uuid NOT NULL REFERENCES status_lists(id),
      revocation_index integer NOT NULL,
      -- Null: issued without a suspension entry (the organisation's suspendable_credentials was off then).
      suspension_list_id uuid REFERENCES status_lists(id),
      suspension_index integer,
      -- json, not jsonb: the signed document is kept (and served) exactly as it was signed, keys in their order.
      document json NOT NULL,
      jwt text NOT NULL,
      holder_user_id uuid REFERENCES users(id),
      claim_token_hash text UNIQUE,
      claimed_at timestamptz,
      name_public boolean NOT NULL DEFAULT false,
      batch_id uuid REFERENCES batches(id),
      batch_row integer,
      idempotency_key text,
      request_hash text,
      created_by uuid REFERENCES users(id),
      FOREIGN KEY (achievement_id, achievement_version) REFERENCES achievement_versions(achievement_id, version),
      CHECK (recipient_email IS NOT NULL OR recipient_did IS NOT NULL),
      UNIQUE (batch_id, batch_row),
      UNIQUE (org_id, idempotency_key),
      UNIQUE (revocation_list_id, revocation_index),
      -- NULLs are distinct in a UNIQUE constraint: any number of credentials may have no suspension entry.
      UNIQUE (suspension_list_id, suspension_index),
      CHECK ((suspension_list_id IS NULL) = (suspension_index IS NULL))
    );
    CREATE INDEX credentials_org ON credentials (org_id, issued_at);
    CREATE INDEX credentials_holder ON credentials (holder_user_id) WHERE holder_user_id IS NOT NULL;
    CREATE INDEX credentials_email ON credentials (recipient_email) WHERE recipient_email IS NOT NULL;

    CREATE TABLE batch_rows (
      batch_id uuid NOT NULL REFERENCES batches(id),
      row_number integer NOT NULL,
      data jsonb NOT NULL,
      errors jsonb,
      state text NOT NULL CHECK (state IN ('invalid', 'pending', 'issued', 'failed')),
      credential_id uuid REFERENCES credentials(id),
      PRIMARY KEY (batch_id, row_number)
    );
    CREATE INDEX batch_rows_pending ON batch_rows (batch_id, row_number) WHERE state = 'pending';

    CREATE TABLE outbox (
      id uuid PRIMARY KEY,
      to_address text NOT NULL,
      subject text NOT NULL,
      text text NOT NULL,
      html text,
      created_at timestamptz NOT NULL DEFAULT now(),
      sent_at timestamptz,
      error text,
      attempts integer NOT NULL DEFAULT 0,
      next_attempt_at timestamptz
    );
    CREATE INDEX outbox_pending ON outbox (next_attempt_at) WHERE sent_at IS NULL;
  `,
  );
}
