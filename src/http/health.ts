import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { Database } from '../db/client.js'
import type { SharedState } from '../shared/redis.js'
import { problem, sendProblem } from './errors.js'
import { problems } from './schemas.js'

const Status = Type.Object({ status: Type.String() }, { additionalProperties: false, title: 'Status' })

export const healthRoutes: FastifyPluginAsyncTypebox<{ database: Database; shared?: SharedState }> = async (
  app,
  { database, shared },
) => {
  app.get(
    '/health',
    {
      logLevel: 'warn',
      schema: {
        tags: ['operations'],
        operationId: 'health',
        summary: 'Liveness: the process answers',
        response: { 200: Status, 400: problems(400)[400] },
      },
    },
    async (_request, reply) => {
      reply.header('cache-control', 'no-store')
      return { status: 'ok' }
    },
  )

  app.get(
    '/ready',
    {
      logLevel: 'warn',
      schema: {
        tags: ['operations'],
        operationId: 'ready',
        summary: 'Readiness: the database (and Redis, when configured) answers',
        response: { 200: Status, ...problems(400) },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store')
      let ok = false
      try {
        ok = await database.ping()
      } catch (error) {
        request.log.error({ err: error }, 'database is not ready')
      }
      if (!ok) return sendProblem(reply, problem(503, 'not-ready', 'The database is not available.'))
      if (shared) {
        let redis = false
        try {
          redis = await shared.ping()
        } catch (error) {
          request.log.error({ err: error }, 'Redis is not ready')
        }
        if (!redis) return sendProblem(reply, problem(503, 'not-ready', 'Redis is not available.'))
      }
      return { status: 'ready' }
    },
  )
}
