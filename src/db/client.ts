/**
 * Opening, migrating and closing the database. Everything specific to SQLite (pragmas, the driver, the migrator)
 * lives in src/db so that features only see Drizzle's query builder.
 */
import { mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import SQLite from 'better-sqlite3'
import { type BetterSQLite3Database, drizzle } from 'drizzle-orm/better-sqlite3'
import { migrate } from 'drizzle-orm/better-sqlite3/migrator'
import * as schema from './schema.js'

export type Db = BetterSQLite3Database<typeof schema>

export interface Database {
  db: Db
  /** Liveness of the connection itself, for /ready. */
  ping(): boolean
  /** Runs `PRAGMA integrity_check`; 'ok' when the file is sound. */
  integrityCheck(): string
  close(): void
}

/** src/db and dist/db are both two levels below the package root. */
export const migrationsFolder = resolve(dirname(fileURLToPath(import.meta.url)), '../../migrations')

export function openDatabase(path: string): Database {
  if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true })
  const sqlite = new SQLite(path)
  sqlite.pragma('journal_mode = WAL')
  // NORMAL under WAL loses at most the last transactions on power loss, never corrupts the file.
  sqlite.pragma('synchronous = NORMAL')
  sqlite.pragma('foreign_keys = ON')
  sqlite.pragma('busy_timeout = 5000')
  const db = drizzle(sqlite, { schema })
  migrate(db, { migrationsFolder })
  let open = true
  return {
    db,
    ping: () => open && sqlite.prepare('select 1 as ok').get() !== undefined,
    integrityCheck: () => String(sqlite.pragma('integrity_check', { simple: true })),
    close: () => {
      if (!open) return
      open = false
      sqlite.pragma('optimize')
      sqlite.close()
    },
  }
}
