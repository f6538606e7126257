/** Fact tables themselves: a slug, a title, a methodology note, the topic they belong to. */

import { asc, eq, or, sql } from 'drizzle-orm'
import { type Db, inList, listParam, preparedOnce, readTarget, statement } from '../db/client.js'
import { uuidv7 } from '../db/ids.js'
import { resolveRefs, slugify } from '../db/refs.js'
import { factTables, topics } from '../db/schema.js'
import { badRequest, type FieldError, notFound, withUniqueSlug } from '../http/errors.js'
import { type Site, siteUrlOf } from '../http/site.js'
import type { FactTableCreate, FactTablePatch } from './schemas.js'

export type FactTableRow = typeof factTables.$inferSelect

export async function findFactTable(db: Db, ref: string): Promise<FactTableRow> {
  const [row] = await tableStatements(readTarget(db)).byRef.all({ ref })
  if (!row) throw notFound(`No fact table has the id or slug "${ref}".`)
  return row
}

/** A table's lookups, prepared once per connection: every article page with a table runs them. */
const tableStatements = preparedOnce((db: Db) => ({
  byRef: statement(
    db,
    db
      .select()
      .from(factTables)
      .where(or(eq(factTables.slug, sql.placeholder('ref')), eq(factTables.id, sql.placeholder('ref'))))
      .limit(1),
    'fact_table_by_ref',
  ),
  ofTopics: statement(
    db,
    db
      .select({ topicId: factTables.topicId, slug: factTables.slug, title: factTables.title })
      .from(factTables)
      .where(inList(db, factTables.topicId, 'ids'))
      .orderBy(asc(factTables.slug)),
    'fact_tables_of_topics',
  ),
  topic: statement(
    db,
    db
      .select({ id: topics.id, slug: topics.slug, title: topics.title })
      .from(topics)
      .where(eq(topics.id, sql.placeholder('id'))),
    'fact_table_topic',
  ),
  all: statement(db, db.select().from(factTables).orderBy(asc(factTables.slug)), 'fact_tables_all'),
  withSlugs: statement(
    db,
    db
      .select()
      .from(factTables)
      .where(inList(db, factTables.slug, 'slugs')),
    'fact_tables_with_slugs',
  ),
}))

export async function tableTopic(db: Db, row: FactTableRow) {
  if (!row.topicId) return null
  const [topic] = await tableStatements(readTarget(db)).topic.all({ id: row.topicId })
  return topic ?? null
}

export const tableLinks = ({ slug, id }: { slug: string; id: string }, site: Site) => ({
  self: `/v1/fact-tables/${slug}`,
  canonical: siteUrlOf(site, 'factTable', { slug, id }),
  history: `/v1/fact-tables/${slug}/history`,
  figures: `/v1/fact-tables/${slug}/figures`,
  csv: `/v1/fact-tables/${slug}/figures.csv`,
})

async function topicIdFor(db: Db, ref: string | null | undefined): Promise<string | null | undefined> {
  if (ref === undefined || ref === null) return ref
  const errors: FieldError[] = []
  const [id] = await resolveRefs(db, topics, [ref], 'body/topic', 'topic', errors)
  if (id === undefined)
    throw badRequest(`body/topic: no topic has the id or slug "${ref}"`, [
      { path: 'body/topic', message: `no topic has the id or slug "${ref}"` },
    ])
  return id
}

export async function createFactTable(db: Db, input: FactTableCreate, now: number, id = uuidv7(now)) {
  const row: FactTableRow = {
    id,
    slug: input.slug ?? slugify(input.title),
    title: input.title,
    methodology: input.methodology ?? null,
    topicId: (await topicIdFor(db, input.topic)) ?? null,
    createdAt: now,
    updatedAt: now,
  }
  await withUniqueSlug('a fact table', row.slug, () => db.insert(factTables).values(row))
  return row
}

export async function updateFactTable(db: Db, row: FactTableRow, patch: FactTablePatch, now: number) {
  const { topic, ...rest } = patch
  const topicId = await topicIdFor(db, topic)
  await db
    .update(factTables)
    .set({ ...rest, ...(topicId !== undefined ? { topicId } : {}), updatedAt: now })
    .where(eq(factTables.id, row.id))
  return findFactTable(db, row.id)
}

export async function factTablesWithSlugs(db: Db, slugs: string[]): Promise<FactTableRow[]> {
  if (slugs.length === 0) return []
  return tableStatements(readTarget(db)).withSlugs.all({ slugs: listParam(db, slugs) })
}

export async function listFactTables(db: Db) {
  return tableStatements(readTarget(db)).all.all()
}

/** The fact tables of each topic, for topic pages. */
export async function factTablesByTopic(db: Db, topicIds: string[]) {
  const rows =
    topicIds.length === 0
      ? []
      : await tableStatements(readTarget(db)).ofTopics.all({ ids: listParam(db, topicIds) })
  const map = new Map<string, { slug: string; title: string }[]>()
  for (const { topicId, ...table } of rows) {
    if (topicId === null) continue
    map.set(topicId, [...(map.get(topicId) ?? []), table])
  }
  return map
}
