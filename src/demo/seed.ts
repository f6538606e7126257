/** Loads the demo newsroom through the same stores the API uses, so the demo obeys every rule real data does. */
import { eq } from 'drizzle-orm'
import { createArticle, publishArticle } from '../articles/writes.js'
import { createAuthor } from '../authors/store.js'
import { putCollection } from '../collections/store.js'
import { type Db, writeTransaction } from '../db/client.js'
import { lockWithin } from '../db/locks.js'
import { articles, authors } from '../db/schema.js'
import { recordFigure } from '../facts/figures.js'
import { createParty, createSource } from '../facts/reference.js'
import { createFactTable } from '../facts/tables.js'
import { addToBuckets } from '../popularity/store.js'
import { createTopic } from '../topics/store.js'
import { DEMO, DEMO_ARTICLES, EDITORS_PICKS } from './data.js'
import { DEMO_FIGURES, FACTS } from './facts.js'
import { demoViews } from './views.js'

/** Whether the database holds no content at all (the demo is only loaded into an empty newsroom). */
export async function isEmpty(db: Db): Promise<boolean> {
  const [article] = await db.select({ id: articles.id }).from(articles).limit(1)
  const [author] = await db.select({ id: authors.id }).from(authors).limit(1)
  return !article && !author
}

/**
 * Loads the demo data in one transaction; answers false, changing nothing, when it is already there. Instances
 * starting together on one PostgreSQL database load it once.
 */
export async function seedDemo(root: Db, now = Date.now()): Promise<boolean> {
  return writeTransaction(root, async (db) => {
    await lockWithin(db, 'demo-seed')
    const [existing] = await db.select({ id: authors.id }).from(authors).where(eq(authors.id, DEMO.author.id))
    if (existing) return false
    const { id: authorId, ...author } = DEMO.author
    await createAuthor(db, author, now, authorId)
    const { id: topicId, ...topic } = DEMO.topic
    await createTopic(db, topic, now, topicId)
    for (const { id, ...party } of FACTS.parties) await createParty(db, party, now, id)
    for (const { id, ...source } of FACTS.sources) await createSource(db, source, now, id)
    const { id: tableId, ...table } = FACTS.table
    const factTable = await createFactTable(db, { ...table, topic: topicId }, now, tableId)
    for (const article of DEMO_ARTICLES) {
      const at = Date.parse(article.publishedAt)
      await createArticle(db, article.input, at, article.id)
      await publishArticle(db, article.id, at, undefined, at)
    }
    for (const figure of DEMO_FIGURES) {
      await recordFigure(db, factTable, figure.input, {
        now: Date.parse(figure.recordedAt),
        recordedBy: 'demo',
        drafts: true,
        id: figure.id,
      })
    }
    await putCollection(
      db,
      DEMO.editorsPicks.slug,
      { title: DEMO.editorsPicks.title, items: EDITORS_PICKS },
      now,
    )
    await addToBuckets(db, demoViews(now), now)
    return true
  })
}
