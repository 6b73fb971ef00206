/**
 * Which dependency an unexpected error came from, for the error counter. Driver errors
 * carry recognisable codes: SQLite's `SQLITE_*`, PostgreSQL's five-character SQLSTATE,
 * ioredis's reply errors and connection errors by name.
 */
export function errorSource(err: unknown): 'store' | 'redis' | 'other' {
  const e = err as { code?: unknown; name?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  const name = typeof e?.name === 'string' ? e.name : '';
  if (code.startsWith('SQLITE') || /^[0-9A-Z]{5}$/.test(code)) return 'store';
  if (name === 'ReplyError' || name === 'MaxRetriesPerRequestError' || name === 'AbortError') return 'redis';
  if (
    typeof e?.message === 'string' &&
    /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/.test(e.message)
  )
    return 'store';
  return 'other';
}
