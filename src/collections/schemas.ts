import { type Static, Type } from 'typebox'
import { ArticleSummary } from '../articles/schemas.js'
import { Ref, ref, Slug, Timestamp } from '../http/schemas.js'

export const Collection = Type.Object(
  {
    slug: Slug,
    title: Type.String(),
    updatedAt: Timestamp,
    items: Type.Array(ref(ArticleSummary), {
      description: 'In the editors’ order; only published articles.',
    }),
  },
  { $id: 'Collection', additionalProperties: false, title: 'Collection' },
)
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
