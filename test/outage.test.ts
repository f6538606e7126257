/**
 * PostgreSQL or Redis going away and coming back (issue 9): through a TCP proxy the test can cut, /ready answers
 * 503 while either is unreachable, a write answers 503 and stores nothing, and the instance recovers by itself.
 */
import { connect, createServer, type Server, type Socket } from 'node:net'
import t from 'tap'
import { build, engine, TEST_DATABASE_URL, TEST_REDIS_URL } from './helper.js'

const skip = engine !== 'postgres' || !TEST_REDIS_URL ? 'needs PostgreSQL and Redis (npm run test:pg)' : false

/** A TCP proxy to `target` that can be cut (every connection dropped, nothing accepted) and restored. */
async function proxy(target: { host: string; port: number }) {
  const sockets = new Set<Socket>()
  let server: Server | undefined
  let port = 0
  const up = () =>
    new Promise<void>((resolve) => {
      const listening = createServer((client) => {
        const upstream = connect(target.port, target.host)
        for (const s of [client, upstream]) {
          sockets.add(s)
          s.on('close', () => sockets.delete(s))
          s.on('error', () => s.destroy())
        }
        client.pipe(upstream).pipe(client)
      })
      // Up at the end of each test; never what keeps the process alive.
      server = listening
      listening.unref()
      listening.listen(port, '127.0.0.1', () => {
        port = (listening.address() as { port: number }).port
        resolve()
      })
    })
  const down = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy()
      server?.close(() => resolve())
    })
  await up()
  return { port: () => port, up, down }
}

const hostPort = (url: string) => {
  const u = new URL(url)
  return { host: u.hostname, port: Number(u.port || (u.protocol.startsWith('redis') ? 6379 : 5432)) }
}

t.test('PostgreSQL goes away and comes back', { skip }, async (t) => {
  const pgProxy = await proxy(hostPort(TEST_DATABASE_URL as string))
  const url = new URL(TEST_DATABASE_URL as string)
  url.host = `127.0.0.1:${pgProxy.port()}`
  const ctx = await build(t, {
    demo: true,
    env: { DATABASE_URL: url.toString(), DATABASE_CONNECT_TIMEOUT_MS: '500', RESPONSE_CACHE_MB: '0' },
  })
  const editor = await ctx.auth('content:write')
  t.equal((await ctx.app.inject('/ready')).statusCode, 200)

  await pgProxy.down()
  const ready = await ctx.app.inject('/ready')
  t.equal(ready.statusCode, 503, 'not ready while PostgreSQL is unreachable')
  t.equal(ready.json().type, 'urn:newsdesk:problem:not-ready')
  const write = await ctx.app.inject({
    method: 'POST',
    url: '/v1/articles',
    headers: editor,
    payload: { headline: 'Lost in the outage', authors: ['oc-media'], topics: [], body: { blocks: [] } },
  })
  t.equal(write.statusCode, 503, 'a write while it is away is a 503')
  t.equal(write.headers['retry-after'], '1')
  t.equal(write.json().type, 'urn:newsdesk:problem:unavailable')

  await pgProxy.up()
  let status = 0
  for (let i = 0; i < 50 && status !== 200; i++) {
    status = (await ctx.app.inject('/ready')).statusCode
    if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 100))
  }
  t.equal(status, 200, 'ready again by itself')
  const list = (await ctx.app.inject({ url: '/v1/articles?status=all&limit=50', headers: editor })).json()
  t.notOk(
    list.data.some((a: { headline: string }) => a.headline === 'Lost in the outage'),
    'the failed write stored nothing',
  )
  const again = await ctx.app.inject({
    method: 'POST',
    url: '/v1/articles',
    headers: editor,
    payload: { headline: 'After the outage', authors: ['oc-media'], topics: [], body: { blocks: [] } },
  })
  t.equal(again.statusCode, 201, 'writes work again')
})

t.test('Redis goes away and comes back', { skip }, async (t) => {
  const redisProxy = await proxy(hostPort(TEST_REDIS_URL as string))
  const ctx = await build(t, { demo: true, env: { REDIS_URL: `redis://127.0.0.1:${redisProxy.port()}` } })
  t.equal((await ctx.app.inject('/ready')).statusCode, 200)
  await redisProxy.down()
  const ready = await ctx.app.inject('/ready')
  t.equal(ready.statusCode, 503, 'not ready while Redis is unreachable')
  t.match(ready.json().detail, /Redis/)
  const beacon = await ctx.app.inject({
    method: 'POST',
    url: '/v1/articles/azerbaijani-and-armenian-foreign-ministers-meet-in-new-york/views',
    headers: { 'user-agent': 'Mozilla/5.0 (outage)' },
  })
  t.equal(beacon.statusCode, 202, 'beacons are still counted, by this instance’s own rules')
  t.equal((await ctx.app.inject('/v1/articles')).statusCode, 200, 'reads are unaffected')
  await redisProxy.up()
  let status = 0
  for (let i = 0; i < 60 && status !== 200; i++) {
    status = (await ctx.app.inject('/ready')).statusCode
    if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 100))
  }
  t.equal(status, 200, 'ready again by itself')
})
