import { asc, count, eq, gt, or, sql } from 'drizzle-orm'
import { storeSummaries } from '../articles/summary-template.js'
import {
  type Db,
  preparedOnce,
  preparedShapes,
  readTarget,
  statement,
  writeTransaction,
} from '../db/client.js'
import { isForeignKeyViolation } from '../db/errors.js'
import { uuidv7 } from '../db/ids.js'
import { slugify } from '../db/refs.js'
import { authors } from '../db/schema.js'
import { conflict, withUniqueSlug } from '../http/errors.js'
import { decodeCursor, type PageResult, pageOf } from '../http/pagination.js'
import { feedLinks, type Site, siteUrlOf } from '../http/site.js'
import { reindexArticlesOf } from '../search/index.js'
import type { Author, AuthorCreate, AuthorListQuery, AuthorPatch } from './schemas.js'

type AuthorRow = typeof authors.$inferSelect

export const presentAuthor = (row: AuthorRow, site: Site): Author => ({
  id: row.id,
  slug: row.slug,
  name: row.name,
  bio: row.bio,
  avatarUrl: row.avatarUrl,
  links: {
    self: `/v1/authors/${row.slug}`,
    articles: `/v1/articles?author=${row.slug}`,
    canonical: siteUrlOf(site, 'author', row),
    feeds: feedLinks('author', row.slug),
  },
})

/** An author page's read, prepared once per connection. */
const byRef = preparedOnce((db: Db) =>
  statement(
    db,
    db
      .select()
      .from(authors)
      .where(or(eq(authors.slug, sql.placeholder('ref')), eq(authors.id, sql.placeholder('ref'))))
      .limit(1),
    'author_by_ref',
  ),
)

export async function findAuthor(db: Db, ref: string, site: Site): Promise<Author | undefined> {
  const [row] = await byRef(readTarget(db)).all({ ref })
  return row && presentAuthor(row, site)
}

/** The authors index's page, from a cursor or from the start, and its total. */
const pageStatement = preparedShapes((db: Db, shape: 'after' | 'first') =>
  statement(
    db,
    db
      .select()
      .from(authors)
      .where(shape === 'after' ? gt(authors.slug, sql.placeholder('after')) : undefined)
      .orderBy(asc(authors.slug))
      .limit(sql.placeholder('limit') as unknown as number),
    `authors_page_${shape}`,
  ),
)
const totalOf = preparedOnce((db: Db) =>
  statement(db, db.select({ total: count() }).from(authors), 'authors_total'),
)

export async function listAuthors(db: Db, query: AuthorListQuery, site: Site): Promise<PageResult<Author>> {
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
    (page) => page.map((row) => presentAuthor(row, site)),
  )
}

export async function createAuthor(
  db: Db,
  input: AuthorCreate,
  now: number,
  id = uuidv7(now),
): Promise<AuthorRow> {
  const row: AuthorRow = {
    id,
    slug: input.slug ?? slugify(input.name),
    name: input.name,
    bio: input.bio ?? null,
    avatarUrl: input.avatarUrl ?? null,
    createdAt: now,
    updatedAt: now,
  }
  await withUniqueSlug('an author', row.slug, () => db.insert(authors).values(row))
  return row
}

export async function updateAuthor(db: Db, id: string, patch: AuthorPatch, now: number) {
  await withUniqueSlug('an author', patch.slug ?? '', () =>
    writeTransaction(db, async (tx) => {
      await tx
        .update(authors)
        .set({ ...patch, updatedAt: now })
        .where(eq(authors.id, id))
      // Bylines are searchable by name, and shown in their articles' summaries.
      if (patch.name !== undefined) await reindexArticlesOf(tx, { authorId: id })
      if (patch.name !== undefined || patch.slug !== undefined) await storeSummaries(tx, { author: id })
    }),
  )
}

/** An author still in a byline cannot go: the article would silently lose its byline. */
export async function deleteAuthor(db: Db, id: string) {
  try {
    await db.delete(authors).where(eq(authors.id, id))
  } catch (error) {
    if (isForeignKeyViolation(error))
      throw conflict('The author is in the byline of articles; change those first.')
    throw error
  }
}
