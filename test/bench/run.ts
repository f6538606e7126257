/**
 * `npm run bench`: the view beacon and Most Popular against a bare Fastify baseline, measured in the same run on
 * loopback, each load from a separate process with a bounded duration. Reports throughput, p50, p99 and ratios.
 *
 * Each pair (baseline, Newsdesk) runs back to back, BENCH_ROUNDS times, and the medians are compared, so that a
 * noisy neighbour on the machine hits both sides alike.
 *
 *   BENCH_SECONDS (default 5) per run, BENCH_ROUNDS (default 3), BENCH_CONNECTIONS (default 50),
 *   BENCH_ARTICLES (default 10000).
 */
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createArticle, publishArticle } from '../../src/articles/writes.js'
import { createAuthor } from '../../src/authors/store.js'
import { openDatabase } from '../../src/db/client.js'
import { HOUR_MS } from '../../src/popularity/counter.js'
import { addToBuckets } from '../../src/popularity/store.js'
import { createTopic } from '../../src/topics/store.js'
import { load, type Result, start } from './processes.js'

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50)
const ARTICLES = Number(process.env.BENCH_ARTICLES ?? 10_000)

async function prepareDatabase(file: string) {
  const database = await openDatabase({ engine: 'sqlite', path: file, busyTimeoutMs: 5000 })
  const now = Date.now()
  await createAuthor(database.db, { name: 'Bench Desk' }, now)
  await createTopic(database.db, { title: 'Bench' }, now)
  const ids: string[] = []
  for (let i = 0; i < ARTICLES; i++) {
    const at = now - (ARTICLES - i) * 60_000
    const row = await createArticle(
      database.db,
      {
        headline: `Bench article ${i}`,
        authors: ['bench-desk'],
        topics: i % 3 === 0 ? ['bench'] : [],
        tags: [`tag-${i % 50}`],
        body: {
          blocks: [{ type: 'paragraph', html: `Paragraph of article ${i} with <em>some</em> words.` }],
        },
      },
      at,
    )
    await publishArticle(database.db, row.id, at, undefined, at)
    ids.push(row.id)
  }
  // A month of hourly counts for a tenth of the articles, so that Most Popular has real work to do.
  const deltas = []
  const currentHour = now - (now % HOUR_MS)
  for (let i = 0; i < ids.length; i += 10) {
    for (let h = 0; h < 24 * 30; h += 7) {
      const views = ((i * 31 + h * 17) % 97) + 1
      deltas.push({
        articleId: ids[i] as string,
        hour: currentHour - h * HOUR_MS,
        views,
        uniques: views,
        botViews: 0,
      })
    }
  }
  await addToBuckets(database.db, deltas, Date.now())
  await database.close()
  return ids
}

const row = (name: string, r: Result) =>
  `${name.padEnd(44)} ${r.requestsPerSecond.toFixed(0).padStart(8)} ${String(r.p50).padStart(6)} ${String(r.p99).padStart(6)} ${String(r.non2xx + r.errors).padStart(8)}`

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'newsdesk-bench-'))
  const children: ChildProcess[] = []
  try {
    const dbFile = join(dir, 'bench.db')
    process.stdout.write(`preparing ${ARTICLES} articles... `)
    const ids = await prepareDatabase(dbFile)
    console.log('done')

    const api = await start(
      process.execPath,
      ['dist/server.js'],
      {
        HOST: '127.0.0.1',
        PORT: '0',
        DATABASE_URL: `file:${dbFile}`,
        DEMO_DATA: 'false',
        LOG_LEVEL: 'info',
        VIEWS_RATE_LIMIT: '1000000000',
        TRUST_PROXY: '127.0.0.1', // readers are told apart by X-Forwarded-For, the load generator their proxy
        VIEWS_PER_ADDRESS_HOURLY: '1000000000',
      },
      /Server listening at (http:\/\/127\.0\.0\.1:\d+)/,
    )
    children.push(api.child)
    const popularBody = await (await fetch(`${api.url}/v1/popular?window=7d&limit=10`)).text()
    const bodyFile = join(dir, 'popular.json')
    writeFileSync(bodyFile, popularBody)
    const bare = await start(
      process.execPath,
      ['--import', 'tsx', 'test/bench/bare.ts', bodyFile],
      {},
      /(http:\/\/127\.0\.0\.1:\d+)/,
    )
    children.push(bare.child)

    const beaconUrl = `${api.url}/v1/articles/${ids[ids.length - 1]}/views`
    const base = { seconds: SECONDS, connections: CONNECTIONS }
    console.log(
      `each run: ${SECONDS} s, ${CONNECTIONS} connections, loopback; Most Popular body ${popularBody.length} bytes\n`,
    )

    const rounds: Record<'bare202' | 'beacon' | 'bareJson' | 'popular' | 'streamed', Result[]> = {
      bare202: [],
      beacon: [],
      bareJson: [],
      popular: [],
      streamed: [],
    }
    // Most Popular runs while beacons stream in; the bare fixed JSON under the same stream of POSTs to its 202 route.
    const stream = { seconds: SECONDS, connections: 10, rate: 2000, method: 'POST', readers: true }
    for (let round = 1; round <= ROUNDS; round++) {
      process.stdout.write(`round ${round}/${ROUNDS}... `)
      rounds.bare202.push(await load({ ...base, url: `${bare.url}/beacon`, method: 'POST' }))
      rounds.beacon.push(await load({ ...base, url: beaconUrl, method: 'POST', readers: true }))
      const [bareJson] = await Promise.all([
        load({ ...base, url: `${bare.url}/popular`, method: 'GET' }),
        load({ ...stream, url: `${bare.url}/beacon` }),
      ])
      const [popular, streamed] = await Promise.all([
        load({ ...base, url: `${api.url}/v1/popular?window=7d&limit=10`, method: 'GET' }),
        load({ ...stream, url: beaconUrl }),
      ])
      rounds.bareJson.push(bareJson as Result)
      rounds.popular.push(popular)
      rounds.streamed.push(streamed)
      console.log('done')
    }
    const median = (results: Result[]) =>
      [...results].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond)[
        Math.floor(results.length / 2)
      ] as Result
    const [bare202, beacon, bareJson, popular, streamed] = [
      median(rounds.bare202),
      median(rounds.beacon),
      median(rounds.bareJson),
      median(rounds.popular),
      median(rounds.streamed),
    ]
    const each = (results: Result[]) => results.map((r) => r.requestsPerSecond.toFixed(0)).join(' / ')

    console.log(`\nmedian of ${ROUNDS} rounds`)
    console.log(
      `${'run'.padEnd(44)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(6)} ${'p99 ms'.padStart(6)} ${'failed'.padStart(8)}`,
    )
    console.log(row('bare Fastify 202', bare202))
    console.log(row('POST /v1/articles/{article}/views', beacon))
    console.log(row('bare Fastify fixed JSON (+ 2k/s POSTs)', bareJson))
    console.log(row('GET /v1/popular (+ 2k/s beacons)', popular))
    console.log(row('  the beacon stream during that run', streamed))
    const ratio = (a: Result, b: Result) =>
      `${((a.requestsPerSecond / b.requestsPerSecond) * 100).toFixed(1)}%`
    console.log(`\nbeacon / bare 202:           ${ratio(beacon, bare202)} of throughput (goal ≥ 90%)`)
    console.log(`Most Popular / bare JSON:    ${ratio(popular, bareJson)} of throughput (goal ≥ 80%)`)
    console.log(`\nevery round, req/s: bare 202 ${each(rounds.bare202)}; beacon ${each(rounds.beacon)}`)
    console.log(
      `                    bare JSON ${each(rounds.bareJson)}; Most Popular ${each(rounds.popular)}`,
    )
  } finally {
    for (const child of children) child.kill('SIGTERM')
    await new Promise((resolve) => setTimeout(resolve, 500))
    rmSync(dir, { recursive: true, force: true })
  }
}

await main()
