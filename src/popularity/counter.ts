/**
 * Counting views in memory, so that a beacon costs a few map operations and never a database write.
 *
 * - Visitors are a hash of a random salt that rotates every UTC day (and is never stored) with the IP address and
 *   user agent: neither is kept, and a visitor cannot be followed from one day to the next.
 * - A repeat view of the same article by the same visitor within 30 minutes counts once.
 * - Bots (by user agent, with the `isbot` list) are counted apart and never enter Most Popular.
 * Deltas accumulate per article per UTC hour until `take()` hands them to a flush.
 */
import { hash, randomBytes } from 'node:crypto'
import { isbot } from 'isbot'

export const HOUR_MS = 3_600_000
export const DAY_MS = 86_400_000
export const REPEAT_WINDOW_MS = 30 * 60_000

export interface Delta {
  articleId: string
  hour: number
  views: number
  uniques: number
  botViews: number
}

export interface ViewInput {
  articleId: string
  ip: string
  userAgent: string | undefined
  now: number
}

export type ViewOutcome = 'counted' | 'repeat' | 'bot'

/** What the counter remembers of one visitor reading one article. */
interface Seen {
  /** When a view was last counted, for the 30-minute repeat rule. */
  at: number
  /** The hour in which the visitor was last counted as unique. */
  uniqueHour: number
}

export class ViewCounter {
  /** hour → article id → counts waiting for a flush. */
  private pending = new Map<number, Map<string, Delta>>()
  private pendingSize = 0
  /** `visitor:article` → what was seen, kept while the repeat window or the hour still needs it. */
  private seen = new Map<string, Seen>()
  private salt = { day: -1, value: '' }
  private bots = new Map<string, boolean>()

  /** Distinct article-hours waiting for a flush. */
  get size(): number {
    return this.pendingSize
  }

  record(view: ViewInput): ViewOutcome {
    const hour = view.now - (view.now % HOUR_MS)
    if (this.isBot(view.userAgent)) {
      this.delta(view.articleId, hour).botViews++
      return 'bot'
    }
    const pair = `${this.visitor(view)}:${view.articleId}`
    const seen = this.seen.get(pair)
    if (seen !== undefined && view.now - seen.at < REPEAT_WINDOW_MS) return 'repeat'
    const delta = this.delta(view.articleId, hour)
    delta.views++
    if (seen === undefined) {
      this.seen.set(pair, { at: view.now, uniqueHour: hour })
      delta.uniques++
    } else {
      seen.at = view.now
      if (seen.uniqueHour !== hour) {
        seen.uniqueHour = hour
        delta.uniques++
      }
    }
    return 'counted'
  }

  /** Hands over everything counted since the last call. */
  take(): Delta[] {
    const deltas: Delta[] = []
    for (const articles of this.pending.values()) deltas.push(...articles.values())
    this.pending = new Map()
    this.pendingSize = 0
    return deltas
  }

  /** Puts back deltas whose flush failed, so the next flush carries them. */
  restore(deltas: Delta[]): void {
    for (const d of deltas) {
      const delta = this.delta(d.articleId, d.hour)
      delta.views += d.views
      delta.uniques += d.uniques
      delta.botViews += d.botViews
    }
  }

  /** Forgets what the repeat and unique rules no longer need, keeping memory bounded by recent traffic. */
  prune(now: number): void {
    const currentHour = now - (now % HOUR_MS)
    for (const [pair, seen] of this.seen) {
      if (now - seen.at >= REPEAT_WINDOW_MS && seen.uniqueHour < currentHour) this.seen.delete(pair)
    }
    if (this.bots.size > 10_000) this.bots.clear()
  }

  private delta(articleId: string, hour: number): Delta {
    let articles = this.pending.get(hour)
    if (!articles) {
      articles = new Map()
      this.pending.set(hour, articles)
    }
    let delta = articles.get(articleId)
    if (!delta) {
      delta = { articleId, hour, views: 0, uniques: 0, botViews: 0 }
      articles.set(articleId, delta)
      this.pendingSize++
    }
    return delta
  }

  /** A request without a user agent is a script, not a reader. */
  private isBot(userAgent: string | undefined): boolean {
    if (!userAgent) return true
    let bot = this.bots.get(userAgent)
    if (bot === undefined) {
      bot = isbot(userAgent)
      this.bots.set(userAgent, bot)
    }
    return bot
  }

  private visitor(view: ViewInput): string {
    const day = Math.floor(view.now / DAY_MS)
    if (this.salt.day !== day) this.salt = { day, value: randomBytes(32).toString('base64') }
    return hash(
      'sha256',
      `${this.salt.value}\u0000${view.ip}\u0000${view.userAgent ?? ''}`,
      'base64url',
    ).slice(0, 22)
  }
}

/** A fixed one-minute window per client: enough to keep one client from inflating counts. */
export class RateLimiter {
  private window = -1
  private counts = new Map<string, number>()

  constructor(private readonly perMinute: number) {}

  /** Seconds to wait, or 0 when the request may go ahead. */
  check(client: string, now: number): number {
    const window = Math.floor(now / 60_000)
    if (window !== this.window) {
      this.window = window
      this.counts = new Map()
    }
    const count = (this.counts.get(client) ?? 0) + 1
    this.counts.set(client, count)
    return count > this.perMinute ? Math.max(1, Math.ceil(((window + 1) * 60_000 - now) / 1000)) : 0
  }
}
