/** Schemas shared by every feature: problems, pages, references and the small value types. */
import { STATUS_CODES } from 'node:http'
import { type Static, type TSchema, Type } from 'typebox'
import { PROBLEM_CONTENT_TYPE } from './errors.js'

/** Shaped like an id (a UUID): never a slug, so that "an id or a slug" always means one thing. */
export const ID_SHAPE = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'
export const SLUG_PATTERN = `^(?!${ID_SHAPE}$)[a-z0-9]+(?:-[a-z0-9]+)*$`

export const Slug = Type.String({
  pattern: SLUG_PATTERN,
  minLength: 1,
  maxLength: 120,
  description: 'Lowercase kebab-case, unique per resource; never shaped like an id (a UUID).',
})

/** An id or a slug: how writes and paths refer to other resources. */
export const Ref = Type.String({
  minLength: 1,
  maxLength: 120,
  pattern: '^[A-Za-z0-9-]+$',
  description: 'The id (UUIDv7) or the slug of the resource.',
})

export const Id = Type.String({ format: 'uuid', description: 'Opaque id (UUIDv7).' })

export const Timestamp = Type.String({ format: 'date-time', description: 'ISO-8601 UTC timestamp.' })

/** A string enum (`{ type: 'string', enum }`), which client generators turn into a union type. */
export const StringEnum = <const T extends readonly string[]>(
  values: T,
  options: { description?: string; default?: T[number] } = {},
) => Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options })

/**
 * A reference to a schema registered with `app.addSchema` (it must have an `$id`): it becomes one named
 * component in the OpenAPI document instead of a copy in every operation, and keeps its static type.
 */
export const ref = <T extends TSchema>(schema: T) =>
  Type.Unsafe<Static<T>>({ $ref: String((schema as { $id?: string }).$id) })

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()])

export const HttpUrl = Type.String({ format: 'uri', pattern: '^https?://', maxLength: 2000 })

export const Problem = Type.Object(
  {
    type: Type.String({ description: 'URI identifying the kind of problem.' }),
    title: Type.String({ description: 'Short summary of the HTTP status.' }),
    status: Type.Integer({ description: 'The HTTP status code.' }),
    detail: Type.String({ description: 'What went wrong with this request.' }),
    errors: Type.Optional(
      Type.Array(
        Type.Object(
          {
            path: Type.String({
              description: 'Where in the request, e.g. `body/authors/0` or `query/limit`.',
            }),
            message: Type.String(),
          },
          { additionalProperties: false },
        ),
        { description: 'One entry per invalid field.' },
      ),
    ),
  },
  { $id: 'Problem', title: 'Problem', description: 'RFC 9457 problem details.' },
)

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid input: the `errors` list names each bad field.',
  401: 'No bearer token, or the token is unknown or revoked.',
  403: 'The token lacks the scope this operation needs.',
  404: 'Not found, or not visible to the public.',
  409: 'Conflicts with existing data (duplicate slug, resource in use).',
  412: 'The `If-Match` ETag is stale: the resource changed meanwhile.',
  413: 'The request body is too large.',
  415: 'The request body has an unsupported content type.',
  429: 'Rate limited; see `Retry-After`.',
  503: 'Shutting down, or the database is busy or unavailable; nothing was changed. Retry after `Retry-After`.',
}

/** Problem responses for the given status codes, plus 500 and 503, as Fastify route response schemas. */
export function problems(...statuses: number[]) {
  const out: Record<number, unknown> = {}
  for (const status of new Set([...statuses, 500, 503])) {
    out[status] = {
      description: ERROR_DESCRIPTIONS[status] ?? STATUS_CODES[status] ?? 'Error',
      content: { [PROBLEM_CONTENT_TYPE]: { schema: ref(Problem) } },
    }
  }
  return out
}

export const PageInfo = Type.Object(
  {
    limit: Type.Integer({ description: 'The page size used.' }),
    nextCursor: Nullable(
      Type.String({ description: 'Pass as `cursor` for the next page; null on the last.' }),
    ),
    total: Type.Integer({ description: 'How many items match the filters, across all pages.' }),
  },
  { additionalProperties: false, title: 'PageInfo' },
)

export const Page = <T extends TSchema>(item: T, title: string) =>
  Type.Object({ data: Type.Array(item), page: PageInfo }, { additionalProperties: false, title })

export const PaginationQuery = {
  limit: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 100, default: 20, description: 'Page size, 1-100.' }),
  ),
  cursor: Type.Optional(
    Type.String({
      maxLength: 500,
      description: 'Opaque cursor from `page.nextCursor` of the previous page.',
    }),
  ),
}

export const NoContent = Type.Null({ description: 'No content.' })
