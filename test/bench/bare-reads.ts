/**
 * The ceiling for the read benchmark: a bare Fastify server with no plugins, hooks or database, answering each
 * scenario's exact response bytes, ready-serialised, at /s/<n> (an empty body stands for a fixed 304). A scenario
 * spread over many paths is loaded here over as many (/s/<n>/<path>), so that the load generator does the same work
 * for the ceiling as for the server it is compared with.
 */
import { readFileSync } from 'node:fs'
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify'

const bodies = JSON.parse(readFileSync(process.argv[2] as string, 'utf8')) as string[]
const app = Fastify({ logger: false })
const answer = async (request: FastifyRequest<{ Params: { n: string } }>, reply: FastifyReply) => {
  const body = bodies[Number(request.params.n)] ?? ''
  if (body === '') return reply.code(304).header('etag', '"fixed"').send()
  return reply.type('application/json; charset=utf-8').send(body)
}
app.get<{ Params: { n: string } }>('/s/:n', answer)
app.get<{ Params: { n: string } }>('/s/:n/*', answer)
const address = await app.listen({ host: '127.0.0.1', port: 0 })
console.log(address)
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)))
