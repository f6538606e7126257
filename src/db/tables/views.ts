import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core'

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
