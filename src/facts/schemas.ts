/** TypeBox schemas of fact tables: parties, sources, metrics, tables and figures (claims). */
import { type Static, Type } from 'typebox'
import { TopicRef } from '../articles/schemas.js'
import { HttpUrl, Id, Nullable, Page, Ref, ref, Slug, StringEnum, Timestamp } from '../http/schemas.js'

export {
  CATEGORIES,
  DEPRECATION_REASONS,
  PRECISIONS,
  QUALIFIERS,
  RANKS,
  SOURCE_KINDS,
  VERIFICATIONS,
} from '../db/enums.js'

import {
  CATEGORIES,
  DEPRECATION_REASONS,
  PRECISIONS,
  QUALIFIERS,
  RANKS,
  SOURCE_KINDS,
  VERIFICATIONS,
} from '../db/enums.js'

export const STANCES = ['self-reported', 'adversary', 'independent', 'involved'] as const

const Category = StringEnum(CATEGORIES, {
  description: 'Whose people within the party: `all` when the claim does not say.',
})

export const Party = Type.Object(
  { id: Id, slug: Slug, name: Type.String() },
  {
    $id: 'Party',
    additionalProperties: false,
    title: 'Party',
    description: 'A side whose people figures are about.',
  },
)
export type Party = Static<typeof Party>
export const Source = Type.Object(
  {
    id: Id,
    slug: Slug,
    name: Type.String(),
    kind: StringEnum(SOURCE_KINDS),
    party: Nullable(ref(Party)),
    url: Nullable(Type.String()),
  },
  {
    $id: 'Source',
    additionalProperties: false,
    title: 'Source',
    description: 'Who makes claims; `party` is the side it speaks for, null for independent sources.',
  },
)
export type Source = Static<typeof Source>
export const Metric = Type.Object(
  {
    id: Id,
    slug: Slug,
    name: Type.String(),
    description: Nullable(Type.String()),
    compound: Type.Boolean({
      description: 'Covers other metrics (killed-or-missing); never summed with them.',
    }),
    components: Type.Array(Slug),
  },
  { $id: 'Metric', additionalProperties: false, title: 'Metric' },
)
export type Metric = Static<typeof Metric>

const Value = Type.Object(
  {
    qualifier: StringEnum(QUALIFIERS),
    best: Nullable(
      Type.Integer({ description: 'The figure itself, or the best estimate within the bounds.' }),
    ),
    low: Nullable(Type.Integer({ description: 'Lower bound (at least, more than, range).' })),
    high: Nullable(Type.Integer({ description: 'Upper bound (up to, fewer than, range).' })),
    text: Type.String({ description: 'The claimant’s wording, verbatim: "around a dozen".' }),
    display: Type.String({ description: 'Ready to print: "at least 20", "around 12", "80".' }),
  },
  { additionalProperties: false, title: 'FigureValue' },
)

/** How figures and groups name their metric. */
const MetricRef = Type.Object(
  { slug: Slug, name: Type.String(), compound: Type.Boolean() },
  { additionalProperties: false },
)

export const Figure = Type.Object(
  {
    id: Id,
    table: Slug,
    metric: MetricRef,
    subject: Nullable({ ...ref(Party), description: 'Whose people; null for all sides together.' }),
    category: Category,
    counterparty: Nullable({ ...ref(Party), description: 'For `captured`: captured by.' }),
    claimant: ref(Source),
    stance: StringEnum(STANCES, {
      description:
        '`self-reported`: the claimant speaks for the subject; `adversary`: for another party; `independent`: for none; `involved`: a party speaking about all sides.',
    }),
    value: Value,
    asOf: { ...Timestamp, description: 'The time the figure describes.' },
    asOfPrecision: StringEnum(PRECISIONS),
    verification: StringEnum(VERIFICATIONS),
    rank: StringEnum(RANKS, { description: 'Deprecated figures stay, out of the current table.' }),
    deprecation: Nullable(
      Type.Object(
        {
          reason: StringEnum(DEPRECATION_REASONS),
          note: Nullable(Type.String()),
          at: Timestamp,
        },
        { additionalProperties: false },
      ),
    ),
    supersedes: Nullable({ ...Id, description: 'The earlier figure of the same series this one replaced.' }),
    supersededBy: Nullable({ ...Id, description: 'The later figure that replaced this one.' }),
    provenance: Type.Object(
      {
        url: Nullable(Type.String()),
        quote: Nullable(Type.String()),
        article: Nullable(
          Type.Object({ id: Id, slug: Slug, headline: Type.String() }, { additionalProperties: false }),
        ),
      },
      { additionalProperties: false },
    ),
    recordedAt: { ...Timestamp, description: 'When the newsroom recorded the claim.' },
    recordedBy: Type.Optional(
      Type.String({ description: 'The token that recorded it; shown to `facts:write` only.' }),
    ),
  },
  {
    $id: 'Figure',
    additionalProperties: false,
    title: 'Figure',
    description: 'One claim, as one source made it.',
  },
)
export type Figure = Static<typeof Figure>

export const FactTableRef = Type.Object({ slug: Slug, title: Type.String() }, { additionalProperties: false })

const tableProperties = {
  id: Id,
  slug: Slug,
  title: Type.String(),
  methodology: Nullable(Type.String()),
  topic: Nullable(TopicRef),
  links: Type.Object(
    {
      self: Type.String(),
      canonical: Type.String({ description: 'The table’s page on the website.' }),
      history: Type.String(),
      figures: Type.String(),
      csv: Type.String(),
    },
    { additionalProperties: false },
  ),
}

export const FactTable = Type.Object(
  {
    ...tableProperties,
    asOf: Nullable({ ...Timestamp, description: 'The time the table is shown as of; null for now.' }),
    groups: Type.Array(
      Type.Object(
        {
          metric: MetricRef,
          subject: Nullable(ref(Party)),
          category: Category,
          claims: Type.Array(ref(Figure), {
            description: 'The current figure of each claimant, side by side; never summed.',
          }),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { $id: 'FactTable', additionalProperties: false, title: 'FactTable' },
)
export type FactTable = Static<typeof FactTable>

export const FactTableHistory = Type.Object(
  {
    ...tableProperties,
    series: Type.Array(
      Type.Object(
        {
          metric: MetricRef,
          subject: Nullable(ref(Party)),
          category: Category,
          claimant: ref(Source),
          steps: Type.Array(ref(Figure), {
            description: 'Every figure of the series by as-of time, deprecated ones included.',
          }),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false, title: 'FactTableHistory' },
)
export type FactTableHistory = Static<typeof FactTableHistory>

export const FigureList = Page(ref(Figure), 'FigureList')

/* ---- writes ---- */

export const FactTableCreate = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: 300 }),
    slug: Type.Optional({ ...Slug, description: 'Derived from the title when absent.' }),
    methodology: Type.Optional(Nullable(Type.String({ maxLength: 5000 }))),
    topic: Type.Optional(Nullable(Ref)),
  },
  { additionalProperties: false, title: 'FactTableCreate' },
)
export type FactTableCreate = Static<typeof FactTableCreate>
/** A patch is any non-empty subset of the create shape but the slug. */
const patchOptions = (title: string) => ({ additionalProperties: false, minProperties: 1, title })
export const FactTablePatch = Type.Partial(
  Type.Omit(FactTableCreate, ['slug']),
  patchOptions('FactTablePatch'),
)
export type FactTablePatch = Static<typeof FactTablePatch>

export const PartyCreate = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 200 }), slug: Type.Optional(Slug) },
  { additionalProperties: false, title: 'PartyCreate' },
)
export type PartyCreate = Static<typeof PartyCreate>
export const PartyPatch = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false, title: 'PartyPatch' },
)

export const SourceCreate = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    slug: Type.Optional(Slug),
    kind: Type.Optional({ ...StringEnum(SOURCE_KINDS), default: 'other' }),
    party: Type.Optional(
      Nullable({ ...Ref, description: 'The party it speaks for; null or absent for independent sources.' }),
    ),
    url: Type.Optional(Nullable(HttpUrl)),
  },
  { additionalProperties: false, title: 'SourceCreate' },
)
export type SourceCreate = Static<typeof SourceCreate>
export const SourcePatch = Type.Partial(Type.Omit(SourceCreate, ['slug']), patchOptions('SourcePatch'))
export type SourcePatch = Static<typeof SourcePatch>

export const MetricCreate = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    slug: Type.Optional(Slug),
    description: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))),
    components: Type.Optional(
      Type.Array(Slug, { maxItems: 10, uniqueItems: true, description: 'For a compound metric.' }),
    ),
  },
  { additionalProperties: false, title: 'MetricCreate' },
)
export type MetricCreate = Static<typeof MetricCreate>
export const MetricPatch = Type.Partial(Type.Omit(MetricCreate, ['slug']), patchOptions('MetricPatch'))
export type MetricPatch = Static<typeof MetricPatch>

const Count = Type.Integer({ minimum: 0, maximum: 1_000_000_000 })

export const FigureCreate = Type.Object(
  {
    metric: Ref,
    subject: Nullable({
      ...Ref,
      description: 'The party whose people are counted; null for all sides together.',
    }),
    category: Category,
    counterparty: Type.Optional(Nullable({ ...Ref, description: 'For `captured`: the party holding them.' })),
    claimant: { ...Ref, description: 'The source making the claim.' },
    value: Type.Object(
      {
        qualifier: StringEnum(QUALIFIERS, {
          description:
            '`exact` and `around` need `best`; `at-least` and `more-than` need `low`; `up-to` and `fewer-than` need `high`; `range` needs `low` < `high`; `unknown` takes no numbers. Always low ≤ best ≤ high.',
        }),
        best: Type.Optional(Count),
        low: Type.Optional(Count),
        high: Type.Optional(Count),
        text: Type.String({ minLength: 1, maxLength: 500, description: 'The wording, verbatim.' }),
      },
      { additionalProperties: false },
    ),
    asOf: { ...Timestamp, description: 'The time the figure describes; not in the future.' },
    asOfPrecision: Type.Optional({ ...StringEnum(PRECISIONS), default: 'day' }),
    sourceUrl: Type.Optional(Nullable(HttpUrl)),
    quote: Type.Optional(Nullable(Type.String({ maxLength: 5000 }))),
    article: Type.Optional(Nullable({ ...Ref, description: 'The article that reported it.' })),
    verification: Type.Optional({ ...StringEnum(VERIFICATIONS), default: 'unverified' }),
    rank: Type.Optional({ ...StringEnum(['preferred', 'normal'] as const), default: 'normal' }),
    corrects: Type.Optional({
      ...Id,
      description:
        'A figure this one corrects: it is deprecated (reason `corrected`) in the same transaction.',
    }),
  },
  { additionalProperties: false, title: 'FigureCreate' },
)
export type FigureCreate = Static<typeof FigureCreate>

export const Deprecation = Type.Object(
  {
    reason: StringEnum(DEPRECATION_REASONS),
    note: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false, title: 'Deprecation' },
)
export type Deprecation = Static<typeof Deprecation>

export const SlugParams = Type.Object({ slug: Ref }, { additionalProperties: false })
export const FigureParams = Type.Object({ id: Id }, { additionalProperties: false })
export const AsOfQuery = Type.Object(
  {
    asOf: Type.Optional({
      ...Timestamp,
      description:
        'Show the table as it stood at this time: only figures recorded by then and describing a time up to then, with the deprecations made by then. Later corrections do not show.',
    }),
  },
  { additionalProperties: false },
)
