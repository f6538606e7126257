import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { sql } from 'drizzle-orm'
import t from 'tap'
import { rawExec, rawRows } from '../src/db/client.js'
import { article, build, databaseEnv, newsroom, paragraph, type TestContext } from './helper.js'

// A body's blocks are sanitised when it is written: a read renders only its live blocks (related articles, fact
// tables) again, from the parts stored beside it, and never sanitises what the editor wrote.

const run = promisify(execFile)

/** The stored parts of one article, as JSON (SQLite keeps text, PostgreSQL jsonb). */
async function partsOf(ctx: TestContext, id: string): Promise<unknown> {
  const [row] = await rawRows<{ body_parts: unknown }>(
    ctx.database.db,
    sql`select body_parts from articles where id = ${id}`,
  )
  const value = row?.body_parts ?? null
  return typeof value === 'string' ? JSON.parse(value) : value
}

/** Sets the stored parts, and drops the body's template (template.test.ts), from which public reads join it first. */
async function setParts(ctx: TestContext, id: string, parts: unknown) {
  await rawExec(
    ctx.database.db,
    sql`update articles set body_parts = ${parts === null ? null : JSON.stringify(parts)} where id = ${id}`,
  )
  await rawExec(ctx.database.db, sql`delete from body_templates where article_id = ${id}`)
}

async function page(ctx: TestContext) {
  const headers = await ctx.auth('content:write')
  const { author } = await newsroom(ctx, headers)
  const target = await article(ctx, headers, {
    headline: 'The ceasefire holds',
    authors: [author],
    publish: true,
  })
  const live = await article(ctx, headers, {
    headline: 'Shelling resumes',
    authors: [author],
    publish: true,
    body: {
      blocks: [
        paragraph('Witnesses <b>counted</b> twelve shells.'),
        { type: 'related', article: target.slug },
        { type: 'heading', level: 2, text: 'What the sides say' },
      ],
    },
  })
  const plain = await article(ctx, headers, { headline: 'Talks adjourned', authors: [author], publish: true })
  return { headers, target, live, plain }
}

t.test(
  'writing a body with live blocks stores each other block sanitised; a plain body stores none',
  async (t) => {
    const ctx = await build(t)
    const { live, plain } = await page(ctx)
    t.same(await partsOf(ctx, live.id), [
      ['<p>Witnesses <b>counted</b> twelve shells.</p>', 'Witnesses counted twelve shells.'],
      null,
      ['<h2>What the sides say</h2>', 'What the sides say'],
    ])
    t.equal(
      await partsOf(ctx, plain.id),
      null,
      'a body without live blocks is answered from body_html as stored',
    )
  },
)

t.test('a read renders from the stored parts: nothing the editor wrote is sanitised again', async (t) => {
  const ctx = await build(t, { env: { RESPONSE_CACHE_MB: '0' } })
  const { live, target } = await page(ctx)
  // What the read answers comes from the stored parts: changed behind the API's back, the change shows.
  await setParts(ctx, live.id, [
    ['<p>From the stored parts.</p>', 'From the stored parts.'],
    null,
    ['<h2>Kept</h2>', 'Kept'],
  ])
  const read = await ctx.app.inject(`/v1/articles/${live.slug}`)
  t.equal(read.statusCode, 200)
  const body = read.json().body
  t.match(body.html, /^<p>From the stored parts\.<\/p>\n<aside class="related">/)
  t.match(body.html, new RegExp(`href="https://[^"]+/articles/${target.slug}">The ceasefire holds</a>`))
  t.ok(body.html.endsWith('<h2>Kept</h2>'))
  t.equal(body.text, 'From the stored parts.\n\nKept')
})

t.test(
  'a row written before the parts were kept reads the same, and `cli migrate` stores them',
  async (t) => {
    const ctx = await build(t, { env: { RESPONSE_CACHE_MB: '0' } })
    const { live, plain } = await page(ctx)
    const stored = await partsOf(ctx, live.id)
    const before = await ctx.app.inject(`/v1/articles/${live.slug}`)
    t.equal(before.statusCode, 200)

    await setParts(ctx, live.id, null)
    const legacy = await ctx.app.inject(`/v1/articles/${live.slug}`)
    t.equal(legacy.statusCode, 200)
    t.equal(legacy.body, before.body, 'rendered from the blocks, the same bytes')
    t.equal(legacy.headers.etag, before.headers.etag)

    const cli = () =>
      run(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'migrate'], {
        env: { ...process.env, ...databaseEnv(ctx), LOG_LEVEL: 'silent' },
      })
    const first = await cli()
    t.match(first.stdout, /; stored 1 templates of bodies and summaries\n$/)
    t.same(await partsOf(ctx, live.id), stored)
    t.equal(await partsOf(ctx, plain.id), null)
    const again = await cli()
    t.notMatch(again.stdout, /stored/, 'nothing left to fill')
    const after = await ctx.app.inject(`/v1/articles/${live.slug}`)
    t.equal(after.body, before.body)
    t.equal(after.headers.etag, before.headers.etag, 'filling the parts is no new version')
  },
)

t.test(
  'an edit of the body stores its new parts; an edit that drops the live blocks drops them',
  async (t) => {
    const ctx = await build(t, { env: { RESPONSE_CACHE_MB: '0' } })
    const { headers, live, target } = await page(ctx)
    const edited = await ctx.app.inject({
      method: 'PATCH',
      url: `/v1/articles/${live.id}`,
      headers,
      payload: {
        body: { blocks: [{ type: 'related', article: target.slug }, paragraph('A <i>new</i> lead.')] },
      },
    })
    t.equal(edited.statusCode, 200)
    t.same(await partsOf(ctx, live.id), [null, ['<p>A <i>new</i> lead.</p>', 'A new lead.']])
    const read = await ctx.app.inject(`/v1/articles/${live.slug}`)
    t.match(read.json().body.html, /<\/aside>\n<p>A <i>new<\/i> lead\.<\/p>$/)

    const plain = await ctx.app.inject({
      method: 'PATCH',
      url: `/v1/articles/${live.id}`,
      headers,
      payload: { body: { blocks: [paragraph('Only prose now.')] } },
    })
    t.equal(plain.statusCode, 200)
    t.equal(await partsOf(ctx, live.id), null)
    t.equal((await ctx.app.inject(`/v1/articles/${live.slug}`)).json().body.html, '<p>Only prose now.</p>')
  },
)
