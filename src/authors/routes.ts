import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { requireScope } from '../http/auth.js'
import { cachePublic, type FeatureOptions } from '../http/context.js'
import { notFound } from '../http/errors.js'
import { setNextLink } from '../http/pagination.js'
import { NoContent, Page, problems, ref } from '../http/schemas.js'
import { Author, AuthorCreate, AuthorListQuery, AuthorParams, AuthorPatch } from './schemas.js'
import { createAuthor, deleteAuthor, findAuthor, listAuthors, presentAuthor, updateAuthor } from './store.js'

const tags = ['authors']

export const authorRoutes: FastifyPluginAsyncTypebox<FeatureOptions> = async (app, { db, clock, config }) => {
  const existing = async (ref: string) => {
    const author = await findAuthor(db, ref, config.site)
    if (!author) throw notFound(`No author has the id or slug "${ref}".`)
    return author
  }

  app.get(
    '/v1/authors',
    {
      schema: {
        tags,
        operationId: 'listAuthors',
        summary: 'List authors, by slug',
        querystring: AuthorListQuery,
        response: {
          200: Page(ref(Author), 'AuthorList'),
          ...problems(400),
        },
      },
    },
    async (request, reply) => {
      const keys = cachePublic(request, reply, 'authors')
      const page = await listAuthors(db, request.query, config.site)
      for (const author of page.data) keys?.add(`author:${author.id}`)
      setNextLink(request, reply, page.page.nextCursor)
      return page
    },
  )

  app.get(
    '/v1/authors/:slug',
    {
      schema: {
        tags,
        operationId: 'getAuthor',
        summary: 'One author',
        params: AuthorParams,
        response: { 200: ref(Author), ...problems(400, 404) },
      },
    },
    async (request, reply) => {
      const keys = cachePublic(request, reply)
      const author = await existing(request.params.slug)
      keys?.add(`author:${author.id}`)
      return author
    },
  )

  app.post(
    '/v1/authors',
    {
      onRequest: requireScope('content:write'),
      schema: {
        tags,
        operationId: 'createAuthor',
        summary: 'Create an author',
        description:
          'Needs `content:write`. The slug is derived from the name when absent; a slug in use is a 409.',
        security: [{ bearerAuth: [] }],
        body: AuthorCreate,
        response: {
          201: { ...ref(Author), headers: { location: { type: 'string' } }, description: 'Created.' },
          ...problems(400, 401, 403, 409, 413, 415),
        },
      },
    },
    async (request, reply) => {
      const author = presentAuthor(await createAuthor(db, request.body, clock()), config.site)
      app.invalidate(['authors'])
      return reply.code(201).header('location', author.links.self).send(author)
    },
  )

  app.patch(
    '/v1/authors/:slug',
    {
      onRequest: requireScope('content:write'),
      schema: {
        tags,
        operationId: 'updateAuthor',
        summary: 'Change some fields of an author',
        description: 'Needs `content:write`.',
        security: [{ bearerAuth: [] }],
        params: AuthorParams,
        body: AuthorPatch,
        response: { 200: ref(Author), ...problems(400, 401, 403, 404, 409, 413, 415) },
      },
    },
    async (request) => {
      const author = await existing(request.params.slug)
      await updateAuthor(db, author.id, request.body, clock())
      // The author list is ordered by slug: a new slug moves the author in it.
      const moved = request.body.slug !== undefined && request.body.slug !== author.slug
      app.invalidate([`author:${author.id}`, ...(moved ? ['authors'] : [])])
      return existing(author.id)
    },
  )

  app.delete(
    '/v1/authors/:slug',
    {
      onRequest: requireScope('content:write'),
      schema: {
        tags,
        operationId: 'deleteAuthor',
        summary: 'Delete an author who is in no byline',
        description: 'Needs `content:write`. An author still in a byline is a 409.',
        security: [{ bearerAuth: [] }],
        params: AuthorParams,
        response: { 204: NoContent, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const author = await existing(request.params.slug)
      await deleteAuthor(db, author.id)
      app.invalidate([`author:${author.id}`, 'authors'])
      return reply.code(204).send(null)
    },
  )
}
