/**
 * Read replicas (issue 9): a primary and a streaming replica made with `pg_basebackup -R`, each in a temporary
 * folder on a port of its own. Public reads go to the replica, writes to the primary, and a request with a
 * token reads from the primary: an editor reads back what was just written, whatever the replica's lag.
 */
import { execFileSync } from 'node:child_process'
import { appendFileSync, chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import t from 'tap'
import { buildApp } from '../src/app.js'
import { loadConfig } from '../src/config.js'
import { openDatabase } from '../src/db/client.js'
import { createToken } from '../src/tokens/store.js'
import { engine } from './helper.js'

const BIN = '/usr/lib/postgresql/15/bin'
const skip =
  engine !== 'postgres'
    ? 'runs with npm run test:pg'
    : !existsSync(`${BIN}/initdb`)
      ? 'needs the PostgreSQL 15 server binaries'
      : false

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })

/** Runs a PostgreSQL tool as the `postgres` user (the server refuses to run as root). */
const asPostgres = (tool: string, ...args: string[]) => {
  const [command, prefix] =
    process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--']] : [`${BIN}/${tool}`, []]
  execFileSync(
    command as string,
    [...(prefix as string[]), ...(prefix.length ? [`${BIN}/${tool}`] : []), ...args],
    {
      stdio: 'pipe',
    },
  )
}

t.test('reads from a streaming replica, writes to the primary, and read-your-writes', { skip }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'newsdesk-replica-'))
  if (process.getuid?.() === 0)
    chownSync(
      dir,
      Number(execFileSync('id', ['-u', 'postgres'])),
      Number(execFileSync('id', ['-g', 'postgres'])),
    )
  const [primaryPort, replicaPort] = [await freePort(), await freePort()]
  const primary = join(dir, 'primary')
  const replica = join(dir, 'replica')
  const options = (port: number) => `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`
  t.teardown(() => {
    for (const data of [replica, primary])
      if (existsSync(join(data, 'postmaster.pid')))
        try {
          asPostgres('pg_ctl', '-D', data, '-m', 'immediate', 'stop')
        } catch {}
    rmSync(dir, { recursive: true, force: true })
  })
  asPostgres('initdb', '-D', primary, '-A', 'trust', '-U', 'postgres')
  appendFileSync(join(primary, 'pg_hba.conf'), '\nhost replication all 127.0.0.1/32 trust\n')
  // -l: the server's output goes to a file, not to the pipe this call waits on.
  asPostgres(
    'pg_ctl',
    '-D',
    primary,
    '-l',
    join(dir, 'primary.log'),
    '-o',
    options(primaryPort),
    '-w',
    'start',
  )
  asPostgres(
    'pg_basebackup',
    '-h',
    '127.0.0.1',
    '-p',
    String(primaryPort),
    '-U',
    'postgres',
    '-D',
    replica,
    '-R',
    '-X',
    'stream',
    '-c',
    'fast', // a spread checkpoint would keep it waiting for minutes
  )
  asPostgres(
    'pg_ctl',
    '-D',
    replica,
    '-l',
    join(dir, 'replica.log'),
    '-o',
    options(replicaPort),
    '-w',
    'start',
  )

  const url = (port: number) => `postgres://postgres@127.0.0.1:${port}/postgres`
  const config = loadConfig({
    DATABASE_URL: url(primaryPort),
    DATABASE_REPLICA_URLS: url(replicaPort),
    RESPONSE_CACHE_MB: '0',
    LOG_LEVEL: 'silent',
  })
  const database = await openDatabase(config.database)
  const app = await buildApp(config, { database, logger: false })
  t.teardown(async () => {
    await app.close()
    await database.close()
  })
  const { token } = await createToken(database.db, 'desk', ['admin'])
  const editor = { authorization: `Bearer ${token}` }
  const standby = new pg.Client({ connectionString: url(replicaPort) })
  await standby.connect()
  t.teardown(() => standby.end())
  t.equal(
    (await standby.query('select pg_is_in_recovery() as r')).rows[0].r,
    true,
    'the replica is a standby',
  )
  t.equal((await app.inject('/ready')).statusCode, 200, 'ready: primary and replica answer')

  await app.inject({ method: 'POST', url: '/v1/authors', headers: editor, payload: { name: 'Desk' } })
  const caughtUp = async () => {
    for (let i = 0; i < 100; i++) {
      const lag = await standby.query('select count(*) as n from authors')
      if (Number(lag.rows[0].n) > 0) return true
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    return false
  }
  t.ok(await caughtUp(), 'the replica streams the primary’s writes')

  // Freeze the replica: from now on it serves a snapshot from before the next write.
  await standby.query('select pg_wal_replay_pause()')
  const created = await app.inject({
    method: 'POST',
    url: '/v1/articles',
    headers: editor,
    payload: { headline: 'Fresh from the desk', authors: ['desk'], topics: [], body: { blocks: [] } },
  })
  t.equal(created.statusCode, 201, 'the write went to the primary')
  const { id, slug } = created.json()
  t.equal(
    (await app.inject({ method: 'POST', url: `/v1/articles/${id}/publish`, headers: editor, payload: {} }))
      .statusCode,
    200,
  )

  const mine = await app.inject({ url: `/v1/articles/${slug}`, headers: editor })
  t.equal(mine.statusCode, 200, 'read-your-writes: a request with a token reads the primary')
  t.equal(mine.json().status, 'published')
  t.equal(
    (await app.inject(`/v1/articles/${slug}`)).statusCode,
    404,
    'a public read is served by the (paused) replica',
  )

  await standby.query('select pg_wal_replay_resume()')
  let seen = 0
  for (let i = 0; i < 100 && seen !== 200; i++) {
    seen = (await app.inject(`/v1/articles/${slug}`)).statusCode
    if (seen !== 200) await new Promise((resolve) => setTimeout(resolve, 50))
  }
  t.equal(seen, 200, 'once the replica replays, the public sees it too')
})
