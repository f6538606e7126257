/**
 * What the article-detail goal is measured against: "a minimal Fastify + better-sqlite3 route". Four servers on the
 * same archive, article detail by id over the 500 newest articles, alternating rounds, medians, server CPU per
 * request:
 * - bare: a Fastify route answering fixed bytes (one stored body template), as the ceiling of `bench:reads`;
 * - minimal: one prepared statement reading the article's stored body template by id, sent as it is;
 * - minimal + ETag: the same, hashed with SHA-256 for a strong content ETag, as every public response is;
 * - Newsdesk cold: `dist/server.js` with the response cache off.
 *
 *   BENCH_PREPARE_ONLY=/tmp/bench.db BENCH_SIZES=10000 npx tsx test/bench/reads.ts   # the archive, once
 *   npm run bench:minimal -- /tmp/bench.db
 *
 * BENCH_SECONDS (default 3), BENCH_ROUNDS (default 5). Loopback only.
 */
import type { ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import Database from 'better-sqlite3'
import Fastify from 'fastify'
import { load, type Result, start } from './processes.js'

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)

async function serve(file: string) {
  const db = new Database(file, { readonly: true })
  const template = db.prepare('select template from body_templates where article_id = ?').pluck()
  // A stored body's bytes, fixed: the same size as what the minimal route sends.
  const fixed = Buffer.from(db.prepare('select template from body_templates limit 1').pluck().get() as string)
  const app = Fastify({ logger: false })
  const json = 'application/json; charset=utf-8'
  app.get('/bare/:id', (_request, reply) => reply.type(json).send(fixed))
  app.get<{ Params: { id: string } }>('/minimal/:id', (request, reply) => {
    const found = template.get(request.params.id) as string | undefined
    if (found === undefined) return reply.code(404).send()
    return reply.type(json).send(found)
  })
  app.get<{ Params: { id: string } }>('/etag/:id', (request, reply) => {
    const found = template.get(request.params.id) as string | undefined
    if (found === undefined) return reply.code(404).send()
    const body = Buffer.from(found)
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`
    return reply.type(json).header('etag', etag).send(body)
  })
  console.log(await app.listen({ host: '127.0.0.1', port: 0 }))
}

/** CPU time a process has used, in µs (`/proc/<pid>/stat`, clock ticks of 10 ms). */
const cpuOf = (pid: number | undefined) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 10_000
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number

async function main(file: string) {
  const db = new Database(file, { readonly: true })
  const ids = db
    .prepare("select id from articles where status = 'published' order by published_at desc limit 500")
    .pluck()
    .all() as string[]
  db.close()
  const children: ChildProcess[] = []
  try {
    const small = await start(
      process.execPath,
      ['--import', 'tsx', 'test/bench/minimal.ts', 'serve', file],
      {},
      /(http:\/\/127\.0\.0\.1:\d+)/,
    )
    children.push(small.child)
    const newsdesk = await start(
      process.execPath,
      ['dist/server.js'],
      {
        HOST: '127.0.0.1',
        PORT: '0',
        DATABASE_URL: `file:${file}`,
        DEMO_DATA: 'false',
        LOG_LEVEL: 'info',
        NODE_ENV: 'production',
        RESPONSE_CACHE_MB: '0',
      },
      /Server listening at (http:\/\/127\.0\.0\.1:\d+)/,
    )
    children.push(newsdesk.child)
    const servers = [
      { name: 'bare (fixed bytes)', child: small.child, base: `${small.url}/bare` },
      { name: 'minimal (one query)', child: small.child, base: `${small.url}/minimal` },
      { name: 'minimal + SHA-256 ETag', child: small.child, base: `${small.url}/etag` },
      { name: 'Newsdesk cold', child: newsdesk.child, base: `${newsdesk.url}/v1/articles` },
    ]
    const results = servers.map(() => ({ rps: [] as number[], cpu: [] as number[] }))
    for (const s of servers) for (const id of ids.slice(0, 100)) await fetch(`${s.base}/${id}`)
    for (let round = 0; round < ROUNDS; round++)
      for (const [i, s] of servers.entries()) {
        const before = cpuOf(s.child.pid)
        const result: Result = await load({
          url: `${s.base}/${ids[0]}`,
          method: 'GET',
          seconds: SECONDS,
          connections: 50,
          paths: ids.map((id) => `${new URL(s.base).pathname}/${id}`),
        })
        if (result.non2xx + result.errors > 0) throw new Error(`${s.name}: ${result.non2xx} non-2xx`)
        results[i]?.rps.push(result.requestsPerSecond)
        results[i]?.cpu.push((cpuOf(s.child.pid) - before) / result.total)
      }
    const bare = { rps: median(results[0]?.rps ?? []), cpu: median(results[0]?.cpu ?? []) }
    console.log(
      `article detail by id, ${ids.length} articles in turn, ${SECONDS} s runs, median of ${ROUNDS} alternating rounds`,
    )
    console.log(
      '| server | req/s | share | µs CPU per request | share by CPU |\n| --- | ---: | ---: | ---: | ---: |',
    )
    for (const [i, s] of servers.entries()) {
      const rps = median(results[i]?.rps ?? [])
      const cpu = median(results[i]?.cpu ?? [])
      console.log(
        `| ${s.name} | ${rps.toFixed(0)} | ${((rps / bare.rps) * 100).toFixed(0)} % | ${cpu.toFixed(0)} | ${((bare.cpu / cpu) * 100).toFixed(0)} % |`,
      )
    }
  } finally {
    for (const child of children) child.kill('SIGTERM')
  }
}

if (process.argv[2] === 'serve') await serve(process.argv[3] as string)
else if (process.argv[2]) await main(process.argv[2])
else console.error('usage: npx tsx test/bench/minimal.ts ARCHIVE.db (see the comment at the top)')
