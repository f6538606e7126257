import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'
import { ARTICLE_STATUSES, ARTICLE_TYPES, SYNDICATIONS, TOPIC_KINDS } from '../enums.js'

export interface StoredImage {
  url: string
  alt: string
  caption?: string | null
  credit?: string | null
  width?: number | null
  height?: number | null
  focalPoint?: { x: number; y: number } | null
}

/** A body's blocks rendered one by one: `[html, text]` for a block that depends on nothing else, null for one that does. */
export type StoredParts = ([string, string] | null)[]

/**
 * An article's byline, topics and tags, in order, as its summaries show them: kept on its row so that a list of
 * summaries reads no link table. Written by every write that can change them (src/db/summary-links.ts); null on a
 * row whose links have not been stored, which reads them from the link tables instead.
 */
export interface StoredSummaryLinks {
  authors: { id: string; slug: string; name: string }[]
  topics: { id: string; slug: string; title: string }[]
  tags: string[]
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
  kind: text('kind', { enum: TOPIC_KINDS }).notNull(),
  heroImage: text('hero_image', { mode: 'json' }).$type<StoredImage>(),
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull(),
})

export const articles = sqliteTable(
  'articles',
  {
    id: text('id').primaryKey(),
    slug: text('slug').notNull().unique(),
    type: text('type', { enum: ARTICLE_TYPES }).notNull(),
    headline: text('headline').notNull(),
    kicker: text('kicker'),
    standfirst: text('standfirst'),
    language: text('language').notNull(),
    /** 'published' with a future published_at is scheduled: visibility is decided at read time. */
    status: text('status', { enum: ARTICLE_STATUSES }).notNull(),
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
    /**
     * With live blocks (related, fact table) only: each block's own rendering, sanitised at write time (`[html,
     * text]`, null for the live ones), so that a read renders only what the live blocks link to.
     */
    bodyParts: text('body_parts', { mode: 'json' }).$type<StoredParts>(),
    summaryLinks: text('summary_links', { mode: 'json' }).$type<StoredSummaryLinks>(),
    excerpt: text('excerpt').notNull(),
    wordCount: integer('word_count').notNull(),
    readingTimeMinutes: integer('reading_time_minutes').notNull(),
    /** Rights: who may republish it, from when (the embargo), on what terms. */
    syndication: text('syndication', { enum: SYNDICATIONS }).notNull().default('all'),
    syndicationPartners: text('syndication_partners', { mode: 'json' })
      .notNull()
      .$type<string[]>()
      .default([]),
    embargoUntil: integer('embargo_until'),
    rightsStatement: text('rights_statement'),
    usageTerms: text('usage_terms'),
    /** When a published article was taken back: partners are told `canceled`. */
    withdrawnAt: integer('withdrawn_at'),
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

/** Slugs an article used to have; they answer 301 to the current one. */
/**
 * What public reads join instead of rendering: each article's summary (src/articles/summary-template.ts) and body
 * (src/articles/template.ts) as JSON made at write time, with what depends on the reading left to fill in. Tables of
 * their own, not columns of \`articles\`: SQLite keeps a row's columns in order, and an article's row runs to 60 KB
 * over a chain of overflow pages (its body in three forms), so a column behind the bodies cost a walk down that
 * chain on every read. No row: not made yet (the reads render it in full).
 */
export const summaryTemplates = sqliteTable('summary_templates', {
  articleId: text('article_id')
    .primaryKey()
    .references(() => articles.id, { onDelete: 'cascade' }),
  template: text('template').notNull(),
})

export const bodyTemplates = sqliteTable('body_templates', {
  articleId: text('article_id')
    .primaryKey()
    .references(() => articles.id, { onDelete: 'cascade' }),
  template: text('template').notNull(),
})

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
    /** The article's publication time while it is published, else null (see `listedAt`). */
    publishedAt: integer('published_at'),
  },
  (t) => [
    primaryKey({ columns: [t.articleId, t.authorId] }),
    index('bylines_author_idx').on(t.authorId),
    index('bylines_author_published_idx').on(t.authorId, t.publishedAt, t.articleId),
  ],
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
    /** The article's publication time while it is published, else null (see `listedAt`). */
    publishedAt: integer('published_at'),
  },
  (t) => [
    primaryKey({ columns: [t.articleId, t.topicId] }),
    index('article_topics_topic_idx').on(t.topicId),
    index('article_topics_topic_published_idx').on(t.topicId, t.publishedAt, t.articleId),
  ],
)

export const articleTags = sqliteTable(
  'article_tags',
  {
    articleId: text('article_id')
      .notNull()
      .references(() => articles.id, { onDelete: 'cascade' }),
    tag: text('tag').notNull(),
    position: integer('position').notNull(),
    /** The article's publication time while it is published, else null (see `listedAt`). */
    publishedAt: integer('published_at'),
  },
  (t) => [
    primaryKey({ columns: [t.articleId, t.tag] }),
    index('article_tags_tag_idx').on(t.tag),
    index('article_tags_tag_published_idx').on(t.tag, t.publishedAt, t.articleId),
  ],
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
    /** Partner keys (`syndication:read`): whose, and which rate-limit tier. */
    partner: text('partner'),
    tier: text('tier'),
  },
  (t) => [uniqueIndex('api_tokens_hash_idx').on(t.tokenHash)],
)

/** Requests per partner key per UTC day (YYYY-MM-DD), added up by every instance. */
export const partnerUsage = sqliteTable(
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
