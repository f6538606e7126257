const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]

interface RequestSeries {
  labels: { method: string; route: string; status: string }
  count: number
  sum: number
  /** Observations per bucket (not cumulative); the last one is above every bound. */
  buckets: Float64Array
}

/**
 * Requests and their latency by method, route pattern and status: plain numbers per series on the hot path, made
 * into prom-client's metrics when scraped (its own `observe` validates and hashes the labels on every request,
 * a measurable share of a cached read).
 */
class RequestMetrics {
  private readonly series = new Map<string, RequestSeries>()

  readonly observe = (method: string, route: string, status: number, seconds: number): void => {
    const key = `${method} ${route} ${status}`
    let series = this.series.get(key)
    if (series === undefined) {
      series = {
        labels: { method, route, status: String(status) },
        count: 0,
        sum: 0,
        buckets: new Float64Array(LATENCY_BUCKETS.length + 1),
      }
      this.series.set(key, series)
    }
    series.count++
    series.sum += seconds
    let i = 0
    while (i < LATENCY_BUCKETS.length && seconds > (LATENCY_BUCKETS[i] as number)) i++
    series.buckets[i] = (series.buckets[i] as number) + 1
  }

  /** The two metrics, in the shape a prom-client registry formats (what its own counter and histogram give). */
  metrics() {
    const all = () => [...this.series.values()]
    const counter = {
      name: 'newsdesk_http_requests_total',
      help: 'HTTP requests answered, by method, route pattern and status.',
      type: 'counter',
      aggregator: 'sum',
      get: async () => ({
        ...counter,
        values: all().map((s) => ({ labels: s.labels, value: s.count })),
      }),
    }
    const name = 'newsdesk_http_request_duration_seconds'
    const histogram = {
      name,
      help: 'Time from request to response, by method, route pattern and status.',
      type: 'histogram',
      aggregator: 'sum',
      get: async () => ({
        ...histogram,
        values: all().flatMap((s) => {
          let cumulative = 0
          const buckets = LATENCY_BUCKETS.map((le, i) => {
            cumulative += s.buckets[i] as number
            return { labels: { le, ...s.labels }, value: cumulative, metricName: `${name}_bucket` }
          })
          return [
            ...buckets,
            { labels: { le: '+Inf', ...s.labels }, value: s.count, metricName: `${name}_bucket` },
            { labels: s.labels, value: s.sum, metricName: `${name}_sum` },
            { labels: s.labels, value: s.count, metricName: `${name}_count` },
          ]
        }),
      }),
    }
    return [counter, histogram]
  }
}

/**
 * `GET /metrics` in the Prometheus text format (prom-client): requests and their latency by route and status, the
 * view counter's flushes, buffer and memory, what was not counted and why, and Most Popular's list cache.
 *
 * Not public: it needs a token with the `metrics:read` scope (or `admin`), which Prometheus sends as a bearer
 * token (`authorization: { credentials: … }` in its scrape config). Each app has its own registry.
 */
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'
import { Type } from 'typebox'
import type { Popularity } from '../popularity/service.js'
import { requireScope } from './auth.js'
import { problems } from './schemas.js'

interface MetricsOptions {
  popularity: Popularity
  clock: () => number
}

export const metricsPlugin = fp(
  async (app: FastifyInstance, { popularity, clock }: MetricsOptions) => {
    const registry = new Registry()
    collectDefaultMetrics({ register: registry, prefix: 'newsdesk_' })

    const requests = new RequestMetrics()
    for (const metric of requests.metrics()) registry.registerMetric(metric as never)
    const observe = requests.observe
    app.addHook('onResponse', (request, reply, done) => {
      observe(
        request.method,
        request.routeOptions.url ?? 'unmatched',
        reply.statusCode,
        reply.elapsedTime / 1000,
      )
      done()
    })
    // Cache hits are written straight to the socket (cache.ts), skipping onResponse: counted and timed here.
    app.decorate('observeResponse', observe)

    new Histogram({
      name: 'newsdesk_views_flush_duration_seconds',
      help: 'How long each flush of buffered view counts took.',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
      // Durations are kept by the service and observed at scrape time: the flush itself stays free of metrics.
      collect() {
        for (const ms of popularity.flushStats.durations.splice(0)) this.observe(ms / 1000)
      },
    })
    const gauge = (name: string, help: string, read: () => number) =>
      new Gauge({
        name,
        help,
        registers: [registry],
        collect() {
          this.set(read())
        },
      })
    const counted = (name: string, help: string, labelNames: string[], read: () => Record<string, number>) =>
      new Counter({
        name,
        help,
        labelNames,
        registers: [registry],
        collect() {
          this.reset()
          for (const [label, value] of Object.entries(read()))
            this.inc({ [labelNames[0] as string]: label }, value)
        },
      })
    gauge(
      'newsdesk_views_buffered',
      'Article-hours counted in memory, waiting for a flush.',
      () => popularity.counter.size,
    )
    gauge(
      'newsdesk_views_flush_lag_seconds',
      'Seconds since the last successful flush: what a crash now would lose at most.',
      () => (popularity.flushStats.lastFlushAt ? (clock() - popularity.flushStats.lastFlushAt) / 1000 : 0),
    )
    gauge(
      'newsdesk_views_memory_entries',
      'Visitor-article and address-article entries held for the repeat and per-address rules.',
      () => popularity.counter.entries,
    )
    counted('newsdesk_views_flushes_total', 'View flushes, by outcome.', ['outcome'], () => ({
      ok: popularity.flushStats.flushes,
      failed: popularity.flushStats.failures,
    }))
    counted(
      'newsdesk_views_not_counted_total',
      'Views answered 202 but not counted, by reason.',
      ['reason'],
      () => ({
        'article-deleted': popularity.flushStats.droppedDeleted,
        'memory-full': popularity.counter.stats.dropped,
        'per-address-cap': popularity.counter.stats.capped,
      }),
    )
    counted(
      'newsdesk_list_cache_total',
      'Most Popular and trending: responses from memory (hit), serialised for a new limit (miss), lists computed from the database (computed).',
      ['outcome'],
      () => ({
        hit: popularity.cacheStats.hits,
        miss: popularity.cacheStats.misses,
        computed: popularity.cacheStats.computed,
      }),
    )

    const cache = app.responseCache
    if (cache !== null) {
      gauge(
        'newsdesk_response_cache_bytes',
        'Bytes the response cache holds (bodies and their compressed forms), within RESPONSE_CACHE_MB.',
        () => cache.size,
      )
      gauge('newsdesk_response_cache_entries', 'Responses the response cache holds.', () => cache.count)
      counted(
        'newsdesk_response_cache_total',
        'Response cache: lookups answered (hit) or not (miss); responses evicted for room, invalidated by a write, or not kept (rejected: what they would have pushed out was asked for at least as often).',
        ['outcome'],
        () => ({
          hit: cache.stats.hits,
          miss: cache.stats.misses,
          evicted: cache.stats.evicted,
          invalidated: cache.stats.invalidated,
          rejected: cache.stats.rejected,
        }),
      )
    }

    app.get(
      '/metrics',
      {
        logLevel: 'warn',
        onRequest: requireScope('metrics:read'),
        schema: {
          tags: ['operations'],
          operationId: 'metrics',
          summary: 'Prometheus metrics (needs `metrics:read`)',
          description:
            'The Prometheus text exposition format. Needs a token with `metrics:read` (or `admin`), sent as a bearer token by the scraper.',
          security: [{ bearerAuth: [] }],
          response: {
            200: {
              description: 'Metrics in the Prometheus text format.',
              content: { 'text/plain': { schema: Type.String() } },
            },
            ...problems(401, 403),
          },
        },
      },
      async (_request, reply) => {
        reply.header('cache-control', 'no-store').type(registry.contentType)
        return registry.metrics()
      },
    )
  },
  { name: 'newsdesk-metrics' },
)
