import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { ArticleParams, ArticleSummary } from '../articles/schemas.js'
import { lookupArticleHead } from '../articles/store.js'
import { requireScope } from '../http/auth.js'
import { publicRead } from '../http/cache.js'
import type { FeatureOptions } from '../http/context.js'
import { notFound, tooManyRequests } from '../http/errors.js'
import { PageInfo, problems, Ref, ref, StringEnum, Timestamp } from '../http/schemas.js'
import { sendJson } from '../http/serializer.js'
import type { Answer, Popularity } from './service.js'
import { articleStats } from './store.js'
import { TRENDING_FORMULA, WINDOWS, type Window } from './totals.js'

const tags = ['popularity']
const Limit = Type.Integer({ minimum: 1, maximum: 50, default: 10, description: 'How many, 1-50.' })
const TopicFilter = { ...Ref, description: 'Only articles in this topic (slug or id).' }

const PopularList = Type.Object(
  {
    window: StringEnum(Object.keys(WINDOWS) as Window[]),
    generatedAt: {
      ...Timestamp,
      description: 'When the list was computed; it is refreshed at least every flush interval.',
    },
    data: Type.Array(
      Type.Object(
        {
          rank: Type.Integer(),
          views: Type.Integer({ description: 'Views by people in the window; bots excluded.' }),
          article: ref(ArticleSummary),
        },
        { additionalProperties: false, title: 'PopularArticle' },
      ),
    ),
    page: PageInfo,
  },
  { additionalProperties: false, title: 'PopularList' },
)
const TrendingList = Type.Object(
  {
    generatedAt: Timestamp,
    data: Type.Array(
      Type.Object(
        {
          rank: Type.Integer(),
          score: Type.Number({ description: 'Decayed views; see the formula.' }),
          article: ref(ArticleSummary),
        },
        { additionalProperties: false, title: 'TrendingArticle' },
      ),
    ),
    page: PageInfo,
  },
  { additionalProperties: false, title: 'TrendingList' },
)
const Counts = {
  views: Type.Integer({ description: 'Views by people, a repeat within 30 minutes counted once.' }),
  uniques: Type.Integer({ description: 'Distinct visitors per hour, summed.' }),
  botViews: Type.Integer({ description: 'Requests from bots and crawlers.' }),
}
const Stats = Type.Object(
  {
    article: Type.Object(
      { id: Type.String(), slug: Type.String(), headline: Type.String() },
      { additionalProperties: false },
    ),
    totals: Type.Object(Counts, { additionalProperties: false }),
    daily: Type.Array(
      Type.Object(
        { date: Type.String({ format: 'date', description: 'UTC day.' }), ...Counts },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false, title: 'ArticleStats' },
)

export const popularityRoutes: FastifyPluginAsyncTypebox<
  FeatureOptions & { popularity: Popularity }
> = async (app, { db, config, clock, events, popularity }) => {
  events.on('articles-changed', () => popularity.invalidate())
  // Lists are recomputed at least every flush interval: browsers and CDNs may keep them that long.
  const lifetime = `public, max-age=${Math.ceil(config.viewsFlushIntervalMs / 1000)}`
  /**
   * A list as its own cache made it, named by what it shows (`popular`, and each article, author and topic in it, so
   * that a change to one purges it). The response cache keeps it until the list is made again, and drops it sooner
   * when the service drops its lists (new counts, an article changed).
   */
  const sendList = (request: FastifyRequest, reply: FastifyReply, answer: Answer) => {
    const tags = publicRead(request, reply, { cacheControl: lifetime, expiresAt: answer.expiresAt })
    tags?.add('popular')
    for (const key of answer.keys) tags?.add(key)
    return sendJson(reply, answer.body)
  }

  // navigator.sendBeacon sends strings as text/plain; its content is ignored.
  app.addContentTypeParser('text/plain', { parseAs: 'string', bodyLimit: 4096 }, (_request, body, done) =>
    done(null, body),
  )

  /** The beacon with the rules shared through Redis: the same answers, each rule held across instances. */
  const sharedBeacon = async (
    ref: string,
    ip: string,
    userAgent: string | undefined,
    reply: FastifyReply,
  ) => {
    const wait = await popularity.sharedRateLimit(ip)
    if (wait > 0) throw tooManyRequests(wait)
    const articleId = popularity.knownArticleId(ref) ?? (await popularity.visibleArticleId(ref))
    if (articleId === undefined) throw notFound(`No published article has the id or slug "${ref}".`)
    await popularity.recordShared(articleId, ip, userAgent)
    return reply
      .code(202)
      .header('cache-control', 'no-store')
      .send(undefined as never)
  }

  app.post(
    '/v1/articles/:article/views',
    {
      logLevel: 'warn', // as cheap as the cheapest route: no per-request log lines (errors are still logged)
      // Beacon answers are never read (sendBeacon, or fetch with mode: 'no-cors'): no CORS headers to compute.
      config: { cors: false },
      schema: {
        tags,
        operationId: 'recordView',
        summary: 'Count one view (a beacon)',
        description:
          'Send from the page with `navigator.sendBeacon(url)` or `fetch(url, { method: "POST", keepalive: true, mode: "no-cors" })`: the answer carries no CORS headers, as it is never read. The body may be empty, any `text/plain`, or `{}` as JSON. Answers 202 at once: the view is counted in memory and written within the flush interval. Bots are counted apart; a repeat by the same visitor within 30 minutes counts once; visitors are a daily-salted hash of IP and user agent, neither of which is stored. One client may send a limited number per minute (429 with `Retry-After`).',
        params: ArticleParams,
        body: {
          content: {
            'application/json': { schema: Type.Object({}, { additionalProperties: false }) },
            'text/plain': { schema: Type.String({ maxLength: 4096 }) },
          },
        },
        response: {
          202: { description: 'Counted (or recognised as a repeat or a bot); no body.', type: 'null' },
          ...problems(400, 404, 413, 415, 429),
        },
      },
    },
    (request, reply) => {
      const ip = request.ip // parsed from X-Forwarded-For behind a proxy: read it once
      if (popularity.shared)
        return sharedBeacon(request.params.article, ip, request.headers['user-agent'], reply)
      const wait = popularity.rateLimit(ip)
      if (wait > 0) throw tooManyRequests(wait)
      const count = (articleId: string | undefined) => {
        if (articleId === undefined) {
          throw notFound(`No published article has the id or slug "${request.params.article}".`)
        }
        popularity.record(articleId, ip, request.headers['user-agent'])
        reply
          .code(202)
          .header('cache-control', 'no-store')
          .send(undefined as never)
      }
      // Known articles are answered without a promise; the first beacon for an article looks it up.
      const known = popularity.knownArticleId(request.params.article)
      if (known === undefined) return popularity.visibleArticleId(request.params.article).then(count)
      count(known)
    },
  )

  app.get(
    '/v1/popular',
    {
      logLevel: 'warn', // served on every page view: per-request log lines would cost more than the answer
      schema: {
        tags,
        operationId: 'listPopular',
        summary: 'Most Popular: the most viewed published articles',
        description:
          'Views by people (bots excluded) over the last 1, 7 or 30 days, counted in whole hours: a view in hour H counts in `1d` until H + 24 h. Ties go to the newer article, then the id. Computed from the hourly counts at most once per flush interval and served from memory.',
        querystring: Type.Object(
          {
            window: Type.Optional({
              ...StringEnum(Object.keys(WINDOWS) as Window[]),
              default: '1d',
              description: 'The period.',
            }),
            topic: Type.Optional(TopicFilter),
            limit: Type.Optional(Limit),
            exclude: Type.Optional(
              Type.String({
                pattern: '^[A-Za-z0-9-]{1,120}(,[A-Za-z0-9-]{1,120}){0,19}$',
                description:
                  'Articles to leave out, by id or slug, comma-separated (up to 20): the article being read, say. The rest move up.',
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 200: PopularList, ...problems(400) },
      },
    },
    async (request, reply) => {
      const answer = await popularity.popular(
        request.query.window ?? '1d',
        request.query.limit ?? 10,
        request.query.topic,
        request.query.exclude?.split(','),
      )
      return sendList(request, reply, answer)
    },
  )

  app.get(
    '/v1/trending',
    {
      logLevel: 'warn',
      schema: {
        tags,
        operationId: 'listTrending',
        summary: 'Trending: articles gaining attention now',
        description: `Views with exponential time decay. ${TRENDING_FORMULA}`,
        querystring: Type.Object(
          { topic: Type.Optional(TopicFilter), limit: Type.Optional(Limit) },
          { additionalProperties: false },
        ),
        response: { 200: TrendingList, ...problems(400) },
      },
    },
    async (request, reply) => {
      return sendList(
        request,
        reply,
        await popularity.trending(request.query.limit ?? 10, request.query.topic),
      )
    },
  )

  app.get(
    '/v1/articles/:article/stats',
    {
      onRequest: requireScope('content:write'),
      schema: {
        tags,
        operationId: 'getArticleStats',
        summary: 'View statistics of one article (editors)',
        description: 'Needs `content:write`. Totals and UTC days, as of the last flush.',
        security: [{ bearerAuth: [] }],
        params: ArticleParams,
        response: { 200: Stats, ...problems(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      let found = await lookupArticleHead(db, request.params.article, { editor: true, now: clock() })
      if (found.kind === 'moved')
        found = await lookupArticleHead(db, found.slug, { editor: true, now: clock() })
      if (found.kind !== 'found') throw notFound(`No article has the id or slug "${request.params.article}".`)
      reply.header('cache-control', 'private, no-store')
      const { id, slug, headline } = found.row
      return { article: { id, slug, headline }, ...(await articleStats(db, id)) }
    },
  )
}
