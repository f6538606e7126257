import { asc, count, eq, gt, sql } from 'drizzle-orm'
import {
  type ArticleRow,
  joinColumns,
  summariesJson,
  summarise,
  summaryColumns,
  type Viewer,
  visibleTo,
  withSummaryTemplate,
} from '../articles/store.js'
import {
  type Db,
  preparedOnce,
  preparedShapes,
  readTarget,
  type Statement,
  statement,
  writeTransaction,
} from '../db/client.js'
import { uuidv7 } from '../db/ids.js'
import { resolveRefs } from '../db/refs.js'
import { articles, collectionItems, collections, summaryTemplates } from '../db/schema.js'
import { badRequest, type FieldError } from '../http/errors.js'
import { decodeCursor, pageOf, wholePage } from '../http/pagination.js'
import type { Collection, CollectionListQuery, CollectionPut } from './schemas.js'

/** A collection's reads, prepared once per connection: Editor's Picks is on every page that shows it. */
const statementsOf = preparedOnce((db: Db) => ({
  bySlug: statement(
    db,
    db
      .select()
      .from(collections)
      .where(eq(collections.slug, sql.placeholder('slug')))
      .limit(1),
    'collection_by_slug',
  ),
  items: statement(
    db,
    db
      .select(summaryColumns)
      .from(collectionItems)
      .innerJoin(articles, eq(articles.id, collectionItems.articleId))
      .where(eq(collectionItems.collectionId, sql.placeholder('id')))
      .orderBy(asc(collectionItems.position)),
    'collection_items_in_order',
  ),
  // For public readers: what joins each summary from its template (summary-template.ts).
  joinable: statement(
    db,
    db
      .select({ ...joinColumns, status: articles.status })
      .from(collectionItems)
      .innerJoin(articles, eq(articles.id, collectionItems.articleId))
      .leftJoin(summaryTemplates, withSummaryTemplate)
      .where(eq(collectionItems.collectionId, sql.placeholder('id')))
      .orderBy(asc(collectionItems.position)),
    'collection_items_joinable',
  ),
}))

/**
 * A collection and the items the viewer may see, in the editors' order, read with `items` (whole summary rows, or
 * what joins each summary from its template). Items the public cannot see yet still name their keys: publishing
 * one changes this collection.
 */
async function readCollection<Row extends Pick<ArticleRow, 'id' | 'status' | 'publishedAt'>>(
  db: Db,
  slug: string,
  viewer: Viewer,
  items: (statements: ReturnType<typeof statementsOf>) => Statement<Row>,
) {
  const statements = statementsOf(readTarget(db))
  const [collection] = await statements.bySlug.all({ slug })
  if (!collection) return undefined
  const all = await items(statements).all({ id: collection.id })
  viewer.keys?.add(`collection:${collection.slug}`)
  for (const article of all) viewer.keys?.add(`article:${article.id}`)
  return { collection: present(collection), rows: all.filter((article) => visibleTo(article, viewer)) }
}

export async function getCollection(db: Db, slug: string, viewer: Viewer): Promise<Collection | undefined> {
  const found = await readCollection(db, slug, viewer, (statements) => statements.items)
  if (!found) return undefined
  return { ...found.collection, ...wholePage(await summarise(db, found.rows, viewer)) }
}

/** A collection for a public reader, its items' summaries as JSON for the route to write as they are. */
export async function publicCollectionJson(
  db: Db,
  slug: string,
  viewer: Viewer,
): Promise<{ collection: ReturnType<typeof present>; items: string[] } | undefined> {
  const found = await readCollection(db, slug, viewer, (statements) => statements.joinable)
  if (!found) return undefined
  return { collection: found.collection, items: await summariesJson(db, found.rows, viewer) }
}

const present = (row: { slug: string; title: string; updatedAt: number }) => ({
  slug: row.slug,
  title: row.title,
  updatedAt: new Date(row.updatedAt).toISOString(),
  links: { self: `/v1/collections/${row.slug}` },
})

/** The collections index's page, from a cursor or from the start, and its total. */
const pageStatement = preparedShapes((db: Db, shape: 'after' | 'first') =>
  statement(
    db,
    db
      .select()
      .from(collections)
      .where(shape === 'after' ? gt(collections.slug, sql.placeholder('after')) : undefined)
      .orderBy(asc(collections.slug))
      .limit(sql.placeholder('limit') as unknown as number),
    `collections_page_${shape}`,
  ),
)
const totalOf = preparedOnce((db: Db) =>
  statement(db, db.select({ total: count() }).from(collections), 'collections_total'),
)

/** Every collection by slug, paged: how a frontend discovers `editors-picks` and the rest. */
export async function listCollections(db: Db, query: CollectionListQuery) {
  const limit = query.limit ?? 20
  const cursor = decodeCursor(query.cursor, 'string')
  const [rows, [total]] = await Promise.all([
    pageStatement(readTarget(db), cursor ? 'after' : 'first').all({
      after: cursor ? String(cursor.key) : undefined,
      limit: limit + 1,
    }),
    totalOf(readTarget(db)).all(),
  ])
  return pageOf(
    rows,
    limit,
    total?.total ?? 0,
    (last) => ({ key: last.slug, id: last.id }),
    (page) => page.map(present),
  )
}

/**
 * Replaces the whole collection in one transaction; answers whether it was created. One upsert on the slug
 * creates or takes the row, so two editors putting a new collection at once cannot both create it.
 */
export async function putCollection(
  db: Db,
  slug: string,
  input: CollectionPut,
  now: number,
): Promise<{ created: boolean }> {
  return writeTransaction(db, async (tx) => {
    const errors: FieldError[] = []
    const ids = await resolveRefs(tx, articles, input.items, 'body/items', 'article', errors)
    if (errors.length > 0) throw badRequest(errors.map((e) => `${e.path}: ${e.message}`).join('; '), errors)
    const fresh = uuidv7(now)
    const [row] = await tx
      .insert(collections)
      .values({ id: fresh, slug, title: input.title, createdAt: now, updatedAt: now })
      .onConflictDoUpdate({ target: collections.slug, set: { title: input.title, updatedAt: now } })
      .returning({ id: collections.id })
    const id = (row as { id: string }).id
    await tx.delete(collectionItems).where(eq(collectionItems.collectionId, id))
    if (ids.length > 0)
      await tx
        .insert(collectionItems)
        .values(ids.map((articleId, position) => ({ collectionId: id, articleId, position })))
    return { created: id === fresh }
  })
}

export async function deleteCollection(db: Db, slug: string): Promise<boolean> {
  const deleted = await db
    .delete(collections)
    .where(eq(collections.slug, slug))
    .returning({ id: collections.id })
  return deleted.length > 0
}
