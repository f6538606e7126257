/**
 * Partner reads: feeds (RSS 2.0, Atom 1.0, JSON Feed 1.1) of the newest articles, overall or per topic, author, tag
 * or type; each article as ninjs 3.1 (by path, or `Accept: application/ninjs+json` on the article itself); and a
 * ninjs list to page through. Anonymous readers get what every partner may have; a partner key adds what is
 * syndicated to that partner by name. Rights and embargoes are in syndication.ts.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { type Static, Type } from 'typebox'
import type { BlockInput } from '../articles/schemas.js'
import {
  type ArticleRow,
  blockResolver,
  type FactTableLoader,
  type ListTotals,
  listArticles,
  lookupArticle,
  toArticle,
} from '../articles/store.js'
import { findAuthor } from '../authors/store.js'
import { type Db, inList, listParam, preparedOnce, readTarget, statement } from '../db/client.js'
import { ARTICLE_TYPES } from '../db/enums.js'
import { articles } from '../db/schema.js'
import { cachePublic, type FeatureOptions } from '../http/context.js'
import { notFound } from '../http/errors.js'
import { setNextLink } from '../http/pagination.js'
import { PageInfo, PaginationQuery, problems, Ref, StringEnum } from '../http/schemas.js'
import { siteUrlOf } from '../http/site.js'
import { findTopicRow } from '../topics/store.js'
import {
  canceledNinjs,
  FEED_FORMATS,
  FEED_MEDIA_TYPES,
  type FeedFormat,
  type FeedItem,
  mayRepublish,
  NINJS_MEDIA_TYPE,
  renderFeed,
  toNinjs,
  visibleToPartners,
} from './syndication.js'

const tags = ['partners']

/** A ninjs 3.1 document (the official schema: http://www.iptc.org/std/ninjs/ninjs-schema_3.1.json). */
export const NinjsDocument = Type.Object(
  {
    uri: Type.String({ description: '`urn:uuid:` and the article id: stable across slug changes.' }),
    version: Type.String({ description: 'Goes up with every edit.' }),
    versionCreated: Type.String({ format: 'date-time' }),
    pubStatus: StringEnum(['usable', 'withheld', 'canceled'] as const, {
      description:
        '`usable`; `withheld` when the article may not be syndicated to you (headline and summary only); `canceled` when it was taken back.',
    }),
  },
  { additionalProperties: true, title: 'NinjsDocument' },
)

const Filters = {
  topic: Type.Optional({ ...Ref, description: 'Only articles in this topic (slug or id).' }),
  author: Type.Optional({ ...Ref, description: 'Only articles by this author (slug or id).' }),
  tag: Type.Optional(
    Type.String({
      pattern: '^[a-z0-9]+(?:-[a-z0-9]+)*$',
      maxLength: 60,
      description: 'Only articles with this tag.',
    }),
  ),
  type: Type.Optional(StringEnum(ARTICLE_TYPES, { description: 'Only this kind of piece.' })),
}
type FilterQuery = { topic?: string; author?: string; tag?: string; type?: (typeof ARTICLE_TYPES)[number] }

export interface SyndicationOptions extends FeatureOptions {
  factTables?: FactTableLoader
  /** The counts of public lists the articles routes keep (`page.total`): never a count of the archive per read. */
  totals?: ListTotals
}

/** Whole rows of the articles on a page, prepared once per connection (the ids are one parameter). */
const fullRows = preparedOnce((db: Db) =>
  statement(
    db,
    db
      .select()
      .from(articles)
      .where(inList(db, articles.id, 'ids')),
    'syndication_rows',
  ),
)

/** The partner a request reads as: a partner key's name, or null. */
const partnerOf = (request: FastifyRequest) => request.token?.partner ?? null

export function syndicationReads({ db, config, clock, factTables, totals }: SyndicationOptions) {
  const site = config.site
  const viewer = (request: FastifyRequest) => ({
    editor: false,
    now: clock(),
    site,
    keys: request.cacheTags ?? undefined,
    factTables,
  })

  /** Full rows of a page of summaries, in order, without those partners may not see yet. */
  const rowsOf = async (ids: string[], now: number) => {
    if (ids.length === 0) return []
    const rows = await fullRows(readTarget(db)).all({ ids: listParam(db, ids) })
    const byId = new Map(rows.map((r) => [r.id, r]))
    return ids.flatMap((id) => {
      const row = byId.get(id)
      return row && visibleToPartners(row, now) ? [row] : []
    })
  }

  const items = async (request: FastifyRequest, query: FilterQuery & { limit?: number; cursor?: string }) => {
    const seen = viewer(request)
    const page = await listArticles(db, { ...query, limit: query.limit ?? 20 }, seen, totals)
    const rows = await rowsOf(
      page.data.map((a) => a.id),
      seen.now,
    )
    const partner = partnerOf(request)
    // What every item's related and fact-table blocks point at, looked up once for the page.
    const resolver = await blockResolver(
      db,
      rows.flatMap((row) => row.bodyBlocks as BlockInput[]),
      seen,
    )
    const list: (FeedItem & { row: ArticleRow })[] = []
    for (const row of rows)
      list.push({ row, article: await toArticle(db, row, seen, resolver), full: mayRepublish(row, partner) })
    return { list, page: page.page }
  }

  /** The ninjs answer for one article: 404 unless partners may see it now; `canceled` once taken back. */
  const ninjsFor = async (request: FastifyRequest, reply: FastifyReply, ref: string) => {
    const now = clock()
    const found = await lookupArticle(db, ref, { editor: true, now })
    if (found.kind === 'moved') {
      const moved = await lookupArticle(db, found.slug, { editor: true, now })
      if (moved.kind === 'found') return ninjsOfRow(request, reply, moved.row)
    }
    if (found.kind !== 'found') throw notFound(`No article has the id or slug "${ref}".`)
    return ninjsOfRow(request, reply, found.row)
  }

  const ninjsOfRow = async (request: FastifyRequest, reply: FastifyReply, row: ArticleRow) => {
    const now = clock()
    const keys = cachePublic(request, reply)
    keys?.add(`article:${row.id}`)
    // Taken back after it was out: partners are told to remove their copy. Never published: it does not exist.
    if (row.status === 'draft' && row.withdrawnAt !== null) {
      keys?.add('articles')
      return reply.type(`${NINJS_MEDIA_TYPE}; charset=utf-8`).send(JSON.stringify(canceledNinjs(row)))
    }
    if (!visibleToPartners(row, now)) throw notFound(`No article has the id or slug "${row.slug}".`)
    const article = await toArticle(db, row, viewer(request))
    const doc = toNinjs(article, row, mayRepublish(row, partnerOf(request)), site)
    return reply.type(`${NINJS_MEDIA_TYPE}; charset=utf-8`).send(JSON.stringify(doc))
  }

  return { ninjsFor, items, partnerOf }
}

export const syndicationRoutes: FastifyPluginAsyncTypebox<SyndicationOptions> = async (app, options) => {
  const { db, config } = options
  const reads = syndicationReads(options)
  const site = config.site

  app.get(
    '/v1/feeds/:format',
    {
      schema: {
        tags,
        operationId: 'getFeed',
        summary: 'RSS 2.0, Atom 1.0 or JSON Feed 1.1 of the newest articles',
        description:
          'The newest published articles, overall or filtered by topic, author, tag or type (the topic and author resources link to theirs). Items carry the full sanitised HTML where the article may be syndicated (to every partner, or to yours when you send your partner key), the excerpt otherwise; the hero image, the podcast audio as an enclosure, a content warning as a category and at the top of the content; stable GUIDs (`urn:uuid:<id>`); published and updated dates. Embargoed articles appear when their embargo ends.',
        params: Type.Object(
          {
            format: StringEnum(FEED_FORMATS, {
              description: '`rss` (RSS 2.0), `atom` (Atom 1.0) or `json` (JSON Feed 1.1).',
            }),
          },
          { additionalProperties: false },
        ),
        querystring: Type.Object(
          {
            ...Filters,
            limit: Type.Optional(
              Type.Integer({ minimum: 1, maximum: 50, default: 20, description: 'Items, 1-50.' }),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          200: {
            description:
              'The feed, as `application/rss+xml`, `application/atom+xml` or `application/feed+json`.',
            content: {
              'application/rss+xml': { schema: Type.String() },
              'application/atom+xml': { schema: Type.String() },
              'application/feed+json': { schema: Type.Object({}, { additionalProperties: true }) },
            },
          },
          ...problems(400, 401, 404, 429),
        },
      },
    },
    async (request, reply) => {
      const format = request.params.format as FeedFormat
      const { topic, author, tag, type, limit } = request.query
      const keys = cachePublic(request, reply, 'articles')
      let title = 'Newsdesk'
      let homeUrl = site.url
      let description = 'The newest articles.'
      if (topic !== undefined) {
        const row = await findTopicRow(db, topic)
        if (!row) throw notFound(`No topic has the id or slug "${topic}".`)
        keys?.add(`topic:${row.id}`)
        title = `Newsdesk: ${row.title}`
        homeUrl = siteUrlOf(site, 'topic', row)
        description = row.description ?? `The newest articles in ${row.title}.`
      }
      if (author !== undefined) {
        const found = await findAuthor(db, author, site)
        if (!found) throw notFound(`No author has the id or slug "${author}".`)
        keys?.add(`author:${found.id}`)
        title = `${title}: ${found.name}`
        homeUrl = found.links.canonical
        description = `The newest articles by ${found.name}.`
      }
      if (tag !== undefined) title = `${title}: #${tag}`
      if (type !== undefined) title = `${title} (${type})`
      const { list } = await reads.items(request, { topic, author, tag, type, limit: limit ?? 20 })
      const self = new URL(request.url, site.url)
      const updated = Math.max(0, ...list.map((i) => i.row.updatedAt))
      const body = renderFeed(
        format,
        {
          title,
          description,
          homeUrl,
          selfUrl: `${config.publicApiUrl}${self.pathname}${self.search}`,
          id: `urn:newsdesk:feed:${self.pathname}${self.search}`,
          language: 'en',
          updated: updated || options.clock(),
        },
        list,
      )
      return reply.type(FEED_MEDIA_TYPES[format]).send(body)
    },
  )

  app.get(
    '/v1/articles/:article/ninjs',
    {
      schema: {
        tags,
        operationId: 'getArticleNinjs',
        summary: 'One article as IPTC ninjs 3.1',
        description: `The same as \`GET /v1/articles/{article}\` with \`Accept: ${NINJS_MEDIA_TYPE}\`, for clients that cannot set headers. 404 before the embargo ends; \`pubStatus: withheld\` without bodies when it may not be syndicated to you; \`canceled\` once taken back.`,
        params: Type.Object({ article: Ref }, { additionalProperties: false }),
        response: {
          200: {
            description: 'A ninjs 3.1 document.',
            content: { [NINJS_MEDIA_TYPE]: { schema: NinjsDocument } },
          },
          ...problems(400, 401, 404, 429),
        },
      },
    },
    async (request, reply) => reads.ninjsFor(request, reply, request.params.article),
  )

  app.get(
    '/v1/ninjs',
    {
      schema: {
        tags,
        operationId: 'listNinjs',
        summary: 'The newest articles as ninjs 3.1, to page through',
        description:
          'Newest first, with the filters and keyset pagination of `GET /v1/articles`. Articles under embargo are left out until it ends (a page may then hold fewer than `limit`); follow `page.nextCursor`.',
        querystring: Type.Object({ ...Filters, ...PaginationQuery }, { additionalProperties: false }),
        response: {
          200: Type.Object(
            { data: Type.Array(NinjsDocument), page: PageInfo },
            { additionalProperties: false, title: 'NinjsList' },
          ),
          ...problems(400, 401, 429),
        },
      },
    },
    async (request, reply) => {
      cachePublic(request, reply)
      const { list, page } = await reads.items(request, request.query)
      setNextLink(request, reply, page.nextCursor)
      const data = list.map((i) => toNinjs(i.article, i.row, i.full, config.site)) as Static<
        typeof NinjsDocument
      >[]
      return { data, page }
    },
  )
}
