import { type Static, Type } from 'typebox'
import { HttpUrl, Id, Nullable, PaginationQuery, Ref, Slug } from '../http/schemas.js'

export const Author = Type.Object(
  {
    id: Id,
    slug: Slug,
    name: Type.String(),
    bio: Nullable(Type.String()),
    avatarUrl: Nullable(Type.String({ format: 'uri' })),
    links: Type.Object(
      {
        self: Type.String(),
        articles: Type.String({ description: 'Articles in the author’s byline.' }),
        canonical: Type.String({ description: 'The author’s page on the website.' }),
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
  { $id: 'Author', additionalProperties: false, title: 'Author' },
)
export type Author = Static<typeof Author>

const fields = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  slug: Slug,
  bio: Nullable(Type.String({ maxLength: 5000 })),
  avatarUrl: Nullable(HttpUrl),
}

export const AuthorCreate = Type.Object(
  {
    name: fields.name,
    slug: Type.Optional({ ...fields.slug, description: 'Derived from the name when absent.' }),
    bio: Type.Optional(fields.bio),
    avatarUrl: Type.Optional(fields.avatarUrl),
  },
  { additionalProperties: false, title: 'AuthorCreate' },
)
export type AuthorCreate = Static<typeof AuthorCreate>

export const AuthorPatch = Type.Partial(Type.Object(fields), {
  additionalProperties: false,
  minProperties: 1,
  title: 'AuthorPatch',
})
export type AuthorPatch = Static<typeof AuthorPatch>

export const AuthorParams = Type.Object({ slug: Ref }, { additionalProperties: false })
export const AuthorListQuery = Type.Object({ ...PaginationQuery }, { additionalProperties: false })
export type AuthorListQuery = Static<typeof AuthorListQuery>
