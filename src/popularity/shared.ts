/**
 * The view rules held in Redis, so that they hold across instances: the 30-minute repeat rule, unique visitors
 * per hour, the per-address hourly cap and the per-client beacon rate limit. The daily visitor salt lives there
 * too (with an expiry; never on disk when Redis is run without persistence, as it should be for this data).
 * Only hashes are stored, never an address or a user agent.
 */
import { createHash, randomBytes } from 'node:crypto'
import type { SharedState } from '../shared/redis.js'
import { DAY_MS, HOUR_MS, REPEAT_WINDOW_MS } from './counter.js'

/** One round trip decides a view atomically: repeat, over the cap, or counted (and whether unique this hour). */
const DECIDE = `
local last = redis.call('GET', KEYS[1])
local now = tonumber(ARGV[1])
if last and now - tonumber(last) < tonumber(ARGV[2]) then return {0, 0} end
local n = redis.call('INCR', KEYS[2])
if n == 1 then redis.call('PEXPIRE', KEYS[2], ARGV[4]) end
if n > tonumber(ARGV[3]) then return {1, 0} end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[5])
if (not last) or math.floor(tonumber(last) / ARGV[4]) ~= math.floor(now / ARGV[4]) then return {2, 1} end
return {2, 0}
`

const RATE = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], 60000) end
return n
`

const digest = (text: string) => createHash('sha256').update(text).digest('base64url').slice(0, 22)

export class SharedViewRules {
  private salt = { day: -1, value: '' }

  constructor(
    private readonly state: SharedState,
    private readonly limits: { perAddressHourly: number; perMinute: number },
  ) {}

  private key(...parts: (string | number)[]) {
    return `${this.state.prefix}:${parts.join(':')}`
  }

  /** Today's salt, the same on every instance: the first to ask creates it, with an expiry. */
  private async saltOf(now: number): Promise<string> {
    const day = Math.floor(now / DAY_MS)
    if (this.salt.day === day) return this.salt.value
    const key = this.key('salt', day)
    await this.state.redis.set(key, randomBytes(32).toString('base64'), 'PX', 2 * DAY_MS, 'NX')
    const value = await this.state.redis.get(key)
    if (value === null) throw new Error('the shared salt vanished')
    this.salt = { day, value }
    return value
  }

  /** Seconds the client (an address or IPv6 /64) must wait, or 0; counted across every instance. */
  async rateLimit(network: string, now: number): Promise<number> {
    const minute = Math.floor(now / 60_000)
    const salt = await this.saltOf(now)
    const n = Number(
      await this.state.redis.eval(RATE, 1, this.key('rate', minute, digest(`${salt}\0${network}`))),
    )
    return n > this.limits.perMinute ? Math.max(1, Math.ceil(((minute + 1) * 60_000 - now) / 1000)) : 0
  }

  async decide(view: {
    articleId: string
    ip: string
    network: string
    userAgent: string | undefined
    now: number
  }): Promise<{ outcome: 'counted' | 'repeat' | 'capped'; unique: boolean }> {
    const salt = await this.saltOf(view.now)
    const hour = Math.floor(view.now / HOUR_MS)
    const pair = this.key('seen', digest(`${salt}\0${view.ip}\0${view.userAgent ?? ''}\0${view.articleId}`))
    const address = this.key('cap', hour, digest(`${salt}\0${view.network}\0${view.articleId}`))
    const [code, unique] = (await this.state.redis.eval(
      DECIDE,
      2,
      pair,
      address,
      view.now,
      REPEAT_WINDOW_MS,
      this.limits.perAddressHourly,
      HOUR_MS,
      2 * HOUR_MS,
    )) as [number, number]
    return { outcome: code === 0 ? 'repeat' : code === 1 ? 'capped' : 'counted', unique: unique === 1 }
  }
}
