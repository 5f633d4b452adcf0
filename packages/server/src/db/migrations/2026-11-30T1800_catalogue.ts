import type { Kysely } from 'kysely';
import { executeStatements } from '../execute-statements.js';

/** The learning catalogue: an organisation publishes achievements for learners' plans (every organisation's, public). */
export async function up(db: Kysely<unknown>): Promise<void> {
  await executeStatements(
    db,
    `
    -- Set while the achievement is in the public catalogue; archiving clears it. Null: not published.
    ALTER TABLE achievements ADD COLUMN published_at timestamptz;
    -- The catalogue lists published, non-archived achievements newest published first.
    CREATE INDEX achievements_published ON achievements (published_at DESC, id DESC)
      WHERE published_at IS NOT NULL AND archived_at IS NULL;
  `,
  );
}
