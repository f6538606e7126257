/** Serialising writers that a constraint alone cannot keep apart. */
import { sql } from 'drizzle-orm'
import { type Db, engineOf } from './client.js'

/**
 * Holds a lock named `key` until the transaction `tx` ends. PostgreSQL: a transaction-scoped advisory lock,
 * so writers on every instance queue behind each other. SQLite: nothing to do, its write transactions already
 * run one at a time.
 */
export async function lockWithin(tx: Db, key: string): Promise<void> {
  if (engineOf(tx) === 'sqlite') return
  await (tx as unknown as { execute(q: unknown): Promise<unknown> }).execute(
    // Per schema: newsrooms (or test runs) sharing one server do not wait for each other.
    sql`select pg_advisory_xact_lock(hashtextextended(current_schema() || ':' || ${key}, 0))`,
  )
}
