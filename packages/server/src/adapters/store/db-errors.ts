/** Driver-neutral checks on constraint errors (better-sqlite3 codes and PostgreSQL SQLSTATEs). */
type DriverError = { code?: unknown; constraint?: unknown };

/**
 * `pgConstraint` narrows the check on PostgreSQL, which names the violated index;
 * SQLite only names columns, and its callers know which statement failed.
 */
export function isUniqueViolation(err: unknown, pgConstraint?: string): boolean {
  const e = err as DriverError | null;
  if (!e || typeof e !== 'object') return false;
  if (e.code === '23505') return pgConstraint === undefined || e.constraint === pgConstraint;
  return e.code === 'SQLITE_CONSTRAINT_UNIQUE' || e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

export function isForeignKeyViolation(err: unknown): boolean {
  const e = err as DriverError | null;
  return !!e && typeof e === 'object' && (e.code === '23503' || e.code === 'SQLITE_CONSTRAINT_FOREIGNKEY');
}
