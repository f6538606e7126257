/**
 * SQLite only: rows of a prepared Drizzle query read as arrays and turned into objects by a function made for that
 * query once, with the decoder of each column found once. Drizzle's own mapping asks every cell what kind of
 * field it came from (`is()` walks its prototype chain) and builds each row property by property: on a list of
 * twenty summaries that cost more than the statements themselves.
 */
import { Column, fillPlaceholders, getTableName, is, SQL } from 'drizzle-orm'

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
 * A faster `all` for a prepared SQLite query whose fields are flat or one level deep (`{ figure: figures, metric:
 * metrics }`); undefined for any other, which keeps Drizzle's. A nested object of a left-joined table is null
 * where Drizzle makes it null: when its first column is null (and all its columns are that table's).
 */
export function fastAll<R>(prepared: unknown): ((params?: Record<string, unknown>) => R[]) | undefined {
  const { stmt, query, fields, customResultMapper, logger, joinsNotNullableMap } = prepared as DrizzlePrepared
  if (
    stmt === undefined ||
    query === undefined ||
    fields === undefined ||
    logger === undefined ||
    customResultMapper !== undefined
  )
    return undefined
  if (fields.some((f) => f.path.length < 1 || f.path.length > 2)) return undefined
  const decoders: (Decoder | undefined)[] = []
  const cell = (i: number, field: unknown): string | undefined => {
    const decoder = decoderOf(field)
    if (decoder === undefined) return undefined
    if (decoder.mapFromDriverValue === identity) return `row[${i}]`
    decoders[i] = decoder
    return `row[${i}] === null ? null : d[${i}].mapFromDriverValue(row[${i}])`
  }
  // Top-level properties in the order Drizzle adds them: a nested object where its first column comes.
  const properties = new Map<
    string,
    { cells: string[]; columns: { index: number; field: unknown }[] } | string
  >()
  for (const [i, { path, field }] of fields.entries()) {
    const value = cell(i, field)
    if (value === undefined) return undefined
    const [name, inner] = path as [string, string | undefined]
    if (inner === undefined) {
      properties.set(name, value)
      continue
    }
    let object = properties.get(name)
    if (object === undefined) {
      object = { cells: [], columns: [] }
      properties.set(name, object)
    }
    if (typeof object === 'string') return undefined
    object.cells.push(`${JSON.stringify(inner)}: ${value}`)
    object.columns.push({ index: i, field })
  }
  const parts: string[] = []
  for (const [name, value] of properties) {
    if (typeof value === 'string') {
      parts.push(`${JSON.stringify(name)}: ${value}`)
      continue
    }
    const literal = `{ ${value.cells.join(', ')} }`
    const [firstColumn] = value.columns
    if (firstColumn === undefined || value.columns.some((c) => !is(c.field, Column))) return undefined
    const tables = new Set(value.columns.map((c) => getTableName((c.field as Column).table)))
    const [table] = tables
    const nullable =
      joinsNotNullableMap !== undefined && tables.size === 1 && !joinsNotNullableMap[table as string]
    parts.push(
      `${JSON.stringify(name)}: ${nullable ? `row[${firstColumn.index}] === null ? null : ${literal}` : literal}`,
    )
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
