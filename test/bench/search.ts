/**
 * `npm run bench:search` (part of `npm run bench`): search and suggest over a generated archive (corpus.ts) on
 * SQLite and on PostgreSQL, by kind of query: one selective word, one common word, two and three words, a phrase,
 * a prefix (search as you type), a misspelt name, and suggestions. Latency with one connection (p50, p99: the time
 * a reader waits) and throughput with eight, against a bare Fastify route answering a search response's bytes in
 * the same run. Also the index's size on disk relative to the articles' text. Loopback only, bounded.
 *
 *   BENCH_SEARCH_SIZE (default 50000), BENCH_SECONDS (default 3), BENCH_PG_URL (default this machine's; empty to
 *   skip PostgreSQL), BENCH_SEARCH_JSON (default ./bench-results-search.json).
 */
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'drizzle-orm'
import { openDatabase, rawRows } from '../../src/db/client.js'
import { dropSchema } from '../../src/db/postgres.js'
import { fetchAsLoaded, record } from './bare-reads.js'
import { generateArchive, random } from './corpus.js'
import { load, type Result, start } from './processes.js'

const SIZE = Number(process.env.BENCH_SEARCH_SIZE ?? 50_000)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3)
const PG_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const JSON_FILE = process.env.BENCH_SEARCH_JSON ?? 'bench-results-search.json'

const READY = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/
const q = (text: string) => `/v1/search?q=${encodeURIComponent(text)}&limit=10`

/** The kinds of query, each spread over many queries drawn from the archive itself. */
function queries(sample: { headline: string; body: string }[], words: string[]) {
  const next = random(7)
  const pick = <T>(list: T[]) => list[Math.floor(next() * list.length)] as T
  const wordsOf = (text: string) => text.toLowerCase().match(/[a-z]+/g) ?? []
  const rare = words.slice(Math.floor(words.length * 0.8))
  const common = words.slice(0, 30)
  const names = words.filter((w) => w.length >= 7).slice(0, 200)
  const misspell = (w: string) => {
    const i = 1 + Math.floor(next() * (w.length - 2))
    return `${w.slice(0, i)}${w[i + 1]}${w[i]}${w.slice(i + 2)}`
  }
  const n = 200
  const from = (f: () => string) => Array.from({ length: n }, () => q(f()))
  return {
    'one rare word': from(() => `${pick(rare)} `),
    'one common word': from(() => `${pick(common)} `),
    'two words (headline)': from(() => `${wordsOf(pick(sample).headline).slice(0, 2).join(' ')} `),
    'three words (headline)': from(() => `${wordsOf(pick(sample).headline).slice(1, 4).join(' ')} `),
    phrase: from(() => {
      const body = wordsOf(pick(sample).body)
      const at = Math.floor(next() * (body.length - 3))
      return `"${body.slice(at, at + 2).join(' ')}"`
    }),
    'prefix (as you type)': from(() => pick(names).slice(0, 4)),
    'misspelt name': from(() => `${misspell(pick(names))} `),
    suggest: Array.from({ length: n }, () => `/v1/search/suggest?q=${pick(names).slice(0, 3)}`),
  }
}

async function indexSize(url: string | undefined, file: string | undefined, schema?: string) {
  const database = await openDatabase(
    url
      ? {
          engine: 'postgres',
          url,
          replicaUrls: [],
          poolSize: 2,
          statementTimeoutMs: 600_000,
          connectTimeoutMs: 5_000,
          ...(schema ? { schema } : {}),
        }
      : { engine: 'sqlite', path: file as string, busyTimeoutMs: 5_000 },
  )
  try {
    const [row] = url
      ? await rawRows<{ index: number; text: number }>(
          database.db,
          sql`select pg_total_relation_size('article_search') + pg_total_relation_size('search_terms') as index, (select sum(octet_length(headline) + octet_length(coalesce(standfirst, '')) + octet_length(body_text)) from articles) as text`,
        )
      : await rawRows<{ index: number; text: number }>(
          database.db,
          sql`select (select sum(pgsize) from dbstat where name like 'article_search%' or name = 'search_terms') as "index", (select sum(length(cast(headline as blob)) + length(cast(coalesce(standfirst, '') as blob)) + length(cast(body_text as blob))) from articles) as "text"`,
        )
    return { index: Number(row?.index), text: Number(row?.text) }
  } finally {
    await database.close()
  }
}

const dir = mkdtempSync(join(tmpdir(), 'newsdesk-bench-search-'))
const pgSchema = `bench_search_${process.pid}`
const children: ChildProcess[] = []
const report: Record<string, unknown> = { size: SIZE, seconds: SECONDS }
try {
  const now = Date.now()
  const file = join(dir, 'search.db')
  console.log(`generating ${SIZE} articles on SQLite…`)
  const sqlite = await openDatabase({ engine: 'sqlite', path: file, busyTimeoutMs: 5000 })
  let started = Date.now()
  const { sample, words, textBytes } = await generateArchive(sqlite.db, SIZE, now)
  await sqlite.close()
  console.log(`  ${((Date.now() - started) / 1000).toFixed(0)} s, ${(textBytes / 1e6).toFixed(0)} MB of text`)
  const engines: { name: string; env: Record<string, string>; size: { index: number; text: number } }[] = [
    { name: 'SQLite', env: { DATABASE_URL: `file:${file}` }, size: await indexSize(undefined, file) },
  ]
  if (PG_URL) {
    console.log(`generating ${SIZE} articles on PostgreSQL…`)
    started = Date.now()
    const pg = await openDatabase({
      engine: 'postgres',
      url: PG_URL,
      replicaUrls: [],
      poolSize: 4,
      statementTimeoutMs: 600_000,
      connectTimeoutMs: 5_000,
      schema: pgSchema,
    })
    await generateArchive(pg.db, SIZE, now)
    await pg.close()
    console.log(`  ${((Date.now() - started) / 1000).toFixed(0)} s`)
    engines.push({
      name: 'PostgreSQL',
      env: { DATABASE_URL: PG_URL, DATABASE_SCHEMA: pgSchema },
      size: await indexSize(PG_URL, undefined, pgSchema),
    })
  }
  const kinds = queries(sample, words)
  const rows: Record<string, Record<string, Result & { ceilingRatio?: number }>> = {}
  for (const engine of engines) {
    const server = await start(
      process.execPath,
      ['dist/server.js'],
      {
        ...engine.env,
        PORT: '0',
        HOST: '127.0.0.1',
        NODE_ENV: 'production',
        DEMO_DATA: 'false',
        RESPONSE_CACHE_MB: '0',
        LOG_LEVEL: 'info',
      },
      READY,
    )
    children.push(server.child)
    // The ceiling: a bare route answering a representative search response (status, headers and bytes).
    const response = await record(await fetchAsLoaded(`${server.url}${kinds['two words (headline)'][0]}`))
    const bodiesFile = join(dir, 'responses.json')
    writeFileSync(bodiesFile, JSON.stringify([response]))
    const bare = await start(
      process.execPath,
      ['--import', 'tsx', 'test/bench/bare-reads.ts', bodiesFile],
      {},
      /(http:\/\/127\.0\.0\.1:\d+)/,
    )
    children.push(bare.child)
    const ceiling = await load({ url: `${bare.url}/s/0`, method: 'GET', seconds: SECONDS, connections: 8 })
    bare.child.kill('SIGTERM')
    rows[engine.name] = {}
    for (const [kind, paths] of Object.entries(kinds)) {
      // Warm the engine's caches for these queries once, then measure.
      for (const path of paths.slice(0, 20)) await fetch(`${server.url}${path}`)
      const latency = await load({
        url: `${server.url}${paths[0]}`,
        method: 'GET',
        seconds: SECONDS,
        connections: 1,
        paths,
      })
      const throughput = await load({
        url: `${server.url}${paths[0]}`,
        method: 'GET',
        seconds: SECONDS,
        connections: 8,
        paths,
      })
      if (latency.non2xx || throughput.non2xx) throw new Error(`${engine.name} ${kind}: non-2xx answers`)
      ;(rows[engine.name] as Record<string, unknown>)[kind] = {
        p50: latency.p50,
        p99: latency.p99,
        requestsPerSecond: throughput.requestsPerSecond,
        ceilingRatio: throughput.requestsPerSecond / ceiling.requestsPerSecond,
      }
    }
    server.child.kill('SIGTERM')
    report[engine.name] = {
      ceilingRequestsPerSecond: ceiling.requestsPerSecond,
      indexBytes: engine.size.index,
      textBytes: engine.size.text,
      results: rows[engine.name],
    }
  }
  console.log(
    `\nSearch over ${SIZE.toLocaleString('en')} articles (p50/p99 ms with 1 connection; req/s with 8)\n`,
  )
  const names = engines.map((e) => e.name)
  console.log(`| query | ${names.map((n) => `${n} p50 / p99 ms | ${n} req/s (÷ ceiling)`).join(' | ')} |`)
  console.log(`| --- | ${names.map(() => '---: | ---:').join(' | ')} |`)
  for (const kind of Object.keys(kinds)) {
    const cells = names.map((n) => {
      const r = rows[n]?.[kind] as unknown as {
        p50: number
        p99: number
        requestsPerSecond: number
        ceilingRatio: number
      }
      return `${r.p50} / ${r.p99} | ${Math.round(r.requestsPerSecond)} (${(r.ceilingRatio * 100).toFixed(1)} %)`
    })
    console.log(`| ${kind} | ${cells.join(' | ')} |`)
  }
  for (const engine of engines)
    console.log(
      `${engine.name}: index ${(engine.size.index / 1e6).toFixed(0)} MB for ${(engine.size.text / 1e6).toFixed(0)} MB of text (${((engine.size.index / engine.size.text) * 100).toFixed(0)} %)`,
    )
  writeFileSync(JSON_FILE, `${JSON.stringify(report, null, 2)}\n`)
} finally {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
  if (PG_URL) await dropSchema(PG_URL, pgSchema).catch(() => undefined)
}
