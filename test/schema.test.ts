/**
 * The twin schemas describe the same database: tables, columns, nullability, defaults, primary keys, indexes,
 * unique constraints, foreign keys and CHECK constraints, compared from Drizzle's own view of each.
 */
import { getTableColumns, getTableName, is, Table } from 'drizzle-orm'
import { type PgTable, getTableConfig as pgConfig } from 'drizzle-orm/pg-core'
import { type SQLiteTable, getTableConfig as sqliteConfig } from 'drizzle-orm/sqlite-core'
import t from 'tap'
import * as pg from '../src/db/pg/tables.js'
import * as sqlite from '../src/db/schema.js'

const tablesOf = (module: Record<string, unknown>) =>
  new Map(
    Object.values(module)
      .filter((value) => is(value, Table))
      .map((table) => [getTableName(table as Table), table]),
  )

type Described = ReturnType<typeof describe>

function describe(config: ReturnType<typeof sqliteConfig> | ReturnType<typeof pgConfig>, table: Table) {
  const columns = Object.values(getTableColumns(table))
    .map((c) => ({
      name: c.name,
      notNull: c.notNull,
      primary: c.primary,
      default: c.hasDefault ? String(c.default) : null,
      unique: c.isUnique,
    }))
    .sort((a, b) => a.name.localeCompare(b.name))
  const names = (cols: { name: string }[]) => cols.map((c) => c.name)
  return {
    columns,
    primaryKeys: config.primaryKeys.map((pk) => names(pk.columns)),
    indexes: config.indexes
      .map((i) => ({
        name: i.config.name,
        unique: i.config.unique,
        columns: i.config.columns.map((c) => (c as { name: string }).name),
      }))
      .sort((a, b) => String(a.name).localeCompare(String(b.name))),
    foreignKeys: config.foreignKeys
      .map((fk) => {
        const ref = fk.reference()
        return {
          columns: names(ref.columns),
          table: getTableName(ref.foreignTable),
          foreignColumns: names(ref.foreignColumns),
          onDelete: fk.onDelete ?? 'no action',
        }
      })
      .sort((a, b) => a.columns.join().localeCompare(b.columns.join())),
    checks: config.checks.map((c) => c.name).sort(),
  }
}

const sqliteTables = tablesOf(sqlite)
const pgTables = tablesOf(pg)

t.test('both engines have the same tables', async (t) => {
  t.same([...pgTables.keys()].sort(), [...sqliteTables.keys()].sort())
  t.ok(sqliteTables.size >= 20, `${sqliteTables.size} tables`)
})

for (const [name, table] of sqliteTables) {
  t.test(`${name}: columns, keys, indexes and constraints match`, async (t) => {
    const twin = pgTables.get(name)
    if (!twin) return t.fail(`no PostgreSQL table ${name}`)
    const left: Described = describe(sqliteConfig(table as SQLiteTable), table as Table)
    const right: Described = describe(pgConfig(twin as PgTable), twin as Table)
    t.same(right.columns, left.columns, 'columns, nullability, defaults')
    t.same(right.primaryKeys, left.primaryKeys, 'primary keys')
    t.same(right.indexes, left.indexes, 'indexes')
    t.same(right.foreignKeys, left.foreignKeys, 'foreign keys')
    t.same(right.checks, left.checks, 'checks')
  })
}

t.test('a difference would be caught', async (t) => {
  const left = describe(sqliteConfig(sqlite.figures), sqlite.figures)
  const right = describe(pgConfig(pg.parties), pg.parties)
  t.notSame(right, left)
})
