/**
 * Related articles: the editors' curated list first, then computed ones.
 *
 * Computed score = (2 × shared topics + 1 × shared tags) × 0.5 ^ (|Δ days| / 30), where Δ is the time between
 * the two articles' publication: sharing a story hub counts double a shared tag, and an article loses half its
 * weight for every 30 days between them, so a piece from the same week beats one from last year. Ties go to the
 * more recent article, then to the id. Only articles the viewer may see, never the article itself, and (unless
 * asked) none without a body: an empty stub is no reading suggestion.
 */
import { and, asc, eq, gt, lte, sql } from 'drizzle-orm'
import {
  type Db,
  inList,
  limitOf,
  listParam,
  preparedOnce,
  rawStatement,
  readTarget,
  type Statement,
  statement,
} from '../db/client.js'
import { articles, articleTags, articleTopics, relatedArticles, topics } from '../db/schema.js'
import { type ArticleRow, type SummaryRow, summarise, summaryColumns, type Viewer } from './store.js'

export const RELATED_FORMULA =
  'score = (2 × sharedTopics + sharedTags) × 0.5^(|Δdays| / 30), Δdays being the time between the two publication dates; ties go to the newer article, then the id.'

const DAY_MS = 86_400_000

/** How many related articles a request without `limit` gets (and `include=related`). */
export const RELATED_DEFAULT_LIMIT = 6

/** The statements of a related list, prepared once per connection; every list of ids is one parameter. */
const statementsOf = preparedOnce((db: Db) => {
  const id = sql.placeholder('id')
  const curated = (editor: boolean) =>
    statement(
      db,
      db
        .select({ article: summaryColumns })
        .from(relatedArticles)
        .innerJoin(articles, eq(articles.id, relatedArticles.relatedId))
        .where(
          and(
            eq(relatedArticles.articleId, id),
            editor
              ? undefined
              : and(eq(articles.status, 'published'), lte(articles.publishedAt, sql.placeholder('now'))),
            gt(articles.wordCount, sql.placeholder('minWords')),
          ),
        )
        .orderBy(asc(relatedArticles.position))
        .limit(sql.placeholder('limit') as unknown as number),
      `related_curated_${editor ? 'editor' : 'public'}`,
    )
  return {
    curated: { editor: curated(true), public: curated(false) },
    ownTopics: statement(
      db,
      db
        .select({ id: articleTopics.topicId, slug: topics.slug })
        .from(articleTopics)
        .innerJoin(topics, eq(topics.id, articleTopics.topicId))
        .where(eq(articleTopics.articleId, id)),
      'related_own_topics',
    ),
    ownTags: statement(
      db,
      db.select({ tag: articleTags.tag }).from(articleTags).where(eq(articleTags.articleId, id)),
      'related_own_tags',
    ),
    sharedTopics: statement(
      db,
      db
        .select({ articleId: articleTopics.articleId, slug: topics.slug })
        .from(articleTopics)
        .innerJoin(topics, eq(topics.id, articleTopics.topicId))
        .where(and(inList(db, articleTopics.articleId, 'ids'), inList(db, articleTopics.topicId, 'keys')))
        .orderBy(asc(articleTopics.position)),
      'related_shared_topics',
    ),
    sharedTags: statement(
      db,
      db
        .select({ articleId: articleTags.articleId, tag: articleTags.tag })
        .from(articleTags)
        .where(and(inList(db, articleTags.articleId, 'ids'), inList(db, articleTags.tag, 'keys')))
        .orderBy(asc(articleTags.position)),
      'related_shared_tags',
    ),
    // The best-scored candidates, those with a body unless empty ones are asked for.
    winners: statement(
      db,
      db
        .select(summaryColumns)
        .from(articles)
        .where(and(inList(db, articles.id, 'ids'), gt(articles.wordCount, sql.placeholder('minWords')))),
      'related_winners',
    ),
    /** Nearest neighbours, by how many topics and tags the article has (a handful of shapes). */
    nearest: new Map<string, Statement<{ id: string; published_at: number }>>(),
  }
})

export async function relatedTo(
  db: Db,
  row: ArticleRow,
  viewer: Viewer,
  limit: number,
  { includeEmpty = false }: { includeEmpty?: boolean } = {},
) {
  // Computed related articles change with any publication, and with any article's topics or tags.
  viewer.keys?.add('articles')
  viewer.keys?.add(`article:${row.id}`)
  const target = readTarget(db)
  const statements = statementsOf(target)
  const [curated, ownTopicRows, ownTagRows] = await Promise.all([
    statements.curated[viewer.editor ? 'editor' : 'public'].all({
      id: row.id,
      limit,
      minWords: includeEmpty ? -1 : 0,
      ...(viewer.editor ? {} : { now: viewer.now }),
    }),
    statements.ownTopics.all({ id: row.id }),
    statements.ownTags.all({ id: row.id }),
  ])

  const room = limit - curated.length
  const anchor = row.publishedAt ?? viewer.now
  const ownTopicIds = ownTopicRows.map((t) => t.id)
  const ownTags = ownTagRows.map((t) => t.tag)

  // Bounded: for each shared topic and tag, only the NEAREST articles in time on either side of this one (the
  // `(topic | tag, published_at)` indexes answer that directly), however large the topic or common the tag. An
  // article further away than the nearest ones in every list it shares loses to them by the decay anyway.
  const candidates =
    room <= 0 || ownTopicIds.length + ownTags.length === 0
      ? []
      : await nearestMembers(target, ownTopicIds, ownTags, anchor, viewer)
  const candidateIds = [...new Set(candidates.map((c) => c.id))].filter((id) => id !== row.id)
  const ids = listParam(target, candidateIds)
  const [sharedTopicRows, sharedTagRows] =
    candidateIds.length === 0
      ? [[], []]
      : await Promise.all([
          ownTopicIds.length === 0
            ? []
            : statements.sharedTopics.all({ ids, keys: listParam(target, ownTopicIds) }),
          ownTags.length === 0 ? [] : statements.sharedTags.all({ ids, keys: listParam(target, ownTags) }),
        ])

  const shared = new Map<string, { topics: string[]; tags: string[] }>()
  const entry = (id: string) => {
    const existing = shared.get(id) ?? { topics: [], tags: [] }
    shared.set(id, existing)
    return existing
  }
  for (const r of sharedTopicRows) entry(r.articleId).topics.push(r.slug)
  for (const r of sharedTagRows) entry(r.articleId).tags.push(r.tag)
  const curatedIds = new Set(curated.map((c) => c.article.id))
  const publishedAtOf = new Map(candidates.map((c) => [c.id, c.publishedAt]))
  const scoredCandidates = [...shared.keys()]
    .filter((id) => !curatedIds.has(id))
    .map((id) => ({ id, publishedAt: publishedAtOf.get(id) ?? null }))
  const ranked = scoredCandidates
    .map((candidate) => {
      const s = shared.get(candidate.id) ?? { topics: [], tags: [] }
      const days = Math.abs((candidate.publishedAt ?? viewer.now) - anchor) / DAY_MS
      const score = (2 * s.topics.length + s.tags.length) * 0.5 ** (days / 30)
      return { candidate, shared: s, score: Math.round(score * 1e6) / 1e6 }
    })
    .sort(
      (a, b) =>
        b.score - a.score ||
        (b.candidate.publishedAt ?? 0) - (a.candidate.publishedAt ?? 0) ||
        (a.candidate.id < b.candidate.id ? -1 : 1),
    )
  // The best `room` of them with a body, read a few more than needed at a time: articles without a body are rare,
  // and telling them apart costs a read of the row, so only the ones that might win are read. Each further batch
  // is twice the last, so even a run of empty ones costs a handful of reads.
  const scored: typeof ranked = []
  const winners: SummaryRow[] = []
  for (let from = 0, batches = 0; scored.length < room && from < ranked.length; batches++) {
    const batch = ranked.slice(from, from + (room - scored.length + WINNER_SLACK) * 2 ** batches)
    from += batch.length
    const rows = await statements.winners.all({
      ids: listParam(
        target,
        batch.map((s) => s.candidate.id),
      ),
      minWords: includeEmpty ? -1 : 0,
    })
    const byId = new Map(rows.map((r) => [r.id, r]))
    for (const s of batch) {
      const row = byId.get(s.candidate.id)
      if (row === undefined || scored.length >= room) continue
      scored.push(s)
      winners.push(row)
    }
  }

  const summaries = await summarise(db, [...curated.map((c) => c.article), ...winners], viewer)
  const ownTopicSlugs = new Set(ownTopicRows.map((t) => t.slug))
  return summaries.map((article, i) => {
    if (i < curated.length) {
      return {
        reason: 'curated' as const,
        sharedTopics: article.topics.map((t) => t.slug).filter((slug) => ownTopicSlugs.has(slug)),
        sharedTags: [],
        score: null,
        article,
      }
    }
    const s = scored[i - curated.length]
    return {
      reason: (s && s.shared.topics.length > 0 ? 'shared-topics' : 'shared-tags') as
        | 'shared-topics'
        | 'shared-tags',
      sharedTopics: s?.shared.topics ?? [],
      sharedTags: s?.shared.tags ?? [],
      score: s?.score ?? 0,
      article,
    }
  })
}

/** How many more of the best-scored candidates are read than there is room for, in case some have no body. */
const WINNER_SLACK = 4

/** How many neighbours in time each shared topic or tag contributes, on each side. */
export const NEIGHBOURS = 50

/**
 * The articles nearest in time to `anchor` in each topic and tag: one query, two index range reads per list,
 * prepared once per number of topics and tags.
 */
async function nearestMembers(db: Db, topicIds: string[], tags: string[], anchor: number, viewer: Viewer) {
  // Editors see scheduled articles too; drafts have no publication time and are never computed candidates.
  const upTo = viewer.editor ? Number.MAX_SAFE_INTEGER : viewer.now
  const shapes = statementsOf(db).nearest
  const shape = `${topicIds.length}_${tags.length}`
  let prepared = shapes.get(shape)
  if (prepared === undefined) {
    const before = sql.placeholder('before')
    const after = sql.placeholder('after')
    const upToPlaceholder = sql.placeholder('upTo')
    const side = (table: 'article_topics' | 'article_tags', column: 'topic_id' | 'tag', key: string) => [
      sql`select * from (select article_id as id, published_at from ${sql.identifier(table)} where ${sql.identifier(column)} = ${sql.placeholder(key)} and published_at <= ${before} order by published_at desc${limitOf(NEIGHBOURS)}) as nearest`,
      sql`select * from (select article_id as id, published_at from ${sql.identifier(table)} where ${sql.identifier(column)} = ${sql.placeholder(key)} and published_at > ${after} and published_at <= ${upToPlaceholder} order by published_at asc${limitOf(NEIGHBOURS)}) as nearest`,
    ]
    const parts = [
      ...topicIds.flatMap((_, i) => side('article_topics', 'topic_id', `topic${i}`)),
      ...tags.flatMap((_, i) => side('article_tags', 'tag', `tag${i}`)),
    ]
    prepared = rawStatement<{ id: string; published_at: number }>(
      db,
      sql.join(parts, sql` union all `),
      `related_nearest_${shape}`,
    )
    if (shapes.size >= 100) shapes.clear()
    shapes.set(shape, prepared)
  }
  const params: Record<string, unknown> = { before: Math.min(anchor, upTo), after: anchor, upTo }
  topicIds.forEach((id, i) => {
    params[`topic${i}`] = id
  })
  tags.forEach((tag, i) => {
    params[`tag${i}`] = tag
  })
  const rows = await prepared.all(params)
  return rows.map((r) => ({ id: r.id, publishedAt: Number(r.published_at) }))
}
