/**
 * Moving up (issue 9): a newsroom that started on SQLite moves to PostgreSQL with one command, and every API
 * response is the same before and after, byte for byte (bodies, ETags, cache keys).
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { buildApp } from '../src/app.js'
import { loadConfig } from '../src/config.js'
import { openDatabase } from '../src/db/client.js'
import { dropSchema } from '../src/db/postgres.js'
import { seedDemo } from '../src/demo/seed.js'
import { createToken } from '../src/tokens/store.js'
import { engine, TEST_DATABASE_URL, testSchema } from './helper.js'

const run = promisify(execFile)
const NOW = Date.parse('2026-01-15T12:00:00.000Z')
const MAIN = 'azerbaijani-and-armenian-foreign-ministers-meet-in-new-york'
const TABLE = 'september-2022-clashes-casualties'

t.test(
  'copy --to postgres:// carries everything; every response is the same after',
  { skip: engine !== 'postgres' && 'runs with npm run test:pg' },
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'newsdesk-copy-'))
    const schema = testSchema()
    t.teardown(async () => {
      rmSync(dir, { recursive: true, force: true })
      await dropSchema(TEST_DATABASE_URL as string, schema)
    })
    const file = join(dir, 'newsroom.db')
    const sqliteConfig = loadConfig({
      DATABASE_URL: `file:${file}`,
      LOG_LEVEL: 'silent',
      RESPONSE_CACHE_MB: '0',
    })
    const source = await openDatabase(sqliteConfig.database)
    await seedDemo(source.db, NOW)
    const { token } = await createToken(source.db, 'desk', ['admin'], NOW)
    const editor = { authorization: `Bearer ${token}` }
    let clock = NOW
    const before = await buildApp(sqliteConfig, { database: source, clock: () => clock, logger: false })
    // A history worth carrying: a renamed slug, a draft, a correction (a deprecation), views.
    const renamed = await before.inject({
      method: 'PATCH',
      url: `/v1/articles/${MAIN}`,
      headers: editor,
      payload: { slug: 'ministers-meet' },
    })
    t.equal(renamed.statusCode, 200)
    t.equal(
      (
        await before.inject({
          method: 'POST',
          url: '/v1/articles',
          headers: editor,
          payload: { headline: 'A draft', authors: ['oc-media'], topics: [], body: { blocks: [] } },
        })
      ).statusCode,
      201,
    )
    const figures = (await before.inject(`/v1/fact-tables/${TABLE}/figures`)).json().data as { id: string }[]
    const corrected = await before.inject({
      method: 'POST',
      url: `/v1/figures/${figures[0]?.id}/deprecate`,
      headers: editor,
      payload: { reason: 'retracted', note: 'withdrawn by the claimant' },
    })
    t.equal(corrected.statusCode, 200)
    for (let reader = 1; reader <= 3; reader++)
      await before.inject({
        method: 'POST',
        url: '/v1/articles/ministers-meet/views',
        headers: { 'user-agent': `Mozilla/5.0 (${reader})` },
        remoteAddress: `192.0.2.${reader}`,
      })
    await before.flushViews()
    clock += 60_000

    const urls = [
      '/v1/articles',
      '/v1/articles?limit=2',
      '/v1/articles/ministers-meet',
      `/v1/articles/${MAIN}`,
      '/v1/articles/ministers-meet/related',
      '/v1/articles/ministers-meet/stats',
      '/v1/authors',
      '/v1/authors/oc-media',
      '/v1/topics',
      '/v1/topics/2022-azerbaijani-attack-on-armenia',
      '/v1/collections/editors-picks',
      '/v1/fact-tables',
      `/v1/fact-tables/${TABLE}`,
      `/v1/fact-tables/${TABLE}/history`,
      `/v1/fact-tables/${TABLE}/figures`,
      `/v1/fact-tables/${TABLE}/figures.csv`,
      `/v1/figures/${figures[0]?.id}`,
      '/v1/parties',
      '/v1/sources',
      '/v1/metrics',
      '/v1/popular',
      '/v1/popular?window=30d',
      '/v1/trending',
    ]
    const snapshot = async (app: typeof before) => {
      const answers: Record<string, unknown> = {}
      for (const url of urls)
        for (const headers of [{}, editor]) {
          const res = await app.inject({ url, headers })
          answers[`${Object.keys(headers).length ? 'editor' : 'public'} ${url}`] = {
            status: res.statusCode,
            etag: res.headers.etag,
            // As a set: each response lists its keys in the order its reads recorded them.
            keys: String(res.headers['surrogate-key'] ?? '')
              .split(' ')
              .sort()
              .join(' '),
            location: res.headers.location,
            body: res.body,
          }
        }
      return answers
    }
    const expected = await snapshot(before)
    await before.close()
    await source.close()

    const copied = await run(
      process.execPath,
      ['--import', 'tsx', 'src/cli.ts', 'copy', '--to', TEST_DATABASE_URL as string],
      {
        env: { ...process.env, DATABASE_URL: `file:${file}`, DATABASE_SCHEMA: schema, LOG_LEVEL: 'silent' },
      },
    )
    t.match(
      copied.stdout,
      /copied \d+ rows: authors 1, topics 1, articles 7, summary_templates 7, body_templates 7, article_slugs 1/,
    )

    const pgConfig = loadConfig({
      DATABASE_URL: TEST_DATABASE_URL as string,
      DATABASE_SCHEMA: schema,
      LOG_LEVEL: 'silent',
      RESPONSE_CACHE_MB: '0',
    })
    const moved = await openDatabase(pgConfig.database)
    const after = await buildApp(pgConfig, { database: moved, clock: () => clock, logger: false })
    t.teardown(async () => {
      await after.close()
      await moved.close()
    })
    const actual = await snapshot(after)
    for (const key of Object.keys(expected)) t.same(actual[key], expected[key], key)
    t.equal(Object.keys(actual).length, urls.length * 2)

    // The token moved as a hash and still works; copying again into a non-empty database is refused.
    t.equal((await after.inject({ url: '/v1/articles?status=draft', headers: editor })).statusCode, 200)
    await t.rejects(
      run(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'copy', '--to', TEST_DATABASE_URL as string], {
        env: { ...process.env, DATABASE_URL: `file:${file}`, DATABASE_SCHEMA: schema, LOG_LEVEL: 'silent' },
      }),
      /copy only into an empty database/,
    )
  },
)
