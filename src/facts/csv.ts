/**
 * Figures as RFC 4180 CSV: a header row, CRLF line ends, fields quoted when they hold a comma, quote or line
 * break. Text cells that a spreadsheet would run as a formula (starting with = + - @, tab or CR) get a leading
 * apostrophe, the OWASP-recommended neutralisation; numeric cells are written as numbers.
 */
import type { Figure } from './schemas.js'

const COLUMNS: [string, (f: Figure) => string | number | null][] = [
  ['figure_id', (f) => f.id],
  ['table', (f) => f.table],
  ['metric', (f) => f.metric.slug],
  ['subject', (f) => f.subject?.slug ?? null],
  ['category', (f) => f.category],
  ['counterparty', (f) => f.counterparty?.slug ?? null],
  ['claimant', (f) => f.claimant.slug],
  ['claimant_name', (f) => f.claimant.name],
  ['claimant_party', (f) => f.claimant.party?.slug ?? null],
  ['stance', (f) => f.stance],
  ['qualifier', (f) => f.value.qualifier],
  ['best', (f) => f.value.best],
  ['low', (f) => f.value.low],
  ['high', (f) => f.value.high],
  ['verbatim', (f) => f.value.text],
  ['display', (f) => f.value.display],
  ['as_of', (f) => f.asOf],
  ['as_of_precision', (f) => f.asOfPrecision],
  ['verification', (f) => f.verification],
  ['rank', (f) => f.rank],
  ['deprecation_reason', (f) => f.deprecation?.reason ?? null],
  ['deprecated_at', (f) => f.deprecation?.at ?? null],
  ['supersedes', (f) => f.supersedes],
  ['superseded_by', (f) => f.supersededBy],
  ['source_url', (f) => f.provenance.url],
  ['quote', (f) => f.provenance.quote],
  ['article', (f) => f.provenance.article?.slug ?? null],
  ['recorded_at', (f) => f.recordedAt],
]

export const CSV_COLUMNS = COLUMNS.map(([name]) => name)

function cell(value: string | number | null): string {
  if (value === null) return ''
  if (typeof value === 'number') return String(value)
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe
}

export function figuresCsv(figures: Figure[]): string {
  const lines = [
    CSV_COLUMNS.join(','),
    ...figures.map((f) => COLUMNS.map(([, get]) => cell(get(f))).join(',')),
  ]
  return `${lines.join('\r\n')}\r\n`
}
