import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { requireScope } from '../http/auth.js'
import { cachePublic, type FeatureOptions } from '../http/context.js'
import { wholePage } from '../http/pagination.js'
import { Page, problems, ref } from '../http/schemas.js'
import {
  createMetric,
  createParty,
  createSource,
  findMetric,
  findParty,
  findSource,
  listMetrics,
  listParties,
  listSources,
  partyOf,
  renameParty,
  updateMetric,
  updateSource,
} from './reference.js'
import {
  Metric,
  MetricCreate,
  MetricPatch,
  Party,
  PartyCreate,
  PartyPatch,
  SlugParams,
  Source,
  SourceCreate,
  SourcePatch,
} from './schemas.js'

const tags = ['fact tables']
const NoQuery = Type.Object({}, { additionalProperties: false })
const list = <T extends Parameters<typeof ref>[0]>(item: T, title: string) => Page(ref(item), title)
const created = <T extends Parameters<typeof ref>[0]>(item: T) => ({
  ...ref(item),
  headers: { location: { type: 'string' } },
  description: 'Created.',
})
const writeProblems = problems(400, 401, 403, 404, 409, 413, 415)
const security = [{ bearerAuth: [] }]

/** Parties, sources and metrics: public lists and reads; writes need `facts:write`. */
export const referenceRoutes: FastifyPluginAsyncTypebox<FeatureOptions> = async (app, { db, clock }) => {
  const guard = { onRequest: requireScope('facts:write') }

  app.get(
    '/v1/parties',
    {
      schema: {
        tags,
        operationId: 'listParties',
        summary: 'List parties',
        querystring: NoQuery,
        response: { 200: list(Party, 'PartyList'), ...problems(400) },
      },
    },
    async (request, reply) => {
      const keys = cachePublic(request, reply, 'parties')
      const data = await listParties(db)
      for (const party of data) keys?.add(`party:${party.id}`)
      return wholePage(data)
    },
  )
  app.get(
    '/v1/parties/:slug',
    {
      schema: {
        tags,
        operationId: 'getParty',
        summary: 'One party',
        params: SlugParams,
        response: { 200: ref(Party), ...problems(400, 404) },
      },
    },
    async (request, reply) => {
      const keys = cachePublic(request, reply)
      const party = partyOf(await findParty(db, request.params.slug))
      keys?.add(`party:${party.id}`)
      return party
    },
  )
  app.post(
    '/v1/parties',
    {
      ...guard,
      schema: {
        tags,
        operationId: 'createParty',
        summary: 'Create a party',
        description: 'Needs `facts:write`.',
        security,
        body: PartyCreate,
        response: { 201: created(Party), ...writeProblems },
      },
    },
    async (request, reply) => {
      const party = await createParty(db, request.body, clock())
      app.invalidate(['parties'])
      return reply.code(201).header('location', `/v1/parties/${party.slug}`).send(party)
    },
  )
  app.patch(
    '/v1/parties/:slug',
    {
      ...guard,
      schema: {
        tags,
        operationId: 'updateParty',
        summary: 'Rename a party',
        description: 'Needs `facts:write`.',
        security,
        params: SlugParams,
        body: PartyPatch,
        response: { 200: ref(Party), ...writeProblems },
      },
    },
    async (request) => {
      const party = await findParty(db, request.params.slug)
      await renameParty(db, party.id, request.body.name, clock())
      app.invalidate([`party:${party.id}`])
      return partyOf(await findParty(db, party.id))
    },
  )

  app.get(
    '/v1/sources',
    {
      schema: {
        tags,
        operationId: 'listSources',
        summary: 'List sources (claimants)',
        querystring: NoQuery,
        response: { 200: list(Source, 'SourceList'), ...problems(400) },
      },
    },
    async (request, reply) => {
      const keys = cachePublic(request, reply, 'sources')
      const data = await listSources(db)
      for (const source of data) {
        keys?.add(`source:${source.id}`)
        if (source.party) keys?.add(`party:${source.party.id}`)
      }
      return wholePage(data)
    },
  )
  app.get(
    '/v1/sources/:slug',
    {
      schema: {
        tags,
        operationId: 'getSource',
        summary: 'One source',
        params: SlugParams,
        response: { 200: ref(Source), ...problems(400, 404) },
      },
    },
    async (request, reply) => {
      const keys = cachePublic(request, reply)
      const source = await findSource(db, request.params.slug)
      keys?.add(`source:${source.id}`)
      if (source.party) keys?.add(`party:${source.party.id}`)
      return source
    },
  )
  app.post(
    '/v1/sources',
    {
      ...guard,
      schema: {
        tags,
        operationId: 'createSource',
        summary: 'Create a source',
        description:
          'Needs `facts:write`. `party` is the side the source speaks for; leave it out for independent sources.',
        security,
        body: SourceCreate,
        response: { 201: created(Source), ...writeProblems },
      },
    },
    async (request, reply) => {
      const source = await createSource(db, request.body, clock())
      app.invalidate(['sources'])
      return reply.code(201).header('location', `/v1/sources/${source.slug}`).send(source)
    },
  )
  app.patch(
    '/v1/sources/:slug',
    {
      ...guard,
      schema: {
        tags,
        operationId: 'updateSource',
        summary: 'Change a source',
        description: 'Needs `facts:write`.',
        security,
        params: SlugParams,
        body: SourcePatch,
        response: { 200: ref(Source), ...writeProblems },
      },
    },
    async (request) => {
      const { id } = await findSource(db, request.params.slug)
      const source = await updateSource(db, id, request.body, clock())
      app.invalidate([`source:${id}`])
      return source
    },
  )

  app.get(
    '/v1/metrics',
    {
      schema: {
        tags,
        operationId: 'listMetrics',
        summary: 'List metrics',
        querystring: NoQuery,
        response: { 200: list(Metric, 'MetricList'), ...problems(400) },
      },
    },
    async (request, reply) => {
      const keys = cachePublic(request, reply, 'metrics')
      const data = await listMetrics(db)
      for (const metric of data) keys?.add(`metric:${metric.id}`)
      return wholePage(data)
    },
  )
  app.get(
    '/v1/metrics/:slug',
    {
      schema: {
        tags,
        operationId: 'getMetric',
        summary: 'One metric',
        params: SlugParams,
        response: { 200: ref(Metric), ...problems(400, 404) },
      },
    },
    async (request, reply) => {
      const keys = cachePublic(request, reply)
      const metric = await findMetric(db, request.params.slug)
      keys?.add(`metric:${metric.id}`)
      return metric
    },
  )
  app.post(
    '/v1/metrics',
    {
      ...guard,
      schema: {
        tags,
        operationId: 'createMetric',
        summary: 'Create a metric',
        description:
          'Needs `facts:write`. `components` makes it compound: it is shown apart from, and never summed with, those metrics.',
        security,
        body: MetricCreate,
        response: { 201: created(Metric), ...writeProblems },
      },
    },
    async (request, reply) => {
      const metric = await createMetric(db, request.body, clock())
      app.invalidate(['metrics'])
      return reply.code(201).header('location', `/v1/metrics/${metric.slug}`).send(metric)
    },
  )
  app.patch(
    '/v1/metrics/:slug',
    {
      ...guard,
      schema: {
        tags,
        operationId: 'updateMetric',
        summary: 'Change a metric',
        description: 'Needs `facts:write`.',
        security,
        params: SlugParams,
        body: MetricPatch,
        response: { 200: ref(Metric), ...writeProblems },
      },
    },
    async (request) => {
      const current = await findMetric(db, request.params.slug)
      const metric = await updateMetric(db, current, request.body, clock())
      app.invalidate([`metric:${current.id}`])
      return metric
    },
  )
}
