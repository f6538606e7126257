import t from 'tap'
import { article, build, dumpTables, newsroom, refuseViewWrites, type TestContext } from './helper.js'

const reader = (n: number) => ({
  'user-agent': `Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0 reader-${n}`,
})
const GOOGLEBOT = { 'user-agent': 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)' }

const beacon = (
  ctx: TestContext,
  ref: string,
  headers: Record<string, string>,
  extra: { payload?: string; contentType?: string } = {},
) =>
  ctx.app.inject({
    method: 'POST',
    url: `/v1/articles/${ref}/views`,
    headers: { ...headers, ...(extra.contentType ? { 'content-type': extra.contentType } : {}) },
    ...(extra.payload !== undefined ? { payload: extra.payload } : {}),
  })

const popular = async (ctx: TestContext, query = '') => {
  const res = await ctx.app.inject(`/v1/popular${query}`)
  if (res.statusCode !== 200) throw new Error(res.body)
  return res
    .json()
    .data.map((d: { views: number; article: { slug: string } }) => [d.article.slug, d.views]) as [
    string,
    number,
  ][]
}

async function setup(t: Parameters<typeof build>[0], env: Record<string, string> = {}) {
  const ctx = await build(t, {
    now: '2026-03-10T12:10:00.000Z',
    env: { VIEWS_FLUSH_INTERVAL_MS: '60000', ...env },
  })
  const editor = await ctx.auth('content:write')
  const { author, topic } = await newsroom(ctx, editor)
  ctx.clock.set('2026-03-01T00:00:00.000Z')
  const a = await article(ctx, editor, {
    headline: 'Alpha',
    authors: [author],
    topics: [topic],
    publish: true,
  })
  ctx.clock.advance(60_000)
  const b = await article(ctx, editor, { headline: 'Beta', authors: [author], publish: true })
  ctx.clock.set('2026-03-10T12:10:00.000Z')
  return { ctx, editor, a, b, topic }
}

t.test(
  'beacons: 202 with no body for empty, text/plain and JSON bodies; 404 for what the public cannot see',
  async (t) => {
    const { ctx, editor, a } = await setup(t)
    for (const extra of [
      {},
      { payload: 'ping', contentType: 'text/plain;charset=UTF-8' },
      { payload: '{}', contentType: 'application/json' },
    ]) {
      const res = await beacon(ctx, a.slug, reader(1), extra)
      t.equal(res.statusCode, 202, JSON.stringify(extra))
      t.equal(res.body, '')
      t.equal(res.headers['cache-control'], 'no-store')
    }
    t.equal((await beacon(ctx, a.id, reader(1))).statusCode, 202, 'by id too')
    t.equal((await beacon(ctx, 'no-such-article', reader(1))).statusCode, 404)
    const draft = await article(ctx, editor, {
      headline: 'Draft',
      authors: (a.authors as { slug: string }[]).map((x) => x.slug),
    })
    t.equal((await beacon(ctx, draft.slug, reader(1))).statusCode, 404, 'drafts cannot be counted')
    const bad = await beacon(ctx, a.slug, reader(1), {
      payload: '{"views": 1000}',
      contentType: 'application/json',
    })
    t.equal(bad.statusCode, 400)
    t.equal(
      (await beacon(ctx, a.slug, reader(1), { payload: '<xml/>', contentType: 'application/xml' }))
        .statusCode,
      415,
    )
  },
)

t.test('counts from N beacons appear exactly after a flush; bots and repeats are excluded', async (t) => {
  const { ctx, editor, a, b } = await setup(t)
  for (let i = 0; i < 37; i++) t.equal((await beacon(ctx, a.slug, reader(i))).statusCode, 202)
  for (let i = 0; i < 12; i++) await beacon(ctx, b.slug, reader(i))
  t.same(await popular(ctx), [], 'nothing before the flush')
  await ctx.app.flushViews()
  t.same(await popular(ctx), [
    [a.slug, 37],
    [b.slug, 12],
  ])

  for (let i = 0; i < 10; i++) await beacon(ctx, a.slug, reader(i)) // repeats within 30 minutes
  for (let i = 0; i < 5; i++) await beacon(ctx, b.slug, GOOGLEBOT)
  await beacon(ctx, b.slug, {}) // no user agent: a script
  await ctx.app.flushViews()
  t.same(
    await popular(ctx),
    [
      [a.slug, 37],
      [b.slug, 12],
    ],
    'repeats and bots do not count',
  )

  ctx.clock.advance(30 * 60_000)
  await beacon(ctx, a.slug, reader(1))
  await ctx.app.flushViews()
  t.same(
    await popular(ctx),
    [
      [a.slug, 38],
      [b.slug, 12],
    ],
    'after 30 minutes the same reader counts again',
  )

  const stats = await ctx.app.inject({ url: `/v1/articles/${b.slug}/stats`, headers: editor })
  t.equal(stats.statusCode, 200)
  t.same(stats.json().totals, { views: 12, uniques: 12, botViews: 6 })
  t.same(stats.json().daily, [{ date: '2026-03-10', views: 12, uniques: 12, botViews: 6 }])
  const aStats = await ctx.app.inject({ url: `/v1/articles/${a.id}/stats`, headers: editor })
  t.same(
    aStats.json().totals,
    { views: 38, uniques: 37, botViews: 0 },
    'a view again, but not a new unique within the hour',
  )
  t.equal((await ctx.app.inject(`/v1/articles/${a.slug}/stats`)).statusCode, 401)
  t.equal(
    (await ctx.app.inject({ url: `/v1/articles/${a.slug}/stats`, headers: await ctx.auth('facts:write') }))
      .statusCode,
    403,
  )
})

t.test('no raw IP address or user agent is stored', async (t) => {
  const { ctx, a } = await setup(t)
  await beacon(ctx, a.slug, { 'user-agent': 'Mozilla/5.0 UniqueAgentString-9f8e7d' })
  await ctx.app.flushViews()
  const dump = await dumpTables(ctx)
  t.match(dump, a.id, 'the dump holds the data')
  t.notOk(dump.includes('UniqueAgentString'), 'no user agent')
  t.notOk(dump.includes('127.0.0.1'), 'no IP address')
})

t.test(
  'window edges: a view in hour H counts in 1d until H + 24 h, in 7d until H + 7 d, in 30d until H + 30 d',
  async (t) => {
    const { ctx, a } = await setup(t)
    await beacon(ctx, a.slug, reader(1)) // at 12:10, so in the 12:00 bucket
    await ctx.app.flushViews()
    const at = async (time: string) => {
      ctx.clock.set(time)
      return {
        '1d': (await popular(ctx, '?window=1d')).length,
        '7d': (await popular(ctx, '?window=7d')).length,
        '30d': (await popular(ctx, '?window=30d')).length,
      }
    }
    t.same(await at('2026-03-11T11:59:59.999Z'), { '1d': 1, '7d': 1, '30d': 1 })
    t.same(await at('2026-03-11T12:00:00.000Z'), { '1d': 0, '7d': 1, '30d': 1 })
    t.same(await at('2026-03-17T11:59:59.999Z'), { '1d': 0, '7d': 1, '30d': 1 })
    t.same(await at('2026-03-17T12:00:00.000Z'), { '1d': 0, '7d': 0, '30d': 1 })
    t.same(await at('2026-04-09T11:59:59.999Z'), { '1d': 0, '7d': 0, '30d': 1 })
    t.same(await at('2026-04-09T12:00:00.000Z'), { '1d': 0, '7d': 0, '30d': 0 })

    // Old hours roll up into daily totals: they leave the windows but stay in the statistics.
    await ctx.app.flushViews()
    const editor = await ctx.auth('content:write')
    const stats = (await ctx.app.inject({ url: `/v1/articles/${a.slug}/stats`, headers: editor })).json()
    t.same(stats.daily, [{ date: '2026-03-10', views: 1, uniques: 1, botViews: 0 }])
  },
)

t.test('unpublished and scheduled articles never appear; topic filter and deterministic ties', async (t) => {
  const { ctx, editor, a, b, topic } = await setup(t)
  for (let i = 0; i < 3; i++) {
    await beacon(ctx, a.slug, reader(i))
    await beacon(ctx, b.slug, reader(i))
  }
  await ctx.app.flushViews()
  t.same(
    await popular(ctx),
    [
      [b.slug, 3],
      [a.slug, 3],
    ],
    'equal views: the newer article first',
  )
  t.same(await popular(ctx, `?topic=${topic}`), [[a.slug, 3]])
  t.same(await popular(ctx, '?limit=1'), [[b.slug, 3]])

  await ctx.app.inject({ method: 'POST', url: `/v1/articles/${b.id}/unpublish`, headers: editor })
  t.same(await popular(ctx), [[a.slug, 3]], 'gone at once after unpublishing')
  const trending = (await ctx.app.inject('/v1/trending'))
    .json()
    .data.map((d: { article: { slug: string } }) => d.article.slug)
  t.same(trending, [a.slug])

  await ctx.app.inject({
    method: 'POST',
    url: `/v1/articles/${b.id}/publish`,
    headers: editor,
    payload: { publishAt: '2026-03-10T18:00:00.000Z' },
  })
  t.same(await popular(ctx), [[a.slug, 3]], 'scheduled: still absent')
  t.equal((await beacon(ctx, b.slug, reader(9))).statusCode, 404)
  ctx.clock.set('2026-03-10T18:00:00.000Z')
  t.same(
    await popular(ctx),
    [
      [b.slug, 3],
      [a.slug, 3],
    ],
    'present once its time has come',
  )

  const bad = await ctx.app.inject('/v1/popular?window=2d')
  t.equal(bad.statusCode, 400)
  t.equal((await ctx.app.inject('/v1/popular?limit=51')).statusCode, 400)
})

t.test('trending favours views now over more views yesterday', async (t) => {
  const { ctx, a, b } = await setup(t)
  ctx.clock.set('2026-03-09T12:10:00.000Z')
  for (let i = 0; i < 20; i++) await beacon(ctx, a.slug, reader(i))
  ctx.clock.set('2026-03-10T12:10:00.000Z')
  for (let i = 0; i < 8; i++) await beacon(ctx, b.slug, reader(100 + i))
  await ctx.app.flushViews()
  const res = await ctx.app.inject('/v1/trending')
  const data = res.json().data
  t.same(
    data.map((d: { article: { slug: string } }) => d.article.slug),
    [b.slug, a.slug],
  )
  // 8 views 10 minutes old and 20 views 24 h 10 min old (from the middle of their hours, -20 min and 23 h 40 min)
  t.equal(data[0].score, Math.round(8 * 0.5 ** (0 / 6) * 1000) / 1000)
  t.equal(data[1].score, Math.round(20 * 0.5 ** ((24 * 60 - 20) / 60 / 6) * 1000) / 1000)
  t.same(
    await popular(ctx, '?window=7d'),
    [
      [a.slug, 20],
      [b.slug, 8],
    ],
    'while Most Popular over 7 days still ranks by views',
  )
})

t.test('a per-client rate limit answers 429 with Retry-After', async (t) => {
  const { ctx, a } = await setup(t, { VIEWS_RATE_LIMIT: '3' })
  for (let i = 0; i < 3; i++) t.equal((await beacon(ctx, a.slug, reader(i))).statusCode, 202)
  const limited = await beacon(ctx, a.slug, reader(4))
  t.equal(limited.statusCode, 429)
  t.equal(limited.headers['content-type'], 'application/problem+json; charset=utf-8')
  t.equal(limited.headers['retry-after'], '60', 'until the minute is over')
  ctx.clock.advance(60_000)
  t.equal((await beacon(ctx, a.slug, reader(5))).statusCode, 202)
  await ctx.app.flushViews()
  t.same(await popular(ctx), [[a.slug, 4]], 'limited beacons were not counted')
})

t.test('a failed flush keeps its counts and a later flush writes them', async (t) => {
  const { ctx, a } = await setup(t)
  for (let i = 0; i < 5; i++) await beacon(ctx, a.slug, reader(i))
  const allow = await refuseViewWrites(ctx) // every write of counts now fails
  await ctx.app.flushViews()
  await allow()
  t.same(await popular(ctx), [], 'nothing was written')
  for (let i = 5; i < 7; i++) await beacon(ctx, a.slug, reader(i))
  await ctx.app.flushViews()
  t.same(await popular(ctx), [[a.slug, 7]], 'the retry wrote the kept counts with the new ones')
})

t.test('the demo has view counts so Most Popular and trending are not empty', async (t) => {
  const ctx = await build(t, { demo: true })
  const top = await popular(ctx)
  t.equal(top[0]?.[0], 'azerbaijani-and-armenian-foreign-ministers-meet-in-new-york')
  t.equal(top.length, 6)
  t.equal((await ctx.app.inject('/v1/trending')).json().data.length, 6)
})

t.test('Most Popular is answered from the response cache until its list is made again', async (t) => {
  const { ctx, editor, a, b } = await setup(t)
  const admin = await ctx.auth('admin')
  for (let i = 0; i < 3; i++) await beacon(ctx, a.slug, reader(i))
  await ctx.app.flushViews()
  const hits = () => ctx.app.responseCache?.stats.hits ?? 0
  const first = await ctx.app.inject('/v1/popular')
  const before = hits()
  const again = await ctx.app.inject('/v1/popular')
  t.equal(hits(), before + 1, 'the second read is a hit')
  t.equal(again.body, first.body)
  t.equal(again.headers.etag, first.headers.etag)
  t.equal(again.headers['cache-control'], 'public, max-age=60', 'with its own lifetime')
  const keys = String(first.headers['surrogate-key']).split(' ')
  t.ok(keys.includes('popular') && keys.includes(`article:${a.id}`), 'named by what it shows')
  t.ok(
    keys.some((key) => key.startsWith('author:')),
    'its authors too',
  )
  const revalidated = await ctx.app.inject({
    url: '/v1/popular',
    headers: { 'if-none-match': String(first.headers.etag) },
  })
  t.equal(revalidated.statusCode, 304)

  // A flush that wrote counts drops the lists, and the responses made of them.
  for (let i = 0; i < 5; i++) await beacon(ctx, b.slug, reader(i))
  await ctx.app.flushViews()
  t.same(await popular(ctx), [
    [b.slug, 5],
    [a.slug, 3],
  ])

  // A list's time runs out with no flush: the response is not served past it.
  await ctx.app.inject('/v1/popular')
  const generated = (await ctx.app.inject('/v1/popular')).json().generatedAt
  ctx.clock.advance(61_000)
  const held = hits()
  const later = await ctx.app.inject('/v1/popular')
  t.equal(hits(), held, 'an expired response is not a hit')
  t.not(later.json().generatedAt, generated, 'the list was made again')

  // What it shows changes: an author renamed, an article unpublished.
  const author = (a.authors as { id: string }[])[0]?.id
  const renamed = await ctx.app.inject({
    method: 'PATCH',
    url: `/v1/authors/${author}`,
    headers: admin,
    payload: { name: 'Renamed Desk' },
  })
  t.equal(renamed.statusCode, 200)
  t.equal((await ctx.app.inject('/v1/popular')).json().data[0].article.authors[0].name, 'Renamed Desk')
  await ctx.app.inject({ method: 'POST', url: `/v1/articles/${b.id}/unpublish`, headers: editor })
  t.same(await popular(ctx), [[a.slug, 3]], 'an unpublished article leaves it at once')

  // Answers with exclusions are not kept.
  await ctx.app.inject(`/v1/popular?exclude=${a.slug}`)
  const excluding = hits()
  await ctx.app.inject(`/v1/popular?exclude=${a.slug}`)
  t.equal(hits(), excluding, 'an exclusion is computed each time')
})
