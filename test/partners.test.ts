/**
 * Syndication partners (issue 11): feeds that real feed parsers read, ninjs 3.1 that the official schema accepts,
 * rights and embargoes on every partner read, and partner keys with tiers, rate-limit headers, usage and revocation.
 * Across instances (Redis, real processes) in scale-out.test.ts.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { extractFromJson } from '@extractus/feed-extractor'
import { Ajv2020 } from 'ajv/dist/2020.js'
import formats from 'ajv-formats'
import Parser from 'rss-parser'
import t from 'tap'
import { createToken } from '../src/tokens/store.js'
import { article, build, type TestContext } from './helper.js'

const NOW = '2022-09-21T08:00:00.000Z'
const MAIN = 'azerbaijani-and-armenian-foreign-ministers-meet-in-new-york'
const PODCAST = 'podcast-war-on-the-armenia-azerbaijan-border'
const TOPIC = '2022-azerbaijani-attack-on-armenia'
const SITE = { SITE_URL: 'https://oc-media.example', PUBLIC_API_URL: 'https://api.oc-media.example' }

// ajv-formats is CommonJS with `exports.default` (see src/http/validation.ts).
const addFormats = ((formats as unknown as { default?: typeof formats }).default ?? formats) as unknown as (
  ajv: Ajv2020,
) => Ajv2020

/** The official schema, with GeoJSON (which it refers to for places) stood in by an open object. */
function ninjsValidator() {
  const ajv = new Ajv2020({ strict: false, allErrors: true })
  addFormats(ajv)
  ajv.addSchema({ $id: 'https://geojson.org/schema/GeoJSON.json', type: 'object' })
  return ajv.compile(JSON.parse(readFileSync('test/fixtures/ninjs/ninjs-schema_3.1.json', 'utf8')))
}

async function partnerKey(ctx: TestContext, partner: string, tier = 'developer') {
  const { token, record } = await createToken(
    ctx.database.db,
    `${partner}-key`,
    ['syndication:read'],
    Date.now(),
    {
      partner,
      tier,
    },
  )
  return { headers: { authorization: `Bearer ${token}` }, record }
}

t.test('the official ninjs 3.1 schema is usable here', async (t) => {
  const validate = ninjsValidator()
  const dir = 'test/fixtures/ninjs/examples-3.1'
  for (const file of readdirSync(dir)) {
    const example = JSON.parse(readFileSync(`${dir}/${file}`, 'utf8'))
    // IPTC's renditions example has a relative `uri` ("renditions-example"); its own schema rightly says no.
    if (file === '002_renditions_example.json') t.notOk(validate(example), `${file}: its uri is not a URI`)
    else t.ok(validate(example), `IPTC's own ${file} validates`)
  }
  t.notOk(validate({ uri: 'urn:uuid:x', pubStatus: 'maybe' }), 'and it rejects what it should')
})

t.test('RSS 2.0: parsed by rss-parser, with items, dates, GUIDs, enclosures and warnings', async (t) => {
  const ctx = await build(t, { demo: true, now: NOW, env: SITE })
  const res = await ctx.app.inject('/v1/feeds/rss')
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], 'application/rss+xml; charset=utf-8')
  t.match(res.headers.etag, /^"/)
  const feed = await new Parser<Record<string, unknown>, Record<string, string>>().parseString(res.body)
  t.equal(feed.title, 'Newsdesk')
  t.equal(feed.items.length, 6)
  const main = feed.items.find((i) => i.link === `https://oc-media.example/articles/${MAIN}`)
  t.ok(main, 'the seed article, linked on the website')
  t.equal(main?.guid, 'urn:uuid:01835d2a-0000-7000-8000-0000000c0006', 'a GUID that survives slug changes')
  t.equal(main?.isoDate, '2022-09-20T10:00:00.000Z')
  t.match(
    main?.['content:encoded'],
    '<caption>Casualties of the September 2022',
    'full content with the table',
  )
  t.match(main?.categories, ['2022 Azerbaijani Attack on Armenia', 'armenia', 'azerbaijan'])
  const podcast = feed.items.find((i) => i.link?.endsWith(PODCAST))
  t.equal(podcast?.title, 'Podcast: War on the Armenia–Azerbaijan border')
  t.same(podcast?.enclosure, {
    url: 'https://media.newsdesk.example/demo/caucasus-digest-war-on-the-armenia-azerbaijan-border.mp3',
    length: '28800000',
    type: 'audio/mpeg',
  })
  const footage = feed.items.find((i) => i.link?.includes('footage'))
  t.ok(footage?.categories?.includes('content-warning:graphic-violence'), 'the warning travels with the item')
  t.match(footage?.['content:encoded'], /^<p class="content-warning"><strong>Warning: This article contains/)
  const again = await ctx.app.inject({ url: '/v1/feeds/rss', headers: { 'if-none-match': res.headers.etag } })
  t.equal(again.statusCode, 304, 'conditional GET like every other read')
})

t.test('Atom 1.0 and JSON Feed 1.1, per topic, author, tag and type', async (t) => {
  const ctx = await build(t, { demo: true, now: NOW, env: SITE })
  const topic = (await ctx.app.inject(`/v1/topics/${TOPIC}`)).json()
  t.same(topic.links.feeds, {
    rss: `/v1/feeds/rss?topic=${TOPIC}`,
    atom: `/v1/feeds/atom?topic=${TOPIC}`,
    json: `/v1/feeds/json?topic=${TOPIC}`,
  })
  const author = (await ctx.app.inject('/v1/authors/oc-media')).json()
  t.equal(author.links.feeds.atom, '/v1/feeds/atom?author=oc-media')

  const atom = await ctx.app.inject(topic.links.feeds.atom)
  t.equal(atom.headers['content-type'], 'application/atom+xml; charset=utf-8')
  const parsed = await new Parser().parseString(atom.body)
  t.equal(parsed.title, 'Newsdesk: 2022 Azerbaijani Attack on Armenia')
  t.equal(parsed.link, `https://oc-media.example/topics/${TOPIC}`)
  t.equal(parsed.items.length, 6)
  const main = parsed.items.find((i) => i.id === 'urn:uuid:01835d2a-0000-7000-8000-0000000c0006')
  t.equal(main?.link, `https://oc-media.example/articles/${MAIN}`)
  t.equal(main?.isoDate, '2022-09-20T10:00:00.000Z')
  t.match(main?.content, '<table>')
  t.match(
    atom.body,
    '<link rel="self" type="application/atom+xml" href="https://api.oc-media.example/v1/feeds/atom?topic=',
  )

  const json = await ctx.app.inject('/v1/feeds/json?type=podcast')
  t.equal(json.headers['content-type'], 'application/feed+json; charset=utf-8')
  t.equal(json.json().version, 'https://jsonfeed.org/version/1.1')
  const feed = extractFromJson(json.body, {
    getExtraEntryFields: (entry) => ({ attachments: entry.attachments, modified: entry.date_modified }),
  })
  t.equal(feed.entries?.length, 1, 'only the podcast')
  const [podcast] = feed.entries ?? []
  t.equal(podcast?.id, 'urn:uuid:01834989-0000-7000-8000-0000000c0003')
  t.equal(podcast?.title, 'Podcast: War on the Armenia–Azerbaijan border')
  t.match((podcast as unknown as { attachments: unknown }).attachments, [
    { mime_type: 'audio/mpeg', size_in_bytes: 28_800_000, duration_in_seconds: 1800 },
  ])
  const tagged = await new Parser().parseString((await ctx.app.inject('/v1/feeds/rss?tag=diplomacy')).body)
  t.same(
    tagged.items.map((i) => i.link),
    [`https://oc-media.example/articles/${MAIN}`],
  )
  t.equal((await ctx.app.inject('/v1/feeds/rss?topic=nothing')).statusCode, 404)
  t.equal((await ctx.app.inject('/v1/feeds/xml')).statusCode, 400)
  t.equal((await ctx.app.inject('/v1/feeds/rss?limit=51')).statusCode, 400)
})

t.test('ninjs 3.1: every demo article validates; by Accept, by path, and as a list', async (t) => {
  const ctx = await build(t, { demo: true, now: NOW, env: SITE })
  const validate = ninjsValidator()
  const list = await ctx.app.inject('/v1/ninjs?limit=100')
  t.equal(list.statusCode, 200)
  const docs = list.json().data
  t.equal(docs.length, 6)
  for (const doc of docs) {
    t.ok(validate(doc), `${doc.altIds[0].value}: ${JSON.stringify(validate.errors)}`)
    const byPath = await ctx.app.inject(`/v1/articles/${doc.altIds[0].value}/ninjs`)
    t.equal(byPath.headers['content-type'], 'application/ninjs+json; charset=utf-8')
    t.same(byPath.json(), doc)
  }
  const byAccept = await ctx.app.inject({
    url: `/v1/articles/${MAIN}`,
    headers: { accept: 'application/ninjs+json' },
  })
  t.equal(byAccept.headers['content-type'], 'application/ninjs+json; charset=utf-8')
  t.match(byAccept.headers.vary, /Accept/)
  const doc = byAccept.json()
  t.ok(validate(doc), JSON.stringify(validate.errors))
  t.match(doc, {
    uri: 'urn:uuid:01835d2a-0000-7000-8000-0000000c0006',
    type: 'text',
    pubStatus: 'usable',
    version: '2',
    versionCreated: '2022-09-20T10:00:00.000Z',
    language: 'en',
    by: 'OC Media',
    headlines: [{ role: 'main', value: 'Azerbaijani and Armenian foreign ministers meet in New York' }],
    bodies: [
      { role: 'main', contentType: 'text/html' },
      { role: 'main', contentType: 'text/plain' },
    ],
    subjects: [
      { name: '2022 Azerbaijani Attack on Armenia', rel: 'primary-topic', literal: TOPIC },
      { name: 'armenia', rel: 'tag' },
    ],
    associations: [
      {
        name: 'hero',
        type: 'picture',
        descriptions: [{ role: 'caption', value: 'Bayramov, Mirzoyan, and Blinken meet in New York.' }],
        by: 'Official photo.',
        renditions: [{ name: 'original', width: 1200, height: 800 }],
      },
    ],
  })
  // The JSON and the ninjs answers of one URL never stand in for each other in the cache.
  const json = await ctx.app.inject(`/v1/articles/${MAIN}`)
  t.equal(json.headers['content-type'], 'application/json; charset=utf-8')
  t.equal(json.json().slug, MAIN)
  const ninjsAgain = await ctx.app.inject({
    url: `/v1/articles/${MAIN}`,
    headers: { accept: 'application/ninjs+json' },
  })
  t.equal(ninjsAgain.json().uri, doc.uri)

  const editor = await ctx.auth('content:write')
  const patched = await ctx.app.inject({
    method: 'PATCH',
    url: `/v1/articles/${MAIN}`,
    headers: editor,
    payload: { standfirst: 'Talks in New York.' },
  })
  t.equal(patched.statusCode, 200)
  const edited = (await ctx.app.inject(`/v1/articles/${MAIN}/ninjs`)).json()
  t.equal(edited.version, '3', 'the version goes up with every edit')
  t.ok(validate(edited))
})

t.test('rights: a non-syndicatable article is never in full in any partner read', async (t) => {
  const ctx = await build(t, { demo: true, now: NOW, env: SITE })
  const editor = await ctx.auth('content:write')
  const set = async (rights: Record<string, unknown>) => {
    const res = await ctx.app.inject({
      method: 'PATCH',
      url: `/v1/articles/${MAIN}`,
      headers: editor,
      payload: { rights },
    })
    t.equal(res.statusCode, 200, res.body)
    return res.json()
  }
  const written = await set({ syndication: 'none', statement: '© OC Media 2022', usageTerms: 'Link only.' })
  t.same(written.rights, {
    syndication: 'none',
    partners: [],
    embargoUntil: null,
    statement: '© OC Media 2022',
    usageTerms: 'Link only.',
  })
  t.notOk('rights' in (await ctx.app.inject(`/v1/articles/${MAIN}`)).json(), 'the public does not see rights')
  const body = 'Blinken met with Armenian and Azerbaijani Foreign Ministers'
  const alpha = await partnerKey(ctx, 'alpha')
  const beta = await partnerKey(ctx, 'beta')
  const reads = async (headers: Record<string, string> = {}) => {
    const out: string[] = []
    for (const url of [
      '/v1/feeds/rss',
      '/v1/feeds/atom',
      '/v1/feeds/json',
      '/v1/ninjs',
      `/v1/articles/${MAIN}/ninjs`,
    ])
      out.push((await ctx.app.inject({ url, headers })).body)
    return out
  }
  for (const text of [...(await reads()), ...(await reads(alpha.headers))]) t.notMatch(text, body)
  const withheld = (await ctx.app.inject(`/v1/articles/${MAIN}/ninjs`)).json()
  t.match(withheld, {
    pubStatus: 'withheld',
    representationType: 'partial',
    copyrightNotice: '© OC Media 2022',
  })
  t.notOk('bodies' in withheld)
  t.ok(ninjsValidator()(withheld))
  t.match((await ctx.app.inject(`/v1/articles/${MAIN}`)).body, body, 'the website is unaffected')

  await set({ syndication: 'named', partners: ['alpha'] })
  const [rss, atom, json, list, one] = await reads(alpha.headers)
  for (const text of [rss, atom, json, list, one]) t.match(text, body, 'the named partner gets it in full')
  for (const text of [...(await reads(beta.headers)), ...(await reads())])
    t.notMatch(text, body, 'nobody else')
  const bad = await ctx.app.inject({
    method: 'PATCH',
    url: `/v1/articles/${MAIN}`,
    headers: editor,
    payload: { rights: { syndication: 'named', partners: [] } },
  })
  t.equal(bad.statusCode, 400)
  t.match(bad.json().errors, [{ path: 'body/rights/partners' }])
})

t.test('an embargoed article appears to partners exactly when its embargo ends', async (t) => {
  const ctx = await build(t, { demo: true, now: NOW, env: SITE })
  const editor = await ctx.auth('content:write')
  const ends = Date.parse(NOW) + 3_600_000
  const embargoed = await article(ctx, editor, {
    headline: 'Under embargo until nine',
    authors: ['oc-media'],
    topics: [TOPIC],
    publish: true,
    rights: { embargoUntil: new Date(ends).toISOString() },
  })
  const partner = await partnerKey(ctx, 'alpha')
  const seen = async () => {
    const anonymous = [
      (await ctx.app.inject('/v1/feeds/rss')).body,
      (await ctx.app.inject(`/v1/feeds/json?topic=${TOPIC}`)).body,
      (await ctx.app.inject('/v1/ninjs')).body,
    ]
    const keyed = (await ctx.app.inject({ url: '/v1/ninjs', headers: partner.headers })).body
    const one = await ctx.app.inject({ url: `/v1/articles/${embargoed.id}/ninjs`, headers: partner.headers })
    return {
      lists: [...anonymous, keyed].map((text) => text.includes(embargoed.id)),
      one: one.statusCode,
    }
  }
  t.equal((await ctx.app.inject(`/v1/articles/${embargoed.slug}`)).statusCode, 200, 'on the website at once')
  t.same(await seen(), { lists: [false, false, false, false], one: 404 }, 'partners see nothing of it')
  ctx.clock.set(ends - 1)
  t.same(await seen(), { lists: [false, false, false, false], one: 404 }, 'not a millisecond early')
  ctx.clock.set(ends)
  t.same(await seen(), { lists: [true, true, true, true], one: 200 }, 'there when it ends (cached feeds too)')
  const doc = (await ctx.app.inject(`/v1/articles/${embargoed.id}/ninjs`)).json()
  t.equal(doc.embargoedUntil, new Date(ends).toISOString())
  t.ok(ninjsValidator()(doc))
})

t.test('an article taken back is canceled for partners and leaves the feeds', async (t) => {
  const ctx = await build(t, { demo: true, now: NOW })
  const editor = await ctx.auth('content:write')
  const before = (await ctx.app.inject(`/v1/articles/${MAIN}/ninjs`)).json()
  const res = await ctx.app.inject({ method: 'POST', url: `/v1/articles/${MAIN}/unpublish`, headers: editor })
  t.equal(res.statusCode, 200)
  const canceled = await ctx.app.inject(`/v1/articles/${before.uri.slice('urn:uuid:'.length)}/ninjs`)
  t.equal(canceled.statusCode, 200)
  t.match(canceled.json(), {
    uri: before.uri,
    pubStatus: 'canceled',
    version: String(Number(before.version) + 1),
  })
  t.ok(ninjsValidator()(canceled.json()))
  t.notMatch((await ctx.app.inject('/v1/feeds/rss')).body, before.uri)
  const draft = await article(ctx, editor, { headline: 'Never out', authors: ['oc-media'] })
  t.equal((await ctx.app.inject(`/v1/articles/${draft.id}/ninjs`)).statusCode, 404, 'a draft never published')
})

t.test('partner keys: tiers, RateLimit headers that count down, 429, usage, revocation', async (t) => {
  const ctx = await build(t, { demo: true, now: NOW, env: { PARTNER_TIERS: 'trial=3/5,big=100/1000' } })
  const key = await partnerKey(ctx, 'alpha', 'trial')
  const get = () => ctx.app.inject({ url: '/v1/feeds/rss?limit=1', headers: key.headers })
  const counts: [number, string, string, string][] = []
  let refused: Awaited<ReturnType<typeof get>> | undefined
  for (let i = 0; i < 4; i++) {
    const res = await get()
    refused = res
    counts.push([
      res.statusCode,
      String(res.headers['ratelimit-limit']),
      String(res.headers['ratelimit-remaining']),
      String(res.headers['ratelimit-reset']),
    ])
  }
  // 08:00:00 exactly: the minute resets in 60 s.
  t.same(counts, [
    [200, '3', '2', '60'],
    [200, '3', '1', '60'],
    [200, '3', '0', '60'],
    [429, '3', '0', '60'],
  ])
  t.equal(refused?.headers['retry-after'], '60')
  t.equal(refused?.headers['content-type'], 'application/problem+json; charset=utf-8')
  t.equal(refused?.json().type, 'urn:newsdesk:problem:rate-limited')

  ctx.clock.advance(60_000)
  const next = await get()
  t.equal(next.statusCode, 200, 'a new minute')
  // Six counted today (refused ones count too): past the day's 5, which resets at midnight UTC.
  ctx.clock.advance(1_000)
  const day = await get()
  t.equal(day.statusCode, 429)
  t.equal(day.headers['ratelimit-limit'], '5', 'the day is now the tighter window')
  t.equal(day.headers['retry-after'], String(16 * 3600 - 61))

  t.notOk(
    (await ctx.app.inject('/v1/feeds/rss')).headers['ratelimit-limit'],
    'anonymous reads are not limited',
  )
  const editor = await ctx.auth('content:write')
  t.notOk((await ctx.app.inject({ url: '/v1/articles', headers: editor })).headers['ratelimit-limit'])
  const write = await ctx.app.inject({
    method: 'POST',
    url: '/v1/articles',
    headers: (await partnerKey(ctx, 'gamma', 'big')).headers,
    payload: { headline: 'x', authors: ['oc-media'], topics: [], body: { blocks: [] } },
  })
  t.equal(write.statusCode, 403, 'a partner key cannot write')

  const admin = await ctx.auth('admin')
  const usage = await ctx.app.inject({ url: '/v1/partner-usage?from=2022-09-21', headers: admin })
  t.equal(usage.statusCode, 200)
  t.match(usage.json().data, [
    {
      key: { name: 'alpha-key', partner: 'alpha', tier: 'trial', revoked: false },
      day: '2022-09-21',
      requests: 6,
    },
    { key: { partner: 'gamma', tier: 'big' }, requests: 1 },
  ])
  t.equal((await ctx.app.inject({ url: '/v1/partner-usage', headers: editor })).statusCode, 403)
  t.equal((await ctx.app.inject({ url: '/v1/partner-usage?from=yesterday', headers: admin })).statusCode, 400)

  const { revokeToken } = await import('../src/tokens/store.js')
  await revokeToken(ctx.database.db, key.record.id)
  t.equal((await get()).statusCode, 401, 'a revoked key stops at once')
})

t.test('tiers are configurable and checked at start', async (t) => {
  const { loadConfig, ConfigError } = await import('../src/config.js')
  t.same(loadConfig({ PARTNER_TIERS: 'a=1/10' }).partnerTiers, { a: { perMinute: 1, perDay: 10 } })
  const error = t.throws(() =>
    loadConfig({ PARTNER_TIERS: 'a=10/1,b', PARTNER_DEFAULT_TIER: 'gold' }),
  ) as InstanceType<typeof ConfigError>
  t.match(error.problems, [/^PARTNER_TIERS=/, /^PARTNER_DEFAULT_TIER=/])
})
