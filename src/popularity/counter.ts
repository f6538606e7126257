/**
 * Counting views in memory, so that a beacon costs a few map operations and never a database write.
 *
 * - Visitors are a hash of a random salt that rotates every UTC day (and is never stored) with the IP address and
 *   user agent: neither is kept, and a visitor cannot be followed from one day to the next.
 * - A repeat view of the same article by the same visitor within 30 minutes counts once.
 * - Bots (by user agent, with the `isbot` list) are counted apart and never enter Most Popular.
 * - One address adds at most `perAddressHourly` views to one article per UTC hour, however many user agents it
 *   sends: rotating the user agent does not make a machine into a crowd.
 * - Memory is a fixed budget of entries; when it is full, views by visitors it does not remember are not counted
 *   (and are counted as dropped) until the next half hour frees a generation.
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

export type ViewOutcome = 'counted' | 'repeat' | 'bot' | 'capped' | 'dropped'

export interface CounterLimits {
  /** Views one address may add to one article per UTC hour, whatever user agents it sends. */
  perAddressHourly: number
  /** Most entries (visitor-article pairs plus address-article counters) held in memory at once. */
  memoryEntries: number
}

/** What was not counted, and why, since the process started. */
export interface CounterStats {
  /** Over the per-address hourly cap: one machine rotating user agents. */
  capped: number
  /** The memory budget was full: new visitors were not counted until memory freed. */
  dropped: number
}

const HALF_HOUR_MS = 30 * 60_000

export class ViewCounter {
  /** hour → article id → counts waiting for a flush. */
  private pending = new Map<number, Map<string, Delta>>()
  private pendingSize = 0
  /**
   * `hash(visitor, article)` → when a view was last counted. Two generations, each a half hour aligned to
   * the clock: anything the repeat rule (30 minutes) or the unique-per-hour rule can still need is in one of
   * them, and dropping the older generation at each half hour forgets the rest at no cost.
   */
  private seen = new Map<number, number>()
  private seenBefore = new Map<number, number>()
  private generation = -1
  /** `hash(address, article)` → views counted this hour, for the per-address cap. */
  private perAddress = new Map<number, number>()
  private addressHour = -1
  private salt = { day: -1, value: '' }
  private bots = new Map<string, boolean>()
  readonly stats: CounterStats = { capped: 0, dropped: 0 }

  constructor(private readonly limits: CounterLimits = { perAddressHourly: 60, memoryEntries: 1_000_000 }) {}

  /** Distinct article-hours waiting for a flush. */
  get size(): number {
    return this.pendingSize
  }

  /** Entries held for the repeat, unique and per-address rules: never more than the memory budget. */
  get entries(): number {
    return this.seen.size + this.seenBefore.size + this.perAddress.size
  }

  record(view: ViewInput): ViewOutcome {
    const { now } = view
    const hour = now - (now % HOUR_MS)
    if (this.isBot(view.userAgent)) {
      this.delta(view.articleId, hour).botViews++
      return 'bot'
    }
    this.rotate(now, hour)
    const salt = this.saltOf(now)
    // Times are kept as milliseconds since the salt's day began: small integers, which V8 stores in place. A key
    // from an earlier day cannot match (the salt changed), so no stored time is ever read against another day.
    const sinceDay = now - this.salt.day * DAY_MS
    const pair = digest(`${salt}\u0000${view.ip}\u0000${view.userAgent ?? ''}\u0000${view.articleId}`)
    let stored = this.seen.get(pair)
    const remembered = stored !== undefined
    if (stored === undefined) stored = this.seenBefore.get(pair)
    const at = stored === undefined ? undefined : stored + this.salt.day * DAY_MS
    if (at !== undefined && now - at < REPEAT_WINDOW_MS) return 'repeat'

    const address = quickDigest(`${salt}\u0000${networkOf(view.ip)}\u0000${view.articleId}`)
    const counted = this.perAddress.get(address)
    if (counted !== undefined && counted >= this.limits.perAddressHourly) {
      this.stats.capped++
      return 'capped'
    }
    const needed = (remembered ? 0 : 1) + (counted === undefined ? 1 : 0)
    if (this.entries + needed > this.limits.memoryEntries) {
      this.stats.dropped++
      return 'dropped'
    }
    this.perAddress.set(address, (counted ?? 0) + 1)
    if (!remembered && at !== undefined) this.seenBefore.delete(pair)
    this.seen.set(pair, sinceDay)
    const delta = this.delta(view.articleId, hour)
    delta.views++
    // Unique per hour: the visitor's last counted view was in an earlier hour, or there was none.
    if (at === undefined || at - (at % HOUR_MS) !== hour) delta.uniques++
    return 'counted'
  }

  /** Adds a view the shared rules (Redis) decided to count. */
  addCounted(articleId: string, now: number, unique: boolean): void {
    const delta = this.delta(articleId, now - (now % HOUR_MS))
    delta.views++
    if (unique) delta.uniques++
  }

  /** Counts a bot's view apart; answers false for a reader. */
  countBot(articleId: string, now: number, userAgent: string | undefined): boolean {
    if (!this.isBot(userAgent)) return false
    this.delta(articleId, now - (now % HOUR_MS)).botViews++
    return true
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

  /** Forgets what the rules no longer need; O(1), so it can run on every beacon. */
  private rotate(now: number, hour: number): void {
    const generation = Math.floor(now / HALF_HOUR_MS)
    if (generation !== this.generation) {
      this.seenBefore = generation === this.generation + 1 ? this.seen : new Map()
      this.seen = new Map()
      this.generation = generation
    }
    if (hour !== this.addressHour) {
      this.perAddress = new Map()
      this.addressHour = hour
    }
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
      if (this.bots.size >= 10_000) this.bots.clear()
      this.bots.set(userAgent, bot)
    }
    return bot
  }

  private saltOf(now: number): string {
    const day = Math.floor(now / DAY_MS)
    if (this.salt.day !== day) this.salt = { day, value: randomBytes(32).toString('base64') }
    return this.salt.value
  }
}

/**
 * The unit one client controls: an IPv4 address, or an IPv6 /64 (one subscriber's usual allocation, inside which
 * addresses are free to rotate). Used for the rate limit and the per-address cap.
 */
export function networkOf(ip: string): string {
  if (!ip.includes(':')) return ip
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)
  if (mapped?.[1]) return mapped[1]
  const [head = '', tail = ''] = ip.toLowerCase().split('%')[0]?.split('::') ?? []
  const left = head ? head.split(':') : []
  const right = tail ? tail.split(':') : []
  const groups = ip.includes('::')
    ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right]
    : left
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`
}

/**
 * A 52-bit FNV-1a of the text, for the per-address counters: they are a cap, not an identity, and the daily salt
 * in the text (never stored) keeps anyone from aiming collisions. Several times cheaper than SHA-256 per beacon.
 */
function quickDigest(text: string): number {
  let low = 0x811c9dc5
  let high = 0x050c5d1f
  for (let i = 0; i < text.length; i++) {
    low ^= text.charCodeAt(i)
    high ^= low >>> 24
    low = Math.imul(low, 0x01000193) >>> 0
    high = Math.imul(high, 0x01000193) >>> 0
  }
  return (high & 0xfffff) * 0x100000000 + low
}

/**
 * 48 bits of SHA-256 as a number: a map key that costs no string. Two visitors share a key with a chance of about
 * one in 500 even with ten million entries, and then merely count as one.
 */
const digest = (text: string) => (hash('sha256', text, 'buffer') as unknown as Buffer).readUIntBE(0, 6)

/**
 * A fixed one-minute window per client: enough to keep one client from inflating counts. At most `maxClients`
 * are tracked in one minute; beyond that, clients not yet seen wait for the next minute (beacons are the one
 * thing a flood of addresses may not grow without bound).
 */
export class RateLimiter {
  private window = -1
  private counts = new Map<string, number>()

  constructor(
    private readonly perMinute: number,
    private readonly maxClients = 250_000,
  ) {}

  /** Seconds to wait, or 0 when the request may go ahead. */
  check(client: string, now: number): number {
    const window = Math.floor(now / 60_000)
    if (window !== this.window) {
      this.window = window
      this.counts = new Map()
    }
    const seen = this.counts.get(client)
    if (seen === undefined && this.counts.size >= this.maxClients)
      return Math.max(1, Math.ceil(((window + 1) * 60_000 - now) / 1000))
    const count = (seen ?? 0) + 1
    this.counts.set(client, count)
    return count > this.perMinute ? Math.max(1, Math.ceil(((window + 1) * 60_000 - now) / 1000)) : 0
  }
}
