/** Reading articles: lookup by id or slug (old slugs too), lists with keyset pagination, hydration. */
import { createHash } from 'node:crypto'
import {
  and,
  asc,
  count,
  desc,
  eq,
  getTableColumns,
  gt,
  gte,
  inArray,
  lt,
  lte,
  or,
  type SQL,
  type SQLWrapper,
  sql,
} from 'drizzle-orm'
import {
  type Db,
  inList,
  jsonText,
  listParam,
  preparedOnce,
  readTarget,
  type Statement,
  statement,
} from '../db/client.js'
import {
  articleSlugs,
  articles,
  articleTags,
  articleTopics,
  authors,
  bodyTemplates,
  bylines,
  summaryTemplates,
  topics,
} from '../db/schema.js'
import type { StoredSummaryLinks } from '../db/tables/content.js'
import type { FactTable } from '../facts/schemas.js'
import { factTablesWithSlugs } from '../facts/tables.js'
import type { CacheTags, InvalidationBus } from '../http/cache.js'
import { presentImage } from '../http/images.js'
import { decodeCursor, type PageResult, pageOf } from '../http/pagination.js'
import { type Site, siteUrlOf } from '../http/site.js'
import { parseInstant } from '../http/validation.js'
import {
  absoluteLinks,
  hasLiveBlocks,
  partsOf,
  type Rendered,
  type Resolver,
  renderBody,
  staticRenders,
} from './body.js'
import type { Article, ArticleListQuery, ArticleSummary, Block, BlockInput } from './schemas.js'
import { joinSummary, serializeSummary, summaryOf } from './summary-template.js'
import { assembleBody, parseTemplate, presentBlock } from './template.js'

export type ArticleRow = typeof articles.$inferSelect

/**
 * Every column but the body (its three forms, stored parts and template): what lists, related and Most Popular read
 * (bodies are ≈15 KB each).
 */
export const {
  bodyBlocks: _blocks,
  bodyHtml: _html,
  bodyText: _text,
  bodyParts: _parts,
  ...summaryColumns
} = getTableColumns(articles)
export type SummaryRow = Omit<ArticleRow, 'bodyBlocks' | 'bodyHtml' | 'bodyText' | 'bodyParts'>

const headColumns = {
  id: articles.id,
  slug: articles.slug,
  headline: articles.headline,
  status: articles.status,
  publishedAt: articles.publishedAt,
  version: articles.version,
}

/**
 * What a public list reads of each article: its summary's template, what is filled into it, its cursor (with a
 * join `withSummaryTemplate`). None is stored behind the bodies, which SQLite would walk to reach it.
 */
export const joinColumns = {
  id: articles.id,
  slug: articles.slug,
  publishedAt: articles.publishedAt,
  version: articles.version,
  // As stored: the summary's image JSON is made once per distinct image (`joinSummary`), not parsed per row.
  heroImage: jsonText(articles.heroImage),
  summaryTemplate: summaryTemplates.template,
}
export type JoinRow = Pick<ArticleRow, 'id' | 'slug' | 'publishedAt' | 'version'> & {
  /** The stored image's JSON. */
  heroImage: string | null
  summaryTemplate: string | null
}

/** Each article's summary template, where it has one (`summaryTemplates.template` is null where not). */
export const withSummaryTemplate = eq(summaryTemplates.articleId, articles.id)

/** Who is reading and when: editors see drafts and scheduled articles. */
export interface Viewer {
  editor: boolean
  now: number
  site: Site
  /** For public reads: where the resources in the response are recorded, as cache keys. */
  keys?: CacheTags | undefined
  /** Loads the fact tables that bodies show, as their own endpoint presents them; without it they are links. */
  factTables?: FactTableLoader | undefined
}

/** The current fact tables with the given slugs (the facts feature provides it), recording their cache keys. */
export type FactTableLoader = (slugs: string[], viewer: Viewer) => Promise<Map<string, FactTable>>

export const isVisible = (now: number) =>
  and(eq(articles.status, 'published'), lte(articles.publishedAt, now))

export const visibleTo = (
  row: Pick<ArticleRow, 'status' | 'publishedAt'>,
  viewer: Pick<Viewer, 'editor' | 'now'>,
) =>
  viewer.editor || (row.status === 'published' && row.publishedAt !== null && row.publishedAt <= viewer.now)

export function statusOf(row: SummaryRow, now: number): 'draft' | 'scheduled' | 'published' {
  if (row.status === 'draft') return 'draft'
  return row.publishedAt !== null && row.publishedAt > now ? 'scheduled' : 'published'
}

/** The write ETag: changes on every write to the article. */
export const etagOf = (row: Pick<ArticleRow, 'id' | 'version'>) => `"${row.id.slice(-12)}.${row.version}"`

/** Bylines, topics and tags of the articles `where` selects. */
function summaryLinks(db: Db, where: (articleId: SQLWrapper) => SQL, name: string) {
  return {
    bylines: statement(
      db,
      db
        .select({ articleId: bylines.articleId, id: authors.id, slug: authors.slug, name: authors.name })
        .from(bylines)
        .innerJoin(authors, eq(authors.id, bylines.authorId))
        .where(where(bylines.articleId))
        .orderBy(asc(bylines.position)),
      `${name}_bylines`,
    ),
    topics: statement(
      db,
      db
        .select({ articleId: articleTopics.articleId, id: topics.id, slug: topics.slug, title: topics.title })
        .from(articleTopics)
        .innerJoin(topics, eq(topics.id, articleTopics.topicId))
        .where(where(articleTopics.articleId))
        .orderBy(asc(articleTopics.position)),
      `${name}_topics`,
    ),
    tags: statement(
      db,
      db
        .select({ articleId: articleTags.articleId, tag: articleTags.tag })
        .from(articleTags)
        .where(where(articleTags.articleId))
        .orderBy(asc(articleTags.position)),
      `${name}_tags`,
    ),
  }
}

/**
 * The statements of an article page, prepared once per connection: building and preparing SQL on every request
 * cost more than running it. (Lists, whose id sets vary in length, build theirs.)
 */
function prepareStatements(db: Db) {
  const ref = sql.placeholder('ref')
  return {
    byRef: statement(
      db,
      db
        .select()
        .from(articles)
        .where(or(eq(articles.id, ref), eq(articles.slug, ref)))
        .limit(1),
      'article_by_ref',
    ),
    summaryRows: statement(
      db,
      db
        .select(summaryColumns)
        .from(articles)
        .where(inList(db, articles.id, 'ids')),
      'article_summary_rows',
    ),
    headByRef: statement(
      db,
      db
        .select(headColumns)
        .from(articles)
        .where(or(eq(articles.id, ref), eq(articles.slug, ref)))
        .limit(1),
      'article_head_by_ref',
    ),
    // A public article page: its templates, what is filled into them and what decides who may see it. No column
    // stored behind the bodies (SQLite would walk their overflow pages to reach it): a summary made in full reads
    // its row again (`summaryRowsOf`).
    pageByRef: statement(
      db,
      db
        .select({
          ...joinColumns,
          status: articles.status,
          bodyTemplate: bodyTemplates.template,
        })
        .from(articles)
        .leftJoin(bodyTemplates, eq(bodyTemplates.articleId, articles.id))
        .leftJoin(summaryTemplates, withSummaryTemplate)
        .where(or(eq(articles.id, ref), eq(articles.slug, ref)))
        .limit(1),
      'article_page_by_ref',
    ),
    // Summaries' links: for a page of articles the ids are one list parameter; one article (its page) has its
    // own statements, as `json_each` costs more than the lookups themselves.
    many: summaryLinks(db, (column) => inList(db, column, 'ids'), 'summary'),
    one: summaryLinks(db, (column) => eq(column, sql.placeholder('id')), 'summary_one'),
    // The targets of `related` and `factTable` blocks.
    linked: statement(
      db,
      db
        .select({ id: articles.id, slug: articles.slug, headline: articles.headline })
        .from(articles)
        .where(inList(db, articles.id, 'ids')),
      'linked_articles',
    ),
    linkedVisible: statement(
      db,
      db
        .select({ id: articles.id, slug: articles.slug, headline: articles.headline })
        .from(articles)
        .where(and(inList(db, articles.id, 'ids'), isVisible(sql.placeholder('now') as unknown as number))),
      'linked_visible_articles',
    ),
  }
}
const statementsOf = preparedOnce(prepareStatements)

export type Lookup<Row = ArticleRow> =
  | { kind: 'found'; row: Row }
  | { kind: 'moved'; slug: string }
  | { kind: 'missing' }

/** The article behind an id, current slug or old slug, whole, as `viewer` may see it. */
export async function lookupArticle(
  db: Db,
  ref: string,
  viewer: Pick<Viewer, 'editor' | 'now'>,
): Promise<Lookup> {
  return lookup(db, ref, viewer, 'byRef')
}

/** What names an article and decides who may see it: nothing of its body, nor any column stored behind it. */
export type ArticleHead = Pick<ArticleRow, 'id' | 'slug' | 'headline' | 'status' | 'publishedAt' | 'version'>

/** As `lookupArticle`, reading only the article's head (for reads that need no more: related, a view). */
export async function lookupArticleHead(
  db: Db,
  ref: string,
  viewer: Pick<Viewer, 'editor' | 'now'>,
): Promise<Lookup<ArticleHead>> {
  return lookup(db, ref, viewer, 'headByRef')
}

async function lookup<K extends 'byRef' | 'headByRef'>(
  db: Db,
  ref: string,
  viewer: Pick<Viewer, 'editor' | 'now'>,
  by: K,
): Promise<Lookup<Awaited<ReturnType<ReturnType<typeof statementsOf>[K]['all']>>[number]>> {
  const [row] = await statementsOf(readTarget(db))[by].all({ ref })
  if (row) return visibleTo(row, viewer) ? { kind: 'found', row } : { kind: 'missing' }
  const [moved] = await db
    .select({ slug: articles.slug, status: articles.status, publishedAt: articles.publishedAt })
    .from(articleSlugs)
    .innerJoin(articles, eq(articles.id, articleSlugs.articleId))
    .where(eq(articleSlugs.slug, ref))
    .limit(1)
  if (moved && visibleTo(moved, viewer)) return { kind: 'moved', slug: moved.slug }
  return { kind: 'missing' }
}

const iso = (ms: number) => new Date(ms).toISOString()

/** Each row's byline, topics and tags: from its own copy of them, or from the link tables (three queries). */
async function linksOfRows(
  db: Db,
  rows: Pick<SummaryRow, 'id' | 'summaryLinks'>[],
): Promise<Map<string, StoredSummaryLinks>> {
  const links = new Map<string, StoredSummaryLinks>()
  if (rows.every((row) => row.summaryLinks)) {
    // A copy in a PostgreSQL jsonb column has its keys in jsonb's order: rebuilt in the order clients see.
    for (const row of rows) {
      const stored = row.summaryLinks as StoredSummaryLinks
      links.set(row.id, {
        authors: stored.authors.map(({ id, slug, name }) => ({ id, slug, name })),
        topics: stored.topics.map(({ id, slug, title }) => ({ id, slug, title })),
        tags: stored.tags,
      })
    }
    return links
  }
  const ids = rows.map((row) => row.id)
  const statements = statementsOf(readTarget(db))
  const [linked, params] =
    ids.length === 1 ? [statements.one, { id: ids[0] }] : [statements.many, { ids: listParam(db, ids) }]
  const [bylineRows, topicRows, tagRows] = await Promise.all([
    linked.bylines.all(params),
    linked.topics.all(params),
    linked.tags.all(params),
  ])
  for (const id of ids) links.set(id, { authors: [], topics: [], tags: [] })
  for (const { articleId, ...author } of bylineRows) links.get(articleId)?.authors.push(author)
  for (const { articleId, ...topic } of topicRows) links.get(articleId)?.topics.push(topic)
  for (const { articleId, tag } of tagRows) links.get(articleId)?.tags.push(tag)
  return links
}

/** Summaries of the given rows, in the same order; bylines, topics and tags from `linksOfRows`. */
export async function summarise(db: Db, rows: SummaryRow[], viewer: Viewer): Promise<ArticleSummary[]> {
  if (rows.length === 0) return []
  const linksOf = await linksOfRows(db, rows)
  recordKeys(viewer, linksOf)
  return rows.map((row) => {
    const summary = summaryOf(
      row,
      linksOf.get(row.id) as StoredSummaryLinks,
      row.heroImage === null ? null : presentImage(row.heroImage, viewer.site.images),
      siteUrlOf(viewer.site, 'article', row),
    )
    if (viewer.editor) summary.status = statusOf(row, viewer.now)
    return summary
  })
}

/** The cache keys of summaries: each article, its authors and its topics. */
function recordKeys(viewer: Viewer, linksOf: Map<string, StoredSummaryLinks>) {
  if (viewer.keys === undefined) return
  for (const [id, links] of linksOf) {
    viewer.keys.add(`article:${id}`)
    for (const b of links.authors) viewer.keys.add(`author:${b.id}`)
    for (const t of links.topics) viewer.keys.add(`topic:${t.id}`)
  }
}

/**
 * Public summaries as JSON, each joined from its stored template (summary-template.ts); the rows without a
 * current one (written before templates were kept) are read in full and summarised. An article deleted between
 * the two reads is left out.
 */
export async function summariesJson(db: Db, rows: JoinRow[], viewer: Viewer): Promise<string[]> {
  if (rows.length === 0) return []
  const json = rows.map((row) => (viewer.editor ? undefined : joinSummary(row, viewer.site, viewer.keys)))
  const missing = rows.filter((_, i) => json[i] === undefined).map((row) => row.id)
  if (missing.length === 0) return json as string[]
  const summaries = new Map(
    (await summarise(db, await summaryRowsOf(db, missing), viewer)).map((summary) => [summary.id, summary]),
  )
  return rows.flatMap((row, i) => {
    const joined = json[i]
    if (joined !== undefined) return [joined]
    const summary = summaries.get(row.id)
    return summary === undefined ? [] : [serializeSummary(summary)]
  })
}

/** The summary columns of these articles (in no particular order; an article deleted since is left out). */
export async function summaryRowsOf(db: Db, ids: string[]): Promise<SummaryRow[]> {
  if (ids.length === 0) return []
  const target = readTarget(db)
  return statementsOf(target).summaryRows.all({ ids: listParam(target, ids) })
}

/** The id, slug and headline of these articles, whatever their state (in no particular order). */
export async function headlinesOf(
  db: Db,
  ids: string[],
): Promise<{ id: string; slug: string; headline: string }[]> {
  if (ids.length === 0) return []
  return statementsOf(readTarget(db)).linked.all({ ids: listParam(db, ids) })
}

/** Resolves `related` and `factTable` blocks against what the viewer may see right now. */
export async function blockResolver(db: Db, blocks: BlockInput[], viewer: Viewer): Promise<Resolver> {
  const articleIds = blocks.flatMap((b) => (b.type === 'related' ? [b.article] : []))
  const statements = statementsOf(readTarget(db))
  const ids = { ids: listParam(db, articleIds) }
  const linked =
    articleIds.length === 0
      ? []
      : viewer.editor
        ? await statements.linked.all(ids)
        : await statements.linkedVisible.all({ ...ids, now: viewer.now })
  const byId = new Map(linked.map((a) => [a.id, a]))
  const slugs = blocks.flatMap((b) => (b.type === 'factTable' ? [b.factTable] : []))
  const tables: Map<string, { id: string; slug: string; title: string; table?: FactTable }> =
    slugs.length === 0
      ? new Map()
      : viewer.factTables
        ? new Map(
            [...(await viewer.factTables(slugs, viewer))].map(([slug, t]) => [slug, { ...t, table: t }]),
          )
        : await factTableTitles(db, slugs)
  if (viewer.keys) {
    // A linked article that is not visible now still names its key: publishing it changes this response.
    for (const id of articleIds) viewer.keys.add(`article:${id}`)
    for (const table of tables.values()) viewer.keys.add(`fact-table:${table.id}`)
    if (tables.size < new Set(slugs).size) viewer.keys.add('fact-tables')
  }
  return {
    article: (id) => {
      const a = byId.get(id)
      return a ? { title: a.headline, href: siteUrlOf(viewer.site, 'article', a), ...a } : null
    },
    factTable: (slug) => {
      const table = tables.get(slug)
      if (table === undefined) return null
      return { title: table.title, href: siteUrlOf(viewer.site, 'factTable', table), table: table.table }
    },
  }
}

/** Titles of the fact tables that `factTable` blocks point at (fact tables are public, like published content). */
async function factTableTitles(
  db: Db,
  slugs: string[],
): Promise<Map<string, { id: string; slug: string; title: string }>> {
  const rows = await factTablesWithSlugs(db, slugs)
  return new Map(rows.map(({ id, slug, title }) => [slug, { id, slug, title }]))
}

/**
 * An article with live blocks is rendered again on every read, for what they link to; its other blocks were
 * sanitised when it was written (`body_parts`). Fact tables add their rows to the text too, so both forms are
 * rendered again. A row written before that column existed (until `npm run cli -- migrate` fills it) has its
 * other blocks sanitised once per version and kept (per connection, 1,000 versions at most).
 */
const renderCache = preparedOnce(() => new Map<string, (Rendered | undefined)[]>())
function staticRendersOf(db: Db, row: ArticleRow, blocks: BlockInput[]) {
  const stored = partsOf(row.bodyParts, blocks)
  if (stored !== undefined) return stored
  const cache = renderCache(db)
  const key = `${row.id}:${row.version}`
  let renders = cache.get(key)
  if (renders === undefined) {
    renders = staticRenders(blocks)
    if (cache.size >= 1_000) cache.delete(cache.keys().next().value as string)
    cache.set(key, renders)
  }
  return renders
}

export const rightsOf = (row: ArticleRow) => ({
  syndication: row.syndication,
  partners: row.syndicationPartners,
  embargoUntil: row.embargoUntil === null ? null : iso(row.embargoUntil),
  statement: row.rightsStatement,
  usageTerms: row.usageTerms,
})

/**
 * The article as clients get it. `resolver`: one made for the blocks of many articles at once (a feed's page),
 * instead of looking up each article's linked articles and fact tables on its own.
 */
export async function toArticle(
  db: Db,
  row: ArticleRow,
  viewer: Viewer,
  shared?: Resolver,
): Promise<Article> {
  const [summary] = await summarise(db, [row], viewer)
  const stored = row.bodyBlocks as BlockInput[]
  const resolver = shared ?? (await blockResolver(db, stored, viewer))
  const rendered = hasLiveBlocks(stored)
    ? renderBody(stored, resolver, staticRendersOf(db, row, stored))
    : { html: row.bodyHtml, text: row.bodyText }
  rendered.html = absoluteLinks(rendered.html, viewer.site.url)
  const blocks: Block[] = stored.map((block) => presentBlock(block, resolver, viewer.site))
  const article: Article = { ...(summary as ArticleSummary), body: { blocks, ...rendered } }
  if (viewer.editor) article.rights = rightsOf(row)
  return article
}

const EMPTY_BODY = { blocks: [], html: '', text: '' }
const EMPTY_BODY_JSON = '"body":{"blocks":[],"html":"","text":""}}'

/**
 * A public reader's article as the JSON `serialise` (the route's serialiser) makes of it, with the body joined from
 * its stored template (template.ts) instead of rendered and escaped again, and the rest from its summary's
 * (summary-template.ts) when it has a current one: one query for the row (its links are on it), plus those for
 * what live blocks point at. Undefined when the article is not visible or has no template
 * (written before templates): `toArticle` answers it.
 */
export async function publicArticleJson(
  db: Db,
  ref: string,
  viewer: Viewer,
  serialise: (article: Article) => string,
): Promise<string | undefined> {
  const [row] = await statementsOf(readTarget(db)).pageByRef.all({ ref })
  if (row === undefined || !visibleTo(row, viewer)) return undefined
  const template = parseTemplate(row.bodyTemplate)
  if (template === undefined) return undefined
  // The summary's part from its own template when it has a current one: `{…"links":{…}}` less its last brace.
  const joined = joinSummary(row, viewer.site, viewer.keys)
  const [summary] = joined === undefined ? await summarise(db, await summaryRowsOf(db, [row.id]), viewer) : []
  if (joined === undefined && summary === undefined) return undefined
  const resolver = await blockResolver(db, [...template.live.values()], viewer)
  if (joined !== undefined)
    return `${joined.slice(0, -1)},"body":${assembleBody(template, resolver, viewer.site)}}`
  const json = serialise({ ...(summary as ArticleSummary), body: EMPTY_BODY })
  if (!json.endsWith(EMPTY_BODY_JSON)) return undefined
  return `${json.slice(0, -EMPTY_BODY_JSON.length)}"body":${assembleBody(template, resolver, viewer.site)}}`
}

/**
 * The public list's conditions. With `only = 'link'`, the ones left when a single topic, tag or author drives the
 * query (see `drivingLink`): its membership and visibility are the driving index's own. With `bind`, every value
 * is a placeholder filled in there, so that the statement can be prepared once per shape of query.
 */
export function filters(
  db: Db,
  query: ArticleListQuery,
  viewer: Viewer,
  only?: 'link',
  bind?: Record<string, unknown>,
): SQL[] {
  const value = <T>(name: string, v: T) => {
    if (bind === undefined) return v
    bind[name] = v
    return sql.placeholder(name)
  }
  const conditions: SQL[] = []
  const status = query.status ?? 'published'
  if (status === 'published' && only === undefined)
    conditions.push(
      and(eq(articles.status, 'published'), lte(articles.publishedAt, value('now', viewer.now))) as SQL,
    )
  if (status === 'draft') conditions.push(eq(articles.status, 'draft'))
  if (status === 'scheduled')
    conditions.push(
      and(eq(articles.status, 'published'), gt(articles.publishedAt, value('now', viewer.now))) as SQL,
    )
  if (query.type) conditions.push(eq(articles.type, value('type', query.type)))
  if (query.language) conditions.push(eq(articles.language, value('language', query.language)))
  if (query.from)
    conditions.push(gte(articles.publishedAt, value('from', parseInstant(query.from, 'query/from'))))
  if (query.to) conditions.push(lt(articles.publishedAt, value('to', parseInstant(query.to, 'query/to'))))
  // Membership as `id IN (…)` over the link tables' `(key, published_at)` indexes: for public lists only the
  // visible members are read, so counting a topic's articles costs its visible members, not the archive.
  const listed = <T extends typeof articleTopics | typeof articleTags | typeof bylines>(table: T) =>
    status === 'published' ? lte(table.publishedAt, value('now', viewer.now)) : undefined
  if (only === 'link') return conditions
  if (query.tag) {
    const tag = value('tag', query.tag)
    conditions.push(
      inArray(
        articles.id,
        db
          .select({ id: articleTags.articleId })
          .from(articleTags)
          .where(and(eq(articleTags.tag, tag), listed(articleTags))),
      ),
    )
  }
  if (query.topic) {
    const ref = value('topic', query.topic)
    const topic = idByRef(db, topics, ref)
    conditions.push(
      inArray(
        articles.id,
        db
          .select({ id: articleTopics.articleId })
          .from(articleTopics)
          .where(and(inArray(articleTopics.topicId, topic), listed(articleTopics))),
      ),
    )
  }
  if (query.author) {
    const ref = value('author', query.author)
    const author = idByRef(db, authors, ref)
    conditions.push(
      inArray(
        articles.id,
        db
          .select({ id: bylines.articleId })
          .from(bylines)
          .where(and(inArray(bylines.authorId, author), listed(bylines))),
      ),
    )
  }
  return conditions
}

/**
 * `page.total` of public lists, by filter: counting every match of a filter on every page would cost as much as the
 * archive is large. Only publications change public counts, and every publication (a write, or a scheduled time
 * coming) publishes the `articles` key, which clears this.
 */
export class ListTotals {
  private readonly totals = new Map<string, number>()
  /** Counts up with every clearing: a count that ran across one is not kept (it may predate the change). */
  private generation = 0

  constructor(bus: InvalidationBus) {
    // Filters name topics and authors by slug too: a new slug changes what a filter matches.
    bus.subscribe((keys) => {
      if (
        keys.includes('articles') ||
        keys.includes('topics') ||
        keys.includes('authors') ||
        keys.includes('*')
      ) {
        this.totals.clear()
        this.generation++
      }
    })
  }

  async get(key: string, count: () => Promise<number>): Promise<number> {
    const known = this.totals.get(key)
    if (known !== undefined) return known
    const generation = this.generation
    const total = await count()
    if (generation !== this.generation) return total
    if (this.totals.size >= 10_000) this.totals.clear()
    this.totals.set(key, total)
    return total
  }
}

const totalsByBus = new WeakMap<InvalidationBus, ListTotals>()
/** The one `ListTotals` of an invalidation bus: every route that lists articles shares its counts. */
export function listTotalsOf(bus: InvalidationBus): ListTotals {
  let totals = totalsByBus.get(bus)
  if (totals === undefined) {
    totals = new ListTotals(bus)
    totalsByBus.set(bus, totals)
  }
  return totals
}

/**
 * A public list filtered by exactly one topic, tag or author is read from that link table's index (its `value`: the
 * tag, or the topic's or author's id looked up by id or slug inside the same query); undefined when the list has no
 * single such filter.
 */
function drivingLink(query: ArticleListQuery) {
  const given = [query.topic, query.tag, query.author].filter((v) => v !== undefined)
  if (given.length !== 1) return undefined
  if (query.tag) return { kind: 'tag', table: articleTags, column: articleTags.tag, ref: query.tag } as const
  if (query.topic)
    return { kind: 'topic', table: articleTopics, column: articleTopics.topicId, ref: query.topic } as const
  return { kind: 'author', table: bylines, column: bylines.authorId, ref: query.author as string } as const
}

/** The id of the topic or author a filter names, by id or slug, as a subquery. */
const idByRef = (db: Db, table: typeof topics | typeof authors, ref: string | SQLWrapper) =>
  db
    .select({ id: table.id })
    .from(table)
    .where(or(eq(table.slug, ref), eq(table.id, ref)))

/**
 * What the driving link's column must equal: the tag, or the id of the topic or author named by id or slug (at most
 * one row: slugs may not look like ids, and PostgreSQL refuses `=` against a subquery of two).
 */
function drivingValue(db: Db, kind: 'tag' | 'topic' | 'author'): SQL | SQLWrapper {
  const ref = sql.placeholder('driving')
  if (kind === 'tag') return ref
  return idByRef(db, kind === 'topic' ? topics : authors, ref).limit(1)
}

/**
 * Every value a list's page query may name, by placeholder: the statement is prepared once per shape of query and
 * then only filled (values it does not name are not sent). `filters` names the same ones.
 */
function pageBindings(
  query: ArticleListQuery,
  viewer: Viewer,
  limit: number,
  cursor: { key: string | number; id: string } | undefined,
  driving: string | undefined,
): Record<string, unknown> {
  const bind: Record<string, unknown> = { limit: limit + 1, now: viewer.now }
  if (cursor) Object.assign(bind, { cursorKey: Number(cursor.key), cursorId: cursor.id })
  if (driving !== undefined) bind.driving = driving
  if (query.type) bind.type = query.type
  if (query.language) bind.language = query.language
  if (query.from) bind.from = parseInstant(query.from, 'query/from')
  if (query.to) bind.to = parseInstant(query.to, 'query/to')
  if (query.tag) bind.tag = query.tag
  if (query.topic) bind.topic = query.topic
  if (query.author) bind.author = query.author
  return bind
}

/** A list's page query, prepared once per shape (which filters, sort, cursor): its values are placeholders. */
const listStatements = preparedOnce(() => new Map<string, Statement<unknown>>())

export async function listArticles(
  db: Db,
  query: ArticleListQuery,
  viewer: Viewer,
  totals?: ListTotals,
): Promise<PageResult<ArticleSummary>> {
  return listPage<SummaryRow, ArticleSummary>(db, query, viewer, totals, summaryColumns, (rows) =>
    summarise(db, rows, viewer),
  )
}

/**
 * A public list as each summary's JSON, as the route's serialiser would write it: joined from the templates stored
 * at write time (summary-template.ts), reading only what goes into them.
 */
export async function listArticlesJson(
  db: Db,
  query: ArticleListQuery,
  viewer: Viewer,
  totals?: ListTotals,
): Promise<PageResult<string>> {
  return listPage<JoinRow, string>(db, query, viewer, totals, joinColumns, (rows) =>
    summariesJson(db, rows, viewer),
  )
}

async function listPage<
  // Rows joined from templates are of published articles only: they have no use for the creation time.
  Row extends Pick<ArticleRow, 'id' | 'publishedAt'> & Partial<Pick<ArticleRow, 'createdAt'>>,
  Item,
>(
  db: Db,
  query: ArticleListQuery,
  viewer: Viewer,
  totals: ListTotals | undefined,
  columns: typeof summaryColumns | typeof joinColumns,
  present: (rows: Row[]) => Promise<Item[]>,
): Promise<PageResult<Item>> {
  const limit = query.limit ?? 20
  const oldest = query.sort === 'oldest'
  // Drafts have no publication time; editors' lists that include them sort by creation instead.
  const includesDrafts = query.status === 'draft' || query.status === 'all'
  const sortKey = includesDrafts
    ? sql<number>`coalesce(${articles.publishedAt}, ${articles.createdAt})`
    : sql<number>`${articles.publishedAt}`
  viewer.keys?.add('articles') // which articles a list holds changes with any publication
  const cursor = decodeCursor(query.cursor, 'number')
  const { cursor: _cursor, limit: _limit, sort: _sort, fields: _fields, ...filter } = query
  // Only public counts are kept: editors' lists change with every draft.
  const publicCount = (query.status ?? 'published') === 'published' && totals !== undefined
  const countAll = async () =>
    (
      await db
        .select({ total: count() })
        .from(articles)
        .where(and(...filters(db, query, viewer)))
    )[0]?.total ?? 0
  const driving = (query.status ?? 'published') === 'published' ? drivingLink(query) : undefined
  const pageRows = async (): Promise<Row[]> => {
    const target = readTarget(db)
    const bind = pageBindings(query, viewer, limit, cursor, driving?.ref)
    // Which filters are given, not their values (but the status changes the SQL itself).
    const shape = JSON.stringify([
      columns === joinColumns,
      driving?.kind,
      Object.keys(filter).sort(),
      query.status,
      oldest,
      cursor !== undefined,
    ])
    const cache = listStatements(target)
    let prepared = cache.get(shape)
    if (prepared === undefined) {
      const named: Record<string, unknown> = {}
      const built = buildPage(target, named)
      // The builder's values are the bindings' own (a placeholder left unfilled would fail every such request).
      for (const [name, value] of Object.entries(named))
        if (bind[name] !== value) throw new Error(`list query: "${name}" is not bound as the query names it`)
      // Named after its shape: PostgreSQL keeps one statement per name, and the same shape gives the same SQL.
      const name = `articles_page_${createHash('sha1').update(shape).digest('hex').slice(0, 16)}`
      prepared = statement(target, built, name) as Statement<unknown>
      if (cache.size >= 1_000) cache.clear()
      cache.set(shape, prepared)
    }
    return prepared.all(bind) as Promise<Row[]>
  }
  /** The page query with placeholders, recording in `named` the values `filters` gives them. */
  function buildPage(target: Db, named: Record<string, unknown>) {
    const cursorKey = sql.placeholder('cursorKey')
    const cursorId = sql.placeholder('cursorId')
    if (driving === undefined) {
      const after = cursor
        ? oldest
          ? or(gt(sortKey, cursorKey), and(eq(sortKey, cursorKey), gt(articles.id, cursorId)))
          : or(lt(sortKey, cursorKey), and(eq(sortKey, cursorKey), lt(articles.id, cursorId)))
        : undefined
      return target
        .select(columns)
        .from(articles)
        .leftJoin(summaryTemplates, withSummaryTemplate)
        .where(and(...filters(target, query, viewer, undefined, named), after))
        .orderBy(...(oldest ? [asc(sortKey), asc(articles.id)] : [desc(sortKey), desc(articles.id)]))
        .limit(sql.placeholder('limit') as unknown as number)
    }
    // One topic, tag or author: walk its `(key, published_at, article_id)` index in order and stop at the page's
    // end, however many members it has. The other filters apply to the joined articles.
    const { table, column } = driving
    const key = table.publishedAt
    const id = table.articleId
    const linkAfter = cursor
      ? oldest
        ? or(gt(key, cursorKey), and(eq(key, cursorKey), gt(id, cursorId)))
        : or(lt(key, cursorKey), and(eq(key, cursorKey), lt(id, cursorId)))
      : undefined
    return target
      .select(columns)
      .from(table)
      .innerJoin(articles, eq(articles.id, id))
      .leftJoin(summaryTemplates, withSummaryTemplate)
      .where(
        and(
          eq(column, drivingValue(target, driving.kind)),
          lte(key, sql.placeholder('now')),
          ...filters(target, query, viewer, 'link', named),
          linkAfter,
        ),
      )
      .orderBy(...(oldest ? [asc(key), asc(id)] : [desc(key), desc(id)]))
      .limit(sql.placeholder('limit') as unknown as number)
  }
  const [rows, total] = await Promise.all([
    pageRows(),
    publicCount ? totals.get(JSON.stringify(filter), countAll) : countAll(),
  ])
  const page = pageOf(
    rows,
    limit,
    total,
    (last) => ({ key: last.publishedAt ?? last.createdAt ?? 0, id: last.id }),
    (r) => r,
  )
  return { ...page, data: await present(page.data) }
}

/** What the public can see of an article that other responses depend on; null when it does not exist. */
export interface Footprint {
  visible: boolean
  /** Everything that decides which lists hold the article, and where: filters, sort, related scores. */
  listing: string
  topicIds: string[]
}

export async function footprintOf(db: Db, id: string, now: number): Promise<Footprint | null> {
  const [row] = await db.select().from(articles).where(eq(articles.id, id)).limit(1)
  if (!row) return null
  const [topicRows, tagRows, authorRows] = await Promise.all([
    db.select({ id: articleTopics.topicId }).from(articleTopics).where(eq(articleTopics.articleId, id)),
    db.select({ tag: articleTags.tag }).from(articleTags).where(eq(articleTags.articleId, id)),
    db.select({ id: bylines.authorId }).from(bylines).where(eq(bylines.articleId, id)),
  ])
  const visible = visibleTo(row, { editor: false, now })
  const topicIds = topicRows.map((t) => t.id).sort()
  const listing = JSON.stringify([
    visible,
    row.publishedAt,
    row.type,
    row.language,
    topicIds,
    tagRows.map((t) => t.tag).sort(),
    authorRows.map((a) => a.id).sort(),
    row.embargoUntil, // which partner feeds hold it
  ])
  return { visible, listing, topicIds }
}

/**
 * The cache keys a write to one article changed, from what the public could see before and after: nothing for a
 * draft edited in private; the article itself when its content changed; every list (and the topics' article
 * counts) only when which lists hold it, or where, changed.
 */
export function changedKeys(id: string, before: Footprint | null, after: Footprint | null): string[] {
  if (!before?.visible && !after?.visible) return []
  const keys = [`article:${id}`]
  if (before?.listing !== after?.listing) {
    keys.push('articles')
    for (const topicId of new Set([...(before?.topicIds ?? []), ...(after?.topicIds ?? [])]))
      keys.push(`topic-articles:${topicId}`)
  }
  return keys
}

/** The next time a scheduled article becomes visible after `now`, or an embargo on a published one ends. */
export async function nextScheduled(db: Db, now: number): Promise<number | null> {
  const [[scheduled], [embargo]] = await Promise.all([
    db
      .select({ at: sql<number | null>`min(${articles.publishedAt})` })
      .from(articles)
      .where(and(eq(articles.status, 'published'), gt(articles.publishedAt, now))),
    db
      .select({ at: sql<number | null>`min(${articles.embargoUntil})` })
      .from(articles)
      .where(and(eq(articles.status, 'published'), gt(articles.embargoUntil, now))),
  ])
  const times = [scheduled?.at, embargo?.at].filter((t): t is number => t !== null && t !== undefined)
  return times.length === 0 ? null : Math.min(...times.map(Number))
}

/** The keys that changed because scheduled articles became visible in (from, to]. */
export async function releasedKeys(db: Db, from: number, to: number): Promise<string[]> {
  // Embargoes ending change what partners (feeds, ninjs) see of an article already on the website.
  const rows = await db
    .select({ id: articles.id, topicId: articleTopics.topicId })
    .from(articles)
    .leftJoin(articleTopics, eq(articleTopics.articleId, articles.id))
    .where(
      and(
        eq(articles.status, 'published'),
        or(
          and(gt(articles.publishedAt, from), lte(articles.publishedAt, to)),
          and(gt(articles.embargoUntil, from), lte(articles.embargoUntil, to)),
        ),
      ),
    )
  if (rows.length === 0) return []
  const keys = new Set(['articles'])
  for (const r of rows) {
    keys.add(`article:${r.id}`)
    if (r.topicId) keys.add(`topic-articles:${r.topicId}`)
  }
  return [...keys]
}
