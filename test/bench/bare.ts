/**
 * The baseline: a bare Fastify server with no plugins, hooks or database, answering 202 to POST /beacon and a fixed
 * JSON body (a real Most Popular response, so the same size) to GET /popular. Prints its address on stdout.
 */
import { readFileSync } from 'node:fs'
import Fastify from 'fastify'

// Sent as a ready string, as Newsdesk sends its cached Most Popular: the strictest baseline.
const popular = readFileSync(process.argv[2] as string, 'utf8')
const app = Fastify({ logger: false })
app.post('/beacon', async (_request, reply) => reply.code(202).send())
app.get('/popular', async (_request, reply) => reply.type('application/json; charset=utf-8').send(popular))
const address = await app.listen({ host: '127.0.0.1', port: 0 })
console.log(address)
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)))
