import t from 'tap'
import { article, build, engine, newsroom } from './helper.js'

const PROBLEM = 'application/problem+json; charset=utf-8'

t.test('malformed input on every route: a 4xx problem, never a 5xx', async (t) => {
  const ctx = await build(t, { env: { BODY_LIMIT: '65536' } })
  const admin = await ctx.auth('admin')
  const { author, topic } = await newsroom(ctx, admin)
  const existing = await article(ctx, admin, {
    headline: 'Existing',
    authors: [author],
    topics: [topic],
    publish: true,
  })
  await ctx.app.inject({
    method: 'PUT',
    url: '/v1/collections/existing',
    headers: admin,
    payload: { title: 'E', items: [existing.id] },
  })
  await ctx.app.ready()
  const document = ctx.app.swagger() as { paths: Record<string, Record<string, unknown>> }
  const badSegments = [
    '%00',
    'a'.repeat(500),
    '..%2F..%2Fetc',
    "x'%20or%201=1--",
    '%F0%9F%92%A5',
    'UPPER_case',
    '-',
  ]
  const badQueries = [
    '?unknown=1',
    '?limit=abc',
    '?limit=0',
    '?cursor=%%%',
    '?sort=sideways',
    '?from=yesterday',
    '?limit=1&limit=2',
  ]
  const badBodies: { payload: string; contentType: string }[] = [
    { payload: '{"unterminated": ', contentType: 'application/json' },
    { payload: '[]', contentType: 'application/json' },
    { payload: 'null', contentType: 'application/json' },
    { payload: '"a string"', contentType: 'application/json' },
    {
      payload: '{"headline": 42, "title": [], "name": {}, "items": "x", "publishAt": "soon", "extra": 1}',
      contentType: 'application/json',
    },
    {
      payload: JSON.stringify({
        body: {
          blocks: [{ type: 'script' }, { type: 'paragraph' }, { type: 'heading', level: 7, text: 'x' }],
        },
      }),
      contentType: 'application/json',
    },
    { payload: `{"a":${'['.repeat(5000)}${']'.repeat(5000)}}`, contentType: 'application/json' },
    { payload: JSON.stringify({ headline: 'x'.repeat(70_000) }), contentType: 'application/json' },
    { payload: '<xml/>', contentType: 'application/xml' },
    { payload: 'headline=x', contentType: 'application/x-www-form-urlencoded' },
    { payload: '{}', contentType: 'text/plain' },
    {
      payload: '{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}}',
      contentType: 'application/json',
    },
  ]
  let requests = 0
  const check = async (
    method: string,
    url: string,
    extra: { payload?: string; headers?: Record<string, string> } = {},
  ) => {
    const res = await ctx.app.inject({
      method: method as 'GET',
      url,
      ...extra,
      headers: { ...admin, ...extra.headers },
    })
    requests++
    if (res.statusCode >= 500)
      t.fail(`${method} ${url.slice(0, 80)} answered ${res.statusCode}: ${res.body.slice(0, 200)}`)
    if (res.statusCode >= 400) {
      if (res.headers['content-type'] !== PROBLEM)
        t.fail(`${method} ${url.slice(0, 80)} answered ${res.statusCode} without problem+json`)
      const body = res.json()
      if (body.status !== res.statusCode || !body.title || !body.detail || !body.type)
        t.fail(`${method} ${url.slice(0, 80)}: incomplete problem ${res.body.slice(0, 200)}`)
    }
  }
  for (const [path, operations] of Object.entries(document.paths)) {
    for (const method of Object.keys(operations).map((m) => m.toUpperCase())) {
      const real = path.includes('/topics/')
        ? topic
        : path.includes('/authors/')
          ? author
          : path.includes('/collections/')
            ? 'existing'
            : existing.slug
      const concrete = path.replace(/\{[^}]+\}/g, real)
      for (const segment of badSegments) await check(method, path.replace(/\{[^}]+\}/g, segment))
      for (const query of badQueries) await check(method, `${concrete}${query}`)
      if (['POST', 'PUT', 'PATCH'].includes(method)) {
        for (const { payload, contentType } of badBodies) {
          await check(method, concrete, { payload, headers: { 'content-type': contentType } })
        }
      }
    }
  }
  t.ok(requests > 300, `${requests} malformed requests, none a 5xx`)
  t.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype pollution')
})

t.test('validation errors name each bad field and reject unknown properties', async (t) => {
  const ctx = await build(t)
  const editor = await ctx.auth('content:write')
  const res = await ctx.app.inject({
    method: 'POST',
    url: '/v1/articles',
    headers: editor,
    payload: {
      headline: '',
      type: 'rumour',
      authors: [],
      topics: 'x',
      surprise: true,
      body: {
        blocks: [
          { type: 'heading', level: 5, text: 'x' },
          { type: 'video' },
          { type: 'paragraph', html: 'x', extra: 1 },
        ],
      },
    },
  })
  t.equal(res.statusCode, 400)
  t.equal(res.headers['content-type'], PROBLEM)
  const body = res.json()
  t.match(body, { type: 'urn:newsdesk:problem:invalid-request', title: 'Bad Request', status: 400 })
  const paths = body.errors.map((e: { path: string }) => e.path)
  for (const expected of [
    'body/headline',
    'body/type',
    'body/authors',
    'body/topics',
    'body/surprise',
    'body/body/blocks/0/level',
    'body/body/blocks/1/type',
    'body/body/blocks/2/extra',
  ]) {
    t.ok(paths.includes(expected), `names ${expected}`)
  }
})

t.test('unknown routes are 404 and wrong methods 405, as problems', async (t) => {
  const { app } = await build(t)
  const missing = await app.inject('/v2/nothing')
  t.equal(missing.statusCode, 404)
  t.equal(missing.headers['content-type'], PROBLEM)
  t.match(missing.json(), { status: 404, title: 'Not Found' })
  const wrong = await app.inject({ method: 'PUT', url: '/v1/articles/some-slug' })
  t.equal(wrong.statusCode, 405)
  t.equal(wrong.headers.allow, 'GET, HEAD, PATCH, DELETE')
  t.equal(wrong.headers['content-type'], PROBLEM)
  const article404 = await app.inject('/v1/articles/no-such-article')
  t.equal(article404.statusCode, 404)
  t.equal(article404.headers['content-type'], PROBLEM)
})

t.test('a 5xx reveals nothing of its cause', async (t) => {
  const ctx = await build(t)
  await ctx.database.close() // every query now throws inside the driver
  const res = await ctx.app.inject('/v1/articles')
  // SQLite: a driver error (500). PostgreSQL: a closed pool is a lost connection, retryable (503).
  t.equal(res.statusCode, engine === 'sqlite' ? 500 : 503)
  t.equal(res.headers['content-type'], PROBLEM)
  t.same(Object.keys(res.json()).sort(), ['detail', 'status', 'title', 'type'])
  t.notMatch(res.body, /sqlite|database|drizzle|select|stack|\/work\/|\.ts|connection/i)
  t.match(res.headers['x-request-id'], /.+/, 'the request id lets operators find the logged cause')
})

t.test('a body over the limit is a 413', async (t) => {
  const ctx = await build(t, { env: { BODY_LIMIT: '2048' } })
  const editor = await ctx.auth('content:write')
  const res = await ctx.app.inject({
    method: 'POST',
    url: '/v1/authors',
    headers: editor,
    payload: { name: 'x', bio: 'y'.repeat(4096) },
  })
  t.equal(res.statusCode, 413)
  t.equal(res.headers['content-type'], PROBLEM)
})
