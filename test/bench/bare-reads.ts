/**
 * The ceiling for the read benchmark: a bare Fastify server with no plugins, hooks or database, answering each
 * scenario's exact response bytes, ready-serialised, at /s/<n> (an empty body stands for a fixed 304).
 */
import { readFileSync } from 'node:fs'
import Fastify from 'fastify'

const bodies = JSON.parse(readFileSync(process.argv[2] as string, 'utf8')) as string[]
const app = Fastify({ logger: false })
app.get<{ Params: { n: string } }>('/s/:n', async (request, reply) => {
  const body = bodies[Number(request.params.n)] ?? ''
  if (body === '') return reply.code(304).header('etag', '"fixed"').send()
  return reply.type('application/json; charset=utf-8').send(body)
})
const address = await app.listen({ host: '127.0.0.1', port: 0 })
console.log(address)
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)))
