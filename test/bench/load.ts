/**
 * One load run, in its own process so that the load generator does not share an event loop with what it
 * measures: `tsx test/bench/load.ts '<json options>'` (or `@FILE` holding them) prints one JSON line of results.
 */
import { readFileSync } from 'node:fs'
import autocannon from 'autocannon'

interface LoadOptions {
  url: string
  method: 'GET' | 'POST'
  seconds: number
  connections: number
  /** Requests per second over all connections; absent for as fast as possible. */
  rate?: number
  /** A different reader on every request: browser user agents and client addresses (TEST-NET ranges) vary. */
  readers?: boolean
  /** Paths to spread the requests over, in turn (e.g. many articles); absent for the URL's own path. */
  paths?: string[]
  headers?: Record<string, string>
}

const AGENTS = [
  'Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36',
]

const arg = process.argv[2] ?? '{}'
const options = JSON.parse(arg.startsWith('@') ? readFileSync(arg.slice(1), 'utf8') : arg) as LoadOptions
let n = 0
const result = await autocannon({
  url: options.url,
  method: options.method,
  duration: options.seconds,
  connections: options.connections,
  ...(options.headers ? { headers: options.headers } : {}),
  ...(options.rate ? { overallRate: options.rate } : {}),
  requests: [
    {
      setupRequest: (request) => {
        if (options.paths) {
          n++
          return { ...request, path: options.paths[n % options.paths.length] as string }
        }
        if (!options.readers) return request
        n++
        const agent = AGENTS[n % AGENTS.length] as string
        const address = `${n % 2 ? '203.0.113' : '198.51.100'}.${(n >> 1) % 250}`
        return {
          ...request,
          headers: { ...request.headers, 'user-agent': agent, 'x-forwarded-for': address },
        }
      },
    },
  ],
})
console.log(
  JSON.stringify({
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    total: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  }),
)
