/**
 * HTTP caching (issue 8): validators, Cache-Control, surrogate keys, exact purges and the in-process response cache.
 */
import { brotliDecompressSync, gunzipSync } from 'node:zlib'
import t from 'tap'
import type { SqliteDatabase } from '../src/db/sqlite.js'
import { article, build, engine, newsroom, type TestContext } from './helper.js'

const MAIN = 'azerbaijani-and-armenian-foreign-ministers-meet-in-new-york'
const TOPIC = '2022-azerbaijani-attack-on-armenia'
const TABLE = 'september-2022-clashes-casualties'
const PUBLIC = 'public, max-age=60, s-maxage=300, stale-while-revalidate=300, stale-if-error=86400'

const READS = [
  '/v1/articles',
  `/v1/articles?topic=${TOPIC}&limit=2`,
  `/v1/articles/${MAIN}`,
  `/v1/articles/${MAIN}/related`,
  '/v1/topics',
  `/v1/topics/${TOPIC}`,
  '/v1/authors',
  '/v1/authors/oc-media',
  '/v1/collections/editors-picks',
  '/v1/fact-tables',
  `/v1/fact-tables/${TABLE}`,
  `/v1/fact-tables/${TABLE}/history`,
  `/v1/fact-tables/${TABLE}/figures`,
  `/v1/fact-tables/${TABLE}/figures.csv`,
  '/v1/parties',
  '/v1/parties/armenia',
  '/v1/sources',
  '/v1/sources/government-of-armenia',
  '/v1/metrics',
  '/v1/metrics/killed',
  '/v1/popular',
  '/v1/trending',
]

class RecordingPurger {
  purged: string[][] = []
  purge(keys: string[]) {
    this.purged.push([...keys].sort())
  }
  take() {
    const all = this.purged
    this.purged = []
    return all
  }
}

const etagOf = async (ctx: TestContext, url: string) => {
  const res = await ctx.app.inject(url)
  if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body}`)
  return res.headers.etag as string
}

for (const [name, env] of [
  ['with the response cache', {}],
  ['without it (RESPONSE_CACHE_MB=0)', { RESPONSE_CACHE_MB: '0' }],
] as const) {
  t.test(`every public read has a strong ETag, answers 304, and names its resources: ${name}`, async (t) => {
    const ctx = await build(t, { demo: true, env })
    for (const url of READS) {
      const first = await ctx.app.inject(url)
      t.equal(first.statusCode, 200, url)
      const etag = first.headers.etag as string
      t.match(etag, /^"[A-Za-z0-9_-]{27}"$/, `${url}: a strong content ETag`)
      const popular = url.startsWith('/v1/popular') || url.startsWith('/v1/trending')
      t.equal(first.headers['cache-control'], popular ? 'public, max-age=5' : PUBLIC, `${url}: Cache-Control`)
      // An article is JSON or ninjs by `Accept`: shared caches keep the two apart.
      const negotiated = /^\/v1\/articles\/[^/?]+$/.test(url)
      t.equal(
        first.headers.vary,
        `Authorization, Accept-Encoding${negotiated ? ', Accept' : ''}`,
        `${url}: Vary`,
      )
      t.ok(String(first.headers['surrogate-key']).length > 0, `${url}: Surrogate-Key`)
      t.equal(first.headers['cache-tag'], String(first.headers['surrogate-key']).split(' ').join(','))
      const again = await ctx.app.inject(url)
      t.equal(again.headers.etag, etag, `${url}: the same bytes, the same ETag`)
      t.equal(again.body, first.body)
      const revalidated = await ctx.app.inject({ url, headers: { 'if-none-match': etag } })
      t.equal(revalidated.statusCode, 304, `${url}: 304`)
      t.equal(revalidated.body, '', 'no body')
      t.equal(revalidated.headers.etag, etag)
      const stale = await ctx.app.inject({ url, headers: { 'if-none-match': '"something-else"' } })
      t.equal(stale.statusCode, 200, `${url}: another ETag gets the body`)
    }
    const keys = String((await ctx.app.inject(`/v1/articles/${MAIN}`)).headers['surrogate-key']).split(' ')
    const main = (await ctx.app.inject(`/v1/articles/${MAIN}`)).json()
    t.ok(keys.includes(`article:${main.id}`), 'the article itself')
    t.ok(keys.includes(`topic:${main.primaryTopic.id}`), 'its topic')
    t.ok(keys.includes(`author:${main.authors[0].id}`), 'its author')
  })
}

t.test('an ETag changes when anything in its response changes, and only then', async (t) => {
  const ctx = await build(t, { demo: true })
  const admin = await ctx.auth('admin')
  const snapshot = async () =>
    Object.fromEntries(await Promise.all(READS.map(async (u) => [u, await etagOf(ctx, u)])))
  const changed = (before: Record<string, string>, after: Record<string, string>) =>
    READS.filter(
      (u) => before[u] !== after[u] && !u.startsWith('/v1/popular') && !u.startsWith('/v1/trending'),
    )

  let before = await snapshot()
  await article(ctx, admin, { headline: 'A private draft', authors: ['oc-media'], topics: [TOPIC] })
  let after = await snapshot()
  t.same(changed(before, after), [], 'a draft changes nothing public')

  before = after
  await ctx.app.inject({
    method: 'PATCH',
    url: '/v1/authors/oc-media',
    headers: admin,
    payload: { name: 'OC Media desk' },
  })
  after = await snapshot()
  t.same(
    changed(before, after),
    [
      '/v1/articles',
      `/v1/articles?topic=${TOPIC}&limit=2`,
      `/v1/articles/${MAIN}`,
      `/v1/articles/${MAIN}/related`,
      '/v1/authors',
      '/v1/authors/oc-media',
      '/v1/collections/editors-picks',
    ],
    'an author renamed inside summaries',
  )
  t.equal(
    (await ctx.app.inject(`/v1/articles/${MAIN}`)).json().authors[0].name,
    'OC Media desk',
    'and the new name is served',
  )

  before = after
  await ctx.app.inject({
    method: 'PATCH',
    url: `/v1/topics/${TOPIC}`,
    headers: admin,
    payload: { title: 'The 2022 attack' },
  })
  after = await snapshot()
  t.same(
    changed(before, after),
    [
      '/v1/articles',
      `/v1/articles?topic=${TOPIC}&limit=2`,
      `/v1/articles/${MAIN}`,
      `/v1/articles/${MAIN}/related`,
      '/v1/topics',
      `/v1/topics/${TOPIC}`,
      '/v1/collections/editors-picks',
      `/v1/fact-tables/${TABLE}`,
      `/v1/fact-tables/${TABLE}/history`,
    ],
    'a topic title, in summaries and in the fact table header',
  )

  before = after
  const related = (await ctx.app.inject(`/v1/articles/${MAIN}/related`)).json().data
  const last = related.at(-1).article
  await ctx.app.inject({ method: 'POST', url: `/v1/articles/${last.id}/unpublish`, headers: admin })
  after = await snapshot()
  t.ok(changed(before, after).includes(`/v1/articles/${MAIN}/related`), 'a related article unpublished')
  t.notOk(
    (await ctx.app.inject(`/v1/articles/${MAIN}/related`))
      .json()
      .data.some((r: { article: { id: string } }) => r.article.id === last.id),
    'and it is gone from the list',
  )

  before = after
  const figure = await ctx.app.inject({
    method: 'POST',
    url: `/v1/fact-tables/${TABLE}/figures`,
    headers: admin,
    payload: {
      metric: 'captured',
      subject: 'armenia',
      category: 'military',
      claimant: 'government-of-armenia',
      asOf: '2022-09-21T00:00:00Z',
      value: { qualifier: 'at-least', low: 20, text: 'at least 20' },
    },
  })
  t.equal(figure.statusCode, 201)
  after = await snapshot()
  t.same(
    changed(before, after),
    [
      `/v1/articles/${MAIN}`, // its body shows the table
      `/v1/fact-tables/${TABLE}`,
      `/v1/fact-tables/${TABLE}/history`,
      `/v1/fact-tables/${TABLE}/figures`,
      `/v1/fact-tables/${TABLE}/figures.csv`,
    ],
    'a figure added',
  )
})

t.test('the purger receives exactly the keys each write changes', async (t) => {
  const purger = new RecordingPurger()
  const ctx = await build(t, { demo: true, purger })
  const admin = await ctx.auth('admin')
  const topic = (await ctx.app.inject(`/v1/topics/${TOPIC}`)).json()
  const author = (await ctx.app.inject('/v1/authors/oc-media')).json()
  const table = (await ctx.app.inject(`/v1/fact-tables/${TABLE}`)).json()

  const draft = await article(ctx, admin, { headline: 'Purge me', authors: ['oc-media'], topics: [TOPIC] })
  await ctx.app.inject({
    method: 'PATCH',
    url: `/v1/articles/${draft.id}`,
    headers: admin,
    payload: { headline: 'Still a draft' },
  })
  t.same(purger.take(), [], 'drafts purge nothing')

  await ctx.app.inject({ method: 'POST', url: `/v1/articles/${draft.id}/publish`, headers: admin })
  t.same(purger.take(), [[`article:${draft.id}`, 'articles', `topic-articles:${topic.id}`]], 'publishing')

  await ctx.app.inject({
    method: 'PATCH',
    url: `/v1/articles/${draft.id}`,
    headers: admin,
    payload: { headline: 'Purged' },
  })
  t.same(purger.take(), [[`article:${draft.id}`]], 'a new headline: only the article')

  await ctx.app.inject({
    method: 'PATCH',
    url: `/v1/articles/${draft.id}`,
    headers: admin,
    payload: { tags: ['talks'] },
  })
  t.same(
    purger.take(),
    [[`article:${draft.id}`, 'articles', `topic-articles:${topic.id}`]],
    'new tags move it in lists',
  )

  await ctx.app.inject({
    method: 'PATCH',
    url: '/v1/authors/oc-media',
    headers: admin,
    payload: { bio: 'Regional news.' },
  })
  t.same(purger.take(), [[`author:${author.id}`]], 'an author')

  await ctx.app.inject({
    method: 'PUT',
    url: '/v1/collections/editors-picks',
    headers: admin,
    payload: { title: 'Picks', items: [MAIN] },
  })
  t.same(purger.take(), [['collection:editors-picks', 'collections']], 'a collection (and the list of them)')

  await ctx.app.inject({
    method: 'POST',
    url: `/v1/fact-tables/${TABLE}/figures`,
    headers: admin,
    payload: {
      metric: 'captured',
      subject: 'armenia',
      category: 'military',
      claimant: 'government-of-armenia',
      asOf: '2022-09-21T00:00:00Z',
      value: { qualifier: 'at-least', low: 20, text: 'at least 20' },
    },
  })
  t.same(purger.take(), [[`fact-table:${table.id}`]], 'a figure')

  await ctx.app.inject({ method: 'POST', url: '/v1/parties', headers: admin, payload: { name: 'Observers' } })
  t.same(purger.take(), [['parties']], 'a new party')

  const scheduled = await article(ctx, admin, {
    headline: 'At nine',
    authors: ['oc-media'],
    topics: [TOPIC],
    publishAt: '2026-01-16T09:00:00.000Z',
  })
  t.same(purger.take(), [], 'scheduling purges nothing yet')
  await ctx.app.inject('/v1/articles')
  t.same(purger.take(), [], 'nor does a read before its time')
  ctx.clock.set('2026-01-16T09:00:00.000Z')
  await ctx.app.inject('/v1/articles')
  t.same(
    purger.take(),
    [[`article:${scheduled.id}`, 'articles', `topic-articles:${topic.id}`]],
    'its time has come',
  )

  await ctx.app.inject({ method: 'DELETE', url: `/v1/articles/${draft.id}`, headers: admin })
  t.same(purger.take(), [[`article:${draft.id}`, 'articles', `topic-articles:${topic.id}`]], 'deleting')
})

t.test('the response cache: hits cost no query, unpublishing and scheduled times are exact', async (t) => {
  const ctx = await build(t, { demo: true })
  const admin = await ctx.auth('content:write')
  const cache = ctx.app.responseCache
  if (cache === null) throw new Error('the cache is on by default')
  const first = await ctx.app.inject('/v1/articles')
  const hitsBefore = cache.stats.hits
  const second = await ctx.app.inject('/v1/articles')
  t.equal(cache.stats.hits, hitsBefore + 1, 'served from the cache')
  t.equal(second.body, first.body)

  const main = first.json().data[0]
  await ctx.app.inject({ method: 'POST', url: `/v1/articles/${main.id}/unpublish`, headers: admin })
  const after = (await ctx.app.inject('/v1/articles')).json()
  t.notOk(
    after.data.some((a: { id: string }) => a.id === main.id),
    'an unpublished article leaves the cached list at once',
  )
  t.equal((await ctx.app.inject(`/v1/articles/${main.slug}`)).statusCode, 404, 'and its cached page')

  const scheduled = await article(ctx, admin, {
    headline: 'Embargoed until nine',
    authors: ['oc-media'],
    publishAt: '2026-01-15T21:00:00.000Z',
  })
  t.notOk(
    (await ctx.app.inject('/v1/articles')).json().data.some((a: { id: string }) => a.id === scheduled.id),
  )
  t.equal((await ctx.app.inject(`/v1/articles/${scheduled.slug}`)).statusCode, 404)
  ctx.clock.set('2026-01-15T20:59:59.999Z')
  t.notOk(
    (await ctx.app.inject('/v1/articles')).json().data.some((a: { id: string }) => a.id === scheduled.id),
    'not a moment early',
  )
  ctx.clock.set('2026-01-15T21:00:00.000Z')
  const list = (await ctx.app.inject('/v1/articles')).json()
  t.equal(list.data[0].id, scheduled.id, 'the cached list gains it at its publishAt')
  t.equal((await ctx.app.inject(`/v1/articles/${scheduled.slug}`)).statusCode, 200)
})

t.test('reads with a token are never cached or public', async (t) => {
  const ctx = await build(t, { demo: true })
  const editor = await ctx.auth('content:write')
  await article(ctx, editor, { headline: 'Editors only', authors: ['oc-media'] })
  for (const url of [
    '/v1/articles',
    `/v1/articles/${MAIN}`,
    '/v1/topics',
    `/v1/fact-tables/${TABLE}`,
    '/v1/popular',
  ]) {
    await ctx.app.inject(url) // a public copy is cached now
    const res = await ctx.app.inject({ url, headers: editor })
    t.equal(res.headers['cache-control'], 'private, no-store', url)
    t.notOk(res.headers['surrogate-key'], `${url}: no surrogate keys`)
  }
  const mine = (await ctx.app.inject({ url: '/v1/articles?status=all', headers: editor })).json()
  t.ok(mine.data.some((a: { headline: string }) => a.headline === 'Editors only'))
  const editorList = (await ctx.app.inject({ url: '/v1/articles', headers: editor })).json()
  t.ok('status' in editorList.data[0], 'editors get their own view, not the cached public one')
  const publicList = (await ctx.app.inject('/v1/articles')).json()
  t.notOk('status' in publicList.data[0], 'and the public never gets the editors’ view')
  t.notOk(JSON.stringify(publicList).includes('Editors only'))
})

t.test('compressed responses decompress to the same bytes, made once per cached response', async (t) => {
  const ctx = await build(t, { demo: true })
  const url = `/v1/articles/${MAIN}`
  const plain = await ctx.app.inject(url)
  const br = await ctx.app.inject({ url, headers: { 'accept-encoding': 'gzip, deflate, br' } })
  t.equal(br.headers['content-encoding'], 'br')
  t.equal(brotliDecompressSync(br.rawPayload).toString(), plain.body)
  t.equal(br.headers.etag, (plain.headers.etag as string).replace(/"$/, '-br"'), 'an ETag per encoding')
  const gzip = await ctx.app.inject({ url, headers: { 'accept-encoding': 'gzip' } })
  t.equal(gzip.headers['content-encoding'], 'gzip')
  t.equal(gunzipSync(gzip.rawPayload).toString(), plain.body)
  const none = await ctx.app.inject({ url, headers: { 'accept-encoding': 'gzip;q=0, identity' } })
  t.notOk(none.headers['content-encoding'], 'q=0 refuses an encoding')
  const revalidate = await ctx.app.inject({
    url,
    headers: { 'accept-encoding': 'gzip', 'if-none-match': gzip.headers.etag as string },
  })
  t.equal(revalidate.statusCode, 304, 'any encoding’s ETag revalidates')
  t.ok(plain.body.length > 1024 && gzip.rawPayload.length < plain.body.length / 2, 'and it is worth it')
  // A small answer is not worth compressing.
  const small = await ctx.app.inject({ url: '/v1/parties/armenia', headers: { 'accept-encoding': 'br' } })
  t.notOk(small.headers['content-encoding'])
})

t.test('a bad PURGER is refused at start-up; an HTTP purger retries', async (t) => {
  const { loadConfig } = await import('../src/config.js')
  t.throws(() => loadConfig({ PURGER: 'ftp://cdn' }), /PURGER/)
  t.same(loadConfig({ PURGER: 'https://cdn.example/purge' }).purger, {
    kind: 'http',
    url: 'https://cdn.example/purge',
  })

  const { createServer } = await import('node:http')
  const received: string[][] = []
  let calls = 0
  const server = createServer((request, response) => {
    let body = ''
    request.on('data', (c) => {
      body += c
    })
    request.on('end', () => {
      calls++
      if (calls === 1) {
        response.writeHead(503).end()
        return
      }
      received.push(JSON.parse(body).keys)
      response.writeHead(204).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => server.close())
  const { port } = server.address() as { port: number }
  const { httpPurger } = await import('../src/http/cache.js')
  const log = { error: () => {}, info: () => {} } as never
  httpPurger(`http://127.0.0.1:${port}/purge`, log, { backoffMs: 10 }).purge(['article:x', 'articles'])
  for (let i = 0; i < 100 && received.length === 0; i++) await new Promise((r) => setTimeout(r, 10))
  t.same(received, [['article:x', 'articles']], 'delivered after one retry')
  t.equal(calls, 2)
})

t.test('fields= answers only those fields; body= only those formats; unknown names are a 400', async (t) => {
  const ctx = await build(t, { demo: true })
  const list = await ctx.app.inject('/v1/articles?fields=id,slug,headline&limit=2')
  t.equal(list.statusCode, 200)
  t.same(Object.keys(list.json().data[0]), ['id', 'slug', 'headline'])
  t.ok(list.json().page.total > 0, 'the page is intact')
  const detail = await ctx.app.inject(`/v1/articles/${MAIN}?fields=headline,body&body=html`)
  t.same(Object.keys(detail.json()), ['headline', 'body'])
  t.same(Object.keys(detail.json().body), ['html'])
  t.ok(
    detail.body.length < (await ctx.app.inject(`/v1/articles/${MAIN}`)).body.length / 2,
    'and it is smaller',
  )
  const formats = await ctx.app.inject(`/v1/articles/${MAIN}?body=blocks,text`)
  t.same(Object.keys(formats.json().body), ['blocks', 'text'])
  t.ok('headline' in formats.json())
  for (const url of [
    `/v1/articles/${MAIN}?fields=headline,secret`,
    '/v1/articles?fields=body',
    `/v1/articles/${MAIN}?body=pdf`,
  ]) {
    const bad = await ctx.app.inject(url)
    t.equal(bad.statusCode, 400, url)
    t.equal(bad.headers['content-type'], 'application/problem+json; charset=utf-8')
  }
  t.match((await ctx.app.inject('/v1/articles?fields=body')).json().errors, [{ path: 'query/fields' }])
  const etag = (await ctx.app.inject('/v1/articles?fields=id')).headers.etag
  t.not(etag, (await ctx.app.inject('/v1/articles')).headers.etag, 'each projection has its own ETag')
})

t.test('the number of queries per read does not grow with the page size', async (t) => {
  const ctx = await build(t, { demo: true, env: { RESPONSE_CACHE_MB: '0' } })
  const admin = await ctx.auth('admin')
  const ids: string[] = []
  for (let i = 0; i < 25; i++) {
    const a = await article(ctx, admin, {
      headline: `Filler ${i}`,
      authors: ['oc-media'],
      topics: [TOPIC],
      tags: ['talks', `tag-${i}`],
      // Each links an article of its own and shows the seed's fact table: a feed resolves them all at once.
      body: {
        blocks: [
          { type: 'paragraph', html: `Filler ${i}.` },
          { type: 'related', article: ids.at(-1) ?? MAIN },
          { type: 'factTable', factTable: 'september-2022-clashes-casualties' },
        ],
      },
      publish: true,
    })
    ids.push(a.id)
  }
  await ctx.app.inject({
    method: 'PUT',
    url: '/v1/collections/small',
    headers: admin,
    payload: { title: 'S', items: ids.slice(0, 1) },
  })
  await ctx.app.inject({
    method: 'PUT',
    url: '/v1/collections/large',
    headers: admin,
    payload: { title: 'L', items: ids },
  })
  const counts: Record<string, number[]> = {}
  const count = async (name: string, url: string) => {
    await ctx.app.inject(url) // a filter's public total is counted once, then kept until a publication
    const { response, queries } = await ctx.queriesOf(url)
    if (response.statusCode !== 200) throw new Error(`${url}: ${response.body}`)
    counts[name] = [...(counts[name] ?? []), queries.length]
  }
  for (const limit of [1, 5, 20]) {
    await count('articles', `/v1/articles?limit=${limit}`)
    await count('articles in a topic', `/v1/articles?topic=${TOPIC}&limit=${limit}`)
    await count('articles with a tag', `/v1/articles?tag=talks&limit=${limit}`)
    await count('related', `/v1/articles/${ids[0]}/related?limit=${limit}`)
    await count('topics', `/v1/topics?limit=${limit}`)
    await count('authors', `/v1/authors?limit=${limit}`)
    await count('feed', `/v1/feeds/rss?limit=${limit}`)
    await count('ninjs', `/v1/ninjs?limit=${limit}`)
  }
  await count('collection', '/v1/collections/small')
  await count('collection', '/v1/collections/large')
  const first = await ctx.queriesOf('/v1/articles?type=opinion&limit=3')
  t.equal(first.queries.filter((q) => /count\(/.test(q)).length, 1, 'a new filter is counted once')
  const again = await ctx.queriesOf('/v1/articles?type=opinion&limit=7')
  t.equal(again.queries.filter((q) => /count\(/.test(q)).length, 0, 'then its total is kept')
  t.equal(again.response.json().page.total, first.response.json().page.total)
  // Feeds and partners' ninjs pages share the articles routes' totals: no count of the archive per read.
  for (const url of ['/v1/feeds/rss?limit=3', '/v1/ninjs?limit=3', `/v1/feeds/json?topic=${TOPIC}`]) {
    await ctx.app.inject(url)
    const read = await ctx.queriesOf(url)
    t.equal(read.response.statusCode, 200, url)
    t.same(
      read.queries.filter((q) => /count\(/.test(q)),
      [],
      `${url}: counts nothing once its total is known`,
    )
  }
  for (const [name, list] of Object.entries(counts)) {
    t.equal(new Set(list).size, 1, `${name}: ${list[0]} queries whatever the page size (${list.join(', ')})`)
  }
  // A page of a list, its total known: one query, the topic named by slug looked up inside it.
  for (const name of ['articles', 'articles in a topic', 'articles with a tag'])
    t.equal(counts[name]?.[0], 1, `${name}: one query`)
  const detail = await ctx.queriesOf(`/v1/articles/${MAIN}`)
  // The article (its byline, topics and tags are on its row), its "Read more" link, and the fact table it shows
  // (the table, its figures, their parties, its topic): constant, whatever the archive or the table's size.
  t.ok(detail.queries.length <= 6, `article detail: ${detail.queries.length} queries`)

  // With the response cache on, a hit runs no query at all.
  const cached = await build(t, { demo: true })
  await cached.app.inject(`/v1/articles/${MAIN}`)
  t.same((await cached.queriesOf(`/v1/articles/${MAIN}`)).queries, [], 'a cache hit runs no query')
})

// PostgreSQL plans by table statistics (a six-article demo is rightly read with a scan); the SQLite planner
// shows the indexes the queries were written for.
t.test(
  'the reads of a page prepare no SQL after their first request',
  { skip: engine === 'postgres' && 'counts SQLite statements' },
  async (t) => {
    const ctx = await build(t, { demo: true, env: { RESPONSE_CACHE_MB: '0' } })
    const sqlite = (ctx.database as SqliteDatabase).connection
    const prepared: string[] = []
    const prepare = sqlite.prepare.bind(sqlite)
    sqlite.prepare = ((source: string) => {
      prepared.push(source)
      return prepare(source)
    }) as typeof sqlite.prepare
    // The seed's main article has a fact table and a related article in its body.
    const urls = [
      `/v1/articles/${MAIN}`,
      `/v1/articles/${MAIN}?include=factTables,related`,
      `/v1/articles/${MAIN}/related`,
      '/v1/articles?limit=20',
      `/v1/articles?topic=${TOPIC}&limit=20`,
      `/v1/topics/${TOPIC}`,
      '/v1/fact-tables/september-2022-clashes-casualties',
      '/v1/popular?window=7d&limit=10',
      // What else a home, section, author or reference page, a feed reader or a partner reads.
      '/v1/collections/editors-picks',
      '/v1/collections',
      '/v1/topics',
      '/v1/topics?kind=story&limit=1',
      '/v1/authors',
      '/v1/authors/oc-media',
      '/v1/fact-tables',
      '/v1/parties',
      '/v1/parties/armenia',
      '/v1/sources',
      '/v1/sources/government-of-armenia',
      '/v1/metrics',
      '/v1/metrics/killed',
      '/v1/feeds/rss',
      `/v1/feeds/atom?topic=${TOPIC}`,
      '/v1/ninjs?limit=5',
      `/v1/articles/${MAIN}/ninjs`,
      '/v1/trending',
      '/v1/fact-tables/september-2022-clashes-casualties/history',
      '/v1/fact-tables/september-2022-clashes-casualties/figures',
      '/v1/fact-tables/september-2022-clashes-casualties/figures.csv',
      '/v1/search/suggest?q=foreign',
      '/v1/search?q=ministers',
    ]
    for (const url of urls) t.equal((await ctx.app.inject(url)).statusCode, 200, url)
    t.ok(prepared.length >= 10, `the first requests prepared their statements (${prepared.length})`)
    for (const url of urls) {
      prepared.length = 0
      t.equal((await ctx.app.inject(url)).statusCode, 200, url)
      t.same(prepared, [], `${url}: a second request prepares nothing`)
    }
  },
)

t.test(
  'no statement binds its LIMIT where SQLite plans with it (which would compile the statement again on every run)',
  {
    skip: engine === 'postgres' && 'SQLite’s planner',
  },
  async (t) => {
    const ctx = await build(t, { demo: true, env: { RESPONSE_CACHE_MB: '0' } })
    for (const url of [
      `/v1/articles/${MAIN}`,
      `/v1/articles/${MAIN}/related`,
      '/v1/articles?limit=20',
      `/v1/articles?topic=${TOPIC}&limit=5`,
      `/v1/topics/${TOPIC}`,
      '/v1/fact-tables/september-2022-clashes-casualties',
      '/v1/popular?window=7d&limit=10',
    ]) {
      const { response, queries } = await ctx.queriesOf(url)
      t.equal(response.statusCode, 200, url)
      const limited = queries.filter((q) => / limit /.test(q))
      t.ok(limited.length > 0, `${url} runs limited statements`)
      t.same(
        limited.filter((q) => / limit \?/.test(q)),
        [],
        `${url}: every limit is a literal or (? + 0)`,
      )
    }
    // A page of 5 answers 5, and says there is more: the limit still applies through `(? + 0)`.
    const page = (await ctx.app.inject(`/v1/articles?topic=${TOPIC}&limit=2`)).json()
    t.equal(page.data.length, 2)
    t.ok(page.page.nextCursor, 'there is a next page')
  },
)

t.test(
  'every list filter and sort is answered from an index',
  { skip: engine === 'postgres' && 'SQLite query plans' },
  async (t) => {
    const ctx = await build(t, { demo: true, env: { RESPONSE_CACHE_MB: '0' } })
    const sqlite = (ctx.database as SqliteDatabase).connection
    for (const query of [
      'limit=20',
      'sort=oldest',
      `topic=${TOPIC}`,
      'tag=ceasefire',
      'author=oc-media',
      'type=opinion',
      'from=2022-09-01T00:00:00Z&to=2022-10-01T00:00:00Z',
    ]) {
      const { queries } = await ctx.queriesOf(`/v1/articles?${query}`)
      const list = queries.find((q) => /order by/.test(q) && /limit (\?|\(\? \+ 0\))$/.test(q)) as string
      t.ok(list, `${query}: the list query`)
      const plan = sqlite
        .prepare(`explain query plan ${list}`)
        .all(...Array.from({ length: (list.match(/\?/g) ?? []).length }, () => 1))
        .map((row) => (row as { detail: string }).detail)
      t.notOk(
        plan.some((step) => /^SCAN (articles|article_topics|article_tags|bylines)$/.test(step)),
        `${query}: no full scan (${plan.join('; ')})`,
      )
      t.notOk(
        plan.some((step) => /TEMP B-TREE FOR ORDER BY/.test(step)),
        `${query}: read in order from the index, no sort of all matches`,
      )
    }
    // After every write, the next scheduled publication and the next embargo to end are looked up.
    const editor = await ctx.auth('content:write')
    const draft = await article(ctx, editor, { headline: 'Scheduling looked up', authors: ['oc-media'] })
    const { queries, response } = await ctx.queriesOf({
      method: 'POST',
      url: `/v1/articles/${draft.id}/publish`,
      headers: editor,
      payload: {},
    })
    t.equal(response.statusCode, 200)
    const lookups = queries.filter((q) => /select min\(/.test(q))
    t.equal(lookups.length, 2, 'the next publication and the next embargo')
    for (const lookup of lookups) {
      const plan = sqlite
        .prepare(`explain query plan ${lookup}`)
        .all(...Array.from({ length: (lookup.match(/\?/g) ?? []).length }, () => 1))
        .map((row) => (row as { detail: string }).detail)
      t.match(
        plan.join('; '),
        /SEARCH articles USING (COVERING )?INDEX \w+ \(status=\? AND (published_at|embargo_until)>\?\)/,
        `straight to the next one in an index: ${plan.join('; ')}`,
      )
    }
  },
)

t.test('kept list totals change exactly with publications', async (t) => {
  const ctx = await build(t, { demo: true, env: { RESPONSE_CACHE_MB: '0' } })
  const admin = await ctx.auth('content:write')
  const total = async (query = '') => (await ctx.app.inject(`/v1/articles?limit=1${query}`)).json().page.total
  const before = await total()
  const topicBefore = await total(`&topic=${TOPIC}`)
  const draft = await article(ctx, admin, {
    headline: 'Counted later',
    authors: ['oc-media'],
    topics: [TOPIC],
  })
  t.equal(await total(), before, 'a draft is not counted')
  await ctx.app.inject({ method: 'POST', url: `/v1/articles/${draft.id}/publish`, headers: admin })
  t.equal(await total(), before + 1, 'published: counted at once')
  t.equal(await total(`&topic=${TOPIC}`), topicBefore + 1)
  const scheduled = await article(ctx, admin, {
    headline: 'At ten',
    authors: ['oc-media'],
    publishAt: '2026-01-15T22:00:00.000Z',
  })
  t.equal(await total(), before + 1, 'scheduled: not yet')
  ctx.clock.set('2026-01-15T22:00:00.000Z')
  t.equal(await total(), before + 2, 'at its time, with the response cache off too')
  await ctx.app.inject({ method: 'DELETE', url: `/v1/articles/${scheduled.id}`, headers: admin })
  t.equal(await total(), before + 1, 'deleted')
  const editorTotal = (
    await ctx.app.inject({ url: '/v1/articles?status=all&limit=1', headers: admin })
  ).json().page.total
  await article(ctx, admin, { headline: 'Another draft', authors: ['oc-media'] })
  t.equal(
    (await ctx.app.inject({ url: '/v1/articles?status=all&limit=1', headers: admin })).json().page.total,
    editorTotal + 1,
    'editors’ totals are never kept',
  )
})

/**
 * The cache's memory budget, and what it keeps when readers ask for more than it holds: 40 articles of about 60 KB
 * against 1 MB, which holds about 16 of them.
 */
t.test('the response cache holds its budget and keeps what is read more often', async (t) => {
  const ctx = await build(t, { env: { RESPONSE_CACHE_MB: '1' } })
  const cache = ctx.app.responseCache
  if (cache === null) throw new Error('the cache is on')
  const editor = await ctx.auth('content:write')
  const { author } = await newsroom(ctx, editor)
  const words = 'ministers met in new york for talks on the border ceasefire while observers counted '
  const paragraphs = Array.from({ length: 24 }, (_, i) => ({
    type: 'paragraph',
    html: `${i} ${words.repeat(9)}`,
  }))
  const urls: string[] = []
  for (let i = 0; i < 40; i++) {
    const made = await article(ctx, editor, {
      headline: `Border talks, day ${i}`,
      authors: [author],
      body: { blocks: paragraphs },
      publish: true,
    })
    urls.push(`/v1/articles/${made.id}`)
  }
  // Not read until the end.
  const breaking = `/v1/articles/${(await article(ctx, editor, { headline: 'Breaking', authors: [author], body: { blocks: paragraphs }, publish: true })).id}`
  const first = await ctx.app.inject(urls[0] as string)
  t.ok(first.body.length > 50_000 && first.body.length < 80_000, `a response is ${first.body.length} bytes`)

  // One article read often, then every other one read once: the one-off reads do not push it out.
  await ctx.app.inject(urls[0] as string)
  await ctx.app.inject(urls[0] as string)
  for (const url of urls.slice(1)) {
    const res = await ctx.app.inject(url)
    t.equal(res.statusCode, 200)
    t.ok(cache.size <= cache.budget, `${cache.size} bytes held, within ${cache.budget}`)
  }
  t.ok(cache.stats.rejected > 0, 'some responses were not kept')
  const again = await ctx.queriesOf(urls[0] as string)
  t.same(again.queries, [], 'the article read often is still cached: no query')
  t.equal(again.response.body, first.body)

  // Readers walking all 40 in turn, three times: part of the walk stays cached (least recently used alone would
  // evict each response before its turn came again, and hit nothing), and every answer is the same as uncached.
  const uncached = new Map<string, string>()
  for (const url of urls) {
    const { response } = await ctx.queriesOf(url)
    uncached.set(url, response.body)
  }
  const hits = cache.stats.hits
  let answeredWithoutQueries = 0
  for (let pass = 0; pass < 2; pass++)
    for (const url of urls) {
      const { response, queries } = await ctx.queriesOf(url)
      t.equal(response.body, uncached.get(url), url)
      if (queries.length === 0) answeredWithoutQueries++
    }
  t.ok(cache.size <= cache.budget, 'still within the budget')
  t.ok(cache.count >= 10, `${cache.count} responses held`)
  t.ok(answeredWithoutQueries >= 20, `${answeredWithoutQueries} of 80 reads answered from the cache`)
  t.equal(cache.stats.hits - hits, answeredWithoutQueries)

  const metrics = await ctx.app.inject({ url: '/metrics', headers: await ctx.auth('metrics:read') })
  t.equal(metrics.statusCode, 200)
  t.match(metrics.body, new RegExp(`newsdesk_response_cache_bytes ${cache.size}\\n`))
  t.match(metrics.body, new RegExp(`newsdesk_response_cache_entries ${cache.count}\\n`))
  for (const outcome of ['hit', 'miss', 'evicted', 'invalidated', 'rejected'] as const) {
    const value = cache.stats[outcome === 'hit' ? 'hits' : outcome === 'miss' ? 'misses' : outcome]
    t.match(
      metrics.body,
      new RegExp(`newsdesk_response_cache_total\\{outcome="${outcome}"\\} ${value}\\n`),
      `${outcome}: ${value}`,
    )
  }
  t.ok(cache.stats.rejected > 0 && cache.stats.hits > 0)

  // Yesterday's stories, read so often that their counters are at the top, fill the cache; then a story breaks.
  // It loses to them on frequency, but once it has been read 8 times it gets a chance (one in 4 of its misses) and
  // is kept: the chance that 190 such misses all fail is below 10^-23.
  ctx.app.responseCache?.clear()
  for (let round = 0; round < 20; round++) for (const url of urls.slice(0, 18)) await ctx.app.inject(url)
  t.ok(cache.size + first.body.length > cache.budget, 'the cache is full')
  t.ok((await ctx.queriesOf(breaking)).queries.length > 0, 'read once, the new story is not kept')
  let cachedAfter = 0
  for (let n = 2; n <= 200 && cachedAfter === 0; n++) {
    const { queries } = await ctx.queriesOf(breaking)
    if (queries.length === 0) cachedAfter = n
  }
  t.ok(
    cachedAfter > 1,
    `the breaking story was kept, and answered from the cache from its read ${cachedAfter} on`,
  )
  t.ok(cache.size <= cache.budget)
})
