/**
 * What a website or app team needs to build the seed's article page: one article request with its fact table and
 * related list embedded, one Most Popular request and one collection request; website URLs everywhere a reader
 * follows a link; images that lay out before they load; clean editorial fields; one list shape.
 */
import t from 'tap'
import { article, build, newsroom, paragraph } from './helper.js'

const MAIN = 'azerbaijani-and-armenian-foreign-ministers-meet-in-new-york'
const TABLE = 'september-2022-clashes-casualties'
const SITE = {
  SITE_URL: 'https://oc-media.example',
  SITE_ARTICLE_PATH: '/{id}/{slug}/',
  SITE_TOPIC_PATH: '/tag/{slug}/',
  SITE_AUTHOR_PATH: '/author/{slug}/',
  SITE_FACT_TABLE_PATH: '/data/{slug}/',
  IMAGE_URL_TEMPLATE: 'https://img.example/{path}?w={width}',
  IMAGE_WIDTHS: '320,640,1280,1920',
}

t.test('the seed’s article page from three requests', async (t) => {
  const ctx = await build(t, { demo: true, now: '2022-09-21T08:00:00.000Z', env: SITE })
  const res = await ctx.app.inject(`/v1/articles/${MAIN}?include=factTables,related`)
  t.equal(res.statusCode, 200)
  t.equal(res.headers['timing-allow-origin'], '*', 'real-user monitoring may read the timings')
  const page = res.json()
  t.same(Object.keys(page.included).sort(), ['factTables', 'related'], 'only what was asked for')

  // The embedded fact table is byte for byte what its own endpoint answers.
  const own = (await ctx.app.inject(`/v1/fact-tables/${TABLE}`)).json()
  t.same(page.included.factTables, [own])
  t.equal(own.links.canonical, `https://oc-media.example/data/${TABLE}/`)
  // The embedded related list is the related endpoint's answer, in the same shape.
  const related = (await ctx.app.inject(`/v1/articles/${MAIN}/related`)).json()
  t.same(page.included.related, related)
  t.same(related.page, { limit: 6, nextCursor: null, total: related.data.length })

  // The body shows the table itself: an accessible table with caption, claimants, qualifiers and as-of dates.
  const html: string = page.body.html
  t.match(
    html,
    `<figure class="fact-table" data-fact-table="${TABLE}"><table><caption>${own.title}</caption>`,
  )
  t.match(html, '<th scope="col">Claimed by</th>')
  t.match(
    html,
    '<tr><th scope="row">Captured, Armenia, military</th><td>at least 20</td><td>Government of Armenia</td><td><time datetime="2022-09-20T10:00:00.000Z">2022-09-20</time></td></tr>',
  )
  t.match(html, `<a href="https://oc-media.example/data/${TABLE}/">Full table, sources and history</a>`)
  t.match(page.body.text, `${own.title}\n- Killed, Armenia, civilian: 3 (claimed by Government of Armenia`)
  t.match(page.body.text, '- Captured, Armenia, military: at least 20 (claimed by Government of Armenia')
  t.match(page.body.text, `Full table, sources and history: https://oc-media.example/data/${TABLE}/`)
  const links = [...html.matchAll(/ (?:href|src)="([^"]*)"/g)].map((m) => m[1] as string)
  t.ok(links.length >= 2)
  for (const link of links) t.match(link, /^https:\/\//, `${link} is absolute`)
  t.match(html, `href="https://oc-media.example/01834eaf-0000-7000-8000-0000000c0005/pelosi-condemns-baku`)

  const block = page.body.blocks.find((b: { type: string }) => b.type === 'factTable')
  t.same(block, {
    type: 'factTable',
    factTable: TABLE,
    title: own.title,
    url: `/v1/fact-tables/${TABLE}`,
    canonical: `https://oc-media.example/data/${TABLE}/`,
  })

  // Most Popular without the article being read, and Editor's Picks: the rest of the page.
  const popular = await ctx.app.inject(`/v1/popular?exclude=${page.id}`)
  t.equal(popular.statusCode, 200)
  t.notOk(
    popular.json().data.some((item: { article: { id: string } }) => item.article.id === page.id),
    'the article being read is left out',
  )
  const picks = (await ctx.app.inject('/v1/collections/editors-picks')).json()
  t.equal(picks.title, 'Editor’s Picks')
  t.equal(picks.data.length, 3)
  t.same(picks.page, { limit: 3, nextCursor: null, total: 3 })
})

t.test(
  'include= embeds the primary topic, works with fields=, and rejects what it does not know',
  async (t) => {
    const ctx = await build(t, { demo: true, now: '2022-09-21T08:00:00.000Z', env: SITE })
    const res = (await ctx.app.inject(`/v1/articles/${MAIN}?include=primaryTopic&fields=id,headline`)).json()
    t.same(Object.keys(res).sort(), ['headline', 'id', 'included'])
    const topic = (await ctx.app.inject('/v1/topics/2022-azerbaijani-attack-on-armenia')).json()
    t.same(res.included.primaryTopic, topic)
    t.equal(topic.links.canonical, 'https://oc-media.example/tag/2022-azerbaijani-attack-on-armenia/')
    const author = (await ctx.app.inject('/v1/authors/oc-media')).json()
    t.equal(author.links.canonical, 'https://oc-media.example/author/oc-media/')
    const bad = await ctx.app.inject(`/v1/articles/${MAIN}?include=comments`)
    t.equal(bad.statusCode, 400)
    t.equal(bad.headers['content-type'], 'application/problem+json; charset=utf-8')
    t.match(bad.json().errors, [{ path: 'query/include' }])
    const plain = (await ctx.app.inject(`/v1/articles/${MAIN}`)).json()
    t.notOk('included' in plain, 'nothing is embedded unless asked')
  },
)

t.test('an article without a fact table includes an empty list; editors see tables in drafts', async (t) => {
  const ctx = await build(t, { demo: true, now: '2022-09-21T08:00:00.000Z' })
  const res = (
    await ctx.app.inject(
      '/v1/articles/footage-appears-to-show-desecration-of-female-armenian-soldier?include=factTables,primaryTopic',
    )
  ).json()
  t.same(res.included.factTables, [])
  t.equal(res.included.primaryTopic.slug, '2022-azerbaijani-attack-on-armenia')
  const editor = await ctx.auth('content:write')
  const draft = await article(ctx, editor, {
    headline: 'Draft with a table',
    authors: ['oc-media'],
    body: { blocks: [paragraph('Intro.'), { type: 'factTable', factTable: TABLE }] },
  })
  const read = (
    await ctx.app.inject({ url: `/v1/articles/${draft.id}?include=factTables`, headers: editor })
  ).json()
  t.equal(read.included.factTables[0].slug, TABLE)
  t.match(read.body.html, '<caption>')
  t.equal(read.included.primaryTopic, undefined)
})

t.test('related leaves out articles without a body unless asked', async (t) => {
  const ctx = await build(t, { demo: true, now: '2022-09-21T08:00:00.000Z' })
  const slugs = async (query: string) =>
    (await ctx.app.inject(`/v1/articles/${MAIN}/related${query}`))
      .json()
      .data.map((r: { article: { slug: string } }) => r.article.slug)
  const stub = 'pelosi-condemns-baku-and-pledges-support-for-armenia'
  t.notOk((await slugs('')).includes(stub), 'the empty stub is not suggested')
  t.ok((await slugs('?includeEmpty=true')).includes(stub), 'unless asked for')
  t.equal((await ctx.app.inject(`/v1/articles/${MAIN}/related?includeEmpty=maybe`)).statusCode, 400)
})

t.test(
  'related: when the best-scored candidates have no body, the next ones with a body fill the room',
  async (t) => {
    const ctx = await build(t, { now: '2026-01-15T12:00:00.000Z' })
    const admin = await ctx.auth('admin')
    const { author, topic } = await newsroom(ctx, admin)
    const at = (hours: number) =>
      new Date(Date.parse('2026-01-10T12:00:00.000Z') + hours * 3_600_000).toISOString()
    const anchor = await article(ctx, admin, {
      headline: 'The anchor',
      authors: [author],
      topics: [topic],
      publishAt: at(0),
    })
    // Sixteen stubs right beside it (the best scores), then three with a body, each a day further away.
    for (let i = 1; i <= 16; i++)
      await article(ctx, admin, {
        headline: `Stub ${i}`,
        authors: [author],
        topics: [topic],
        body: { blocks: [] },
        publishAt: at(i),
      })
    const bodied: string[] = []
    for (let d = 1; d <= 3; d++)
      bodied.push(
        (
          await article(ctx, admin, {
            headline: `Story ${d}`,
            authors: [author],
            topics: [topic],
            publishAt: at(24 * d),
          })
        ).slug,
      )
    const slugs = async (query: string) =>
      (await ctx.app.inject(`/v1/articles/${anchor.slug}/related${query}`))
        .json()
        .data.map((r: { article: { slug: string } }) => r.article.slug)
    t.same(await slugs('?limit=2'), bodied.slice(0, 2), 'past sixteen empty candidates, in score order')
    const { queries } = await ctx.queriesOf(`/v1/articles/${anchor.slug}/related?limit=2&includeEmpty=false`)
    const reads = queries.filter((q) => /"word_count" >/.test(q) && !q.includes('related_articles'))
    t.equal(reads.length, 2, 'in two reads: the best six, then the next twelve (not three of six)')
    t.same(await slugs('?limit=6'), bodied, 'as many as there are')
    const withStubs = await slugs('?limit=3&includeEmpty=true')
    t.same(withStubs, ['stub-1', 'stub-2', 'stub-3'], 'the stubs when asked for')
  },
)

t.test('Most Popular: exclude= by id or slug, ranks close up, bad values are a 400', async (t) => {
  const ctx = await build(t, { demo: true, now: '2022-09-21T08:00:00.000Z' })
  const all = (await ctx.app.inject('/v1/popular?window=30d')).json()
  t.same(all.page, { limit: 10, nextCursor: null, total: all.data.length })
  t.ok(all.data.length >= 3)
  const [first, second] = all.data
  const without = (await ctx.app.inject(`/v1/popular?window=30d&exclude=${first.article.slug}`)).json()
  t.equal(without.data[0].article.id, second.article.id)
  t.equal(without.data[0].rank, 1)
  t.equal(without.data.length, all.data.length - 1)
  const byId = (await ctx.app.inject(`/v1/popular?window=30d&exclude=${first.article.id},nothing`)).json()
  t.same(byId.data, without.data)
  for (const bad of ['', 'a,,b', Array.from({ length: 21 }, (_, i) => `a${i}`).join(','), '%3Cscript%3E']) {
    const res = await ctx.app.inject(`/v1/popular?exclude=${bad}`)
    t.equal(res.statusCode, 400, `exclude=${bad.slice(0, 20)}`)
  }
  const again = (await ctx.app.inject('/v1/popular?window=30d')).json()
  t.same(again.data, all.data, 'an exclusion does not change the list others get')
  const trending = (await ctx.app.inject('/v1/trending')).json()
  t.same(Object.keys(trending).sort(), ['data', 'generatedAt', 'page'])
})

t.test('one list shape: every collection of things is { data, page }', async (t) => {
  const ctx = await build(t, { demo: true, now: '2022-09-21T08:00:00.000Z' })
  const lists = [
    '/v1/articles',
    '/v1/topics',
    '/v1/authors',
    '/v1/collections',
    `/v1/articles/${MAIN}/related`,
    '/v1/popular',
    '/v1/trending',
    '/v1/fact-tables',
    `/v1/fact-tables/${TABLE}/figures`,
    '/v1/parties',
    '/v1/sources',
    '/v1/metrics',
    '/v1/collections/editors-picks',
  ]
  for (const url of lists) {
    const body = (await ctx.app.inject(url)).json()
    t.ok(Array.isArray(body.data), `${url}: data`)
    t.match(body.page, { limit: Number, nextCursor: null, total: body.data.length }, `${url}: page`)
  }
  const collections = (await ctx.app.inject('/v1/collections')).json()
  t.same(collections.data, [
    {
      slug: 'editors-picks',
      title: 'Editor’s Picks',
      updatedAt: collections.data[0].updatedAt,
      links: { self: '/v1/collections/editors-picks' },
    },
  ])
})

t.test('GET /v1/collections pages by slug and follows writes', async (t) => {
  const ctx = await build(t)
  const editor = await ctx.auth('content:write')
  for (const slug of ['c', 'a', 'b']) {
    const res = await ctx.app.inject({
      method: 'PUT',
      url: `/v1/collections/${slug}`,
      headers: editor,
      payload: { title: slug.toUpperCase(), items: [] },
    })
    t.equal(res.statusCode, 201)
  }
  const first = await ctx.app.inject('/v1/collections?limit=2')
  t.same(
    first.json().data.map((c: { slug: string }) => c.slug),
    ['a', 'b'],
  )
  t.equal(first.json().page.total, 3)
  t.match(first.headers.link, /rel="next"/)
  const rest = (await ctx.app.inject(`/v1/collections?limit=2&cursor=${first.json().page.nextCursor}`)).json()
  t.same(
    rest.data.map((c: { slug: string }) => c.slug),
    ['c'],
  )
  await ctx.app.inject({ method: 'DELETE', url: '/v1/collections/a', headers: editor })
  t.same(
    (await ctx.app.inject('/v1/collections')).json().data.map((c: { slug: string }) => c.slug),
    ['b', 'c'],
    'a cached list is purged by the delete',
  )
  t.equal((await ctx.app.inject('/v1/collections?cursor=nonsense')).statusCode, 400)
})

t.test('images: dimensions required on write, renditions from the image CDN, a focal point', async (t) => {
  const ctx = await build(t, { env: SITE })
  const editor = await ctx.auth('content:write')
  const { author } = await newsroom(ctx, editor)
  const photo = { url: 'https://media.example/news/photo.jpg', alt: 'A border post' }
  const missing = await ctx.app.inject({
    method: 'POST',
    url: '/v1/articles',
    headers: editor,
    payload: {
      headline: 'No sizes',
      authors: [author],
      topics: [],
      heroImage: photo,
      body: { blocks: [{ type: 'image', ...photo }] },
    },
  })
  t.equal(missing.statusCode, 400)
  t.match(missing.json().errors, [
    { path: 'body/body/blocks/0/width', message: 'is required' },
    { path: 'body/body/blocks/0/height', message: 'is required' },
    { path: 'body/heroImage/width', message: 'is required' },
    { path: 'body/heroImage/height', message: 'is required' },
  ])
  const badFocus = await ctx.app.inject({
    method: 'POST',
    url: '/v1/articles',
    headers: editor,
    payload: {
      headline: 'Bad focus',
      authors: [author],
      topics: [],
      heroImage: { ...photo, width: 1000, height: 500, focalPoint: { x: 1.5, y: 0 } },
      body: { blocks: [] },
    },
  })
  t.equal(badFocus.statusCode, 400)
  t.match(badFocus.json().errors, [{ path: 'body/heroImage/focalPoint/x' }])

  const created = await article(ctx, editor, {
    headline: 'With sizes',
    authors: [author],
    publish: true,
    heroImage: { ...photo, width: 1000, height: 500, focalPoint: { x: 0.25, y: 0.5 } },
    body: { blocks: [{ type: 'image', ...photo, width: 2400, height: 1600 }] },
  })
  const read = (await ctx.app.inject(`/v1/articles/${created.id}`)).json()
  t.same(read.heroImage, {
    ...photo,
    caption: null,
    credit: null,
    width: 1000,
    height: 500,
    focalPoint: { x: 0.25, y: 0.5 },
    renditions: [
      { width: 320, url: 'https://img.example/news/photo.jpg?w=320' },
      { width: 640, url: 'https://img.example/news/photo.jpg?w=640' },
      { width: 1000, url: 'https://media.example/news/photo.jpg' },
    ],
    srcset:
      'https://img.example/news/photo.jpg?w=320 320w, https://img.example/news/photo.jpg?w=640 640w, https://media.example/news/photo.jpg 1000w',
  })
  t.match(read.body.blocks[0], { type: 'image', width: 2400, height: 1600, focalPoint: null })
  t.same(
    read.body.blocks[0].renditions.map((r: { width: number }) => r.width),
    [320, 640, 1280, 1920, 2400],
  )
  t.match(
    read.body.html,
    '<img src="https://media.example/news/photo.jpg" alt="A border post" width="2400" height="1600">',
  )
  const list = (await ctx.app.inject('/v1/articles')).json()
  t.equal(list.data[0].heroImage.srcset, read.heroImage.srcset, 'lists carry the same image')
})

t.test('without an image CDN, the original is the one rendition', async (t) => {
  const ctx = await build(t, { demo: true, now: '2022-09-21T08:00:00.000Z' })
  const read = (await ctx.app.inject(`/v1/articles/${MAIN}`)).json()
  t.match(read.heroImage, {
    width: 1200,
    height: 800,
    focalPoint: { x: 0.5, y: 0.35 },
    renditions: [{ width: 1200, url: read.heroImage.url }],
    srcset: `${read.heroImage.url} 1200w`,
  })
  const topic = await ctx.app.inject({
    method: 'POST',
    url: '/v1/topics',
    headers: await ctx.auth('content:write'),
    payload: { title: 'Sizes', heroImage: { url: 'https://media.example/t.jpg', alt: 'x' } },
  })
  t.equal(topic.statusCode, 400, 'topic images need their dimensions too')
})

t.test('clean editorial fields: a kicker, not a prefix; warnings only in their fields', async (t) => {
  const ctx = await build(t, { demo: true, now: '2022-09-21T08:00:00.000Z' })
  const list = (await ctx.app.inject('/v1/articles?limit=50')).json().data
  for (const a of list) {
    t.notMatch(a.headline, /^(Podcast \||Opinion \||Live updates:)/, `${a.slug}: no type in the headline`)
    if (a.contentWarningText) t.notMatch(a.excerpt, a.contentWarningText, 'the warning is not in the excerpt')
  }
  const kickers = Object.fromEntries(
    list.map((a: { type: string; kicker: string | null }) => [a.type, a.kicker]),
  )
  t.match(kickers, { podcast: 'Podcast', opinion: 'Opinion', live: 'Live updates' })
  const footage = list.find((a: { contentWarning: string | null }) => a.contentWarning)
  t.equal(footage.contentWarning, 'graphic-violence')
  t.notMatch(
    (await ctx.app.inject(`/v1/articles/${footage.slug}`)).json().body.text,
    'Warning:',
    'nor in the body',
  )

  const editor = await ctx.auth('content:write')
  const written = await article(ctx, editor, {
    headline: 'Ceasefire, day two',
    kicker: 'Analysis',
    contentWarning: 'disturbing-imagery',
    authors: ['oc-media'],
  })
  t.equal(written.kicker, 'Analysis')
  const patched = await ctx.app.inject({
    method: 'PATCH',
    url: `/v1/articles/${written.id}`,
    headers: editor,
    payload: { kicker: null },
  })
  t.equal(patched.json().kicker, null)
  for (const payload of [{ contentWarning: 'gore' }, { kicker: '' }, { kicker: 'x'.repeat(61) }]) {
    const res = await ctx.app.inject({
      method: 'PATCH',
      url: `/v1/articles/${written.id}`,
      headers: editor,
      payload,
    })
    t.equal(res.statusCode, 400, JSON.stringify(payload))
  }
})

t.test('unknown query parameters: one rule on every route', async (t) => {
  const ctx = await build(t, { demo: true, now: '2022-09-21T08:00:00.000Z' })
  const routes = ctx.app.printRoutes({ commonPrefix: false })
  t.ok(routes.length > 0)
  for (const url of [
    '/v1/articles',
    `/v1/articles/${MAIN}`,
    `/v1/articles/${MAIN}/related`,
    '/v1/topics',
    '/v1/collections',
    '/v1/collections/editors-picks',
    '/v1/popular',
    '/v1/trending',
    `/v1/fact-tables/${TABLE}`,
    '/v1/parties',
    '/health',
    '/ready',
  ]) {
    const res = await ctx.app.inject(`${url}?nonsense=1`)
    t.equal(res.statusCode, 400, url)
    t.match(res.json().errors, [{ path: 'query/nonsense', message: 'is not a known property' }])
  }
})
