import { index, integer, primaryKey, real, sqliteTable, text } from 'drizzle-orm/sqlite-core'

import { articles } from './content.js'

/* ---- Popularity: view counts in hourly buckets, rolled up into days once older than the longest window ---- */

export const viewBuckets = sqliteTable(
  'view_buckets',
  {
    articleId: text('article_id')
      .notNull()
      .references(() => articles.id, { onDelete: 'cascade' }),
    /** Start of the UTC hour, in ms. */
    hour: integer('hour').notNull(),
    /** Views by people, a repeat by the same visitor within 30 minutes counted once. */
    views: integer('views').notNull(),
    uniques: integer('uniques').notNull(),
    botViews: integer('bot_views').notNull(),
  },
  (t) => [primaryKey({ columns: [t.articleId, t.hour] }), index('view_buckets_hour_idx').on(t.hour)],
)

export const viewDays = sqliteTable(
  'view_days',
  {
    articleId: text('article_id')
      .notNull()
      .references(() => articles.id, { onDelete: 'cascade' }),
    /** Start of the UTC day, in ms. */
    day: integer('day').notNull(),
    views: integer('views').notNull(),
    uniques: integer('uniques').notNull(),
    botViews: integer('bot_views').notNull(),
  },
  (t) => [primaryKey({ columns: [t.articleId, t.day] })],
)

/*
 * Most Popular and trending, maintained as each flush writes: one row per article with views in a window, kept
 * exact by adding each flush's counts and subtracting each hour as it leaves a window. Reading a list is then an
 * index walk, whatever the archive's size or history.
 */
export const viewTotals = sqliteTable(
  'view_totals',
  {
    articleId: text('article_id')
      .primaryKey()
      .references(() => articles.id, { onDelete: 'cascade' }),
    /** Views by people in the last 24, 7 × 24 and 30 × 24 whole hours. */
    day: integer('day').notNull().default(0),
    week: integer('week').notNull().default(0),
    month: integer('month').notNull().default(0),
    /** Σ views × 2^((middle of the hour − reference hour) / half-life) over the trending horizon. */
    trend: real('trend').notNull().default(0),
  },
  (t) => [
    index('view_totals_day_idx').on(t.day),
    index('view_totals_week_idx').on(t.week),
    index('view_totals_month_idx').on(t.month),
    index('view_totals_trend_idx').on(t.trend),
  ],
)

/** Per window, the last hour already subtracted from the totals (and the trend's reference hour). */
export const viewMarks = sqliteTable('view_marks', {
  name: text('name').primaryKey(),
  hour: integer('hour').notNull(),
})
