/**
 * `npm run bench:popular`: how long Most Popular and trending hold the event loop on a large view history, the
 * case issue 7 found (3,000 articles × 720 hourly buckets). better-sqlite3 is synchronous, so each duration here is
 * time the event loop is blocked. Compared in the same run with the old way (aggregating the buckets per request).
 *
 *   BENCH_ARTICLES (default 3000), BENCH_HOURS (default 720), BENCH_REPEAT (default 20).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { and, desc, eq, gte, sql } from 'drizzle-orm'
import { isVisible } from '../../src/articles/store.js'
import { createArticle, publishArticle } from '../../src/articles/writes.js'
import { createAuthor } from '../../src/authors/store.js'
import { openDatabase, writeTransaction } from '../../src/db/client.js'
import { articles, viewBuckets } from '../../src/db/schema.js'
import { HOUR_MS } from '../../src/popularity/counter.js'
import { addToBuckets, advanceWindow } from '../../src/popularity/store.js'
import { advanceTotals, mostViewed, SPANS, trending } from '../../src/popularity/totals.js'

const ARTICLES = Number(process.env.BENCH_ARTICLES ?? 3000)
const HOURS = Number(process.env.BENCH_HOURS ?? 720)
const REPEAT = Number(process.env.BENCH_REPEAT ?? 20)

const dir = mkdtempSync(join(tmpdir(), 'newsdesk-bench-popular-'))
const database = await openDatabase({ engine: 'sqlite', path: join(dir, 'bench.db'), busyTimeoutMs: 5000 })
const { db } = database
const sqlite = (database as import('../../src/db/sqlite.js').SqliteDatabase).connection

/** On SQLite an awaited transaction runs within one turn of the event loop: its duration is the time blocked. */
async function time<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now()
  const result = await fn()
  return [result, performance.now() - started]
}

async function timeAsync(fn: () => Promise<unknown>): Promise<number> {
  const samples: number[] = []
  for (let i = 0; i < REPEAT; i++) {
    const started = performance.now()
    await fn()
    samples.push(performance.now() - started)
  }
  samples.sort((a, b) => a - b)
  return samples[Math.floor(samples.length / 2)] as number
}

const now = Date.now()
const hour = now - (now % HOUR_MS)
await createAuthor(db, { name: 'Bench Desk' }, now)
const ids: string[] = []
for (let i = 0; i < ARTICLES; i++) {
  const at = now - 40 * 86_400_000 + i * 1000
  const row = await createArticle(
    db,
    { headline: `Popular ${i}`, authors: ['bench-desk'], topics: [], body: { blocks: [] } },
    at,
  )
  await publishArticle(db, row.id, at, undefined, at)
  ids.push(row.id)
}
const insert = sqlite.prepare(
  'insert into view_buckets (article_id, hour, views, uniques, bot_views) values (?, ?, ?, ?, 0)',
)
sqlite.transaction(() => {
  for (let a = 0; a < ids.length; a++)
    for (let h = 0; h < HOURS; h++) {
      const views = ((a * 31 + h * 17) % 97) + 1
      insert.run(ids[a], hour - h * HOUR_MS, views, views)
    }
})()
console.log(
  `${ARTICLES} articles × ${HOURS} hourly buckets = ${(ARTICLES * HOURS).toLocaleString('en')} rows`,
)

const [, rebuild] = await time(() => writeTransaction(db, (tx) => advanceTotals(tx, now)))

// The old way, for comparison: every request aggregated the window's buckets.
const oldMostViewed = (days: number) => {
  const since = hour - (days * 24 - 1) * HOUR_MS
  const views = sql<number>`sum(${viewBuckets.views})`
  return db
    .select({ article: articles, views })
    .from(viewBuckets)
    .innerJoin(articles, eq(articles.id, viewBuckets.articleId))
    .where(and(gte(viewBuckets.hour, since), isVisible(now)))
    .groupBy(viewBuckets.articleId)
    .orderBy(desc(views), desc(articles.publishedAt), articles.id)
    .limit(50)
}

const rows: [string, number][] = []
for (const [window, days] of [
  ['1d', 1],
  ['7d', 7],
  ['30d', 30],
] as const) {
  rows.push([
    `Most Popular ${window}, running totals`,
    await timeAsync(() => mostViewed(db, window, now, 50)),
  ])
  rows.push([`Most Popular ${window}, old per-request aggregate`, await timeAsync(() => oldMostViewed(days))])
}
rows.push(['trending, running totals', await timeAsync(() => trending(db, now, 50))])

const deltas = ids.map((articleId, i) => ({ articleId, hour, views: (i % 7) + 1, uniques: 1, botViews: 0 }))
// What the service does: slices of 200 article-hours, and one window at a time, yielding in between.
const [, slice] = await time(() => addToBuckets(db, deltas.slice(0, 200), now))
const [, flush] = await time(() => addToBuckets(db, deltas, now))
const moves: number[] = []
for (const [window] of SPANS) moves.push((await time(() => advanceWindow(db, now + HOUR_MS, window)))[1])
rows.push(['flush slice of 200 article-hours (one transaction)', slice])
rows.push([`all ${ARTICLES} article-hours in one transaction (not done any more)`, flush])
rows.push(['hour boundary, the slowest window (one transaction each)', Math.max(...moves)])
rows.push(['first start after the upgrade (totals built once)', rebuild])

console.log('\n| operation | event loop blocked, ms (median) |\n| --- | ---: |')
for (const [name, ms] of rows) console.log(`| ${name} | ${ms.toFixed(2)} |`)
await database.close()
rmSync(dir, { recursive: true, force: true })
