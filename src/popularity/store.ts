/**
 * View counts in the database: hourly buckets (added to in one transaction per flush, together with the running
 * totals that Most Popular and trending read; see totals.ts), rolled up into daily totals once older than the
 * longest window.
 */
import { eq, inArray, lt, sql } from 'drizzle-orm'
import { type Db, first, writeTransaction } from '../db/client.js'
import { lockWithin } from '../db/locks.js'
import { articles, viewBuckets, viewDays, viewMarks } from '../db/schema.js'
import { DAY_MS, type Delta, HOUR_MS } from './counter.js'
import { addToHourlyBuckets, addToTotals, advanceTotals, type Marks } from './totals.js'

export const LONGEST_WINDOW_MS = 30 * DAY_MS

const floorHour = (ms: number) => ms - (ms % HOUR_MS)

/**
 * Adds deltas to their hourly buckets and the running totals in one transaction, after moving the totals' windows
 * up to `now`; throws (changing nothing) if the database refuses. Deltas for articles deleted since their views
 * were counted are dropped: answers how many views that was.
 */
/** Brings one window of the running totals up to `now`, in a transaction of its own (a flush does each in turn). */
export async function advanceWindow(db: Db, now: number, window: keyof Marks): Promise<void> {
  await writeTransaction(db, (tx) => advanceTotals(tx, now, window))
}

export async function addToBuckets(db: Db, deltas: Delta[], now: number): Promise<number> {
  return writeTransaction(db, async (tx) => {
    const marks = await advanceTotals(tx, now)
    if (deltas.length === 0) return 0
    const ids = [...new Set(deltas.map((d) => d.articleId))]
    const existing = new Set<string>()
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500)
      for (const row of await tx
        .select({ id: articles.id })
        .from(articles)
        .where(inArray(articles.id, chunk)))
        existing.add(row.id)
    }
    let dropped = 0
    const kept: Delta[] = []
    for (const d of deltas) {
      if (!existing.has(d.articleId)) {
        dropped += d.views + d.botViews
        continue
      }
      kept.push(d)
    }
    await addToHourlyBuckets(tx, kept)
    await addToTotals(tx, marks, kept)
    return dropped
  })
}

/** Moves hourly buckets older than the longest window into daily totals. */
export async function rollUp(db: Db, now: number): Promise<number> {
  return writeTransaction(db, async (tx) => {
    // Two instances rolling up at once would both move the same hours: one at a time, each seeing the other's work.
    await lockWithin(tx, 'view-rollup')
    // Only hours the 30-day total has already let go of: the running totals subtract them from the buckets.
    const mark = await first(tx.select().from(viewMarks).where(eq(viewMarks.name, '30d')))
    if (mark === undefined) return 0
    const cutoff = Math.min(floorHour(now) - LONGEST_WINDOW_MS, mark.hour + 1)
    const day = sql<number>`(${viewBuckets.hour} - (${viewBuckets.hour} % ${sql.raw(String(DAY_MS))}))`
    const old = await tx
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
    for (const row of old) {
      await tx
        .insert(viewDays)
        .values(row)
        .onConflictDoUpdate({
          target: [viewDays.articleId, viewDays.day],
          set: {
            views: sql`${viewDays.views} + excluded.views`,
            uniques: sql`${viewDays.uniques} + excluded.uniques`,
            botViews: sql`${viewDays.botViews} + excluded.bot_views`,
          },
        })
    }
    await tx.delete(viewBuckets).where(lt(viewBuckets.hour, cutoff))
    return old.length
  })
}

/** Totals and per-day counts of one article, from the daily roll-up and the hourly buckets. */
export async function articleStats(db: Db, articleId: string) {
  const day = sql<number>`(${viewBuckets.hour} - (${viewBuckets.hour} % ${sql.raw(String(DAY_MS))}))`
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
