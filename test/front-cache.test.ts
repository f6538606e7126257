/**
 * Response-cache hits answered before routing (issue 8): over a real socket, a hit is the same answer Fastify gives
 * (status, headers, bytes, 304s and compressed forms), and everything that must not be a hit still reaches Fastify:
 * reads with a token, a publication whose time has come, an unpublished article.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { brotliDecompressSync, gunzipSync } from 'node:zlib'
import t, { type Test } from 'tap'
import { article, build } from './helper.js'

const MAIN = 'azerbaijani-and-armenian-foreign-ministers-meet-in-new-york'
const TOPIC = '2022-azerbaijani-attack-on-armenia'
const TABLE = 'september-2022-clashes-casualties'

const READS = [
  '/v1/articles',
  `/v1/articles?topic=${TOPIC}&limit=2`,
  `/v1/articles/${MAIN}`,
  `/v1/articles/${MAIN}?include=factTables,related`,
  `/v1/articles/${MAIN}/related`,
  `/v1/topics/${TOPIC}`,
  '/v1/authors/oc-media',
  '/v1/collections/editors-picks',
  `/v1/fact-tables/${TABLE}`,
  `/v1/fact-tables/${TABLE}/figures.csv`,
]

interface Answer {
  status: number
  headers: IncomingHttpHeaders
  body: Buffer
}

/** One request over a real socket; the body as the bytes sent (nothing decompressed). */
const get = (base: string, path: string, headers: Record<string, string> = {}) =>
  new Promise<Answer>((resolve, reject) => {
    const req = httpRequest(`${base}${path}`, { headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      )
    })
    req.on('error', reject)
    req.end()
  })

/** The headers of the representation: not the request id, the date or the connection's own. */
const stable = (headers: IncomingHttpHeaders) => {
  const { 'x-request-id': _id, date: _date, connection: _c, 'keep-alive': _k, ...rest } = headers
  return rest
}

async function listening(t: Test, env: Record<string, string> = {}) {
  const ctx = await build(t, { demo: true, env })
  await ctx.app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = ctx.app.server.address() as AddressInfo
  const cache = ctx.app.responseCache
  if (cache === null) throw new Error('the cache is on by default')
  return { ctx, base: `http://127.0.0.1:${port}`, cache }
}

t.test('a hit before routing answers what Fastify answers: headers, bytes, 304s, encodings', async (t) => {
  const { ctx, base, cache } = await listening(t)
  for (const url of READS) {
    const miss = await get(base, url)
    t.equal(miss.status, 200, url)
    const early = cache.stats.beforeRouting
    const hit = await get(base, url)
    t.equal(cache.stats.beforeRouting, early + 1, `${url}: answered before routing`)
    t.equal(hit.status, 200)
    t.same(stable(hit.headers), stable(miss.headers), `${url}: the same headers`)
    t.ok(hit.body.equals(miss.body), `${url}: the same bytes`)
    t.match(hit.headers['x-request-id'], /^[0-9a-f]{12}-[0-9a-z]+$/, 'a request id of its own')
    t.not(hit.headers['x-request-id'], miss.headers['x-request-id'])
    t.equal(hit.headers['access-control-allow-origin'], '*', 'CORS, as the hooks give it')
    t.equal(hit.headers['x-content-type-options'], 'nosniff')
    const hits = cache.stats.hits
    const injected = await ctx.app.inject(url)
    t.equal(cache.stats.hits, hits + 1, `${url}: a hit through Fastify (inject)`)
    t.same(
      stable(injected.headers as IncomingHttpHeaders),
      stable(miss.headers),
      `${url}: the same headers through Fastify`,
    )

    const etag = miss.headers.etag as string
    const notModified = await get(base, url, { 'if-none-match': etag })
    t.equal(notModified.status, 304, `${url}: 304`)
    t.equal(notModified.body.length, 0, 'no body')
    t.equal(notModified.headers.etag, etag)
    t.equal(notModified.headers['cache-control'], miss.headers['cache-control'])
    t.equal(notModified.headers['surrogate-key'], miss.headers['surrogate-key'])
    t.equal(notModified.headers['content-length'], undefined)
    const other = await get(base, url, { 'if-none-match': '"another"' })
    t.equal(other.status, 200, 'another ETag gets the body')

    for (const [encoding, decompress] of [
      ['br', brotliDecompressSync],
      ['gzip', gunzipSync],
    ] as const) {
      const compressed = await get(base, url, { 'accept-encoding': encoding })
      if (miss.body.length < 1024) {
        t.equal(compressed.headers['content-encoding'], undefined, `${url}: too small to compress`)
        continue
      }
      t.equal(compressed.headers['content-encoding'], encoding, `${url}: ${encoding}`)
      t.equal(compressed.headers.etag, `${etag.slice(0, -1)}-${encoding}"`)
      t.equal(Number(compressed.headers['content-length']), compressed.body.length)
      t.ok(
        decompress(compressed.body).equals(miss.body),
        `${url}: ${encoding} decompresses to the same bytes`,
      )
    }
  }
  const given = await get(base, READS[0] as string, { 'x-request-id': 'trace-42' })
  t.equal(given.headers['x-request-id'], 'trace-42', "a caller's well-formed request id is kept")
  const refused = await get(base, READS[0] as string, { 'x-request-id': 'bad id' })
  t.not(refused.headers['x-request-id'], 'bad id', 'an ill-formed one is not')
})

t.test('reads with a token, and other methods, never get a hit', async (t) => {
  const { ctx, base, cache } = await listening(t)
  const editor = await ctx.auth('content:write')
  const url = `/v1/articles/${MAIN}`
  await get(base, url)
  const early = cache.stats.beforeRouting
  const withToken = await get(base, url, editor)
  t.equal(withToken.status, 200)
  t.equal(withToken.headers['cache-control'], 'private, no-store')
  t.match(JSON.parse(withToken.body.toString()), { rights: Object }, "an editor's view")
  const badToken = await get(base, url, { authorization: 'Bearer nope' })
  t.equal(badToken.status, 401, 'a bad token is refused, cached page or not')
  const head = await new Promise<number>((resolve, reject) => {
    const req = httpRequest(`${base}${url}`, { method: 'HEAD' }, (res) => {
      res.resume()
      resolve(res.statusCode ?? 0)
    })
    req.on('error', reject)
    req.end()
  })
  t.equal(head, 200, 'HEAD goes to Fastify')
  t.equal(cache.stats.beforeRouting, early, 'none of these was a hit before routing')
})

t.test('an unpublished article and a scheduled one are right at once, over the socket too', async (t) => {
  const { ctx, base } = await listening(t)
  const admin = await ctx.auth('content:write')
  const list = async () => JSON.parse((await get(base, '/v1/articles')).body.toString())
  const first = await list()
  await list() // a hit
  const main = first.data[0]
  await ctx.app.inject({ method: 'POST', url: `/v1/articles/${main.id}/unpublish`, headers: admin })
  t.notOk(
    (await list()).data.some((a: { id: string }) => a.id === main.id),
    'an unpublished article leaves the cached list at once',
  )
  t.equal((await get(base, `/v1/articles/${main.slug}`)).status, 404, 'and its cached page')

  const scheduled = await article(ctx, admin, {
    headline: 'Embargoed until nine',
    authors: ['oc-media'],
    publishAt: '2026-01-15T21:00:00.000Z',
  })
  ctx.clock.set('2026-01-15T20:59:59.999Z')
  t.notOk(
    (await list()).data.some((a: { id: string }) => a.id === scheduled.id),
    'not a moment early',
  )
  t.notOk(
    (await list()).data.some((a: { id: string }) => a.id === scheduled.id),
    'nor from the cache',
  )
  ctx.clock.set('2026-01-15T21:00:00.000Z')
  t.equal((await list()).data[0].id, scheduled.id, 'the cached list gains it at its publishAt')
  t.equal((await get(base, `/v1/articles/${scheduled.slug}`)).status, 200)
})

t.test('hits before routing are counted in /metrics under their route', async (t) => {
  const { ctx, base, cache } = await listening(t)
  const metrics = await ctx.auth('metrics:read')
  const count = async () => {
    const text = (await get(base, '/metrics', metrics)).body.toString()
    const line = text
      .split('\n')
      .find((l) =>
        l.startsWith('newsdesk_http_requests_total{method="GET",route="/v1/articles/:article",status="200"}'),
      )
    return Number(line?.split(' ').at(-1) ?? 0)
  }
  const before = await count()
  for (let i = 0; i < 3; i++) await get(base, `/v1/articles/${MAIN}`)
  t.equal(await count(), before + 3, 'a miss and two hits')
  t.ok(cache.stats.beforeRouting >= 2)
})

t.test('with every request logged, hits go through Fastify (which logs them)', async (t) => {
  const { base, cache } = await listening(t, { LOG_REQUESTS: 'true' })
  const url = `/v1/articles/${MAIN}`
  const miss = await get(base, url)
  const hits = cache.stats.hits
  const hit = await get(base, url)
  t.equal(cache.stats.hits, hits + 1, 'still a hit')
  t.equal(cache.stats.beforeRouting, 0, 'but not before routing')
  t.same(stable(hit.headers), stable(miss.headers))
})

t.test('a hit that fails before routing is answered by Fastify, and the server lives on', async (t) => {
  const { base, cache } = await listening(t)
  const url = `/v1/articles/${MAIN}`
  const good = await get(base, url)
  const get_ = cache.get.bind(cache)
  // The early path's look (countMiss false) finds an entry whose header cannot be written; Fastify's own misses.
  cache.get = (key: string, countMiss = true) => {
    const entry = get_(key, countMiss)
    if (countMiss || entry === undefined) return countMiss ? undefined : entry
    return { ...entry, headers: undefined, otherHeaders: { 'x-broken': 'a\nb' } }
  }
  const answered = await get(base, url)
  t.equal(answered.status, 200, 'rendered by Fastify instead')
  t.ok(answered.body.equals(good.body), 'the same bytes')
  t.equal(answered.headers['x-broken'], undefined)
  cache.get = get_
  t.equal((await get(base, url)).status, 200, 'and the server answers the next request')
})
