/**
 * The invalidation bus between instances. A write publishes the keys it changed: this instance's listeners hear
 * them at once, and every other instance hears them through Redis pub/sub (when REDIS_URL is set) or PostgreSQL
 * LISTEN/NOTIFY (otherwise), within milliseconds. Only the instance that wrote tells the CDN (the purger), so a
 * purge is sent once however many instances run.
 *
 * A transport that loses its connection may miss messages: when it is back, listeners hear `*` (everything
 * changed) and drop what they hold.
 */
import { randomUUID } from 'node:crypto'
import type { FastifyBaseLogger } from 'fastify'
import type { Redis } from 'ioredis'
import type { Channel } from '../db/client.js'
import type { InvalidationBus } from './cache.js'

export type Origin = 'local' | 'remote'

/** Keys per message: a NOTIFY payload must stay under 8,000 bytes. */
const KEYS_PER_MESSAGE = 100

export class SharedBus implements InvalidationBus {
  private readonly id = randomUUID()
  private readonly listeners: ((keys: string[], origin: Origin) => void)[] = []

  constructor(
    private readonly transport: Channel,
    private readonly log: FastifyBaseLogger,
  ) {}

  async start(): Promise<void> {
    await this.transport.subscribe((message) => {
      if (message === '*') return this.deliver(['*'], 'remote')
      try {
        const { from, keys } = JSON.parse(message) as { from: string; keys: string[] }
        if (from !== this.id && Array.isArray(keys)) this.deliver(keys.map(String), 'remote')
      } catch {
        this.log.warn('ignored a malformed invalidation message')
      }
    })
  }

  publish(keys: string[]): void {
    this.deliver(keys, 'local')
    for (let i = 0; i < keys.length; i += KEYS_PER_MESSAGE) {
      const message = JSON.stringify({ from: this.id, keys: keys.slice(i, i + KEYS_PER_MESSAGE) })
      this.transport.publish(message).catch((error: unknown) => {
        this.log.error({ err: error }, 'invalidation not sent to other instances; their caches expire by age')
      })
    }
  }

  subscribe(listener: (keys: string[], origin: Origin) => void): void {
    this.listeners.push(listener)
  }

  private deliver(keys: string[], origin: Origin): void {
    for (const listener of this.listeners) listener(keys, origin)
  }
}

/** Redis pub/sub as a channel: one connection publishes, a duplicate subscribes (and resubscribes by itself). */
export function redisChannel(redis: Redis, name: string): Channel & { close(): Promise<void> } {
  const subscriber = redis.duplicate({ enableOfflineQueue: true, commandTimeout: undefined })
  subscriber.on('error', () => undefined)
  let connectedBefore = false
  return {
    publish: async (message) => {
      await redis.publish(name, message)
    },
    subscribe: async (onMessage) => {
      subscriber.on('message', (channel: string, message: string) => {
        if (channel === name) onMessage(message)
      })
      // Subscribe once the connection is ready (before its ready check ends would be too early), and again after
      // every reconnection; messages sent meanwhile are lost, so everything is treated as changed.
      const ready = new Promise<void>((resolve) => {
        subscriber.on('ready', () => {
          if (connectedBefore) onMessage('*')
          connectedBefore = true
          subscriber.subscribe(name).then(
            () => resolve(),
            () => undefined,
          )
        })
      })
      if (subscriber.status === 'ready') {
        connectedBefore = true
        await subscriber.subscribe(name)
        return
      }
      // Start-up waits for the subscription a little, never for Redis to come back.
      let timer: NodeJS.Timeout | undefined
      await Promise.race([
        ready,
        new Promise((resolve) => {
          timer = setTimeout(resolve, 3_000)
        }),
      ])
      clearTimeout(timer)
    },
    close: async () => {
      subscriber.disconnect()
    },
  }
}
