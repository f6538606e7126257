/**
 * A fresh app on a fresh database per test, torn down with the test: a SQLite file, or, when
 * `TEST_DATABASE_URL` names a PostgreSQL server (`npm run test:pg`), a schema of its own on it.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { is, sql, Table } from 'drizzle-orm'
import type { SQLiteTable } from 'drizzle-orm/sqlite-core'
import type { InjectOptions, LightMyRequestResponse } from 'fastify'
import type { Test } from 'tap'
import { type App, buildApp } from '../src/app.js'
import type { Config } from '../src/config.js'
import { loadConfig } from '../src/config.js'
import { type Database, openDatabase, rawExec } from '../src/db/client.js'
import { dropSchema } from '../src/db/postgres.js'
import * as schema from '../src/db/schema.js'
import { seedDemo } from '../src/demo/seed.js'
import type { Purger } from '../src/http/cache.js'
import { createToken, type Scope } from '../src/tokens/store.js'

export interface TestContext {
  app: App
  database: Database
  dir: string
  /** The clock the app reads; tests move it with `clock.set` / `clock.advance`. */
  clock: { now: number; set(ms: number | string): void; advance(ms: number): void }
  /** An `Authorization` header for a new token with the given scopes. */
  auth(...scopes: Scope[]): Promise<{ authorization: string }>
  /** Runs one request and answers the SQL statements it ran. */
  queriesOf(request: string | InjectOptions): Promise<{ response: LightMyRequestResponse; queries: string[] }>
  config: Config
}

export async function build(
  t: Test,
  options: { demo?: boolean; now?: string; env?: Record<string, string>; purger?: Purger } = {},
) {
  const dir = mkdtempSync(join(tmpdir(), 'newsdesk-test-'))
  const config = loadConfig({
    DATABASE_URL: TEST_DATABASE_URL ?? `file:${join(dir, 'test.db')}`,
    LOG_LEVEL: 'silent',
    ...(TEST_REDIS_URL
      ? { REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: `nd-${randomBytes(6).toString('hex')}` }
      : {}),
    ...options.env,
  })
  if (config.database.engine === 'postgres') config.database.schema = testSchema()
  const queries: string[] = []
  const database = await openDatabase(config.database, { onQuery: (sql) => queries.push(sql) })
  const clock = {
    now: Date.parse(options.now ?? '2026-01-15T12:00:00.000Z'),
    set(ms: number | string) {
      this.now = typeof ms === 'string' ? Date.parse(ms) : ms
    },
    advance(ms: number) {
      this.now += ms
    },
  }
  if (options.demo) await seedDemo(database.db, clock.now)
  const app = await buildApp(config, {
    database,
    clock: () => clock.now,
    // DEBUG_LOG=1 shows the app's errors (a failed flush, a 500's cause) while a test is investigated.
    logger: process.env.DEBUG_LOG ? { level: 'error' } : false,
    ...(options.purger ? { purger: options.purger } : {}),
  })
  t.teardown(async () => {
    await app.close()
    await database.close()
    if (config.database.engine === 'postgres' && config.database.schema)
      await dropSchema(TEST_DATABASE_URL ?? config.database.url, config.database.schema)
    rmSync(dir, { recursive: true, force: true })
  })
  const auth = async (...scopes: Scope[]) => {
    const { token } = await createToken(database.db, `test-${scopes.join('+')}`, scopes)
    return { authorization: `Bearer ${token}` }
  }
  /** The statements one request ran. */
  const queriesOf = async (request: string | InjectOptions) => {
    queries.length = 0
    const response = await app.inject(request as InjectOptions)
    return { response, queries: [...queries] }
  }
  return { app, database, dir, clock, auth, queriesOf, config } satisfies TestContext
}

/** Set by `npm run test:pg`: the PostgreSQL server (and Redis) the suite runs on instead of SQLite files. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || undefined
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL || undefined
export const engine: 'sqlite' | 'postgres' = TEST_DATABASE_URL ? 'postgres' : 'sqlite'

/** Environment that points a child process (the CLI, a server) at this test's database. */
export function databaseEnv(ctx: Pick<TestContext, 'config' | 'dir'>): Record<string, string> {
  const database = ctx.config.database
  if (database.engine === 'sqlite') return { DATABASE_URL: `file:${database.path}` }
  return { DATABASE_URL: database.url, ...(database.schema ? { DATABASE_SCHEMA: database.schema } : {}) }
}

/** A schema name no other test uses, for a test of its own on the shared PostgreSQL server. */
export const testSchema = () => `t_${process.pid}_${randomBytes(5).toString('hex')}`

/** Creates an author and a topic through the API and answers their slugs. */
export async function newsroom(ctx: TestContext, headers: { authorization: string }) {
  const author = await ctx.app.inject({
    method: 'POST',
    url: '/v1/authors',
    headers,
    payload: { name: 'Test Desk' },
  })
  const topic = await ctx.app.inject({
    method: 'POST',
    url: '/v1/topics',
    headers,
    payload: { title: 'Border clashes' },
  })
  if (author.statusCode !== 201 || topic.statusCode !== 201)
    throw new Error(`setup failed: ${author.body} ${topic.body}`)
  return { author: author.json().slug as string, topic: topic.json().slug as string }
}

export const paragraph = (html: string) => ({ type: 'paragraph', html })

/** Creates (and optionally publishes) an article through the API; answers its JSON. */
export async function article(
  ctx: TestContext,
  headers: { authorization: string },
  fields: Record<string, unknown> & { publishAt?: string; publish?: boolean },
) {
  const { publishAt, publish, ...body } = fields
  const created = await ctx.app.inject({
    method: 'POST',
    url: '/v1/articles',
    headers,
    payload: { topics: [], body: { blocks: [paragraph('Some text.')] }, ...body },
  })
  if (created.statusCode !== 201) throw new Error(`create failed: ${created.body}`)
  if (!publish && !publishAt) return created.json()
  const published = await ctx.app.inject({
    method: 'POST',
    url: `/v1/articles/${created.json().id}/publish`,
    headers,
    payload: publishAt ? { publishAt } : {},
  })
  if (published.statusCode !== 200) throw new Error(`publish failed: ${published.body}`)
  return published.json()
}

/** Every row of every table, as JSON: what a test searches for data that must never be stored. */
export async function dumpTables(ctx: Pick<TestContext, 'database'>): Promise<string> {
  const tables = Object.values(schema).filter((value) => is(value, Table)) as SQLiteTable[]
  const rows = await Promise.all(tables.map((table) => ctx.database.db.select().from(table)))
  return JSON.stringify(rows)
}

/** Makes every write to the view buckets fail until the answered function is called (a database refusing). */
export async function refuseViewWrites(ctx: Pick<TestContext, 'database'>): Promise<() => Promise<void>> {
  const { db } = ctx.database
  if (ctx.database.engine === 'sqlite') {
    await rawExec(
      db,
      sql`create trigger refuse_views before insert on view_buckets begin select raise(abort, 'refused'); end`,
    )
    return async () => {
      await rawExec(db, sql`drop trigger refuse_views`)
    }
  }
  await rawExec(
    db,
    sql`create function refuse_views() returns trigger language plpgsql as $$ begin raise exception 'refused'; end $$`,
  )
  await rawExec(
    db,
    sql`create trigger refuse_views before insert or update on view_buckets for each row execute function refuse_views()`,
  )
  return async () => {
    await rawExec(db, sql`drop trigger refuse_views on view_buckets`)
    await rawExec(db, sql`drop function refuse_views()`)
  }
}

/** A second connection to this test's database, as another process would hold one. */
export async function otherSession(ctx: Pick<TestContext, 'config'>) {
  const database = ctx.config.database
  if (database.engine === 'sqlite') {
    const { default: SQLite } = await import('better-sqlite3')
    const connection = new SQLite(database.path)
    return {
      exec: async (statements: string) => void connection.exec(statements),
      close: async () => void connection.close(),
    }
  }
  const { default: pg } = await import('pg')
  const client = new pg.Client({
    connectionString: database.url,
    ...(database.schema ? { options: `-c search_path=${database.schema}` } : {}),
  })
  await client.connect()
  return {
    exec: async (statements: string) => void (await client.query(statements)),
    close: () => client.end(),
  }
}
