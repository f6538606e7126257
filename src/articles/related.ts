/**
 * Related articles: the editors' curated list first, then computed ones.
 *
 * Computed score = (2 × shared topics + 1 × shared tags) × 0.5 ^ (|Δ days| / 30), where Δ is the time between
 * the two articles' publication: sharing a story hub counts double a shared tag, and an article loses half its
 * weight for every 30 days between them, so a piece from the same week beats one from last year. Ties go to the
 * more recent article, then to the id. Only articles the viewer may see, never the article itself.
 */
import { and, asc, eq, inArray, ne, or } from 'drizzle-orm'
import type { Db } from '../db/client.js'
import { articles, articleTags, articleTopics, relatedArticles, topics } from '../db/schema.js'
import { type ArticleRow, isVisible, summarise, summaryColumns, type Viewer } from './store.js'

export const RELATED_FORMULA =
  'score = (2 × sharedTopics + sharedTags) × 0.5^(|Δdays| / 30), Δdays being the time between the two publication dates; ties go to the newer article, then the id.'

const DAY_MS = 86_400_000

export async function relatedTo(db: Db, row: ArticleRow, viewer: Viewer, limit: number) {
  // Computed related articles change with any publication, and with any article's topics or tags.
  viewer.keys?.add('articles')
  viewer.keys?.add(`article:${row.id}`)
  const visible = viewer.editor ? undefined : isVisible(viewer.now)
  const curated = await db
    .select({ article: summaryColumns })
    .from(relatedArticles)
    .innerJoin(articles, eq(articles.id, relatedArticles.relatedId))
    .where(and(eq(relatedArticles.articleId, row.id), visible))
    .orderBy(asc(relatedArticles.position))
    .limit(limit)

  const ownTopics = db
    .select({ id: articleTopics.topicId })
    .from(articleTopics)
    .where(eq(articleTopics.articleId, row.id))
  const ownTags = db
    .select({ tag: articleTags.tag })
    .from(articleTags)
    .where(eq(articleTags.articleId, row.id))
  const sharedTopicRows = await db
    .select({ articleId: articleTopics.articleId, slug: topics.slug })
    .from(articleTopics)
    .innerJoin(topics, eq(topics.id, articleTopics.topicId))
    .where(and(inArray(articleTopics.topicId, ownTopics), ne(articleTopics.articleId, row.id)))
  const sharedTagRows = await db
    .select({ articleId: articleTags.articleId, tag: articleTags.tag })
    .from(articleTags)
    .where(and(inArray(articleTags.tag, ownTags), ne(articleTags.articleId, row.id)))

  const shared = new Map<string, { topics: string[]; tags: string[] }>()
  const entry = (id: string) => {
    const existing = shared.get(id) ?? { topics: [], tags: [] }
    shared.set(id, existing)
    return existing
  }
  for (const r of sharedTopicRows) entry(r.articleId).topics.push(r.slug)
  for (const r of sharedTagRows) entry(r.articleId).tags.push(r.tag)
  const curatedIds = new Set(curated.map((c) => c.article.id))
  for (const id of curatedIds) shared.delete(id)

  // Candidates are scored on their id and publication time alone; only the winners' rows are loaded.
  const room = limit - curated.length
  const candidates =
    room <= 0 || shared.size === 0
      ? []
      : await db
          .select({ id: articles.id, publishedAt: articles.publishedAt })
          .from(articles)
          .where(
            and(
              or(
                inArray(
                  articles.id,
                  db
                    .select({ id: articleTopics.articleId })
                    .from(articleTopics)
                    .where(inArray(articleTopics.topicId, ownTopics)),
                ),
                inArray(
                  articles.id,
                  db
                    .select({ id: articleTags.articleId })
                    .from(articleTags)
                    .where(inArray(articleTags.tag, ownTags)),
                ),
              ),
              ne(articles.id, row.id),
              visible,
            ),
          )
  const anchor = row.publishedAt ?? viewer.now
  const scored = candidates
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
    .slice(0, Math.max(room, 0))
  const winners =
    scored.length === 0
      ? []
      : await db
          .select(summaryColumns)
          .from(articles)
          .where(
            inArray(
              articles.id,
              scored.map((s) => s.candidate.id),
            ),
          )
  const byId = new Map(winners.map((w) => [w.id, w]))

  const summaries = await summarise(
    db,
    [...curated.map((c) => c.article), ...scored.flatMap((s) => byId.get(s.candidate.id) ?? [])],
    viewer,
  )
  const curatedTopics = new Set(sharedTopicRows.map((r) => r.slug))
  return summaries.map((article, i) => {
    if (i < curated.length) {
      return {
        reason: 'curated' as const,
        sharedTopics: article.topics.map((t) => t.slug).filter((slug) => curatedTopics.has(slug)),
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
