/**
 * View counts in the database: hourly buckets (added to in one transaction per flush), rolled up into daily totals
 * once older than the longest window; Most Popular and trending computed from them.
 *
 * Trending score = Σ views(hour) × 0.5 ^ ((now − middle of the hour) / 6 h), over the last 48 hours: an article
 * gaining readers now outranks one that was read more yesterday.
 */
import { and, desc, eq, gte, inArray, lt, sql } from 'drizzle-orm'
import { isVisible } from '../articles/store.js'
import type { Db } from '../db/client.js'
import { articles, articleTopics, topics, viewBuckets, viewDays } from '../db/schema.js'
import { DAY_MS, type Delta, HOUR_MS } from './counter.js'

export const WINDOWS = { '1d': 1, '7d': 7, '30d': 30 } as const
export type Window = keyof typeof WINDOWS
export const LONGEST_WINDOW_MS = 30 * DAY_MS
export const TRENDING_HALF_LIFE_HOURS = 6
export const TRENDING_HORIZON_HOURS = 48
export const TRENDING_FORMULA = `score = Σ views(hour) × 0.5^((now − middle of the hour) / ${TRENDING_HALF_LIFE_HOURS} h), over the last ${TRENDING_HORIZON_HOURS} hours; ties go to the newer article, then the id.`

const floorHour = (ms: number) => ms - (ms % HOUR_MS)

/** Adds deltas to their hourly buckets in one transaction; throws (changing nothing) if the database refuses. */
export function addToBuckets(db: Db, deltas: Delta[]): void {
  if (deltas.length === 0) return
  db.transaction((tx) => {
    for (const d of deltas) {
      tx.insert(viewBuckets)
        .values(d)
        .onConflictDoUpdate({
          target: [viewBuckets.articleId, viewBuckets.hour],
          set: {
            views: sql`${viewBuckets.views} + excluded.views`,
            uniques: sql`${viewBuckets.uniques} + excluded.uniques`,
            botViews: sql`${viewBuckets.botViews} + excluded.bot_views`,
          },
        })
        .run()
    }
  })
}

/** Moves hourly buckets older than the longest window into daily totals. */
export function rollUp(db: Db, now: number): number {
  const cutoff = floorHour(now) - LONGEST_WINDOW_MS
  return db.transaction((tx) => {
    const day = sql<number>`(${viewBuckets.hour} - (${viewBuckets.hour} % ${DAY_MS}))`
    const old = tx
      .select({
        articleId: viewBuckets.articleId,
        day,
        views: sql<number>`sum(${viewBuckets.views})`,
        uniques: sql<number>`sum(${viewBuckets.uniques})`,
        botViews: sql<number>`sum(${viewBuckets.botViews})`,
      })
      .from(viewBuckets)
      .where(lt(viewBuckets.hour, cutoff))
      .groupBy(viewBuckets.articleId, day)
      .all()
    for (const row of old) {
      tx.insert(viewDays)
        .values(row)
        .onConflictDoUpdate({
          target: [viewDays.articleId, viewDays.day],
          set: {
            views: sql`${viewDays.views} + excluded.views`,
            uniques: sql`${viewDays.uniques} + excluded.uniques`,
            botViews: sql`${viewDays.botViews} + excluded.bot_views`,
          },
        })
        .run()
    }
    tx.delete(viewBuckets).where(lt(viewBuckets.hour, cutoff)).run()
    return old.length
  })
}

const topicFilter = (topic: string | undefined) =>
  topic === undefined
    ? undefined
    : sql`exists (select 1 from ${articleTopics} inner join ${topics} on ${topics.id} = ${articleTopics.topicId}
        where ${articleTopics.articleId} = ${articles.id} and (${topics.slug} = ${topic} or ${topics.id} = ${topic}))`

/**
 * The most viewed published articles over the window. The window counts whole hours: a view in hour H counts in
 * `1d` until H + 24 h. Ties go to the newer article, then the id.
 */
export async function mostViewed(db: Db, window: Window, now: number, limit: number, topic?: string) {
  const since = floorHour(now) - (WINDOWS[window] * 24 - 1) * HOUR_MS
  const views = sql<number>`sum(${viewBuckets.views})`
  return db
    .select({ article: articles, views })
    .from(viewBuckets)
    .innerJoin(articles, eq(articles.id, viewBuckets.articleId))
    .where(and(gte(viewBuckets.hour, since), isVisible(now), topicFilter(topic)))
    .groupBy(viewBuckets.articleId)
    .having(sql`${views} > 0`)
    .orderBy(desc(views), desc(articles.publishedAt), articles.id)
    .limit(limit)
}

export async function trending(db: Db, now: number, limit: number, topic?: string) {
  const since = floorHour(now) - (TRENDING_HORIZON_HOURS - 1) * HOUR_MS
  const rows = await db
    .select({ articleId: viewBuckets.articleId, hour: viewBuckets.hour, views: viewBuckets.views })
    .from(viewBuckets)
    .innerJoin(articles, eq(articles.id, viewBuckets.articleId))
    .where(and(gte(viewBuckets.hour, since), isVisible(now), topicFilter(topic)))
  const scores = new Map<string, number>()
  for (const r of rows) {
    const ageHours = Math.max(0, now - (r.hour + HOUR_MS / 2)) / HOUR_MS
    scores.set(
      r.articleId,
      (scores.get(r.articleId) ?? 0) + r.views * 0.5 ** (ageHours / TRENDING_HALF_LIFE_HOURS),
    )
  }
  const ids = [...scores.keys()].filter((id) => (scores.get(id) ?? 0) > 0)
  const found = ids.length === 0 ? [] : await db.select().from(articles).where(inArray(articles.id, ids))
  return found
    .map((article) => ({ article, score: Math.round((scores.get(article.id) ?? 0) * 1000) / 1000 }))
    .sort(
      (a, b) =>
        b.score - a.score ||
        (b.article.publishedAt ?? 0) - (a.article.publishedAt ?? 0) ||
        (a.article.id < b.article.id ? -1 : 1),
    )
    .slice(0, limit)
}

/** Totals and per-day counts of one article, from the daily roll-up and the hourly buckets. */
export async function articleStats(db: Db, articleId: string) {
  const day = sql<number>`(${viewBuckets.hour} - (${viewBuckets.hour} % ${DAY_MS}))`
  const [recent, older] = await Promise.all([
    db
      .select({
        day,
        views: sql<number>`sum(${viewBuckets.views})`,
        uniques: sql<number>`sum(${viewBuckets.uniques})`,
        botViews: sql<number>`sum(${viewBuckets.botViews})`,
      })
      .from(viewBuckets)
      .where(eq(viewBuckets.articleId, articleId))
      .groupBy(day),
    db.select().from(viewDays).where(eq(viewDays.articleId, articleId)),
  ])
  const byDay = new Map<number, { views: number; uniques: number; botViews: number }>()
  for (const r of [...older, ...recent]) {
    const entry = byDay.get(r.day) ?? { views: 0, uniques: 0, botViews: 0 }
    entry.views += r.views
    entry.uniques += r.uniques
    entry.botViews += r.botViews
    byDay.set(r.day, entry)
  }
  const daily = [...byDay.entries()]
    .sort(([a], [b]) => a - b)
    .map(([d, counts]) => ({ date: new Date(d).toISOString().slice(0, 10), ...counts }))
  const totals = daily.reduce(
    (sum, d) => ({
      views: sum.views + d.views,
      uniques: sum.uniques + d.uniques,
      botViews: sum.botViews + d.botViews,
    }),
    { views: 0, uniques: 0, botViews: 0 },
  )
  return { totals, daily }
}
