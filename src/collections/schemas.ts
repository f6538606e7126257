import { type Static, Type } from 'typebox'
import { ArticleSummary } from '../articles/schemas.js'
import { PageInfo, PaginationQuery, Ref, ref, Slug, Timestamp } from '../http/schemas.js'

const CollectionLinks = Type.Object(
  { self: Type.String({ description: 'API path of the collection with its articles.' }) },
  { additionalProperties: false },
)

export const Collection = Type.Object(
  {
    slug: Slug,
    title: Type.String(),
    updatedAt: Timestamp,
    links: CollectionLinks,
    data: Type.Array(ref(ArticleSummary), {
      description: 'In the editors’ order; only published articles.',
    }),
    page: PageInfo,
  },
  {
    $id: 'Collection',
    additionalProperties: false,
    title: 'Collection',
    description: 'A list like any other (`data`, `page`), with the collection’s own fields beside it.',
  },
)

export const CollectionSummary = Type.Object(
  { slug: Slug, title: Type.String(), updatedAt: Timestamp, links: CollectionLinks },
  { additionalProperties: false, title: 'CollectionSummary' },
)

export const CollectionListQuery = Type.Object({ ...PaginationQuery }, { additionalProperties: false })
export type CollectionListQuery = Static<typeof CollectionListQuery>
export type Collection = Static<typeof Collection>

export const CollectionPut = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: 200 }),
    items: Type.Array(Ref, {
      maxItems: 100,
      uniqueItems: true,
      description: 'The whole ordered list, by id or slug.',
    }),
  },
  { additionalProperties: false, title: 'CollectionPut' },
)
export type CollectionPut = Static<typeof CollectionPut>

export const CollectionParams = Type.Object({ slug: Slug }, { additionalProperties: false })
