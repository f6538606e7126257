/**
 * The popularity service of one API instance: counts views in memory, flushes them to the database every few
 * seconds (or sooner when the buffer grows), and serves Most Popular and trending from a cache that each flush,
 * and each change to articles, invalidates. A crash loses at most the counts of one flush interval.
 */
import type { FastifyBaseLogger } from 'fastify'
import type { Static } from 'typebox'
import { lookupArticleHead, summarise } from '../articles/store.js'
import type { Db } from '../db/client.js'
import type { PageInfo as PageInfoSchema } from '../http/schemas.js'
import type { Site } from '../http/site.js'

type PageInfo = Static<typeof PageInfoSchema>

import { findTopicRow } from '../topics/store.js'
import {
  type CounterLimits,
  HOUR_MS,
  networkOf,
  RateLimiter,
  ViewCounter,
  type ViewOutcome,
} from './counter.js'
import type { SharedViewRules } from './shared.js'
import { addToBuckets, advanceWindow, rollUp } from './store.js'
import { mostViewed, SPANS, trending, type Window } from './totals.js'

/** Flush early when this many article-hours are waiting, whatever the interval. */
const MAX_PENDING = 1_000
/** Article-hours written per transaction; the flush yields to requests between slices. */
const FLUSH_SLICE = 200
/** Visible-article lookups are remembered this long (article writes on this instance forget them at once). */
const REF_TTL_MS = 30_000
/** Each list is computed once per refresh at the largest page size, whatever `limit` a request asks for. */
export const MAX_LIST = 50

export interface PopularityOptions {
  db: Db
  clock: () => number
  flushIntervalMs: number
  rateLimitPerMinute: number
  /** Rules shared with other instances through Redis. */
  shared?: SharedViewRules
  limits: CounterLimits
  site: Site
  log: FastifyBaseLogger
  /** Told whenever the lists are dropped (new counts, an hour gone, an article changed): responses made of them too. */
  forgotten?: () => void
}

/** A list's response, the cache keys of what it shows, and until when it may be served again (if it may). */
export interface Answer {
  body: string
  keys: string[]
  expiresAt: number | undefined
}

/** What happened to counts since the process started, for metrics. */
export interface FlushStats {
  flushes: number
  failures: number
  /** Views for articles deleted before their counts were written. */
  droppedDeleted: number
  /** Durations of flushes not yet read by a metrics scrape (the most recent 1,000). */
  durations: number[]
  lastFlushAt: number
}

export class Popularity {
  readonly counter: ViewCounter
  readonly flushStats: FlushStats = {
    flushes: 0,
    failures: 0,
    droppedDeleted: 0,
    durations: [],
    lastFlushAt: 0,
  }
  private readonly limiter: RateLimiter
  private timer: NodeJS.Timeout | undefined
  private flushing: Promise<void> | undefined
  private earlyFlush = false
  private lastRollUp = 0
  /** The hour the running totals were last brought up to. */
  private advancedHour = -1
  /** Lists computed from the database, and responses served from memory or serialised for a new limit. */
  readonly cacheStats = { computed: 0, hits: 0, misses: 0 }
  /** Each list with its responses by limit: a list made again starts without them (their `generatedAt` is its). */
  private lists = new Map<
    string,
    { rows: Promise<unknown[]>; expires: number; keys: Set<string>; bodies: Map<number, string> }
  >()
  /** Bodies kept over all lists since they were last dropped: at most 2,000 (about 20 MB). */
  private bodyCount = 0
  private refs = new Map<string, { id: string; expires: number }>()

  constructor(private readonly options: PopularityOptions) {
    this.counter = new ViewCounter(options.limits)
    this.limiter = new RateLimiter(options.rateLimitPerMinute, Math.ceil(options.limits.memoryEntries / 4))
  }

  start(): void {
    void this.flush() // brings the running totals up to now before the first list is read
    this.timer = setInterval(() => void this.flush(), this.options.flushIntervalMs)
    this.timer.unref()
  }

  /** Seconds the client must wait before its next beacon, or 0. */
  rateLimit(client: string): number {
    return this.limiter.check(networkOf(client), this.options.clock())
  }

  /** The view rules shared through Redis, when configured; each instance keeps its own otherwise. */
  get shared(): SharedViewRules | undefined {
    return this.options.shared
  }

  /** `rateLimit` across every instance; falls back to this instance's own limit while Redis is unreachable. */
  async sharedRateLimit(client: string): Promise<number> {
    const now = this.options.clock()
    if (this.options.shared) {
      try {
        return await this.options.shared.rateLimit(networkOf(client), now)
      } catch (error) {
        this.sharedFailed(error)
      }
    }
    return this.limiter.check(networkOf(client), now)
  }

  /** `record` with the shared rules; falls back to this instance's own rules while Redis is unreachable. */
  async recordShared(articleId: string, ip: string, userAgent: string | undefined): Promise<ViewOutcome> {
    const now = this.options.clock()
    if (this.options.shared && !this.counter.countBot(articleId, now, userAgent)) {
      try {
        const network = networkOf(ip)
        const { outcome, unique } = await this.options.shared.decide({
          articleId,
          ip,
          network,
          userAgent,
          now,
        })
        if (outcome === 'counted') this.counter.addCounted(articleId, now, unique)
        if (outcome === 'capped') this.counter.stats.capped++
        this.afterRecord()
        return outcome
      } catch (error) {
        this.sharedFailed(error)
      }
    } else if (this.options.shared) {
      this.afterRecord()
      return 'bot'
    }
    return this.record(articleId, ip, userAgent)
  }

  private lastSharedWarning = 0
  private sharedFailed(error: unknown): void {
    const now = Date.now()
    if (now - this.lastSharedWarning < 10_000) return
    this.lastSharedWarning = now
    this.options.log.warn({ err: error }, 'Redis unreachable: view rules fall back to this instance')
  }

  private afterRecord(): void {
    if (this.counter.size >= MAX_PENDING && !this.earlyFlush) {
      this.earlyFlush = true
      setImmediate(() => void this.flush())
    }
  }

  /** The id behind `ref` if it was recently looked up and found published; no database access. */
  knownArticleId(ref: string): string | undefined {
    const cached = this.refs.get(ref)
    return cached && cached.expires > this.options.clock() ? cached.id : undefined
  }

  /** The id of the published article behind `ref` (id, slug or old slug), or undefined. */
  async visibleArticleId(ref: string): Promise<string | undefined> {
    const now = this.options.clock()
    let found = await lookupArticleHead(this.options.db, ref, { editor: false, now })
    if (found.kind === 'moved')
      found = await lookupArticleHead(this.options.db, found.slug, { editor: false, now })
    if (found.kind !== 'found') return undefined
    if (this.refs.size > 50_000) this.refs.clear()
    this.refs.set(ref, { id: found.row.id, expires: now + REF_TTL_MS })
    return found.row.id
  }

  record(articleId: string, ip: string, userAgent: string | undefined): ViewOutcome {
    const outcome = this.counter.record({ articleId, ip, userAgent, now: this.options.clock() })
    this.afterRecord()
    return outcome
  }

  /**
   * Writes buffered counts in one transaction; on failure they stay buffered for the next try. Answers whether
   * nothing is left buffered.
   */
  flush(): Promise<boolean> {
    this.flushing ??= this.runFlush().finally(() => {
      this.flushing = undefined
      this.earlyFlush = false
    })
    return this.flushing.then(() => this.counter.size === 0)
  }

  private async runFlush(): Promise<void> {
    const started = performance.now()
    const now = this.options.clock()
    const deltas = this.counter.take()
    let written = 0
    // In slices, yielding between them: a flush never holds the event loop for more than a few milliseconds.
    const yieldNow = () => new Promise((resolve) => setImmediate(resolve))
    try {
      for (const [window] of SPANS) {
        await advanceWindow(this.options.db, now, window)
        await yieldNow()
      }
      let dropped = 0
      do {
        dropped += await addToBuckets(this.options.db, deltas.slice(written, written + FLUSH_SLICE), now)
        written += FLUSH_SLICE
        if (written < deltas.length) await yieldNow()
      } while (written < deltas.length)
      if (dropped > 0) {
        this.flushStats.droppedDeleted += dropped
        this.options.log.warn({ dropped }, 'view counts dropped: their articles were deleted')
      }
      if (now - this.lastRollUp >= HOUR_MS) {
        await rollUp(this.options.db, now)
        this.lastRollUp = now
      }
    } catch (error) {
      const kept = deltas.slice(written)
      this.counter.restore(kept)
      this.flushStats.failures++
      this.options.log.error(
        { err: error, pending: kept.length },
        'view flush failed; counts kept for the next flush',
      )
      return
    }
    this.flushStats.flushes++
    this.flushStats.lastFlushAt = now
    const hour = now - (now % HOUR_MS)
    if (deltas.length > 0 || hour !== this.advancedHour) this.forgetLists()
    this.advancedHour = hour
    if (this.flushStats.durations.length >= 1_000) this.flushStats.durations.shift()
    this.flushStats.durations.push(performance.now() - started)
  }

  /** Articles changed: cached lists and visible-article lookups may be stale. */
  invalidate(): void {
    this.forgetLists()
    this.refs.clear()
  }

  private forgetLists(): void {
    this.lists.clear()
    this.bodyCount = 0
    this.options.forgotten?.()
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    await this.flushing
    if (!(await this.flush()) && !(await this.flush())) {
      // one retry, for a transient failure
      this.options.log.error({ pending: this.counter.size }, 'view counts lost at shutdown')
    }
  }

  /**
   * The serialised response, with the cache keys of what it shows and until when it may be served as it is
   * (undefined for answers not kept, those with exclusions). Each (window, topic) list is computed once per
   * refresh, whatever the limit.
   */
  async popular(
    window: Window,
    limit: number,
    topic: string | undefined,
    exclude: readonly string[] = [],
  ): Promise<Answer> {
    return this.respond(
      `popular:${window}`,
      limit,
      topic,
      exclude,
      async (now, topicId, keys) => {
        const rows = await mostViewed(this.options.db, window, now, MAX_LIST, topicId)
        const summaries = await this.summaries(
          rows.map((r) => r.article),
          keys,
        )
        return summaries.map((article, i) => ({ views: Number(rows[i]?.views ?? 0), article }))
      },
      (now, data, page) => ({ window, generatedAt: new Date(now).toISOString(), data, page }),
    )
  }

  async trending(limit: number, topic: string | undefined): Promise<Answer> {
    return this.respond(
      'trending',
      limit,
      topic,
      [],
      async (now, topicId, keys) => {
        const rows = await trending(this.options.db, now, MAX_LIST, topicId)
        const summaries = await this.summaries(
          rows.map((r) => r.article),
          keys,
        )
        return summaries.map((article, i) => ({ score: rows[i]?.score ?? 0, article }))
      },
      (now, data, page) => ({ generatedAt: new Date(now).toISOString(), data, page }),
    )
  }

  private summaries(rows: Parameters<typeof summarise>[1], keys: Set<string>) {
    const now = this.options.clock()
    return summarise(this.options.db, rows, { editor: false, now, site: this.options.site, keys })
  }

  /**
   * Serves a list from memory. A list lives until the next flush that wrote counts, any article change, the flush
   * interval, or the hour's end (windows move at hour boundaries, when the timer's flush subtracts the hours that
   * left them), whichever comes first.
   */
  private async respond(
    name: string,
    limit: number,
    topic: string | undefined,
    exclude: readonly string[],
    compute: (
      now: number,
      topicId: string | undefined,
      keys: Set<string>,
    ) => Promise<Record<string, unknown>[]>,
    envelope: (now: number, data: unknown[], page: PageInfo) => Record<string, unknown>,
  ): Promise<Answer> {
    const page = (count: number): PageInfo => ({ limit, nextCursor: null, total: count })
    // Topics are looked up before the cache, so that made-up topic names cannot fill it.
    let topicId: string | undefined
    if (topic !== undefined) {
      topicId = (await findTopicRow(this.options.db, topic))?.id
      if (topicId === undefined)
        return {
          body: JSON.stringify(envelope(this.options.clock(), [], page(0))),
          keys: [],
          expiresAt: undefined,
        }
    }
    const key = `${name}:${topicId ?? ''}`
    let now = this.options.clock()
    // Windows move at hour boundaries: the first list of a new hour first has the totals let go of the old hour.
    if (now - (now % HOUR_MS) > this.advancedHour) {
      await this.flush()
      now = this.options.clock()
    }
    let list = this.lists.get(key)
    if (list === undefined || list.expires <= now) {
      const nextHour = now - (now % HOUR_MS) + HOUR_MS
      const keys = new Set<string>()
      list = {
        rows: compute(now, topicId, keys).then((data) => [now, data]),
        expires: Math.min(now + this.options.flushIntervalMs, nextHour),
        keys,
        bodies: new Map(),
      }
      // One list per window and topic that exists; a few thousand topics at most.
      if (this.lists.size >= 4_000) this.lists.clear()
      this.lists.set(key, list)
      this.cacheStats.computed++
      list.rows.catch(() => this.lists.delete(key))
    }
    const cached = exclude.length === 0 ? list.bodies.get(limit) : undefined
    const [at, all] = (await list.rows) as [number, Record<string, unknown>[]]
    const answer = (body: string, kept: boolean): Answer => ({
      body,
      keys: [...list.keys],
      expiresAt: kept ? list.expires : undefined,
    })
    if (cached !== undefined && this.lists.get(key) === list) {
      this.cacheStats.hits++
      return answer(cached, true)
    }
    this.cacheStats.misses++
    // Excluded articles (the one being read) leave the list and the rest move up; such answers are not kept, so
    // made-up exclusions cannot fill the memory.
    const data =
      exclude.length === 0
        ? all
        : all.filter((entry) => {
            const article = entry.article as { id: string; slug: string }
            return !exclude.includes(article.id) && !exclude.includes(article.slug)
          })
    const shown = data.slice(0, limit).map((entry, i) => ({ rank: i + 1, ...entry }))
    const body = JSON.stringify(envelope(at, shown, page(shown.length)))
    if (exclude.length > 0) return answer(body, false)
    const current = this.lists.get(key) === list
    if (current) {
      if (this.bodyCount >= 2_000) {
        for (const other of this.lists.values()) other.bodies.clear()
        this.bodyCount = 0
      }
      list.bodies.set(limit, body)
      this.bodyCount++
    }
    return answer(body, current)
  }
}
