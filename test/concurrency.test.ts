/**
 * Check-then-write sequences under real concurrency (issue 9). On PostgreSQL the requests run at once on
 * separate pooled connections (READ COMMITTED); on SQLite they queue for the single writer. Either way the
 * answers must be the ones a serial order would give: never a 500, never a write applied twice.
 */
import t from 'tap'
import { build } from './helper.js'

const TABLE = '/v1/fact-tables/september-2022-clashes-casualties'

t.test('two editors putting the same new collection at once: one creates it, none fails', async (t) => {
  const ctx = await build(t, { demo: true, env: { RESPONSE_CACHE_MB: '0' } })
  const editor = await ctx.auth('content:write')
  for (let round = 0; round < 3; round++) {
    const slug = `breaking-${round}`
    const answers = await Promise.all(
      ['First', 'Second'].map((title) =>
        ctx.app.inject({
          method: 'PUT',
          url: `/v1/collections/${slug}`,
          headers: editor,
          payload: { title, items: ['azerbaijani-and-armenian-foreign-ministers-meet-in-new-york'] },
        }),
      ),
    )
    t.same(
      answers.map((a) => a.statusCode).sort(),
      [200, 201],
      `round ${round}: one 201 (created), one 200 (replaced)`,
    )
    const stored = (await ctx.app.inject(`/v1/collections/${slug}`)).json()
    t.equal(stored.data.length, 1, 'one set of items, not two')
  }
})

t.test('deprecating one figure twice at once: one 200, one 409', async (t) => {
  const ctx = await build(t, { demo: true, env: { RESPONSE_CACHE_MB: '0' } })
  const facts = await ctx.auth('facts:write')
  const figures = (await ctx.app.inject(`${TABLE}/figures`)).json().data as { id: string; rank: string }[]
  const target = figures.find((f) => f.rank !== 'deprecated') as { id: string }
  const answers = await Promise.all(
    ['duplicate', 'retracted'].map((reason) =>
      ctx.app.inject({
        method: 'POST',
        url: `/v1/figures/${target.id}/deprecate`,
        headers: facts,
        payload: { reason },
      }),
    ),
  )
  t.same(answers.map((a) => a.statusCode).sort(), [200, 409])
})
