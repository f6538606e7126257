/**
 * Several instances behind a load balancer (issue 9): real server processes on one PostgreSQL database and one
 * Redis. Runs with `npm run test:pg` (it needs both services); `npm test` on SQLite skips it.
 */
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import pg from 'pg'
import t, { type Test } from 'tap'
import { buildApp } from '../src/app.js'
import { loadConfig } from '../src/config.js'
import { openDatabase } from '../src/db/client.js'
import { dropSchema } from '../src/db/postgres.js'
import { seedDemo } from '../src/demo/seed.js'
import { createToken } from '../src/tokens/store.js'
import { engine, TEST_DATABASE_URL, TEST_REDIS_URL, testSchema } from './helper.js'
import { type RunningServer, startServer } from './server-process.js'

const skip = engine !== 'postgres' || !TEST_REDIS_URL ? 'needs PostgreSQL and Redis (npm run test:pg)' : false

const MAIN = 'azerbaijani-and-armenian-foreign-ministers-meet-in-new-york'

interface Cluster {
  env: Record<string, string>
  sql: pg.Client
  servers: RunningServer[]
  token: string
}

async function cluster(
  t: Test,
  count: number,
  perServer: (i: number) => Record<string, string> = () => ({}),
) {
  const schema = `t_scale_${randomBytes(5).toString('hex')}`
  const env = {
    DATABASE_URL: TEST_DATABASE_URL as string,
    DATABASE_SCHEMA: schema,
    REDIS_URL: TEST_REDIS_URL as string,
    REDIS_PREFIX: schema,
    DEMO_DATA: 'true',
    TRUST_PROXY: '1',
    VIEWS_PER_ADDRESS_HOURLY: '1000',
    VIEWS_RATE_LIMIT: '1000',
  }
  // All at once: they race to migrate and to load the demo, and must do each exactly once.
  const started = await Promise.allSettled(
    Array.from({ length: count }, (_, i) => startServer({ ...env, ...perServer(i) })),
  )
  const servers = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))
  const sql = new pg.Client({ connectionString: TEST_DATABASE_URL, options: `-c search_path=${schema}` })
  await sql.connect()
  // Registered before anything can fail: servers that did start are stopped whatever happens next.
  t.teardown(async () => {
    for (const server of servers) if (server.child.exitCode === null) server.child.kill('SIGKILL')
    await Promise.all(servers.map((s) => s.exited))
    await sql.end()
    await dropSchema(TEST_DATABASE_URL as string, schema)
  })
  const failed = started.find((r) => r.status === 'rejected')
  if (failed) throw (failed as PromiseRejectedResult).reason
  const run = await new Promise<string>((resolve, reject) => {
    import('node:child_process').then(({ execFile }) =>
      execFile(
        process.execPath,
        ['--import', 'tsx', 'src/cli.ts', 'tokens', 'create', '--name', 'desk', '--scopes', 'admin'],
        { env: { ...process.env, ...env } },
        (error, stdout) => (error ? reject(error) : resolve(stdout)),
      ),
    )
  })
  const token = run.trim().split('\n').at(-1) as string
  return { env, sql, servers, token } satisfies Cluster
}

const storedViews = async (c: Cluster) =>
  Number((await c.sql.query('select coalesce(sum(views), 0) as v from view_buckets')).rows[0].v)

async function until(what: () => Promise<boolean>, ms: number): Promise<number> {
  const started = Date.now()
  while (Date.now() - started < ms) {
    if (await what()) return Date.now() - started
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  return Number.POSITIVE_INFINITY
}

const beacon = (server: RunningServer, slug: string, reader: number) =>
  fetch(`${server.url}/v1/articles/${slug}/views`, {
    method: 'POST',
    headers: { 'x-forwarded-for': `198.51.100.${reader}`, 'user-agent': `Mozilla/5.0 (Reader ${reader})` },
  }).then((r) => r.status)

t.test('three instances on one PostgreSQL and one Redis', { skip }, async (t) => {
  // A and B flush every 300 ms; C only when it stops.
  const c = await cluster(t, 3, (i) => ({ VIEWS_FLUSH_INTERVAL_MS: i < 2 ? '300' : '3600000' }))
  const [a, b, cc] = c.servers as [RunningServer, RunningServer, RunningServer]
  const auth = { authorization: `Bearer ${c.token}`, 'content-type': 'application/json' }

  t.equal(
    Number((await c.sql.query('select count(*) as n from __drizzle_migrations')).rows[0].n),
    JSON.parse(readFileSync('migrations/pg/meta/_journal.json', 'utf8')).entries.length,
    'started together, migrated once',
  )
  t.equal(
    Number((await c.sql.query('select count(*) as n from articles')).rows[0].n),
    6,
    'the demo loaded once',
  )
  for (const server of c.servers) t.equal((await fetch(`${server.url}/ready`)).status, 200)

  // A write on one is read on another at once.
  const created = await fetch(`${a.url}/v1/articles`, {
    method: 'POST',
    headers: auth,
    body: JSON.stringify({
      headline: 'Written on A',
      authors: ['oc-media'],
      topics: [],
      body: { blocks: [] },
    }),
  })
  t.equal(created.status, 201)
  const written = (await created.json()) as { id: string; slug: string }
  const onB = await fetch(`${b.url}/v1/articles/${written.slug}`, { headers: auth })
  t.equal(onB.status, 200, 'B reads what A wrote, at once')
  t.equal(
    (await fetch(`${a.url}/v1/articles/${written.id}/publish`, { method: 'POST', headers: auth, body: '{}' }))
      .status,
    200,
  )

  // Every instance caches the lists and the page; an unpublish on A leaves them within a second.
  const listed = async (server: RunningServer) =>
    (
      (await (await fetch(`${server.url}/v1/articles?limit=50`)).json()) as { data: { slug: string }[] }
    ).data.some((x) => x.slug === written.slug)
  for (const server of c.servers) {
    t.ok(await listed(server), 'published: listed everywhere')
    t.equal((await fetch(`${server.url}/v1/articles/${written.slug}`)).status, 200)
  }
  t.equal(
    (
      await fetch(`${a.url}/v1/articles/${written.id}/unpublish`, {
        method: 'POST',
        headers: auth,
        body: '{}',
      })
    ).status,
    200,
  )
  for (const server of [b, cc]) {
    const ms = await until(async () => !(await listed(server)), 1_000)
    t.ok(ms < 1_000, `gone from another instance's list in ${ms} ms`)
    t.equal((await fetch(`${server.url}/v1/articles/${written.slug}`)).status, 404, 'and its page is gone')
  }

  // C keeps Most Popular in its response cache (its lists live an hour): an author renamed on A shows there.
  type Popular = { data: { article: { authors: { id: string; name: string }[] } }[] }
  const popularOnC = async () => (await (await fetch(`${cc.url}/v1/popular?window=30d`)).json()) as Popular
  const byline = (await popularOnC()).data[0]?.article.authors[0]
  t.ok(byline, 'the demo has a Most Popular list')
  await popularOnC()
  t.equal(
    (
      await fetch(`${a.url}/v1/authors/${byline?.id}`, {
        method: 'PATCH',
        headers: auth,
        body: JSON.stringify({ name: 'Renamed on A' }),
      })
    ).status,
    200,
  )
  const renamedMs = await until(
    async () => (await popularOnC()).data[0]?.article.authors[0]?.name === 'Renamed on A',
    1_000,
  )
  t.ok(renamedMs < 1_000, `C's Most Popular shows the new name in ${renamedMs} ms`)

  // Beacons spread over the three count once per reader, and add up exactly.
  const baseline = await storedViews(c)
  const readers = 12
  for (let reader = 1; reader <= readers; reader++) {
    for (const server of c.servers) t.equal(await beacon(server, MAIN, reader), 202)
  }
  // A and B flush by themselves; C's share waits for its shutdown.
  await until(async () => (await storedViews(c)) - baseline > 0, 3_000)
  await new Promise((resolve) => setTimeout(resolve, 700))
  const beforeStop = (await storedViews(c)) - baseline
  t.ok(beforeStop <= readers, `${beforeStop} views flushed by A and B so far`)
  cc.child.kill('SIGTERM')
  t.equal(await cc.exited, 0, 'C stopped cleanly')
  t.equal((await storedViews(c)) - baseline, readers, 'one view per reader, however many instances they hit')

  // The beacon rate limit holds across instances.
  const limited = await cluster(t, 2, () => ({ VIEWS_RATE_LIMIT: '5', DEMO_DATA: 'true' }))
  const statuses: number[] = []
  for (let i = 0; i < 4; i++)
    for (const server of limited.servers)
      statuses.push(
        await fetch(`${server.url}/v1/articles/${MAIN}/views`, {
          method: 'POST',
          headers: { 'x-forwarded-for': '203.0.113.9', 'user-agent': `Mozilla/5.0 (${i})` },
        }).then((r) => r.status),
      )
  t.equal(statuses.filter((s) => s === 202).length, 5, 'five accepted in all')
  t.equal(statuses.filter((s) => s === 429).length, 3, 'the rest refused, on whichever instance')
})

t.test('concurrent writes on two instances: one wins, the other is told why', { skip }, async (t) => {
  const c = await cluster(t, 2)
  const [a, b] = c.servers as [RunningServer, RunningServer]
  const auth = { authorization: `Bearer ${c.token}`, 'content-type': 'application/json' }
  for (let round = 0; round < 5; round++) {
    const slug = `race-${round}`
    const both = await Promise.all(
      [a, b].map((server) =>
        fetch(`${server.url}/v1/articles`, {
          method: 'POST',
          headers: auth,
          body: JSON.stringify({
            headline: `Race ${round}`,
            slug,
            authors: ['oc-media'],
            topics: [],
            body: { blocks: [] },
          }),
        }).then((r) => r.status),
      ),
    )
    t.same(both.sort(), [201, 409], `round ${round}: same slug at once: one 201, one 409`)
    const page = await fetch(`${a.url}/v1/articles/${slug}`, { headers: auth })
    const etag = page.headers.get('etag') as string
    const patched = await Promise.all(
      [a, b].map((server, i) =>
        fetch(`${server.url}/v1/articles/${slug}`, {
          method: 'PATCH',
          headers: { ...auth, 'if-match': etag },
          body: JSON.stringify({ headline: `Edited on ${i}` }),
        }).then((r) => r.status),
      ),
    )
    t.same(patched.sort(), [200, 412], `round ${round}: same If-Match at once: one 200, one 412`)
  }
})

t.test(
  'a partner key’s tier holds across instances; a revoked key stops on every one',
  { skip },
  async (t) => {
    const c = await cluster(t, 2, () => ({ PARTNER_TIERS: 'trial=4/100' }))
    const [a, b] = c.servers as [RunningServer, RunningServer]
    const out = await new Promise<string>((resolve, reject) => {
      import('node:child_process').then(({ execFile }) =>
        execFile(
          process.execPath,
          [
            '--import',
            'tsx',
            'src/cli.ts',
            'partners',
            'create',
            '--name',
            'wire',
            '--partner',
            'wire',
            '--tier',
            'trial',
          ],
          { env: { ...process.env, ...c.env, PARTNER_TIERS: 'trial=4/100' } },
          (error, stdout) => (error ? reject(error) : resolve(stdout)),
        ),
      )
    })
    const key = { authorization: `Bearer ${out.trim().split('\n').at(-1)}` }
    // Alternating between the instances: one shared count, so the fifth request in the minute is refused.
    const minute = () => Math.floor(Date.now() / 60_000)
    const first = minute()
    const seen: [number, string | null][] = []
    for (const server of [a, b, a, b, a, b]) {
      const res = await fetch(`${server.url}/v1/ninjs?limit=1`, { headers: key })
      seen.push([res.status, res.headers.get('ratelimit-remaining')])
    }
    if (minute() === first) {
      t.same(
        seen,
        [
          [200, '3'],
          [200, '2'],
          [200, '1'],
          [200, '0'],
          [429, '0'],
          [429, '0'],
        ],
        'one count for both instances, going down by one whichever answers',
      )
    } else {
      // A new minute began mid-way (rare): its count starts again; the tier still held within each minute.
      t.ok(seen.filter(([status]) => status === 200).length <= 8, JSON.stringify(seen))
    }
    const revoked = await new Promise<string>((resolve, reject) => {
      import('node:child_process').then(({ execFile }) =>
        execFile(
          process.execPath,
          ['--import', 'tsx', 'src/cli.ts', 'tokens', 'revoke', 'wire'],
          { env: { ...process.env, ...c.env } },
          (error, stdout) => (error ? reject(error) : resolve(stdout)),
        ),
      )
    })
    t.match(revoked, 'revoked 1')
    for (const server of [a, b])
      t.equal(
        (await fetch(`${server.url}/v1/ninjs?limit=1`, { headers: key })).status,
        401,
        'revoked everywhere at once',
      )
  },
)

t.test(
  "kill -9 loses at most that instance's unflushed counts; the others keep serving",
  { skip },
  async (t) => {
    const c = await cluster(t, 2, (i) => ({ VIEWS_FLUSH_INTERVAL_MS: i === 0 ? '300' : '3600000' }))
    const [a, b] = c.servers as [RunningServer, RunningServer]
    const baseline = await storedViews(c)
    for (let reader = 1; reader <= 5; reader++) t.equal(await beacon(a, MAIN, reader), 202)
    await until(async () => (await storedViews(c)) - baseline === 5, 3_000)
    t.equal((await storedViews(c)) - baseline, 5, "A's counts are written by its flushes")
    for (let reader = 6; reader <= 10; reader++) t.equal(await beacon(b, MAIN, reader), 202)
    b.child.kill('SIGKILL')
    await b.exited
    t.equal((await storedViews(c)) - baseline, 5, "B's unflushed counts are all that was lost")
    t.equal((await fetch(`${a.url}/ready`)).status, 200, 'A is still ready')
    t.equal((await fetch(`${a.url}/v1/articles/${MAIN}`)).status, 200, 'and serves')
    t.equal(await beacon(a, MAIN, 11), 202, 'and counts')
  },
)

t.test(
  'without Redis, PostgreSQL LISTEN/NOTIFY carries invalidations between instances',
  { skip: engine !== 'postgres' && 'runs with npm run test:pg' },
  async (t) => {
    const schema = testSchema()
    const config = loadConfig({
      DATABASE_URL: TEST_DATABASE_URL as string,
      DATABASE_SCHEMA: schema,
      LOG_LEVEL: 'silent',
    })
    t.equal(config.redisUrl, undefined)
    const [one, two] = [await openDatabase(config.database), await openDatabase(config.database)]
    await seedDemo(one.db)
    const a = await buildApp(config, { database: one, logger: false })
    const b = await buildApp(config, { database: two, logger: false })
    t.teardown(async () => {
      await a.close()
      await b.close()
      await one.close()
      await two.close()
      await dropSchema(TEST_DATABASE_URL as string, schema)
    })
    const { token } = await createToken(one.db, 'desk', ['admin'])
    const listed = async () =>
      (await b.inject('/v1/articles?limit=50')).json().data.some((x: { slug: string }) => x.slug === MAIN)
    t.ok(await listed(), 'B lists the article (and caches the list)')
    const unpublished = await a.inject({
      method: 'POST',
      url: `/v1/articles/${MAIN}/unpublish`,
      headers: { authorization: `Bearer ${token}` },
      payload: {},
    })
    t.equal(unpublished.statusCode, 200)
    const ms = await until(async () => !(await listed()), 1_000)
    t.ok(ms < 1_000, `gone from B's cached list in ${ms} ms`)
  },
)
