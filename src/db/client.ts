/**
 * The database seam. Features see a `Db` (Drizzle's query builder over the SQLite tables in `schema.ts`) and
 * the helpers below, and use only what both engines share: `await` on a query, `.returning()`,
 * `onConflictDoUpdate`, and `writeTransaction`. Everything specific to an engine (drivers, pragmas, pools,
 * migrators, raw statements, error codes) lives in src/db.
 *
 * On PostgreSQL the same table objects build the SQL: Drizzle takes the dialect from the database, not from the
 * table, and `postgres.ts` makes node-postgres hand back values in the shapes the SQLite columns decode
 * (bigint as a number, JSON as its text). `pg/tables.ts` is the PostgreSQL twin the migrations come from.
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { fillPlaceholders, type SQL, type SQLWrapper, sql } from 'drizzle-orm'
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3'
import { PgDialect } from 'drizzle-orm/pg-core'
import { fastAll } from './rows.js'
import type * as schema from './schema.js'

export type Db = BetterSQLite3Database<typeof schema>
export type Engine = 'sqlite' | 'postgres'

export type DatabaseConfig =
  | { engine: 'sqlite'; path: string; busyTimeoutMs: number }
  | {
      engine: 'postgres'
      url: string
      replicaUrls: string[]
      poolSize: number
      statementTimeoutMs: number
      connectTimeoutMs: number
      /** A schema of its own (`DATABASE_SCHEMA`; tests use one each), created and migrated on open. */
      schema?: string
    }

export interface Database {
  engine: Engine
  /** Reads go to a replica when there are replicas (see `primaryReads`); writes to the primary. */
  db: Db
  /** Liveness of the engine itself, for /ready. */
  ping(): Promise<boolean>
  /** A channel other instances hear (PostgreSQL LISTEN/NOTIFY); undefined on SQLite, which has one host. */
  channel?: Channel
  close(): Promise<void>
}

export interface Channel {
  publish(message: string): Promise<void>
  subscribe(onMessage: (message: string) => void): Promise<void>
}

export interface OpenOptions {
  /** Called with every statement run through Drizzle (tests count queries per request with it). */
  onQuery?: (sql: string) => void
}

/** src/db and dist/db are both two levels below the package root. */
export const migrationsRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../migrations')

export async function openDatabase(config: DatabaseConfig, options: OpenOptions = {}): Promise<Database> {
  if (config.engine === 'sqlite') return (await import('./sqlite.js')).openSqlite(config, options)
  return (await import('./postgres.js')).openPostgres(config, options)
}

export function engineOf(db: Db): Engine {
  return (db as unknown as { dialect: unknown }).dialect instanceof PgDialect ? 'postgres' : 'sqlite'
}

/** How each engine runs a write transaction; registered by the engine when it opens. */
type TransactionRunner = <T>(fn: (tx: Db) => Promise<T>) => Promise<T>
const runners = new WeakMap<object, TransactionRunner>()
/** The handles of the transactions under way: a write begun on one of them joins its transaction. */
const open = new WeakSet<object>()
/** A SQLite transaction's handle, to the database handle it was made from (whose prepared statements it shares). */
const roots = new WeakMap<object, Db>()

export function registerTransactions(db: Db, run: TransactionRunner): void {
  runners.set(db, run)
}

/**
 * A handle of its own for one transaction on a connection that the whole process shares (SQLite): the same
 * connection and statements, but a different object, so that a write begun with it joins the transaction while a
 * write begun meanwhile with the database handle waits its turn.
 */
export function transactionHandle(db: Db): Db {
  const tx = Object.create(db) as Db
  roots.set(tx, db)
  return tx
}

/**
 * Runs `fn` as one write transaction: everything it does is committed together or not at all. SQLite takes the
 * write lock up front (`BEGIN IMMEDIATE`) and transactions of one process run one at a time; PostgreSQL runs it
 * on one pooled connection. A transaction begun with a transaction's handle (the `tx` that `fn` is given) joins
 * it. (Found by the handle, not by async context: once an `AsyncLocalStorage` is used, Node tracks the context of
 * every promise of the process; an `await` cost 350-450 ns with it and 75-95 ns without.)
 */
export async function writeTransaction<T>(db: Db, fn: (tx: Db) => Promise<T>): Promise<T> {
  if (open.has(db)) return fn(db)
  const run = runners.get(db)
  if (run === undefined) throw new Error('writeTransaction needs the database handle openDatabase returned')
  return run(async (tx) => {
    open.add(tx)
    try {
      return await fn(tx)
    } finally {
      open.delete(tx)
    }
  })
}

/**
 * Set (with `enterWith`) for a request that carries a token: its reads go to the primary, for read-your-writes
 * (see src/http/auth.ts); other reads may go to a replica. Used only when there are replicas (`hasReplicas`):
 * once used, Node tracks the context of every promise, which costs every request.
 */
export const primaryReads = new AsyncLocalStorage<boolean>()

/** Whether reads may go to replicas (PostgreSQL with `DATABASE_REPLICA_URLS`). */
export const hasReplicas = (db: Db): boolean =>
  (db as unknown as { $replicas?: Db[] }).$replicas !== undefined

/** The first row of a query, or undefined. */
export async function first<T>(query: PromiseLike<T[]>): Promise<T | undefined> {
  return (await query)[0]
}

/**
 * A JSON column as its stored text on either engine (SQLite keeps text; node-postgres hands `jsonb` over parsed):
 * for reads that key a memo by it rather than parse it on every row.
 */
export const jsonText = (column: SQLWrapper): SQL<string | null> =>
  sql`${column}`.mapWith((value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value)))

interface SqliteSession {
  client: { prepare(sql: string): { all(...params: unknown[]): unknown[] } }
  logger: { logQuery(sql: string, params: unknown[]): void }
}

/**
 * SQLite: raw statements kept by their SQL text, per connection, so that a query built again with other values
 * (search's, on every keystroke of a search box) is not compiled again. Values are always bound, so the texts are
 * the queries' shapes; at most 500 are kept (emptied when full).
 */
const rawStatements = preparedOnce(() => new Map<string, { all(...params: unknown[]): unknown[] }>())
const RAW_STATEMENTS = 500

/** A raw statement's rows, with column names as the SQL spells them. */
export async function rawRows<T>(db: Db, query: SQL): Promise<T[]> {
  if (engineOf(db) === 'sqlite') {
    const { session, dialect } = db as unknown as {
      session: SqliteSession
      dialect: { sqlToQuery(query: SQL): { sql: string; params: unknown[] } }
    }
    const built = dialect.sqlToQuery(query)
    const kept = rawStatements(db)
    let prepared = kept.get(built.sql)
    if (prepared === undefined) {
      prepared = session.client.prepare(built.sql)
      if (kept.size >= RAW_STATEMENTS) kept.clear()
      kept.set(built.sql, prepared)
    }
    const values = fillPlaceholders(built.params, {})
    session.logger.logQuery(built.sql, values)
    return prepared.all(...values) as T[]
  }
  const result = await (db as unknown as { execute(q: SQL): Promise<{ rows: T[] }> }).execute(query)
  return result.rows
}

/** A raw statement that answers no rows (DDL, an INSERT without RETURNING). */
export async function rawExec(db: Db, query: SQL): Promise<void> {
  if (engineOf(db) === 'sqlite') {
    db.run(query)
    return
  }
  await (db as unknown as { execute(q: SQL): Promise<unknown> }).execute(query)
}

export interface Statement<R> {
  all(params?: Record<string, unknown>): Promise<R[]>
  run(params?: Record<string, unknown>): Promise<void>
}

interface Prepared<R> {
  all?(params?: Record<string, unknown>): R[]
  run?(params?: Record<string, unknown>): unknown
  execute(params?: Record<string, unknown>): unknown
}

/** A query prepared once and run with placeholders' values: SQLite keeps the statement, PostgreSQL names it. */
export function statement<Q extends { prepare(name?: string): unknown }>(
  db: Db,
  query: Q,
  name: string,
): Statement<Awaited<Q> extends (infer R)[] ? R : never> {
  type R = Awaited<Q> extends (infer Row)[] ? Row : never
  if (engineOf(db) === 'sqlite') {
    const prepared = query.prepare() as Prepared<R>
    const all = fastAll<R>(prepared) ?? (prepared.all as NonNullable<typeof prepared.all>).bind(prepared)
    return {
      all: async (params) => all(params),
      run: async (params) => {
        ;(prepared.run as NonNullable<typeof prepared.run>)(params)
      },
    }
  }
  const prepared = query.prepare(name) as Prepared<R>
  return {
    all: async (params) => (await prepared.execute(params)) as R[],
    run: async (params) => {
      await prepared.execute(params)
    },
  }
}

interface Session {
  prepareQuery(
    query: { sql: string; params: unknown[] },
    fields: undefined,
    executeMethodOrName: string,
    arrayMode: boolean,
  ): Prepared<unknown>
}

/**
 * SQLite only: a raw statement prepared once and run synchronously, for steps that must follow one another with
 * nothing in between (an await lets another request's statements run on the same connection).
 */
export function syncStatement<R>(
  db: Db,
  query: SQL,
): { all(params?: Record<string, unknown>): R[]; run(params?: Record<string, unknown>): void } {
  if (engineOf(db) !== 'sqlite') throw new Error('synchronous statements are SQLite’s')
  const { session, dialect } = db as unknown as {
    session: Session
    dialect: { sqlToQuery(query: SQL): { sql: string; params: unknown[] } }
  }
  const prepared = session.prepareQuery(dialect.sqlToQuery(query), undefined, 'all', false)
  return {
    all: (params) => (prepared.all as NonNullable<typeof prepared.all>)(params) as R[],
    run: (params) => {
      ;(prepared.run as NonNullable<typeof prepared.run>)(params)
    },
  }
}

/**
 * A raw statement with placeholders (`sql.placeholder`), prepared once. Rows come as arrays, in the order the SQL
 * selects the columns: SQLite then makes no object per row.
 */
export function rawStatement<R extends unknown[]>(db: Db, query: SQL, name: string): Statement<R> {
  const { session, dialect } = db as unknown as {
    session: Session
    dialect: { sqlToQuery(query: SQL): { sql: string; params: unknown[] } }
  }
  const built = dialect.sqlToQuery(query)
  if (engineOf(db) === 'sqlite') {
    const prepared = session.prepareQuery(built, undefined, 'all', false) as unknown as {
      stmt: { raw(on: boolean): unknown }
      all(params?: Record<string, unknown>): unknown
      run(params?: Record<string, unknown>): unknown
    }
    prepared.stmt.raw(true)
    return {
      all: async (params) => prepared.all(params) as R[],
      run: async (params) => {
        prepared.run(params)
      },
    }
  }
  const prepared = session.prepareQuery(built, undefined, name, false)
  return {
    all: async (params) =>
      ((await prepared.execute(params)) as { rows: Record<string, unknown>[] }).rows.map(
        (row) => Object.values(row) as R,
      ),
    run: async (params) => {
      await prepared.execute(params)
    },
  }
}

/**
 * Statements prepared once per connection (or transaction) and reused: building and preparing SQL on every
 * call costs more than running it on the hot paths (an article page, a flush).
 */
export function preparedOnce<T>(prepare: (db: Db) => T): (db: Db) => T {
  const prepared = new WeakMap<Db, T>()
  return (handle) => {
    const db = roots.get(handle) ?? handle
    let statements = prepared.get(db)
    if (statements === undefined) {
      statements = prepare(db)
      prepared.set(db, statements)
    }
    return statements
  }
}

/**
 * `preparedOnce` for a query with optional parts (a filter, a cursor): one set of statements per shape, each
 * prepared the first time its shape is asked for. Shapes are named by the code (a handful per query), never by
 * what a client sends.
 */
export function preparedShapes<S extends string, T>(
  prepare: (db: Db, shape: S) => T,
): (db: Db, shape: S) => T {
  const shapes = preparedOnce(() => new Map<S, T>())
  return (handle, shape) => {
    const db = roots.get(handle) ?? handle
    const byShape = shapes(db)
    let statements = byShape.get(shape)
    if (statements === undefined) {
      statements = prepare(db, shape)
      byShape.set(shape, statements)
    }
    return statements
  }
}

/**
 * `column IN (a list)` with the whole list as ONE placeholder, so that a statement is prepared once for lists of
 * every length: SQLite reads a JSON array (`json_each`), PostgreSQL an array (`= any`). Bind the list with
 * `listParam`.
 */
export function inList(db: Db, column: SQLWrapper, name: string): SQL {
  return engineOf(db) === 'sqlite'
    ? sql`${column} in (select value from json_each(${sql.placeholder(name)}))`
    : sql`${column} = any(${sql.placeholder(name)})`
}

/**
 * The values of `text` over a query's rows as ONE text, separated by single spaces (SQLite's `group_concat`,
 * PostgreSQL's `string_agg`), null when there are none: a few hundred short values come back as one (a driver
 * makes each value of each row a string of its own, which cost more than reading them).
 */
export function joinedText(db: Db, text: SQL): SQL {
  return engineOf(db) === 'sqlite' ? sql`group_concat(${text}, ' ')` : sql`string_agg(${text}, ' ')`
}

/**
 * ` limit n` written into the SQL, for raw statements: a bound `LIMIT ?` makes SQLite compile the statement again
 * on every run (see `boundLimitsWithoutReprepare`). Only for whole numbers the code chose or validated.
 */
export function limitOf(n: number): SQL {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`not a limit: ${n}`)
  return sql.raw(` limit ${n}`)
}

/** A list's value for an `inList` placeholder. */
export const listParam = (db: Db, values: readonly (string | number)[]): unknown =>
  engineOf(db) === 'sqlite' ? JSON.stringify(values) : values

/** Where a read goes: the primary when `primaryReads` is set, else one of the replicas (when there are any). */
export function readTarget(db: Db): Db {
  const routed = db as unknown as { $primary?: Db; $replicas?: Db[] }
  if (routed.$replicas === undefined || routed.$primary === undefined) return db
  if (primaryReads.getStore() === true) return routed.$primary
  return routed.$replicas[Math.floor(Math.random() * routed.$replicas.length)] as Db
}
