/**
 * Operator commands: `npm run cli -- <command>`. Honours the same environment as the server.
 *
 *   migrate                                   apply migrations (the server also does this at start-up)
 *   seed                                      load the demo newsroom if it is not there yet
 *   tokens create --name NAME --scopes A[,B]  print a new token alone on the last line
 *   tokens list                               list tokens (never the tokens themselves)
 *   tokens revoke ID|NAME                     revoke a token
 *   backup FILE                               SQLite: consistent online copy of the database, verified
 *   restore FILE                              SQLite: put a verified backup in place (the server must be stopped)
 *   copy --to URL                             copy everything into an empty database (e.g. SQLite to PostgreSQL)
 */
import { parseArgs } from 'node:util'
import { ConfigError, loadConfig } from './config.js'
import { openDatabase } from './db/client.js'
import { copyDatabase } from './db/copy.js'
import { backupDatabase, restoreDatabase } from './db/sqlite.js'
import { seedDemo } from './demo/seed.js'
import { createToken, isScope, listTokens, revokeToken, SCOPES, type Scope } from './tokens/store.js'

const USAGE = `usage: npm run cli -- <command>
  migrate
  seed
  tokens create --name NAME --scopes ${SCOPES.join(',')}
  tokens list
  tokens revoke ID|NAME
  backup FILE
  restore FILE
  copy --to postgres://…|file:PATH`

class UsageError extends Error {}

async function run(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      scopes: { type: 'string' },
      to: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  const [command, sub, arg] = positionals
  if (values.help || command === undefined) {
    console.log(USAGE)
    return
  }
  const config = loadConfig(process.env)
  if (command === 'backup' || command === 'restore') {
    if (!sub) throw new UsageError(`${command} needs a file name`)
    if (config.database.engine !== 'sqlite')
      throw new UsageError(
        `${command} is for SQLite; back up PostgreSQL with pg_dump or your provider's snapshots`,
      )
    const path = config.database.path
    if (path === ':memory:') throw new UsageError('an in-memory database has nothing to back up')
    if (command === 'backup') {
      const { bytes } = await backupDatabase(path, sub)
      console.log(`backed up ${path} to ${sub} (${bytes} bytes, integrity ok)`)
    } else {
      await restoreDatabase(sub, path)
      console.log(`restored ${path} from ${sub} (integrity ok)`)
    }
    return
  }
  if (command === 'copy') {
    if (!values.to) throw new UsageError('copy needs --to URL (postgres://… or file:PATH)')
    const target = loadConfig({ ...process.env, DATABASE_URL: values.to, DATABASE_REPLICA_URLS: '' }).database
    const counts = await copyDatabase(config.database, target)
    const total = Object.values(counts).reduce((a, b) => a + b, 0)
    console.log(
      `copied ${total} rows: ${Object.entries(counts)
        .map(([table, n]) => `${table} ${n}`)
        .join(', ')}`,
    )
    return
  }
  const database = await openDatabase(config.database)
  const where = config.database.engine === 'sqlite' ? config.database.path : 'PostgreSQL'
  try {
    if (command === 'migrate') {
      console.log(`migrated ${where}`)
    } else if (command === 'seed') {
      console.log(
        (await seedDemo(database.db)) ? 'demo data loaded' : 'demo data already present; nothing changed',
      )
    } else if (command === 'tokens' && sub === 'create') {
      const name = values.name?.trim()
      if (!name) throw new UsageError('tokens create needs --name NAME')
      const scopes = (values.scopes ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
      const bad = scopes.filter((s) => !isScope(s))
      if (scopes.length === 0 || bad.length > 0) {
        throw new UsageError(
          `--scopes takes a comma-separated list of: ${SCOPES.join(', ')}${bad.length ? ` (not: ${bad.join(', ')})` : ''}`,
        )
      }
      const { token, record } = await createToken(database.db, name, scopes as Scope[])
      console.log(
        `created token ${record.id} "${record.name}" with scopes ${record.scopes.join(',')}; it is shown only once:`,
      )
      console.log(token)
    } else if (command === 'tokens' && sub === 'list') {
      for (const t of await listTokens(database.db)) {
        const state = t.revokedAt ? `revoked ${new Date(t.revokedAt).toISOString()}` : 'active'
        const used = t.lastUsedAt ? new Date(t.lastUsedAt).toISOString() : 'never'
        console.log(`${t.id}\t${t.name}\t${t.scopes.join(',')}\t${state}\tlast used ${used}`)
      }
    } else if (command === 'tokens' && sub === 'revoke') {
      if (!arg) throw new UsageError('tokens revoke needs a token id or name')
      const n = await revokeToken(database.db, arg)
      if (n === 0) throw new UsageError(`no token has the id or name "${arg}"`)
      console.log(`revoked ${n} token(s)`)
    } else {
      throw new UsageError(`unknown command: ${positionals.join(' ')}`)
    }
  } finally {
    await database.close()
  }
}

run(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof UsageError) console.error(`${error.message}\n\n${USAGE}`)
  else if (error instanceof ConfigError) console.error(error.message)
  else console.error(error instanceof Error ? error.message : error)
  process.exit(error instanceof UsageError ? 64 : 1)
})
