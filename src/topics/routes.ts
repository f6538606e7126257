import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { requireScope } from '../http/auth.js'
import { cachePublic, type FeatureOptions } from '../http/context.js'
import { notFound } from '../http/errors.js'
import { setNextLink } from '../http/pagination.js'
import { NoContent, Page, problems, ref } from '../http/schemas.js'
import { Topic, TopicCreate, TopicListQuery, TopicParams, TopicPatch } from './schemas.js'
import {
  createTopic,
  deleteTopic,
  type FactTablesOf,
  findTopicRow,
  getTopic,
  listTopics,
  noFactTables,
  topicKeys,
  topicStatsOf,
  updateTopic,
} from './store.js'

const tags = ['topics']

/** What a topic response depends on: the topic, its articles (count, latest), its fact tables. */

export const topicRoutes: FastifyPluginAsyncTypebox<
  FeatureOptions & { factTablesOf?: FactTablesOf }
> = async (app, { db, clock, config, factTablesOf = noFactTables }) => {
  const stats = topicStatsOf(app.invalidations)
  const existing = async (ref: string) => {
    const row = await findTopicRow(db, ref)
    if (!row) throw notFound(`No topic has the id or slug "${ref}".`)
    return row
  }
  const present = async (ref: string) => {
    const topic = await getTopic(db, ref, { now: clock(), factTablesOf, site: config.site, stats })
    if (!topic) throw notFound(`No topic has the id or slug "${ref}".`)
    return topic
  }

  app.get(
    '/v1/topics',
    {
      schema: {
        tags,
        operationId: 'listTopics',
        summary: 'List topics (story hubs), by slug',
        description:
          'A topic’s articles come from `GET /v1/articles?topic={slug}`. Counts include published articles only.',
        querystring: TopicListQuery,
        response: {
          200: Page(ref(Topic), 'TopicList'),
          ...problems(400),
        },
      },
    },
    async (request, reply) => {
      const keys = cachePublic(request, reply, 'topics')
      const page = await listTopics(db, request.query, {
        now: clock(),
        factTablesOf,
        site: config.site,
        stats,
      })
      for (const topic of page.data) for (const key of topicKeys(topic.id)) keys?.add(key)
      setNextLink(request, reply, page.page.nextCursor)
      return page
    },
  )

  app.get(
    '/v1/topics/:slug',
    {
      schema: {
        tags,
        operationId: 'getTopic',
        summary: 'One topic, with its article count and fact tables',
        params: TopicParams,
        response: { 200: ref(Topic), ...problems(400, 404) },
      },
    },
    async (request, reply) => {
      const keys = cachePublic(request, reply)
      const topic = await present(request.params.slug)
      for (const key of topicKeys(topic.id)) keys?.add(key)
      return topic
    },
  )

  app.post(
    '/v1/topics',
    {
      onRequest: requireScope('content:write'),
      schema: {
        tags,
        operationId: 'createTopic',
        summary: 'Create a topic',
        description:
          'Needs `content:write`. The slug is derived from the title when absent; a slug in use is a 409.',
        security: [{ bearerAuth: [] }],
        body: TopicCreate,
        response: {
          201: { ...ref(Topic), headers: { location: { type: 'string' } }, description: 'Created.' },
          ...problems(400, 401, 403, 409, 413, 415),
        },
      },
    },
    async (request, reply) => {
      const row = await createTopic(db, request.body, clock())
      app.invalidate(['topics'])
      reply.code(201).header('location', `/v1/topics/${row.slug}`)
      return present(row.id)
    },
  )

  app.patch(
    '/v1/topics/:slug',
    {
      onRequest: requireScope('content:write'),
      schema: {
        tags,
        operationId: 'updateTopic',
        summary: 'Change some fields of a topic',
        description: 'Needs `content:write`.',
        security: [{ bearerAuth: [] }],
        params: TopicParams,
        body: TopicPatch,
        response: { 200: ref(Topic), ...problems(400, 401, 403, 404, 409, 413, 415) },
      },
    },
    async (request) => {
      const row = await existing(request.params.slug)
      await updateTopic(db, row.id, request.body, clock())
      const { kind, slug } = request.body
      // The topic list is ordered by slug and filtered by kind; anything else changes only this topic.
      const reordered = (kind !== undefined && kind !== row.kind) || (slug !== undefined && slug !== row.slug)
      app.invalidate([`topic:${row.id}`, ...(reordered ? ['topics'] : [])])
      return present(row.id)
    },
  )

  app.delete(
    '/v1/topics/:slug',
    {
      onRequest: requireScope('content:write'),
      schema: {
        tags,
        operationId: 'deleteTopic',
        summary: 'Delete a topic',
        description: 'Needs `content:write`. Its articles remain; they just leave the topic.',
        security: [{ bearerAuth: [] }],
        params: TopicParams,
        response: { 204: NoContent, ...problems(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const row = await existing(request.params.slug)
      await deleteTopic(db, row.id)
      app.invalidate([...topicKeys(row.id), 'topics', 'articles'])
      return reply.code(204).send(null)
    },
  )
}
