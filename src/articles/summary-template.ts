/**
 * An article's public summary as JSON, made when the article is written (`articles.summary_template`), so that a
 * list of twenty does not build, date-format and escape twenty summaries again on every request. What the row
 * alone decides (headline, standfirst, excerpt, dates, counts, API links) is kept as JSON; what can change without
 * the article being written, or depends on the server's settings, is filled in at read time by the same
 * serialisers: the byline, topics and tags (an author or topic renamed), the hero image (its renditions come from
 * the image CDN's settings) and the canonical URL (`SITE_URL`).
 *
 * The stored form is text, in parts separated by U+0001 (which JSON holds only escaped): the format's version,
 * the `id.version` of the row it was made from (a row written since, or copied under another id, is summarised in
 * full), the JSON before `"authors"`, the JSON from after `"heroImage"` up to the canonical URL's value, and the
 * JSON after it.
 */
import { Type } from 'typebox'
import type { StoredImage } from '../db/schema.js'
import type { StoredSummaryLinks } from '../db/tables/content.js'
import { presentImage } from '../http/images.js'
import { buildSerializer } from '../http/serializer.js'
import { type Site, siteUrlOf } from '../http/site.js'
import { ArticleSummary } from './schemas.js'

const VERSION = 'summary-template-1'
const SEP = '\u0001'

const serializerOf = <T>(schema: unknown) =>
  buildSerializer({}, {})({ schema, method: 'GET', url: '/v1/articles', httpStatus: '200' } as never) as (
    value: T,
  ) => string

/** The route's own serialiser for one summary: the same bytes as inside a whole list. */
export const serializeSummary = serializerOf<ArticleSummary>(ArticleSummary)

const { authors, primaryTopic, topics, tags, heroImage } = ArticleSummary.properties
/** The summary's read-time fields, which follow each other in the schema: `{"authors":…,"heroImage":…}`. */
const serializeLive = serializerOf<
  Pick<ArticleSummary, 'authors' | 'primaryTopic' | 'topics' | 'tags' | 'heroImage'>
>(Type.Object({ authors, primaryTopic, topics, tags, heroImage }, { additionalProperties: false }))
const LIVE_EMPTY = '"authors":[],"primaryTopic":null,"topics":[],"tags":[],"heroImage":null'
/** A canonical URL no website has: where the real one goes. */
const CANONICAL_MARK = '\u0003'
const CANONICAL_AT = '"canonical":'
const CANONICAL_EMPTY = `${CANONICAL_AT}${JSON.stringify(CANONICAL_MARK)}`

/** The row's own fields a summary shows. */
export interface TemplateRow {
  id: string
  slug: string
  type: ArticleSummary['type']
  headline: string
  kicker: string | null
  standfirst: string | null
  language: string
  publishedAt: number | null
  updatedAt: number
  version: number
  contentWarning: string | null
  contentWarningText: string | null
  wordCount: number
  readingTimeMinutes: number
  excerpt: string
}

const iso = (ms: number) => new Date(ms).toISOString()

/** The stored template of a row as it is about to be written; null if the JSON does not split as expected. */
export function summaryTemplate(row: TemplateRow): string | null {
  const json = serializeSummary({
    id: row.id,
    slug: row.slug,
    type: row.type,
    headline: row.headline,
    kicker: row.kicker,
    standfirst: row.standfirst,
    language: row.language,
    publishedAt: row.publishedAt === null ? null : iso(row.publishedAt),
    updatedAt: iso(row.updatedAt),
    authors: [],
    primaryTopic: null,
    topics: [],
    tags: [],
    heroImage: null,
    contentWarning: row.contentWarning as ArticleSummary['contentWarning'],
    contentWarningText: row.contentWarningText,
    wordCount: row.wordCount,
    readingTimeMinutes: row.readingTimeMinutes,
    excerpt: row.excerpt,
    links: {
      self: `/v1/articles/${row.slug}`,
      related: `/v1/articles/${row.slug}/related`,
      canonical: CANONICAL_MARK,
    },
  })
  // Every string value is escaped, so neither marker can come from the article's own text.
  const live = json.indexOf(LIVE_EMPTY)
  const canonical = json.lastIndexOf(CANONICAL_EMPTY)
  if (live < 0 || canonical < live) return null
  return [
    VERSION,
    stampOf(row),
    json.slice(0, live),
    json.slice(live + LIVE_EMPTY.length, canonical + CANONICAL_AT.length),
    json.slice(canonical + CANONICAL_EMPTY.length),
  ].join(SEP)
}

const stampOf = (row: { id: string; version: number }) => `${row.id}.${row.version}`

/** What a summary is joined from: the row's template, links and image. */
export interface JoinableRow {
  id: string
  slug: string
  version: number
  primaryTopicId: string | null
  heroImage: StoredImage | null
  summaryTemplate: string | null
}

/**
 * The summary's JSON for this reading, as `summarise` and the route's serialiser would make it; undefined when the
 * row has no template of this format made from its current version.
 */
export function joinSummary(row: JoinableRow, links: StoredSummaryLinks, site: Site): string | undefined {
  const stored = row.summaryTemplate
  if (stored === null || !stored.startsWith(VERSION)) return undefined
  const parts = stored.split(SEP)
  if (parts.length !== 5 || parts[0] !== VERSION || parts[1] !== stampOf(row)) return undefined
  const live = serializeLive({
    authors: links.authors,
    primaryTopic: links.topics.find((t) => t.id === row.primaryTopicId) ?? null,
    topics: links.topics,
    tags: links.tags,
    heroImage: row.heroImage === null ? null : presentImage(row.heroImage, site.images),
  })
  return `${parts[2]}${live.slice(1, -1)}${parts[3]}${JSON.stringify(siteUrlOf(site, 'article', row))}${parts[4]}`
}
