import { asc, eq } from 'drizzle-orm'
import { summarise, summaryColumns, type Viewer, visibleTo } from '../articles/store.js'
import { type Db, writeTransaction } from '../db/client.js'
import { uuidv7 } from '../db/ids.js'
import { resolveRefs } from '../db/refs.js'
import { articles, collectionItems, collections } from '../db/schema.js'
import { badRequest, type FieldError } from '../http/errors.js'
import type { Collection, CollectionPut } from './schemas.js'

export async function getCollection(db: Db, slug: string, viewer: Viewer): Promise<Collection | undefined> {
  const [collection] = await db.select().from(collections).where(eq(collections.slug, slug)).limit(1)
  if (!collection) return undefined
  const all = await db
    .select({ article: summaryColumns })
    .from(collectionItems)
    .innerJoin(articles, eq(articles.id, collectionItems.articleId))
    .where(eq(collectionItems.collectionId, collection.id))
    .orderBy(asc(collectionItems.position))
  // Items the public cannot see yet still name their keys: publishing one changes this collection.
  viewer.keys?.add(`collection:${collection.slug}`)
  for (const { article } of all) viewer.keys?.add(`article:${article.id}`)
  const rows = all.filter(({ article }) => visibleTo(article, viewer))
  return {
    slug: collection.slug,
    title: collection.title,
    updatedAt: new Date(collection.updatedAt).toISOString(),
    items: await summarise(
      db,
      rows.map((r) => r.article),
      viewer,
    ),
  }
}

/** Replaces the whole collection in one transaction; answers whether it was created. */
export function putCollection(db: Db, slug: string, input: CollectionPut, now: number): { created: boolean } {
  return writeTransaction(db, (tx) => {
    const errors: FieldError[] = []
    const ids = resolveRefs(tx, articles, input.items, 'body/items', 'article', errors)
    if (errors.length > 0) throw badRequest(errors.map((e) => `${e.path}: ${e.message}`).join('; '), errors)
    const existing = tx.select().from(collections).where(eq(collections.slug, slug)).get()
    const id = existing?.id ?? uuidv7(now)
    if (existing) {
      tx.update(collections).set({ title: input.title, updatedAt: now }).where(eq(collections.id, id)).run()
      tx.delete(collectionItems).where(eq(collectionItems.collectionId, id)).run()
    } else {
      tx.insert(collections).values({ id, slug, title: input.title, createdAt: now, updatedAt: now }).run()
    }
    ids.forEach((articleId, position) => {
      tx.insert(collectionItems).values({ collectionId: id, articleId, position }).run()
    })
    return { created: !existing }
  })
}

export async function deleteCollection(db: Db, slug: string): Promise<boolean> {
  const result = await db.delete(collections).where(eq(collections.slug, slug))
  return result.changes > 0
}
