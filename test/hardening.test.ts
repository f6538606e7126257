/**
 * The defects an adversarial review found (issue 7), each reproduced through HTTP against a real database.
 */
import t from 'tap'
import { ConfigError, loadConfig } from '../src/config.js'
import { article, build, engine, newsroom, otherSession, type TestContext } from './helper.js'

const MAIN = 'azerbaijani-and-armenian-foreign-ministers-meet-in-new-york'
const TABLE = '/v1/fact-tables/september-2022-clashes-casualties'
const browser = (n: number | string) => ({
  'user-agent': `Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0 reader-${n}`,
})

const beacon = (ctx: TestContext, ref: string, headers: Record<string, string>, remoteAddress?: string) =>
  ctx.app.inject({
    method: 'POST',
    url: `/v1/articles/${ref}/views`,
    headers,
    ...(remoteAddress ? { remoteAddress } : {}),
  })

const popular = async (ctx: TestContext, query = '') =>
  (await ctx.app.inject(`/v1/popular${query}`))
    .json()
    .data.map((d: { views: number; article: { slug: string } }) => [d.article.slug, d.views])

const metric = async (ctx: TestContext, name: string) => {
  const res = await ctx.app.inject({ url: '/metrics', headers: await ctx.auth('metrics:read') })
  const line = res.body.split('\n').find((l) => l.startsWith(name))
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1))
}

async function twoArticles(t: Parameters<typeof build>[0], env: Record<string, string> = {}) {
  const ctx = await build(t, {
    now: '2026-03-10T12:10:00.000Z',
    env: { VIEWS_FLUSH_INTERVAL_MS: '60000', ...env },
  })
  const editor = await ctx.auth('content:write')
  const { author } = await newsroom(ctx, editor)
  ctx.clock.set('2026-03-01T00:00:00.000Z')
  const a = await article(ctx, editor, { headline: 'Alpha', authors: [author], publish: true })
  const b = await article(ctx, editor, { headline: 'Beta', authors: [author], publish: true })
  ctx.clock.set('2026-03-10T12:10:00.000Z')
  return { ctx, editor, a, b }
}

t.test('1. a deleted article does not stop view counting', async (t) => {
  const { ctx, editor, a, b } = await twoArticles(t)
  for (let i = 0; i < 3; i++) t.equal((await beacon(ctx, a.slug, browser(i))).statusCode, 202)
  const deleted = await ctx.app.inject({ method: 'DELETE', url: `/v1/articles/${a.id}`, headers: editor })
  t.equal(deleted.statusCode, 204)
  for (let i = 0; i < 4; i++) await beacon(ctx, b.slug, browser(i))
  t.equal(await ctx.app.flushViews(), true, 'the flush succeeds and leaves nothing buffered')
  t.same(await popular(ctx), [[b.slug, 4]], 'the other article is counted')
  t.equal(await metric(ctx, 'newsdesk_views_not_counted_total{reason="article-deleted"}'), 3)
  await beacon(ctx, b.slug, browser(9))
  t.equal(await ctx.app.flushViews(), true, 'and the next flush too')
  t.same(await popular(ctx), [[b.slug, 5]])
  t.equal(await metric(ctx, 'newsdesk_views_flushes_total{outcome="failed"}'), 0)
})

t.test('2. forged X-Forwarded-For entries are not trusted', async (t) => {
  t.test('TRUST_PROXY=true is refused; hop counts and addresses are accepted', async (t) => {
    t.throws(() => loadConfig({ TRUST_PROXY: 'true' }), ConfigError)
    t.throws(() => loadConfig({ TRUST_PROXY: '10.0.0.0/33' }), ConfigError)
    t.equal(loadConfig({ TRUST_PROXY: '1' }).trustProxy, 1)
    t.same(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' }).trustProxy, ['10.0.0.0/8', '127.0.0.1'])
    t.equal(loadConfig({ TRUST_PROXY: 'false' }).trustProxy, false)
  })

  t.test(
    'behind one proxy, the address it adds is the client; forged entries before it change nothing',
    async (t) => {
      const { ctx, a } = await twoArticles(t, { TRUST_PROXY: '1', VIEWS_RATE_LIMIT: '5' })
      const statuses: number[] = []
      for (let i = 0; i < 8; i++) {
        const forged = `198.51.100.${i}, 203.0.113.${i + 1}`
        statuses.push(
          (
            await beacon(
              ctx,
              a.slug,
              { ...browser(i), 'x-forwarded-for': `${forged}, 192.0.2.7` },
              '10.0.0.2',
            )
          ).statusCode,
        )
      }
      t.same(statuses, [202, 202, 202, 202, 202, 429, 429, 429], 'one client, limited after 5')
      const other = await beacon(ctx, a.slug, { ...browser(1), 'x-forwarded-for': '192.0.2.8' }, '10.0.0.2')
      t.equal(other.statusCode, 202, 'another client behind the same proxy is not limited')
    },
  )

  t.test('without TRUST_PROXY the header is ignored', async (t) => {
    const { ctx, a } = await twoArticles(t, { VIEWS_RATE_LIMIT: '2' })
    const codes = []
    for (let i = 0; i < 3; i++)
      codes.push((await beacon(ctx, a.slug, { ...browser(i), 'x-forwarded-for': `192.0.2.${i}` })).statusCode)
    t.same(codes, [202, 202, 429])
  })

  t.test(
    'one address rotating its user agent adds at most VIEWS_PER_ADDRESS_HOURLY views per article',
    async (t) => {
      const { ctx, a, b } = await twoArticles(t, { VIEWS_PER_ADDRESS_HOURLY: '5' })
      for (let i = 0; i < 40; i++) t.equal((await beacon(ctx, a.slug, browser(i))).statusCode, 202)
      for (let i = 0; i < 3; i++) await beacon(ctx, b.slug, browser(i))
      await ctx.app.flushViews()
      t.same(await popular(ctx), [
        [a.slug, 5],
        [b.slug, 3],
      ])
      t.equal(await metric(ctx, 'newsdesk_views_not_counted_total{reason="per-address-cap"}'), 35)
      ctx.clock.set('2026-03-10T13:00:00.000Z')
      for (let i = 100; i < 110; i++) await beacon(ctx, a.slug, browser(i))
      await ctx.app.flushViews()
      t.same(
        await popular(ctx),
        [
          [a.slug, 10],
          [b.slug, 3],
        ],
        'the next hour allows 5 more',
      )
    },
  )

  t.test('addresses inside one IPv6 /64 count as one', async (t) => {
    const { ctx, a } = await twoArticles(t, { VIEWS_PER_ADDRESS_HOURLY: '3', TRUST_PROXY: '1' })
    for (let i = 1; i <= 10; i++) {
      const ip = `2001:db8:aa:bb:${i.toString(16)}::${i}`
      await beacon(ctx, a.slug, { ...browser(i), 'x-forwarded-for': ip }, '10.0.0.2')
    }
    await beacon(ctx, a.slug, { ...browser(1), 'x-forwarded-for': '2001:db8:aa:cc::1' }, '10.0.0.2')
    await ctx.app.flushViews()
    t.same(await popular(ctx), [[a.slug, 4]], 'three from the first /64, one from the second')
  })
})

t.test('3. every date-time names a real instant, and a refused write changes nothing', async (t) => {
  const ctx = await build(t, { demo: true })
  const editor = await ctx.auth('content:write', 'facts:write')
  const bad = [
    '2022-09-17T23:59:60Z',
    '2023-02-29T00:00:00Z',
    '2022-09-17T24:00:00Z',
    '2022-09-17T12:00:00+24:00',
  ]
  for (const value of bad) {
    const asOf = await ctx.app.inject(`${TABLE}?asOf=${encodeURIComponent(value)}`)
    t.equal(asOf.statusCode, 400, `asOf=${value}`)
    t.equal(asOf.headers['content-type'], 'application/problem+json; charset=utf-8')
    t.equal((await ctx.app.inject(`/v1/articles?from=${encodeURIComponent(value)}`)).statusCode, 400)
    t.equal((await ctx.app.inject(`/v1/articles?to=${encodeURIComponent(value)}`)).statusCode, 400)
  }

  const draft = await article(ctx, editor, { headline: 'Leap second', authors: ['oc-media'] })
  const publish = await ctx.app.inject({
    method: 'POST',
    url: `/v1/articles/${draft.id}/publish`,
    headers: editor,
    payload: { publishAt: '2030-12-31T23:59:60Z' },
  })
  t.equal(publish.statusCode, 400)
  t.match(publish.json().errors, [{ path: 'body/publishAt' }])
  const after = (await ctx.app.inject({ url: `/v1/articles/${draft.id}`, headers: editor })).json()
  t.equal(after.status, 'draft', 'still a draft')
  t.equal(after.publishedAt, null)

  const before = (await ctx.app.inject(`${TABLE}/figures`)).json().data.length
  const figure = await ctx.app.inject({
    method: 'POST',
    url: `${TABLE}/figures`,
    headers: editor,
    payload: {
      metric: 'killed',
      subject: 'armenia',
      category: 'military',
      claimant: 'government-of-armenia',
      asOf: '2022-09-16T23:59:60Z',
      value: { qualifier: 'exact', best: 1, text: 'one' },
    },
  })
  t.equal(figure.statusCode, 400)
  t.equal((await ctx.app.inject(`${TABLE}/figures`)).json().data.length, before, 'no figure was added')

  const fine = await ctx.app.inject(`${TABLE}?asOf=2022-09-17T00:00:00%2B04:00`)
  t.equal(fine.statusCode, 200, 'offsets are fine')
})

t.test('5. the view counter holds at most its memory budget', async (t) => {
  // The per-instance rules (no Redis): with Redis the rules' state lives there, with expiries, not in memory.
  const { ctx, a, b } = await twoArticles(t, {
    VIEWS_MEMORY_ENTRIES: '1000',
    VIEWS_RATE_LIMIT: '100000',
    REDIS_URL: '',
  })
  const codes = new Set<number>()
  for (let i = 0; i < 1500; i++) {
    codes.add((await beacon(ctx, i % 2 ? a.slug : b.slug, browser(i), `192.0.2.${i % 200}`)).statusCode)
  }
  t.same([...codes], [202], 'every beacon is answered 202')
  const entries = await metric(ctx, 'newsdesk_views_memory_entries')
  t.ok(entries !== undefined && entries <= 1000, `entries ${entries} ≤ 1000`)
  const dropped = await metric(ctx, 'newsdesk_views_not_counted_total{reason="memory-full"}')
  t.ok(dropped !== undefined && dropped > 0, `${dropped} views were not counted once memory was full`)
  await ctx.app.flushViews()
  const total = (await popular(ctx)).reduce((sum: number, [, views]: [string, number]) => sum + views, 0)
  t.equal(total + (dropped as number), 1500, 'counted plus dropped is every beacon')

  // Memory frees by whole half hours: an hour later the budget is available again.
  ctx.clock.set('2026-03-10T13:10:00.000Z')
  await beacon(ctx, a.slug, browser('late'))
  t.equal(await metric(ctx, 'newsdesk_views_memory_entries'), 2, 'old generations are gone')
})

t.test('8. facts:write grants facts, not drafts', async (t) => {
  const ctx = await build(t, { demo: true })
  const both = await ctx.auth('content:write', 'facts:write')
  const facts = await ctx.auth('facts:write')
  const draft = await article(ctx, both, { headline: 'Secret draft headline', authors: ['oc-media'] })
  const claim = {
    metric: 'captured',
    subject: 'armenia',
    category: 'military',
    claimant: 'government-of-armenia',
    asOf: '2022-09-21T00:00:00Z',
    value: { qualifier: 'at-least', low: 20, text: 'at least 20' },
  }
  const recorded = await ctx.app.inject({
    method: 'POST',
    url: `${TABLE}/figures`,
    headers: both,
    payload: { ...claim, article: draft.slug },
  })
  t.equal(recorded.statusCode, 201, 'a content editor may cite a draft')
  for (const path of ['/figures', '/history', '', '/figures.csv']) {
    const res = await ctx.app.inject({ url: `${TABLE}${path}`, headers: facts })
    t.equal(res.statusCode, 200)
    t.notOk(res.body.includes('Secret draft headline'), `no draft headline in ${path || 'the table'}`)
    t.notOk(res.body.includes(draft.slug), `no draft slug in ${path || 'the table'}`)
  }
  const asEditor = await ctx.app.inject({ url: `${TABLE}/figures`, headers: both })
  t.ok(asEditor.body.includes('Secret draft headline'), 'content editors still see it')

  const probe = async (ref: string) =>
    ctx.app.inject({
      method: 'POST',
      url: `${TABLE}/figures`,
      headers: facts,
      payload: { ...claim, article: ref },
    })
  const draftProbe = await probe(draft.slug)
  const noneProbe = await probe('no-such-article-at-all')
  t.equal(draftProbe.statusCode, 400)
  t.equal(noneProbe.statusCode, 400)
  t.same(
    draftProbe.json().errors[0].message.replace(draft.slug, 'X'),
    noneProbe.json().errors[0].message.replace('no-such-article-at-all', 'X'),
    'a draft answers exactly as a missing article',
  )
  t.equal((await probe(MAIN)).statusCode, 201, 'published articles can be cited')
})

t.test('9. slugs shaped like ids are refused everywhere', async (t) => {
  const ctx = await build(t, { demo: true })
  const admin = await ctx.auth('admin')
  const main = (await ctx.app.inject(`/v1/articles/${MAIN}`)).json()
  const put = await ctx.app.inject({
    method: 'PUT',
    url: `/v1/collections/${main.id}`,
    headers: admin,
    payload: { title: 'Impostor', items: [] },
  })
  t.equal(put.statusCode, 400)
  for (const [url, field] of [
    ['/v1/topics', { title: 'T', slug: main.id }],
    ['/v1/authors', { name: 'A', slug: main.id }],
    ['/v1/parties', { name: 'P', slug: main.id }],
    ['/v1/fact-tables', { title: 'F', slug: main.id }],
    ['/v1/articles', { headline: 'H', slug: main.id, topics: [], body: { blocks: [] } }],
  ] as const) {
    const res = await ctx.app.inject({ method: 'POST', url, headers: admin, payload: field })
    t.equal(res.statusCode, 400, `${url} refuses an id-shaped slug`)
  }
  const fromHeadline = await article(ctx, admin, { headline: main.id, authors: ['oc-media'] })
  t.not(fromHeadline.slug, main.id, 'a headline shaped like an id does not become one')
  t.notMatch(fromHeadline.slug, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
})

t.test('10. the smaller ones', async (t) => {
  const ctx = await build(t, { demo: true })
  const editor = await ctx.auth('content:write')

  t.test('lone surrogates are refused and nothing is stored', async (t) => {
    const before = (await ctx.app.inject({ url: '/v1/articles?status=all', headers: editor })).json().page
      .total
    for (const surrogate of ['\\ud800', '\\udfff', 'x\\ud83d']) {
      const res = await ctx.app.inject({
        method: 'POST',
        url: '/v1/articles',
        headers: { ...editor, 'content-type': 'application/json' },
        payload: `{"headline": "bad ${surrogate} text", "topics": [], "body": {"blocks": []}}`,
      })
      t.equal(res.statusCode, 400, surrogate)
      t.match(res.json().detail, /surrogate/)
    }
    const pair = await ctx.app.inject({
      method: 'POST',
      url: '/v1/articles',
      headers: { ...editor, 'content-type': 'application/json' },
      payload:
        '{"headline": "an emoji \\ud83d\\udcf0", "authors": ["oc-media"], "topics": [], "body": {"blocks": []}}',
    })
    t.equal(pair.statusCode, 201, 'a proper pair is text')
    t.equal(pair.json().headline, 'an emoji 📰')
    const after = (await ctx.app.inject({ url: '/v1/articles?status=all', headers: editor })).json().page
      .total
    t.equal(after, before + 1)
  })

  t.test('X-Request-Id is kept only when short and plain', async (t) => {
    const kept = await ctx.app.inject({ url: '/health', headers: { 'x-request-id': 'cdn-abc.123:7' } })
    t.equal(kept.headers['x-request-id'], 'cdn-abc.123:7')
    for (const bad of ['a'.repeat(129), 'has space', 'new\u0085line', '<script>']) {
      const res = await ctx.app.inject({ url: '/health', headers: { 'x-request-id': bad } })
      t.not(res.headers['x-request-id'], bad)
      t.match(res.headers['x-request-id'], /^[0-9a-f]{12}-[0-9a-z]+$/)
    }
  })

  t.test('nosniff everywhere, a strict CSP on /docs', async (t) => {
    for (const url of ['/v1/articles', '/nope', '/health', `/v1/articles/${MAIN}`]) {
      t.equal((await ctx.app.inject(url)).headers['x-content-type-options'], 'nosniff', url)
    }
    for (const url of ['/docs', '/docs/static/swagger-ui.css', '/docs/static/swagger-initializer.js']) {
      const docs = await ctx.app.inject(url)
      t.equal(docs.statusCode, 200, url)
      const csp = String(docs.headers['content-security-policy'])
      t.match(csp, /default-src 'self'/)
      t.match(csp, /script-src 'self';/)
      t.notMatch(csp, /unsafe-inline|https:/, 'no inline code and no third-party hosts')
    }
  })

  t.test('a former slug answers 301 with a lifetime', async (t) => {
    const a = await article(ctx, editor, { headline: 'Before', authors: ['oc-media'], publish: true })
    await ctx.app.inject({
      method: 'PATCH',
      url: `/v1/articles/${a.id}`,
      headers: editor,
      payload: { slug: 'after' },
    })
    const moved = await ctx.app.inject('/v1/articles/before')
    t.equal(moved.statusCode, 301)
    t.equal(moved.headers.location, '/v1/articles/after')
    t.equal(moved.headers['cache-control'], 'public, max-age=3600')
    const related = await ctx.app.inject('/v1/articles/before/related')
    t.equal(related.headers['cache-control'], 'public, max-age=3600')
  })

  t.test('detail routes refuse unknown query parameters, as lists do', async (t) => {
    for (const url of [
      `/v1/articles/${MAIN}`,
      '/v1/topics/2022-azerbaijani-attack-on-armenia',
      '/v1/collections/editors-picks',
      '/v1/authors/oc-media',
      '/health',
    ]) {
      const res = await ctx.app.inject(`${url}?nonsense=1`)
      t.equal(res.statusCode, 400, url)
      t.match(res.json().errors, [{ path: 'query/nonsense', message: 'is not a known property' }])
    }
  })

  t.test(
    'non-Latin headlines are transliterated; many same-base slugs find the next number at once',
    async (t) => {
      const cases: [string, string][] = [
        ['Հայաստան և Ադրբեջան', 'hayastan-yev-adrbyejan'],
        ['საქართველო', 'saqartvelo'],
        ['Москва и Ереван', 'moskva-i-erevan'],
        ['İlham Əliyev Şuşada', 'ilham-aliyev-susada'],
      ]
      for (const [headline, slug] of cases) {
        t.equal((await article(ctx, editor, { headline, authors: ['oc-media'] })).slug, slug, headline)
      }
      const slugs = []
      for (let i = 0; i < 12; i++)
        slugs.push((await article(ctx, editor, { headline: 'Talks', authors: ['oc-media'] })).slug)
      t.same(slugs, ['talks', ...Array.from({ length: 11 }, (_, i) => `talks-${i + 2}`)])
      await ctx.app.inject({
        method: 'PATCH',
        url: '/v1/articles/talks-12',
        headers: editor,
        payload: { slug: 'talks-40' },
      })
      t.equal(
        (await article(ctx, editor, { headline: 'Talks', authors: ['oc-media'] })).slug,
        'talks-41',
        'after the highest, retired slugs included',
      )
    },
  )

  t.test('body.text and excerpt are documented as plain text', async (t) => {
    const doc = (await ctx.app.inject('/openapi.json')).json()
    t.match(doc.components.schemas.Body.properties.text.description, /not HTML/)
    t.match(doc.components.schemas.ArticleSummary.properties.excerpt.description, /not HTML/)
  })
})

t.test('the demo is opt-in outside development', async (t) => {
  t.equal(loadConfig({}).demoData, true)
  t.equal(loadConfig({ NODE_ENV: 'development' }).demoData, true)
  t.equal(loadConfig({ NODE_ENV: 'production' }).demoData, false)
  t.equal(loadConfig({ NODE_ENV: 'staging' }).demoData, false)
  t.equal(loadConfig({ NODE_ENV: 'production', DEMO_DATA: 'true' }).demoData, true)
})

t.test('7. a write that waits too long for another process answers 503 and changes nothing', async (t) => {
  // SQLite: another process holds the write lock past the busy timeout. PostgreSQL: another session holds a lock
  // on the table past the statement timeout.
  const ctx = await build(t, {
    demo: true,
    env: { DATABASE_BUSY_TIMEOUT_MS: '200', DATABASE_STATEMENT_TIMEOUT_MS: '300' },
  })
  const editor = await ctx.auth('content:write')
  await ctx.app.inject({ url: '/v1/articles', headers: editor }) // the token's last use is recorded now
  const other = await otherSession(ctx)
  t.teardown(() => other.close())
  await other.exec(engine === 'sqlite' ? 'begin immediate' : 'begin; lock table articles in exclusive mode')
  const res = await ctx.app.inject({
    method: 'POST',
    url: '/v1/articles',
    headers: editor,
    payload: { headline: 'While locked', authors: ['oc-media'], topics: [], body: { blocks: [] } },
  })
  t.equal(res.statusCode, 503)
  t.equal(res.headers['retry-after'], '1')
  t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8')
  t.match(res.json().type, /^urn:newsdesk:problem:(busy|unavailable)$/)
  await other.exec('rollback')
  const list = (await ctx.app.inject({ url: '/v1/articles?status=all', headers: editor })).json()
  t.notOk(
    list.data.some((a: { headline: string }) => a.headline === 'While locked'),
    'nothing was stored',
  )
  const retry = await ctx.app.inject({
    method: 'POST',
    url: '/v1/articles',
    headers: editor,
    payload: { headline: 'While locked', authors: ['oc-media'], topics: [], body: { blocks: [] } },
  })
  t.equal(retry.statusCode, 201, 'the retry succeeds')
})

t.test('metrics need metrics:read', async (t) => {
  const ctx = await build(t, { demo: true })
  t.equal((await ctx.app.inject('/metrics')).statusCode, 401)
  t.equal(
    (await ctx.app.inject({ url: '/metrics', headers: await ctx.auth('content:write') })).statusCode,
    403,
  )
  await ctx.app.inject(`/v1/articles/${MAIN}`)
  for (const query of ['', '?limit=3', '?limit=7', '', '?limit=3'])
    await ctx.app.inject(`/v1/popular${query}`)
  const res = await ctx.app.inject({ url: '/metrics', headers: await ctx.auth('metrics:read') })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^text\/plain; version=0\.0\.4/)
  t.equal(res.headers['cache-control'], 'no-store')
  t.match(
    res.body,
    /newsdesk_http_requests_total\{method="GET",route="\/v1\/articles\/:article",status="200"\} 1/,
  )
  t.match(
    res.body,
    /newsdesk_http_request_duration_seconds_bucket\{le="0\.001",method="GET",route="\/v1\/popular",status="200"\}/,
  )
  // The latency histogram as Prometheus reads one: cumulative buckets ending at +Inf with every request, a sum, a count.
  const popular = (suffix: string) =>
    res.body
      .split('\n')
      .filter(
        (line) =>
          line.startsWith(`newsdesk_http_request_duration_seconds_${suffix}`) &&
          line.includes('route="/v1/popular",status="200"'),
      )
      .map((line) => Number(line.slice(line.lastIndexOf(' ') + 1)))
  const buckets = popular('bucket')
  t.equal(buckets.length, 13, 'twelve bounds and +Inf')
  t.same(
    buckets,
    [...buckets].sort((a, b) => a - b),
    'cumulative',
  )
  const answered = Number(
    /newsdesk_http_requests_total\{method="GET",route="\/v1\/popular",status="200"\} (\d+)/.exec(
      res.body,
    )?.[1],
  )
  t.ok(answered >= 5, 'every request to Most Popular counted')
  t.equal(buckets.at(-1), answered, 'each one under +Inf')
  t.same(popular('count'), [answered])
  t.ok((popular('sum')[0] as number) > 0, 'and their total time')
  t.match(
    res.body,
    /newsdesk_list_cache_total\{outcome="computed"\} 1/,
    'one computation, whatever the limits',
  )
  t.match(res.body, /newsdesk_list_cache_total\{outcome="miss"\} 3/, 'each limit serialised once')
  t.match(
    res.body,
    /newsdesk_response_cache_total\{outcome="hit"\} 2/,
    'then answered from the response cache',
  )
  t.match(res.body, /newsdesk_list_cache_total\{outcome="hit"\} 0/, 'before the list cache is asked')
  for (const name of [
    'newsdesk_views_flush_duration_seconds_count',
    'newsdesk_views_flush_lag_seconds',
    'newsdesk_views_buffered',
    'newsdesk_views_memory_entries',
    'newsdesk_nodejs_eventloop_lag_seconds',
  ])
    t.match(res.body, new RegExp(`^${name}`, 'm'), name)
  const admin = await ctx.app.inject({ url: '/metrics', headers: await ctx.auth('admin') })
  t.equal(admin.statusCode, 200, 'admin has every scope')
})

t.test('4. running totals agree with the views sent, as windows move over 40 days', async (t) => {
  const { ctx, a, b } = await twoArticles(t, { VIEWS_RATE_LIMIT: '100000' })
  const editor = await ctx.auth('content:write')
  const c = await article(ctx, editor, { headline: 'Gamma', authors: ['test-desk'], publish: true })
  const slugs = [a.slug, b.slug, c.slug]
  const sent: { slug: string; hour: number }[] = []
  let seed = 7
  const random = (n: number) => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648
    return seed % n
  }
  let now = Date.parse('2026-03-10T12:10:00.000Z')
  let reader = 0
  for (let step = 0; step < 90; step++) {
    now += (1 + random(22)) * 3_600_000 + random(3_600_000)
    ctx.clock.set(now)
    for (let k = random(6); k > 0; k--) {
      const slug = slugs[random(3)] as string
      reader++
      await beacon(ctx, slug, browser(reader), `198.51.${reader % 250}.${reader % 199}`)
      sent.push({ slug, hour: now - (now % 3_600_000) })
    }
    if (random(3) > 0) await ctx.app.flushViews() // sometimes the counts wait for a later flush
    if (step % 5 !== 4) continue
    await ctx.app.flushViews()
    const hour = now - (now % 3_600_000)
    for (const [window, days] of [
      ['1d', 1],
      ['7d', 7],
      ['30d', 30],
    ] as const) {
      const expected = new Map<string, number>()
      for (const v of sent)
        if (v.hour > hour - days * 86_400_000) expected.set(v.slug, (expected.get(v.slug) ?? 0) + 1)
      const got = new Map<string, number>(await popular(ctx, `?window=${window}`))
      t.same(Object.fromEntries(got), Object.fromEntries(expected), `${window} at step ${step}`)
    }
    const scores = new Map<string, number>()
    for (const v of sent) {
      if (v.hour <= hour - 48 * 3_600_000) continue
      const age = Math.max(0, now - (v.hour + 1_800_000)) / 3_600_000
      scores.set(v.slug, (scores.get(v.slug) ?? 0) + 0.5 ** (age / 6))
    }
    t.ok(sent.length > 0)
    const trending = (await ctx.app.inject('/v1/trending')).json().data as {
      score: number
      article: { slug: string }
    }[]
    t.same(
      trending.map((d) => d.article.slug).sort(),
      [...scores.entries()]
        .filter(([, s]) => Math.round(s * 1000) > 0)
        .map(([slug]) => slug)
        .sort(),
      `trending members at step ${step}`,
    )
    for (const d of trending) {
      const expected = scores.get(d.article.slug) ?? 0
      t.ok(
        Math.abs(d.score - expected) < 0.002,
        `trending ${d.article.slug} ${d.score} ≈ ${expected.toFixed(3)}`,
      )
    }
  }
})
