import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { isEditor, requireScope } from '../http/auth.js'
import type { CacheTags } from '../http/cache.js'
import { cachePublic, type FeatureOptions } from '../http/context.js'
import { notFound } from '../http/errors.js'
import { setNextLink, wholePage } from '../http/pagination.js'
import { NoContent, Page, problems, ref } from '../http/schemas.js'
import { sendJson, withData } from '../http/serializer.js'
import {
  Collection,
  CollectionListQuery,
  CollectionParams,
  CollectionPut,
  CollectionSummary,
} from './schemas.js'
import {
  deleteCollection,
  getCollection,
  listCollections,
  publicCollectionJson,
  putCollection,
} from './store.js'

const tags = ['collections']

export const collectionRoutes: FastifyPluginAsyncTypebox<FeatureOptions> = async (
  app,
  { db, config, clock },
) => {
  const load = async (slug: string, editor: boolean, keys?: CacheTags) => {
    const collection = await getCollection(db, slug, { editor, now: clock(), site: config.site, keys })
    if (!collection) throw notFound(`No collection has the slug "${slug}".`)
    return collection
  }

  app.get(
    '/v1/collections',
    {
      schema: {
        tags,
        operationId: 'listCollections',
        summary: 'List the curated collections, by slug',
        description: 'Each with a link to its articles (`GET /v1/collections/{slug}`).',
        querystring: CollectionListQuery,
        response: { 200: Page(CollectionSummary, 'CollectionList'), ...problems(400) },
      },
    },
    async (request, reply) => {
      cachePublic(request, reply, 'collections')
      const page = await listCollections(db, request.query)
      setNextLink(request, reply, page.page.nextCursor)
      return page
    },
  )

  app.get(
    '/v1/collections/:slug',
    {
      schema: {
        tags,
        operationId: 'getCollection',
        summary: 'A curated list of articles, such as `editors-picks`',
        description:
          'Items the public cannot see (drafts, scheduled) are left out, keeping the order of the rest.',
        params: CollectionParams,
        response: { 200: ref(Collection), ...problems(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const keys = cachePublic(request, reply)
      if (keys !== undefined && !isEditor(request)) {
        // The summaries joined from their templates, into the collection as its schema writes it.
        const found = await publicCollectionJson(db, request.params.slug, {
          editor: false,
          now: clock(),
          site: config.site,
          keys,
        })
        if (!found) throw notFound(`No collection has the slug "${request.params.slug}".`)
        const page = wholePage(found.items).page
        const json = withData(String(reply.serialize({ ...found.collection, data: [], page })), found.items)
        if (json !== undefined) return sendJson(reply, json)
      }
      return load(request.params.slug, isEditor(request), keys)
    },
  )

  app.put(
    '/v1/collections/:slug',
    {
      onRequest: requireScope('content:write'),
      schema: {
        tags,
        operationId: 'putCollection',
        summary: 'Create or replace a collection',
        description: 'Needs `content:write`. `items` is the whole ordered list.',
        security: [{ bearerAuth: [] }],
        params: CollectionParams,
        body: CollectionPut,
        response: {
          200: { ...ref(Collection), description: 'Replaced.' },
          201: { ...ref(Collection), description: 'Created.' },
          ...problems(400, 401, 403, 413, 415),
        },
      },
    },
    async (request, reply) => {
      const { created } = await putCollection(db, request.params.slug, request.body, clock())
      app.invalidate([`collection:${request.params.slug}`, 'collections'])
      if (created) reply.code(201).header('location', `/v1/collections/${request.params.slug}`)
      return load(request.params.slug, true)
    },
  )

  app.delete(
    '/v1/collections/:slug',
    {
      onRequest: requireScope('content:write'),
      schema: {
        tags,
        operationId: 'deleteCollection',
        summary: 'Delete a collection',
        description: 'Needs `content:write`. The articles themselves stay.',
        security: [{ bearerAuth: [] }],
        params: CollectionParams,
        response: { 204: NoContent, ...problems(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      app.invalidate([`collection:${request.params.slug}`, 'collections'])
      if (!(await deleteCollection(db, request.params.slug)))
        throw notFound(`No collection has the slug "${request.params.slug}".`)
      return reply.code(204).send(null)
    },
  )
}
