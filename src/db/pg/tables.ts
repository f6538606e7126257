/**
 * The PostgreSQL twin of `src/db/tables`: the same tables, columns, nullability, defaults, indexes and
 * constraints (test/schema.test.ts proves it), in PostgreSQL's own types. drizzle-kit generates
 * `migrations/pg` from this file; queries at run time are built from the SQLite tables, whose column codecs
 * match what `src/db/postgres.ts` makes node-postgres return.
 *
 * - Times are epoch milliseconds in `bigint`, as in SQLite, so both engines answer the same instants.
 * - Text compares and sorts by code point (`COLLATE "C"`), as SQLite's BINARY does: keyset cursors on slugs
 *   and tags walk the same order on both engines.
 * - JSON is `jsonb`; the trending score is `double precision`.
 */
import { sql } from 'drizzle-orm'
import {
  type AnyPgColumn,
  bigint,
  check,
  customType,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  uniqueIndex,
} from 'drizzle-orm/pg-core'
import { figureChecks } from '../checks.js'
import type { StoredImage, StoredParts, StoredSummaryLinks } from '../tables/content.js'

/** `text COLLATE "C"`: byte order, like SQLite. */
const text = customType<{ data: string; driverData: string }>({ dataType: () => 'text COLLATE "C"' })
/** Epoch milliseconds. */
const ms = (name: string) => bigint(name, { mode: 'number' })

export const authors = pgTable('authors', {
  id: text('id').primaryKey(),
  slug: text('slug').notNull().unique(),
  name: text('name').notNull(),
  bio: text('bio'),
  avatarUrl: text('avatar_url'),
  createdAt: ms('created_at').notNull(),
  updatedAt: ms('updated_at').notNull(),
})

export const topics = pgTable('topics', {
  id: text('id').primaryKey(),
  slug: text('slug').notNull().unique(),
  title: text('title').notNull(),
  description: text('description'),
  kind: text('kind').notNull(),
  heroImage: jsonb('hero_image').$type<StoredImage>(),
  createdAt: ms('created_at').notNull(),
  updatedAt: ms('updated_at').notNull(),
})

export const articles = pgTable(
  'articles',
  {
    id: text('id').primaryKey(),
    slug: text('slug').notNull().unique(),
    type: text('type').notNull(),
    headline: text('headline').notNull(),
    kicker: text('kicker'),
    standfirst: text('standfirst'),
    language: text('language').notNull(),
    status: text('status').notNull(),
    publishedAt: ms('published_at'),
    createdAt: ms('created_at').notNull(),
    updatedAt: ms('updated_at').notNull(),
    version: integer('version').notNull(),
    primaryTopicId: text('primary_topic_id').references(() => topics.id, { onDelete: 'set null' }),
    heroImage: jsonb('hero_image').$type<StoredImage>(),
    contentWarning: text('content_warning'),
    contentWarningText: text('content_warning_text'),
    bodyBlocks: jsonb('body_blocks').notNull().$type<unknown[]>(),
    bodyHtml: text('body_html').notNull(),
    bodyText: text('body_text').notNull(),
    bodyParts: jsonb('body_parts').$type<StoredParts>(),
    summaryLinks: jsonb('summary_links').$type<StoredSummaryLinks>(),
    excerpt: text('excerpt').notNull(),
    wordCount: integer('word_count').notNull(),
    readingTimeMinutes: integer('reading_time_minutes').notNull(),
    syndication: text('syndication').notNull().default('all'),
    syndicationPartners: jsonb('syndication_partners').notNull().$type<string[]>().default([]),
    embargoUntil: ms('embargo_until'),
    rightsStatement: text('rights_statement'),
    usageTerms: text('usage_terms'),
    withdrawnAt: ms('withdrawn_at'),
  },
  (t) => [
    index('articles_visible_idx').on(t.status, t.publishedAt, t.id),
    // The next embargo to end (src/articles/store.ts nextScheduled), after every write: not a scan of the archive.
    index('articles_embargo_idx').on(t.status, t.embargoUntil),
    index('articles_type_idx').on(t.type, t.publishedAt),
    // Related articles keep only candidates with a body (`word_count > 0`): answered from this index, not from the
    // row, where SQLite keeps the column behind the bodies' overflow pages.
    index('articles_words_idx').on(t.id, t.wordCount),
  ],
)

/**
 * What public reads join instead of rendering: each article's summary (src/articles/summary-template.ts) and body
 * (src/articles/template.ts) as JSON made at write time, with what depends on the reading left to fill in. Tables of
 * their own, not columns of \`articles\`: SQLite keeps a row's columns in order, and an article's row runs to 60 KB
 * over a chain of overflow pages (its body in three forms), so a column behind the bodies cost a walk down that
 * chain on every read. No row: not made yet (the reads render it in full).
 */
export const summaryTemplates = pgTable('summary_templates', {
  articleId: text('article_id')
    .primaryKey()
    .references(() => articles.id, { onDelete: 'cascade' }),
  template: text('template').notNull(),
})

export const bodyTemplates = pgTable('body_templates', {
  articleId: text('article_id')
    .primaryKey()
    .references(() => articles.id, { onDelete: 'cascade' }),
  template: text('template').notNull(),
})

export const articleSlugs = pgTable('article_slugs', {
  slug: text('slug').primaryKey(),
  articleId: text('article_id')
    .notNull()
    .references(() => articles.id, { onDelete: 'cascade' }),
  retiredAt: ms('retired_at').notNull(),
})

export const bylines = pgTable(
  'bylines',
  {
    articleId: text('article_id')
      .notNull()
      .references(() => articles.id, { onDelete: 'cascade' }),
    authorId: text('author_id')
      .notNull()
      .references(() => authors.id, { onDelete: 'restrict' }),
    position: integer('position').notNull(),
    publishedAt: ms('published_at'),
  },
  (t) => [
    primaryKey({ columns: [t.articleId, t.authorId] }),
    index('bylines_author_idx').on(t.authorId),
    index('bylines_author_published_idx').on(t.authorId, t.publishedAt, t.articleId),
  ],
)

export const articleTopics = pgTable(
  'article_topics',
  {
    articleId: text('article_id')
      .notNull()
      .references(() => articles.id, { onDelete: 'cascade' }),
    topicId: text('topic_id')
      .notNull()
      .references(() => topics.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
    publishedAt: ms('published_at'),
  },
  (t) => [
    primaryKey({ columns: [t.articleId, t.topicId] }),
    index('article_topics_topic_idx').on(t.topicId),
    index('article_topics_topic_published_idx').on(t.topicId, t.publishedAt, t.articleId),
  ],
)

export const articleTags = pgTable(
  'article_tags',
  {
    articleId: text('article_id')
      .notNull()
      .references(() => articles.id, { onDelete: 'cascade' }),
    tag: text('tag').notNull(),
    position: integer('position').notNull(),
    publishedAt: ms('published_at'),
  },
  (t) => [
    primaryKey({ columns: [t.articleId, t.tag] }),
    index('article_tags_tag_idx').on(t.tag),
    index('article_tags_tag_published_idx').on(t.tag, t.publishedAt, t.articleId),
  ],
)

export const relatedArticles = pgTable(
  'related_articles',
  {
    articleId: text('article_id')
      .notNull()
      .references(() => articles.id, { onDelete: 'cascade' }),
    relatedId: text('related_id')
      .notNull()
      .references(() => articles.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
  },
  (t) => [primaryKey({ columns: [t.articleId, t.relatedId] })],
)

export const collections = pgTable('collections', {
  id: text('id').primaryKey(),
  slug: text('slug').notNull().unique(),
  title: text('title').notNull(),
  createdAt: ms('created_at').notNull(),
  updatedAt: ms('updated_at').notNull(),
})

export const collectionItems = pgTable(
  'collection_items',
  {
    collectionId: text('collection_id')
      .notNull()
      .references(() => collections.id, { onDelete: 'cascade' }),
    articleId: text('article_id')
      .notNull()
      .references(() => articles.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
  },
  (t) => [primaryKey({ columns: [t.collectionId, t.articleId] })],
)

export const apiTokens = pgTable(
  'api_tokens',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    tokenHash: text('token_hash').notNull(),
    scopes: jsonb('scopes').notNull().$type<string[]>(),
    createdAt: ms('created_at').notNull(),
    lastUsedAt: ms('last_used_at'),
    revokedAt: ms('revoked_at'),
    partner: text('partner'),
    tier: text('tier'),
  },
  (t) => [uniqueIndex('api_tokens_hash_idx').on(t.tokenHash)],
)

export const partnerUsage = pgTable(
  'partner_usage',
  {
    tokenId: text('token_id')
      .notNull()
      .references(() => apiTokens.id, { onDelete: 'cascade' }),
    day: text('day').notNull(),
    requests: integer('requests').notNull(),
  },
  (t) => [primaryKey({ columns: [t.tokenId, t.day] })],
)

/* ---- Fact tables ---- */

export const parties = pgTable('parties', {
  id: text('id').primaryKey(),
  slug: text('slug').notNull().unique(),
  name: text('name').notNull(),
  createdAt: ms('created_at').notNull(),
  updatedAt: ms('updated_at').notNull(),
})

export const sources = pgTable('sources', {
  id: text('id').primaryKey(),
  slug: text('slug').notNull().unique(),
  name: text('name').notNull(),
  kind: text('kind').notNull(),
  partyId: text('party_id').references(() => parties.id, { onDelete: 'restrict' }),
  url: text('url'),
  createdAt: ms('created_at').notNull(),
  updatedAt: ms('updated_at').notNull(),
})

export const metrics = pgTable('metrics', {
  id: text('id').primaryKey(),
  slug: text('slug').notNull().unique(),
  name: text('name').notNull(),
  description: text('description'),
  components: jsonb('components').notNull().$type<string[]>(),
  createdAt: ms('created_at').notNull(),
  updatedAt: ms('updated_at').notNull(),
})

export const factTables = pgTable('fact_tables', {
  id: text('id').primaryKey(),
  slug: text('slug').notNull().unique(),
  title: text('title').notNull(),
  methodology: text('methodology'),
  topicId: text('topic_id').references(() => topics.id, { onDelete: 'set null' }),
  createdAt: ms('created_at').notNull(),
  updatedAt: ms('updated_at').notNull(),
})

export const figures = pgTable(
  'figures',
  {
    id: text('id').primaryKey(),
    tableId: text('table_id')
      .notNull()
      .references(() => factTables.id, { onDelete: 'restrict' }),
    metricId: text('metric_id')
      .notNull()
      .references(() => metrics.id, { onDelete: 'restrict' }),
    subjectPartyId: text('subject_party_id').references(() => parties.id, { onDelete: 'restrict' }),
    category: text('category').notNull(),
    counterpartyId: text('counterparty_id').references(() => parties.id, { onDelete: 'restrict' }),
    claimantId: text('claimant_id')
      .notNull()
      .references(() => sources.id, { onDelete: 'restrict' }),
    qualifier: text('qualifier').notNull(),
    best: bigint('best', { mode: 'number' }),
    low: bigint('low', { mode: 'number' }),
    high: bigint('high', { mode: 'number' }),
    verbatim: text('verbatim').notNull(),
    asOf: ms('as_of').notNull(),
    asOfPrecision: text('as_of_precision').notNull(),
    sourceUrl: text('source_url'),
    quote: text('quote'),
    articleId: text('article_id').references(() => articles.id, { onDelete: 'set null' }),
    verification: text('verification').notNull(),
    rank: text('rank').notNull(),
    deprecationReason: text('deprecation_reason'),
    deprecationNote: text('deprecation_note'),
    deprecatedAt: ms('deprecated_at'),
    deprecatedBy: text('deprecated_by'),
    supersedesId: text('supersedes_id').references((): AnyPgColumn => figures.id, { onDelete: 'restrict' }),
    recordedAt: ms('recorded_at').notNull(),
    recordedBy: text('recorded_by').notNull(),
  },
  (t) => [
    index('figures_series_idx').on(t.tableId, t.metricId, t.subjectPartyId, t.category, t.claimantId, t.asOf),
    ...figureChecks(t, sql`false`).map(([name, condition]) => check(name, condition)),
  ],
)

/* ---- Popularity ---- */

export const viewBuckets = pgTable(
  'view_buckets',
  {
    articleId: text('article_id')
      .notNull()
      .references(() => articles.id, { onDelete: 'cascade' }),
    hour: ms('hour').notNull(),
    views: bigint('views', { mode: 'number' }).notNull(),
    uniques: bigint('uniques', { mode: 'number' }).notNull(),
    botViews: bigint('bot_views', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.articleId, t.hour] }), index('view_buckets_hour_idx').on(t.hour)],
)

export const viewDays = pgTable(
  'view_days',
  {
    articleId: text('article_id')
      .notNull()
      .references(() => articles.id, { onDelete: 'cascade' }),
    day: ms('day').notNull(),
    views: bigint('views', { mode: 'number' }).notNull(),
    uniques: bigint('uniques', { mode: 'number' }).notNull(),
    botViews: bigint('bot_views', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.articleId, t.day] })],
)

export const viewTotals = pgTable(
  'view_totals',
  {
    articleId: text('article_id')
      .primaryKey()
      .references(() => articles.id, { onDelete: 'cascade' }),
    day: bigint('day', { mode: 'number' }).notNull().default(0),
    week: bigint('week', { mode: 'number' }).notNull().default(0),
    month: bigint('month', { mode: 'number' }).notNull().default(0),
    trend: doublePrecision('trend').notNull().default(0),
  },
  (t) => [
    index('view_totals_day_idx').on(t.day),
    index('view_totals_week_idx').on(t.week),
    index('view_totals_month_idx').on(t.month),
    index('view_totals_trend_idx').on(t.trend),
  ],
)

export const viewMarks = pgTable('view_marks', {
  name: text('name').primaryKey(),
  hour: ms('hour').notNull(),
})
