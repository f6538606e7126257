/**
 * SQLite only: rows of a prepared Drizzle query read as arrays and turned into objects by a function made for that
 * query once, with the decoder of each column found once. Drizzle's own mapping asks every cell what kind of
 * field it came from (`is()` walks its prototype chain) and builds each row property by property: on a list of
 * twenty summaries that cost more than the statements themselves.
 */
import { Column, fillPlaceholders, is, SQL } from 'drizzle-orm'

interface Decoder {
  mapFromDriverValue(value: unknown): unknown
}

interface DrizzlePrepared {
  stmt?: { raw(toggle?: boolean): { all(...params: unknown[]): unknown[][] } }
  query?: { sql: string; params: unknown[] }
  fields?: { path: string[]; field: unknown }[]
  customResultMapper?: unknown
  logger?: { logQuery(sql: string, params: unknown[]): void }
  joinsNotNullableMap?: Record<string, boolean>
}

const identity = Column.prototype.mapFromDriverValue

function decoderOf(field: unknown): Decoder | undefined {
  if (is(field, Column)) return field
  // Drizzle keeps an SQL expression's decoder internal; `sql<T>` and `.mapWith()` set it.
  if (is(field, SQL)) return (field as unknown as { decoder: Decoder }).decoder
  if (is(field, SQL.Aliased)) return (field.sql as unknown as { decoder: Decoder }).decoder
  return undefined
}

/**
 * A faster `all` for a prepared SQLite query whose fields are flat (no nested objects, so no left-joined
 * nulls to fold); undefined for any other, which keeps Drizzle's.
 */
export function fastAll<R>(prepared: unknown): ((params?: Record<string, unknown>) => R[]) | undefined {
  const { stmt, query, fields, customResultMapper, logger } = prepared as DrizzlePrepared
  if (
    stmt === undefined ||
    query === undefined ||
    fields === undefined ||
    logger === undefined ||
    customResultMapper !== undefined
  )
    return undefined
  if (fields.some((f) => f.path.length !== 1)) return undefined
  const decoders: (Decoder | undefined)[] = []
  const parts: string[] = []
  for (const [i, { path, field }] of fields.entries()) {
    const decoder = decoderOf(field)
    if (decoder === undefined) return undefined
    const key = JSON.stringify(path[0])
    if (decoder.mapFromDriverValue === identity) parts.push(`${key}: row[${i}]`)
    else {
      decoders[i] = decoder
      parts.push(`${key}: row[${i}] === null ? null : d[${i}].mapFromDriverValue(row[${i}])`)
    }
  }
  // One object literal per row: every row has the same shape, built in one step.
  const toObject = new Function('d', `return (row) => ({ ${parts.join(', ')} })`)(decoders) as (
    row: unknown[],
  ) => R
  const raw = stmt.raw(true)
  const { sql, params } = query
  return (values) => {
    const filled = fillPlaceholders(params, values ?? {})
    logger.logQuery(sql, filled)
    return raw.all(...filled).map(toObject)
  }
}
