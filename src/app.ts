/**
 * buildApp: the one way to assemble Newsdesk, used by the server, every test and the OpenAPI export.
 * It reads like a table of contents: cross-cutting plugins first, then each feature.
 */
import { EventEmitter } from 'node:events'
import cors from '@fastify/cors'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, { type FastifyBaseLogger, type FastifyServerOptions, LogController } from 'fastify'
import { articleRoutes } from './articles/routes.js'
import { Article, ArticleSummary, RelatedResponse } from './articles/schemas.js'
import type { FactTableLoader } from './articles/store.js'
import { authorRoutes } from './authors/routes.js'
import { Author } from './authors/schemas.js'
import { collectionRoutes } from './collections/routes.js'
import { Collection } from './collections/schemas.js'
import type { Config } from './config.js'
import { type Channel, type Database, openDatabase } from './db/client.js'
import { uuidv7 } from './db/ids.js'
import { referenceRoutes } from './facts/reference-routes.js'
import { factRoutes } from './facts/routes.js'
import { FactTable, Figure, Metric, Party, Source } from './facts/schemas.js'
import { factTablesByTopic } from './facts/tables.js'
import { currentTablesBySlug } from './facts/views.js'
import { redisChannel, SharedBus } from './http/bus.js'
import { partnerPlugin } from './partners/plugin.js'
import { syndicationReads, syndicationRoutes } from './partners/routes.js'
import { popularityRoutes } from './popularity/routes.js'
import { Popularity } from './popularity/service.js'
import { SharedViewRules } from './popularity/shared.js'
import { ensureSearchIndex, fillSearchIndexes } from './search/index.js'
import { searchRoutes } from './search/routes.js'
import { connectRedis } from './shared/redis.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Writes buffered view counts now (tests, shutdown; a timer does it every flush interval); true when none are left. */
    flushViews(): Promise<boolean>
  }
}

import { listTotalsOf, nextScheduled, releasedKeys } from './articles/store.js'
import { authPlugin } from './http/auth.js'
import {
  cachePlugin,
  httpPurger,
  type InvalidationBus,
  LocalBus,
  logPurger,
  noPurger,
  type Purger,
} from './http/cache.js'
import { errorHandler, HttpProblem } from './http/errors.js'
import { healthRoutes } from './http/health.js'
import { metricsPlugin } from './http/metrics.js'
import { clientErrorHandler, problemNotFoundHandler, rejectUnknownQueries } from './http/routing.js'
import { Problem } from './http/schemas.js'
import { buildSerializer } from './http/serializer.js'
import { validatorCompiler, wellFormedJson } from './http/validation.js'
import {
  type Examples,
  forCodeGenerators,
  info,
  loadExamples,
  tags,
  withExamples,
} from './openapi/document.js'
import { topicRoutes } from './topics/routes.js'
import { Topic } from './topics/schemas.js'

export interface AppDeps {
  /** Carries cache invalidations; in-process unless another transport is given. */
  bus?: InvalidationBus
  /** Tells the CDN what to purge; chosen by `PURGER` unless given. */
  purger?: Purger
  /** An open database; when absent one is opened from `config.database` and closed with the app. */
  database?: Database
  clock?: () => number
  logger?: FastifyServerOptions['logger']
  examples?: Examples
}

/** A caller's request id is kept only when it is short and plain: it goes into logs and response headers. */
const CALLER_REQUEST_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/

/**
 * Request ids unique across instances and restarts, and cheap: a random per-process prefix and a counter.
 * A caller's `X-Request-Id` is used instead when it is well-formed.
 */
function requestIds() {
  const prefix = uuidv7().slice(-12)
  let n = 0
  return (request: { headers: Record<string, string | string[] | undefined> }) => {
    const given = request.headers['x-request-id']
    if (typeof given === 'string' && CALLER_REQUEST_ID.test(given)) return given
    return `${prefix}-${(++n).toString(36)}`
  }
}

/** Fastify's `trustProxy`: a hop count becomes "trust the nearest N proxies"; never every hop. */
function trustedProxies(setting: Config['trustProxy']) {
  if (typeof setting !== 'number') return setting
  return (_address: string, hop: number) => hop < setting
}

function purgerFor(config: Config, log: FastifyBaseLogger): Purger {
  if (config.purger.kind === 'log') return logPurger(log)
  if (config.purger.kind === 'http') return httpPurger(config.purger.url, log)
  return noPurger
}

export async function buildApp(config: Config, deps: AppDeps = {}) {
  const database = deps.database ?? (await openDatabase(config.database))
  const clock = deps.clock ?? Date.now
  const shared = config.redisUrl ? connectRedis(config.redisUrl, config.redisPrefix) : undefined
  const genReqId = requestIds()
  const app = Fastify({
    logger: deps.logger ?? { level: config.logLevel },
    // Two access lines per request cost more than a cached read itself; the CDN or load balancer keeps access logs.
    logController: new LogController({ disableRequestLogging: !config.logRequests }),
    bodyLimit: config.bodyLimit,
    requestIdHeader: false, // read (and checked) by genReqId
    genReqId,
    routerOptions: { maxParamLength: 200 },
    schemaController: { compilersFactory: { buildSerializer } },
    return503OnClosing: false, // answered below, as a problem
    trustProxy: trustedProxies(config.trustProxy),
    // Errors of the HTTP parser itself (431, malformed request lines) are problems too, as far as Node lets us.
    clientErrorHandler,
    // Errors Fastify raises before routing (bad URL encoding, over-long parameters) become problems too.
    frameworkErrors: (error, request, reply) => errorHandler(error, request, reply),
  }).withTypeProvider<TypeBoxTypeProvider>()

  // While shutting down, requests that still arrive on open connections are told to go elsewhere.
  let closing = false
  app.addHook('preClose', async () => {
    closing = true
  })
  // Callback-style hooks on the hot path: no promise per request. The request id goes out on every answer.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id)
    reply.header('x-content-type-options', 'nosniff')
    // Real-user monitoring on the website may read the API's timings (Resource Timing); they reveal nothing.
    if (request.method === 'GET' || request.method === 'HEAD') reply.header('timing-allow-origin', '*')
    if (!closing) return done()
    reply.header('connection', 'close')
    done(
      new HttpProblem(503, 'shutting-down', 'This instance is shutting down; retry the request.', undefined, {
        'retry-after': '1',
      }),
    )
  })
  // Requests that were in flight when shutdown began are answered with `Connection: close`, so their
  // keep-alive sockets end with them instead of holding the server open.
  app.addHook('onSend', (_request, reply, _payload, done) => {
    if (closing) reply.header('connection', 'close')
    done()
  })
  rejectUnknownQueries(app)
  const transport: (Channel & { close?(): Promise<void> }) | undefined = shared
    ? redisChannel(shared.redis, `${shared.prefix}:invalidations`)
    : database.channel
  const popularity = new Popularity({
    db: database.db,
    clock,
    flushIntervalMs: config.viewsFlushIntervalMs,
    rateLimitPerMinute: config.viewsRateLimitPerMinute,
    limits: { perAddressHourly: config.viewsPerAddressHourly, memoryEntries: config.viewsMemoryEntries },
    ...(shared
      ? {
          shared: new SharedViewRules(shared, {
            perAddressHourly: config.viewsPerAddressHourly,
            perMinute: config.viewsRateLimitPerMinute,
          }),
        }
      : {}),
    site: config.site,
    log: app.log,
    // Responses made of dropped lists go with them (the response cache is decorated further down).
    forgotten: () => app.responseCache?.invalidate(['popular']),
  })
  popularity.start()
  // A flush already running (the timer's) may have taken its counts before the latest beacons: wait for it, then
  // write what is left.
  app.decorate('flushViews', async () => (await popularity.flush()) || popularity.flush())
  // Buffered view counts are written before the database closes.
  app.addHook('onClose', async () => {
    await popularity.close()
    await transport?.close?.()
    await shared?.close()
    if (!deps.database) await database.close()
  })
  app.setValidatorCompiler(validatorCompiler())
  app.setErrorHandler(errorHandler)
  problemNotFoundHandler(app)
  // JSON only: a text/plain body on a JSON route is a 415, not a string that fails validation.
  app.removeContentTypeParser(['text/plain', 'application/json'])
  app.addContentTypeParser(
    ['application/json', 'application/merge-patch+json'],
    { parseAs: 'string' },
    wellFormedJson(app.getDefaultJsonParser('error', 'error')),
  )

  // Browsers on any origin may read and (with a bearer token, never a cookie) write: `*` is safe here.
  await app.register(cors, {
    origin: '*',
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['Authorization', 'Content-Type', 'If-Match', 'X-Request-Id'],
    exposedHeaders: ['ETag', 'Link', 'Location', 'Retry-After', 'X-Request-Id'],
    maxAge: 86_400,
  })

  const examples = deps.examples ?? loadExamples()
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info,
      tags,
      components: {
        securitySchemes: {
          bearerAuth: {
            type: 'http',
            scheme: 'bearer',
            description: 'An API token from `npm run cli -- tokens create`.',
          },
        },
      },
    },
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => String(json.$id ?? `def-${i}`) },
    transformObject: (documentObject) =>
      forCodeGenerators(
        withExamples((documentObject as { openapiObject: never }).openapiObject, examples),
      ) as never,
  })
  // The docs page loads only its own scripts, styles and images (no third-party validator badge).
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    uiConfig: { validatorUrl: null },
    staticCSP:
      "default-src 'self'; base-uri 'self'; connect-src 'self'; font-src 'self' data:; form-action 'none'; frame-ancestors 'none'; img-src 'self' data:; object-src 'none'; script-src 'self'; script-src-attr 'none'; style-src 'self'",
  })
  for (const schema of [
    Problem,
    ArticleSummary,
    Article,
    RelatedResponse,
    Topic,
    Author,
    Collection,
    Party,
    Source,
    Metric,
    Figure,
    FactTable,
  ]) {
    app.addSchema(schema)
  }
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())

  const feature = { db: database.db, config, clock, events: new EventEmitter() }
  // Other instances hear this one's invalidations through Redis or PostgreSQL; SQLite has only this process.
  let bus = deps.bus
  if (bus === undefined && transport !== undefined) {
    const sharedBus = new SharedBus(transport, app.log)
    await sharedBus.start()
    bus = sharedBus
  }
  bus ??= new LocalBus()
  bus.subscribe((keys) => {
    // Lists show summaries: an article, its byline and its topics (and a topic's members) are in them.
    if (keys.some((key) => key === '*' || /^(article|author:|topic)/.test(key))) popularity.invalidate()
  })
  await app.register(authPlugin, { db: database.db })
  await app.register(cachePlugin, {
    policy: {
      maxAgeSeconds: config.cacheMaxAge,
      sharedMaxAgeSeconds: config.cacheSharedMaxAge,
      staleWhileRevalidateSeconds: config.cacheStaleWhileRevalidate,
      staleIfErrorSeconds: config.cacheStaleIfError,
      responseCacheBytes: config.responseCacheBytes,
    },
    // Hits are answered before routing, unless every request is to be logged (Fastify logs them).
    ...(config.logRequests ? {} : { requestIdOf: genReqId }),
    bus,
    purger: deps.purger ?? purgerFor(config, app.log),
    schedule: {
      next: (now) => nextScheduled(database.db, now),
      released: (from, to) => releasedKeys(database.db, from, to),
    },
    clock,
  })
  await app.register(partnerPlugin, { db: database.db, config, clock, ...(shared ? { shared } : {}) })
  await app.register(healthRoutes, { database, ...(shared ? { shared } : {}) })
  await app.register(metricsPlugin, { popularity, clock })
  const factTables: FactTableLoader = (slugs, viewer) =>
    currentTablesBySlug(database.db, slugs, {
      now: viewer.now,
      editor: false,
      drafts: viewer.editor,
      keys: viewer.keys,
      site: viewer.site,
    })
  const totals = listTotalsOf(bus)
  const syndication = syndicationReads({ ...feature, factTables, totals })
  await app.register(articleRoutes, {
    ...feature,
    factTablesOf: factTablesByTopic,
    factTables,
    ninjs: syndication.ninjsFor,
  })
  await app.register(syndicationRoutes, { ...feature, factTables, totals })
  await app.register(searchRoutes, feature)
  await ensureSearchIndex(database.db)
  const filling = fillSearchIndexes(database.db, (error) =>
    app.log.error({ err: error }, 'filling the word pairs and counts failed'),
  )
  app.addHook('onClose', () => filling.stop())
  await app.register(topicRoutes, { ...feature, factTablesOf: factTablesByTopic })
  await app.register(authorRoutes, feature)
  await app.register(collectionRoutes, feature)
  await app.register(factRoutes, feature)
  await app.register(referenceRoutes, feature)
  await app.register(popularityRoutes, { ...feature, popularity })
  return app
}

export type App = Awaited<ReturnType<typeof buildApp>>
