/** The Redis connection for state instances share (view rules, visitor salt) and for messages between them. */
import { Redis } from 'ioredis'

export interface SharedState {
  /** Commands. */
  redis: Redis
  /** Key and channel prefix: several newsrooms (or test runs) can share one Redis. */
  prefix: string
  ping(): Promise<boolean>
  close(): Promise<void>
}

export function connectRedis(url: string, prefix: string): SharedState {
  const redis = new Redis(url, {
    // A command waits at most this long for Redis; callers fall back to per-instance behaviour meanwhile.
    commandTimeout: 1_000,
    connectTimeout: 2_000,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    lazyConnect: false,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  })
  // Errors are answered per command; the connection retries by itself.
  redis.on('error', () => undefined)
  return {
    redis,
    prefix,
    ping: async () => (await redis.ping()) === 'PONG',
    close: async () => {
      redis.disconnect()
    },
  }
}
