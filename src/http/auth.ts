/**
 * Bearer-token authentication. Reads need no token; a request that sends one anyway must send a valid one
 * (editors' reads see drafts). Writes declare the scope they need with `requireScope`.
 */
import type { FastifyInstance, FastifyRequest, preHandlerHookHandler } from 'fastify'
import fp from 'fastify-plugin'
import { type Db, hasReplicas, primaryReads } from '../db/client.js'
import { type Scope, type TokenRecord, useToken } from '../tokens/store.js'
import { forbidden, unauthorized } from './errors.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated token, or null for anonymous requests. Set before handlers run. */
    token: TokenRecord | null
  }
}

export function hasScope(token: TokenRecord | null, scope: Scope): boolean {
  return token !== null && (token.scopes.includes(scope) || token.scopes.includes('admin'))
}

/** Throws 401 without a token and 403 when the token lacks `scope` (`admin` has every scope). */
export function assertScope(request: FastifyRequest, scope: Scope): void {
  if (request.token === null) throw unauthorized('This operation needs `Authorization: Bearer <token>`.')
  if (!hasScope(request.token, scope))
    throw forbidden(`This operation needs a token with the \`${scope}\` scope.`)
}

/** Routes guarded by one of these are marked as needing the bearer token in the OpenAPI document (routing.ts). */
export const SCOPE_GUARD = Symbol('scope guard')

export function requireScope(scope: Scope): preHandlerHookHandler {
  return Object.assign(async (request: FastifyRequest) => assertScope(request, scope), {
    [SCOPE_GUARD]: scope,
  })
}

/** Whether the request may see unpublished content of the given kind. */
export const isEditor = (request: FastifyRequest, scope: Scope = 'content:write') =>
  hasScope(request.token, scope)

export const authPlugin = fp(
  async (app: FastifyInstance, { db }: { db: Db }) => {
    app.decorateRequest('token', null)
    const replicas = hasReplicas(db)
    const authenticate = async (request: FastifyRequest, header: string) => {
      const match = /^Bearer\s+([A-Za-z0-9_-]{1,200})\s*$/i.exec(header)
      if (!match?.[1]) throw unauthorized('The Authorization header must be `Bearer <token>`.')
      const token = await useToken(db, match[1])
      if (token === null) throw unauthorized('The token is unknown or revoked.')
      request.token = token
    }
    // Anonymous reads (nearly all traffic) pass through without a promise.
    app.addHook('onRequest', (request, _reply, done) => {
      const header = request.headers.authorization
      if (header === undefined) return done()
      // Read-your-writes: a request with a token reads from the primary, on whichever instance it lands, so an
      // editor (writes need a token) always reads back what was just written. Anonymous reads may use replicas.
      if (replicas) primaryReads.enterWith(true)
      authenticate(request, header).then(() => done(), done)
    })
  },
  { name: 'newsdesk-auth' },
)
