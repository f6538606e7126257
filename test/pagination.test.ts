import t from 'tap'
import { article, build, newsroom } from './helper.js'

t.test('walking 55 articles page by page while new ones are published: no duplicates, no gaps', async (t) => {
  const ctx = await build(t, { now: '2026-02-01T00:00:00.000Z' })
  const editor = await ctx.auth('content:write')
  const { author } = await newsroom(ctx, editor)
  const originals: string[] = []
  const keys: [number, string][] = []
  for (let i = 0; i < 55; i++) {
    // Three at a time share a publication time, so the id must break ties.
    ctx.clock.set(Date.parse('2026-01-01T00:00:00.000Z') + Math.floor(i / 3) * 60_000)
    const { id } = await article(ctx, editor, { headline: `Story ${i}`, authors: [author], publish: true })
    originals.push(id)
    keys.push([ctx.clock.now, id])
  }
  const expectedOrder = keys.sort((a, b) => b[0] - a[0] || (a[1] < b[1] ? 1 : -1)).map(([, id]) => id)
  ctx.clock.set('2026-02-01T00:00:00.000Z')

  const seen: string[] = []
  let url: string | undefined = '/v1/articles?limit=10'
  let pages = 0
  let inserted = 0
  while (url) {
    const res: { statusCode: number; headers: Record<string, unknown>; json(): any } =
      await ctx.app.inject(url)
    t.equal(res.statusCode, 200)
    const body: { data: { id: string }[]; page: { nextCursor: string | null } } = res.json()
    seen.push(...body.data.map((a) => a.id))
    pages++
    // Concurrent inserts: newer articles arrive between page requests.
    const [first, second] = await Promise.all([
      article(ctx, editor, { headline: `Breaking ${pages}a`, authors: [author], publish: true }),
      ctx.app.inject(url),
    ])
    inserted++
    t.ok(first.id && second.statusCode === 200)
    if (body.page.nextCursor) {
      t.match(res.headers.link, /^<\/v1\/articles\?limit=10&cursor=[A-Za-z0-9_-]+>; rel="next"$/)
      url = `/v1/articles?limit=10&cursor=${body.page.nextCursor}`
    } else {
      t.notOk(res.headers.link, 'no Link header on the last page')
      url = undefined
    }
  }
  const originalsSeen = seen.filter((id) => originals.includes(id))
  t.equal(new Set(seen).size, seen.length, 'no duplicates')
  t.same([...originalsSeen].sort(), [...originals].sort(), 'every original article was seen exactly once')
  t.same(originalsSeen, expectedOrder, 'newest first, ties broken by id')
  t.equal(pages, 6)
  t.ok(inserted > 0)
})

t.test('oldest-first sort, filters and page.total', async (t) => {
  const ctx = await build(t, { now: '2026-02-01T00:00:00.000Z' })
  const editor = await ctx.auth('content:write')
  const { author, topic } = await newsroom(ctx, editor)
  const other = (
    await ctx.app.inject({
      method: 'POST',
      url: '/v1/authors',
      headers: editor,
      payload: { name: 'Guest Writer' },
    })
  ).json().slug
  const times = ['2026-01-10T00:00:00.000Z', '2026-01-11T00:00:00.000Z', '2026-01-12T00:00:00.000Z']
  const made = []
  for (const [i, at] of times.entries()) {
    ctx.clock.set(at)
    made.push(
      await article(ctx, editor, {
        headline: `Piece ${i}`,
        authors: i === 2 ? [other] : [author],
        topics: i === 0 ? [] : [topic],
        tags: i === 1 ? ['ceasefire'] : [],
        type: i === 2 ? 'opinion' : 'news',
        language: i === 0 ? 'hy' : 'en',
        publish: true,
      }),
    )
  }
  ctx.clock.set('2026-02-01T00:00:00.000Z')
  await article(ctx, editor, { headline: 'A draft', authors: [author], topics: [topic] })
  const slugs = async (query: string) => {
    const res = await ctx.app.inject(`/v1/articles${query}`)
    t.equal(res.statusCode, 200, query)
    return { slugs: res.json().data.map((a: { slug: string }) => a.slug), total: res.json().page.total }
  }
  t.same(await slugs('?sort=oldest'), { slugs: ['piece-0', 'piece-1', 'piece-2'], total: 3 })
  t.same(await slugs(`?topic=${topic}`), { slugs: ['piece-2', 'piece-1'], total: 2 })
  t.same(await slugs('?tag=ceasefire'), { slugs: ['piece-1'], total: 1 })
  t.same(await slugs(`?author=${other}`), { slugs: ['piece-2'], total: 1 })
  t.same(await slugs('?type=opinion'), { slugs: ['piece-2'], total: 1 })
  t.same(await slugs('?language=hy'), { slugs: ['piece-0'], total: 1 })
  t.same(await slugs('?from=2026-01-11T00:00:00.000Z&to=2026-01-12T00:00:00.000Z'), {
    slugs: ['piece-1'],
    total: 1,
  })
  t.same(await slugs('?topic=no-such-topic'), { slugs: [], total: 0 })
  const firstPage = await ctx.app.inject('/v1/articles?sort=oldest&limit=2')
  t.same(firstPage.json().page.limit, 2)
  t.equal(firstPage.json().page.total, 3)
  const second = await slugs(`?sort=oldest&limit=2&cursor=${firstPage.json().page.nextCursor}`)
  t.same(second, { slugs: ['piece-2'], total: 3 })
})

t.test('a malformed cursor or limit is a 400 naming the parameter', async (t) => {
  const { app } = await build(t)
  for (const cursor of ['nonsense', 'eyJ4IjoxfQ', Buffer.from('["a","b"]').toString('base64url'), '%00']) {
    const res = await app.inject(`/v1/articles?cursor=${cursor}`)
    t.equal(res.statusCode, 400, cursor)
    t.equal(res.json().errors[0].path, 'query/cursor')
  }
  for (const limit of ['0', '101', 'ten', '-1', '1.5']) {
    const res = await app.inject(`/v1/articles?limit=${limit}`)
    t.equal(res.statusCode, 400, limit)
    t.equal(res.json().errors[0].path, 'query/limit')
  }
  const unknown = await app.inject('/v1/articles?page=2')
  t.equal(unknown.statusCode, 400)
  t.same(unknown.json().errors, [{ path: 'query/page', message: 'is not a known property' }])
})

t.test('the next page link keeps the query as URL writes it, plain or not', async (t) => {
  const ctx = await build(t, { now: '2026-02-01T00:00:00.000Z' })
  const editor = await ctx.auth('content:write')
  const { author } = await newsroom(ctx, editor)
  for (let i = 0; i < 3; i++)
    await article(ctx, editor, { headline: `Story ${i}`, authors: [author], tags: ['border'], publish: true })
  /** What the link must be: `URL`'s own rewriting of the request with the cursor set. */
  const expected = (url: string, cursor: string) => {
    const parsed = new URL(url, 'http://x')
    parsed.searchParams.set('cursor', cursor)
    return `<${parsed.pathname}${parsed.search}>; rel="next"`
  }
  const first = await ctx.app.inject('/v1/articles?limit=1')
  const cursor = first.json().page.nextCursor as string
  t.equal(
    first.headers.link,
    `</v1/articles?limit=1&cursor=${cursor}>; rel="next"`,
    'a plain query: appended',
  )
  for (const url of [
    '/v1/articles?limit=1',
    '/v1/articles?limit=1&sort=newest',
    `/v1/articles?limit=1&cursor=${cursor}`,
    '/v1/articles?cursor=&limit=1',
    '/v1/articles?limit=1&tag=border',
    '/v1/articles?limit=1&tag=bord%65r',
    '/v1/articles?tag=border&limit=1&',
    '/v1/articles?tag=border&&limit=1',
    '/v1/articles?limit=01',
  ]) {
    const res = await ctx.app.inject(url)
    if (res.statusCode !== 200) {
      t.equal(res.statusCode, 400, `${url}: refused`)
      continue
    }
    const next = res.json().page.nextCursor as string | null
    t.ok(next, `${url}: a next page`)
    t.equal(res.headers.link, expected(url, next as string), url)
  }
})
