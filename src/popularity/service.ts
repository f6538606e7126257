/**
 * The popularity service of one API instance: counts views in memory, flushes them to the database every few
 * seconds (or sooner when the buffer grows), and serves Most Popular and trending from a cache that each flush,
 * and each change to articles, invalidates. A crash loses at most the counts of one flush interval.
 */
import type { FastifyBaseLogger } from 'fastify'
import { lookupArticle, summarise, type Viewer } from '../articles/store.js'
import type { Db } from '../db/client.js'
import { HOUR_MS, RateLimiter, ViewCounter, type ViewOutcome } from './counter.js'
import { addToBuckets, mostViewed, rollUp, trending, type Window } from './store.js'

/** Flush early when this many article-hours are waiting, whatever the interval. */
const MAX_PENDING = 5_000
/** Visible-article lookups are remembered this long (article writes on this instance forget them at once). */
const REF_TTL_MS = 30_000

export interface PopularityOptions {
  db: Db
  clock: () => number
  flushIntervalMs: number
  rateLimitPerMinute: number
  siteUrl: string
  log: FastifyBaseLogger
}

export class Popularity {
  readonly counter = new ViewCounter()
  private readonly limiter: RateLimiter
  private timer: NodeJS.Timeout | undefined
  private flushing: Promise<void> | undefined
  private earlyFlush = false
  private lastRollUp = 0
  private cache = new Map<string, { body: string; expires: number }>()
  private refs = new Map<string, { id: string; expires: number }>()

  constructor(private readonly options: PopularityOptions) {
    this.limiter = new RateLimiter(options.rateLimitPerMinute)
  }

  start(): void {
    this.timer = setInterval(() => void this.flush(), this.options.flushIntervalMs)
    this.timer.unref()
  }

  /** Seconds the client must wait before its next beacon, or 0. */
  rateLimit(client: string): number {
    return this.limiter.check(client, this.options.clock())
  }

  /** The id behind `ref` if it was recently looked up and found published; no database access. */
  knownArticleId(ref: string): string | undefined {
    const cached = this.refs.get(ref)
    return cached && cached.expires > this.options.clock() ? cached.id : undefined
  }

  /** The id of the published article behind `ref` (id, slug or old slug), or undefined. */
  async visibleArticleId(ref: string): Promise<string | undefined> {
    const now = this.options.clock()
    let found = await lookupArticle(this.options.db, ref, { editor: false, now })
    if (found.kind === 'moved')
      found = await lookupArticle(this.options.db, found.slug, { editor: false, now })
    if (found.kind !== 'found') return undefined
    if (this.refs.size > 50_000) this.refs.clear()
    this.refs.set(ref, { id: found.row.id, expires: now + REF_TTL_MS })
    return found.row.id
  }

  record(articleId: string, ip: string, userAgent: string | undefined): ViewOutcome {
    const outcome = this.counter.record({ articleId, ip, userAgent, now: this.options.clock() })
    if (this.counter.size >= MAX_PENDING && !this.earlyFlush) {
      this.earlyFlush = true
      setImmediate(() => void this.flush())
    }
    return outcome
  }

  /** Writes buffered counts in one transaction; on failure they stay buffered for the next try. */
  flush(): Promise<void> {
    this.flushing ??= this.runFlush().finally(() => {
      this.flushing = undefined
      this.earlyFlush = false
    })
    return this.flushing
  }

  private async runFlush(): Promise<void> {
    const now = this.options.clock()
    const deltas = this.counter.take()
    try {
      addToBuckets(this.options.db, deltas)
      if (now - this.lastRollUp >= HOUR_MS) {
        rollUp(this.options.db, now)
        this.lastRollUp = now
      }
    } catch (error) {
      this.counter.restore(deltas)
      this.options.log.error(
        { err: error, pending: deltas.length },
        'view flush failed; counts kept for the next flush',
      )
      return
    }
    this.counter.prune(now)
    if (deltas.length > 0) this.cache.clear()
  }

  /** Articles changed: cached lists and visible-article lookups may be stale. */
  invalidate(): void {
    this.cache.clear()
    this.refs.clear()
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    await this.flushing
    await this.flush()
    if (this.counter.size > 0) {
      await this.flush() // one retry, for a transient failure
      if (this.counter.size > 0)
        this.options.log.error({ pending: this.counter.size }, 'view counts lost at shutdown')
    }
  }

  /** The serialised response, computed once per flush for each (window, topic, limit). */
  async popular(window: Window, limit: number, topic: string | undefined): Promise<string> {
    return this.cached(`popular:${window}:${limit}:${topic ?? ''}`, async (now, viewer) => {
      const rows = await mostViewed(this.options.db, window, now, limit, topic)
      const summaries = await summarise(
        this.options.db,
        rows.map((r) => r.article),
        viewer,
      )
      return {
        window,
        generatedAt: new Date(now).toISOString(),
        data: summaries.map((article, i) => ({ rank: i + 1, views: Number(rows[i]?.views ?? 0), article })),
      }
    })
  }

  async trending(limit: number, topic: string | undefined): Promise<string> {
    return this.cached(`trending:${limit}:${topic ?? ''}`, async (now, viewer) => {
      const rows = await trending(this.options.db, now, limit, topic)
      const summaries = await summarise(
        this.options.db,
        rows.map((r) => r.article),
        viewer,
      )
      return {
        generatedAt: new Date(now).toISOString(),
        data: summaries.map((article, i) => ({ rank: i + 1, score: rows[i]?.score ?? 0, article })),
      }
    })
  }

  private async cached(
    key: string,
    compute: (now: number, viewer: Viewer) => Promise<unknown>,
  ): Promise<string> {
    const now = this.options.clock()
    const hit = this.cache.get(key)
    // Entries also expire by time, so window edges and scheduled articles move even when no views arrive.
    if (hit !== undefined && hit.expires > now) return hit.body
    const body = JSON.stringify(await compute(now, { editor: false, now, siteUrl: this.options.siteUrl }))
    if (this.cache.size > 1_000) this.cache.clear()
    // Windows move at hour boundaries: nothing cached outlives the hour it was computed in.
    const nextHour = now - (now % HOUR_MS) + HOUR_MS
    this.cache.set(key, { body, expires: Math.min(now + this.options.flushIntervalMs, nextHour) })
    return body
  }
}
