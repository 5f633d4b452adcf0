/** Whether a database error is a unique-constraint violation (SQLSTATE 23505), on PostgreSQL and PGlite alike. */
export const isUniqueViolation = (e: unknown): boolean => (e as { code?: unknown } | null)?.code === '23505';
