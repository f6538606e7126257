import { type Static, Type } from 'typebox'
import { TOPIC_KINDS } from '../db/enums.js'
import { Image, ImageInput } from '../http/images.js'
import { Id, Nullable, PaginationQuery, Ref, Slug, StringEnum, Timestamp } from '../http/schemas.js'

export { TOPIC_KINDS }

const Kind = StringEnum(TOPIC_KINDS, {
  description: '`story` for a developing story hub, `region` or `theme`.',
})

export const Topic = Type.Object(
  {
    id: Id,
    slug: Slug,
    title: Type.String(),
    description: Nullable(Type.String()),
    kind: Kind,
    heroImage: Nullable(Image),
    articleCount: Type.Integer({ description: 'Published articles in the topic.' }),
    latestPublishedAt: Nullable({ ...Timestamp, description: 'When its newest published article came out.' }),
    factTables: Type.Array(
      Type.Object({ slug: Slug, title: Type.String() }, { additionalProperties: false }),
      { description: 'Fact tables attached to the topic.' },
    ),
    links: Type.Object(
      {
        self: Type.String(),
        articles: Type.String({ description: 'The topic’s articles.' }),
        canonical: Type.String({ description: 'The topic’s page on the website.' }),
        feeds: Type.Object(
          {
            rss: Type.String(),
            atom: Type.String(),
            json: Type.String({ description: 'JSON Feed 1.1.' }),
          },
          { additionalProperties: false, title: 'FeedLinks', description: 'Feeds of its newest articles.' },
        ),
      },
      { additionalProperties: false },
    ),
  },
  { $id: 'Topic', additionalProperties: false, title: 'Topic' },
)
export type Topic = Static<typeof Topic>

const fields = {
  title: Type.String({ minLength: 1, maxLength: 200 }),
  slug: Slug,
  description: Nullable(Type.String({ maxLength: 2000 })),
  kind: Kind,
  heroImage: Nullable(ImageInput),
}

export const TopicCreate = Type.Object(
  {
    title: fields.title,
    slug: Type.Optional({ ...fields.slug, description: 'Derived from the title when absent.' }),
    description: Type.Optional(fields.description),
    kind: Type.Optional({ ...fields.kind, default: 'story' }),
    heroImage: Type.Optional(fields.heroImage),
  },
  { additionalProperties: false, title: 'TopicCreate' },
)
export type TopicCreate = Static<typeof TopicCreate>

export const TopicPatch = Type.Partial(Type.Object(fields), {
  additionalProperties: false,
  minProperties: 1,
  title: 'TopicPatch',
})
export type TopicPatch = Static<typeof TopicPatch>

export const TopicParams = Type.Object({ slug: Ref }, { additionalProperties: false })

export const TopicListQuery = Type.Object(
  { kind: Type.Optional(Kind), ...PaginationQuery },
  { additionalProperties: false },
)
export type TopicListQuery = Static<typeof TopicListQuery>
