/**
 * Moving a newsroom between engines (SQLite to PostgreSQL as it outgrows one machine, or back): every table,
 * in an order that satisfies the foreign keys, into an empty database, in one transaction on the target.
 */
import { asc, getTableName } from 'drizzle-orm'
import { getTableConfig, type SQLiteTable } from 'drizzle-orm/sqlite-core'
import { type DatabaseConfig, openDatabase, writeTransaction } from './client.js'
import * as schema from './schema.js'

/** Parents before children; figures by recording time, so a correction follows what it corrects. */
const ORDER: { table: SQLiteTable; order?: ReturnType<typeof asc>[] }[] = [
  { table: schema.authors },
  { table: schema.topics },
  { table: schema.articles },
  { table: schema.summaryTemplates },
  { table: schema.bodyTemplates },
  { table: schema.articleSlugs },
  { table: schema.bylines },
  { table: schema.articleTopics },
  { table: schema.articleTags },
  { table: schema.relatedArticles },
  { table: schema.collections },
  { table: schema.collectionItems },
  { table: schema.apiTokens },
  { table: schema.parties },
  { table: schema.sources },
  { table: schema.metrics },
  { table: schema.factTables },
  { table: schema.figures, order: [asc(schema.figures.recordedAt), asc(schema.figures.id)] },
  { table: schema.viewBuckets },
  { table: schema.viewDays },
  { table: schema.viewTotals },
  { table: schema.viewMarks },
]

export class CopyError extends Error {}

/** Rows per read and per INSERT: well under PostgreSQL's 65,535 parameters for the widest table. */
const CHUNK = 500

/**
 * The table's rows in a total order (the given one, then the primary key), so that they can be read a page at a
 * time: an archive of hundreds of thousands of articles never has to fit in memory at once.
 */
function totalOrder(table: SQLiteTable, order: ReturnType<typeof asc>[] = []) {
  const config = getTableConfig(table)
  const keys = config.primaryKeys[0]?.columns ?? config.columns.filter((c) => c.primary)
  return [...order, ...(keys.length > 0 ? keys : config.columns).map((c) => asc(c))]
}

export async function copyDatabase(
  from: DatabaseConfig,
  to: DatabaseConfig,
): Promise<Record<string, number>> {
  const source = await openDatabase(from)
  try {
    const target = await openDatabase(to)
    try {
      const counts: Record<string, number> = {}
      await writeTransaction(target.db, async (tx) => {
        for (const { table } of ORDER) {
          if (table === schema.metrics) continue // the migrations' default metrics are replaced below
          const [row] = await tx.select().from(table).limit(1)
          if (row !== undefined)
            throw new CopyError(
              `the target already has ${getTableName(table)}; copy only into an empty database`,
            )
        }
        // Figures would block this; there are none (checked above).
        await tx.delete(schema.metrics)
        for (const { table, order } of ORDER) {
          const sorted = totalOrder(table, order)
          let copied = 0
          for (;;) {
            const rows = await source.db
              .select()
              .from(table)
              .orderBy(...sorted)
              .limit(CHUNK)
              .offset(copied)
            if (rows.length > 0) await tx.insert(table).values(rows as never)
            copied += rows.length
            if (rows.length < CHUNK) break
          }
          counts[getTableName(table)] = copied
        }
      })
      return counts
    } finally {
      await target.close()
    }
  } finally {
    await source.close()
  }
}
