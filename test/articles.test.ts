import t from 'tap'
import { article, build, newsroom, paragraph } from './helper.js'

t.test('create, read, update, publish, unpublish and delete an article', async (t) => {
  const ctx = await build(t)
  const { app } = ctx
  const editor = await ctx.auth('content:write')
  const { author, topic } = await newsroom(ctx, editor)

  const created = await app.inject({
    method: 'POST',
    url: '/v1/articles',
    headers: editor,
    payload: {
      headline: 'Ceasefire holds on the border',
      standfirst: 'Both sides report a quiet night.',
      authors: [author],
      topics: [topic],
      tags: ['armenia', 'ceasefire'],
      contentWarning: 'graphic-violence',
      contentWarningText: 'Contains descriptions of violence.',
      heroImage: {
        url: 'https://media.example/photo.jpg',
        alt: 'A border post',
        credit: 'Photo: Desk',
        width: 1600,
        height: 900,
      },
      body: {
        blocks: [
          paragraph(
            'The <em>ceasefire</em> held overnight, <a href="https://example.org/report">officials said</a>.',
          ),
          { type: 'heading', level: 2, text: 'What comes next <maybe>' },
          { type: 'quote', html: 'We want peace.', attribution: 'A resident' },
          { type: 'list', ordered: true, items: ['One', 'Two'] },
          {
            type: 'image',
            url: 'https://media.example/2.jpg',
            alt: 'Map',
            caption: 'The front line',
            width: 800,
            height: 600,
          },
          { type: 'embed', provider: 'youtube', url: 'https://www.youtube.com/watch?v=x' },
          { type: 'audio', url: 'https://media.example/ep.mp3', title: 'Episode 1', durationSeconds: 1200 },
        ],
      },
    },
  })
  t.equal(created.statusCode, 201, created.body)
  const body = created.json()
  t.equal(created.headers.location, `/v1/articles/${body.id}`)
  t.match(created.headers.etag, /^"[^"]+"$/)
  t.equal(body.slug, 'ceasefire-holds-on-the-border', 'slug derived from the headline')
  t.equal(body.status, 'draft', 'a new article is a draft')
  t.equal(body.publishedAt, null)
  t.same(
    body.authors.map((a: { slug: string }) => a.slug),
    [author],
  )
  t.equal(body.primaryTopic.slug, topic, 'the first topic is primary by default')
  t.same(body.tags, ['armenia', 'ceasefire'])
  t.equal(body.heroImage.caption, null)
  t.equal(body.contentWarning, 'graphic-violence')
  t.match(
    body.body.html,
    /<p>The <em>ceasefire<\/em> held overnight, <a href="https:\/\/example.org\/report">officials said<\/a>.<\/p>/,
  )
  t.match(body.body.html, /<h2>What comes next &lt;maybe&gt;<\/h2>/, 'heading text is escaped')
  t.match(body.body.html, /<ol><li>One<\/li><li>Two<\/li><\/ol>/)
  t.match(body.body.text, /The ceasefire held overnight, officials said\./)
  t.notMatch(body.body.text, /<(p|em|a|ol|li|h2)\b/, 'text has no markup')
  t.ok(body.wordCount > 10)
  t.equal(body.readingTimeMinutes, 1)
  t.equal(body.excerpt, 'Both sides report a quiet night.')

  // Drafts are invisible to the public, visible to editors.
  t.equal((await app.inject(`/v1/articles/${body.slug}`)).statusCode, 404)
  const editorRead = await app.inject({ url: `/v1/articles/${body.slug}`, headers: editor })
  t.equal(editorRead.statusCode, 200)
  t.equal(editorRead.headers['cache-control'], 'private, no-store')

  const etag = created.headers.etag as string
  const patched = await app.inject({
    method: 'PATCH',
    url: `/v1/articles/${body.id}`,
    headers: { ...editor, 'if-match': etag },
    payload: { headline: 'Ceasefire holds on the border for a second night', tags: ['ceasefire'] },
  })
  t.equal(patched.statusCode, 200, patched.body)
  t.equal(patched.json().headline, 'Ceasefire holds on the border for a second night')
  t.equal(patched.json().slug, body.slug, 'the slug does not follow the headline')
  t.same(patched.json().tags, ['ceasefire'])
  t.same(patched.json().authors, body.authors, 'fields not sent are kept')
  t.not(patched.headers.etag, etag, 'the ETag changes with every write')

  const published = await app.inject({
    method: 'POST',
    url: `/v1/articles/${body.id}/publish`,
    headers: editor,
  })
  t.equal(published.statusCode, 200, published.body)
  t.equal(published.json().status, 'published')
  t.equal(published.json().publishedAt, new Date(ctx.clock.now).toISOString())

  const publicRead = await app.inject(`/v1/articles/${body.id}`)
  t.equal(publicRead.statusCode, 200)
  t.notOk('status' in publicRead.json(), 'the public does not see the editorial status')
  t.match(publicRead.headers['cache-control'], /^public, max-age=60/)
  // The public gets a content ETag (for If-None-Match); the write ETag (for If-Match) is what editors read.
  t.match(publicRead.headers.etag, /^"[A-Za-z0-9_-]{27}"$/)
  const editorView = await app.inject({ url: `/v1/articles/${body.slug}`, headers: editor })
  t.equal(editorView.headers.etag, published.headers.etag)
  t.match(publicRead.json().links, {
    self: `/v1/articles/${body.slug}`,
    related: `/v1/articles/${body.slug}/related`,
    canonical: `https://www.newsdesk.example/articles/${body.slug}`,
  })

  const unpublished = await app.inject({
    method: 'POST',
    url: `/v1/articles/${body.slug}/unpublish`,
    headers: editor,
  })
  t.equal(unpublished.statusCode, 200)
  t.equal(unpublished.json().status, 'draft')
  t.equal((await app.inject(`/v1/articles/${body.id}`)).statusCode, 404)

  const deleted = await app.inject({ method: 'DELETE', url: `/v1/articles/${body.id}`, headers: editor })
  t.equal(deleted.statusCode, 204)
  t.equal(deleted.body, '')
  t.equal((await app.inject({ url: `/v1/articles/${body.id}`, headers: editor })).statusCode, 404)
  t.equal(
    (await app.inject({ method: 'DELETE', url: `/v1/articles/${body.id}`, headers: editor })).statusCode,
    404,
  )
})

t.test('a stale If-Match is a 412 and changes nothing', async (t) => {
  const ctx = await build(t)
  const editor = await ctx.auth('content:write')
  const { author } = await newsroom(ctx, editor)
  const created = await article(ctx, editor, { headline: 'Original', authors: [author] })
  const first = await ctx.app.inject({ url: `/v1/articles/${created.id}`, headers: editor })
  const staleTag = first.headers.etag as string

  const ok = await ctx.app.inject({
    method: 'PATCH',
    url: `/v1/articles/${created.id}`,
    headers: { ...editor, 'if-match': staleTag },
    payload: { headline: 'First editor' },
  })
  t.equal(ok.statusCode, 200)

  const stale = await ctx.app.inject({
    method: 'PATCH',
    url: `/v1/articles/${created.id}`,
    headers: { ...editor, 'if-match': staleTag },
    payload: { headline: 'Second editor overwrites' },
  })
  t.equal(stale.statusCode, 412)
  t.equal(stale.headers['content-type'], 'application/problem+json; charset=utf-8')
  t.equal(stale.json().status, 412)
  const after = await ctx.app.inject({ url: `/v1/articles/${created.id}`, headers: editor })
  t.equal(after.json().headline, 'First editor')

  for (const [method, path] of [
    ['POST', 'publish'],
    ['POST', 'unpublish'],
    ['DELETE', ''],
  ] as const) {
    const res = await ctx.app.inject({
      method,
      url: `/v1/articles/${created.id}${path ? `/${path}` : ''}`,
      headers: { ...editor, 'if-match': staleTag },
    })
    t.equal(res.statusCode, 412, `${method} ${path} honours If-Match`)
  }
  const star = await ctx.app.inject({
    method: 'PATCH',
    url: `/v1/articles/${created.id}`,
    headers: editor,
    payload: { headline: 'Any version' },
  })
  t.equal(star.statusCode, 200, 'If-Match: * matches any version')
})

t.test('a changed slug keeps the old one as a 301', async (t) => {
  const ctx = await build(t)
  const editor = await ctx.auth('content:write')
  const { author } = await newsroom(ctx, editor)
  const a = await article(ctx, editor, { headline: 'Old name', authors: [author], publish: true })
  t.equal(a.slug, 'old-name')
  const renamed = await ctx.app.inject({
    method: 'PATCH',
    url: `/v1/articles/${a.id}`,
    headers: editor,
    payload: { slug: 'new-name' },
  })
  t.equal(renamed.statusCode, 200)
  const moved = await ctx.app.inject('/v1/articles/old-name')
  t.equal(moved.statusCode, 301)
  t.equal(moved.headers.location, '/v1/articles/new-name')
  const movedRelated = await ctx.app.inject('/v1/articles/old-name/related')
  t.equal(movedRelated.statusCode, 301)
  t.equal(movedRelated.headers.location, '/v1/articles/new-name/related')
  t.equal((await ctx.app.inject('/v1/articles/new-name')).statusCode, 200)

  // The old slug is reserved: another article cannot take it, but the article itself can go back to it.
  const clash = await ctx.app.inject({
    method: 'POST',
    url: '/v1/articles',
    headers: editor,
    payload: { headline: 'Other', slug: 'old-name', authors: [author], topics: [], body: { blocks: [] } },
  })
  t.equal(clash.statusCode, 409)
  t.same(clash.json().errors, [{ path: 'body/slug', message: 'is already used' }])
  const back = await ctx.app.inject({
    method: 'PATCH',
    url: `/v1/articles/${a.id}`,
    headers: editor,
    payload: { slug: 'old-name' },
  })
  t.equal(back.statusCode, 200)
  t.equal((await ctx.app.inject('/v1/articles/old-name')).statusCode, 200)
  t.equal((await ctx.app.inject('/v1/articles/new-name')).headers.location, '/v1/articles/old-name')

  // Unpublished articles do not redirect either.
  await ctx.app.inject({ method: 'POST', url: `/v1/articles/${a.id}/unpublish`, headers: editor })
  t.equal((await ctx.app.inject('/v1/articles/new-name')).statusCode, 404)
})

t.test('duplicate slugs: explicit is a 409, derived ones are made unique', async (t) => {
  const ctx = await build(t)
  const editor = await ctx.auth('content:write')
  const { author } = await newsroom(ctx, editor)
  const first = await article(ctx, editor, { headline: 'Same headline', authors: [author] })
  const second = await article(ctx, editor, { headline: 'Same headline', authors: [author] })
  t.equal(first.slug, 'same-headline')
  t.equal(second.slug, 'same-headline-2')
  const explicit = await ctx.app.inject({
    method: 'POST',
    url: '/v1/articles',
    headers: editor,
    payload: { headline: 'x', slug: 'same-headline', authors: [author], topics: [], body: { blocks: [] } },
  })
  t.equal(explicit.statusCode, 409)
  const list = await ctx.app.inject({ url: '/v1/articles?status=all', headers: editor })
  t.equal(list.json().page.total, 2, 'the failed create stored nothing')
})

t.test('scheduled publishing: visible by itself once the time comes', async (t) => {
  const ctx = await build(t, { now: '2026-03-01T09:00:00.000Z' })
  const editor = await ctx.auth('content:write')
  const { author, topic } = await newsroom(ctx, editor)
  const scheduled = await article(ctx, editor, {
    headline: 'Embargoed report',
    authors: [author],
    topics: [topic],
    publishAt: '2026-03-01T12:00:00.000Z',
  })
  t.equal(scheduled.status, 'scheduled')
  t.equal(scheduled.publishedAt, '2026-03-01T12:00:00.000Z')

  const reads = async () => ({
    detail: (await ctx.app.inject(`/v1/articles/${scheduled.slug}`)).statusCode,
    list: (await ctx.app.inject('/v1/articles')).json().page.total,
    topicCount: (await ctx.app.inject(`/v1/topics/${topic}`)).json().articleCount,
  })
  t.same(await reads(), { detail: 404, list: 0, topicCount: 0 }, 'invisible before publishAt')
  const editorsList = await ctx.app.inject({ url: '/v1/articles?status=scheduled', headers: editor })
  t.equal(editorsList.json().data[0].slug, scheduled.slug, 'editors can list what is scheduled')

  ctx.clock.set('2026-03-01T11:59:59.999Z')
  t.same(await reads(), { detail: 404, list: 0, topicCount: 0 }, 'a millisecond early is still early')
  ctx.clock.set('2026-03-01T12:00:00.000Z')
  t.same(await reads(), { detail: 200, list: 1, topicCount: 1 }, 'visible at publishAt, with no job run')
})

t.test('references are validated and a failed write changes nothing', async (t) => {
  const ctx = await build(t)
  const editor = await ctx.auth('content:write')
  const { author, topic } = await newsroom(ctx, editor)
  const bad = await ctx.app.inject({
    method: 'POST',
    url: '/v1/articles',
    headers: editor,
    payload: {
      headline: 'Broken',
      authors: [author, 'nobody'],
      topics: [topic, 'no-such-topic'],
      primaryTopic: 'elsewhere',
      relatedArticles: ['missing-article'],
      body: { blocks: [{ type: 'related', article: 'missing-too' }] },
    },
  })
  t.equal(bad.statusCode, 400)
  t.same(
    bad
      .json()
      .errors.map((e: { path: string }) => e.path)
      .sort(),
    [
      'body/authors/1',
      'body/body/blocks/0/article',
      'body/primaryTopic',
      'body/relatedArticles/0',
      'body/topics/1',
    ],
  )
  const all = await ctx.app.inject({ url: '/v1/articles?status=all', headers: editor })
  t.equal(all.json().page.total, 0)

  const a = await article(ctx, editor, { headline: 'Fine', authors: [author], topics: [topic] })
  const before = (await ctx.app.inject({ url: `/v1/articles/${a.id}`, headers: editor })).json()
  const badPatch = await ctx.app.inject({
    method: 'PATCH',
    url: `/v1/articles/${a.id}`,
    headers: editor,
    payload: { headline: 'Changed', authors: ['ghost'], tags: ['new-tag'] },
  })
  t.equal(badPatch.statusCode, 400)
  const after = (await ctx.app.inject({ url: `/v1/articles/${a.id}`, headers: editor })).json()
  t.same(after, before, 'nothing of the failed patch was stored')

  const selfRelated = await ctx.app.inject({
    method: 'PATCH',
    url: `/v1/articles/${a.id}`,
    headers: editor,
    payload: { relatedArticles: [a.id] },
  })
  t.equal(selfRelated.statusCode, 400)
  t.equal(selfRelated.json().errors[0].path, 'body/relatedArticles/0')
})

t.test('"Read more" blocks resolve at read time to the current headline and slug', async (t) => {
  const ctx = await build(t)
  const editor = await ctx.auth('content:write')
  const { author } = await newsroom(ctx, editor)
  const target = await article(ctx, editor, { headline: 'Target story', authors: [author], publish: true })
  const source = await article(ctx, editor, {
    headline: 'Source story',
    authors: [author],
    publish: true,
    body: { blocks: [paragraph('Intro.'), { type: 'related', article: target.slug }] },
  })
  await ctx.app.inject({
    method: 'PATCH',
    url: `/v1/articles/${target.id}`,
    headers: editor,
    payload: { headline: 'Target story, updated', slug: 'target-story-updated' },
  })
  const read = (await ctx.app.inject(`/v1/articles/${source.slug}`)).json()
  t.same(read.body.blocks[1], {
    type: 'related',
    label: 'Read more',
    article: {
      id: target.id,
      slug: 'target-story-updated',
      headline: 'Target story, updated',
      url: '/v1/articles/target-story-updated',
      canonical: 'https://www.newsdesk.example/articles/target-story-updated',
    },
  })
  t.match(
    read.body.html,
    /Read more: <a href="https:\/\/www.newsdesk.example\/articles\/target-story-updated">Target story, updated<\/a>/,
  )

  await ctx.app.inject({ method: 'POST', url: `/v1/articles/${target.id}/unpublish`, headers: editor })
  const hidden = (await ctx.app.inject(`/v1/articles/${source.slug}`)).json()
  t.equal(hidden.body.blocks[1].article, null, 'a link to an unpublished article does not leak it')
  t.notMatch(hidden.body.html, /Target story/)
})

t.test(
  'nullable fields answer null when empty and their value when set, in detail and in lists',
  async (t) => {
    // The serialisers write `anyOf: [S, null]` as nullable S (src/http/serializer.ts): both sides must survive.
    const ctx = await build(t)
    const editor = await ctx.auth('content:write')
    const { author, topic } = await newsroom(ctx, editor)
    const write = async (payload: Record<string, unknown>) => {
      const response = await ctx.app.inject({ method: 'POST', url: '/v1/articles', headers: editor, payload })
      t.equal(response.statusCode, 201, response.body)
      return response.json().id as string
    }
    const bare = await write({
      headline: 'Bare',
      authors: [author],
      topics: [topic],
      body: { blocks: [paragraph('Text.')] },
    })
    const full = await write({
      headline: 'Full',
      kicker: 'Analysis',
      standfirst: 'A standfirst.',
      authors: [author],
      topics: [topic],
      contentWarning: 'graphic-violence',
      contentWarningText: 'Contains violence.',
      heroImage: {
        url: 'https://media.example/a.jpg',
        alt: 'A post',
        credit: 'Desk',
        width: 1200,
        height: 800,
      },
      body: { blocks: [paragraph('Text.')] },
    })
    const published = await ctx.app.inject({
      method: 'POST',
      url: `/v1/articles/${full}/publish`,
      headers: editor,
    })
    t.equal(published.statusCode, 200, published.body)
    const nullable = ['kicker', 'standfirst', 'publishedAt', 'heroImage', 'contentWarning']
    const empty = (await ctx.app.inject({ url: `/v1/articles/${bare}`, headers: editor })).json()
    for (const field of [...nullable, 'contentWarningText'])
      t.equal(empty[field], null, `bare ${field} is null`)
    const set = (await ctx.app.inject(`/v1/articles/${full}`)).json()
    t.equal(set.kicker, 'Analysis')
    t.equal(set.standfirst, 'A standfirst.')
    t.match(set.publishedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
    t.ok([set.primaryTopic.id, set.primaryTopic.slug].includes(topic), 'the primary topic')
    t.equal(set.heroImage.alt, 'A post')
    t.equal(set.heroImage.width, 1200)
    t.equal(set.contentWarning, 'graphic-violence')
    t.equal(set.contentWarningText, 'Contains violence.')
    const list = (await ctx.app.inject({ url: '/v1/articles?status=draft', headers: editor })).json()
    const listed = list.data.find((a: { id: string }) => a.id === bare)
    for (const field of nullable) t.equal(listed?.[field], null, `listed bare ${field} is null`)
    const visible = (await ctx.app.inject('/v1/articles')).json().data
    t.same(
      visible.map((a: Record<string, unknown>) => [
        a.id,
        a.kicker,
        a.heroImage !== null,
        a.primaryTopic !== null,
      ]),
      [[full, 'Analysis', true, true]],
    )
  },
)
