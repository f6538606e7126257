/**
 * The three ways to read a fact table: the current figures side by side (optionally as the table stood at a past
 * time), the history of every series, and every figure in long format. Tables are small (hundreds of figures), so
 * each view loads the table's figures once and arranges them here rather than in SQL.
 */
import type { Db } from '../db/client.js'
import type { CacheTags } from '../http/cache.js'
import type { Site } from '../http/site.js'
import { type LoadedFigure, loadFigures } from './figures.js'
import { presentFigure } from './present.js'
import { metricRefOf, partyOf, sourceOf } from './reference.js'
import type { FactTable, FactTableHistory, Figure } from './schemas.js'
import { type FactTableRow, factTablesWithSlugs, tableLinks, tableTopic } from './tables.js'

export interface ViewOptions {
  now: number
  /** `facts:write`: sees who recorded each figure. */
  editor: boolean
  /** `content:write`: sees the unpublished articles that figures cite. */
  drafts: boolean
  /** For public reads: where the resources in the response are recorded, as cache keys. */
  keys?: CacheTags | undefined
  /** Where the website shows the table (`links.canonical`). */
  site: Site
}

const CATEGORY_ORDER = ['military', 'civilian', 'all', 'unknown']
const STANCE_ORDER = ['self-reported', 'adversary', 'involved', 'independent']

const seriesKey = (f: LoadedFigure) =>
  [f.figure.metricId, f.figure.subjectPartyId ?? '', f.figure.category, f.figure.claimantId].join('|')
const groupKey = (f: LoadedFigure) =>
  [f.figure.metricId, f.figure.subjectPartyId ?? '', f.figure.category].join('|')

/** Metric by creation (the built-in ones in their id order), subject by name (all sides last), category. */
function compareGroups(a: LoadedFigure, b: LoadedFigure): number {
  return (
    a.metric.createdAt - b.metric.createdAt ||
    a.metric.id.localeCompare(b.metric.id) ||
    (a.subject?.name ?? '\uffff').localeCompare(b.subject?.name ?? '\uffff') ||
    CATEGORY_ORDER.indexOf(a.figure.category) - CATEGORY_ORDER.indexOf(b.figure.category)
  )
}

function supersessions(list: LoadedFigure[]): Map<string, string> {
  const map = new Map<string, string>()
  for (const f of list) if (f.figure.supersedesId) map.set(f.figure.supersedesId, f.figure.id)
  return map
}

async function header(db: Db, table: FactTableRow, { keys, site }: ViewOptions) {
  keys?.add(`fact-table:${table.id}`)
  if (table.topicId) keys?.add(`topic:${table.topicId}`)
  return {
    id: table.id,
    slug: table.slug,
    title: table.title,
    methodology: table.methodology,
    topic: await tableTopic(db, table),
    links: tableLinks(table, site),
  }
}

export async function currentTable(
  db: Db,
  table: FactTableRow,
  options: ViewOptions & { asOf?: number },
): Promise<FactTable> {
  const all = await loadFigures(db, { tableId: table.id })
  const at = options.asOf
  // What was known at `at`: figures recorded by then about a time up to then, and deprecations made by then.
  const known = at === undefined ? all : all.filter((f) => f.figure.recordedAt <= at && f.figure.asOf <= at)
  const deprecated = (f: LoadedFigure) =>
    f.figure.rank === 'deprecated' && (at === undefined || (f.figure.deprecatedAt ?? 0) <= at)
  const current = new Map<string, LoadedFigure>()
  for (const f of known) if (!deprecated(f)) current.set(seriesKey(f), f) // ordered by as-of: the last one wins
  const present = { tableSlug: table.slug, ...options, supersededBy: supersessions(known), knownAt: at }

  const groups = new Map<string, { first: LoadedFigure; claims: LoadedFigure[] }>()
  for (const f of current.values()) {
    const group = groups.get(groupKey(f)) ?? { first: f, claims: [] }
    group.claims.push(f)
    groups.set(groupKey(f), group)
  }
  return {
    ...(await header(db, table, options)),
    asOf: at === undefined ? null : new Date(at).toISOString(),
    groups: [...groups.values()]
      .sort((a, b) => compareGroups(a.first, b.first))
      .map(({ first, claims }) => ({
        metric: metricRefOf(first.metric),
        subject: first.subject ? partyOf(first.subject) : null,
        category: first.figure.category,
        claims: claims
          .map((f) => presentFigure(f, present))
          .sort(
            (a, b) =>
              STANCE_ORDER.indexOf(a.stance) - STANCE_ORDER.indexOf(b.stance) ||
              a.claimant.name.localeCompare(b.claimant.name),
          ),
      })),
  }
}

export async function tableHistory(
  db: Db,
  table: FactTableRow,
  options: ViewOptions,
): Promise<FactTableHistory> {
  const all = await loadFigures(db, { tableId: table.id })
  const present = { tableSlug: table.slug, ...options, supersededBy: supersessions(all) }
  const series = new Map<string, LoadedFigure[]>()
  for (const f of all) series.set(seriesKey(f), [...(series.get(seriesKey(f)) ?? []), f])
  return {
    ...(await header(db, table, options)),
    series: [...series.values()]
      .sort(
        (a, b) =>
          compareGroups(a[0] as LoadedFigure, b[0] as LoadedFigure) ||
          (a[0]?.claimant.name ?? '').localeCompare(b[0]?.claimant.name ?? ''),
      )
      .map((steps) => {
        const first = steps[0] as LoadedFigure
        return {
          metric: metricRefOf(first.metric),
          subject: first.subject ? partyOf(first.subject) : null,
          category: first.figure.category,
          claimant: sourceOf(first.claimant, first.claimantParty),
          steps: steps.map((f) => presentFigure(f, present)),
        }
      }),
  }
}

export async function allFigures(db: Db, table: FactTableRow, options: ViewOptions): Promise<Figure[]> {
  options.keys?.add(`fact-table:${table.id}`)
  const all = await loadFigures(db, { tableId: table.id })
  const present = { tableSlug: table.slug, ...options, supersededBy: supersessions(all) }
  return all.map((f) => presentFigure(f, present))
}

/** The current form of each fact table with one of these slugs, for the bodies and `include=` of articles. */
export async function currentTablesBySlug(
  db: Db,
  slugs: string[],
  options: ViewOptions,
): Promise<Map<string, FactTable>> {
  const out = new Map<string, FactTable>()
  for (const row of await factTablesWithSlugs(db, [...new Set(slugs)]))
    out.set(row.slug, await currentTable(db, row, options))
  return out
}
