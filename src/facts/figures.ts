/**
 * Figures: one row per claim. Recording one supersedes the previous figure of its series; a correction records a
 * new figure and deprecates the wrong one in the same transaction. Nothing is ever deleted or edited in place.
 */

import { and, asc, desc, eq, isNull, lte, ne, type SQL, sql } from 'drizzle-orm'
import { visibleTo } from '../articles/store.js'
import {
  type Db,
  first,
  inList,
  listParam,
  preparedOnce,
  readTarget,
  statement,
  writeTransaction,
} from '../db/client.js'
import { uuidv7 } from '../db/ids.js'
import { lockWithin } from '../db/locks.js'
import { type Referable, resolveRefs } from '../db/refs.js'
import { articles, figures, metrics, parties, sources } from '../db/schema.js'
import { badRequest, conflict, type FieldError, notFound } from '../http/errors.js'
import { instantOf } from '../http/validation.js'
import type { Deprecation, FigureCreate } from './schemas.js'
import type { FactTableRow } from './tables.js'

/** How far in the future an as-of time may be, for clocks that disagree a little. */
export const CLOCK_SKEW_MS = 5 * 60_000

export type FigureRow = typeof figures.$inferSelect

type Value = FigureCreate['value']

/** The same rules as the table's CHECK constraints, with the paths an editor needs to fix them. */
export function valueErrors(value: Value): FieldError[] {
  const errors: FieldError[] = []
  const need = (field: 'best' | 'low' | 'high') => {
    if (value[field] === undefined)
      errors.push({
        path: `body/value/${field}`,
        message: `is required when the qualifier is ${value.qualifier}`,
      })
  }
  const forbid = (field: 'best' | 'low' | 'high') => {
    if (value[field] !== undefined)
      errors.push({
        path: `body/value/${field}`,
        message: `must be absent when the qualifier is ${value.qualifier}`,
      })
  }
  switch (value.qualifier) {
    case 'exact':
      need('best')
      forbid('low')
      forbid('high')
      break
    case 'around':
      need('best')
      break
    case 'at-least':
    case 'more-than':
      need('low')
      forbid('high')
      break
    case 'up-to':
    case 'fewer-than':
      need('high')
      forbid('low')
      break
    case 'range':
      need('low')
      need('high')
      if (value.low !== undefined && value.high !== undefined && value.low >= value.high) {
        errors.push({ path: 'body/value/high', message: 'must be greater than low for a range' })
      }
      break
    case 'unknown':
      forbid('best')
      forbid('low')
      forbid('high')
      break
  }
  const { best, low, high } = value
  if (low !== undefined && best !== undefined && low > best)
    errors.push({ path: 'body/value/best', message: 'must not be less than low' })
  if (high !== undefined && best !== undefined && best > high)
    errors.push({ path: 'body/value/best', message: 'must not be more than high' })
  return errors
}

const sameSeries = (
  row: Pick<FigureRow, 'tableId' | 'metricId' | 'subjectPartyId' | 'category' | 'claimantId'>,
) =>
  and(
    eq(figures.tableId, row.tableId),
    eq(figures.metricId, row.metricId),
    row.subjectPartyId === null
      ? isNull(figures.subjectPartyId)
      : eq(figures.subjectPartyId, row.subjectPartyId),
    eq(figures.category, row.category),
    eq(figures.claimantId, row.claimantId),
  )

export async function recordFigure(
  db: Db,
  table: FactTableRow,
  input: FigureCreate,
  context: { now: number; recordedBy: string; id?: string; drafts?: boolean },
): Promise<string> {
  return writeTransaction(db, async (tx) => {
    const { now } = context
    const errors: FieldError[] = []
    const one = async (target: Referable, ref: string | null | undefined, path: string, noun: string) => {
      if (ref === undefined || ref === null) return null
      const found: FieldError[] = []
      const [id] = await resolveRefs(tx, target, [ref], path, noun, found)
      errors.push(...found.map((e) => ({ ...e, path })))
      return id ?? null
    }
    const metricId = await one(metrics, input.metric, 'body/metric', 'metric')
    const subjectPartyId = await one(parties, input.subject, 'body/subject', 'party')
    const counterpartyId = await one(parties, input.counterparty, 'body/counterparty', 'party')
    const claimantId = await one(sources, input.claimant, 'body/claimant', 'source')
    // Without `content:write`, an unpublished article answers exactly as one that does not exist.
    let articleId = await one(articles, input.article, 'body/article', 'article')
    if (articleId !== null && !context.drafts) {
      const cited = await first(tx.select().from(articles).where(eq(articles.id, articleId)))
      if (cited === undefined || !visibleTo(cited, { editor: false, now })) {
        articleId = null
        errors.push({ path: 'body/article', message: `no article has the id or slug "${input.article}"` })
      }
    }
    errors.push(...valueErrors(input.value))
    const asOf = instantOf(input.asOf) ?? Number.NaN
    if (Number.isNaN(asOf)) errors.push({ path: 'body/asOf', message: 'is not a real instant' })
    else if (asOf > now + CLOCK_SKEW_MS) errors.push({ path: 'body/asOf', message: 'is in the future' })
    let corrected: FigureRow | undefined
    if (input.corrects) {
      corrected = await first(tx.select().from(figures).where(eq(figures.id, input.corrects)))
      if (!corrected || corrected.tableId !== table.id) {
        errors.push({ path: 'body/corrects', message: 'no figure of this table has that id' })
      }
    }
    if (errors.length > 0) throw badRequest(errors.map((e) => `${e.path}: ${e.message}`).join('; '), errors)
    if (corrected?.rank === 'deprecated') throw conflict('The figure to correct is already deprecated.')

    const series = {
      tableId: table.id,
      metricId: metricId as string,
      subjectPartyId,
      category: input.category,
      claimantId: claimantId as string,
    }
    // Figures of one series are recorded one at a time, so two claims arriving together cannot both name the
    // same predecessor (PostgreSQL: an advisory lock until commit; SQLite: its single writer).
    await lockWithin(
      tx,
      `series:${series.tableId}:${series.metricId}:${subjectPartyId}:${series.category}:${series.claimantId}`,
    )
    const previous = await first(
      tx
        .select({ id: figures.id })
        .from(figures)
        .where(and(sameSeries(series), ne(figures.rank, 'deprecated'), lte(figures.asOf, asOf)))
        .orderBy(desc(figures.asOf), desc(figures.recordedAt), desc(figures.id))
        .limit(1),
    )
    const id = context.id ?? uuidv7(now)
    await tx.insert(figures).values({
      id,
      ...series,
      counterpartyId,
      qualifier: input.value.qualifier,
      best: input.value.best ?? null,
      low: input.value.low ?? null,
      high: input.value.high ?? null,
      verbatim: input.value.text,
      asOf,
      asOfPrecision: input.asOfPrecision ?? 'day',
      sourceUrl: input.sourceUrl ?? null,
      quote: input.quote ?? null,
      articleId,
      verification: input.verification ?? 'unverified',
      rank: input.rank ?? 'normal',
      supersedesId: corrected?.id ?? previous?.id ?? null,
      recordedAt: now,
      recordedBy: context.recordedBy,
    })
    if (corrected) await deprecate(tx, corrected, { reason: 'corrected' }, now, context.recordedBy)
    return id
  })
}

/** Deprecates a figure that is not deprecated yet; the check and the write are one statement. */
async function deprecate(tx: Db, row: FigureRow, deprecation: Deprecation, now: number, by: string) {
  const done = await tx
    .update(figures)
    .set({
      rank: 'deprecated',
      deprecationReason: deprecation.reason,
      deprecationNote: deprecation.note ?? null,
      deprecatedAt: now,
      deprecatedBy: by,
    })
    .where(and(eq(figures.id, row.id), ne(figures.rank, 'deprecated')))
    .returning({ id: figures.id })
  if (done.length !== 1) throw conflict('The figure was deprecated by another write meanwhile.')
}

export async function deprecateFigure(
  db: Db,
  id: string,
  deprecation: Deprecation,
  now: number,
  by: string,
): Promise<FigureRow> {
  return writeTransaction(db, async (tx) => {
    const row = await first(tx.select().from(figures).where(eq(figures.id, id)))
    if (!row) throw notFound(`No figure has the id "${id}".`)
    if (row.rank === 'deprecated')
      throw conflict(`The figure was already deprecated (${row.deprecationReason}).`)
    await deprecate(tx, row, deprecation, now, by)
    return row
  })
}

/** The statements of a fact table's figures, prepared once per connection: every article page with a table runs them. */
const figureStatements = preparedOnce((db: Db) => {
  const joined = (condition: SQL) =>
    db
      .select({
        figure: figures,
        metric: metrics,
        claimant: sources,
        article: {
          id: articles.id,
          slug: articles.slug,
          headline: articles.headline,
          status: articles.status,
          publishedAt: articles.publishedAt,
        },
      })
      .from(figures)
      .innerJoin(metrics, eq(metrics.id, figures.metricId))
      .innerJoin(sources, eq(sources.id, figures.claimantId))
      .leftJoin(articles, eq(articles.id, figures.articleId))
      .where(condition)
      .orderBy(asc(figures.asOf), asc(figures.recordedAt), asc(figures.id))
  return {
    ofTable: statement(db, joined(eq(figures.tableId, sql.placeholder('id'))), 'figures_of_table'),
    one: statement(db, joined(eq(figures.id, sql.placeholder('id'))), 'figure_by_id'),
    parties: statement(
      db,
      db
        .select()
        .from(parties)
        .where(inList(db, parties.id, 'ids')),
      'parties_by_id',
    ),
  }
})

/**
 * Every figure of a table (or one figure), with what it points at, in as-of order: one query for the figures and
 * what they join to once, one for the parties they name (a figure names up to three; self-joins under aliases
 * are spelled differently by each engine).
 */
export async function loadFigures(db: Db, where: { tableId: string } | { id: string }) {
  const statements = figureStatements(readTarget(db))
  const rows =
    'tableId' in where
      ? await statements.ofTable.all({ id: where.tableId })
      : await statements.one.all({ id: where.id })
  const ids = new Set<string>()
  for (const r of rows)
    for (const id of [r.figure.subjectPartyId, r.figure.counterpartyId, r.claimant.partyId])
      if (id) ids.add(id)
  const named = new Map(
    ids.size === 0
      ? []
      : (await statements.parties.all({ ids: listParam(db, [...ids]) })).map((p) => [p.id, p] as const),
  )
  const party = (id: string | null) => (id === null ? null : (named.get(id) ?? null))
  return rows.map((r) => ({
    ...r,
    subject: party(r.figure.subjectPartyId),
    counterparty: party(r.figure.counterpartyId),
    claimantParty: party(r.claimant.partyId),
  }))
}

export type LoadedFigure = Awaited<ReturnType<typeof loadFigures>>[number]
