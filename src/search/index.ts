/**
 * Keeping the search index in step with the articles: every article write reindexes the article in the same
 * transaction (a topic renamed or an author renamed reindexes their articles), so an article is searchable the
 * moment it is published and gone the moment it is unpublished or deleted (visibility is decided at query time).
 */
import { asc, eq } from 'drizzle-orm'
import { type Db, engineOf, writeTransaction } from '../db/client.js'
import { articles, articleTags, articleTopics, authors, bylines, topics } from '../db/schema.js'
import {
  addSearchTerms,
  backfillSearchCounts,
  backfillSearchPairs,
  deleteSearchDocument,
  putSearchDocument,
  type SearchDocument,
  searchIndexEmpty,
  setVisibility,
} from '../db/search.js'
import { wordsOf } from './query.js'

export async function reindexArticle(tx: Db, id: string): Promise<void> {
  const [row] = await tx
    .select({
      id: articles.id,
      headline: articles.headline,
      kicker: articles.kicker,
      standfirst: articles.standfirst,
      body: articles.bodyText,
      status: articles.status,
      publishedAt: articles.publishedAt,
      createdAt: articles.createdAt,
    })
    .from(articles)
    .where(eq(articles.id, id))
  if (!row) {
    await deleteSearchDocument(tx, id)
    return
  }
  const [topicRows, tagRows, authorRows] = await Promise.all([
    tx
      .select({ title: topics.title })
      .from(articleTopics)
      .innerJoin(topics, eq(topics.id, articleTopics.topicId))
      .where(eq(articleTopics.articleId, id))
      .orderBy(asc(articleTopics.position)),
    tx.select({ tag: articleTags.tag }).from(articleTags).where(eq(articleTags.articleId, id)),
    tx
      .select({ name: authors.name })
      .from(bylines)
      .innerJoin(authors, eq(authors.id, bylines.authorId))
      .where(eq(bylines.articleId, id)),
  ])
  const doc: SearchDocument = {
    articleId: id,
    headline: row.kicker ? `${row.kicker}: ${row.headline}` : row.headline,
    standfirst: row.standfirst ?? '',
    body: row.body,
    topics: topicRows.map((t) => t.title).join(' · '),
    // Tags are kebab-case; as words they read "united states".
    tags: tagRows.map((t) => t.tag.replace(/-/g, ' ')).join(' · '),
    authors: authorRows.map((a) => a.name).join(' · '),
  }
  await putSearchDocument(tx, doc, row)
  const words = new Set<string>()
  for (const field of [doc.headline, doc.standfirst, doc.body, doc.topics, doc.tags, doc.authors])
    for (const word of wordsOf(field)) if (word.length >= 3 && word.length <= 40) words.add(word)
  await addSearchTerms(tx, [...words])
}

export const unindexArticle = (tx: Db, id: string) => deleteSearchDocument(tx, id)

/** After a publication or an unpublication: the index filters visibility without reading the article. */
export async function syncSearchVisibility(tx: Db, id: string): Promise<void> {
  const [row] = await tx
    .select({ status: articles.status, publishedAt: articles.publishedAt, createdAt: articles.createdAt })
    .from(articles)
    .where(eq(articles.id, id))
  if (row) await setVisibility(tx, id, row)
}

/** After a topic or an author is renamed: the articles whose documents hold the old name. */
export async function reindexArticlesOf(tx: Db, of: { topicId?: string; authorId?: string }) {
  const ids = of.topicId
    ? await tx
        .select({ id: articleTopics.articleId })
        .from(articleTopics)
        .where(eq(articleTopics.topicId, of.topicId))
    : of.authorId
      ? await tx.select({ id: bylines.articleId }).from(bylines).where(eq(bylines.authorId, of.authorId))
      : []
  for (const { id } of ids) await reindexArticle(tx, id)
}

/** Indexes every article, in batches of one transaction each (a database copied in, or from before search). */
export async function rebuildSearchIndex(db: Db): Promise<number> {
  // In the order they were written: the ranking window counts the newest-indexed articles (src/db/search.ts).
  const ids = (
    await db.select({ id: articles.id }).from(articles).orderBy(asc(articles.createdAt), asc(articles.id))
  ).map((r) => r.id)
  for (let i = 0; i < ids.length; i += 200) {
    const batch = ids.slice(i, i + 200)
    await writeTransaction(db, async (tx) => {
      for (const id of batch) await reindexArticle(tx, id)
    })
  }
  return ids.length
}

/** At start: an empty index over a database that has articles is built (it was made before search existed). */
export async function ensureSearchIndex(db: Db): Promise<void> {
  if (!(await searchIndexEmpty(db))) return
  // Built with its word pairs and counts: none are left to fill in.
  await writeTransaction(db, async (tx) => {
    await backfillSearchPairs(tx, 1)
    await backfillSearchCounts(tx, 1)
  })
  const [any] = await db.select({ id: articles.id }).from(articles).limit(1)
  if (any) await rebuildSearchIndex(db)
}

/**
 * SQLite's word pairs and word counts for the articles indexed before they existed (the first start after
 * migrations 0010 and 0013), filled in behind the server, 20 articles a transaction, yielding between: phrases use
 * the positional index, and counts the whole one, until they are all in. `stop` ends it after the batch under way
 * (the server closing).
 */
export function fillSearchIndexes(db: Db, onError: (error: unknown) => void) {
  let stopped = engineOf(db) !== 'sqlite'
  const done = (async () => {
    for (const fill of [backfillSearchPairs, backfillSearchCounts])
      while (!stopped && (await writeTransaction(db, (tx) => fill(tx, 20))) > 0)
        await new Promise((resolve) => setImmediate(resolve))
  })().catch(onError)
  return {
    done,
    stop: async () => {
      stopped = true
      await done
    },
  }
}
