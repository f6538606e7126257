/**
 * Opening, migrating and closing the database. Everything specific to SQLite (pragmas, the driver, the migrator)
 * lives in src/db so that features only see Drizzle's query builder.
 */
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs'
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
  /** A consistent online copy of the database into `file`, while other connections keep writing. */
  backup(file: string): Promise<void>
  close(): void
}

export interface OpenOptions {
  /** How long a write waits for another connection's write lock before giving up (SQLITE_BUSY). */
  busyTimeoutMs?: number
  /** Called with every statement run through Drizzle (tests count queries per request with it). */
  onQuery?: (sql: string) => void
}

/**
 * Runs `fn` as one write transaction that takes the write lock up front (`BEGIN IMMEDIATE`). A deferred
 * transaction that reads first and upgrades its lock later fails at once with `database is locked` when another
 * process wrote meanwhile; an immediate one waits for `busy_timeout` instead. Every write goes through here.
 */
export function writeTransaction<T>(db: Db, fn: (tx: Db) => T): T {
  // The transaction belongs to the connection: statements on `db` itself (prepared ones too) run inside it.
  return db.transaction(() => fn(db), { behavior: 'immediate' })
}

/** src/db and dist/db are both two levels below the package root. */
export const migrationsFolder = resolve(dirname(fileURLToPath(import.meta.url)), '../../migrations')

export function openDatabase(path: string, options: OpenOptions = {}): Database {
  if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true })
  const sqlite = new SQLite(path)
  sqlite.pragma('journal_mode = WAL')
  // NORMAL under WAL loses at most the last transactions on power loss, never corrupts the file.
  sqlite.pragma('synchronous = NORMAL')
  sqlite.pragma('foreign_keys = ON')
  sqlite.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5000)}`)
  const onQuery = options.onQuery
  const db = drizzle(sqlite, {
    schema,
    ...(onQuery ? { logger: { logQuery: (sql: string) => onQuery(sql) } } : {}),
  })
  migrate(db, { migrationsFolder })
  let open = true
  return {
    db,
    ping: () => open && sqlite.prepare('select 1 as ok').get() !== undefined,
    integrityCheck: () => String(sqlite.pragma('integrity_check', { simple: true })),
    backup: async (file) => {
      await sqlite.backup(file)
    },
    close: () => {
      if (!open) return
      open = false
      sqlite.pragma('optimize')
      sqlite.close()
    },
  }
}

/**
 * Statements prepared once per connection and reused: building and preparing SQL on every call costs more than
 * running it on the hot paths (an article page, a flush).
 */
export function preparedOnce<T>(prepare: (db: Db) => T): (db: Db) => T {
  const prepared = new WeakMap<Db, T>()
  return (db) => {
    let statements = prepared.get(db)
    if (statements === undefined) {
      statements = prepare(db)
      prepared.set(db, statements)
    }
    return statements
  }
}

export class BackupError extends Error {}

/**
 * A consistent copy of the live database in `file` (`VACUUM INTO`: one read transaction, so the copy holds
 * exactly what was committed when it began, while other processes keep writing), then checked with
 * `integrity_check`. Refuses to overwrite an existing file.
 */
export async function backupDatabase(path: string, file: string): Promise<{ bytes: number }> {
  if (existsSync(file)) throw new BackupError(`${file} already exists; choose a new file name`)
  mkdirSync(dirname(resolve(file)), { recursive: true })
  const source = new SQLite(path, { readonly: true, fileMustExist: true })
  try {
    source.prepare('vacuum into ?').run(resolve(file))
  } finally {
    source.close()
  }
  verify(file)
  return { bytes: statSync(file).size }
}

/**
 * Puts a verified backup in place of the database at `path`. The server must be stopped: the database is
 * locked exclusively first, and a database in use is refused rather than swapped under a running process.
 */
export async function restoreDatabase(file: string, path: string): Promise<void> {
  verify(file)
  mkdirSync(dirname(resolve(path)), { recursive: true })
  if (existsSync(path)) {
    const target = new SQLite(path, { timeout: 0 })
    try {
      // In WAL mode every open connection holds a shared lock on the file: an exclusive one means nobody else is in.
      target.pragma('locking_mode = EXCLUSIVE')
      target.exec('begin exclusive')
      target.exec('commit')
    } catch {
      throw new BackupError(`${path} is in use; stop the server before restoring`)
    } finally {
      target.close()
    }
  }
  const staged = `${path}.restoring`
  const copy = new SQLite(file, { readonly: true, fileMustExist: true })
  try {
    rmSync(staged, { force: true })
    copy.prepare('vacuum into ?').run(resolve(staged))
  } finally {
    copy.close()
  }
  for (const suffix of ['-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true })
  renameSync(staged, path)
}

function verify(file: string): void {
  const db = new SQLite(file, { readonly: true, fileMustExist: true })
  try {
    const result = String(db.pragma('integrity_check', { simple: true }))
    if (result !== 'ok') throw new BackupError(`${file} failed integrity_check: ${result}`)
  } finally {
    db.close()
  }
}
