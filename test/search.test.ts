/**
 * Search (issue 12), on whichever engine the suite runs on (`npm test`: SQLite FTS5; `npm run test:pg`: PostgreSQL
 * full-text search): the same API and the same rules on both.
 */
import { sql } from 'drizzle-orm'
import t from 'tap'
import { rawExec, rawRows } from '../src/db/client.js'
import { fillSearchIndexes } from '../src/search/index.js'
import { article, build, engine, paragraph, type TestContext } from './helper.js'

const NOW = '2026-01-15T12:00:00.000Z'

type Hit = { score: number; highlights: Record<string, string>; article: { slug: string } }
const search = async (ctx: TestContext, query: string, headers: Record<string, string> = {}) => {
  const res = await ctx.app.inject({ url: `/v1/search?${query}`, headers })
  return { status: res.statusCode, body: res.json(), res }
}
const slugs = (body: { data: Hit[] }) => body.data.map((h) => h.article.slug)

/** A small newsroom whose words are chosen to tell the rules apart. */
async function newsroom(t: Parameters<typeof build>[0], env: Record<string, string> = {}) {
  const ctx = await build(t, { now: NOW, env })
  const editor = await ctx.auth('content:write')
  const author = (
    await ctx.app.inject({
      method: 'POST',
      url: '/v1/authors',
      headers: editor,
      payload: { name: 'Ani Avetisyan' },
    })
  ).json().slug
  const topic = (
    await ctx.app.inject({
      method: 'POST',
      url: '/v1/topics',
      headers: editor,
      payload: { title: 'Nagorno-Karabakh' },
    })
  ).json().slug
  const write = (slug: string, headline: string, body: string, extra: Record<string, unknown> = {}) => {
    ctx.clock.advance(60_000) // one a minute: newest-first order is the order written
    return article(ctx, editor, {
      slug,
      headline,
      authors: [author],
      publish: true,
      body: { blocks: [paragraph(body)] },
      ...extra,
    })
  }
  await write(
    'ceasefire-in-headline',
    'Ceasefire holds in Jermuk',
    'Residents returned to the town on Monday.',
  )
  await write(
    'ceasefire-in-body',
    'Residents return to the border',
    'The ceasefire held through the night in Jermuk.',
  )
  await write('pashinyan-visit', 'Pashinyan visits Bakú delegation', 'The prime minister met officials.', {
    topics: [topic],
    type: 'analysis',
  })
  await write(
    'clashes-overnight',
    'Heavy clashes overnight',
    'Shelling continued along the line of contact.',
    {
      topics: [topic],
      tags: ['shelling'],
    },
  )
  await write('old-ceasefire', 'Ceasefire talks in Moscow', 'A ceasefire was agreed in 2020.', {
    publishAt: '2020-11-10T00:00:00.000Z',
  })
  return { ctx, editor, author, topic }
}

t.test('field weights: a headline match outranks a body match for the same word', async (t) => {
  const { ctx } = await newsroom(t)
  const { status, body } = await search(ctx, 'q=jermuk&recency=false')
  t.equal(status, 200)
  t.same(slugs(body), ['ceasefire-in-headline', 'ceasefire-in-body'])
  t.ok(body.data[0].score > body.data[1].score)
  t.same(body.page, { limit: 20, nextCursor: null, total: 2 })
})

t.test('phrases, exclusions, OR and the prefix of the last word', async (t) => {
  const { ctx } = await newsroom(t)
  t.same(
    slugs((await search(ctx, 'q=%22ceasefire%20held%22')).body),
    ['ceasefire-in-body'],
    'an exact phrase',
  )
  t.same(
    slugs((await search(ctx, 'q=%22held%20ceasefire%22')).body),
    [],
    'the words in another order are not it',
  )
  t.same(
    slugs((await search(ctx, 'q=ceasefire%20-jermuk&recency=false')).body),
    ['old-ceasefire'],
    'an excluded word',
  )
  t.same(
    slugs((await search(ctx, 'q=ceasefire%20-%22in%20moscow%22%20&sort=newest')).body),
    ['ceasefire-in-body', 'ceasefire-in-headline'],
    'an excluded phrase; newest first',
  )
  t.same(
    slugs((await search(ctx, 'q=moscow%20OR%20shelling%20&sort=oldest')).body),
    ['old-ceasefire', 'clashes-overnight'],
    'either word',
  )
  t.same(slugs((await search(ctx, 'q=pashin')).body), ['pashinyan-visit'], 'the last word as a prefix')
  t.same(slugs((await search(ctx, 'q=pashin%20')).body), [], 'not once a space follows it')
  t.equal((await search(ctx, 'q=-ceasefire')).status, 400, 'only exclusions: nothing to look for')
})

t.test('phrases: stemmed and folded, of two words or more, and they follow edits', async (t) => {
  const { ctx, editor } = await newsroom(t)
  const phrase = async (q: string, extra = '') =>
    (await search(ctx, `q=${encodeURIComponent(q)}&sort=newest${extra}`)).body
  t.same(slugs(await phrase('"lines of contact"')), ['clashes-overnight'], 'stemmed: lines is line')
  t.same(slugs(await phrase('"baku delegation"')), ['pashinyan-visit'], 'folded: baku is Bakú')
  t.same(slugs(await phrase('"continued along the line"')), ['clashes-overnight'], 'four words')
  t.same(slugs(await phrase('"continued the along"')), [], 'four words out of order')
  const either = await phrase('"ceasefire held" OR "agreed in 2020"')
  t.same(slugs(either), ['ceasefire-in-body', 'old-ceasefire'], 'either phrase')
  t.equal(either.page.total, 2)
  t.same(slugs(await phrase('"ceasefire held" -"the night"')), [], 'an excluded phrase')
  t.same(slugs(await phrase('"jermuk residents"')), [], 'a phrase stays in one field: headline, then body')
  t.same(slugs(await phrase('"delegation nagorno"')), [], 'headline, then topics')
  t.same(slugs(await phrase('"karabakh ani"')), [], 'topics, then the author')
  const [body] = (await phrase('"ceasefire held"')).data
  await ctx.app.inject({
    method: 'PATCH',
    url: `/v1/articles/${body.article.slug}`,
    headers: editor,
    payload: { body: { blocks: [paragraph('The truce held through the night.')] } },
  })
  t.equal((await phrase('"ceasefire held"')).page.total, 0, 'an edit: the old phrase is gone')
  t.same(slugs(await phrase('"truce held"')), ['ceasefire-in-body'], 'and the new one is there')
  await ctx.app.inject({ method: 'DELETE', url: `/v1/articles/${body.article.slug}`, headers: editor })
  t.equal((await search(ctx, 'q=%22truce%20held%22&drafts=true', editor)).body.page.total, 0, 'deleted')
})

t.test(
  'SQLite: phrases are answered from word pairs, with exactly the matches of the positional index',
  { skip: engine !== 'sqlite' && 'the word pairs are SQLite’s' },
  async (t) => {
    const now = Date.parse('2022-09-21T08:00:00.000Z')
    const ctx = await build(t, { demo: true, now: '2022-09-21T08:00:00.000Z' })
    const texts = await rawRows<{ body: string; headline: string }>(
      ctx.database.db,
      sql`select body, headline from article_search`,
    )
    // Two-, three- and four-word runs from every article, and two words that never stand together.
    const phrases = new Set<string>(['"armenia azerbaijan"', '"the the"'])
    for (const { body, headline } of texts) {
      const words = `${headline} ${body}`.match(/[\p{L}\p{N}]+/gu) ?? []
      for (let at = 0; at + 4 < words.length; at += Math.max(1, Math.floor(words.length / 12)))
        for (const length of [2, 3, 4]) phrases.add(`"${words.slice(at, at + length).join(' ')}"`)
    }
    t.ok(phrases.size > 100, `${phrases.size} phrases`)
    const positional = async (phrase: string) =>
      (
        await rawRows<{ slug: string }>(
          ctx.database.db,
          sql`select a.slug from article_search s join search_meta m on m.rowid_key = s.rowid join articles a on a.id = m.article_id where article_search match ${phrase} and m.status = 'published' and m.published_at <= ${now}`,
        )
      )
        .map((r) => r.slug)
        .sort()
    const answered = async (phrase: string) => {
      const res = await ctx.queriesOf(`/v1/search?q=${encodeURIComponent(phrase)}&sort=newest&limit=100`)
      const body = res.response.json()
      return {
        slugs: slugs(body).sort(),
        total: body.page.total,
        pairs: res.queries.some((q) => q.includes('article_search_pairs match')),
      }
    }
    let found = 0
    for (const phrase of phrases) {
      const expected = await positional(phrase)
      const got = await answered(phrase)
      if (expected.length > 0) found++
      if (!got.pairs || got.total !== expected.length || got.slugs.join() !== expected.join())
        t.fail(`${phrase}: ${JSON.stringify(got)} against ${JSON.stringify(expected)}`)
    }
    t.ok(found > 100, `${found} phrases found, every one as the positional index finds it`)

    // Many phrase searches at once, while an article is written: each stems its own words.
    const some = [...phrases].slice(0, 30)
    const editor = await ctx.auth('content:write')
    const [writing, ...concurrent] = await Promise.all([
      ctx.app.inject({
        method: 'POST',
        url: '/v1/articles',
        headers: editor,
        payload: {
          headline: 'Words written while others search',
          authors: ['oc-media'],
          topics: [],
          body: { blocks: [paragraph('Searches run while this is indexed.')] },
        },
      }),
      ...some.map((phrase) => answered(phrase)),
    ])
    t.equal(writing?.statusCode, 201)
    for (const [i, phrase] of some.entries()) {
      const got = concurrent[i] as Awaited<ReturnType<typeof answered>>
      if (got.total !== (await positional(phrase)).length) t.fail(`${phrase} at once: ${JSON.stringify(got)}`)
    }

    // A database indexed before the pairs existed: its pairs are filled in behind the server.
    const [sample] = [...phrases].slice(2)
    const before = await answered(sample as string)
    t.ok(before.total > 0)
    await rawExec(ctx.database.db, sql`delete from article_search_pairs`)
    await rawExec(
      ctx.database.db,
      sql`insert into search_pairs_backfill (next_key, last_key) select 0, max(rowid_key) from search_meta`,
    )
    t.same(
      await answered(sample as string),
      { ...before, pairs: false },
      'until they are filled in, phrases are positional',
    )
    const filling = fillSearchIndexes(ctx.database.db, (error) => t.error(error))
    await filling.done
    t.same(await answered(sample as string), before, 'filled in: pairs again')
    t.same(await rawRows(ctx.database.db, sql`select * from search_pairs_backfill`), [], 'once')
  },
)

t.test(
  'SQLite: totals of word queries are counted without positions, exactly as the positional index counts them',
  { skip: engine !== 'sqlite' && 'the word counts are SQLite’s' },
  async (t) => {
    // A window of one: every query that matches is counted (a window not full is its own count).
    const ctx = await build(t, {
      demo: true,
      now: '2022-09-21T08:00:00.000Z',
      env: { SEARCH_RANK_WINDOW: '1' },
    })
    const texts = await rawRows<{ text: string }>(
      ctx.database.db,
      sql`select headline || ' ' || body || ' ' || authors as text from article_search`,
    )
    const words = [
      ...new Set(texts.flatMap(({ text }) => text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [])),
    ].filter((w) => w.length > 1)
    // Words, two words (the last one a prefix, as typed), alternatives, exclusions, short prefixes.
    const queries = new Set<string>()
    for (let i = 0; i < words.length; i += Math.max(1, Math.floor(words.length / 50))) {
      const a = words[i] as string
      const b = words[(i * 7 + 3) % words.length] as string
      for (const q of [`${a} `, `${a} ${b}`, `${a} OR ${b} `, `${a} -${b} `, a.slice(0, 3)]) queries.add(q)
    }
    const totals = async () => {
      const out: Record<string, number> = {}
      let counted = 0
      for (const q of queries) {
        const { response, queries: run } = await ctx.queriesOf(
          `/v1/search?q=${encodeURIComponent(q)}&limit=1`,
        )
        out[q] = response.json().page.total
        if (run.some((s) => s.includes('article_search_counts match'))) counted++
      }
      return { out, counted }
    }
    const counted = await totals()
    t.ok(queries.size > 150, `${queries.size} queries`)
    t.equal(counted.counted, queries.size, 'every total counted without positions')
    t.ok(Object.values(counted.out).filter((n) => n > 1).length > 50, 'most of them match several articles')

    // Until a database from before the counts table has them all, totals come from the positional index: the same.
    await rawExec(ctx.database.db, sql`delete from article_search_counts`)
    await rawExec(
      ctx.database.db,
      sql`insert into search_counts_backfill (next_key, last_key) select 0, max(rowid_key) from search_meta`,
    )
    const positional = await totals()
    t.equal(positional.counted, 0, 'not counted without positions while the table fills')
    t.same(positional.out, counted.out, 'the same totals, query by query')
    const filling = fillSearchIndexes(ctx.database.db, (error) => t.error(error))
    await filling.done
    const filled = await totals()
    t.equal(filled.counted, queries.size)
    t.same(filled.out, counted.out, 'filled in: the same again')
    t.same(await rawRows(ctx.database.db, sql`select * from search_counts_backfill`), [], 'once')
  },
)

t.test('forgiving: case, diacritics, stemming and misspellings', async (t) => {
  const { ctx } = await newsroom(t)
  t.same(slugs((await search(ctx, 'q=BAKU%20')).body), ['pashinyan-visit'], 'Baku finds Bakú, any case')
  t.same(slugs((await search(ctx, 'q=bak%C3%BA%20')).body), ['pashinyan-visit'], 'and the other way round')
  t.same(slugs((await search(ctx, 'q=clash%20')).body), ['clashes-overnight'], 'clash finds clashes')
  t.same(slugs((await search(ctx, 'q=visiting%20')).body), ['pashinyan-visit'], 'visiting finds visits')
  const misspelt = (await search(ctx, 'q=Pashinian%20visits')).body
  t.same(slugs(misspelt), ['pashinyan-visit'], 'a misspelt name still finds the article')
  t.equal(misspelt.didYouMean, 'pashinyan visits')
  t.equal(misspelt.query, 'pashinyan visits')
  const exact = (await search(ctx, 'q=pashinyan')).body
  t.equal(exact.didYouMean, null, 'no correction when the words match as typed')
  const nothing = (await search(ctx, 'q=zzzzqqq')).body
  t.same(nothing, {
    query: 'zzzzqqq',
    didYouMean: null,
    data: [],
    page: { limit: 20, nextCursor: null, total: 0 },
  })
})

t.test('topics, tags and author names are searchable; filters combine with the query', async (t) => {
  const { ctx, author, topic } = await newsroom(t)
  t.same(
    slugs((await search(ctx, 'q=karabakh&sort=oldest')).body),
    ['pashinyan-visit', 'clashes-overnight'],
    'by topic title',
  )
  t.same(
    slugs((await search(ctx, 'q=shelling%20&sort=oldest')).body),
    ['clashes-overnight'],
    'by tag (and body)',
  )
  t.equal((await search(ctx, 'q=avetisyan')).body.page.total, 5, 'by author name')
  t.same(slugs((await search(ctx, `q=avetisyan&topic=${topic}&type=analysis`)).body), ['pashinyan-visit'])
  t.same(slugs((await search(ctx, 'q=ceasefire&from=2026-01-01T00:00:00Z&sort=oldest')).body), [
    'ceasefire-in-headline',
    'ceasefire-in-body',
  ])
  t.equal((await search(ctx, `q=ceasefire&author=${author}&to=2021-01-01T00:00:00Z`)).body.page.total, 1)
  t.equal((await search(ctx, 'q=ceasefire&nonsense=1')).status, 400, 'unknown parameters: the one rule')
})

t.test('facet counts equal the counts of the filtered list', async (t) => {
  const { ctx, topic } = await newsroom(t)
  const { body } = await search(ctx, 'q=avetisyan&facets=topic,type,year')
  t.same(body.facets.type, [
    { value: 'news', label: 'news', count: 4 },
    { value: 'analysis', label: 'analysis', count: 1 },
  ])
  t.same(body.facets.year, [
    { value: '2026', label: '2026', count: 4 },
    { value: '2020', label: '2020', count: 1 },
  ])
  t.same(body.facets.topic, [{ value: topic, label: 'Nagorno-Karabakh', count: 2 }])
  for (const [param, value, count] of [
    ['topic', topic, 2],
    ['type', 'news', 4],
  ] as const) {
    const filtered = (await search(ctx, `q=avetisyan&${param}=${value}`)).body
    const list = (await ctx.app.inject(`/v1/articles?${param}=${value}`)).json()
    t.equal(filtered.page.total, count, `${param}=${value}: search`)
    t.equal(list.page.total, count, `${param}=${value}: the list`)
  }
  t.notOk('facets' in (await search(ctx, 'q=avetisyan')).body, 'only when asked')
  t.equal((await search(ctx, 'q=avetisyan&facets=author')).status, 400)
})

t.test('snippets are escaped and marked', async (t) => {
  const ctx = await build(t, { now: NOW })
  const editor = await ctx.auth('content:write')
  await article(ctx, editor, {
    headline: 'Tags like <img src=x onerror=alert(1)> & "quotes" in Yerevan',
    authors: [
      (
        await ctx.app.inject({
          method: 'POST',
          url: '/v1/authors',
          headers: editor,
          payload: { name: 'Desk' },
        })
      ).json().slug,
    ],
    publish: true,
    body: {
      blocks: [paragraph('Officials in Yerevan wrote &lt;img src=x onerror=alert(1)&gt; on the wall.')],
    },
  })
  const hit = (await search(ctx, 'q=yerevan')).body.data[0]
  t.equal(
    hit.highlights.headline,
    'Tags like &lt;img src=x onerror=alert(1)&gt; &amp; &quot;quotes&quot; in <mark>Yerevan</mark>',
  )
  t.match(hit.highlights.body, '<mark>Yerevan</mark> wrote &lt;img src=x onerror=alert(1)&gt;')
  t.notMatch(JSON.stringify(hit.highlights), /<(?!\/?mark>)/, 'no tag but <mark>')
})

t.test('fresh: searchable once published, gone once unpublished or deleted, edits at once', async (t) => {
  const { ctx, editor } = await newsroom(t)
  const draft = await article(ctx, editor, {
    headline: 'Gyumri airport reopens',
    authors: ['ani-avetisyan'],
    body: { blocks: [paragraph('Flights resume.')] },
  })
  const found = async () => (await search(ctx, 'q=gyumri%20')).body.page.total
  t.equal(await found(), 0, 'a draft is not public')
  t.equal(
    (await search(ctx, 'q=gyumri%20&drafts=true', editor)).body.page.total,
    1,
    'editors may include drafts',
  )
  t.equal((await search(ctx, 'q=gyumri%20&drafts=true')).status, 401, 'drafts need a token')
  await ctx.app.inject({ method: 'POST', url: `/v1/articles/${draft.id}/publish`, headers: editor })
  t.equal(await found(), 1, 'published: found at once')
  await ctx.app.inject({
    method: 'PATCH',
    url: `/v1/articles/${draft.id}`,
    headers: editor,
    payload: { headline: 'Shirak airport reopens' },
  })
  t.equal(await found(), 0, 'an edit is reflected at once')
  t.equal((await search(ctx, 'q=shirak%20')).body.page.total, 1)
  await ctx.app.inject({
    method: 'PATCH',
    url: '/v1/authors/ani-avetisyan',
    headers: editor,
    payload: { name: 'A. Avetisyan Jr' },
  })
  t.equal((await search(ctx, 'q=jr%20')).body.page.total, 6, 'a renamed author: her articles follow')
  await ctx.app.inject({ method: 'POST', url: `/v1/articles/${draft.id}/unpublish`, headers: editor })
  t.equal((await search(ctx, 'q=shirak%20')).body.page.total, 0, 'unpublished: gone at once')
  await ctx.app.inject({ method: 'DELETE', url: `/v1/articles/${draft.id}`, headers: editor })
  t.equal((await search(ctx, 'q=shirak%20&drafts=true', editor)).body.page.total, 0, 'deleted: gone')
})

t.test('pages through results with a cursor and totals', async (t) => {
  const { ctx } = await newsroom(t)
  const first = (await search(ctx, 'q=avetisyan&limit=2')).body
  t.equal(first.page.total, 5)
  const seen = slugs(first)
  let cursor = first.page.nextCursor
  while (cursor) {
    const next = (await search(ctx, `q=avetisyan&limit=2&cursor=${cursor}`)).body
    seen.push(...slugs(next))
    cursor = next.page.nextCursor
  }
  t.equal(new Set(seen).size, 5, 'every match once')
  t.equal((await search(ctx, 'q=avetisyan&cursor=bm9wZQ')).status, 400)
})

t.test(
  'relevance ranks a bounded window of the newest-indexed matches; totals and date order cover all',
  async (t) => {
    const { ctx, editor } = await newsroom(t, { SEARCH_RANK_WINDOW: '2' })
    // Written last, published in 2020: the newest-indexed match, however old its date.
    const all = (await search(ctx, 'q=avetisyan&sort=newest&limit=10')).body
    t.equal(all.page.total, 5)
    t.same(slugs(all), [
      'clashes-overnight',
      'pashinyan-visit',
      'ceasefire-in-body',
      'ceasefire-in-headline',
      'old-ceasefire',
    ])
    const ranked = (await search(ctx, 'q=avetisyan&limit=10')).body
    t.equal(ranked.page.total, 5, 'the total still counts every match')
    t.same(
      slugs(ranked).sort(),
      ['clashes-overnight', 'old-ceasefire'],
      'only the two indexed last are ranked',
    )
    t.equal(ranked.page.nextCursor, null, 'and relevance pages end with the window')
    const first = (await search(ctx, 'q=avetisyan&limit=1')).body
    t.ok(first.page.nextCursor)
    const second = (await search(ctx, `q=avetisyan&limit=1&cursor=${first.page.nextCursor}`)).body
    t.same([...slugs(first), ...slugs(second)].sort(), ['clashes-overnight', 'old-ceasefire'])
    t.equal(second.page.nextCursor, null)
    // An edit keeps an article's place in the index order.
    const edited = await ctx.app.inject({
      method: 'PATCH',
      url: '/v1/articles/pashinyan-visit',
      headers: editor,
      payload: { standfirst: 'Talks went on late.' },
    })
    t.equal(edited.statusCode, 200)
    t.same(slugs((await search(ctx, 'q=avetisyan&limit=10')).body).sort(), [
      'clashes-overnight',
      'old-ceasefire',
    ])
    // A query matching no more than the window is ranked whole, by the usual rules.
    t.same(slugs((await search(ctx, 'q=ceasefire%20jermuk&limit=10')).body), [
      'ceasefire-in-headline',
      'ceasefire-in-body',
    ])
  },
)

t.test(
  'SQLite: a full window among the newest articles is ranked from the recent index, with the same matches',
  { skip: engine !== 'sqlite' && 'the recent index is SQLite’s' },
  async (t) => {
    const { ctx, editor } = await newsroom(t, { SEARCH_RANK_WINDOW: '2' })
    const db = ctx.database.db
    // Two to four articles instead of 5,000 to 10,000, so that windows fall in and out of it.
    await rawExec(db, sql`update search_recent set size = 2`)
    const answer = async (q: string, query = 'limit=10') => {
      const { response, queries } = await ctx.queriesOf(`/v1/search?q=${encodeURIComponent(q)}&${query}`)
      const body = response.json()
      const recent = queries.some((s) => s.includes('article_search_recent match'))
      const whole = queries.some((s) => s.includes('bm25(article_search,'))
      return {
        slugs: slugs(body).sort(),
        total: body.page.total,
        from: whole ? 'whole' : recent ? 'recent' : '?',
      }
    }
    const recentKeys = async () =>
      (
        await rawRows<{ key: number }>(
          db,
          sql`select rowid as key from article_search_recent where article_search_recent match 'avetisyan' order by rowid`,
        )
      ).map((r) => Number(r.key))
    const floor = async () =>
      (await rawRows<{ floor: number }>(db, sql`select floor from search_recent`))[0]?.floor
    const write = (slug: string, body: string) => {
      ctx.clock.advance(60_000)
      return article(ctx, editor, {
        slug,
        headline: `Harbour report ${slug}`,
        authors: ['ani-avetisyan'],
        publish: true,
        body: { blocks: [paragraph(body)] },
      })
    }
    // The newsroom's five articles are keys 1-5. Past four, the older ones leave and two stay.
    await write('harbour-1', 'Cranes stood idle on pier 1.')
    t.same(await recentKeys(), [5, 6], 'the newest, and only they')
    t.equal(await floor(), 5)
    await write('harbour-2', 'Cranes stood idle on pier 2.')
    await write('harbour-3', 'Cranes stood idle on pier 3.')
    t.same(await recentKeys(), [5, 6, 7, 8])
    await write('harbour-4', 'Cranes stood idle on pier 4.')
    t.same(await recentKeys(), [8, 9])
    t.equal(await floor(), 8)

    t.same(
      await answer('harbour'),
      { slugs: ['harbour-3', 'harbour-4'], total: 4, from: 'recent' },
      'a window full among the newest is ranked there',
    )
    t.same(await answer('avetisyan'), { slugs: ['harbour-3', 'harbour-4'], total: 9, from: 'recent' })
    t.same(await answer('harbour idle'), { slugs: ['harbour-3', 'harbour-4'], total: 4, from: 'recent' })
    t.same(
      await answer('ceasefire'),
      { slugs: ['ceasefire-in-body', 'old-ceasefire'], total: 3, from: 'whole' },
      'a window reaching below the floor is ranked on the whole index, with the same matches',
    )
    t.same(await answer('ceasefire jermuk'), {
      slugs: ['ceasefire-in-body', 'ceasefire-in-headline'],
      total: 2,
      from: 'whole',
    })
    // Snippets come from either index, the same.
    const marked = (await search(ctx, 'q=harbour&sort=newest&limit=4')).body.data.map((h: Hit) => [
      h.article.slug,
      h.highlights.headline,
    ])
    t.same(
      marked,
      [4, 3, 2, 1].map((n) => [`harbour-${n}`, `<mark>Harbour</mark> report <mark>harbour</mark>-${n}`]),
    )

    // Unpublished articles on either side of the floor are left out of the total.
    const all = async (action: 'publish' | 'unpublish') => {
      for (const slug of ['ceasefire-in-body', 'harbour-4']) {
        const res = await ctx.app.inject({
          method: 'POST',
          url: `/v1/articles/${slug}/${action}`,
          headers: editor,
        })
        t.equal(res.statusCode, 200)
      }
    }
    await all('unpublish')
    t.equal((await answer('avetisyan')).total, 7, 'unpublished: not counted')
    t.equal((await answer('ceasefire')).total, 2)
    await all('publish')
    t.equal((await answer('avetisyan')).total, 9)

    // Edited and deleted articles change in the recent index at once.
    const edited = await ctx.app.inject({
      method: 'PATCH',
      url: '/v1/articles/harbour-4',
      headers: editor,
      payload: { headline: 'Quay report' },
    })
    t.equal(edited.statusCode, 200)
    await write('harbour-5', 'Cranes moved again.')
    t.same(await recentKeys(), [8, 9, 10])
    t.same(await answer('harbour'), { slugs: ['harbour-3', 'harbour-5'], total: 4, from: 'recent' })
    t.same(await answer('quay'), { slugs: ['harbour-4'], total: 1, from: 'whole' })
    const deleted = await ctx.app.inject({ method: 'DELETE', url: '/v1/articles/harbour-5', headers: editor })
    t.equal(deleted.statusCode, 204)
    t.same(await recentKeys(), [8, 9])
    t.same(await answer('harbour'), { slugs: ['harbour-2', 'harbour-3'], total: 3, from: 'whole' })
    t.same(await answer('harbour -cranes'), { slugs: [], total: 0, from: 'whole' })
  },
)

t.test('prefixes of every length, drafts and scheduled articles left out of the total', async (t) => {
  const { ctx, editor } = await newsroom(t)
  const words = (n: number, stem: string) =>
    Array.from(
      { length: n },
      (_, i) => `${stem}${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + Math.floor(i / 26))}`,
    )
  // 30 words share "zyxwv" (more than a prefix is expanded into), three share "qwert".
  await article(ctx, editor, {
    slug: 'many-words',
    headline: 'A glossary',
    authors: ['ani-avetisyan'],
    publish: true,
    body: { blocks: [paragraph(`${words(30, 'zyxwv').join(' ')} ${words(3, 'qwert').join(' ')}`)] },
  })
  await article(ctx, editor, {
    slug: 'qwert-draft',
    headline: 'Qwertaa draft',
    authors: ['ani-avetisyan'],
    body: { blocks: [paragraph('Unpublished.')] },
  })
  await article(ctx, editor, {
    slug: 'qwert-scheduled',
    headline: 'Qwertab scheduled',
    authors: ['ani-avetisyan'],
    publishAt: '2026-02-01T00:00:00.000Z',
    body: { blocks: [paragraph('Not yet.')] },
  })
  for (const q of ['zy', 'zyx', 'zyxw', 'zyxwv', 'zyxwva', 'qw', 'qwer', 'qwert', 'qwerta']) {
    const { status, body } = await search(ctx, `q=${q}`)
    t.equal(status, 200)
    t.same(slugs(body), ['many-words'], `"${q}" as typed`)
    t.equal(body.page.total, 1, `"${q}": drafts and scheduled articles are not counted`)
    t.match(body.data[0]?.highlights.body ?? '', /<mark>/, `"${q}": highlighted`)
  }
  t.equal((await search(ctx, 'q=qwert&drafts=true', editor)).body.page.total, 3, 'editors count them')
  t.equal((await search(ctx, 'q=ceasefire%20-zyxwv')).body.page.total, 3, 'an excluded prefix')
})

t.test('suggest: headlines and topics for a prefix', async (t) => {
  const { ctx } = await newsroom(t)
  const res = await ctx.app.inject('/v1/search/suggest?q=nag')
  t.equal(res.statusCode, 200)
  t.same(
    res.json().data.map((s: { kind: string; text: string }) => [s.kind, s.text]),
    [['topic', 'Nagorno-Karabakh']],
  )
  const heavy = (await ctx.app.inject('/v1/search/suggest?q=heavy%20cla')).json()
  t.same(heavy.data[0], {
    kind: 'article',
    text: 'Heavy clashes overnight',
    slug: 'clashes-overnight',
    links: {
      self: '/v1/articles/clashes-overnight',
      canonical: 'https://www.newsdesk.example/articles/clashes-overnight',
    },
  })
  t.same(
    (await ctx.app.inject('/v1/search/suggest?q=50%25_%5C')).json().data,
    [],
    'LIKE wildcards are plain text',
  )
  t.equal((await ctx.app.inject('/v1/search/suggest?q=%20')).statusCode, 400)
})

t.test('hostile queries: a 200 or a 400, never a 5xx', async (t) => {
  const { ctx } = await newsroom(t)
  const hostile = [
    '"',
    '""',
    '"unbalanced phrase',
    'a"b"c',
    '*',
    'ceasefire*',
    '(ceasefire',
    'ceasefire)',
    'NEAR(ceasefire jermuk, 2)',
    'headline:ceasefire',
    '{headline}: x',
    '^ceasefire',
    'ceasefire AND',
    'OR',
    'OR OR OR',
    'AND NOT',
    'NOT ceasefire',
    '- -- ---',
    "'; DROP TABLE articles; --",
    "' OR 1=1 --",
    'ceasefire\u0000jermuk',
    '\u0001\u0002',
    'a\tb\nc\rd',
    '%00%01',
    '\\',
    'ceasefire & jermuk | !moscow <-> x:*',
    "to_tsquery('x')",
    '😀 🇦🇲',
    'ﬁ Ⅻ ＡＢＣ',
    'x'.repeat(499),
    'x '.repeat(40),
    'word '.repeat(2_000),
    'y'.repeat(10_000),
  ]
  for (const q of hostile) {
    const res = await ctx.app.inject(`/v1/search?q=${encodeURIComponent(q)}&facets=topic,type,year`)
    t.ok([200, 400].includes(res.statusCode), `${JSON.stringify(q.slice(0, 40))}: ${res.statusCode}`)
    const suggest = await ctx.app.inject(`/v1/search/suggest?q=${encodeURIComponent(q.slice(0, 100))}`)
    t.ok(
      [200, 400].includes(suggest.statusCode),
      `suggest ${JSON.stringify(q.slice(0, 40))}: ${suggest.statusCode}`,
    )
  }
  for (const query of ['', 'q=', 'q=%20%20', 'q=%22%22']) {
    const res = await ctx.app.inject(`/v1/search?${query}`)
    t.equal(res.statusCode, 400, `${query}: a clear 400`)
    t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8')
  }
  t.equal((await ctx.app.inject(`/v1/articles`)).statusCode, 200, 'and the database is intact')
})
