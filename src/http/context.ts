/** What every feature plugin is given by buildApp: the database, the configuration and the clock. */
import type { EventEmitter } from 'node:events'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Config } from '../config.js'
import type { Db } from '../db/client.js'
import { publicRead } from './cache.js'

export interface FeatureOptions {
  db: Db
  config: Config
  /** Milliseconds since the epoch; injectable so tests control time instead of sleeping. */
  clock: () => number
  /** In-process notifications between features: `articles-changed` after every article write. */
  events: EventEmitter
}

/**
 * Call first in a read: a read without a token becomes public (validators, `Cache-Control`, `Surrogate-Key`, the
 * response cache; see cache.ts) and answers the set its stores record the response's resources in; a read with a
 * token is `private, no-store` and answers undefined.
 */
export function cachePublic(request: FastifyRequest, reply: FastifyReply, ...keys: string[]) {
  const tags = publicRead(request, reply)
  for (const key of keys) tags?.add(key)
  return tags
}

/** How long clients and caches may keep a former slug's redirect: slugs are retired for good, but rarely move. */
export const REDIRECT_MAX_AGE = 3600

/** A 301 from a former slug, cacheable like the public reads it leads to. */
export function movedTo(request: FastifyRequest, reply: FastifyReply, location: string) {
  reply.header('vary', 'Authorization')
  reply.header(
    'cache-control',
    request.token === null ? `public, max-age=${REDIRECT_MAX_AGE}` : 'private, no-store',
  )
  return reply.code(301).header('location', location).send()
}
