/** SQLite, the embedded engine: one file, one writer at a time, no server to run. */
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import SQLite from 'better-sqlite3'
import { type SQL, sql } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import { migrate } from 'drizzle-orm/better-sqlite3/migrator'
import {
  type Database,
  type Db,
  limitOf,
  migrationsRoot,
  type OpenOptions,
  registerTransactions,
  transactionHandle,
} from './client.js'
import * as schema from './schema.js'
import { SQLITE_TOKENS_DDL } from './search.js'

export const migrationsFolder = join(migrationsRoot, 'sqlite')

export interface SqliteDatabase extends Database {
  engine: 'sqlite'
  /** Runs `PRAGMA integrity_check`; 'ok' when the file is sound. */
  integrityCheck(): string
  /** The driver's connection, for tests and the copy command. */
  connection: SQLite.Database
}

export function openSqlite(
  config: { path: string; busyTimeoutMs: number },
  options: OpenOptions = {},
): SqliteDatabase {
  const path = config.path
  if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true })
  const sqlite = new SQLite(path)
  sqlite.pragma('journal_mode = WAL')
  // NORMAL under WAL loses at most the last transactions on power loss, never corrupts the file.
  sqlite.pragma('synchronous = NORMAL')
  sqlite.pragma('foreign_keys = ON')
  sqlite.pragma(`busy_timeout = ${Math.trunc(config.busyTimeoutMs)}`)
  const onQuery = options.onQuery
  const db = drizzle(sqlite, {
    schema,
    ...(onQuery ? { logger: { logQuery: (sql: string) => onQuery(sql) } } : {}),
  })
  boundLimitsWithoutReprepare(db)
  migrate(db, { migrationsFolder })
  sqlite.exec(SQLITE_TOKENS_DDL)
  registerTransactions(db, transactionsOf(sqlite, db))
  let open = true
  return {
    engine: 'sqlite',
    db,
    connection: sqlite,
    ping: async () => open && sqlite.prepare('select 1 as ok').get() !== undefined,
    integrityCheck: () => String(sqlite.pragma('integrity_check', { simple: true })),
    close: async () => {
      if (!open) return
      open = false
      sqlite.pragma('optimize')
      sqlite.close()
    },
  }
}

/**
 * SQLite's planner reads a bound `LIMIT ?` (to size the plan), so binding it, as every run of a statement does,
 * expires the statement and SQLite compiles it again before each step: a page's lookups cost twice what they
 * should (the statement of `.limit(1)` on an article: 35 µs instead of 17). Drizzle binds every limit. Here a
 * literal limit is written into the SQL, and a placeholder one goes in as `(? + 0)`, which the planner does not
 * read. (PostgreSQL plans its prepared statements once either way.)
 */
function boundLimitsWithoutReprepare(db: Db): void {
  const dialect = (db as unknown as { dialect: { buildLimit(limit: unknown): SQL | undefined } }).dialect
  const buildLimit = dialect.buildLimit.bind(dialect)
  dialect.buildLimit = (limit) => {
    if (typeof limit === 'number' && Number.isSafeInteger(limit) && limit >= 0) return limitOf(limit)
    if (typeof limit === 'object' && limit !== null) return sql` limit (${limit} + 0)`
    return buildLimit(limit)
  }
}

/**
 * Write transactions on the process's one connection, one at a time. `BEGIN IMMEDIATE` takes the write lock up
 * front: a deferred transaction that reads first and upgrades later fails at once with `database is locked`
 * when another process wrote meanwhile; an immediate one waits for `busy_timeout`.
 *
 * The statements of a transaction run on the shared connection, so its body must await nothing but the
 * database: better-sqlite3 answers synchronously, the body then finishes within one turn of the event loop,
 * and no other request's read runs between its statements.
 */
function transactionsOf(sqlite: SQLite.Database, db: Db) {
  let queue: Promise<unknown> = Promise.resolve()
  return <T>(fn: (tx: Db) => Promise<T>): Promise<T> => {
    const turn = queue.then(async () => {
      sqlite.exec('BEGIN IMMEDIATE')
      try {
        const result = await fn(transactionHandle(db))
        sqlite.exec('COMMIT')
        return result
      } catch (error) {
        if (sqlite.inTransaction) sqlite.exec('ROLLBACK')
        throw error
      }
    })
    queue = turn.catch(() => undefined)
    return turn
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
