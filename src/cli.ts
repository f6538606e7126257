/**
 * Operator commands: `npm run cli -- <command>`. Honours the same environment as the server.
 *
 *   migrate                                   apply migrations (the server also does this at start-up)
 *   seed                                      load the demo newsroom if it is not there yet
 *   tokens create --name NAME --scopes A[,B]  print a new token alone on the last line
 *   tokens list                               list tokens (never the tokens themselves)
 *   tokens revoke ID|NAME                     revoke a token
 *   backup FILE                               consistent online copy of the database, verified
 *   restore FILE                              put a verified backup in place (the server must be stopped)
 */
import { parseArgs } from 'node:util'
import { ConfigError, loadConfig } from './config.js'
import { backupDatabase, openDatabase, restoreDatabase } from './db/client.js'
import { seedDemo } from './demo/seed.js'
import { createToken, isScope, listTokens, revokeToken, SCOPES, type Scope } from './tokens/store.js'

const USAGE = `usage: npm run cli -- <command>
  migrate
  seed
  tokens create --name NAME --scopes ${SCOPES.join(',')}
  tokens list
  tokens revoke ID|NAME
  backup FILE
  restore FILE`

class UsageError extends Error {}

async function run(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { name: { type: 'string' }, scopes: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  })
  const [command, sub, arg] = positionals
  if (values.help || command === undefined) {
    console.log(USAGE)
    return
  }
  const config = loadConfig(process.env)
  if (command === 'backup' || command === 'restore') {
    if (!sub) throw new UsageError(`${command} needs a file name`)
    if (config.databasePath === ':memory:')
      throw new UsageError('an in-memory database has nothing to back up')
    if (command === 'backup') {
      const { bytes } = await backupDatabase(config.databasePath, sub)
      console.log(`backed up ${config.databasePath} to ${sub} (${bytes} bytes, integrity ok)`)
    } else {
      await restoreDatabase(sub, config.databasePath)
      console.log(`restored ${config.databasePath} from ${sub} (integrity ok)`)
    }
    return
  }
  const database = openDatabase(config.databasePath, { busyTimeoutMs: config.databaseBusyTimeoutMs })
  try {
    if (command === 'migrate') {
      console.log(`migrated ${config.databasePath}`)
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
    database.close()
  }
}

run(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof UsageError) console.error(`${error.message}\n\n${USAGE}`)
  else if (error instanceof ConfigError) console.error(error.message)
  else console.error(error instanceof Error ? error.message : error)
  process.exit(error instanceof UsageError ? 64 : 1)
})
