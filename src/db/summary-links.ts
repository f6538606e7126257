/**
 * `articles.summary_links`: an article's byline, topics and tags, in order, as one JSON value on its row, so that a
 * list of 20 summaries is one query instead of four (the link tables' lookups cost more than the page's own rows).
 * The link tables stay the truth (filters and counts use their indexes); this copy is written, by the same SQL the
 * migration filled it with, whenever what it shows can change: an article's links, an author's name or slug, a
 * topic's title or slug, a topic's deletion. Authors in a byline cannot be deleted.
 */
import { type SQL, sql } from 'drizzle-orm'
import { type Db, engineOf, rawExec, rawRows } from './client.js'

/** The column's value for the article row being updated, from the link tables (as the migrations compute it). */
function linksOf(db: Db): SQL {
  if (engineOf(db) === 'sqlite')
    return sql.raw(`json_object(
      'authors', (select json_group_array(json(x)) from (select json_object('id', a.id, 'slug', a.slug, 'name', a.name) as x from bylines b join authors a on a.id = b.author_id where b.article_id = articles.id order by b.position)),
      'topics', (select json_group_array(json(x)) from (select json_object('id', t.id, 'slug', t.slug, 'title', t.title) as x from article_topics l join topics t on t.id = l.topic_id where l.article_id = articles.id order by l.position)),
      'tags', (select json_group_array(tag) from (select tag from article_tags where article_id = articles.id order by position)))`)
  return sql.raw(`jsonb_build_object(
      'authors', coalesce((select jsonb_agg(jsonb_build_object('id', a.id, 'slug', a.slug, 'name', a.name) order by b.position) from bylines b join authors a on a.id = b.author_id where b.article_id = articles.id), '[]'::jsonb),
      'topics', coalesce((select jsonb_agg(jsonb_build_object('id', t.id, 'slug', t.slug, 'title', t.title) order by l.position) from article_topics l join topics t on t.id = l.topic_id where l.article_id = articles.id), '[]'::jsonb),
      'tags', coalesce((select jsonb_agg(tag order by position) from article_tags where article_id = articles.id), '[]'::jsonb))`)
}

/** Which articles to write it for: one, those an author writes or a topic holds, or a list of ids. */
export type LinksOf = { article: string } | { author: string } | { topic: string } | { articles: string[] }

const BATCH = 500

/** The ids of the articles `of` names. */
export async function articlesOf(tx: Db, of: LinksOf): Promise<string[]> {
  if ('article' in of) return [of.article]
  if ('articles' in of) return of.articles
  const rows = await rawRows<{ article_id: string }>(
    tx,
    'author' in of
      ? sql`select article_id from bylines where author_id = ${of.author}`
      : sql`select article_id from article_topics where topic_id = ${of.topic}`,
  )
  return rows.map((row) => row.article_id)
}

/** Writes `summary_links` again for the articles `of` names; run inside the write that changed their links. */
export async function storeSummaryLinks(tx: Db, of: LinksOf): Promise<void> {
  const set = (where: SQL) =>
    rawExec(tx, sql`update articles set summary_links = ${linksOf(tx)} where ${where}`)
  if ('article' in of) return set(sql`id = ${of.article}`)
  if ('author' in of) return set(sql`id in (select article_id from bylines where author_id = ${of.author})`)
  if ('topic' in of)
    return set(sql`id in (select article_id from article_topics where topic_id = ${of.topic})`)
  for (let i = 0; i < of.articles.length; i += BATCH) {
    const ids = of.articles.slice(i, i + BATCH).map((id) => sql`${id}`)
    await set(sql`id in (${sql.join(ids, sql`, `)})`)
  }
}
