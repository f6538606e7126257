/**
 * Most Popular and trending as running totals, so that reading a list never aggregates the view history.
 *
 * `view_totals` holds, per article, its views in each window and its trending accumulator. Each flush adds its
 * counts to them, and before that subtracts every hour that has left a window since the last flush (the hourly
 * buckets say how much). `view_marks` records, per window, the last hour already subtracted, inside the same
 * transaction as the subtraction: several processes flushing into one database subtract each hour exactly once.
 *
 * Trending: score(now) = Σ views(h) × 0.5^((now − mid(h)) / half-life). Stored as
 * trend = Σ views(h) × 2^((mid(h) − ref) / half-life), so that score = trend × 2^((ref − now) / half-life) and the
 * order of articles is the order of `trend`. The reference hour moves forward once a day (multiplying every
 * accumulator by the same factor) so the numbers stay small. Views in the current hour count at full weight
 * (their middle may be ahead of now).
 */
import { and, desc, eq, gt, lte, type SQL, sql } from 'drizzle-orm'
import { isVisible, summaryColumns } from '../articles/store.js'
import { type Db, preparedOnce, type Statement, statement } from '../db/client.js'
import { lockWithin } from '../db/locks.js'
import { articles, articleTopics, viewBuckets, viewMarks, viewTotals } from '../db/schema.js'
import { type Delta, HOUR_MS } from './counter.js'

export const WINDOWS = { '1d': 1, '7d': 7, '30d': 30 } as const
export type Window = keyof typeof WINDOWS
export const TRENDING_HALF_LIFE_HOURS = 6
export const TRENDING_HORIZON_HOURS = 48
export const TRENDING_FORMULA = `score = Σ views(hour) × 0.5^((now − middle of the hour) / ${TRENDING_HALF_LIFE_HOURS} h), over the last ${TRENDING_HORIZON_HOURS} hours (views in the current hour at full weight); ties go to the newer article, then the id.`

const HALF_LIFE_MS = TRENDING_HALF_LIFE_HOURS * HOUR_MS
const COLUMNS = { '1d': viewTotals.day, '7d': viewTotals.week, '30d': viewTotals.month } as const
/** What each mark tracks, and how many hours back from the current one it reaches. */
export const SPANS: [keyof Marks, number][] = [
  ['1d', 24],
  ['7d', 7 * 24],
  ['30d', 30 * 24],
  ['trend', TRENDING_HORIZON_HOURS],
]
const REF = 'trend-ref'
/** Below this a trending accumulator is float residue of subtracting what was added. */
const EPSILON = 1e-6

export interface Marks {
  '1d': number
  '7d': number
  '30d': number
  trend: number
  [REF]: number
}

/** A parameter both engines read as a floating-point number (PostgreSQL would infer bigint next to a count). */
const real = (value: unknown) => sql`cast(${value} as double precision)`

const floorHour = (ms: number) => ms - (ms % HOUR_MS)
const trendWeight = (hour: number, ref: number) => 2 ** ((hour + HOUR_MS / 2 - ref) / HALF_LIFE_MS)

/**
 * Brings the totals up to `now` (subtracting hours that left their windows) inside a write transaction, and
 * answers the marks to add new counts against. The first call on a database builds the totals from the buckets.
 */
export async function advanceTotals(tx: Db, now: number, only?: keyof Marks): Promise<Marks> {
  const hour = floorHour(now)
  // One flush at a time moves the marks (PostgreSQL: across instances); the next reads what it committed.
  await lockWithin(tx, 'view-totals')
  const stored = new Map((await tx.select().from(viewMarks)).map((m) => [m.name, m.hour]))
  if (!stored.has(REF)) return rebuildTotals(tx, hour)
  const marks = Object.fromEntries(stored) as unknown as Marks
  let moved = false
  for (const [name, hours] of SPANS) {
    if (only !== undefined && name !== only) continue
    const through = hour - hours * HOUR_MS
    if (through <= marks[name]) continue
    await subtract(tx, name, marks[name], through, marks[REF])
    marks[name] = through
    await setMark(tx, name, through)
    moved = true
  }
  if (hour - marks[REF] >= 24 * HOUR_MS) {
    const factor = 2 ** ((marks[REF] - hour) / HALF_LIFE_MS)
    await tx
      .update(viewTotals)
      .set({ trend: sql`${viewTotals.trend} * ${real(factor)}` })
      .where(gt(viewTotals.trend, 0))
    marks[REF] = hour
    await setMark(tx, REF, hour)
  }
  if (moved) {
    await tx
      .delete(viewTotals)
      .where(
        and(
          lte(viewTotals.day, 0),
          lte(viewTotals.week, 0),
          lte(viewTotals.month, 0),
          lte(viewTotals.trend, EPSILON),
        ),
      )
  }
  return marks
}

/**
 * The flush's statements, prepared once per connection: a flush runs one per article-hour, and building and
 * preparing SQL each time would cost more than running it.
 */
function prepareStatements(db: Db) {
  const articleId = sql.placeholder('articleId')
  const amount = sql.placeholder('amount')
  const lessBy = (name: string, set: Partial<Record<'day' | 'week' | 'month' | 'trend', SQL>>) =>
    statement(
      db,
      db.update(viewTotals).set(set).where(eq(viewTotals.articleId, articleId)),
      `totals_less_${name}`,
    )
  const statements = {
    addToBucket: statement(
      db,
      db
        .insert(viewBuckets)
        .values({
          articleId,
          hour: sql.placeholder('hour'),
          views: sql.placeholder('views'),
          uniques: sql.placeholder('uniques'),
          botViews: sql.placeholder('botViews'),
        })
        .onConflictDoUpdate({
          target: [viewBuckets.articleId, viewBuckets.hour],
          set: {
            views: sql`${viewBuckets.views} + excluded.views`,
            uniques: sql`${viewBuckets.uniques} + excluded.uniques`,
            botViews: sql`${viewBuckets.botViews} + excluded.bot_views`,
          },
        }),
      'buckets_add',
    ),
    addToTotals: statement(
      db,
      db
        .insert(viewTotals)
        .values({
          articleId,
          day: sql.placeholder('day'),
          week: sql.placeholder('week'),
          month: sql.placeholder('month'),
          trend: real(sql.placeholder('trend')),
        })
        .onConflictDoUpdate({
          target: viewTotals.articleId,
          set: {
            day: sql`${viewTotals.day} + excluded.day`,
            week: sql`${viewTotals.week} + excluded.week`,
            month: sql`${viewTotals.month} + excluded.month`,
            trend: sql`${viewTotals.trend} + excluded.trend`,
          },
        }),
      'totals_add',
    ),
    subtract: {
      '1d': lessBy('day', { day: sql`${viewTotals.day} - ${amount}` }),
      '7d': lessBy('week', { week: sql`${viewTotals.week} - ${amount}` }),
      '30d': lessBy('month', { month: sql`${viewTotals.month} - ${amount}` }),
      trend: lessBy('trend', { trend: sql`${viewTotals.trend} - ${real(amount)}` }),
    } as Record<Window | 'trend', Statement<never>>,
  }
  return statements
}
const statementsOf = preparedOnce(prepareStatements)

/** Adds flushed counts to their hourly buckets. */
export async function addToHourlyBuckets(db: Db, deltas: readonly Delta[]): Promise<void> {
  const { addToBucket } = statementsOf(db)
  for (const d of deltas) await addToBucket.run({ ...d })
}

/** Adds flushed counts to every window that still contains their hour. */
export async function addToTotals(db: Db, marks: Marks, deltas: readonly Delta[]): Promise<void> {
  const { addToTotals: add } = statementsOf(db)
  for (const d of deltas) {
    if (d.views === 0) continue
    const amounts = {
      day: d.hour > marks['1d'] ? d.views : 0,
      week: d.hour > marks['7d'] ? d.views : 0,
      month: d.hour > marks['30d'] ? d.views : 0,
      trend: d.hour > marks.trend ? d.views * trendWeight(d.hour, marks[REF]) : 0,
    }
    if (amounts.month === 0 && amounts.trend === 0) continue
    await add.run({ articleId: d.articleId, ...amounts })
  }
}

/** Subtracts the buckets of hours (from, through] from one window's totals. */
async function subtract(
  tx: Db,
  name: keyof Marks,
  from: number,
  through: number,
  ref: number,
): Promise<void> {
  const rows = await tx
    .select({ articleId: viewBuckets.articleId, hour: viewBuckets.hour, views: viewBuckets.views })
    .from(viewBuckets)
    .where(and(gt(viewBuckets.hour, from), lte(viewBuckets.hour, through), gt(viewBuckets.views, 0)))
  const byArticle = new Map<string, number>()
  for (const r of rows) {
    const amount = name === 'trend' ? r.views * trendWeight(r.hour, ref) : r.views
    byArticle.set(r.articleId, (byArticle.get(r.articleId) ?? 0) + amount)
  }
  const statement = statementsOf(tx).subtract[name as Window | 'trend']
  for (const [articleId, amount] of byArticle) await statement.run({ articleId, amount })
}

async function setMark(tx: Db, name: string, hour: number): Promise<void> {
  await tx
    .insert(viewMarks)
    .values({ name, hour })
    .onConflictDoUpdate({ target: viewMarks.name, set: { hour } })
}

/**
 * Computes every total from the hourly buckets: once, on a database that has none yet. The windows are summed in
 * SQL; only the trending horizon's buckets come to JavaScript, for their weights.
 */
async function rebuildTotals(tx: Db, hour: number): Promise<Marks> {
  const marks: Marks = {
    '1d': hour - 24 * HOUR_MS,
    '7d': hour - 7 * 24 * HOUR_MS,
    '30d': hour - 30 * 24 * HOUR_MS,
    trend: hour - TRENDING_HORIZON_HOURS * HOUR_MS,
    [REF]: hour,
  }
  await tx.delete(viewTotals)
  const within = (mark: number) =>
    sql<number>`coalesce(sum(case when ${viewBuckets.hour} > ${mark} then ${viewBuckets.views} else 0 end), 0)`
  const windows = await tx
    .select({
      articleId: viewBuckets.articleId,
      day: within(marks['1d']),
      week: within(marks['7d']),
      month: within(marks['30d']),
    })
    .from(viewBuckets)
    .where(gt(viewBuckets.hour, marks['30d']))
    .groupBy(viewBuckets.articleId)
  const trend = new Map<string, number>()
  const recent = await tx
    .select({ articleId: viewBuckets.articleId, hour: viewBuckets.hour, views: viewBuckets.views })
    .from(viewBuckets)
    .where(gt(viewBuckets.hour, marks.trend))
  for (const r of recent)
    trend.set(r.articleId, (trend.get(r.articleId) ?? 0) + r.views * trendWeight(r.hour, hour))
  const { addToTotals: add } = statementsOf(tx)
  for (const w of windows) {
    if (Number(w.month) > 0) await add.run({ ...w, trend: trend.get(w.articleId) ?? 0 })
  }
  for (const [name, value] of Object.entries(marks)) await setMark(tx, name, value)
  return marks
}

const inTopic = (topicId: string | undefined) =>
  topicId === undefined
    ? undefined
    : sql`exists (select 1 from ${articleTopics} where ${articleTopics.articleId} = ${articles.id} and ${articleTopics.topicId} = ${topicId})`

/**
 * The most viewed published articles over the window, as of the last flush. The window counts whole hours: a view
 * in hour H counts in `1d` until H + 24 h. Ties go to the newer article, then the id.
 */
export async function mostViewed(db: Db, window: Window, now: number, limit: number, topicId?: string) {
  const views = COLUMNS[window]
  return db
    .select({ article: summaryColumns, views })
    .from(viewTotals)
    .innerJoin(articles, eq(articles.id, viewTotals.articleId))
    .where(and(gt(views, 0), isVisible(now), inTopic(topicId)))
    .orderBy(desc(views), desc(articles.publishedAt), articles.id)
    .limit(limit)
}

/** Trending articles, as of the last flush; see the formula above. */
export async function trending(db: Db, now: number, limit: number, topicId?: string) {
  const refRow = await db.select().from(viewMarks).where(eq(viewMarks.name, REF))
  const ref = refRow[0]?.hour ?? floorHour(now)
  const current = floorHour(now)
  // The current hour's views carry weight 2^((mid − now)/half-life) > 1 in `trend` while its middle is ahead.
  const excess = Math.max(0, 2 ** ((current + HOUR_MS / 2 - now) / HALF_LIFE_MS) - 1)
  const score = sql<number>`${viewTotals.trend} * ${real(2 ** ((ref - now) / HALF_LIFE_MS))} - coalesce(${viewBuckets.views}, 0) * ${real(excess)}`
  const rows = await db
    .select({ article: summaryColumns, score })
    .from(viewTotals)
    .innerJoin(articles, eq(articles.id, viewTotals.articleId))
    .leftJoin(
      viewBuckets,
      and(eq(viewBuckets.articleId, viewTotals.articleId), eq(viewBuckets.hour, current)),
    )
    .where(and(gt(viewTotals.trend, EPSILON), isVisible(now), inTopic(topicId)))
    .orderBy(desc(score), desc(articles.publishedAt), articles.id)
    .limit(limit)
  return rows
    .map((r) => ({ article: r.article, score: Math.round(r.score * 1000) / 1000 }))
    .filter((r) => r.score > 0)
}
