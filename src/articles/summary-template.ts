/**
 * An article's public summary as JSON, made when the article is written (table `summary_templates`), so that a
 * list of twenty does not build, date-format and escape twenty summaries again on every request. Everything but
 * what depends on the server's settings is kept as JSON, made by the route's own serialiser: the hero image (its
 * renditions come from the image CDN's settings) and the canonical URL (`SITE_URL`) are filled in at read time.
 * The byline and topics come from `summary_links`: every write that changes those (an article's links, an author
 * or a topic renamed, a topic deleted) writes the templates of the articles concerned again (`storeSummaries`).
 *
 * The stored form is text, in parts separated by U+0001 (which JSON holds only escaped): the format's version,
 * the `id.version` of the row it was made from (a row written since, or copied under another id, is summarised in
 * full), the cache keys of its authors and topics, the JSON before `"heroImage"`, the JSON from after it up to the
 * canonical URL's value, and the JSON after it.
 */
import { eq, inArray } from 'drizzle-orm'
import { Type } from 'typebox'
import type { Db } from '../db/client.js'
import { articles, type bodyTemplates, type StoredImage, summaryTemplates } from '../db/schema.js'
import { articlesOf, type LinksOf, storeSummaryLinks } from '../db/summary-links.js'
import type { StoredSummaryLinks } from '../db/tables/content.js'
import { type Image, type ImageSettings, presentImage } from '../http/images.js'
import { buildSerializer } from '../http/serializer.js'
import { type Site, siteUrlJson } from '../http/site.js'
import { ArticleSummary } from './schemas.js'

/** The format's version: a template of another is not used, and `migrate` makes it again. */
export const SUMMARY_TEMPLATE_VERSION = 'summary-template-2'
const VERSION = SUMMARY_TEMPLATE_VERSION
const SEP = '\u0001'
const VERSION_SEP = `${VERSION}${SEP}`

/** A serialiser made as the routes' are, for a part of a response. */
export const serializerOf = <T>(schema: unknown) =>
  buildSerializer({}, {})({ schema, method: 'GET', url: '/v1/articles', httpStatus: '200' } as never) as (
    value: T,
  ) => string

/** The route's own serialiser for one summary: the same bytes as inside a whole list. */
export const serializeSummary = serializerOf<ArticleSummary>(ArticleSummary)

/** The hero image as the summary writes it: `{"heroImage":…}`. */
const serializeHero = serializerOf<Pick<ArticleSummary, 'heroImage'>>(
  Type.Object({ heroImage: ArticleSummary.properties.heroImage }, { additionalProperties: false }),
)
const HERO_AT = '"heroImage":'
const HERO_EMPTY = `${HERO_AT}null`
/** Where the value starts in `{"heroImage":…}`. */
const HERO_OBJECT_AT = `{${HERO_AT}`.length
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
  primaryTopicId: string | null
  contentWarning: string | null
  contentWarningText: string | null
  wordCount: number
  readingTimeMinutes: number
  excerpt: string
}

const iso = (ms: number) => new Date(ms).toISOString()

/**
 * A summary from a row's own fields and its links, with its hero image and canonical URL as given: what every
 * public summary is made of, stored or not.
 */
export function summaryOf(
  row: TemplateRow,
  links: StoredSummaryLinks,
  heroImage: Image | null,
  canonical: string,
): ArticleSummary {
  return {
    id: row.id,
    slug: row.slug,
    type: row.type,
    headline: row.headline,
    kicker: row.kicker,
    standfirst: row.standfirst,
    language: row.language,
    publishedAt: row.publishedAt === null ? null : iso(row.publishedAt),
    updatedAt: iso(row.updatedAt),
    authors: links.authors,
    primaryTopic: links.topics.find((t) => t.id === row.primaryTopicId) ?? null,
    topics: links.topics,
    tags: links.tags,
    heroImage,
    // Validated on write; rows written before the list was closed keep their code.
    contentWarning: row.contentWarning as ArticleSummary['contentWarning'],
    contentWarningText: row.contentWarningText,
    wordCount: row.wordCount,
    readingTimeMinutes: row.readingTimeMinutes,
    excerpt: row.excerpt,
    links: {
      self: `/v1/articles/${row.slug}`,
      related: `/v1/articles/${row.slug}/related`,
      canonical,
    },
  }
}

/** The stored template of a row and its links; null if the JSON does not split as expected. */
export function summaryTemplate(row: TemplateRow, links: StoredSummaryLinks): string | null {
  const json = serializeSummary(summaryOf(row, links, null, CANONICAL_MARK))
  // Every string value is escaped, so neither marker can come from the article's own text.
  const hero = json.lastIndexOf(HERO_EMPTY)
  const canonical = json.lastIndexOf(CANONICAL_EMPTY)
  if (hero < 0 || canonical < hero) return null
  const keys = [...links.authors.map((a) => `author:${a.id}`), ...links.topics.map((t) => `topic:${t.id}`)]
  return [
    VERSION,
    stampOf(row),
    keys.join(' '),
    json.slice(0, hero + HERO_AT.length),
    json.slice(hero + HERO_EMPTY.length, canonical + CANONICAL_AT.length),
    json.slice(canonical + CANONICAL_EMPTY.length),
  ].join(SEP)
}

const stampOf = (row: { id: string; version: number }) => `${row.id}.${row.version}`

/** Whether `stored.slice(from, to)` is the row's stamp, without making the stamp (this runs for every summary). */
const madeFrom = (stored: string, from: number, to: number, row: { id: string; version: number }) => {
  const dot = from + row.id.length
  return (
    stored.startsWith(row.id, from) &&
    stored.charCodeAt(dot) === 46 && // '.'
    stored.slice(dot + 1, to) === versions(row.version)
  )
}

/** Versions as text, the first thousand made once. */
const VERSIONS = Array.from({ length: 1_000 }, (_, i) => String(i))
const versions = (version: number) => VERSIONS[version] ?? String(version)

/** What a summary is joined from: the row's template and image. */
export interface JoinableRow {
  id: string
  slug: string
  version: number
  /** The stored image's JSON. */
  heroImage: string | null
  summaryTemplate: string | null
}

/** Distinct images whose summary JSON is kept (a few MB at most); emptied when full. */
const HEROES = 5_000
const heroes = new WeakMap<ImageSettings, Map<string, string>>()

/**
 * The hero image's JSON inside a summary, made once per stored image (and image settings): lists show the same
 * few hundred images again and again, and parsing, presenting and serialising each costs more than the rest of
 * its summary's join.
 */
function heroJson(stored: string, settings: ImageSettings): string {
  let memo = heroes.get(settings)
  if (memo === undefined) {
    memo = new Map()
    heroes.set(settings, memo)
  }
  let json = memo.get(stored)
  if (json === undefined) {
    const image = presentImage(JSON.parse(stored) as StoredImage, settings)
    json = serializeHero({ heroImage: image }).slice(HERO_OBJECT_AT, -1)
    if (memo.size >= HEROES) memo.clear()
    memo.set(stored, json)
  }
  return json
}

/**
 * The summary's JSON for this reading, as `summarise` and the route's serialiser would make it, recording its cache
 * keys in `keys`; undefined when the row has no template of this format made from its current version.
 */
export function joinSummary(row: JoinableRow, site: Site, keys: Set<string> | undefined): string | undefined {
  const stored = row.summaryTemplate
  if (stored === null || !stored.startsWith(VERSION_SEP)) return undefined
  // Its six parts found in order: JSON escapes U+0001, so none can be inside the JSON, and a forward search for
  // one character is V8's fastest (a backward one, from the end, cost five times as much).
  const stamp = VERSION_SEP.length
  const keysAt = stored.indexOf(SEP, stamp) + 1
  const jsonAt = stored.indexOf(SEP, keysAt) + 1
  const heroAt = stored.indexOf(SEP, jsonAt) + 1
  const canonicalAt = stored.indexOf(SEP, heroAt) + 1
  if (keysAt === 0 || jsonAt === 0 || heroAt === 0 || canonicalAt === 0) return undefined
  if (!madeFrom(stored, stamp, keysAt - 1, row)) return undefined
  if (keys) {
    keys.add(`article:${row.id}`)
    // Its authors' and topics' keys as stored, in one entry (the same for many articles): split when sent.
    if (jsonAt - 1 > keysAt) keys.add(stored.slice(keysAt, jsonAt - 1))
  }
  const hero = row.heroImage === null ? 'null' : heroJson(row.heroImage, site.images)
  return `${stored.slice(jsonAt, heroAt - 1)}${hero}${stored.slice(heroAt, canonicalAt - 1)}${siteUrlJson(site, 'article', row)}${stored.slice(canonicalAt)}`
}

/** Writes the summary templates of the given articles again, from their rows as the write `tx` sees them. */
export async function storeSummaryTemplates(tx: Db, ids: string[]): Promise<void> {
  for (let i = 0; i < ids.length; i += BATCH) {
    const rows = await tx
      .select(templateColumns)
      .from(articles)
      .where(inArray(articles.id, ids.slice(i, i + BATCH)))
    for (const { summaryLinks, ...row } of rows)
      await storeTemplate(
        tx,
        summaryTemplates,
        row.id,
        summaryLinks === null ? null : summaryTemplate(row, summaryLinks),
      )
  }
}

/** Stores an article's summary or body template (null: it has none, and reads render it in full). */
export async function storeTemplate(
  tx: Db,
  table: typeof summaryTemplates | typeof bodyTemplates,
  articleId: string,
  template: string | null,
): Promise<void> {
  if (template === null) {
    await tx.delete(table).where(eq(table.articleId, articleId))
    return
  }
  await tx
    .insert(table)
    .values({ articleId, template })
    .onConflictDoUpdate({ target: table.articleId, set: { template } })
}

const BATCH = 500
const templateColumns = {
  id: articles.id,
  slug: articles.slug,
  type: articles.type,
  headline: articles.headline,
  kicker: articles.kicker,
  standfirst: articles.standfirst,
  language: articles.language,
  publishedAt: articles.publishedAt,
  updatedAt: articles.updatedAt,
  version: articles.version,
  primaryTopicId: articles.primaryTopicId,
  contentWarning: articles.contentWarning,
  contentWarningText: articles.contentWarningText,
  wordCount: articles.wordCount,
  readingTimeMinutes: articles.readingTimeMinutes,
  excerpt: articles.excerpt,
  summaryLinks: articles.summaryLinks,
}

/** An article's, an author's or a topic's links changed: `summary_links` and the summary templates written again. */
export async function storeSummaries(tx: Db, of: LinksOf): Promise<void> {
  await storeSummaryLinks(tx, of)
  await storeSummaryTemplates(tx, await articlesOf(tx, of))
}
