/**
 * Partner keys at the door: every request made with one is counted against its tier (429 beyond it), answers
 * `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset`, and adds to the key's usage of the day, which
 * admins read at `GET /v1/partner-usage` and with `npm run cli -- partners usage`.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { and, asc, eq, gte, lte, sql } from 'drizzle-orm'
import type { FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { Type } from 'typebox'
import type { Config } from '../config.js'
import type { Db } from '../db/client.js'
import { apiTokens, partnerUsage } from '../db/schema.js'
import { requireScope } from '../http/auth.js'
import { tooManyRequests } from '../http/errors.js'
import { wholePage } from '../http/pagination.js'
import { Page, problems } from '../http/schemas.js'
import type { SharedState } from '../shared/redis.js'
import type { TokenRecord } from '../tokens/store.js'
import { LocalCounter, type RateCounter, SharedCounter, type Tier, verdict } from './limits.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Writes the partner usage counted in memory; answers when it is in the database. */
    flushPartnerUsage(): Promise<void>
  }
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10)

/** Requests per key and day, added in memory and written every few seconds by one upsert per key and day. */
class UsageBuffer {
  private pending = new Map<string, number>()
  private flushing: Promise<void> = Promise.resolve()

  constructor(private readonly db: Db) {}

  add(tokenId: string, at: number) {
    const key = `${tokenId}|${day(at)}`
    this.pending.set(key, (this.pending.get(key) ?? 0) + 1)
  }

  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.pending.size === 0) return
      const batch = this.pending
      this.pending = new Map()
      try {
        for (const [key, requests] of batch) {
          const [tokenId = '', date = ''] = key.split('|')
          await this.db
            .insert(partnerUsage)
            .values({ tokenId, day: date, requests })
            .onConflictDoUpdate({
              target: [partnerUsage.tokenId, partnerUsage.day],
              set: { requests: sql`${partnerUsage.requests} + excluded.requests` },
            })
        }
      } catch (error) {
        // Kept for the next flush: usage is bookkeeping, never a reason to fail a partner's request.
        for (const [key, n] of batch) this.pending.set(key, (this.pending.get(key) ?? 0) + n)
        throw error
      }
    })
    return this.flushing
  }
}

const UsageQuery = Type.Object(
  {
    from: Type.Optional(
      Type.String({ format: 'date', description: 'First UTC day, YYYY-MM-DD; default today.' }),
    ),
    to: Type.Optional(
      Type.String({ format: 'date', description: 'Last UTC day, YYYY-MM-DD; default `from`.' }),
    ),
  },
  { additionalProperties: false },
)

const UsageRow = Type.Object(
  {
    key: Type.Object(
      {
        id: Type.String(),
        name: Type.String(),
        partner: Type.String(),
        tier: Type.String(),
        revoked: Type.Boolean(),
      },
      { additionalProperties: false, title: 'PartnerKey' },
    ),
    day: Type.String({ format: 'date' }),
    requests: Type.Integer({
      description: 'Requests made with the key that day (UTC), refused ones included.',
    }),
  },
  { additionalProperties: false, title: 'PartnerUsage' },
)

export async function usageBetween(db: Db, from: string, to: string) {
  const rows = await db
    .select({
      id: apiTokens.id,
      name: apiTokens.name,
      partner: apiTokens.partner,
      tier: apiTokens.tier,
      revokedAt: apiTokens.revokedAt,
      day: partnerUsage.day,
      requests: partnerUsage.requests,
    })
    .from(partnerUsage)
    .innerJoin(apiTokens, eq(apiTokens.id, partnerUsage.tokenId))
    .where(and(gte(partnerUsage.day, from), lte(partnerUsage.day, to)))
    .orderBy(asc(partnerUsage.day), asc(apiTokens.partner), asc(apiTokens.name))
  return rows.map((r) => ({
    key: {
      id: r.id,
      name: r.name,
      partner: r.partner ?? '',
      tier: r.tier ?? '',
      revoked: r.revokedAt !== null,
    },
    day: r.day,
    requests: r.requests,
  }))
}

interface PartnerOptions {
  db: Db
  config: Config
  clock: () => number
  shared?: SharedState
}

const partners: FastifyPluginAsyncTypebox<PartnerOptions> = async (app, { db, config, clock, shared }) => {
  const local = new LocalCounter()
  const counter: RateCounter = shared ? new SharedCounter(shared) : local
  const usage = new UsageBuffer(db)
  const timer = setInterval(() => {
    usage.flush().catch((error: unknown) => app.log.warn({ err: error }, 'partner usage not written yet'))
  }, 5_000)
  timer.unref()
  app.decorate('flushPartnerUsage', () => usage.flush())
  app.addHook('onClose', async () => {
    clearInterval(timer)
    await usage.flush().catch((error: unknown) => app.log.error({ err: error }, 'partner usage lost'))
  })

  // After authentication: only requests made with a partner key are counted.
  const limit = async (request: FastifyRequest, reply: FastifyReply, token: TokenRecord, tier: Tier) => {
    const now = clock()
    let counts: Awaited<ReturnType<RateCounter['hit']>>
    try {
      counts = await counter.hit(token.id, now)
    } catch (error) {
      // Redis away: this instance's own counts hold meanwhile.
      request.log.warn({ err: error }, 'shared rate limit unavailable; counting on this instance')
      counts = await local.hit(token.id, now)
    }
    usage.add(token.id, now)
    const v = verdict(tier, counts, now)
    reply.header('ratelimit-limit', String(v.limit))
    reply.header('ratelimit-remaining', String(v.remaining))
    reply.header('ratelimit-reset', String(v.reset))
    if (!v.allowed) throw tooManyRequests(v.reset)
  }
  // After authentication; callback-style, so that the anonymous reads and beacons (nearly all traffic) pass
  // without a promise. Only requests made with a partner key are counted.
  app.addHook('onRequest', (request, reply, done) => {
    const token = request.token
    if (!token?.partner) return done()
    const tier = config.partnerTiers[token.tier ?? ''] ?? config.partnerTiers[config.partnerDefaultTier]
    if (tier === undefined) return done()
    limit(request, reply, token, tier).then(() => done(), done)
  })

  app.get(
    '/v1/partner-usage',
    {
      onRequest: requireScope('admin'),
      schema: {
        tags: ['partners'],
        operationId: 'getPartnerUsage',
        summary: 'Requests per partner key per day (admins)',
        description:
          'Needs `admin`. Each instance writes its counts every 5 seconds (and when it stops); this instance’s are written before answering.',
        querystring: UsageQuery,
        response: { 200: Page(UsageRow, 'PartnerUsageList'), ...problems(400, 401, 403) },
      },
    },
    async (request) => {
      await usage.flush()
      const from = request.query.from ?? day(clock())
      return wholePage(await usageBetween(db, from, request.query.to ?? from))
    },
  )
}

export const partnerPlugin = fp(partners, { name: 'newsdesk-partners', dependencies: ['newsdesk-auth'] })
