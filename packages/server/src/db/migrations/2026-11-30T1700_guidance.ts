import type { Kysely } from 'kysely';
import { executeStatements } from '../execute-statements.js';

/** Skills a learner declares without a credential: kept apart from verified evidence, and marked as such everywhere. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await executeStatements(
    db,
    `
    -- One row per learner and framework item; a PUT replaces the learner's whole list. Level is on the profile's 0–1
    -- scale (absent: the learner claims the skill fully). Items of a framework deleted later go with it.
    CREATE TABLE declared_skills (
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      item_id uuid NOT NULL REFERENCES framework_items (id) ON DELETE CASCADE,
      level double precision CHECK (level >= 0 AND level <= 1),
      declared_at timestamptz NOT NULL,
      PRIMARY KEY (user_id, item_id)
    );
  `,
  );
}
