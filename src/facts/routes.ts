import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { isEditor, requireScope } from '../http/auth.js'
import { cachePublic, type FeatureOptions } from '../http/context.js'
import { notFound } from '../http/errors.js'
import { wholePage } from '../http/pagination.js'
import { Page, problems, ref } from '../http/schemas.js'
import { siteUrlOf } from '../http/site.js'
import { parseInstant } from '../http/validation.js'
import { figuresCsv } from './csv.js'
import { deprecateFigure, loadFigures, recordFigure } from './figures.js'
import { presentFigure } from './present.js'
import {
  AsOfQuery,
  Deprecation,
  FactTable,
  FactTableCreate,
  FactTableHistory,
  FactTablePatch,
  Figure,
  FigureCreate,
  FigureList,
  FigureParams,
  SlugParams,
} from './schemas.js'
import { createFactTable, findFactTable, listFactTables, updateFactTable } from './tables.js'
import { allFigures, currentTable, tableHistory } from './views.js'

const tags = ['fact tables']
const NoQuery = Type.Object({}, { additionalProperties: false })
const TableList = Page(
  Type.Object(
    {
      slug: Type.String(),
      title: Type.String(),
      links: Type.Object(
        { self: Type.String(), canonical: Type.String({ description: 'The table’s page on the website.' }) },
        { additionalProperties: false },
      ),
    },
    { additionalProperties: false, title: 'FactTableListItem' },
  ),
  'FactTableList',
)

export const factRoutes: FastifyPluginAsyncTypebox<FeatureOptions> = async (app, { db, clock, config }) => {
  const view = (request: FastifyRequest) => ({
    now: clock(),
    editor: isEditor(request, 'facts:write'),
    drafts: isEditor(request, 'content:write'),
    keys: request.cacheTags ?? undefined,
    site: config.site,
  })
  const recorder = (request: FastifyRequest) => request.token?.name ?? 'unknown'

  app.get(
    '/v1/fact-tables',
    {
      schema: {
        tags,
        operationId: 'listFactTables',
        summary: 'List fact tables',
        querystring: NoQuery,
        response: { 200: TableList, ...problems(400) },
      },
    },
    async (request, reply) => {
      const keys = cachePublic(request, reply, 'fact-tables')
      const tables = await listFactTables(db)
      for (const table of tables) keys?.add(`fact-table:${table.id}`)
      return wholePage(
        tables.map((t) => ({
          slug: t.slug,
          title: t.title,
          links: { self: `/v1/fact-tables/${t.slug}`, canonical: siteUrlOf(config.site, 'factTable', t) },
        })),
      )
    },
  )

  app.get(
    '/v1/fact-tables/:slug',
    {
      schema: {
        tags,
        operationId: 'getFactTable',
        summary: 'Current figures, every claimant side by side',
        description:
          'Figures are grouped by metric, subject party and category; each group lists every claimant’s current figure (the latest non-deprecated one of its series). Claims by different sources are never summed, and compound metrics (killed-or-missing) are never added to their parts. `asOf` shows the table as it stood at that time, before later corrections.',
        params: SlugParams,
        querystring: AsOfQuery,
        response: { 200: ref(FactTable), ...problems(400, 404) },
      },
    },
    async (request, reply) => {
      cachePublic(request, reply)
      const table = await findFactTable(db, request.params.slug)
      const asOf =
        request.query.asOf === undefined ? undefined : parseInstant(request.query.asOf, 'query/asOf')
      return currentTable(db, table, { ...view(request), asOf })
    },
  )

  app.get(
    '/v1/fact-tables/:slug/history',
    {
      schema: {
        tags,
        operationId: 'getFactTableHistory',
        summary: 'How each series changed over time',
        description:
          'A series is (metric, subject, category, claimant). Its steps are every figure in as-of order, deprecated ones included and marked, linked by `supersedes`/`supersededBy`.',
        params: SlugParams,
        querystring: NoQuery,
        response: { 200: FactTableHistory, ...problems(400, 404) },
      },
    },
    async (request, reply) => {
      cachePublic(request, reply)
      const table = await findFactTable(db, request.params.slug)
      return tableHistory(db, table, view(request))
    },
  )

  app.get(
    '/v1/fact-tables/:slug/figures',
    {
      schema: {
        tags,
        operationId: 'listFigures',
        summary: 'Every figure of the table, long format',
        description:
          'One entry per figure ever recorded, deprecated ones included, in as-of order. Also as CSV.',
        params: SlugParams,
        querystring: NoQuery,
        response: { 200: FigureList, ...problems(400, 404) },
      },
    },
    async (request, reply) => {
      cachePublic(request, reply)
      const table = await findFactTable(db, request.params.slug)
      return wholePage(await allFigures(db, table, view(request)))
    },
  )

  app.get(
    '/v1/fact-tables/:slug/figures.csv',
    {
      schema: {
        tags,
        operationId: 'listFiguresCsv',
        summary: 'Every figure of the table as CSV',
        description:
          'RFC 4180: a header row, CRLF line ends, one row per figure. Text cells starting with `= + - @`, tab or CR are prefixed with an apostrophe so spreadsheets do not run them as formulas.',
        params: SlugParams,
        querystring: NoQuery,
        response: {
          200: {
            description: 'The figures, with `Content-Disposition: attachment`.',
            content: { 'text/csv': { schema: Type.String() } },
          },
          ...problems(400, 404),
        },
      },
    },
    async (request, reply) => {
      cachePublic(request, reply)
      const table = await findFactTable(db, request.params.slug)
      const csv = figuresCsv(await allFigures(db, table, view(request)))
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${table.slug}-figures.csv"`)
        .send(csv)
    },
  )

  app.get(
    '/v1/figures/:id',
    {
      schema: {
        tags,
        operationId: 'getFigure',
        summary: 'One figure',
        params: FigureParams,
        response: { 200: ref(Figure), ...problems(400, 404) },
      },
    },
    async (request, reply) => {
      cachePublic(request, reply)
      const [loaded] = await loadFigures(db, { id: request.params.id })
      if (!loaded) throw notFound(`No figure has the id "${request.params.id}".`)
      const table = await findFactTable(db, loaded.figure.tableId)
      const all = await allFigures(db, table, view(request))
      return all.find((f) => f.id === loaded.figure.id) as Figure
    },
  )

  app.post(
    '/v1/fact-tables',
    {
      onRequest: requireScope('facts:write'),
      schema: {
        tags,
        operationId: 'createFactTable',
        summary: 'Create a fact table',
        description:
          'Needs `facts:write`. The slug is derived from the title when absent; a slug in use is a 409.',
        security: [{ bearerAuth: [] }],
        body: FactTableCreate,
        response: {
          201: {
            ...ref(FactTable),
            headers: { location: { type: 'string' } },
            description: 'Created (empty).',
          },
          ...problems(400, 401, 403, 409, 413, 415),
        },
      },
    },
    async (request, reply) => {
      const table = await createFactTable(db, request.body, clock())
      app.invalidate(['fact-tables', ...(table.topicId ? [`topic-fact-tables:${table.topicId}`] : [])])
      reply.code(201).header('location', `/v1/fact-tables/${table.slug}`)
      return currentTable(db, table, view(request))
    },
  )

  app.patch(
    '/v1/fact-tables/:slug',
    {
      onRequest: requireScope('facts:write'),
      schema: {
        tags,
        operationId: 'updateFactTable',
        summary: 'Change a fact table’s title, methodology or topic',
        description:
          'Needs `facts:write`. Figures are never edited: record a new one, or correct or deprecate.',
        security: [{ bearerAuth: [] }],
        params: SlugParams,
        body: FactTablePatch,
        response: { 200: ref(FactTable), ...problems(400, 401, 403, 404, 413, 415) },
      },
    },
    async (request) => {
      const before = await findFactTable(db, request.params.slug)
      const table = await updateFactTable(db, before, request.body, clock())
      // Lists and topics show a table's slug and title; articles' fact-table blocks its title.
      const topics = new Set([before.topicId, table.topicId].filter((t) => t !== null))
      app.invalidate([
        `fact-table:${table.id}`,
        'fact-tables',
        ...[...topics].map((topicId) => `topic-fact-tables:${topicId}`),
      ])
      return currentTable(db, table, view(request))
    },
  )

  app.post(
    '/v1/fact-tables/:slug/figures',
    {
      onRequest: requireScope('facts:write'),
      schema: {
        tags,
        operationId: 'recordFigure',
        summary: 'Record a figure (a claim)',
        description:
          'Needs `facts:write`. The new figure supersedes the latest one of its series (same metric, subject, category and claimant) up to its as-of time. With `corrects`, the wrong figure is deprecated in the same transaction. Inconsistent numbers, unknown references and as-of times more than 5 minutes in the future are a 400 naming the field, and store nothing.',
        security: [{ bearerAuth: [] }],
        params: SlugParams,
        body: FigureCreate,
        response: {
          201: { ...ref(Figure), headers: { location: { type: 'string' } }, description: 'Recorded.' },
          ...problems(400, 401, 403, 404, 409, 413, 415),
        },
      },
    },
    async (request, reply) => {
      const table = await findFactTable(db, request.params.slug)
      const id = await recordFigure(db, table, request.body, {
        now: clock(),
        recordedBy: recorder(request),
        drafts: isEditor(request, 'content:write'),
      })
      app.invalidate([`fact-table:${table.id}`])
      const [loaded] = await loadFigures(db, { id })
      reply.code(201).header('location', `/v1/figures/${id}`)
      return presentFigure(loaded as NonNullable<typeof loaded>, {
        tableSlug: table.slug,
        ...view(request),
        supersededBy: new Map(),
      })
    },
  )

  app.post(
    '/v1/figures/:id/deprecate',
    {
      onRequest: requireScope('facts:write'),
      schema: {
        tags,
        operationId: 'deprecateFigure',
        summary: 'Deprecate a figure, with a reason',
        description:
          'Needs `facts:write`. The figure leaves the current table but stays in the history, the figure list and the CSV. Deprecating twice is a 409.',
        security: [{ bearerAuth: [] }],
        params: FigureParams,
        body: Deprecation,
        response: { 200: ref(Figure), ...problems(400, 401, 403, 404, 409, 413, 415) },
      },
    },
    async (request) => {
      const row = await deprecateFigure(db, request.params.id, request.body, clock(), recorder(request))
      app.invalidate([`fact-table:${row.tableId}`])
      const table = await findFactTable(db, row.tableId)
      const all = await allFigures(db, table, view(request))
      return all.find((f) => f.id === row.id) as Figure
    },
  )
}
