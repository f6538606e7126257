/**
 * Summaries read an article's byline, topics and tags from its own row (`summary_links`), not from the link tables:
 * every write that can change what they show writes that copy again, a row without one (from before the
 * migration) still answers the same bytes, and the migration's backfill writes what the write path does.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { sql } from 'drizzle-orm'
import t, { type Test } from 'tap'
import { migrationsRoot, rawExec, rawRows } from '../src/db/client.js'
import { article, build, engine, type TestContext } from './helper.js'

const linkTables = /\b(bylines|article_topics|article_tags)\b/

async function setup(t: Test) {
  const ctx = await build(t, { demo: true, env: { RESPONSE_CACHE_MB: '0' } })
  const admin = await ctx.auth('admin')
  const post = async (url: string, payload: object) => {
    const res = await ctx.app.inject({ method: 'POST', url, headers: admin, payload })
    if (res.statusCode !== 201) throw new Error(`${url}: ${res.body}`)
    return res.json()
  }
  const desk = await post('/v1/authors', { name: 'Border Desk' })
  const second = await post('/v1/authors', { name: 'Second Reporter' })
  const hub = await post('/v1/topics', { title: 'Ceasefire Talks' })
  const other = await post('/v1/topics', { title: 'Shelling' })
  const a = await article(ctx, admin, {
    headline: 'Talks resume in Geneva',
    authors: [desk.slug, second.slug],
    topics: [hub.slug, other.slug],
    tags: ['talks', 'geneva'],
    publish: true,
  })
  return { ctx, admin, desk, second, hub, other, a }
}

/** The article's summary as the newest list shows it, and the statements that list ran. */
async function listed(ctx: TestContext, id: string) {
  const { response, queries } = await ctx.queriesOf('/v1/articles?limit=50')
  const item = response.json().data.find((s: { id: string }) => s.id === id)
  return { item, queries, body: response.body }
}

t.test('a list reads no link table, and shows what the links are', async (t) => {
  const { ctx, a, desk, second, hub, other } = await setup(t)
  await ctx.app.inject('/v1/articles?limit=50') // the total is counted once, then kept
  const { item, queries } = await listed(ctx, a.id)
  t.same(
    queries.filter((q) => linkTables.test(q)),
    [],
    'no byline, topic or tag query for a page of summaries',
  )
  t.same(
    item.authors.map((x: { slug: string }) => x.slug),
    [desk.slug, second.slug],
  )
  t.same(
    item.authors[0],
    { id: desk.id, slug: desk.slug, name: 'Border Desk' },
    'an author as before, in order',
  )
  t.same(
    item.topics.map((x: { title: string }) => x.title),
    ['Ceasefire Talks', 'Shelling'],
  )
  t.same(item.primaryTopic, { id: hub.id, slug: hub.slug, title: 'Ceasefire Talks' })
  t.same(item.tags, ['talks', 'geneva'])
  t.equal(other.title, 'Shelling')
})

t.test('every write that changes what a summary shows writes its copy again', async (t) => {
  const { ctx, admin, desk, second, hub, other, a } = await setup(t)
  const patch = (url: string, payload: object) =>
    ctx.app.inject({ method: 'PATCH', url, headers: admin, payload })

  t.equal((await patch(`/v1/authors/${desk.slug}`, { name: 'Frontline Desk' })).statusCode, 200)
  t.equal((await listed(ctx, a.id)).item.authors[0].name, 'Frontline Desk', 'an author renamed')
  t.equal((await patch(`/v1/authors/${desk.id}`, { slug: 'frontline' })).statusCode, 200)
  t.equal((await listed(ctx, a.id)).item.authors[0].slug, 'frontline', 'an author given a new slug')

  t.equal((await patch(`/v1/topics/${hub.slug}`, { title: 'Peace Talks' })).statusCode, 200)
  let { item } = await listed(ctx, a.id)
  t.equal(item.topics[0].title, 'Peace Talks', 'a topic renamed')
  t.equal(item.primaryTopic.title, 'Peace Talks', 'and as the primary topic')

  const detail = await ctx.app.inject(`/v1/articles/${a.id}`)
  t.equal(detail.json().topics[0].title, 'Peace Talks', 'the article itself shows it too')

  const updated = await patch(`/v1/articles/${a.id}`, {
    authors: [second.slug],
    topics: [other.slug],
    tags: ['shelling'],
  })
  t.equal(updated.statusCode, 200)
  t.same(
    updated.json().authors.map((x: { slug: string }) => x.slug),
    [second.slug],
    'the write answers the new byline',
  )
  ;({ item } = await listed(ctx, a.id))
  t.same(
    item.authors.map((x: { slug: string }) => x.slug),
    [second.slug],
    'new byline',
  )
  t.same(
    item.topics.map((x: { slug: string }) => x.slug),
    [other.slug],
    'new topics',
  )
  t.same(item.tags, ['shelling'], 'new tags')

  const headline = await patch(`/v1/articles/${a.id}`, { headline: 'Talks resume' })
  t.same(headline.json().tags, ['shelling'], 'a write that keeps the links keeps them')

  const removed = await ctx.app.inject({ method: 'DELETE', url: `/v1/topics/${other.slug}`, headers: admin })
  t.equal(removed.statusCode, 204)
  ;({ item } = await listed(ctx, a.id))
  t.same(item.topics, [], 'a deleted topic leaves the summaries')
  t.equal(item.primaryTopic, null, 'and is no longer the primary topic')
})

t.test('a row without its copy (written before the column) answers the same bytes', async (t) => {
  // (Nor its summary's template, which is made from the copy: summary-template.test.ts.)
  const { ctx, a } = await setup(t)
  await ctx.app.inject('/v1/articles?limit=50')
  const stored = await listed(ctx, a.id)
  const detailStored = await ctx.app.inject(`/v1/articles/${a.id}`)
  await rawExec(ctx.database.db, sql`update articles set summary_links = null where id = ${a.id}`)
  await rawExec(ctx.database.db, sql`delete from summary_templates where article_id = ${a.id}`)
  const fallback = await listed(ctx, a.id)
  t.ok(
    fallback.queries.some((q) => linkTables.test(q)),
    'the link tables are read for it',
  )
  t.equal(fallback.body, stored.body, 'the list is byte for byte the same')
  t.equal((await ctx.app.inject(`/v1/articles/${a.id}`)).body, detailStored.body, 'so is the article')
})

t.test("the migration's backfill stores what the writes store", async (t) => {
  const { ctx } = await setup(t)
  const db = ctx.database.db
  const before = await rawRows<{ id: string; summary_links: unknown }>(
    db,
    sql`select id, summary_links from articles order by id`,
  )
  t.ok(before.length >= 7, 'the demo articles and the new one')
  t.ok(
    before.every((r) => r.summary_links !== null),
    'every article written through the API has its copy',
  )
  const file = engine === 'sqlite' ? 'sqlite/0015_summary_links.sql' : 'pg/0009_summary_links.sql'
  const [, backfill] = readFileSync(join(migrationsRoot, file), 'utf8').split('--> statement-breakpoint')
  await rawExec(db, sql`update articles set summary_links = null`)
  await rawExec(db, sql.raw(backfill as string))
  const after = await rawRows<{ id: string; summary_links: unknown }>(
    db,
    sql`select id, summary_links from articles order by id`,
  )
  const parsed = (rows: typeof before) =>
    rows.map((r) => ({
      id: r.id,
      links: typeof r.summary_links === 'string' ? JSON.parse(r.summary_links) : r.summary_links,
    }))
  t.same(parsed(after), parsed(before))
})
