import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import type { FactTable } from '../facts/schemas.js'
import { assertScope, isEditor, requireScope } from '../http/auth.js'
import type { FeatureOptions } from '../http/context.js'
import { cachePublic, movedTo } from '../http/context.js'
import { notFound } from '../http/errors.js'
import { project, requestedFields, serialiseProjected } from '../http/fields.js'
import { setNextLink } from '../http/pagination.js'
import { NoContent, Page, problems, ref } from '../http/schemas.js'
import { sendJson, withData } from '../http/serializer.js'
import { parseInstant } from '../http/validation.js'
import { NINJS_MEDIA_TYPE } from '../partners/syndication.js'
import { type FactTablesOf, getTopic, noFactTables, topicKeys, topicStatsOf } from '../topics/store.js'
import { RELATED_DEFAULT_LIMIT, RELATED_FORMULA, relatedJson, relatedTo } from './related.js'
import {
  ARTICLE_FIELDS,
  Article,
  ArticleCreate,
  ArticleListQuery,
  ArticleParams,
  ArticlePatch,
  ArticleQuery,
  ArticleSummary,
  type BlockInput,
  PublishRequest,
  RelatedQuery,
  RelatedResponse,
  SUMMARY_FIELDS,
} from './schemas.js'
import {
  type ArticleRow,
  changedKeys,
  etagOf,
  type FactTableLoader,
  footprintOf,
  listArticles,
  listArticlesJson,
  listTotalsOf,
  lookupArticle,
  lookupArticleHead,
  publicArticleJson,
  toArticle,
  type Viewer,
} from './store.js'
import { createArticle, deleteArticle, publishArticle, unpublishArticle, updateArticle } from './writes.js'

const tags = ['articles']
/** JSON made here already goes out as it is. */
const Moved = { description: 'The slug is an old one: `Location` has the current URL.', type: 'null' }
const IfMatch = Type.Object({
  'if-match': Type.Optional(
    Type.String({ description: 'The ETag from the last read; a stale one is a 412 and changes nothing.' }),
  ),
})
const WithETag = {
  headers: { etag: { type: 'string', description: 'Send back as `If-Match` when updating.' } },
}

/** What the articles feature borrows from others, for bodies and `include=`: fact tables and topic pages. */
export interface ArticleEmbeds {
  factTables?: FactTableLoader
  factTablesOf?: FactTablesOf
  /** Answers the article as ninjs, for `Accept: application/ninjs+json` (the partners feature). */
  ninjs?: (request: FastifyRequest, reply: FastifyReply, ref: string) => Promise<unknown>
}

export const articleRoutes: FastifyPluginAsyncTypebox<FeatureOptions & ArticleEmbeds> = async (
  app,
  { db, config, clock, events, factTables, factTablesOf = noFactTables, ninjs },
) => {
  // Every successful write tells other features (Most Popular's cache) that articles changed, before the
  // response leaves, so the writer's next read never sees a stale list.
  app.addHook('onSend', async (request, reply, payload) => {
    if (request.method !== 'GET' && request.method !== 'HEAD' && reply.statusCode < 300)
      events.emit('articles-changed')
    return payload
  })
  /** Loads each fact table once per request, though the body and `included` both show it. */
  const tablesOnce = (): FactTableLoader | undefined => {
    if (factTables === undefined) return undefined
    const loaded = new Map<string, Promise<Map<string, FactTable>>>()
    return (slugs, viewer) => {
      const key = slugs.join(',')
      let tables = loaded.get(key)
      if (tables === undefined) {
        tables = factTables(slugs, viewer)
        loaded.set(key, tables)
      }
      return tables
    }
  }
  const viewer = (request: FastifyRequest): Viewer => ({
    editor: isEditor(request),
    now: clock(),
    site: config.site,
    keys: request.cacheTags ?? undefined,
    factTables: tablesOnce(),
  })
  /** The `included` member of an article read: each embed as its own endpoint answers it. */
  const embed = async (row: ArticleRow, asked: string[], seen: Viewer) => {
    const included: NonNullable<Article['included']> = {}
    if (asked.includes('factTables')) {
      const slugs = [
        ...new Set(
          (row.bodyBlocks as BlockInput[]).flatMap((b) => (b.type === 'factTable' ? [b.factTable] : [])),
        ),
      ]
      const tables = slugs.length === 0 || !seen.factTables ? new Map() : await seen.factTables(slugs, seen)
      included.factTables = slugs.flatMap((slug) => tables.get(slug) ?? [])
    }
    if (asked.includes('related')) {
      const data = await relatedTo(db, row, seen, RELATED_DEFAULT_LIMIT)
      included.related = {
        data,
        page: { limit: RELATED_DEFAULT_LIMIT, nextCursor: null, total: data.length },
      }
    }
    if (asked.includes('primaryTopic')) {
      const topic =
        row.primaryTopicId === null
          ? undefined
          : await getTopic(db, row.primaryTopicId, {
              now: seen.now,
              factTablesOf,
              site: config.site,
              stats: topicStatsOf(app.invalidations),
            })
      if (topic) for (const key of topicKeys(topic.id)) seen.keys?.add(key)
      included.primaryTopic = topic ?? null
    }
    return included
  }
  const totals = listTotalsOf(app.invalidations)
  /** Runs a write to one article and publishes the cache keys it changed. */
  const changing = async <T>(id: string | undefined, write: () => Promise<T>): Promise<T> => {
    const before = id === undefined ? null : await footprintOf(db, id, clock())
    const result = await write()
    const written = id ?? (result as { id?: string } | undefined)?.id
    const after = written === undefined ? null : await footprintOf(db, written, clock())
    // Before the response: the writer's next read already knows of a publication it scheduled.
    await app.invalidate(changedKeys(written ?? '', before, after))
    return result
  }
  /** Resolves `{article}` for a write: editors reach drafts, and old slugs still find the article. */
  const articleForWrite = async (ref: string) => {
    const found = await lookupArticle(db, ref, { editor: true, now: clock() })
    if (found.kind === 'found') return found.row
    if (found.kind === 'moved') {
      const moved = await lookupArticle(db, found.slug, { editor: true, now: clock() })
      if (moved.kind === 'found') return moved.row
    }
    throw notFound(`No article has the id or slug "${ref}".`)
  }
  const editorView = () => ({ editor: true, now: clock(), site: config.site })

  app.get(
    '/v1/articles',
    {
      schema: {
        tags,
        operationId: 'listArticles',
        summary: 'List published articles, newest first',
        description:
          'Filters combine with AND. Pagination is keyset-based: follow `page.nextCursor` (or the `Link: rel="next"` header); articles published while you page never cause duplicates or gaps. `page.total` counts every match.',
        querystring: ArticleListQuery,
        response: {
          200: Page(ref(ArticleSummary), 'ArticleList'),
          ...problems(400, 401, 403),
        },
      },
    },
    async (request, reply) => {
      if ((request.query.status ?? 'published') !== 'published') assertScope(request, 'content:write')
      const shared = cachePublic(request, reply) !== undefined
      const fields = requestedFields(request.query.fields, SUMMARY_FIELDS)
      const seen = viewer(request)
      if (shared && fields === undefined && !seen.editor) {
        // Every summary joined from the JSON stored when its article was written, into the page the schema writes.
        const page = await listArticlesJson(db, request.query, seen, totals)
        const json = withData(String(reply.serialize({ data: [], page: page.page })), page.data)
        if (json !== undefined) {
          setNextLink(request, reply, page.page.nextCursor)
          return sendJson(reply, json)
        }
      }
      const page = await listArticles(db, request.query, seen, totals)
      setNextLink(request, reply, page.page.nextCursor)
      serialiseProjected(reply, fields)
      return fields ? { ...page, data: page.data.map((item) => project(item, fields)) } : page
    },
  )

  app.get(
    '/v1/articles/:article',
    {
      schema: {
        tags,
        operationId: 'getArticle',
        summary: 'One article with its body',
        description:
          'By id or current slug. An old slug answers 301 with the current URL in `Location`. `include=factTables,related` answers a whole article page in one request.',
        params: ArticleParams,
        querystring: ArticleQuery,
        response: {
          // JSON only here, so generated clients get one type; the ninjs variant is documented on its own path.
          200: {
            ...ref(Article),
            ...WithETag,
            description: `The article. With \`Accept: ${NINJS_MEDIA_TYPE}\`, the same as \`GET /v1/articles/{article}/ninjs\`.`,
          },
          301: Moved,
          ...problems(400, 401, 404, 429),
        },
      },
      // Each media type is its own variant in caches.
      config: { negotiates: [NINJS_MEDIA_TYPE] },
    },
    async (request, reply) => {
      if (ninjs && request.headers.accept?.includes(NINJS_MEDIA_TYPE))
        return ninjs(request, reply, request.params.article)
      const { query } = request
      if (query.fields === undefined && query.body === undefined && query.include === undefined) {
        // The whole article for a public reader: its body joined from the template stored when it was written.
        const json =
          cachePublic(request, reply) === undefined
            ? undefined
            : await publicArticleJson(db, request.params.article, viewer(request), (article) =>
                String(reply.serialize(article)),
              )
        if (json !== undefined) return sendJson(reply, json)
      }
      const found = await lookupArticle(db, request.params.article, viewer(request))
      if (found.kind === 'moved') return movedTo(request, reply, `/v1/articles/${found.slug}`)
      if (found.kind === 'missing')
        throw notFound(`No published article has the id or slug "${request.params.article}".`)
      // Public reads get a content ETag (cache.ts); editors get the write ETag, for If-Match.
      if (cachePublic(request, reply) === undefined) reply.header('etag', etagOf(found.row))
      const asked = request.query.include?.split(',')
      const fields = requestedFields(request.query.fields, ARTICLE_FIELDS)?.concat(asked ? ['included'] : [])
      const formats = request.query.body?.split(',')
      const seen = viewer(request)
      const full: Article = await toArticle(db, found.row, seen)
      if (asked) full.included = await embed(found.row, asked, seen)
      if (fields === undefined && formats === undefined) return full
      serialiseProjected(reply, fields ?? ARTICLE_FIELDS)
      const body = formats ? project(full.body, formats) : full.body
      return project({ ...full, body }, fields)
    },
  )

  app.get(
    '/v1/articles/:article/related',
    {
      schema: {
        tags,
        operationId: 'listRelatedArticles',
        summary: 'Related articles: curated first, then computed',
        description: `Editors' curated related articles come first, in their order; computed ones fill the rest. ${RELATED_FORMULA}`,
        params: ArticleParams,
        querystring: RelatedQuery,
        response: { 200: ref(RelatedResponse), 301: Moved, ...problems(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const found = await lookupArticleHead(db, request.params.article, viewer(request))
      if (found.kind === 'moved') return movedTo(request, reply, `/v1/articles/${found.slug}/related`)
      if (found.kind === 'missing')
        throw notFound(`No published article has the id or slug "${request.params.article}".`)
      const shared = cachePublic(request, reply) !== undefined
      const limit = request.query.limit ?? RELATED_DEFAULT_LIMIT
      const seen = viewer(request)
      const options = { includeEmpty: request.query.includeEmpty === true }
      if (shared && !seen.editor) {
        // Each item's article joined from its summary template, into the page the schema writes.
        const items = await relatedJson(db, found.row, seen, limit, options)
        const page = { limit, nextCursor: null, total: items.length }
        const json = withData(String(reply.serialize({ data: [], page })), items)
        if (json !== undefined) return sendJson(reply, json)
      }
      const data = await relatedTo(db, found.row, seen, limit, options)
      return { data, page: { limit, nextCursor: null, total: data.length } }
    },
  )

  const writeResponses = (success: number, description: string) => ({
    [success]: { ...ref(Article), ...WithETag, description },
    ...problems(400, 401, 403, 404, 409, 412, 413, 415),
  })

  app.post(
    '/v1/articles',
    {
      onRequest: requireScope('content:write'),
      schema: {
        tags,
        operationId: 'createArticle',
        summary: 'Create an article (as a draft)',
        description:
          'Needs `content:write`. The slug is derived from the headline when absent (made unique); an explicit slug already in use is a 409. `html`, `text`, `wordCount` and `readingTimeMinutes` are derived.',
        security: [{ bearerAuth: [] }],
        body: ArticleCreate,
        response: {
          201: {
            ...ref(Article),
            headers: { ...WithETag.headers, location: { type: 'string' } },
            description: 'Created.',
          },
          ...problems(400, 401, 403, 409, 413, 415),
        },
      },
    },
    async (request, reply) => {
      const row = await changing(undefined, () => createArticle(db, request.body, clock()))
      reply.code(201).header('location', `/v1/articles/${row.id}`).header('etag', etagOf(row))
      return toArticle(db, row, editorView())
    },
  )

  app.patch(
    '/v1/articles/:article',
    {
      onRequest: requireScope('content:write'),
      schema: {
        tags,
        operationId: 'updateArticle',
        summary: 'Change some fields of an article',
        description:
          'Needs `content:write`. Send `If-Match` with the ETag you read to avoid overwriting someone else’s change (412 when stale). Changing `slug` keeps the old one as a 301 redirect. Lists (`authors`, `topics`, `tags`, `relatedArticles`, `body.blocks`) are replaced whole.',
        security: [{ bearerAuth: [] }],
        params: ArticleParams,
        headers: IfMatch,
        body: ArticlePatch,
        response: writeResponses(200, 'The updated article.'),
      },
    },
    async (request, reply) => {
      const current = await articleForWrite(request.params.article)
      const row = await changing(current.id, () =>
        updateArticle(db, current.id, request.body, request.headers['if-match'], clock()),
      )
      reply.header('etag', etagOf(row))
      return toArticle(db, row, editorView())
    },
  )

  app.post(
    '/v1/articles/:article/publish',
    {
      onRequest: requireScope('content:write'),
      // The body is optional: no body means "publish now".
      preValidation: async (request) => {
        request.body ??= {}
      },
      schema: {
        tags,
        operationId: 'publishArticle',
        summary: 'Publish now, or schedule for later',
        description:
          'Needs `content:write`. Without `publishAt` the article goes live now (one already live keeps its publication time). A future `publishAt` schedules it: it becomes visible by itself at that time, no job involved.',
        security: [{ bearerAuth: [] }],
        params: ArticleParams,
        headers: IfMatch,
        body: PublishRequest,
        response: writeResponses(200, 'The article, published or scheduled.'),
      },
    },
    async (request, reply) => {
      const current = await articleForWrite(request.params.article)
      const publishAt =
        request.body?.publishAt === undefined
          ? undefined
          : parseInstant(request.body.publishAt, 'body/publishAt')
      const row = await changing(current.id, () =>
        publishArticle(db, current.id, publishAt, request.headers['if-match'], clock()),
      )
      reply.header('etag', etagOf(row))
      return toArticle(db, row, editorView())
    },
  )

  app.post(
    '/v1/articles/:article/unpublish',
    {
      onRequest: requireScope('content:write'),
      schema: {
        tags,
        operationId: 'unpublishArticle',
        summary: 'Take an article back to draft',
        description: 'Needs `content:write`. The article disappears from every public read at once.',
        security: [{ bearerAuth: [] }],
        params: ArticleParams,
        headers: IfMatch,
        response: writeResponses(200, 'The article, now a draft.'),
      },
    },
    async (request, reply) => {
      const current = await articleForWrite(request.params.article)
      const row = await changing(current.id, () =>
        unpublishArticle(db, current.id, request.headers['if-match'], clock()),
      )
      reply.header('etag', etagOf(row))
      return toArticle(db, row, editorView())
    },
  )

  app.delete(
    '/v1/articles/:article',
    {
      onRequest: requireScope('content:write'),
      schema: {
        tags,
        operationId: 'deleteArticle',
        summary: 'Delete an article',
        description:
          'Needs `content:write`. Removes it from topics, collections and related lists; "Read more" blocks pointing at it stop rendering.',
        security: [{ bearerAuth: [] }],
        params: ArticleParams,
        headers: IfMatch,
        response: { 204: NoContent, ...problems(400, 401, 403, 404, 412) },
      },
    },
    async (request, reply) => {
      const current = await articleForWrite(request.params.article)
      await changing(current.id, () => deleteArticle(db, current.id, request.headers['if-match']))
      return reply.code(204).send(null)
    },
  )
}
