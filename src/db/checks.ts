/**
 * The CHECK constraints of `figures`, written once for both engines: the numbers must agree with the
 * qualifier whatever writes them. `otherwise` is the CASE's false branch, spelled `0` in SQLite and `false` in
 * PostgreSQL (whose CASE branches must share a type).
 */
import { type SQL, sql } from 'drizzle-orm'

interface FigureColumns {
  best: unknown
  low: unknown
  high: unknown
  qualifier: unknown
  rank: unknown
  deprecationReason: unknown
  deprecatedAt: unknown
}

export function figureChecks(t: FigureColumns, otherwise: SQL): [string, SQL][] {
  return [
    [
      'figures_values_non_negative',
      sql`coalesce(${t.best}, 0) >= 0 and coalesce(${t.low}, 0) >= 0 and coalesce(${t.high}, 0) >= 0`,
    ],
    [
      'figures_bounds_ordered',
      sql`(${t.low} is null or ${t.best} is null or ${t.low} <= ${t.best}) and (${t.best} is null or ${t.high} is null or ${t.best} <= ${t.high}) and (${t.low} is null or ${t.high} is null or ${t.low} <= ${t.high})`,
    ],
    [
      'figures_qualifier_numbers',
      sql`case ${t.qualifier}
        when 'exact' then ${t.best} is not null and ${t.low} is null and ${t.high} is null
        when 'around' then ${t.best} is not null
        when 'at-least' then ${t.low} is not null and ${t.high} is null
        when 'more-than' then ${t.low} is not null and ${t.high} is null
        when 'up-to' then ${t.high} is not null and ${t.low} is null
        when 'fewer-than' then ${t.high} is not null and ${t.low} is null
        when 'range' then ${t.low} is not null and ${t.high} is not null and ${t.low} < ${t.high}
        when 'unknown' then ${t.best} is null and ${t.low} is null and ${t.high} is null
        else ${otherwise} end`,
    ],
    [
      'figures_deprecation_complete',
      sql`(${t.rank} = 'deprecated') = (${t.deprecationReason} is not null and ${t.deprecatedAt} is not null)`,
    ],
  ]
}
