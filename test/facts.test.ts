import { parse } from 'csv-parse/sync'
import { sql } from 'drizzle-orm'
import t from 'tap'
import { rawExec, rawRows } from '../src/db/client.js'
import { build } from './helper.js'

const TABLE = '/v1/fact-tables/september-2022-clashes-casualties'

interface Claim {
  id: string
  claimant: { slug: string; name: string }
  stance: string
  value: {
    qualifier: string
    best: number | null
    low: number | null
    high: number | null
    text: string
    display: string
  }
  rank: string
  supersedes: string | null
  supersededBy: string | null
}
interface Group {
  metric: { slug: string; compound: boolean }
  subject: { slug: string } | null
  category: string
  claims: Claim[]
}

const group = (table: { groups: Group[] }, metric: string, subject: string | null, category: string) =>
  table.groups.find(
    (g) => g.metric.slug === metric && (g.subject?.slug ?? null) === subject && g.category === category,
  )

t.test('the demo table: current claims side by side, labelled by claimant', async (t) => {
  const { app } = await build(t, { demo: true })
  const res = await app.inject(TABLE)
  t.equal(res.statusCode, 200)
  const table = res.json()
  t.equal(table.topic.slug, '2022-azerbaijani-attack-on-armenia')
  t.equal(table.asOf, null)

  const armenia = group(table, 'killed-or-missing', 'armenia', 'military')
  t.equal(armenia?.claims.length, 1)
  t.match(armenia?.claims[0], {
    claimant: { slug: 'government-of-armenia', name: 'Government of Armenia', party: { slug: 'armenia' } },
    stance: 'self-reported',
    value: { qualifier: 'exact', best: 207, text: '207 deaths or missing persons', display: '207' },
    verification: 'unverified',
    provenance: { article: { slug: 'azerbaijani-and-armenian-foreign-ministers-meet-in-new-york' } },
  })
  t.ok(armenia?.metric.compound, 'killed-or-missing is compound')
  const azerbaijan = group(table, 'killed', 'azerbaijan', 'military')
  t.match(azerbaijan?.claims, [
    {
      claimant: { slug: 'government-of-azerbaijan' },
      stance: 'self-reported',
      value: { best: 80, display: '80' },
    },
  ])
  t.match(group(table, 'captured', 'armenia', 'military')?.claims[0], {
    counterparty: { slug: 'azerbaijan' },
    value: { qualifier: 'at-least', low: 20, display: 'at least 20' },
  })
  t.match(group(table, 'wounded', 'armenia', 'civilian')?.claims[0], {
    value: { qualifier: 'around', best: 12, text: 'around a dozen civilian injuries', display: 'around 12' },
  })
  t.match(group(table, 'killed', null, 'all')?.claims[0], {
    claimant: { slug: 'oc-media', party: null },
    stance: 'independent',
    value: { qualifier: 'more-than', low: 200, text: 'over 200', display: 'more than 200' },
  })
  t.equal(table.groups.length, 9)
  const everyClaim = table.groups.flatMap((g: Group) => g.claims)
  t.notOk(
    everyClaim.some((c: Claim) => c.value.best === 105 || c.value.best === 71),
    'superseded figures are not current',
  )
  t.notOk(res.body.includes('recordedBy'), 'the public does not see who recorded figures')

  const topic = (await app.inject('/v1/topics/2022-azerbaijani-attack-on-armenia')).json()
  t.same(topic.factTables, [
    {
      slug: 'september-2022-clashes-casualties',
      title: 'Casualties of the September 2022 Azerbaijani attack on Armenia',
    },
  ])
  const article = (
    await app.inject('/v1/articles/azerbaijani-and-armenian-foreign-ministers-meet-in-new-york')
  ).json()
  const block = article.body.blocks.find((b: { type: string }) => b.type === 'factTable')
  t.same(block, {
    type: 'factTable',
    factTable: 'september-2022-clashes-casualties',
    title: 'Casualties of the September 2022 Azerbaijani attack on Armenia',
    url: TABLE,
    canonical: 'https://www.newsdesk.example/fact-tables/september-2022-clashes-casualties',
  })
})

t.test('asOf between the two reports gives the earlier figures; history shows both steps', async (t) => {
  const { app } = await build(t, { demo: true })
  const then = (await app.inject(`${TABLE}?asOf=2022-09-17T00:00:00.000Z`)).json()
  t.equal(then.asOf, '2022-09-17T00:00:00.000Z')
  t.match(group(then, 'killed-or-missing', 'armenia', 'military')?.claims, [
    { value: { best: 105, text: '105 military casualties' } },
  ])
  t.match(group(then, 'killed', 'azerbaijan', 'military')?.claims, [{ value: { best: 71 } }])
  t.equal(then.groups.length, 2, 'nothing reported later shows')
  t.equal((await app.inject(`${TABLE}?asOf=2022-09-01T00:00:00.000Z`)).json().groups.length, 0)

  const history = (await app.inject(`${TABLE}/history`)).json()
  const series = history.series.find(
    (s: { metric: { slug: string }; claimant: { slug: string } }) =>
      s.metric.slug === 'killed-or-missing' && s.claimant.slug === 'government-of-armenia',
  )
  t.same(
    series.steps.map((s: Claim) => s.value.best),
    [105, 207],
  )
  t.equal(series.steps[1].supersedes, series.steps[0].id)
  t.equal(series.steps[0].supersededBy, series.steps[1].id)
  const az = history.series.find(
    (s: { metric: { slug: string }; claimant: { slug: string } }) =>
      s.metric.slug === 'killed' && s.claimant.slug === 'government-of-azerbaijan',
  )
  t.same(
    az.steps.map((s: Claim) => s.value.best),
    [71, 80],
  )
})

t.test(
  'a correction deprecates without deleting: gone from the current table, kept in history and CSV',
  async (t) => {
    const ctx = await build(t, { demo: true, now: '2022-09-22T12:00:00.000Z' })
    const facts = await ctx.auth('facts:write')
    const before = (await ctx.app.inject(TABLE)).json()
    const wrong = group(before, 'wounded', 'azerbaijan', 'military')?.claims[0] as Claim

    const corrected = await ctx.app.inject({
      method: 'POST',
      url: `${TABLE}/figures`,
      headers: facts,
      payload: {
        metric: 'wounded',
        subject: 'azerbaijan',
        category: 'military',
        claimant: 'government-of-azerbaijan',
        value: { qualifier: 'exact', best: 281, text: '281 soldiers' },
        asOf: '2022-09-20T10:00:00.000Z',
        corrects: wrong.id,
        quote: 'A corrected count.',
      },
    })
    t.equal(corrected.statusCode, 201, corrected.body)
    t.equal(corrected.headers.location, `/v1/figures/${corrected.json().id}`)
    t.equal(corrected.json().supersedes, wrong.id)
    t.match(corrected.json().recordedBy, /^test-facts:write/, 'editors see who recorded it')

    const after = (await ctx.app.inject(TABLE)).json()
    t.match(group(after, 'wounded', 'azerbaijan', 'military')?.claims, [{ value: { best: 281 } }])
    const currentIds = after.groups.flatMap((g: Group) => g.claims.map((c) => c.id))
    t.notOk(currentIds.includes(wrong.id), 'the wrong figure left the current table')

    const old = (await ctx.app.inject(`/v1/figures/${wrong.id}`)).json()
    t.match(old, { rank: 'deprecated', deprecation: { reason: 'corrected', at: '2022-09-22T12:00:00.000Z' } })
    const history = (await ctx.app.inject(`${TABLE}/history`)).json()
    t.ok(JSON.stringify(history).includes(wrong.id), 'still in the history')
    const csv = (await ctx.app.inject(`${TABLE}/figures.csv`)).body
    t.match(csv, new RegExp(`${wrong.id},.*,deprecated,corrected,`))

    // As it stood before the correction, the wrong figure was current.
    const then = (await ctx.app.inject(`${TABLE}?asOf=2022-09-21T00:00:00.000Z`)).json()
    t.match(group(then, 'wounded', 'azerbaijan', 'military')?.claims, [
      { id: wrong.id, rank: 'normal', value: { best: 282 } },
    ])

    const again = await ctx.app.inject({
      method: 'POST',
      url: `/v1/figures/${wrong.id}/deprecate`,
      headers: facts,
      payload: { reason: 'duplicate' },
    })
    t.equal(again.statusCode, 409, 'deprecating twice is a conflict')

    const retract = await ctx.app.inject({
      method: 'POST',
      url: `/v1/figures/${corrected.json().id}/deprecate`,
      headers: facts,
      payload: { reason: 'retracted', note: 'The ministry withdrew it.' },
    })
    t.equal(retract.statusCode, 200)
    t.match(retract.json().deprecation, { reason: 'retracted', note: 'The ministry withdrew it.' })
    const none = (await ctx.app.inject(TABLE)).json()
    t.notOk(
      group(none, 'wounded', 'azerbaijan', 'military'),
      'with every figure of a series deprecated, the series leaves the table',
    )
    t.equal((await ctx.app.inject(`${TABLE}/figures`)).json().data.length, 12, 'nothing was deleted')
  },
)

t.test('CSV: RFC 4180, parses back to the same figures, formulas neutralised', async (t) => {
  const ctx = await build(t, { demo: true, now: '2022-10-01T00:00:00.000Z' })
  const facts = await ctx.auth('facts:write')
  const hostile = await ctx.app.inject({
    method: 'POST',
    url: `${TABLE}/figures`,
    headers: facts,
    payload: {
      metric: 'displaced',
      subject: 'armenia',
      category: 'civilian',
      claimant: 'oc-media',
      value: {
        qualifier: 'range',
        low: 100,
        best: 150,
        high: 200,
        text: '=HYPERLINK("http://evil.example","click")',
      },
      asOf: '2022-09-30T00:00:00.000Z',
      asOfPrecision: 'day',
      quote: '+1, "quoted", and a\nline break',
    },
  })
  t.equal(hostile.statusCode, 201, hostile.body)

  const res = await ctx.app.inject(`${TABLE}/figures.csv`)
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], 'text/csv; charset=utf-8')
  t.equal(
    res.headers['content-disposition'],
    'attachment; filename="september-2022-clashes-casualties-figures.csv"',
  )
  t.ok(res.body.endsWith('\r\n'))
  t.match(res.body.split('\r\n')[0], /^figure_id,table,metric,/)

  const rows: Record<string, string>[] = parse(res.body, { columns: true, relax_quotes: false })
  const json = (await ctx.app.inject(`${TABLE}/figures`)).json().data
  t.equal(rows.length, json.length)
  rows.forEach((row, i) => {
    const f = json[i]
    const same =
      row.figure_id === f.id &&
      row.metric === f.metric.slug &&
      row.subject === (f.subject?.slug ?? '') &&
      row.claimant === f.claimant.slug &&
      row.qualifier === f.value.qualifier &&
      row.best === (f.value.best === null ? '' : String(f.value.best)) &&
      row.low === (f.value.low === null ? '' : String(f.value.low)) &&
      row.as_of === f.asOf &&
      row.rank === f.rank
    t.ok(same, `row ${i} is figure ${f.id}`)
  })
  const last = rows.at(-1) as Record<string, string>
  t.equal(last.verbatim, `'=HYPERLINK("http://evil.example","click")`, 'a formula is neutralised')
  t.equal(
    last.quote,
    `'+1, "quoted", and a\nline break`,
    'quotes and line breaks survive, the leading + is neutralised',
  )
  t.equal(last.display, '100–200')
})

t.test('invalid figures are a 400 naming the field, and change nothing', async (t) => {
  const ctx = await build(t, { demo: true, now: '2022-10-01T00:00:00.000Z' })
  const facts = await ctx.auth('facts:write')
  const base = {
    metric: 'killed',
    subject: 'armenia',
    category: 'military',
    claimant: 'government-of-armenia',
    value: { qualifier: 'exact', best: 10, text: 'ten' },
    asOf: '2022-09-30T00:00:00.000Z',
  }
  const cases: [string, Record<string, unknown>, string][] = [
    [
      'bounds out of order',
      { value: { qualifier: 'range', low: 50, high: 10, text: 'x' } },
      'body/value/high',
    ],
    ['best below low', { value: { qualifier: 'at-least', low: 50, best: 10, text: 'x' } }, 'body/value/best'],
    ['best above high', { value: { qualifier: 'up-to', high: 5, best: 10, text: 'x' } }, 'body/value/best'],
    ['exact without best', { value: { qualifier: 'exact', text: 'x' } }, 'body/value/best'],
    ['exact with bounds', { value: { qualifier: 'exact', best: 3, low: 1, text: 'x' } }, 'body/value/low'],
    ['at least without low', { value: { qualifier: 'at-least', best: 3, text: 'x' } }, 'body/value/low'],
    ['unknown with a number', { value: { qualifier: 'unknown', best: 3, text: 'x' } }, 'body/value/best'],
    ['negative', { value: { qualifier: 'exact', best: -3, text: 'x' } }, 'body/value/best'],
    ['unknown qualifier', { value: { qualifier: 'roughly', best: 3, text: 'x' } }, 'body/value/qualifier'],
    ['no wording', { value: { qualifier: 'exact', best: 3 } }, 'body/value/text'],
    ['unknown party', { subject: 'atlantis' }, 'body/subject'],
    ['unknown counterparty', { counterparty: 'atlantis' }, 'body/counterparty'],
    ['unknown claimant', { claimant: 'rumour-mill' }, 'body/claimant'],
    ['unknown metric', { metric: 'vibes' }, 'body/metric'],
    ['unknown article', { article: 'no-such-article' }, 'body/article'],
    ['unknown category', { category: 'animals' }, 'body/category'],
    ['future as-of', { asOf: '2022-10-01T00:10:00.000Z' }, 'body/asOf'],
    ['not a time', { asOf: 'last Tuesday' }, 'body/asOf'],
    ['unknown property', { casualties: 5 }, 'body/casualties'],
    [
      'correcting a figure of no table',
      { corrects: '01835d2a-0000-7000-8000-000000000000' },
      'body/corrects',
    ],
  ]
  const before = (await ctx.app.inject(`${TABLE}/figures`)).body
  for (const [name, change, path] of cases) {
    const res = await ctx.app.inject({
      method: 'POST',
      url: `${TABLE}/figures`,
      headers: facts,
      payload: { ...base, ...change },
    })
    t.equal(res.statusCode, 400, name)
    t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8')
    t.ok(
      res.json().errors.some((e: { path: string }) => e.path === path),
      `${name}: names ${path} (${JSON.stringify(res.json().errors)})`,
    )
  }
  const skew = await ctx.app.inject({
    method: 'POST',
    url: `${TABLE}/figures`,
    headers: facts,
    payload: { ...base, asOf: '2022-10-01T00:04:00.000Z' },
  })
  t.equal(skew.statusCode, 201, 'a few minutes of clock skew are tolerated')
  await ctx.app.inject({
    method: 'POST',
    url: `/v1/figures/${skew.json().id}/deprecate`,
    headers: facts,
    payload: { reason: 'duplicate' },
  })
  const after = (await ctx.app.inject(`${TABLE}/figures`)).json().data
  t.equal(after.length, JSON.parse(before).data.length + 1, 'only the valid figure was stored')
})

t.test('editors manage parties, sources, metrics and tables; facts:write is required', async (t) => {
  const ctx = await build(t, { now: '2026-01-01T00:00:00.000Z' })
  const facts = await ctx.auth('facts:write')
  const content = await ctx.auth('content:write')
  const denied = await ctx.app.inject({
    method: 'POST',
    url: '/v1/parties',
    headers: content,
    payload: { name: 'Georgia' },
  })
  t.equal(denied.statusCode, 403)
  const post = (url: string, payload: Record<string, unknown>) =>
    ctx.app.inject({ method: 'POST', url, headers: facts, payload })

  t.equal((await post('/v1/parties', { name: 'Georgia' })).statusCode, 201)
  t.equal((await post('/v1/parties', { name: 'Georgia' })).statusCode, 409)
  const source = await post('/v1/sources', {
    name: 'Ministry of Defence of Georgia',
    kind: 'ministry',
    party: 'georgia',
  })
  t.equal(source.statusCode, 201)
  t.match(source.json(), { slug: 'ministry-of-defence-of-georgia', party: { slug: 'georgia' } })
  const un = await post('/v1/sources', {
    name: 'UN OCHA',
    kind: 'international',
    url: 'https://www.unocha.org',
  })
  t.equal(un.json().party, null)
  t.equal((await post('/v1/sources', { name: 'Ghost', party: 'narnia' })).json().errors[0].path, 'body/party')
  const metric = await post('/v1/metrics', { name: 'Detained', description: 'Held by authorities.' })
  t.match(metric.json(), { slug: 'detained', compound: false })
  const compound = await post('/v1/metrics', { name: 'Killed or wounded', components: ['killed', 'wounded'] })
  t.match(compound.json(), { slug: 'killed-or-wounded', compound: true, components: ['killed', 'wounded'] })
  t.equal((await post('/v1/metrics', { name: 'Bad', components: ['nope'] })).statusCode, 400)
  t.ok((await ctx.app.inject('/v1/metrics')).json().data.length >= 9)

  const topic = await ctx.app.inject({
    method: 'POST',
    url: '/v1/topics',
    headers: content,
    payload: { title: 'Georgia' },
  })
  t.equal(topic.statusCode, 201)
  const table = await post('/v1/fact-tables', {
    title: 'Detentions in Georgia',
    topic: 'georgia',
    methodology: 'As claimed.',
  })
  t.equal(table.statusCode, 201)
  t.equal(table.headers.location, '/v1/fact-tables/detentions-in-georgia')
  t.match(table.json(), { topic: { slug: 'georgia' }, groups: [] })
  t.equal((await post('/v1/fact-tables', { title: 'Detentions in Georgia' })).statusCode, 409)
  const patched = await ctx.app.inject({
    method: 'PATCH',
    url: '/v1/fact-tables/detentions-in-georgia',
    headers: facts,
    payload: { methodology: 'Each claim as made.' },
  })
  t.equal(patched.json().methodology, 'Each claim as made.')

  const recorded = await post('/v1/fact-tables/detentions-in-georgia/figures', {
    metric: 'detained',
    subject: 'georgia',
    category: 'civilian',
    claimant: 'un-ocha',
    value: { qualifier: 'fewer-than', high: 50, text: 'fewer than fifty' },
    asOf: '2025-12-30T00:00:00.000Z',
    verification: 'corroborated',
    rank: 'preferred',
    sourceUrl: 'https://www.unocha.org/report',
  })
  t.equal(recorded.statusCode, 201, recorded.body)
  t.match(recorded.json(), {
    stance: 'independent',
    value: { display: 'fewer than 50' },
    verification: 'corroborated',
    rank: 'preferred',
  })
  await post('/v1/parties', { name: 'Other side' })
  const adversary = await post('/v1/fact-tables/detentions-in-georgia/figures', {
    metric: 'detained',
    subject: 'other-side',
    category: 'military',
    claimant: 'ministry-of-defence-of-georgia',
    value: { qualifier: 'unknown', text: 'an unknown number' },
    asOf: '2025-12-30T00:00:00.000Z',
  })
  t.match(adversary.json(), { stance: 'adversary', value: { display: 'unknown', best: null } })
  // Figures citing no article (a left join that found none) name no article among the response's keys.
  const read = await ctx.app.inject('/v1/fact-tables/detentions-in-georgia')
  t.equal(read.statusCode, 200)
  t.match(read.headers['surrogate-key'], /fact-table:/)
  t.notMatch(read.headers['surrogate-key'], /article:/)
  t.equal((await ctx.app.inject('/v1/fact-tables')).json().data.length, 1)
  t.equal((await ctx.app.inject('/v1/topics/georgia')).json().factTables[0].slug, 'detentions-in-georgia')

  const renamed = await ctx.app.inject({
    method: 'PATCH',
    url: '/v1/parties/georgia',
    headers: facts,
    payload: { name: 'Georgia (country)' },
  })
  t.equal(renamed.json().name, 'Georgia (country)')
})

t.test('the database itself refuses inconsistent numbers, whatever writes them', async (t) => {
  const ctx = await build(t, { demo: true })
  let n = 0
  const insert = (qualifier: string, best: number | null, low: number | null, high: number | null) =>
    rawExec(
      ctx.database.db,
      sql`insert into figures (id, table_id, metric_id, subject_party_id, category, claimant_id, qualifier, best, low, high,
          verbatim, as_of, as_of_precision, verification, rank, recorded_at, recorded_by)
         select ${`x-${++n}`}, t.id, m.id, null, 'all', s.id, ${qualifier}, ${best}, ${low}, ${high}, 'x', 0, 'day', 'unverified', 'normal', 0, 'test'
         from fact_tables t, metrics m, sources s limit 1`,
    )
  // SQLite and PostgreSQL word it differently; both name the CHECK constraint that refused the row.
  const refused = /CHECK constraint failed|violates check constraint/
  // Drizzle wraps the driver's error; its message is the cause's.
  const outcome = (write: Promise<unknown>) =>
    write.then(
      () => 'accepted',
      (error: Error & { cause?: Error }) => `${error.message} ${error.cause?.message ?? ''}`,
    )
  t.match(await outcome(insert('range', null, 50, 10)), refused, 'low > high')
  t.match(await outcome(insert('at-least', 5, 10, null)), refused, 'best < low')
  t.match(await outcome(insert('exact', null, null, null)), refused, 'exact without a number')
  t.match(await outcome(insert('unknown', 3, null, null)), refused, 'unknown with a number')
  t.match(await outcome(insert('exact', -1, null, null)), refused, 'negative')
  t.match(
    await outcome(
      rawExec(
        ctx.database.db,
        sql`update figures set rank = 'deprecated' where id = (select min(id) from figures)`,
      ),
    ),
    refused,
    'deprecation needs a reason and a time',
  )
  t.equal(await outcome(insert('range', 15, 10, 20)), 'accepted', 'a consistent range is accepted')
  const [row] = await rawRows<{ n: number }>(
    ctx.database.db,
    sql`select count(*) as n from figures where id like 'x-%'`,
  )
  t.equal(Number(row?.n), 1, 'only the consistent row was stored')
})

t.test('figures are shown with their thousands grouped, as en-US writes them', async (t) => {
  const ctx = await build(t, { demo: true, now: '2022-10-01T00:00:00.000Z' })
  const facts = await ctx.auth('facts:write')
  const cases: [Record<string, unknown>, string][] = [
    [{ qualifier: 'range', low: 1500, best: 20000, high: 1234567 }, '1,500–1,234,567'],
    [{ qualifier: 'exact', best: 999 }, '999'],
    [{ qualifier: 'at-least', low: 1000 }, 'at least 1,000'],
  ]
  for (const [value, display] of cases) {
    const res = await ctx.app.inject({
      method: 'POST',
      url: `${TABLE}/figures`,
      headers: facts,
      payload: {
        metric: 'displaced',
        subject: 'armenia',
        category: 'civilian',
        claimant: 'oc-media',
        value: { ...value, text: 'as reported' },
        asOf: '2022-09-30T00:00:00.000Z',
        asOfPrecision: 'day',
      },
    })
    t.equal(res.statusCode, 201, res.body)
    t.equal(res.json().value.display, display)
  }
})
