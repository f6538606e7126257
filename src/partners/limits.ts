/**
 * Partner keys' tiers: requests per minute and per UTC day, counted in fixed windows. With Redis the counts are
 * shared, so the limit holds across instances exactly; without it each instance counts its own.
 */
import type { SharedState } from '../shared/redis.js'

export interface Tier {
  perMinute: number
  perDay: number
}

export type Tiers = Record<string, Tier>

export const DEFAULT_TIERS: Tiers = {
  developer: { perMinute: 60, perDay: 5_000 },
  commercial: { perMinute: 600, perDay: 500_000 },
}

/** `developer=60/5000,commercial=600/500000`: names with requests per minute and per day. */
export function parseTiers(raw: string): Tiers | undefined {
  const tiers: Tiers = {}
  for (const part of raw.split(',')) {
    const match = /^\s*([a-z0-9-]{1,40})=(\d{1,9})\/(\d{1,12})\s*$/.exec(part)
    if (!match) return undefined
    const [, name, minute, day] = match as unknown as [string, string, string, string]
    if (Number(minute) < 1 || Number(day) < Number(minute)) return undefined
    tiers[name] = { perMinute: Number(minute), perDay: Number(day) }
  }
  return Object.keys(tiers).length > 0 ? tiers : undefined
}

const MINUTE = 60_000
const DAY = 86_400_000

export interface WindowCount {
  count: number
  /** When the window ends, ms since the epoch. */
  resetAt: number
}

export interface Counts {
  minute: WindowCount
  day: WindowCount
}

export interface RateCounter {
  /** Counts one request of the key at `now`; answers the counts of both windows, this request included. */
  hit(keyId: string, now: number): Promise<Counts>
}

/** One instance's own counts. One entry per partner key that has sent a request: bounded by the keys issued. */
export class LocalCounter implements RateCounter {
  private readonly windows = new Map<
    string,
    { minute: number; minuteCount: number; day: number; dayCount: number }
  >()

  async hit(keyId: string, now: number): Promise<Counts> {
    const minute = now - (now % MINUTE)
    const day = now - (now % DAY)
    const w = this.windows.get(keyId) ?? { minute, minuteCount: 0, day, dayCount: 0 }
    if (w.minute !== minute) Object.assign(w, { minute, minuteCount: 0 })
    if (w.day !== day) Object.assign(w, { day, dayCount: 0 })
    w.minuteCount++
    w.dayCount++
    this.windows.set(keyId, w)
    return {
      minute: { count: w.minuteCount, resetAt: minute + MINUTE },
      day: { count: w.dayCount, resetAt: day + DAY },
    }
  }
}

// Both windows in one round trip; each window's key names its start, so an expiry can never reset a live one.
const HIT = `
local m = redis.call('INCR', KEYS[1])
if m == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local d = redis.call('INCR', KEYS[2])
if d == 1 then redis.call('PEXPIRE', KEYS[2], ARGV[2]) end
return {m, d}
`

export class SharedCounter implements RateCounter {
  constructor(private readonly state: SharedState) {}

  async hit(keyId: string, now: number): Promise<Counts> {
    const minute = now - (now % MINUTE)
    const day = now - (now % DAY)
    const key = (window: string, start: number) =>
      `${this.state.prefix}:partner-rate:${keyId}:${window}:${start}`
    const [m, d] = (await this.state.redis.eval(
      HIT,
      2,
      key('m', minute),
      key('d', day),
      String(MINUTE + 5_000),
      String(DAY + 60_000),
    )) as [number, number]
    return { minute: { count: m, resetAt: minute + MINUTE }, day: { count: d, resetAt: day + DAY } }
  }
}

export interface Verdict {
  limit: number
  remaining: number
  /** Seconds until the reported window resets. */
  reset: number
  allowed: boolean
}

/**
 * What the `RateLimit-*` headers report: the window closer to its limit (the day's once fewer requests are left in
 * it than in the minute's). Over either limit, the request is refused until the exhausted window resets.
 */
export function verdict(tier: Tier, counts: Counts, now: number): Verdict {
  const minuteLeft = tier.perMinute - counts.minute.count
  const dayLeft = tier.perDay - counts.day.count
  const useDay = dayLeft < minuteLeft
  const limit = useDay ? tier.perDay : tier.perMinute
  const left = useDay ? dayLeft : minuteLeft
  const resetAt = useDay ? counts.day.resetAt : counts.minute.resetAt
  return {
    limit,
    remaining: Math.max(0, left),
    reset: Math.max(1, Math.ceil((resetAt - now) / 1000)),
    allowed: minuteLeft >= 0 && dayLeft >= 0,
  }
}
