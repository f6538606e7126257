/**
 * `npm run bench:reads` (part of `npm run bench`): every read a page makes, warm (response cache on) and cold (cache
 * off), against a ceiling measured in the same run: a bare Fastify route answering the very same response (status,
 * headers and body; test/bench/bare-reads.ts). Loopback
 * only, bounded, alternating rounds, medians. Prints a table per archive size (req/s, latency, and each server's CPU
 * time per request, which moves far less than throughput on a shared machine), writes them all as JSON, and reports
 * the servers' resident memory at the end.
 *
 *   BENCH_SIZES (default "10000,200000"), BENCH_SECONDS (default 3), BENCH_ROUNDS (default 3),
 *   BENCH_CONNECTIONS (default 50), BENCH_JSON (default ./bench-results.json), BENCH_ONLY (scenario names
 *   containing one of these comma-separated words, e.g. "topic,related"), BENCH_PREPARE_ONLY (a file: only build the
 *   first size's archive there, for profiling), BENCH_PG_URL (default
 *   postgres://postgres@127.0.0.1:5432/postgres; empty to skip): the same archive is copied there (`copy`) and a
 *   cold server on PostgreSQL runs every scenario too, reported as a ratio to the cold server on SQLite.
 */
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createArticle, fillStoredRenderings, publishArticle } from '../../src/articles/writes.js'
import { createAuthor } from '../../src/authors/store.js'
import { openDatabase } from '../../src/db/client.js'
import { copyDatabase } from '../../src/db/copy.js'
import { dropSchema } from '../../src/db/postgres.js'
import { seedDemo } from '../../src/demo/seed.js'
import { createTopic } from '../../src/topics/store.js'
import { fetchAsLoaded, type Recorded, record } from './bare-reads.js'
import { load, type Result, start } from './processes.js'

const SIZES = (process.env.BENCH_SIZES ?? '10000,200000').split(',').map(Number)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50)
const JSON_FILE = process.env.BENCH_JSON ?? 'bench-results.json'
const PG_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
/** Articles made through the API's own write path; the rest of the archive copies them with new ids and dates. */
const BASE = 2_000
const TOPICS = 20
const AUTHORS = 50

const WORDS =
  'the ministers met in new york for talks on the border ceasefire while shelling continued along the line of contact and observers counted the dead on both sides of the frontier'.split(
    ' ',
  )
const sentence = (seed: number, words: number) =>
  Array.from({ length: words }, (_, i) => WORDS[(seed * 7 + i * 13) % WORDS.length]).join(' ')

/** 8-12 paragraphs of about 110 words, with some inline markup: about 16 KB per article response. */
function body(i: number, slugs: string[]) {
  const blocks: Record<string, unknown>[] = []
  const paragraphs = 8 + (i % 5)
  for (let p = 0; p < paragraphs; p++) {
    blocks.push({
      type: 'paragraph',
      html: `${sentence(i + p, 55)} <em>${sentence(p, 3)}</em> ${sentence(i * p, 55)}.`,
    })
    if (p === 3 && i % 3 === 0) blocks.push({ type: 'heading', level: 2, text: sentence(i, 6) })
  }
  if (i % 4 === 0 && slugs.length > 0) blocks.push({ type: 'related', article: slugs[i % slugs.length] })
  if (i % 10 === 0) blocks.push({ type: 'factTable', factTable: 'september-2022-clashes-casualties' })
  return { blocks }
}

async function prepare(file: string, size: number) {
  const database = await openDatabase({ engine: 'sqlite', path: file, busyTimeoutMs: 5000 })
  const { db } = database
  const now = Date.now()
  await seedDemo(db, now)
  for (let t = 0; t < TOPICS; t++) await createTopic(db, { title: `Story ${t}` }, now)
  for (let a = 0; a < AUTHORS; a++) await createAuthor(db, { name: `Reporter ${a}` }, now)
  const slugs: string[] = []
  const span = 5 * 365 * 86_400_000
  for (let i = 0; i < Math.min(BASE, size); i++) {
    const at = now - span + Math.floor((i / BASE) * span)
    const row = await createArticle(
      db,
      {
        headline: `${sentence(i, 8)} ${i}`,
        standfirst: sentence(i + 1, 25),
        authors: [`reporter-${i % AUTHORS}`, ...(i % 5 === 0 ? [`reporter-${(i + 7) % AUTHORS}`] : [])],
        topics: [`story-${i % TOPICS}`, ...(i % 6 === 0 ? [`story-${(i + 3) % TOPICS}`] : [])],
        tags: [`tag-${i % 40}`, `tag-${(i * 7) % 40}`, 'border'].filter((t, k, all) => all.indexOf(t) === k),
        heroImage: { url: `https://images.example/${i}.jpg`, alt: sentence(i, 6), width: 1600, height: 900 },
        body: body(i, slugs) as never,
      },
      at,
    )
    await publishArticle(db, row.id, at, undefined, at)
    slugs.push(row.slug)
  }
  // The rest of the archive: copies of the base articles, each with its own id, slug and time.
  const sqlite = (database as import('../../src/db/sqlite.js').SqliteDatabase).connection
  const copies = size - Math.min(BASE, size)
  if (copies > 0) {
    sqlite.exec('create temp table copy_map (n integer primary key, source text, id text, at integer)')
    const base = sqlite
      .prepare('select id, published_at from articles where slug like ? order by published_at')
      .all('%') as {
      id: string
      published_at: number
    }[]
    const insertMap = sqlite.prepare('insert into copy_map values (?, ?, ?, ?)')
    sqlite.transaction(() => {
      for (let n = 0; n < copies; n++) {
        const source = base[n % base.length] as { id: string; published_at: number }
        const at = now - span - (n + 1) * Math.floor((10 * 365 * 86_400_000) / copies)
        const hex = (n + 1).toString(16).padStart(12, '0')
        insertMap.run(n, source.id, `0190aaaa-bbbb-7ccc-8ddd-${hex}`, at)
      }
      const columns = (sqlite.prepare('pragma table_info(articles)').all() as { name: string }[]).map(
        (c) => c.name,
      )
      const pick = columns
        .map((c) =>
          c === 'id'
            ? 'm.id'
            : c === 'slug'
              ? "a.slug || '-c' || m.n"
              : c === 'published_at' || c === 'created_at' || c === 'updated_at'
                ? 'm.at'
                : `a.${c}`,
        )
        .join(', ')
      sqlite.exec(
        `insert into articles (${columns.join(', ')}) select ${pick} from copy_map m join articles a on a.id = m.source`,
      )
      for (const table of ['bylines', 'article_topics', 'article_tags']) {
        const cols = (sqlite.prepare(`pragma table_info(${table})`).all() as { name: string }[]).map(
          (c) => c.name,
        )
        const sel = cols
          .map((c) => (c === 'article_id' ? 'm.id' : c === 'published_at' ? 'm.at' : `l.${c}`))
          .join(', ')
        sqlite.exec(
          `insert into ${table} (${cols.join(', ')}) select ${sel} from copy_map m join ${table} l on l.article_id = m.source`,
        )
      }
      // The same body's template; a summary's names the row it was made from: the copies get their own (below).
      sqlite.exec(
        'insert into body_templates (article_id, template) select m.id, b.template from copy_map m join body_templates b on b.article_id = m.source',
      )
    })()
    await fillStoredRenderings(db)
  }
  sqlite.pragma('optimize')
  const ids = sqlite.prepare('select id, slug from articles order by published_at desc limit 5000').all() as {
    id: string
    slug: string
  }[]
  await database.close()
  return ids
}

const rssOf = (pid: number | undefined) => {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024
  } catch {
    return 0
  }
}

/** The bytes of a response's header lines, as the ceiling writes them (without date and connection). */
const headerBytes = (response: Recorded | undefined) =>
  Object.entries(response?.headers ?? {}).reduce(
    (sum, [name, value]) => sum + name.length + value.length + 4,
    0,
  )

/** CPU time a process has used (user and system), in µs: `/proc/<pid>/stat`'s utime and stime, in clock ticks. */
const cpuOf = (pid: number | undefined) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS
  } catch {
    return Number.NaN
  }
}
/** Linux's USER_HZ, as `getconf CLK_TCK` answers on every common architecture. */
const CLOCK_TICKS = 100

/**
 * One load run, with the server's CPU time per request: on a shared machine throughput moves with whatever else
 * runs, while the CPU one request costs the server moves far less.
 */
async function measured(pid: number | undefined, options: Record<string, unknown>) {
  const before = cpuOf(pid)
  const result = await load(options)
  return { ...result, cpuUs: (cpuOf(pid) - before) / Math.max(result.total, 1) }
}

const median = <R extends Result>(results: R[]) =>
  [...results].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond)[Math.floor(results.length / 2)] as R

type Measured = Result & { cpuUs: number }
const medianCpu = (results: Measured[]) =>
  ([...results].sort((a, b) => a.cpuUs - b.cpuUs)[Math.floor(results.length / 2)] as Measured).cpuUs

async function benchSize(size: number, dir: string) {
  const dbFile = join(dir, `bench-${size}.db`)
  process.stdout.write(`\npreparing ${size.toLocaleString('en')} articles... `)
  const started = Date.now()
  const articles = await prepare(dbFile, size)
  console.log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s`)
  const pgSchema = `bench_${size}`
  if (PG_URL) {
    process.stdout.write(`copying to PostgreSQL (schema ${pgSchema})... `)
    const copied = Date.now()
    await dropSchema(PG_URL, pgSchema)
    await copyDatabase(
      { engine: 'sqlite', path: dbFile, busyTimeoutMs: 5000 },
      {
        engine: 'postgres',
        url: PG_URL,
        replicaUrls: [],
        poolSize: 4,
        statementTimeoutMs: 600_000,
        connectTimeoutMs: 5_000,
        schema: pgSchema,
      },
    )
    console.log(`done in ${((Date.now() - copied) / 1000).toFixed(0)} s`)
  }
  const env = {
    HOST: '127.0.0.1',
    PORT: '0',
    DATABASE_URL: `file:${dbFile}`,
    DEMO_DATA: 'false',
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
  }
  const children: ChildProcess[] = []
  try {
    const warm = await start(
      process.execPath,
      ['dist/server.js'],
      { ...env, LOG_LEVEL: 'info' },
      /Server listening at (http:\/\/127\.0\.0\.1:\d+)/,
    )
    children.push(warm.child)
    const cold = await start(
      process.execPath,
      ['dist/server.js'],
      { ...env, LOG_LEVEL: 'info', RESPONSE_CACHE_MB: '0' },
      /Server listening at (http:\/\/127\.0\.0\.1:\d+)/,
    )
    children.push(cold.child)
    const coldPg = PG_URL
      ? await start(
          process.execPath,
          ['dist/server.js'],
          {
            ...env,
            LOG_LEVEL: 'info',
            RESPONSE_CACHE_MB: '0',
            DATABASE_URL: PG_URL,
            DATABASE_SCHEMA: pgSchema,
          },
          /Server listening at (http:\/\/127\.0\.0\.1:\d+)/,
        )
      : undefined
    if (coldPg) children.push(coldPg.child)

    const pool = articles.slice(0, 500)
    const sample = pool[0] as { id: string; slug: string }
    const scenarios: { name: string; path: string; paths?: string[]; headers?: Record<string, string> }[] = [
      {
        name: 'article detail by id',
        path: `/v1/articles/${sample.id}`,
        paths: pool.map((a) => `/v1/articles/${a.id}`),
      },
      // A random article of the archive's last 5,000, as readers arriving from search and old links ask: more
      // than the default response cache holds, and more than any per-process memo of renderings would.
      {
        name: 'article detail, long tail',
        path: `/v1/articles/${sample.id}`,
        paths: articles.slice(0, 5000).map((a) => `/v1/articles/${a.id}`),
      },
      {
        name: 'article detail by slug',
        path: `/v1/articles/${sample.slug}`,
        paths: pool.map((a) => `/v1/articles/${a.slug}`),
      },
      { name: 'list of 20 newest', path: '/v1/articles?limit=20' },
      { name: 'list of 20 in a topic', path: '/v1/articles?topic=story-3&limit=20' },
      { name: 'topic detail', path: '/v1/topics/story-3' },
      {
        name: 'related',
        path: `/v1/articles/${sample.slug}/related`,
        paths: pool.slice(0, 200).map((a) => `/v1/articles/${a.slug}/related`),
      },
      { name: 'fact table', path: '/v1/fact-tables/september-2022-clashes-casualties' },
      { name: 'Most Popular', path: '/v1/popular?window=7d&limit=10' },
      // The rest of what the seed's page and a home or author page ask for.
      { name: "Editor's Picks", path: '/v1/collections/editors-picks' },
      { name: 'trending', path: '/v1/trending?limit=10' },
      { name: 'author detail', path: '/v1/authors/reporter-3' },
      { name: 'list of 20 by an author', path: '/v1/articles?author=reporter-3&limit=20' },
    ]
    // The ceiling answers each scenario's exact response: status, headers and bytes (one representative response
    // where the scenario spreads over many).
    const responses: Record<string, Recorded> = {}
    for (const s of scenarios) {
      const res = await fetchAsLoaded(`${warm.url}${s.path}`)
      if (res.status !== 200) throw new Error(`${s.path}: ${res.status} ${await res.text()}`)
      responses[s.name] = await record(res)
    }
    const etag = (await fetchAsLoaded(`${warm.url}${scenarios[0]?.path}`)).headers.get('etag') as string
    scenarios.push({
      name: '304 revalidation',
      path: scenarios[0]?.path as string,
      headers: { 'if-none-match': etag },
    })
    responses['304 revalidation'] = await record(
      await fetchAsLoaded(`${warm.url}${scenarios[0]?.path}`, { 'if-none-match': etag }),
    )
    if (responses['304 revalidation'].status !== 304) throw new Error('the revalidation did not answer 304')
    const bodiesFile = join(dir, 'responses.json')
    writeFileSync(bodiesFile, JSON.stringify(scenarios.map((s) => responses[s.name])))
    const bare = await start(
      process.execPath,
      ['--import', 'tsx', 'test/bench/bare-reads.ts', bodiesFile],
      {},
      /(http:\/\/127\.0\.0\.1:\d+)/,
    )
    children.push(bare.child)

    const rows: Record<string, unknown>[] = []
    const only = process.env.BENCH_ONLY?.split(',')
    for (const [i, s] of scenarios.entries()) {
      if (only && !only.some((word) => s.name.includes(word))) continue
      const base = {
        seconds: SECONDS,
        connections: CONNECTIONS,
        method: 'GET',
        ...(s.headers ? { headers: s.headers } : {}),
      }
      const results = {
        ceiling: [] as Measured[],
        warm: [] as Measured[],
        cold: [] as Measured[],
        pg: [] as Result[],
      }
      // Warm the cache for the pooled scenarios before measuring.
      for (const path of (s.paths ?? [s.path]).slice(0, 500)) await fetchAsLoaded(`${warm.url}${path}`)
      for (let round = 0; round < ROUNDS; round++) {
        results.ceiling.push(
          await measured(bare.child.pid, {
            ...base,
            url: `${bare.url}/s/${i}`,
            ...(s.paths ? { paths: s.paths.map((path) => `/s/${i}${path}`) } : {}),
          }),
        )
        results.warm.push(
          await measured(warm.child.pid, {
            ...base,
            url: `${warm.url}${s.path}`,
            ...(s.paths ? { paths: s.paths } : {}),
          }),
        )
        results.cold.push(
          await measured(cold.child.pid, {
            ...base,
            url: `${cold.url}${s.path}`,
            ...(s.paths ? { paths: s.paths } : {}),
          }),
        )
        if (coldPg)
          results.pg.push(
            await load({ ...base, url: `${coldPg.url}${s.path}`, ...(s.paths ? { paths: s.paths } : {}) }),
          )
      }
      const p = results.pg.length > 0 ? median(results.pg) : undefined
      const [ceiling, w, c] = [median(results.ceiling), median(results.warm), median(results.cold)]
      const cpu = {
        ceiling: medianCpu(results.ceiling),
        warm: medianCpu(results.warm),
        cold: medianCpu(results.cold),
      }
      const row = {
        scenario: s.name,
        bytes: Buffer.byteLength(responses[s.name]?.body ?? ''),
        headerBytes: headerBytes(responses[s.name]),
        ceiling: ceiling.requestsPerSecond,
        warm: w.requestsPerSecond,
        warmRatio: w.requestsPerSecond / ceiling.requestsPerSecond,
        warmP50: w.p50,
        warmP99: w.p99,
        cold: c.requestsPerSecond,
        coldRatio: c.requestsPerSecond / ceiling.requestsPerSecond,
        coldP50: c.p50,
        coldP99: c.p99,
        // Server CPU per request (µs, medians), and the ceiling's as a share of each: the throughput share a
        // server that had the core to itself would reach.
        ceilingCpuUs: cpu.ceiling,
        warmCpuUs: cpu.warm,
        coldCpuUs: cpu.cold,
        warmCpuRatio: cpu.ceiling / cpu.warm,
        coldCpuRatio: cpu.ceiling / cpu.cold,
        ...(p
          ? {
              pgCold: p.requestsPerSecond,
              pgOverSqlite: p.requestsPerSecond / c.requestsPerSecond,
              pgP50: p.p50,
              pgP99: p.p99,
            }
          : {}),
        failed: s.headers ? 0 : w.non2xx + w.errors + c.non2xx + c.errors + (p ? p.non2xx + p.errors : 0),
      }
      rows.push(row)
      console.log(
        `${s.name.padEnd(26)} ${String(row.bytes).padStart(6)} ${String(row.headerBytes).padStart(6)} ${ceiling.requestsPerSecond.toFixed(0).padStart(7)} ` +
          `${w.requestsPerSecond.toFixed(0).padStart(7)} ${(row.warmRatio * 100).toFixed(0).padStart(4)}% ${String(w.p50).padStart(4)} ${String(w.p99).padStart(4)} ` +
          `${c.requestsPerSecond.toFixed(0).padStart(7)} ${(row.coldRatio * 100).toFixed(0).padStart(4)}% ${String(c.p50).padStart(4)} ${String(c.p99).padStart(4)} ` +
          (p
            ? `${p.requestsPerSecond.toFixed(0).padStart(7)} ${((p.requestsPerSecond / c.requestsPerSecond) * 100).toFixed(0).padStart(4)}% ${String(p.p99).padStart(4)} `
            : '') +
          `${String(row.failed).padStart(6)} ` +
          `${cpu.ceiling.toFixed(0).padStart(5)} ${cpu.warm.toFixed(0).padStart(5)} ${(row.warmCpuRatio * 100).toFixed(0).padStart(4)}% ${cpu.cold.toFixed(0).padStart(5)} ${(row.coldCpuRatio * 100).toFixed(0).padStart(4)}%`,
      )
    }
    const memory = { warm: rssOf(warm.child.pid), cold: rssOf(cold.child.pid) }
    console.log(
      `resident memory: warm server ${(memory.warm / 1_048_576).toFixed(0)} MB, cold server ${(memory.cold / 1_048_576).toFixed(0)} MB`,
    )
    return { size, rows, memory }
  } finally {
    for (const child of children) child.kill('SIGTERM')
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
}

const dir = mkdtempSync(join(tmpdir(), 'newsdesk-bench-reads-'))
if (process.env.BENCH_PREPARE_ONLY) {
  // For profiling: build the first size's archive at that path and stop.
  await prepare(process.env.BENCH_PREPARE_ONLY, SIZES[0] as number)
  rmSync(dir, { recursive: true, force: true })
  process.exit(0)
}
try {
  console.log(
    `each run: ${SECONDS} s, ${CONNECTIONS} connections, loopback, median of ${ROUNDS} rounds (ceiling, warm, cold alternating)`,
  )
  const all = []
  for (const size of SIZES) {
    console.log(
      `\n${'scenario'.padEnd(26)} ${'bytes'.padStart(6)} ${'header'.padStart(6)} ${'ceiling'.padStart(7)} ${'warm'.padStart(7)} ${'÷'.padStart(5)} ${'p50'.padStart(4)} ${'p99'.padStart(4)} ${'cold'.padStart(7)} ${'÷'.padStart(5)} ${'p50'.padStart(4)} ${'p99'.padStart(4)} ${PG_URL ? `${'pg cold'.padStart(7)} ${'pg÷sq'.padStart(5)} ${'p99'.padStart(4)} ` : ''}${'failed'.padStart(6)} ${'µs:ce'.padStart(5)} ${'warm'.padStart(5)} ${'÷'.padStart(5)} ${'cold'.padStart(5)} ${'÷'.padStart(5)}`,
    )
    all.push(await benchSize(size, dir))
  }
  writeFileSync(
    JSON_FILE,
    `${JSON.stringify({ seconds: SECONDS, rounds: ROUNDS, connections: CONNECTIONS, sizes: all }, null, 2)}\n`,
  )
  console.log(`\nwritten to ${JSON_FILE}`)
} finally {
  rmSync(dir, { recursive: true, force: true })
}
