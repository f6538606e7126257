import { sql } from 'drizzle-orm'
import { type AnySQLiteColumn, check, index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'
import { figureChecks } from '../checks.js'

import {
  CATEGORIES,
  DEPRECATION_REASONS,
  PRECISIONS,
  QUALIFIERS,
  RANKS,
  SOURCE_KINDS,
  VERIFICATIONS,
} from '../enums.js'
import { articles, topics } from './content.js'

/* ---- Fact tables: sourced, time-varying, disputed figures ---- */

/** Whose people a figure is about: Armenia, Azerbaijan, ... */
export const parties = sqliteTable('parties', {
  id: text('id').primaryKey(),
  slug: text('slug').notNull().unique(),
  name: text('name').notNull(),
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull(),
})

/** Who claims a figure: a ministry, a government, a UN agency, the newsroom itself. */
export const sources = sqliteTable('sources', {
  id: text('id').primaryKey(),
  slug: text('slug').notNull().unique(),
  name: text('name').notNull(),
  kind: text('kind', {
    enum: SOURCE_KINDS,
  }).notNull(),
  /** The party the source speaks for, if any: decides whether a claim is self-reported, adversary or independent. */
  partyId: text('party_id').references(() => parties.id, { onDelete: 'restrict' }),
  url: text('url'),
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull(),
})

export const metrics = sqliteTable('metrics', {
  id: text('id').primaryKey(),
  slug: text('slug').notNull().unique(),
  name: text('name').notNull(),
  description: text('description'),
  /** Slugs of the metrics a compound one (killed-or-missing) covers; it is never summed with them. */
  components: text('components', { mode: 'json' }).notNull().$type<string[]>(),
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull(),
})

export const factTables = sqliteTable('fact_tables', {
  id: text('id').primaryKey(),
  slug: text('slug').notNull().unique(),
  title: text('title').notNull(),
  methodology: text('methodology'),
  topicId: text('topic_id').references(() => topics.id, { onDelete: 'set null' }),
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull(),
})

/**
 * One row per claim, never edited in place: only deprecation (rank, reason, time, who) is ever set later.
 * The CHECK constraints keep the numbers consistent with the qualifier whatever writes them.
 */
export const figures = sqliteTable(
  'figures',
  {
    id: text('id').primaryKey(),
    tableId: text('table_id')
      .notNull()
      .references(() => factTables.id, { onDelete: 'restrict' }),
    metricId: text('metric_id')
      .notNull()
      .references(() => metrics.id, { onDelete: 'restrict' }),
    /** Null: all sides together (the newsroom's "over 200" killed in the war). */
    subjectPartyId: text('subject_party_id').references(() => parties.id, { onDelete: 'restrict' }),
    category: text('category', { enum: CATEGORIES }).notNull(),
    /** The other side of a captured figure: captured *by*. */
    counterpartyId: text('counterparty_id').references(() => parties.id, { onDelete: 'restrict' }),
    claimantId: text('claimant_id')
      .notNull()
      .references(() => sources.id, { onDelete: 'restrict' }),
    qualifier: text('qualifier', {
      enum: QUALIFIERS,
    }).notNull(),
    best: integer('best'),
    low: integer('low'),
    high: integer('high'),
    verbatim: text('verbatim').notNull(),
    asOf: integer('as_of').notNull(),
    asOfPrecision: text('as_of_precision', { enum: PRECISIONS }).notNull(),
    sourceUrl: text('source_url'),
    quote: text('quote'),
    articleId: text('article_id').references(() => articles.id, { onDelete: 'set null' }),
    verification: text('verification', {
      enum: VERIFICATIONS,
    }).notNull(),
    rank: text('rank', { enum: RANKS }).notNull(),
    deprecationReason: text('deprecation_reason', {
      enum: DEPRECATION_REASONS,
    }),
    deprecationNote: text('deprecation_note'),
    deprecatedAt: integer('deprecated_at'),
    deprecatedBy: text('deprecated_by'),
    supersedesId: text('supersedes_id').references((): AnySQLiteColumn => figures.id, {
      onDelete: 'restrict',
    }),
    recordedAt: integer('recorded_at').notNull(),
    /** The token (by name) that recorded it, or `demo`/`import` for loaded data. */
    recordedBy: text('recorded_by').notNull(),
  },
  (t) => [
    index('figures_series_idx').on(t.tableId, t.metricId, t.subjectPartyId, t.category, t.claimantId, t.asOf),
    ...figureChecks(t, sql`0`).map(([name, condition]) => check(name, condition)),
  ],
)
