import { sql, type Kysely } from 'kysely';

/**
 * Runs a DDL script statement by statement (PGlite's extended protocol takes one statement per query).
 * Statements are split at a `;` that ends a line, so a script must not put `;\n` inside a string or a function body.
 */
export async function executeStatements(db: Kysely<unknown>, script: string): Promise<void> {
  for (const statement of script.split(/;\s*\n/)) {
    const text = statement.replace(/^\s*--.*$/gm, '').trim();
    if (text) await sql.raw(text).execute(db);
  }
}
