/**
 * Computed related articles read what candidates share only for those that can still win (src/articles/related.ts,
 * `contenders`): the answer must be the one scoring every candidate gives, including the candidates found in one
 * list that also belong to another list beyond where that list was cut off.
 */
import t from 'tap'
import { NEIGHBOURS } from '../src/articles/related.js'
import { article, build, newsroom, type TestContext } from './helper.js'

const HOUR = 3_600_000
const T0 = Date.parse('2026-01-01T12:00:00.000Z')

interface Made {
  id: string
  slug: string
  at: number
  topics: string[]
  tags: string[]
  body: boolean
}

async function archive(ctx: TestContext) {
  const admin = await ctx.auth('admin')
  const { author, topic } = await newsroom(ctx, admin)
  const made: Made[] = []
  const make = async (hours: number, topics: string[], tags: string[], body = true) => {
    const a = await article(ctx, admin, {
      headline: `At ${hours} hours, ${[...topics, ...tags].join(' ')}`,
      authors: [author],
      topics,
      tags,
      publishAt: new Date(T0 + hours * HOUR).toISOString(),
      ...(body ? {} : { body: { blocks: [] } }),
    })
    made.push({ id: a.id, slug: a.slug, at: T0 + hours * HOUR, topics, tags, body })
    return a
  }
  const anchor = await make(0, [topic], ['common', 'rare'])
  // A common tag: more members on each side than a list reads, so its lists are cut off.
  for (let k = 1; k <= NEIGHBOURS + 12; k++) {
    await make(k, [], ['common'])
    await make(-k, [], ['common'])
  }
  // Found through the rare tag, beyond where the common tag's lists stop, yet sharing it: they must score for both.
  for (const hours of [NEIGHBOURS + 3, NEIGHBOURS + 7, -(NEIGHBOURS + 5), -(NEIGHBOURS + 9)])
    await make(hours, [], ['common', 'rare'])
  // The topic, days away; two of them with the common tag too.
  for (const days of [3, -4, 9, -12, 20, -30]) await make(days * 24, [topic], [])
  await make(NEIGHBOURS + 20, [topic], ['common'])
  await make(-(NEIGHBOURS + 25), [topic], ['common'])
  // The best scores of all, but no body: left out unless asked for.
  await make(2.5, [topic], ['common', 'rare'], false)
  await make(-1.5, [topic], ['rare'], false)
  return { anchor, made, topic }
}

/** Every article scored as the formula says, with no candidate left out. */
function everyCandidate(made: Made[], anchor: { id: string }, includeEmpty: boolean) {
  const own = made.find((m) => m.id === anchor.id) as Made
  return made
    .filter((m) => m.id !== own.id && (includeEmpty || m.body))
    .map((m) => {
      const topics = m.topics.filter((x) => own.topics.includes(x)).length
      const tags = m.tags.filter((x) => own.tags.includes(x)).length
      const days = Math.abs(m.at - own.at) / 86_400_000
      return { m, score: Math.round((2 * topics + tags) * 0.5 ** (days / 30) * 1e6) / 1e6 }
    })
    .filter((c) => c.score > 0)
    .sort((a, b) => b.score - a.score || b.m.at - a.m.at || (a.m.id < b.m.id ? -1 : 1))
}

t.test('related is what scoring every candidate gives, whatever was left unread', async (t) => {
  const ctx = await build(t, { now: '2026-03-01T12:00:00.000Z', env: { RESPONSE_CACHE_MB: '0' } })
  const { anchor, made } = await archive(ctx)
  for (const [limit, includeEmpty] of [
    [6, false],
    [3, true],
    [20, false],
    [20, true],
  ] as const) {
    const res = await ctx.app.inject(
      `/v1/articles/${anchor.slug}/related?limit=${limit}${includeEmpty ? '&includeEmpty=true' : ''}`,
    )
    t.equal(res.statusCode, 200)
    const got = res
      .json()
      .data.map((d: { article: { slug: string }; score: number }) => [d.article.slug, d.score])
    const want = everyCandidate(made, anchor, includeEmpty)
      .slice(0, limit)
      .map((c) => [c.m.slug, c.score])
    t.same(got, want, `limit ${limit}${includeEmpty ? ', stubs too' : ''}`)
  }
  const best = (await ctx.app.inject(`/v1/articles/${anchor.slug}/related?limit=6`)).json().data
  const beyond = best.find((d: { article: { slug: string } }) =>
    d.article.slug.startsWith(`at-${NEIGHBOURS + 3}-hours-common-rare`),
  )
  t.same(beyond?.sharedTags, ['common', 'rare'], 'found through one tag, it shares the other too')
})

t.test('only the candidates that can still win have what they share read', async (t) => {
  const ctx = await build(t, { now: '2026-03-01T12:00:00.000Z', env: { RESPONSE_CACHE_MB: '0' } })
  const { anchor } = await archive(ctx)
  const { queries } = await ctx.queriesOf(`/v1/articles/${anchor.slug}/related?limit=6`)
  const shared = queries.filter((q) => /"article_tags"\."tag" (in|= any)/.test(q))
  t.equal(shared.length, 1, 'one read of the shared tags')
  t.ok(queries.length <= 8, `${queries.length} queries`)
})
