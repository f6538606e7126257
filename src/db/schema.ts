/**
 * The Drizzle schema. Times are integer milliseconds since the epoch (UTC); JSON columns hold values whose shape
 * is owned by the feature that writes them (its TypeBox schema). snake_case in SQL, camelCase in TypeScript.
 */

import { sql } from 'drizzle-orm'
import {
  type AnySQLiteColumn,
  check,
  index,
  integer,
  primaryKey,
  sqliteTable,
  text,
  uniqueIndex,
} from 'drizzle-orm/sqlite-core'

export interface StoredImage {
  url: string
  alt: string
  caption?: string | null
  credit?: string | null
  width?: number | null
  height?: number | null
}

export const authors = sqliteTable('authors', {
  id: text('id').primaryKey(),
  slug: text('slug').notNull().unique(),
  name: text('name').notNull(),
  bio: text('bio'),
  avatarUrl: text('avatar_url'),
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull(),
})

export const topics = sqliteTable('topics', {
  id: text('id').primaryKey(),
  slug: text('slug').notNull().unique(),
  title: text('title').notNull(),
  description: text('description'),
  kind: text('kind', { enum: ['story', 'region', 'theme'] }).notNull(),
  heroImage: text('hero_image', { mode: 'json' }).$type<StoredImage>(),
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull(),
})

export const articles = sqliteTable(
  'articles',
  {
    id: text('id').primaryKey(),
    slug: text('slug').notNull().unique(),
    type: text('type', { enum: ['news', 'opinion', 'analysis', 'podcast', 'live'] }).notNull(),
    headline: text('headline').notNull(),
    standfirst: text('standfirst'),
    language: text('language').notNull(),
    /** 'published' with a future published_at is scheduled: visibility is decided at read time. */
    status: text('status', { enum: ['draft', 'published'] }).notNull(),
    publishedAt: integer('published_at'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    /** Bumped on every write; the ETag is derived from it. */
    version: integer('version').notNull(),
    primaryTopicId: text('primary_topic_id').references(() => topics.id, { onDelete: 'set null' }),
    heroImage: text('hero_image', { mode: 'json' }).$type<StoredImage>(),
    contentWarning: text('content_warning'),
    contentWarningText: text('content_warning_text'),
    bodyBlocks: text('body_blocks', { mode: 'json' }).notNull().$type<unknown[]>(),
    bodyHtml: text('body_html').notNull(),
    bodyText: text('body_text').notNull(),
    excerpt: text('excerpt').notNull(),
    wordCount: integer('word_count').notNull(),
    readingTimeMinutes: integer('reading_time_minutes').notNull(),
  },
  (t) => [
    index('articles_visible_idx').on(t.status, t.publishedAt, t.id),
    index('articles_type_idx').on(t.type, t.publishedAt),
  ],
)

/** Slugs an article used to have; they answer 301 to the current one. */
export const articleSlugs = sqliteTable('article_slugs', {
  slug: text('slug').primaryKey(),
  articleId: text('article_id')
    .notNull()
    .references(() => articles.id, { onDelete: 'cascade' }),
  retiredAt: integer('retired_at').notNull(),
})

export const bylines = sqliteTable(
  'bylines',
  {
    articleId: text('article_id')
      .notNull()
      .references(() => articles.id, { onDelete: 'cascade' }),
    authorId: text('author_id')
      .notNull()
      .references(() => authors.id, { onDelete: 'restrict' }),
    position: integer('position').notNull(),
  },
  (t) => [primaryKey({ columns: [t.articleId, t.authorId] }), index('bylines_author_idx').on(t.authorId)],
)

export const articleTopics = sqliteTable(
  'article_topics',
  {
    articleId: text('article_id')
      .notNull()
      .references(() => articles.id, { onDelete: 'cascade' }),
    topicId: text('topic_id')
      .notNull()
      .references(() => topics.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
  },
  (t) => [primaryKey({ columns: [t.articleId, t.topicId] }), index('article_topics_topic_idx').on(t.topicId)],
)

export const articleTags = sqliteTable(
  'article_tags',
  {
    articleId: text('article_id')
      .notNull()
      .references(() => articles.id, { onDelete: 'cascade' }),
    tag: text('tag').notNull(),
    position: integer('position').notNull(),
  },
  (t) => [primaryKey({ columns: [t.articleId, t.tag] }), index('article_tags_tag_idx').on(t.tag)],
)

/** Editors' curated related articles, in order. */
export const relatedArticles = sqliteTable(
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

export const collections = sqliteTable('collections', {
  id: text('id').primaryKey(),
  slug: text('slug').notNull().unique(),
  title: text('title').notNull(),
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull(),
})

export const collectionItems = sqliteTable(
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

export const apiTokens = sqliteTable(
  'api_tokens',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    /** SHA-256 of the token; the token itself is shown once and never stored. */
    tokenHash: text('token_hash').notNull(),
    scopes: text('scopes', { mode: 'json' }).notNull().$type<string[]>(),
    createdAt: integer('created_at').notNull(),
    lastUsedAt: integer('last_used_at'),
    revokedAt: integer('revoked_at'),
  },
  (t) => [uniqueIndex('api_tokens_hash_idx').on(t.tokenHash)],
)

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
    enum: ['government', 'military', 'ministry', 'international', 'ngo', 'media', 'newsroom', 'other'],
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
    category: text('category', { enum: ['military', 'civilian', 'all', 'unknown'] }).notNull(),
    /** The other side of a captured figure: captured *by*. */
    counterpartyId: text('counterparty_id').references(() => parties.id, { onDelete: 'restrict' }),
    claimantId: text('claimant_id')
      .notNull()
      .references(() => sources.id, { onDelete: 'restrict' }),
    qualifier: text('qualifier', {
      enum: ['exact', 'at-least', 'more-than', 'around', 'up-to', 'fewer-than', 'range', 'unknown'],
    }).notNull(),
    best: integer('best'),
    low: integer('low'),
    high: integer('high'),
    verbatim: text('verbatim').notNull(),
    asOf: integer('as_of').notNull(),
    asOfPrecision: text('as_of_precision', { enum: ['minute', 'hour', 'day', 'month', 'year'] }).notNull(),
    sourceUrl: text('source_url'),
    quote: text('quote'),
    articleId: text('article_id').references(() => articles.id, { onDelete: 'set null' }),
    verification: text('verification', {
      enum: ['unverified', 'corroborated', 'verified', 'disputed'],
    }).notNull(),
    rank: text('rank', { enum: ['preferred', 'normal', 'deprecated'] }).notNull(),
    deprecationReason: text('deprecation_reason', {
      enum: ['superseded', 'corrected', 'retracted', 'duplicate'],
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
    check(
      'figures_values_non_negative',
      sql`coalesce(${t.best}, 0) >= 0 and coalesce(${t.low}, 0) >= 0 and coalesce(${t.high}, 0) >= 0`,
    ),
    check(
      'figures_bounds_ordered',
      sql`(${t.low} is null or ${t.best} is null or ${t.low} <= ${t.best}) and (${t.best} is null or ${t.high} is null or ${t.best} <= ${t.high}) and (${t.low} is null or ${t.high} is null or ${t.low} <= ${t.high})`,
    ),
    check(
      'figures_qualifier_numbers',
      sql`case ${t.qualifier}
        when 'exact' then ${t.best} is not null and ${t.low} is null and ${t.high} is null
        when 'around' then ${t.best} is not null
        when 'at-least' then ${t.low} is not null and ${t.high} is null
        when 'more-than' then ${t.low} is not null and ${t.high} is null
        when 'up-to' then ${t.high} is not null and ${t.low} is null
        when 'fewer-than' then ${t.high} is not null and ${t.low} is null
        when 'range' then ${t.low} is not null and ${t.high} is not null and ${t.low} < ${t.high}
        when 'unknown' then ${t.best} is null and ${t.low} is null and ${t.high} is null
        else 0 end`,
    ),
    check(
      'figures_deprecation_complete',
      sql`(${t.rank} = 'deprecated') = (${t.deprecationReason} is not null and ${t.deprecatedAt} is not null)`,
    ),
  ],
)

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
