/** Recognising driver errors is engine-specific, so it lives here; what they mean to a client is decided in src/http. */

/** The driver's error code, looking through the wrappers Drizzle puts around driver errors. */
function driverCode(error: unknown): unknown {
  for (let e = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code
    if (code !== undefined) return code
  }
  return undefined
}

export function isUniqueViolation(error: unknown): boolean {
  const code = driverCode(error)
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505'
}

/** Another connection held the write lock for longer than the busy timeout. */
export function isBusy(error: unknown): boolean {
  const code = driverCode(error)
  return code === 'SQLITE_BUSY' || code === 'SQLITE_BUSY_SNAPSHOT' || code === 'SQLITE_LOCKED'
}

/** PostgreSQL cannot be reached, dropped the connection, or ran out of time: nothing was committed. */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '57014', // query_canceled (statement_timeout)
  '53300', // too_many_connections
  '40001', // serialization_failure
  '40P01', // deadlock_detected
])

export function isUnavailable(error: unknown): boolean {
  if (isBusy(error)) return true
  const code = driverCode(error)
  if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || code.startsWith('08'))) return true
  for (let e = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const message = String((e as Error).message ?? '')
    if (
      /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Cannot use a pool after calling end/i.test(
        message,
      )
    )
      return true
  }
  return false
}

/** SQLite reports ON DELETE RESTRICT as a trigger constraint, with the foreign key named in the message. */
export function isForeignKeyViolation(error: unknown): boolean {
  const code = driverCode(error)
  if (code === 'SQLITE_CONSTRAINT_TRIGGER')
    return /FOREIGN KEY/i.test(
      String((error as Error)?.message ?? '') + String((error as { cause?: Error })?.cause?.message ?? ''),
    )
  return code === 'SQLITE_CONSTRAINT_FOREIGNKEY' || code === '23503'
}
