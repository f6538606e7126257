import t from 'tap'
import { article, build, newsroom } from './helper.js'

t.test('topics: create, list, read, update, delete; counts only published articles', async (t) => {
  const ctx = await build(t)
  const editor = await ctx.auth('content:write')
  const created = await ctx.app.inject({
    method: 'POST',
    url: '/v1/topics',
    headers: editor,
    payload: { title: 'Peace talks', description: 'Negotiations', kind: 'theme' },
  })
  t.equal(created.statusCode, 201)
  t.equal(created.headers.location, '/v1/topics/peace-talks')
  t.match(created.json(), {
    slug: 'peace-talks',
    kind: 'theme',
    articleCount: 0,
    latestPublishedAt: null,
    factTables: [],
  })
  const dup = await ctx.app.inject({
    method: 'POST',
    url: '/v1/topics',
    headers: editor,
    payload: { title: 'Peace talks' },
  })
  t.equal(dup.statusCode, 409)

  const { author } = await newsroom(ctx, editor)
  ctx.clock.set('2026-01-10T00:00:00.000Z')
  await article(ctx, editor, { headline: 'A', authors: [author], topics: ['peace-talks'], publish: true })
  await article(ctx, editor, { headline: 'B', authors: [author], topics: ['peace-talks'] })
  await article(ctx, editor, {
    headline: 'C',
    authors: [author],
    topics: ['peace-talks'],
    publishAt: '2026-02-01T00:00:00.000Z',
  })
  const read = (await ctx.app.inject('/v1/topics/peace-talks')).json()
  t.equal(read.articleCount, 1, 'drafts and scheduled articles are not counted')
  t.equal(read.latestPublishedAt, '2026-01-10T00:00:00.000Z')

  const list = await ctx.app.inject('/v1/topics?limit=1')
  t.equal(list.json().page.total, 2)
  t.equal(list.json().data[0].slug, 'border-clashes')
  const next = await ctx.app.inject(`/v1/topics?limit=1&cursor=${list.json().page.nextCursor}`)
  t.equal(next.json().data[0].slug, 'peace-talks')
  t.equal((await ctx.app.inject('/v1/topics?kind=theme')).json().page.total, 1)
  const patched = await ctx.app.inject({
    method: 'PATCH',
    url: '/v1/topics/peace-talks',
    headers: editor,
    payload: { title: 'Peace process', slug: 'peace-process', description: null },
  })
  t.equal(patched.statusCode, 200)
  t.match(patched.json(), { slug: 'peace-process', title: 'Peace process', description: null })
  const clash = await ctx.app.inject({
    method: 'PATCH',
    url: '/v1/topics/peace-process',
    headers: editor,
    payload: { slug: 'border-clashes' },
  })
  t.equal(clash.statusCode, 409)

  t.equal(
    (await ctx.app.inject({ method: 'DELETE', url: '/v1/topics/peace-process', headers: editor })).statusCode,
    204,
  )
  t.equal((await ctx.app.inject('/v1/topics/peace-process')).statusCode, 404)
  const a = (await ctx.app.inject('/v1/articles/a')).json()
  t.same(a.topics, [], 'articles leave a deleted topic')
  t.equal(a.primaryTopic, null)
})

t.test(
  'topic counts are kept between reads and right after every change, with no response cache',
  async (t) => {
    const ctx = await build(t, { env: { RESPONSE_CACHE_MB: '0' } })
    const editor = await ctx.auth('content:write')
    const { author } = await newsroom(ctx, editor)
    await ctx.app.inject({ method: 'POST', url: '/v1/topics', headers: editor, payload: { title: 'Talks' } })
    const counted = async () => {
      const { response, queries } = await ctx.queriesOf('/v1/topics/talks')
      const topic = response.json()
      return {
        count: topic.articleCount,
        latest: topic.latestPublishedAt,
        counting: queries.some((q) => /count\(/i.test(q)),
      }
    }
    t.match(await counted(), { count: 0, counting: false }, 'the count made for the creation is kept')
    const a = await article(ctx, editor, {
      headline: 'A',
      authors: [author],
      topics: ['talks'],
      publish: true,
    })
    t.match(
      await counted(),
      { count: 1, latest: '2026-01-15T12:00:00.000Z', counting: true },
      'a publication',
    )
    const b = await article(ctx, editor, {
      headline: 'B',
      authors: [author],
      topics: ['talks'],
      publishAt: '2026-01-15T18:00:00.000Z',
    })
    t.match(await counted(), { count: 1 }, 'a scheduled article is not counted before its time')
    ctx.clock.set('2026-01-15T17:59:59.999Z')
    t.match(await counted(), { count: 1, counting: false })
    ctx.clock.advance(1)
    t.match(
      await counted(),
      { count: 2, latest: '2026-01-15T18:00:00.000Z' },
      'and is at its time, to the ms',
    )
    await ctx.app.inject({ method: 'POST', url: `/v1/articles/${a.id}/unpublish`, headers: editor })
    t.match(await counted(), { count: 1 }, 'an unpublication')
    await ctx.app.inject({
      method: 'PATCH',
      url: `/v1/articles/${b.id}`,
      headers: {
        ...editor,
        'if-match': (await ctx.app.inject({ url: `/v1/articles/${b.id}`, headers: editor })).headers.etag,
      },
      payload: { topics: [] },
    })
    t.match(await counted(), { count: 0, latest: null }, 'an article leaving the topic')
    await ctx.app.inject({
      method: 'POST',
      url: `/v1/articles/${a.id}/publish`,
      headers: editor,
      payload: {},
    })
    t.match(await counted(), { count: 1 })
    await ctx.app.inject({ method: 'DELETE', url: `/v1/articles/${a.id}`, headers: editor })
    t.match(await counted(), { count: 0 }, 'a deletion')
  },
)

t.test('the topic and author indexes page by kind and cursor, each shape of their statements', async (t) => {
  const ctx = await build(t)
  const editor = await ctx.auth('content:write')
  const post = async (url: string, payload: object) => {
    const res = await ctx.app.inject({ method: 'POST', url, headers: editor, payload })
    t.equal(res.statusCode, 201, `${url} ${JSON.stringify(payload)}`)
  }
  for (const [title, kind] of [
    ['Alpha', 'theme'],
    ['Bravo', 'story'],
    ['Charlie', 'theme'],
    ['Delta', 'story'],
    ['Echo', 'theme'],
  ])
    await post('/v1/topics', { title, kind })
  for (const name of ['Ann', 'Bob', 'Cy']) await post('/v1/authors', { name })
  type Page = { total: number; nextCursor: string | null }
  /** Every page of an index, by following `nextCursor`: the slugs in order, and each page's total. */
  const walk = async (url: string) => {
    const slugs: string[] = []
    const totals = new Set<number>()
    let next: string | null = null
    do {
      const res: { statusCode: number; json(): { data: { slug: string }[]; page: Page } } =
        await ctx.app.inject(`${url}${next === null ? '' : `&cursor=${next}`}`)
      t.equal(res.statusCode, 200, url)
      const page = res.json()
      slugs.push(...page.data.map((item) => item.slug))
      totals.add(page.page.total)
      next = page.page.nextCursor
    } while (next !== null)
    return { slugs, totals: [...totals] }
  }
  // Twice each: the second walk runs the statements prepared by the first with other values.
  for (let round = 0; round < 2; round++) {
    t.same(await walk('/v1/topics?kind=theme&limit=2'), { slugs: ['alpha', 'charlie', 'echo'], totals: [3] })
    t.same(await walk('/v1/topics?kind=story&limit=1'), { slugs: ['bravo', 'delta'], totals: [2] })
    t.same(await walk('/v1/topics?limit=2'), {
      slugs: ['alpha', 'bravo', 'charlie', 'delta', 'echo'],
      totals: [5],
    })
    t.same(await walk('/v1/authors?limit=2'), { slugs: ['ann', 'bob', 'cy'], totals: [3] })
  }
})

t.test('authors: create, list, read, update; cannot delete one still in a byline', async (t) => {
  const ctx = await build(t)
  const editor = await ctx.auth('content:write')
  const created = await ctx.app.inject({
    method: 'POST',
    url: '/v1/authors',
    headers: editor,
    payload: { name: 'Ani Avetisyan', bio: 'Reporter', avatarUrl: 'https://media.example/ani.jpg' },
  })
  t.equal(created.statusCode, 201)
  t.equal(created.headers.location, '/v1/authors/ani-avetisyan')
  t.same(created.json(), {
    id: created.json().id,
    slug: 'ani-avetisyan',
    name: 'Ani Avetisyan',
    bio: 'Reporter',
    avatarUrl: 'https://media.example/ani.jpg',
    links: {
      self: '/v1/authors/ani-avetisyan',
      articles: '/v1/articles?author=ani-avetisyan',
      canonical: 'https://www.newsdesk.example/authors/ani-avetisyan',
      feeds: {
        rss: '/v1/feeds/rss?author=ani-avetisyan',
        atom: '/v1/feeds/atom?author=ani-avetisyan',
        json: '/v1/feeds/json?author=ani-avetisyan',
      },
    },
  })
  t.equal((await ctx.app.inject('/v1/authors/ani-avetisyan')).json().name, 'Ani Avetisyan')
  t.equal((await ctx.app.inject(`/v1/authors/${created.json().id}`)).statusCode, 200, 'by id too')
  t.equal((await ctx.app.inject('/v1/authors')).json().page.total, 1)
  const patched = await ctx.app.inject({
    method: 'PATCH',
    url: '/v1/authors/ani-avetisyan',
    headers: editor,
    payload: { bio: null },
  })
  t.equal(patched.json().bio, null)
  await article(ctx, editor, { headline: 'Byline', authors: ['ani-avetisyan'] })
  const refused = await ctx.app.inject({
    method: 'DELETE',
    url: '/v1/authors/ani-avetisyan',
    headers: editor,
  })
  t.equal(refused.statusCode, 409)
  const other = await ctx.app.inject({
    method: 'POST',
    url: '/v1/authors',
    headers: editor,
    payload: { name: 'Spare' },
  })
  t.equal(
    (await ctx.app.inject({ method: 'DELETE', url: `/v1/authors/${other.json().slug}`, headers: editor }))
      .statusCode,
    204,
  )
  t.equal((await ctx.app.inject('/v1/authors/spare')).statusCode, 404)
})

t.test('collections: ordered, replaced whole, drafts left out for the public', async (t) => {
  const ctx = await build(t)
  const editor = await ctx.auth('content:write')
  const { author } = await newsroom(ctx, editor)
  const one = await article(ctx, editor, { headline: 'One', authors: [author], publish: true })
  const two = await article(ctx, editor, { headline: 'Two', authors: [author] })
  const three = await article(ctx, editor, { headline: 'Three', authors: [author], publish: true })
  const put = await ctx.app.inject({
    method: 'PUT',
    url: '/v1/collections/editors-picks',
    headers: editor,
    payload: { title: 'Editor’s Picks', items: [three.slug, two.id, one.slug] },
  })
  t.equal(put.statusCode, 201)
  t.equal(put.headers.location, '/v1/collections/editors-picks')
  const pub = (await ctx.app.inject('/v1/collections/editors-picks')).json()
  t.same(
    pub.data.map((a: { slug: string }) => a.slug),
    ['three', 'one'],
    'order kept, draft left out',
  )
  const replaced = await ctx.app.inject({
    method: 'PUT',
    url: '/v1/collections/editors-picks',
    headers: editor,
    payload: { title: 'Picks', items: [one.id] },
  })
  t.equal(replaced.statusCode, 200)
  t.same(
    replaced.json().data.map((a: { slug: string }) => a.slug),
    ['one'],
  )
  const bad = await ctx.app.inject({
    method: 'PUT',
    url: '/v1/collections/editors-picks',
    headers: editor,
    payload: { title: 'Broken', items: ['one', 'missing'] },
  })
  t.equal(bad.statusCode, 400)
  t.equal(bad.json().errors[0].path, 'body/items/1')
  t.equal(
    (await ctx.app.inject('/v1/collections/editors-picks')).json().title,
    'Picks',
    'a failed PUT changes nothing',
  )
  t.equal(
    (await ctx.app.inject({ method: 'DELETE', url: '/v1/collections/editors-picks', headers: editor }))
      .statusCode,
    204,
  )
  t.equal((await ctx.app.inject('/v1/collections/editors-picks')).statusCode, 404)
})

t.test('drafts are invisible in every public read', async (t) => {
  const ctx = await build(t)
  const editor = await ctx.auth('content:write')
  const { author, topic } = await newsroom(ctx, editor)
  const live = await article(ctx, editor, {
    headline: 'Live',
    authors: [author],
    topics: [topic],
    tags: ['x'],
    publish: true,
  })
  const draft = await article(ctx, editor, {
    headline: 'Secret draft',
    authors: [author],
    topics: [topic],
    tags: ['x'],
  })
  const scheduled = await article(ctx, editor, {
    headline: 'Secret scheduled',
    authors: [author],
    topics: [topic],
    tags: ['x'],
    publishAt: '2099-01-01T00:00:00.000Z',
  })
  await ctx.app.inject({
    method: 'PATCH',
    url: `/v1/articles/${live.id}`,
    headers: editor,
    payload: { relatedArticles: [draft.id, scheduled.id] },
  })
  await ctx.app.inject({
    method: 'PUT',
    url: '/v1/collections/picks',
    headers: editor,
    payload: { title: 'P', items: [draft.id, scheduled.id, live.id] },
  })
  const reads = [
    '/v1/articles',
    `/v1/articles?topic=${topic}`,
    '/v1/articles?tag=x',
    `/v1/articles?author=${author}`,
    `/v1/articles/${live.slug}/related`,
    '/v1/collections/picks',
    `/v1/topics/${topic}`,
    '/v1/topics',
  ]
  for (const url of reads) {
    const res = await ctx.app.inject(url)
    t.equal(res.statusCode, 200, url)
    t.notMatch(res.body, /Secret/, `${url} shows no draft or scheduled article`)
    t.notOk(res.body.includes(draft.id) || res.body.includes(scheduled.id), `${url} leaks no id`)
  }
  for (const ref of [draft.id, draft.slug, scheduled.id, scheduled.slug]) {
    t.equal((await ctx.app.inject(`/v1/articles/${ref}`)).statusCode, 404)
    t.equal((await ctx.app.inject(`/v1/articles/${ref}/related`)).statusCode, 404)
  }
  t.equal((await ctx.app.inject(`/v1/topics/${topic}`)).json().articleCount, 1)
})
