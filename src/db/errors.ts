/** Recognising constraint violations is dialect-specific, so it lives here. */
import { conflict } from '../http/errors.js'

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

/** SQLite reports ON DELETE RESTRICT as a trigger constraint, with the foreign key named in the message. */
export function isForeignKeyViolation(error: unknown): boolean {
  const code = driverCode(error)
  if (code === 'SQLITE_CONSTRAINT_TRIGGER')
    return /FOREIGN KEY/i.test(
      String((error as Error)?.message ?? '') + String((error as { cause?: Error })?.cause?.message ?? ''),
    )
  return code === 'SQLITE_CONSTRAINT_FOREIGNKEY' || code === '23503'
}

/** Runs a write that may hit a unique slug, turning the violation into a 409 that names the field. */
export async function withUniqueSlug<T>(noun: string, slug: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write()
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw conflict(`The slug "${slug}" is already used by ${noun}.`, [
        { path: 'body/slug', message: 'is already used' },
      ])
    }
    throw error
  }
}
