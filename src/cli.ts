/**
 * Operator commands: `npm run cli -- <command>`. Honours the same environment as the server.
 *
 *   migrate                                   apply migrations (the server also does this at start-up), and
 *                                             store the sanitised parts of bodies written before they were kept
 *   seed                                      load the demo newsroom if it is not there yet
 *   tokens create --name NAME --scopes A[,B]  print a new token alone on the last line
 *   tokens list                               list tokens (never the tokens themselves)
 *   tokens revoke ID|NAME                     revoke a token
 *   partners create --name NAME --partner P [--tier T]   a partner key (`syndication:read`) in a tier
 *   partners retier ID|NAME TIER              move a partner key to another tier
 *   partners usage [--from DAY] [--to DAY]    requests per partner key per UTC day
 *   backup FILE                               SQLite: consistent online copy of the database, verified
 *   restore FILE                              SQLite: put a verified backup in place (the server must be stopped)
 *   copy --to URL                             copy everything into an empty database (e.g. SQLite to PostgreSQL)
 */
import { parseArgs } from 'node:util'
import { fillStoredRenderings } from './articles/writes.js'
import { ConfigError, loadConfig } from './config.js'
import { openDatabase } from './db/client.js'
import { copyDatabase } from './db/copy.js'
import { backupDatabase, restoreDatabase } from './db/sqlite.js'
import { seedDemo } from './demo/seed.js'
import { usageBetween } from './partners/plugin.js'
import {
  createToken,
  isScope,
  listTokens,
  retierToken,
  revokeToken,
  SCOPES,
  type Scope,
} from './tokens/store.js'

const USAGE = `usage: npm run cli -- <command>
  migrate
  seed
  tokens create --name NAME --scopes ${SCOPES.join(',')}
  tokens list
  tokens revoke ID|NAME
  partners create --name NAME --partner PARTNER [--tier TIER]
  partners retier ID|NAME TIER
  partners usage [--from YYYY-MM-DD] [--to YYYY-MM-DD]
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
      partner: { type: 'string' },
      tier: { type: 'string' },
      from: { type: 'string' },
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
      const filled = await fillStoredRenderings(database.db)
      console.log(
        `migrated ${where}${filled > 0 ? `; stored ${filled} templates of bodies and summaries` : ''}`,
      )
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
        const partner = t.partner ? `\tpartner ${t.partner} (${t.tier ?? config.partnerDefaultTier})` : ''
        console.log(`${t.id}\t${t.name}\t${t.scopes.join(',')}\t${state}\tlast used ${used}${partner}`)
      }
    } else if (command === 'tokens' && sub === 'revoke') {
      if (!arg) throw new UsageError('tokens revoke needs a token id or name')
      const n = await revokeToken(database.db, arg)
      if (n === 0) throw new UsageError(`no token has the id or name "${arg}"`)
      console.log(`revoked ${n} token(s)`)
    } else if (command === 'partners' && sub === 'create') {
      const name = values.name?.trim()
      const partner = values.partner?.trim()
      const tier = values.tier?.trim() || config.partnerDefaultTier
      if (!name || !partner) throw new UsageError('partners create needs --name NAME --partner PARTNER')
      if (!/^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(partner))
        throw new UsageError('--partner is a kebab-case name, as articles’ rights name partners')
      if (config.partnerTiers[tier] === undefined)
        throw new UsageError(`--tier must be one of: ${Object.keys(config.partnerTiers).join(', ')}`)
      const { token, record } = await createToken(database.db, name, ['syndication:read'], Date.now(), {
        partner,
        tier,
      })
      console.log(
        `created partner key ${record.id} "${record.name}" for ${partner}, tier ${tier}; it is shown only once:`,
      )
      console.log(token)
    } else if (command === 'partners' && sub === 'retier') {
      const tier = positionals[3]
      if (!arg || !tier) throw new UsageError('partners retier needs a key id or name and a tier')
      if (config.partnerTiers[tier] === undefined)
        throw new UsageError(`the tier must be one of: ${Object.keys(config.partnerTiers).join(', ')}`)
      const n = await retierToken(database.db, arg, tier)
      if (n === 0) throw new UsageError(`no partner key has the id or name "${arg}"`)
      console.log(`moved ${n} key(s) to tier ${tier}`)
    } else if (command === 'partners' && sub === 'usage') {
      const day = /^\d{4}-\d{2}-\d{2}$/
      const from = values.from ?? new Date().toISOString().slice(0, 10)
      const to = values.to ?? from
      if (!day.test(from) || !day.test(to)) throw new UsageError('--from and --to take YYYY-MM-DD')
      const rows = await usageBetween(database.db, from, to)
      if (rows.length === 0) console.log(`no partner requests from ${from} to ${to}`)
      for (const r of rows)
        console.log(`${r.day}\t${r.key.partner}\t${r.key.name}\t${r.key.tier}\t${r.requests} requests`)
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
