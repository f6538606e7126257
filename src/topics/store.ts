import { and, asc, count, eq, gt, inArray, lte, max, or, sql } from 'drizzle-orm'
import { storeSummaries } from '../articles/summary-template.js'
import {
  type Db,
  preparedOnce,
  preparedShapes,
  readTarget,
  statement,
  writeTransaction,
} from '../db/client.js'
import { uuidv7 } from '../db/ids.js'
import { slugify } from '../db/refs.js'
import { articleTopics, topics } from '../db/schema.js'
import type { InvalidationBus } from '../http/cache.js'
import { withUniqueSlug } from '../http/errors.js'
import { presentImage } from '../http/images.js'
import { decodeCursor, type PageResult, pageOf } from '../http/pagination.js'
import { feedLinks, type Site, siteUrlOf } from '../http/site.js'
import { reindexArticle, reindexArticlesOf } from '../search/index.js'
import type { Topic, TopicCreate, TopicListQuery, TopicPatch } from './schemas.js'

type TopicRow = typeof topics.$inferSelect

/** Fact tables per topic id; filled in by the facts feature. */
export type FactTablesOf = (
  db: Db,
  topicIds: string[],
) => Promise<Map<string, { slug: string; title: string }[]>>

export const noFactTables: FactTablesOf = async () => new Map()

/** The cache keys of a topic page: the topic, which articles it holds, and its fact tables. */
export const topicKeys = (id: string) => [`topic:${id}`, `topic-articles:${id}`, `topic-fact-tables:${id}`]

/** What presenting a topic needs besides its row: the time, its fact tables, and where the website is. */
export interface TopicReads {
  now: number
  factTablesOf: FactTablesOf
  site: Site
  /** Known article counts; without it they are counted on every read. */
  stats?: TopicStats | undefined
}

interface Stats {
  topicId: string
  articleCount: number
  latest: number | null
}

/**
 * Topics' article counts and latest publication, kept until their `topic-articles:<id>` key is published (every
 * publication, unpublication, deletion or change of topics does, and so does a scheduled article's time coming):
 * counting a big topic's members costs as much as the topic is large, on every read. One per invalidation bus.
 */
export class TopicStats {
  private readonly known = new Map<string, Stats>()
  /** Counts up with every invalidation: a count that ran across one is not kept. */
  private generation = 0

  constructor(bus: InvalidationBus) {
    bus.subscribe((keys) => {
      for (const key of keys) {
        if (key === '*') this.known.clear()
        else if (key.startsWith('topic-articles:')) this.known.delete(key.slice('topic-articles:'.length))
        else if (key.startsWith('topic:')) this.known.delete(key.slice('topic:'.length))
        else continue
        this.generation++
      }
    })
  }

  async get(ids: string[], count: (missing: string[]) => Promise<Stats[]>): Promise<Map<string, Stats>> {
    const found = new Map<string, Stats>()
    const missing: string[] = []
    for (const id of ids) {
      const known = this.known.get(id)
      if (known) found.set(id, known)
      else missing.push(id)
    }
    if (missing.length === 0) return found
    const generation = this.generation
    const counted = new Map((await count(missing)).map((s) => [s.topicId, s]))
    for (const id of missing) {
      const stats = counted.get(id) ?? { topicId: id, articleCount: 0, latest: null }
      found.set(id, stats)
      if (this.generation !== generation) continue
      if (this.known.size >= 10_000) this.known.clear()
      this.known.set(id, stats)
    }
    return found
  }
}

const statsByBus = new WeakMap<InvalidationBus, TopicStats>()
export function topicStatsOf(bus: InvalidationBus): TopicStats {
  let stats = statsByBus.get(bus)
  if (stats === undefined) {
    stats = new TopicStats(bus)
    statsByBus.set(bus, stats)
  }
  return stats
}

async function present(
  db: Db,
  rows: TopicRow[],
  { now, factTablesOf, site, stats }: TopicReads,
): Promise<Topic[]> {
  if (rows.length === 0) return []
  const ids = rows.map((r) => r.id)
  // From the `(topic_id, published_at)` index alone: the visible members, without touching the articles.
  const count_ = async (missing: string[]) =>
    (
      await db
        .select({
          topicId: articleTopics.topicId,
          articleCount: count(),
          latest: max(articleTopics.publishedAt),
        })
        .from(articleTopics)
        .where(and(inArray(articleTopics.topicId, missing), lte(articleTopics.publishedAt, now)))
        .groupBy(articleTopics.topicId)
    ).map((s) => ({ ...s, latest: s.latest === null ? null : Number(s.latest) }))
  const byTopic = stats
    ? await stats.get(ids, count_)
    : new Map((await count_(ids)).map((s) => [s.topicId, s]))
  const tables = await factTablesOf(db, ids)
  return rows.map((row) => {
    const s = byTopic.get(row.id)
    return {
      id: row.id,
      slug: row.slug,
      title: row.title,
      description: row.description,
      kind: row.kind,
      heroImage: row.heroImage ? presentImage(row.heroImage, site.images) : null,
      articleCount: s?.articleCount ?? 0,
      latestPublishedAt: s?.latest ? new Date(s.latest).toISOString() : null,
      factTables: tables.get(row.id) ?? [],
      links: {
        self: `/v1/topics/${row.slug}`,
        articles: `/v1/articles?topic=${row.slug}`,
        canonical: siteUrlOf(site, 'topic', row),
        feeds: feedLinks('topic', row.slug),
      },
    }
  })
}

/** A topic page's first read, prepared once per connection. */
const byRef = preparedOnce((db: Db) =>
  statement(
    db,
    db
      .select()
      .from(topics)
      .where(or(eq(topics.slug, sql.placeholder('ref')), eq(topics.id, sql.placeholder('ref'))))
      .limit(1),
    'topic_by_ref',
  ),
)

export async function findTopicRow(db: Db, ref: string): Promise<TopicRow | undefined> {
  const [row] = await byRef(readTarget(db)).all({ ref })
  return row
}

export async function getTopic(db: Db, ref: string, reads: TopicReads) {
  const row = await findTopicRow(db, ref)
  return row ? (await present(db, [row], reads))[0] : undefined
}

const ofKind = (shape: string) =>
  shape.startsWith('kind') ? eq(topics.kind, sql.placeholder('kind')) : undefined

/** The topics index's page, per shape: of one kind or all, from a cursor or from the start. */
const pageStatement = preparedShapes((db: Db, shape: `${'kind' | 'all'}_${'after' | 'first'}`) =>
  statement(
    db,
    db
      .select()
      .from(topics)
      .where(
        and(ofKind(shape), shape.endsWith('after') ? gt(topics.slug, sql.placeholder('after')) : undefined),
      )
      .orderBy(asc(topics.slug))
      .limit(sql.placeholder('limit') as unknown as number),
    `topics_page_${shape}`,
  ),
)
/** Its total, of one kind or all. */
const totalStatement = preparedShapes((db: Db, shape: 'kind' | 'all') =>
  statement(db, db.select({ total: count() }).from(topics).where(ofKind(shape)), `topics_total_${shape}`),
)

export async function listTopics(
  db: Db,
  query: TopicListQuery,
  reads: TopicReads,
): Promise<PageResult<Topic>> {
  const limit = query.limit ?? 20
  const cursor = decodeCursor(query.cursor, 'string')
  const kind = query.kind ? 'kind' : 'all'
  const params = { kind: query.kind, after: cursor ? String(cursor.key) : undefined, limit: limit + 1 }
  const [rows, [total]] = await Promise.all([
    pageStatement(readTarget(db), `${kind}_${cursor ? 'after' : 'first'}`).all(params),
    totalStatement(readTarget(db), kind).all(params),
  ])
  const page = pageOf(
    rows,
    limit,
    total?.total ?? 0,
    (last) => ({ key: last.slug, id: last.id }),
    (r) => r,
  )
  return { ...page, data: await present(db, page.data, reads) }
}

export async function createTopic(
  db: Db,
  input: TopicCreate,
  now: number,
  id = uuidv7(now),
): Promise<TopicRow> {
  const row: TopicRow = {
    id,
    slug: input.slug ?? slugify(input.title),
    title: input.title,
    description: input.description ?? null,
    kind: input.kind ?? 'story',
    heroImage: input.heroImage ?? null,
    createdAt: now,
    updatedAt: now,
  }
  await withUniqueSlug('a topic', row.slug, () => db.insert(topics).values(row))
  return row
}

export async function updateTopic(db: Db, id: string, patch: TopicPatch, now: number) {
  await withUniqueSlug('a topic', patch.slug ?? '', () =>
    writeTransaction(db, async (tx) => {
      await tx
        .update(topics)
        .set({ ...patch, updatedAt: now })
        .where(eq(topics.id, id))
      // Its articles are found by its title too, and show it in their summaries.
      if (patch.title !== undefined) await reindexArticlesOf(tx, { topicId: id })
      if (patch.title !== undefined || patch.slug !== undefined) await storeSummaries(tx, { topic: id })
    }),
  )
}

/** Articles keep existing; they just leave the topic (and lose it as their primary topic). */
export async function deleteTopic(db: Db, id: string) {
  await writeTransaction(db, async (tx) => {
    const members = await tx
      .select({ id: articleTopics.articleId })
      .from(articleTopics)
      .where(eq(articleTopics.topicId, id))
    await tx.delete(topics).where(eq(topics.id, id))
    for (const member of members) await reindexArticle(tx, member.id)
    await storeSummaries(tx, { articles: members.map((m) => m.id) })
  })
}
