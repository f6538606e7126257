/**
 * PostgreSQL, for several instances behind a load balancer: a pool on the primary, optional streaming replicas
 * for reads, migrations under an advisory lock, and LISTEN/NOTIFY for instances to hear each other.
 */
import { join } from 'node:path'
import { drizzle } from 'drizzle-orm/node-postgres'
import { migrate } from 'drizzle-orm/node-postgres/migrator'
import { withReplicas } from 'drizzle-orm/pg-core'
import pg from 'pg'
import {
  type Channel,
  type Database,
  type Db,
  migrationsRoot,
  type OpenOptions,
  primaryReads,
  registerTransactions,
} from './client.js'
import * as schema from './schema.js'

export const migrationsFolder = join(migrationsRoot, 'pg')

/*
 * Values come back in the shapes the shared (SQLite) column codecs expect, whichever engine answered:
 * epoch milliseconds and counts (bigint) and sums (numeric) as numbers, JSON as its text. Every timestamp is
 * below 2^53, and so is every count.
 */
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value))
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (value) => Number(value))
pg.types.setTypeParser(pg.types.builtins.JSONB, (value) => value)
pg.types.setTypeParser(pg.types.builtins.JSON, (value) => value)

/** The lock that makes N instances migrate once: one per schema, the same on every instance. */
const MIGRATION_LOCK = "hashtextextended('newsdesk-migrations:' || current_schema(), 0)"

export interface PostgresConfig {
  url: string
  replicaUrls: string[]
  poolSize: number
  statementTimeoutMs: number
  connectTimeoutMs: number
  schema?: string
}

/** How long closing waits for connections still checked out. */
const POOL_END_TIMEOUT_MS = 2_000

function poolOf(url: string, config: PostgresConfig): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: config.poolSize,
    connectionTimeoutMillis: config.connectTimeoutMs,
    statement_timeout: config.statementTimeoutMs,
    idleTimeoutMillis: 30_000,
    application_name: 'newsdesk',
    ...(config.schema ? { options: `-c search_path=${config.schema}` } : {}),
  })
  // A connection that dies while idle (a restart, a failover) is dropped from the pool and replaced on next use;
  // without a listener the error would end the process.
  pool.on('error', () => undefined)
  // A connection that dies while checked out fails its query (a 503 for the request); the client's own error
  // event must not end the process either.
  pool.on('connect', (client) => client.on('error', () => undefined))
  return pool
}

export async function openPostgres(config: PostgresConfig, options: OpenOptions = {}): Promise<Database> {
  if (config.schema) await createSchema(config.url, config.schema)
  const logger = options.onQuery ? { logQuery: (sql: string) => options.onQuery?.(sql) } : undefined
  const primaryPool = poolOf(config.url, config)
  const primary = drizzle(primaryPool, { schema, ...(logger ? { logger } : {}) })
  try {
    await migrateOnce(primaryPool, config.schema)
  } catch (error) {
    await primaryPool.end()
    throw error
  }
  const replicaPools = config.replicaUrls.map((url) => poolOf(url, config))
  const replicas = replicaPools.map((pool) => drizzle(pool, { schema, ...(logger ? { logger } : {}) }))
  const db = (replicas.length === 0
    ? primary
    : withReplicas(primary, replicas as [typeof primary, ...(typeof primary)[]], (all) =>
        primaryReads.getStore() === true ? primary : (all[Math.floor(Math.random() * all.length)] ?? primary),
      )) as unknown as Db
  registerTransactions(db, (fn) => primary.transaction((tx) => fn(tx as unknown as Db)))
  const channel = notifications(config, primaryPool)
  let closed = false
  return {
    engine: 'postgres',
    db,
    channel,
    ping: async () => {
      await Promise.all([primaryPool, ...replicaPools].map((pool) => pool.query('select 1')))
      return true
    },
    close: async () => {
      if (closed) return
      closed = true
      await channel.close()
      // A connection cut by the network while it was being made can stay counted as checked out, and pool.end()
      // would wait for it forever: shutting down waits a bounded time, then lets go of it.
      let timer: NodeJS.Timeout | undefined
      await Promise.race([
        Promise.all([primaryPool, ...replicaPools].map((pool) => pool.end())),
        new Promise((resolve) => {
          timer = setTimeout(resolve, POOL_END_TIMEOUT_MS)
        }),
      ])
      clearTimeout(timer)
    },
  }
}

async function createSchema(url: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query(`create schema if not exists "${name.replace(/"/g, '')}"`)
  } catch (error) {
    // Instances starting at once race to create it; `if not exists` does not settle that race in PostgreSQL.
    const code = (error as { code?: string }).code
    if (code !== '23505' && code !== '42P06') throw error
  } finally {
    await client.end()
  }
}

/** Drops a test's schema and everything in it. */
export async function dropSchema(url: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query(`drop schema if exists "${name.replace(/"/g, '')}" cascade`)
  } finally {
    await client.end()
  }
}

/**
 * Applies `migrations/pg` holding a session advisory lock: instances starting together wait for the first, then
 * find nothing left to do.
 */
async function migrateOnce(pool: pg.Pool, migrationsSchema?: string): Promise<void> {
  const client = await pool.connect()
  try {
    await client.query(`select pg_advisory_lock(${MIGRATION_LOCK})`)
    try {
      await migrate(drizzle(client), { migrationsFolder, ...(migrationsSchema ? { migrationsSchema } : {}) })
    } finally {
      await client.query(`select pg_advisory_unlock(${MIGRATION_LOCK})`)
    }
  } finally {
    client.release()
  }
}

/**
 * LISTEN/NOTIFY on one dedicated connection, reconnected after a failure. Messages published while the listener
 * was away are lost; callers that need them (the caches) clear everything when it comes back.
 */
function notifications(config: PostgresConfig, pool: pg.Pool): Channel & { close(): Promise<void> } {
  const name = `newsdesk${config.schema ? `_${config.schema}` : ''}`.slice(0, 63)
  const handlers: ((message: string) => void)[] = []
  let client: pg.Client | undefined
  let closed = false
  let retry: NodeJS.Timeout | undefined
  const connect = async () => {
    if (closed || client) return
    const next = new pg.Client({
      connectionString: config.url,
      connectionTimeoutMillis: config.connectTimeoutMs,
    })
    next.on('notification', (message) => {
      if (message.channel === name) for (const handler of handlers) handler(message.payload ?? '')
    })
    const lost = () => {
      if (client !== next) return
      client = undefined
      next.end().catch(() => undefined)
      if (!closed) retry = setTimeout(() => void connect(), 500)
      for (const handler of handlers) handler('*')
    }
    next.on('error', lost)
    next.on('end', lost)
    client = next
    try {
      await next.connect()
      await next.query(`listen "${name}"`)
    } catch {
      lost()
    }
  }
  return {
    publish: async (message) => {
      await pool.query('select pg_notify($1, $2)', [name, message])
    },
    subscribe: async (onMessage) => {
      handlers.push(onMessage)
      await connect()
    },
    close: async () => {
      closed = true
      clearTimeout(retry)
      const current = client
      client = undefined
      await current?.end().catch(() => undefined)
    },
  }
}
