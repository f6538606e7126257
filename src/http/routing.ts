/**
 * Unknown routes are a 404 problem; a known path with the wrong method is a 405 with `Allow`. Fastify only
 * knows 404, so the routes are mirrored into a find-my-way router to tell the two apart.
 */
import type { FastifyInstance } from 'fastify'
import FindMyWay from 'find-my-way'
import { problem, sendProblem } from './errors.js'

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
