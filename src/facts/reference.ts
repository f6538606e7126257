/** Parties, sources and metrics: the reference data figures point at. */
import { asc, eq, or, sql } from 'drizzle-orm'
import { type Db, preparedOnce, readTarget, statement } from '../db/client.js'
import { uuidv7 } from '../db/ids.js'
import { resolveRefs, slugify } from '../db/refs.js'
import { metrics, parties, sources } from '../db/schema.js'
import { badRequest, type FieldError, notFound, withUniqueSlug } from '../http/errors.js'
import type {
  Metric,
  MetricCreate,
  MetricPatch,
  Party,
  PartyCreate,
  Source,
  SourceCreate,
  SourcePatch,
} from './schemas.js'

type PartyRow = typeof parties.$inferSelect
type SourceRow = typeof sources.$inferSelect
type MetricRow = typeof metrics.$inferSelect

export const partyOf = (row: PartyRow): Party => ({ id: row.id, slug: row.slug, name: row.name })
export const sourceOf = (row: SourceRow, party: PartyRow | null | undefined): Source => ({
  id: row.id,
  slug: row.slug,
  name: row.name,
  kind: row.kind,
  party: party ? partyOf(party) : null,
  url: row.url,
})
/** The short form figures and groups carry. */
export const metricRefOf = (row: MetricRow) => ({
  slug: row.slug,
  name: row.name,
  compound: row.components.length > 0,
})

export const metricOf = (row: MetricRow): Metric => ({
  id: row.id,
  slug: row.slug,
  name: row.name,
  description: row.description,
  compound: row.components.length > 0,
  components: row.components,
})

function fail(errors: FieldError[]) {
  if (errors.length > 0) throw badRequest(errors.map((e) => `${e.path}: ${e.message}`).join('; '), errors)
}

/** The reference pages' reads, prepared once per connection. */
const statementsOf = preparedOnce((db: Db) => {
  const ref = sql.placeholder('ref')
  const sourcesWithParties = () =>
    db
      .select({ source: sources, party: parties })
      .from(sources)
      .leftJoin(parties, eq(parties.id, sources.partyId))
  return {
    parties: statement(db, db.select().from(parties).orderBy(asc(parties.name)), 'parties_all'),
    party: statement(
      db,
      db
        .select()
        .from(parties)
        .where(or(eq(parties.slug, ref), eq(parties.id, ref))),
      'party_by_ref',
    ),
    sources: statement(db, sourcesWithParties().orderBy(asc(sources.name)), 'sources_all'),
    source: statement(
      db,
      sourcesWithParties().where(or(eq(sources.slug, ref), eq(sources.id, ref))),
      'source_by_ref',
    ),
    metrics: statement(
      db,
      db.select().from(metrics).orderBy(asc(metrics.createdAt), asc(metrics.id)),
      'metrics_all',
    ),
    metric: statement(
      db,
      db
        .select()
        .from(metrics)
        .where(or(eq(metrics.slug, ref), eq(metrics.id, ref))),
      'metric_by_ref',
    ),
  }
})

export async function listParties(db: Db): Promise<Party[]> {
  return (await statementsOf(readTarget(db)).parties.all()).map(partyOf)
}

export async function findParty(db: Db, ref: string): Promise<PartyRow> {
  const [row] = await statementsOf(readTarget(db)).party.all({ ref })
  if (!row) throw notFound(`No party has the id or slug "${ref}".`)
  return row
}

export async function createParty(db: Db, input: PartyCreate, now: number, id = uuidv7(now)): Promise<Party> {
  const row: PartyRow = {
    id,
    slug: input.slug ?? slugify(input.name),
    name: input.name,
    createdAt: now,
    updatedAt: now,
  }
  await withUniqueSlug('a party', row.slug, () => db.insert(parties).values(row))
  return partyOf(row)
}

export async function renameParty(db: Db, id: string, name: string, now: number) {
  await db.update(parties).set({ name, updatedAt: now }).where(eq(parties.id, id))
}

export async function listSources(db: Db): Promise<Source[]> {
  const rows = await statementsOf(readTarget(db)).sources.all()
  return rows.map((r) => sourceOf(r.source, r.party))
}

export async function findSource(db: Db, ref: string): Promise<Source> {
  const [row] = await statementsOf(readTarget(db)).source.all({ ref })
  if (!row) throw notFound(`No source has the id or slug "${ref}".`)
  return sourceOf(row.source, row.party)
}

async function partyIdFor(db: Db, ref: string | null | undefined): Promise<string | null | undefined> {
  if (ref === undefined || ref === null) return ref
  const errors: FieldError[] = []
  const [id] = await resolveRefs(db, parties, [ref], 'body/party', 'party', errors)
  fail(errors.map((e) => ({ ...e, path: 'body/party' })))
  return id
}

export async function createSource(
  db: Db,
  input: SourceCreate,
  now: number,
  id = uuidv7(now),
): Promise<Source> {
  const row: SourceRow = {
    id,
    slug: input.slug ?? slugify(input.name),
    name: input.name,
    kind: input.kind ?? 'other',
    partyId: (await partyIdFor(db, input.party)) ?? null,
    url: input.url ?? null,
    createdAt: now,
    updatedAt: now,
  }
  await withUniqueSlug('a source', row.slug, () => db.insert(sources).values(row))
  return findSource(db, id)
}

export async function updateSource(db: Db, id: string, patch: SourcePatch, now: number): Promise<Source> {
  const { party, ...rest } = patch
  const partyId = await partyIdFor(db, party)
  await db
    .update(sources)
    .set({ ...rest, ...(partyId !== undefined ? { partyId } : {}), updatedAt: now })
    .where(eq(sources.id, id))
  return findSource(db, id)
}

export async function listMetrics(db: Db): Promise<Metric[]> {
  return (await statementsOf(readTarget(db)).metrics.all()).map(metricOf)
}

export async function findMetric(db: Db, ref: string): Promise<Metric> {
  const [row] = await statementsOf(readTarget(db)).metric.all({ ref })
  if (!row) throw notFound(`No metric has the id or slug "${ref}".`)
  return metricOf(row)
}

async function checkComponents(db: Db, components: string[] | undefined, self?: string) {
  if (!components?.length) return
  const errors: FieldError[] = []
  await resolveRefs(db, metrics, components, 'body/components', 'metric', errors)
  const selfIndex = self === undefined ? -1 : components.indexOf(self)
  if (selfIndex >= 0)
    errors.push({ path: `body/components/${selfIndex}`, message: 'a metric cannot contain itself' })
  fail(errors)
}

export async function createMetric(db: Db, input: MetricCreate, now: number): Promise<Metric> {
  const slug = input.slug ?? slugify(input.name)
  await checkComponents(db, input.components, slug)
  const row: MetricRow = {
    id: uuidv7(now),
    slug,
    name: input.name,
    description: input.description ?? null,
    components: input.components ?? [],
    createdAt: now,
    updatedAt: now,
  }
  await withUniqueSlug('a metric', slug, () => db.insert(metrics).values(row))
  return metricOf(row)
}

export async function updateMetric(db: Db, metric: Metric, patch: MetricPatch, now: number): Promise<Metric> {
  await checkComponents(db, patch.components, metric.slug)
  await db
    .update(metrics)
    .set({ ...patch, updatedAt: now })
    .where(eq(metrics.id, metric.id))
  return findMetric(db, metric.id)
}
