/**
 * The ceiling for the read benchmarks: a bare Fastify server with no plugins, hooks or database, answering each
 * scenario's exact response, ready-made, at /s/<n>: the same status, the same headers (keys, validators, lifetimes)
 * and the same body bytes, held as a Buffer. A scenario spread over many paths is loaded here over as many
 * (/s/<n>/<path>), so that the load generator does the same work for the ceiling as for the server it is
 * compared with.
 *
 * The file it reads (argument 1) holds one `Recorded` per scenario (`record` makes one from a real response).
 */
import { readFileSync } from 'node:fs'
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify'

export interface Recorded {
  status: number
  headers: Record<string, string>
  body: string
}

/** Headers of one response, or one connection, that the server writes itself. */
const OWN = new Set(['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding'])

/**
 * A GET as the load generator sends it: it asks for no compression, while fetch asks for gzip and brotli by
 * default (and would record a compressed response's headers beside its decompressed body).
 */
export const fetchAsLoaded = (url: string, headers: Record<string, string> = {}) =>
  fetch(url, { headers: { 'accept-encoding': 'identity', ...headers } })

/** A response as the ceiling will answer it. */
export async function record(response: Response): Promise<Recorded> {
  const headers: Record<string, string> = {}
  for (const [name, value] of response.headers) if (!OWN.has(name)) headers[name] = value
  return { status: response.status, headers, body: await response.text() }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const recorded = JSON.parse(readFileSync(process.argv[2] as string, 'utf8')) as Recorded[]
  const responses = recorded.map((r) => ({ ...r, body: Buffer.from(r.body) }))
  const app = Fastify({ logger: false })
  const answer = async (request: FastifyRequest<{ Params: { n: string } }>, reply: FastifyReply) => {
    const response = responses[Number(request.params.n)]
    if (response === undefined) return reply.code(404).send()
    reply.code(response.status).headers(response.headers)
    return response.status === 304 ? reply.send() : reply.send(response.body)
  }
  app.get<{ Params: { n: string } }>('/s/:n', answer)
  app.get<{ Params: { n: string } }>('/s/:n/*', answer)
  const address = await app.listen({ host: '127.0.0.1', port: 0 })
  console.log(address)
  process.on('SIGTERM', () => void app.close().then(() => process.exit(0)))
}
