/**
 * Unknown routes are a 404 problem; a known path with the wrong method is a 405 with `Allow`. Fastify only
 * knows 404, so the routes are mirrored into a find-my-way router to tell the two apart.
 */

import type { Socket } from 'node:net'
import type { FastifyInstance } from 'fastify'
import FindMyWay from 'find-my-way'
import { Type } from 'typebox'
import { SCOPE_GUARD } from './auth.js'
import { PROBLEM_CONTENT_TYPE, problem, sendProblem } from './errors.js'

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const

export function problemNotFoundHandler(app: FastifyInstance) {
  const router = FindMyWay()
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method]
    for (const method of methods) {
      if ((METHODS as readonly string[]).includes(method) && !router.hasRoute(method as never, route.url)) {
        router.on(method as never, route.url, () => {})
      }
    }
  })
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '/'
    const allowed = METHODS.filter((method) => router.find(method, path) !== null)
    if (allowed.length > 0) {
      return sendProblem(
        reply,
        problem(
          405,
          'method-not-allowed',
          `${request.method} is not allowed on ${path}; use ${allowed.join(', ')}.`,
        ),
        {
          allow: allowed.join(', '),
        },
      )
    }
    return sendProblem(reply, problem(404, 'not-found', `There is nothing at ${request.method} ${path}.`))
  })
}

const NoQuery = Type.Object({}, { additionalProperties: false })

/**
 * One rule for query strings everywhere: a parameter the route does not define is a 400. Routes that declare
 * no query parameters get an empty, closed query schema.
 */
export function rejectUnknownQueries(app: FastifyInstance) {
  app.addHook('onRoute', (route) => {
    const schema = route.schema as { hide?: boolean; querystring?: unknown; security?: unknown } | undefined
    if (schema && !schema.hide && schema.querystring === undefined) schema.querystring = NoQuery
    // A route that needs a scope says so in the document, whether or not its schema repeats it; the rest are
    // public (`security: []`, set when the document is built).
    const guards = [route.onRequest ?? []].flat() as unknown as Record<symbol, unknown>[]
    if (schema && schema.security === undefined && guards.some((guard) => guard?.[SCOPE_GUARD]))
      schema.security = [{ bearerAuth: [] }]
  })
}

/**
 * Node's HTTP parser rejects some requests before Fastify sees them (headers too large, malformed request
 * lines). They still get a problem+json answer, then the connection is closed.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket) {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy()
    return
  }
  const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400
  const detail =
    status === 431 ? 'The request headers are too large.' : 'The request could not be parsed as HTTP.'
  const body = JSON.stringify(problem(status, status === 431 ? 'headers-too-large' : 'bad-request', detail))
  socket.end(
    `HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : 'Bad Request'}\r\n` +
      `Content-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n${body}`,
  )
}
