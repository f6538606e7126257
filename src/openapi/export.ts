/**
 * `npm run openapi`: writes openapi/openapi.json from the route schemas, and openapi/examples.json from real
 * responses of an app loaded with the demo data at a fixed time. The drift test runs `generate()` too.
 */
import { writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type App, buildApp } from '../app.js'
import { loadConfig } from '../config.js'
import { openDatabase } from '../db/client.js'
import { DEMO, MAIN } from '../demo/data.js'
import { DEMO_FIGURES, FACTS } from '../demo/facts.js'
import { seedDemo } from '../demo/seed.js'
import { createToken } from '../tokens/store.js'
import { type Examples, openapiFolder } from './document.js'

/** The demo newsroom as of this instant, so that examples never change between runs. */
const FIXED_NOW = Date.parse('2022-09-21T08:00:00.000Z')

interface Call {
  operationId: string
  method: 'GET' | 'POST' | 'PATCH' | 'PUT'
  url: string
  payload?: unknown
  /** A read that needs a token. */
  editor?: boolean
}

async function exampleCalls(app: App, authorization: string, next: () => void): Promise<Examples> {
  const main = MAIN.input.slug as string
  const calls: Call[] = [
    { operationId: 'listArticles', method: 'GET', url: `/v1/articles?topic=${DEMO.topic.slug}&limit=2` },
    { operationId: 'getArticle', method: 'GET', url: `/v1/articles/${main}?include=factTables,related` },
    { operationId: 'listRelatedArticles', method: 'GET', url: `/v1/articles/${main}/related?limit=2` },
    { operationId: 'listTopics', method: 'GET', url: '/v1/topics' },
    { operationId: 'getTopic', method: 'GET', url: `/v1/topics/${DEMO.topic.slug}` },
    { operationId: 'listAuthors', method: 'GET', url: '/v1/authors' },
    { operationId: 'getAuthor', method: 'GET', url: `/v1/authors/${DEMO.author.slug}` },
    { operationId: 'listCollections', method: 'GET', url: '/v1/collections' },
    { operationId: 'getCollection', method: 'GET', url: `/v1/collections/${DEMO.editorsPicks.slug}` },
    { operationId: 'listFactTables', method: 'GET', url: '/v1/fact-tables' },
    { operationId: 'getFactTable', method: 'GET', url: `/v1/fact-tables/${FACTS.table.slug}` },
    { operationId: 'getFactTableHistory', method: 'GET', url: `/v1/fact-tables/${FACTS.table.slug}/history` },
    { operationId: 'listFigures', method: 'GET', url: `/v1/fact-tables/${FACTS.table.slug}/figures` },
    { operationId: 'listFiguresCsv', method: 'GET', url: `/v1/fact-tables/${FACTS.table.slug}/figures.csv` },
    { operationId: 'getFigure', method: 'GET', url: `/v1/figures/${DEMO_FIGURES[2]?.id}` },
    { operationId: 'listParties', method: 'GET', url: '/v1/parties' },
    { operationId: 'getParty', method: 'GET', url: '/v1/parties/armenia' },
    { operationId: 'listSources', method: 'GET', url: '/v1/sources' },
    { operationId: 'getSource', method: 'GET', url: '/v1/sources/government-of-armenia' },
    { operationId: 'listMetrics', method: 'GET', url: '/v1/metrics' },
    { operationId: 'getMetric', method: 'GET', url: '/v1/metrics/killed-or-missing' },
    { operationId: 'listPopular', method: 'GET', url: '/v1/popular?window=1d&limit=3' },
    { operationId: 'listTrending', method: 'GET', url: '/v1/trending?limit=3' },
    { operationId: 'getArticleStats', method: 'GET', url: `/v1/articles/${main}/stats`, editor: true },
    { operationId: 'getFeed', method: 'GET', url: `/v1/feeds/rss?topic=${DEMO.topic.slug}&limit=1` },
    { operationId: 'getArticleNinjs', method: 'GET', url: `/v1/articles/${main}/ninjs` },
    { operationId: 'listNinjs', method: 'GET', url: '/v1/ninjs?type=podcast&limit=1' },
    { operationId: 'getPartnerUsage', method: 'GET', url: '/v1/partner-usage?from=2022-09-21', editor: true },
    {
      operationId: 'searchArticles',
      method: 'GET',
      url: '/v1/search?q=pelosi&facets=topic,type,year&limit=2',
    },
    { operationId: 'suggestSearch', method: 'GET', url: '/v1/search/suggest?q=pel' },
    { operationId: 'health', method: 'GET', url: '/health' },
    { operationId: 'ready', method: 'GET', url: '/ready' },
    {
      operationId: 'createArticle',
      method: 'POST',
      url: '/v1/articles',
      payload: {
        headline: 'Armenian and Azerbaijani foreign ministers to meet again',
        type: 'news',
        authors: [DEMO.author.slug],
        topics: [DEMO.topic.slug],
        tags: ['armenia', 'azerbaijan', 'diplomacy'],
        relatedArticles: [main],
        body: {
          blocks: [
            {
              type: 'paragraph',
              html: 'Blinken met with <strong>Ararat Mirzoyan</strong> and <strong>Jeyhun Bayramov</strong> on 19 September.',
            },
            { type: 'related', article: main, label: 'Read more' },
          ],
        },
      },
    },
    {
      operationId: 'updateArticle',
      method: 'PATCH',
      url: `/v1/articles/${main}`,
      payload: { standfirst: 'The first official direct talks since the border clashes of 13–14 September.' },
    },
    { operationId: 'unpublishArticle', method: 'POST', url: `/v1/articles/${main}/unpublish` },
    { operationId: 'publishArticle', method: 'POST', url: `/v1/articles/${main}/publish`, payload: {} },
    {
      operationId: 'createTopic',
      method: 'POST',
      url: '/v1/topics',
      payload: { title: 'Armenia–Azerbaijan peace talks', kind: 'story' },
    },
    {
      operationId: 'createAuthor',
      method: 'POST',
      url: '/v1/authors',
      payload: { name: 'OC Media Caucasus Desk', bio: 'Reporting from across the Caucasus.' },
    },
    {
      operationId: 'updateTopic',
      method: 'PATCH',
      url: `/v1/topics/${DEMO.topic.slug}`,
      payload: { description: 'The two-day war on the Armenia–Azerbaijan border of 13–14 September 2022.' },
    },
    {
      operationId: 'updateAuthor',
      method: 'PATCH',
      url: `/v1/authors/${DEMO.author.slug}`,
      payload: { bio: 'Independent journalism in the Caucasus.' },
    },
    {
      operationId: 'putCollection',
      method: 'PUT',
      url: `/v1/collections/${DEMO.editorsPicks.slug}`,
      payload: {
        title: 'Editor’s Picks',
        items: [main, 'opinion-the-war-never-ended-the-peace-process-never-existed'],
      },
    },
    {
      operationId: 'createFactTable',
      method: 'POST',
      url: '/v1/fact-tables',
      payload: { title: 'Prisoners of war held after September 2022', topic: DEMO.topic.slug },
    },
    {
      operationId: 'updateFactTable',
      method: 'PATCH',
      url: `/v1/fact-tables/${FACTS.table.slug}`,
      payload: { methodology: FACTS.table.methodology },
    },
    {
      operationId: 'recordFigure',
      method: 'POST',
      url: `/v1/fact-tables/${FACTS.table.slug}/figures`,
      payload: {
        metric: 'wounded',
        subject: 'armenia',
        category: 'civilian',
        claimant: 'government-of-armenia',
        value: { qualifier: 'around', best: 12, text: 'around a dozen civilian injuries' },
        asOf: '2022-09-20T10:00:00.000Z',
        asOfPrecision: 'day',
        article: MAIN.input.slug,
        corrects: DEMO_FIGURES[6]?.id,
        quote: 'Armenia has claimed … around a dozen civilian injuries.',
      },
    },
    {
      operationId: 'deprecateFigure',
      method: 'POST',
      url: `/v1/figures/${DEMO_FIGURES[10]?.id}/deprecate`,
      payload: { reason: 'duplicate', note: 'Recorded twice.' },
    },
    { operationId: 'createParty', method: 'POST', url: '/v1/parties', payload: { name: 'Russia' } },
    { operationId: 'updateParty', method: 'PATCH', url: '/v1/parties/armenia', payload: { name: 'Armenia' } },
    {
      operationId: 'createSource',
      method: 'POST',
      url: '/v1/sources',
      payload: { name: 'Ministry of Defence of Armenia', kind: 'ministry', party: 'armenia' },
    },
    {
      operationId: 'updateSource',
      method: 'PATCH',
      url: '/v1/sources/oc-media',
      payload: { kind: 'newsroom' },
    },
    {
      operationId: 'createMetric',
      method: 'POST',
      url: '/v1/metrics',
      payload: { name: 'Killed or wounded', components: ['killed', 'wounded'] },
    },
    {
      operationId: 'updateMetric',
      method: 'PATCH',
      url: '/v1/metrics/captured',
      payload: { description: 'People taken prisoner, by the counterparty.' },
    },
  ]
  const examples: Examples = {}
  for (const call of calls) {
    next()
    const res = await app.inject({
      method: call.method,
      url: call.url,
      ...(call.method === 'GET' ? {} : { payload: call.payload ?? {} }),
      ...(call.method !== 'GET' || call.editor ? { headers: { authorization } } : {}),
    })
    if (res.statusCode >= 300)
      throw new Error(`example ${call.operationId} answered ${res.statusCode}: ${res.body}`)
    examples[call.operationId] = {
      status: res.statusCode,
      response: String(res.headers['content-type']).includes('json') ? JSON.parse(res.body) : res.body,
      ...(call.payload === undefined || call.method === 'GET' ? {} : { request: call.payload }),
    }
  }
  return examples
}

export async function generate(): Promise<{ examples: Examples; document: unknown }> {
  const config = loadConfig({
    DATABASE_URL: 'file::memory:',
    LOG_LEVEL: 'silent',
    SITE_URL: 'https://newsdesk.example',
  })
  const database = await openDatabase(config.database)
  try {
    await seedDemo(database.db, FIXED_NOW)
    const { token } = await createToken(database.db, 'openapi-examples', ['admin'], FIXED_NOW)
    let tick = FIXED_NOW
    // Each call happens a second after the previous one, like an editor at work: stable ids and times. The clock
    // moves only between calls, so timers reading it meanwhile cannot shift the examples.
    const demoApp = await buildApp(config, {
      database,
      clock: () => tick,
      logger: false,
      examples: {},
    })
    const examples = stable(
      await exampleCalls(demoApp, `Bearer ${token}`, () => {
        tick += 1000
      }),
    )
    await demoApp.close()
    const app = await buildApp(config, { database, logger: false, examples })
    await app.ready()
    const document = app.swagger()
    await app.close()
    return { examples, document }
  } finally {
    await database.close()
  }
}

/** Ids of new rows are random; in examples they are replaced by fixed ones so the files do not churn. */
function stable(examples: Examples): Examples {
  let text = JSON.stringify(examples)
  const ids = new Set(
    text.match(/[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/g) ?? [],
  )
  let n = 0
  for (const id of ids) {
    if (id.includes('-0000-7000-8000-')) continue // the demo data's own fixed ids
    n++
    text = text.replaceAll(id, `0183${String(n).padStart(4, '0')}-0000-7000-8000-00000000e000`.slice(0, 36))
  }
  return JSON.parse(text) as Examples
}

export const serialise = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { examples, document } = await generate()
  writeFileSync(resolve(openapiFolder, 'examples.json'), serialise(examples))
  writeFileSync(resolve(openapiFolder, 'openapi.json'), serialise(document))
  console.log(`wrote ${resolve(openapiFolder, 'openapi.json')} and examples.json`)
}
