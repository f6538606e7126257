/** How a figure is shown: its stance, its ready-made display string, and the public or editor's view of it. */

import type { CacheTags } from '../http/cache.js'
import type { FigureRow, LoadedFigure } from './figures.js'
import { metricRefOf, partyOf, sourceOf } from './reference.js'
import type { Figure } from './schemas.js'

export function stanceOf(f: LoadedFigure): Figure['stance'] {
  if (f.claimantParty === null) return 'independent'
  if (f.subject === null) return 'involved'
  return f.claimantParty.id === f.subject.id ? 'self-reported' : 'adversary'
}

/** `toLocaleString('en-US')`, as each figure is shown: whole numbers grouped here, without ICU's cost per call. */
const number = (n: number | null) => {
  if (n === null) return ''
  if (!Number.isSafeInteger(n) || Object.is(n, -0)) return n.toLocaleString('en-US')
  const digits = String(Math.abs(n))
  let grouped = digits.slice(0, ((digits.length - 1) % 3) + 1)
  for (let i = grouped.length; i < digits.length; i += 3) grouped += `,${digits.slice(i, i + 3)}`
  return n < 0 ? `-${grouped}` : grouped
}

export function displayOf(row: Pick<FigureRow, 'qualifier' | 'best' | 'low' | 'high'>): string {
  switch (row.qualifier) {
    case 'exact':
      return number(row.best)
    case 'around':
      return `around ${number(row.best)}`
    case 'at-least':
      return `at least ${number(row.low)}`
    case 'more-than':
      return `more than ${number(row.low)}`
    case 'up-to':
      return `up to ${number(row.high)}`
    case 'fewer-than':
      return `fewer than ${number(row.high)}`
    case 'range':
      return `${number(row.low)}–${number(row.high)}`
    case 'unknown':
      return 'unknown'
  }
}

export interface PresentOptions {
  tableSlug: string
  now: number
  /** Fact editors (`facts:write`) see who recorded figures. */
  editor: boolean
  /** Content editors (`content:write`) see links to unpublished articles; nobody else learns they exist. */
  drafts: boolean
  /** Figure id → the figure that superseded it. */
  supersededBy: Map<string, string>
  /** Deprecations after this time are not shown (the table as it stood then). */
  knownAt?: number
  keys?: CacheTags | undefined
}

const iso = (ms: number) => new Date(ms).toISOString()

export function presentFigure(f: LoadedFigure, options: PresentOptions): Figure {
  const row = f.figure
  const keys = options.keys
  if (keys) {
    keys.add(`fact-table:${row.tableId}`)
    keys.add(`metric:${f.metric.id}`)
    keys.add(`source:${f.claimant.id}`)
    for (const party of [f.subject, f.counterparty, f.claimantParty]) if (party) keys.add(`party:${party.id}`)
    // A cited article that is not public now still names its key: publishing it changes this response.
    if (f.article) keys.add(`article:${f.article.id}`)
  }
  const deprecated =
    row.rank === 'deprecated' && (options.knownAt === undefined || (row.deprecatedAt ?? 0) <= options.knownAt)
  const articleVisible =
    f.article !== null &&
    (options.drafts ||
      (f.article.status === 'published' && (f.article.publishedAt ?? Infinity) <= options.now))
  const figure: Figure = {
    id: row.id,
    table: options.tableSlug,
    metric: metricRefOf(f.metric),
    subject: f.subject ? partyOf(f.subject) : null,
    category: row.category,
    counterparty: f.counterparty ? partyOf(f.counterparty) : null,
    claimant: sourceOf(f.claimant, f.claimantParty),
    stance: stanceOf(f),
    value: {
      qualifier: row.qualifier,
      best: row.best,
      low: row.low,
      high: row.high,
      text: row.verbatim,
      display: displayOf(row),
    },
    asOf: iso(row.asOf),
    asOfPrecision: row.asOfPrecision,
    verification: row.verification,
    rank: deprecated ? 'deprecated' : row.rank === 'deprecated' ? 'normal' : row.rank,
    deprecation:
      deprecated && row.deprecationReason && row.deprecatedAt !== null
        ? { reason: row.deprecationReason, note: row.deprecationNote, at: iso(row.deprecatedAt) }
        : null,
    supersedes: row.supersedesId,
    supersededBy: options.supersededBy.get(row.id) ?? null,
    provenance: {
      url: row.sourceUrl,
      quote: row.quote,
      article:
        articleVisible && f.article
          ? { id: f.article.id, slug: f.article.slug, headline: f.article.headline }
          : null,
    },
    recordedAt: iso(row.recordedAt),
  }
  if (options.editor) figure.recordedBy = row.recordedBy
  return figure
}
