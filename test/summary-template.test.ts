/**
 * A public list joins each summary from the JSON stored when its article was written (src/articles/summary-template.ts)
 * instead of building and escaping it again: the bytes must be those of the full rendering, with the byline,
 * topics, image and website URL filled in as they are now, and a row whose template is missing or was made from
 * another version (or another row) rendered in full.
 */
import { sql } from 'drizzle-orm'
import t, { type Test } from 'tap'
import { fillStoredRenderings } from '../src/articles/writes.js'
import { rawExec, rawRows } from '../src/db/client.js'
import { article, build, type TestContext } from './helper.js'

async function setup(t: Test, env: Record<string, string> = {}) {
  const ctx = await build(t, { demo: true, env: { RESPONSE_CACHE_MB: '0', ...env } })
  const admin = await ctx.auth('admin')
  const post = async (url: string, payload: object) => {
    const res = await ctx.app.inject({ method: 'POST', url, headers: admin, payload })
    if (res.statusCode !== 201) throw new Error(`${url}: ${res.body}`)
    return res.json()
  }
  const desk = await post('/v1/authors', { name: 'Border "Desk" \\ \u{1F600}' })
  const second = await post('/v1/authors', { name: 'Second Reporter' })
  const hub = await post('/v1/topics', { title: 'Ceasefire <Talks>' })
  const other = await post('/v1/topics', { title: 'Shelling' })
  const rich = await article(ctx, admin, {
    // Text that looks like the template's own markers must stay text.
    headline:
      'Talks "resume" \\ caf\u00e9 \u{1F600} "authors":[],"primaryTopic":null,"topics":[],"tags":[],"heroImage":null',
    kicker: 'Exclusive \u0003',
    standfirst: 'A standfirst with "canonical":"\\u0003" and \u2028 a line separator.',
    authors: [desk.slug, second.slug],
    topics: [hub.slug, other.slug],
    primaryTopic: other.slug,
    tags: ['talks', 'geneva'],
    contentWarning: 'graphic-violence',
    contentWarningText: 'Images of the dead',
    heroImage: {
      url: 'https://images.example/hero.jpg',
      alt: 'Hero "shot"',
      caption: 'A caption',
      credit: 'Photographer',
      width: 2000,
      height: 1000,
      focalPoint: { x: 0.3, y: 0.6 },
    },
    publish: true,
  })
  const plain = await article(ctx, admin, {
    headline: 'No image, no topic',
    authors: [second.slug],
    publish: true,
  })
  return { ctx, admin, desk, second, hub, other, rich, plain }
}

/** Every summary template dropped: each list renders its summaries in full. */
const dropTemplates = (ctx: TestContext) => rawExec(ctx.database.db, sql`delete from summary_templates`)

const MAIN = 'azerbaijani-and-armenian-foreign-ministers-meet-in-new-york'

/** A `Surrogate-Key` header's keys, in order of name: each path lists them in the order it read them. */
const keySet = (header: unknown) => String(header).split(' ').sort()

const LISTS = [
  '/v1/articles?limit=50',
  '/v1/articles?topic=ceasefire-talks',
  '/v1/articles?limit=1',
  '/v1/articles?tag=talks',
]

t.test('a public list joined from templates answers the bytes of the full rendering', async (t) => {
  for (const env of <Record<string, string>[]>[
    {},
    { SITE_URL: 'https://oc-media.example/news', IMAGE_URL_TEMPLATE: 'https://img.example/{path}?w={width}' },
    // A website URL and path with what JSON must escape: the canonical URL's JSON is escaped once per template.
    { SITE_URL: 'https://oc-media.example/n"e\\ws', SITE_ARTICLE_PATH: '/story/{id}/"{slug}"\\x\u00e9' },
  ]) {
    const { ctx, rich } = await setup(t, env)
    const joined = []
    for (const url of LISTS) joined.push(await ctx.queriesOf(url))
    const next = joined[2]?.response.json().page.nextCursor
    joined.push(await ctx.queriesOf(`/v1/articles?limit=1&cursor=${next}`))
    await dropTemplates(ctx)
    for (const [i, url] of [...LISTS, `/v1/articles?limit=1&cursor=${next}`].entries()) {
      const { response, queries } = joined[i] as Awaited<ReturnType<TestContext['queriesOf']>>
      const rendered = await ctx.queriesOf(url)
      t.equal(response.statusCode, 200, url)
      t.ok(response.json().data.length > 0, `${url}: not empty`)
      t.ok(
        queries.some((q) => /summary_template/.test(q)) && !queries.some((q) => /"standfirst"/.test(q)),
        `${url}: reads the templates, not the columns they were made from`,
      )
      t.ok(
        rendered.queries.some((q) => /"standfirst"/.test(q)),
        `${url}: without templates the summaries are made from the columns`,
      )
      t.equal(response.body, rendered.response.body, `${url}: same bytes (${env.SITE_URL ?? 'default site'})`)
      t.equal(response.headers.etag, rendered.response.headers.etag, `${url}: so the same ETag`)
      t.equal(response.headers['content-type'], rendered.response.headers['content-type'])
      t.equal(response.headers.link, rendered.response.headers.link, `${url}: the same next link`)
    }
    const item = joined[0]?.response.json().data.find((s: { id: string }) => s.id === rich.id)
    t.match(item.headline, /"authors":\[\]/, 'the marker-like headline is text')
    t.equal(item.kicker, 'Exclusive \u0003')
    t.equal(item.primaryTopic.title, 'Shelling')
    t.equal(item.heroImage.focalPoint.x, 0.3)
    t.ok(
      item.links.canonical.startsWith(env.SITE_URL ?? 'http'),
      `canonical on ${env.SITE_URL ?? 'default site'}`,
    )
    if (env.SITE_ARTICLE_PATH)
      t.equal(item.links.canonical, `${env.SITE_URL}/story/${rich.id}/"${rich.slug}"\\x\u00e9`)
  }
})

t.test('an article page joins its summary part from the template too', async (t) => {
  for (const env of <Record<string, string>[]>[{}, { SITE_URL: 'https://oc-media.example/news' }]) {
    const { ctx, rich, plain } = await setup(t, env)
    for (const article of [rich, plain]) {
      const joined = await ctx.queriesOf(`/v1/articles/${article.id}`)
      await rawExec(ctx.database.db, sql`delete from summary_templates where article_id = ${article.id}`)
      const rendered = await ctx.queriesOf(`/v1/articles/${article.id}`)
      t.equal(joined.response.statusCode, 200)
      t.equal(joined.response.body, rendered.response.body, `${article.headline}: the same bytes`)
      t.equal(joined.response.headers.etag, rendered.response.headers.etag)
      t.same(
        keySet(joined.response.headers['surrogate-key']),
        keySet(rendered.response.headers['surrogate-key']),
        'and the same keys',
      )
    }
  }
})

t.test('a collection joins its items from their templates', async (t) => {
  const { ctx, admin, second, rich, plain } = await setup(t, { SITE_URL: 'https://oc-media.example/news' })
  const draft = await article(ctx, admin, { headline: 'Not yet', authors: [second.slug] })
  // A title with what looks like the list's own property: the items go into the property, not the title.
  const put = await ctx.app.inject({
    method: 'PUT',
    url: '/v1/collections/desk-picks',
    headers: admin,
    payload: { title: 'Picks "data":[] \\ caf\u00e9', items: [plain.id, draft.id, rich.id] },
  })
  t.equal(put.statusCode, 200, put.body)
  const url = '/v1/collections/desk-picks'
  const joined = await ctx.queriesOf(url)
  await dropTemplates(ctx)
  const rendered = await ctx.queriesOf(url)
  t.equal(joined.response.statusCode, 200)
  t.same(
    joined.response.json().data.map((s: { id: string }) => s.id),
    [plain.id, rich.id],
    'the visible items, in the editors’ order',
  )
  t.equal(joined.response.json().title, 'Picks "data":[] \\ caf\u00e9')
  t.ok(
    joined.queries.some((q) => /summary_template/.test(q)) &&
      !joined.queries.some((q) => /"standfirst"/.test(q)),
    'reads the templates, not the columns they were made from',
  )
  t.ok(
    rendered.queries.some((q) => /"standfirst"/.test(q)),
    'without templates, the columns',
  )
  t.equal(joined.response.body, rendered.response.body, 'the same bytes')
  t.equal(joined.response.headers.etag, rendered.response.headers.etag)
  t.same(
    keySet(joined.response.headers['surrogate-key']),
    keySet(rendered.response.headers['surrogate-key']),
    'and the same keys, the draft’s among them',
  )
  t.ok(keySet(joined.response.headers['surrogate-key']).includes(`article:${draft.id}`))
})

t.test('a related list joins its articles from their templates', async (t) => {
  const { ctx, admin, rich } = await setup(t, { SITE_URL: 'https://oc-media.example/news' })
  // One more in the rich article's topic, and the rich one curated on the demo's main article.
  const continued = await article(ctx, admin, {
    headline: 'Talks continue',
    topics: ['ceasefire-talks'],
    tags: ['talks'],
    authors: ['second-reporter'],
    publish: true,
  })
  const curated = await ctx.app.inject({
    method: 'PATCH',
    url: `/v1/articles/${MAIN}`,
    headers: admin,
    payload: { relatedArticles: [rich.id] },
  })
  t.equal(curated.statusCode, 200, 'curated on the main article')
  const alsoCurated = await ctx.app.inject({
    method: 'PATCH',
    url: `/v1/articles/${rich.id}`,
    headers: admin,
    payload: { relatedArticles: [continued.id] },
  })
  t.equal(alsoCurated.statusCode, 200, 'and on the rich one')
  const urls = [
    `/v1/articles/${MAIN}/related?limit=10`,
    `/v1/articles/${rich.id}/related`,
    `/v1/articles/${rich.id}/related?includeEmpty=true`,
  ]
  const joined = []
  for (const url of urls) joined.push(await ctx.queriesOf(url))
  await dropTemplates(ctx)
  for (const [i, url] of urls.entries()) {
    const { response } = joined[i] as Awaited<ReturnType<TestContext['queriesOf']>>
    const rendered = await ctx.app.inject(url)
    t.equal(response.statusCode, 200, url)
    t.ok(response.json().data.length > 0, `${url}: not empty`)
    t.equal(response.body, rendered.body, `${url}: the same bytes`)
    t.equal(response.headers.etag, rendered.headers.etag)
    t.same(
      keySet(response.headers['surrogate-key']),
      keySet(rendered.headers['surrogate-key']),
      'and the same keys',
    )
  }
  const items = joined[0]?.response.json().data as { reason: string; article: { id: string } }[]
  t.same(
    items.filter((item) => item.reason === 'curated').map((item) => item.article.id),
    [rich.id],
    'the curated one first',
  )
  t.same(
    joined[1]?.response.json().data[0],
    {
      reason: 'curated',
      sharedTopics: ['ceasefire-talks'],
      sharedTags: [],
      score: null,
      article: joined[1]?.response.json().data[0].article,
    },
    'a curated article says the topics both are in',
  )
})

t.test('what the template leaves to the reading changes without the article being written', async (t) => {
  const { ctx, admin, desk, hub, other, rich } = await setup(t)
  const renamed = await ctx.app.inject({
    method: 'PATCH',
    url: `/v1/authors/${desk.id}`,
    headers: admin,
    payload: { name: 'Frontline Desk' },
  })
  t.equal(renamed.statusCode, 200)
  const listedNow = async () =>
    (await ctx.app.inject('/v1/articles?limit=50')).json().data.find((s: { id: string }) => s.id === rich.id)
  t.equal((await listedNow()).authors[0].name, 'Frontline Desk', 'an author renamed')
  const retitled = await ctx.app.inject({
    method: 'PATCH',
    url: `/v1/topics/${hub.id}`,
    headers: admin,
    payload: { title: 'Peace Talks' },
  })
  t.equal(retitled.statusCode, 200)
  t.equal((await listedNow()).topics[0].title, 'Peace Talks', 'a topic retitled')
  const [row] = await rawRows<{ version: number }>(
    ctx.database.db,
    sql`select version from articles where id = ${rich.id}`,
  )
  t.equal(row?.version, 2, 'the article itself was not written')

  const deleted = await ctx.app.inject({ method: 'DELETE', url: `/v1/topics/${other.id}`, headers: admin })
  t.equal(deleted.statusCode, 204)
  const after = await listedNow()
  t.same(
    after.topics.map((x: { title: string }) => x.title),
    ['Peace Talks'],
    'a topic deleted leaves the summary',
  )
  t.equal(after.primaryTopic, null, 'and its primary topic')
  const joined = (await ctx.app.inject('/v1/articles?limit=50')).body
  await dropTemplates(ctx)
  t.equal((await ctx.app.inject('/v1/articles?limit=50')).body, joined, 'the same bytes as made in full')
})

t.test('an edit writes a new template; a stale or foreign one is not used', async (t) => {
  const { ctx, admin, rich, plain } = await setup(t)
  const edited = await ctx.app.inject({
    method: 'PATCH',
    url: `/v1/articles/${rich.id}`,
    headers: admin,
    payload: { headline: 'Talks collapse', heroImage: null },
  })
  t.equal(edited.statusCode, 200)
  const list = async () =>
    (await ctx.app.inject('/v1/articles?limit=50')).json().data as {
      id: string
      headline: string
      heroImage?: unknown
    }[]
  const item = (await list()).find((s) => s.id === rich.id) as { headline: string; heroImage: unknown }
  t.equal(item.headline, 'Talks collapse', 'the edit shows at once')
  t.equal(item.heroImage, null)

  // A write that did not make a template (as one before it existed): the version moved on without it.
  await rawExec(
    ctx.database.db,
    sql`update articles set headline = 'Changed behind its back', version = version + 1 where id = ${rich.id}`,
  )
  t.equal(
    (await list()).find((s) => s.id === rich.id)?.headline,
    'Changed behind its back',
    'a stale template is not used',
  )

  // A row copied under another id keeps a template made for the original.
  const [source] = await rawRows<{ template: string }>(
    ctx.database.db,
    sql`select template from summary_templates where article_id = ${rich.id}`,
  )
  await rawExec(
    ctx.database.db,
    sql`update summary_templates set template = ${source?.template ?? null} where article_id = ${plain.id}`,
  )
  t.equal(
    (await list()).find((s) => s.id === plain.id)?.headline,
    'No image, no topic',
    'a foreign template is not used',
  )
})

t.test('editors and sparse fieldsets are rendered in full; migrate fills what is missing', async (t) => {
  const { ctx, admin } = await setup(t)
  const editors = await ctx.queriesOf({ url: '/v1/articles?limit=50', headers: admin })
  t.equal(editors.response.statusCode, 200)
  t.ok(
    editors.response.json().data.every((s: { status?: string }) => s.status === 'published'),
    'editors see each status',
  )
  t.ok(
    editors.queries.some((q) => /"standfirst"/.test(q)),
    'made from the columns',
  )
  const sparse = await ctx.queriesOf('/v1/articles?fields=id,headline')
  t.same(Object.keys(sparse.response.json().data[0]), ['id', 'headline'])

  const before = (await ctx.app.inject('/v1/articles?limit=50')).body
  await dropTemplates(ctx)
  const filled = await fillStoredRenderings(ctx.database.db)
  const [count] = await rawRows<{ missing: number | string }>(
    ctx.database.db,
    sql`select count(*) as missing from articles a where not exists (select 1 from summary_templates s where s.article_id = a.id)`,
  )
  t.ok(filled > 0, 'templates were filled')
  t.equal(Number(count?.missing), 0, 'every row has one')
  const after = await ctx.queriesOf('/v1/articles?limit=50')
  t.equal(after.response.body, before, 'the same bytes from the filled templates')
  t.notOk(
    after.queries.some((q) => /"standfirst"/.test(q)),
    'joined from them',
  )
})

t.test('public reads select no article column stored behind the bodies', async (t) => {
  // SQLite keeps a row's columns in order: reaching one stored after the ~60 KB of bodies walks their overflow
  // pages. A read with current templates needs none of them (nor the bodies themselves).
  const { ctx, rich, hub } = await setup(t)
  const behind =
    /"(body_blocks|body_html|body_text|body_parts|excerpt|word_count|reading_time_minutes|kicker|syndication|syndication_partners|embargo_until|rights_statement|usage_terms|withdrawn_at|summary_links)"/
  for (const url of [
    `/v1/articles/${rich.id}`,
    `/v1/articles/${MAIN}`,
    `/v1/articles/${MAIN}/related`,
    '/v1/articles?limit=50',
    `/v1/articles?topic=${hub.slug}`,
  ]) {
    const { response, queries } = await ctx.queriesOf(url)
    t.equal(response.statusCode, 200, url)
    const selecting = queries.filter((q) => /\bfrom "?articles"?\b|join "?articles"?\b/.test(q))
    t.ok(selecting.length > 0, `${url} reads articles`)
    for (const q of selecting) {
      const selected = q.slice(0, q.search(/ from /))
      t.notMatch(selected, behind, `${url}: ${selected.slice(0, 120)}`)
    }
  }
})
