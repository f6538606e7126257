/**
 * The search index, one dialect each: SQLite FTS5 (`porter unicode61 remove_diacritics 2`) and PostgreSQL full-text
 * search (an `english` configuration with `unaccent`, a generated weighted tsvector, a GIN index). Both index the
 * same six fields of each article with the same weight order (headline first, body last) and are written in the
 * same transaction as the article. Queries arrive here already parsed into words and phrases (src/search/query.ts):
 * nothing a reader types reaches either engine as syntax; words are letters and digits only, and every value is a
 * bound parameter.
 */
import { type SQL, sql } from 'drizzle-orm'
import { type Db, engineOf, limitOf, preparedOnce, rawExec, rawRows, syncStatement } from './client.js'

export const SEARCH_FIELDS = ['headline', 'standfirst', 'body', 'topics', 'tags', 'authors'] as const
export type SearchField = (typeof SEARCH_FIELDS)[number]

export interface SearchDocument extends Record<SearchField, string> {
  articleId: string
}

/**
 * SQLite: a scratch FTS5 table of each connection with the search index's own tokenizer, and its list of token
 * instances: how the index stems and folds a text, position by position (created when the connection opens).
 */
export const SQLITE_TOKENS_DDL = `create virtual table temp.search_tokens using fts5(${SEARCH_FIELDS.join(', ')}, tokenize = 'porter unicode61 remove_diacritics 2'); create virtual table temp.search_tokens_v using fts5vocab(temp, search_tokens, 'instance')`

const tokenStatements = preparedOnce((db: Db) => ({
  clear: syncStatement(db, sql`delete from temp.search_tokens`),
  put: syncStatement(
    db,
    sql`insert into temp.search_tokens (rowid, ${sql.raw(SEARCH_FIELDS.join(', '))}) values (1, ${sql.join(
      SEARCH_FIELDS.map((f) => sql.placeholder(f)),
      sql`, `,
    )})`,
  ),
  read: syncStatement<{ term: string; col: SearchField; offset: number }>(
    db,
    sql`select term, col, "offset" from temp.search_tokens_v`,
  ),
}))

/**
 * Each field's tokens, in order, exactly as SQLite's search index sees them. Synchronous: the scratch table holds
 * one text at a time, so no other request may run between writing it and reading it back.
 */
function tokensOf(db: Db, fields: Partial<Record<SearchField, string>>) {
  const statements = tokenStatements(db)
  statements.clear.run()
  statements.put.run(Object.fromEntries(SEARCH_FIELDS.map((f) => [f, fields[f] ?? ''])))
  const tokens = Object.fromEntries(SEARCH_FIELDS.map((f) => [f, [] as string[]])) as Record<
    SearchField,
    string[]
  >
  for (const { term, col, offset } of statements.read.all()) tokens[col][offset] = term
  return tokens
}

/** A field's word pairs: position i holds the pair of tokens i and i + 1 (so a phrase of pairs is a phrase). */
const pairsOf = (tokens: string[]) =>
  tokens
    .slice(0, -1)
    .map((token, i) => `${token}_${tokens[i + 1]}`)
    .join(' ')

/** A word (letters and digits only), optionally a prefix, or a phrase of such words. */
export interface EngineTerm {
  words: string[]
  prefix: boolean
}

/** All groups must match (each group: any of its terms); none of `excluded` may. */
export interface EngineQuery {
  groups: EngineTerm[][]
  excluded: EngineTerm[]
  /** Only in the headline (suggestions). */
  headlineOnly?: boolean
  /** SQLite: every term is a phrase, rewritten as pairs (`planned`) and matched on the pairs table. */
  pairs?: boolean
}

/** Snippet markers: control characters no indexed text contains (they are stripped on the way in). */
export const MARK_START = '\u0001'
export const MARK_END = '\u0002'
export const stripMarkers = (text: string) => text.replaceAll(MARK_START, ' ').replaceAll(MARK_END, ' ')

/* ---- Writing ---- */

/** What a search filters and sorts on before it reads an article (kept beside the index). */
export interface SearchVisibility {
  status: string
  publishedAt: number | null
  createdAt: number
}

export async function putSearchDocument(
  db: Db,
  doc: SearchDocument,
  visibility: SearchVisibility,
): Promise<void> {
  const values = sql.join(
    SEARCH_FIELDS.map((f) => sql`${stripMarkers(doc[f])}`),
    sql`, `,
  )
  if (engineOf(db) === 'sqlite') {
    const [existing] = await rawRows<{ key: number }>(
      db,
      sql`select rowid_key as key from search_meta where article_id = ${doc.articleId}`,
    )
    let key = existing?.key
    if (key === undefined) {
      const [inserted] = await rawRows<{ key: number }>(
        db,
        sql`insert into search_meta (article_id, status, published_at, created_at) values (${doc.articleId}, ${visibility.status}, ${visibility.publishedAt}, ${visibility.createdAt}) returning rowid_key as key`,
      )
      key = inserted?.key as number
    } else {
      await rawExec(db, sql`delete from article_search where rowid = ${key}`)
      await setVisibility(db, doc.articleId, visibility)
    }
    await rawExec(
      db,
      sql`insert into article_search (rowid, article_id, headline, standfirst, body, topics, tags, authors) values (${key}, ${doc.articleId}, ${values})`,
    )
    await putPairs(db, key, doc, existing !== undefined)
    await putCounts(db, key, doc, existing !== undefined)
    await putRecent(db, key, doc, existing !== undefined)
    return
  }
  await rawExec(
    db,
    sql`insert into article_search (article_id, headline, standfirst, body, topics, tags, authors, status, published_at, created_at) values (${doc.articleId}, ${values}, ${visibility.status}, ${visibility.publishedAt}, ${visibility.createdAt}) on conflict (article_id) do update set headline = excluded.headline, standfirst = excluded.standfirst, body = excluded.body, topics = excluded.topics, tags = excluded.tags, authors = excluded.authors, status = excluded.status, published_at = excluded.published_at, created_at = excluded.created_at`,
  )
}

/** After a publication or an unpublication: what the index filters visibility on. */
export async function setVisibility(db: Db, articleId: string, visibility: SearchVisibility): Promise<void> {
  const table = engineOf(db) === 'sqlite' ? sql`search_meta` : sql`article_search`
  await rawExec(
    db,
    sql`update ${table} set status = ${visibility.status}, published_at = ${visibility.publishedAt}, created_at = ${visibility.createdAt} where article_id = ${articleId}`,
  )
}

/** SQLite: the word pairs of the document indexed under `key` (replacing any, when `replace`). */
async function putPairs(
  db: Db,
  key: number,
  doc: Record<SearchField, string>,
  replace: boolean,
): Promise<void> {
  const tokens = tokensOf(db, Object.fromEntries(SEARCH_FIELDS.map((f) => [f, stripMarkers(doc[f])])))
  if (replace) await rawExec(db, sql`delete from article_search_pairs where rowid = ${key}`)
  await rawExec(
    db,
    sql`insert into article_search_pairs (rowid, ${sql.raw(SEARCH_FIELDS.join(', '))}) values (${key}, ${sql.join(
      SEARCH_FIELDS.map((f) => sql`${pairsOf(tokens[f])}`),
      sql`, `,
    )})`,
  )
}

/** SQLite: the lowest key the recent index holds (every indexed article from there up is in it). */
async function recentFloor(db: Db): Promise<number> {
  const [row] = await rawRows<{ floor: number }>(db, sql`select floor from search_recent`)
  return Number(row?.floor ?? Number.POSITIVE_INFINITY)
}

/**
 * SQLite: the document indexed under `key` in the recent index, when it is among the newest (every article from the
 * floor up is there). It keeps between `size` of them (5,000, migration 0011) and twice as many: past that, a new
 * article raises the floor, the older half leaves at once, and the index is rewritten whole (FTS5 marks a deleted
 * article's words instead of removing them, until segments are merged). Once every `size` articles: about a second
 * for 5,000 on this machine, in that article's write.
 */
async function putRecent(
  db: Db,
  key: number,
  doc: Record<SearchField, string>,
  replace: boolean,
): Promise<void> {
  const [row] = await rawRows<{ floor: number; size: number }>(db, sql`select floor, size from search_recent`)
  if (row === undefined) return
  const floor = Number(row.floor)
  const size = Number(row.size)
  if (key < floor) return
  if (key - floor + 1 > 2 * size) {
    const raised = key - size + 1
    await rawExec(db, sql`delete from article_search_recent where rowid >= ${floor} and rowid < ${raised}`)
    await rawExec(db, sql`update search_recent set floor = ${raised}`)
    await rawExec(db, sql`insert into article_search_recent (article_search_recent) values ('optimize')`)
  }
  await putRow(db, 'article_search_recent', key, doc, replace)
}

/** SQLite: the document under `key` in a table of the same six fields (replacing its row, when `replace`). */
async function putRow(
  db: Db,
  table: 'article_search_counts' | 'article_search_recent',
  key: number,
  doc: Record<SearchField, string>,
  replace: boolean,
): Promise<void> {
  if (replace) await rawExec(db, sql`delete from ${sql.raw(table)} where rowid = ${key}`)
  await rawExec(
    db,
    sql`insert into ${sql.raw(table)} (rowid, ${sql.raw(SEARCH_FIELDS.join(', '))}) values (${key}, ${sql.join(
      SEARCH_FIELDS.map((f) => sql`${stripMarkers(doc[f])}`),
      sql`, `,
    )})`,
  )
}

/**
 * SQLite: the words of the document indexed under `key` without their positions: what counting the matches of a
 * query of words reads, a list a third as long.
 */
const putCounts = (db: Db, key: number, doc: Record<SearchField, string>, replace: boolean) =>
  putRow(db, 'article_search_counts', key, doc, replace)

/**
 * SQLite: a table derived from the index (word pairs, word counts) for the articles indexed before it existed, up
 * to `batch` of them from where the last call stopped (its marker table). Answers how many it did (0 when all are
 * in, and the marker is gone).
 */
async function backfill(
  db: Db,
  marker: 'search_pairs_backfill' | 'search_counts_backfill',
  batch: number,
  put: (doc: Record<SearchField, string> & { key: number }) => Promise<void>,
): Promise<number> {
  if (engineOf(db) !== 'sqlite') return 0
  const [from] = await rawRows<{ next: number; last: number }>(
    db,
    sql`select next_key as next, last_key as last from ${sql.raw(marker)}`,
  )
  if (from === undefined) return 0
  const docs = await rawRows<Record<SearchField, string> & { key: number }>(
    db,
    sql`select rowid as key, ${sql.raw(SEARCH_FIELDS.join(', '))} from article_search where rowid >= ${from.next} and rowid <= ${from.last} order by rowid${limitOf(batch)}`,
  )
  // An article edited since the migration has its rows already: replaced, the same.
  for (const doc of docs) await put(doc)
  const last = docs.at(-1)
  if (last === undefined) await rawExec(db, sql`delete from ${sql.raw(marker)}`)
  else await rawExec(db, sql`update ${sql.raw(marker)} set next_key = ${last.key + 1}`)
  return docs.length
}

/** SQLite: the word pairs of articles indexed before the pairs table existed (migration 0010), `batch` at a time. */
export const backfillSearchPairs = (db: Db, batch: number) =>
  backfill(db, 'search_pairs_backfill', batch, (doc) => putPairs(db, doc.key, doc, true))

/** SQLite: the word counts of articles indexed before that table existed (migration 0013), `batch` at a time. */
export const backfillSearchCounts = (db: Db, batch: number) =>
  backfill(db, 'search_counts_backfill', batch, (doc) => putCounts(db, doc.key, doc, true))

export async function deleteSearchDocument(db: Db, articleId: string): Promise<void> {
  if (engineOf(db) === 'sqlite') {
    for (const table of [sql`article_search_pairs`, sql`article_search_counts`, sql`article_search_recent`])
      await rawExec(
        db,
        sql`delete from ${table} where rowid = (select rowid_key from search_meta where article_id = ${articleId})`,
      )
    await rawExec(
      db,
      sql`delete from article_search where rowid = (select rowid_key from search_meta where article_id = ${articleId})`,
    )
    await rawExec(db, sql`delete from search_meta where article_id = ${articleId}`)
    return
  }
  await rawExec(db, sql`delete from article_search where article_id = ${articleId}`)
}

/** Adds words to the vocabulary "did you mean" corrects towards (insert-only: a stale word costs nothing). */
export async function addSearchTerms(db: Db, terms: string[]): Promise<void> {
  for (let i = 0; i < terms.length; i += 500) {
    const chunk = terms.slice(i, i + 500)
    await rawExec(
      db,
      sql`insert into search_terms (term) values ${sql.join(
        chunk.map((t) => sql`(${t})`),
        sql`, `,
      )} on conflict (term) do nothing`,
    )
  }
}

/** Whether the index holds any article (one row read: counting an FTS5 table reads all of it). */
export async function searchIndexEmpty(db: Db): Promise<boolean> {
  const rows = await rawRows<{ one: number }>(db, sql`select 1 as one from article_search limit 1`)
  return rows.length === 0
}

/** Vocabulary words that could be a misspelling of `word`: same first letter, length within two. */
export async function termsNear(db: Db, word: string): Promise<string[]> {
  const first = String.fromCodePoint(word.codePointAt(0) ?? 0)
  const next = String.fromCodePoint((word.codePointAt(0) ?? 0) + 1)
  const rows = await rawRows<{ term: string }>(
    db,
    sql`select term from search_terms where term >= ${first} and term < ${next} and length(term) between ${word.length - 2} and ${word.length + 2} limit 20000`,
  )
  return rows.map((r) => r.term)
}

/* ---- Querying ---- */

/** SQLite's prefix indexes cover prefixes of up to this many letters (migration 0009). */
const INDEXED_PREFIX = 4
/** A longer prefix becomes the words it starts, when there are at most this many. */
const PREFIX_WORDS = 24

/**
 * On SQLite, a prefix longer than the prefix indexes becomes the known words that start with it: FTS5 would merge
 * the lists of every such word on each statement (snippets included), while words are read as they are needed. A
 * prefix starting more words than that stays a prefix. PostgreSQL's GIN index answers prefixes itself.
 */
function expandPrefixes(db: Db, query: EngineQuery): Promise<EngineQuery> {
  if (engineOf(db) !== 'sqlite') return Promise.resolve(query)
  // One search reads its page, snippets and facets with the same query object: expanded once for all three.
  let expanded = expansions.get(query)
  if (expanded === undefined) {
    expanded = expandWords(db, query)
    expansions.set(query, expanded)
  }
  return expanded
}
const expansions = new WeakMap<EngineQuery, Promise<EngineQuery>>()

async function expandWords(db: Db, query: EngineQuery): Promise<EngineQuery> {
  const expand = async (terms: EngineTerm[]): Promise<EngineTerm[]> =>
    (
      await Promise.all(
        terms.map(async (term) => {
          const [word] = term.words
          if (!term.prefix || term.words.length !== 1 || word === undefined || word.length <= INDEXED_PREFIX)
            return [term]
          const next = `${word.slice(0, -1)}${String.fromCodePoint((word.codePointAt(word.length - 1) ?? 0) + 1)}`
          const rows = await rawRows<{ term: string }>(
            db,
            sql`select term from search_terms where term >= ${word} and term < ${next}${limitOf(PREFIX_WORDS + 1)}`,
          )
          // Words only (letters and digits): a vocabulary entry is never syntax.
          const words = rows.map((r) => r.term).filter((w) => /^[\p{L}\p{N}]+$/u.test(w))
          if (words.length === 0 || rows.length > PREFIX_WORDS) return [term]
          return words.map((w) => ({ words: [w], prefix: false }))
        }),
      )
    ).flat()
  if (!query.groups.some((g) => g.some((t) => t.prefix)) && !query.excluded.some((t) => t.prefix))
    return query
  return {
    ...query,
    groups: await Promise.all(query.groups.map(expand)),
    excluded: await expand(query.excluded),
  }
}

/**
 * What a search matches with: the query with its prefixes expanded and, on SQLite, a query made of phrases alone
 * rewritten as word pairs for the pairs table. Its matches are the same: a phrase's words are adjacent in a field
 * exactly when their pairs are, position by position. (Snippets mark the words, so they read the query itself.)
 */
function planned(db: Db, query: EngineQuery): Promise<EngineQuery> {
  let plan = plans.get(query)
  if (plan === undefined) {
    plan = expandPrefixes(db, distinct(query)).then((expanded) => asPairs(db, expanded))
    plans.set(query, plan)
  }
  return plan
}
const plans = new WeakMap<EngineQuery, Promise<EngineQuery>>()

/** The query with each word, phrase and alternative once ("time time day" reads each list once): the same matches. */
function distinct(query: EngineQuery): EngineQuery {
  const keyOf = (term: EngineTerm) => `${term.words.join(' ')}${term.prefix ? '*' : ''}`
  const once = <T>(items: T[], key: (item: T) => string) => [
    ...new Map(items.map((item) => [key(item), item])).values(),
  ]
  const groups = query.groups.map((group) => once(group, keyOf))
  return {
    ...query,
    groups: once(groups, (group) => group.map(keyOf).sort().join('|')),
    excluded: once(query.excluded, keyOf),
  }
}

async function asPairs(db: Db, query: EngineQuery): Promise<EngineQuery> {
  const terms = [...query.groups.flat(), ...query.excluded]
  if (
    engineOf(db) !== 'sqlite' ||
    query.headlineOnly ||
    terms.length === 0 ||
    terms.some((term) => term.prefix || term.words.length < 2)
  )
    return query
  // Until the pairs of older articles are all in (at the first start after migration 0010), phrases are positional.
  if ((await rawRows(db, sql`select 1 from search_pairs_backfill limit 1`)).length > 0) return query
  const rewritten = new Map<EngineTerm, EngineTerm>()
  for (const term of terms) {
    const tokens = tokensOf(db, { body: term.words.join(' ') }).body
    // One token a word, as the parser promises; anything else keeps the positional phrase.
    if (tokens.length !== term.words.length || tokens.some((t) => !/^[\p{L}\p{N}]+$/u.test(t))) return query
    rewritten.set(term, { words: pairsOf(tokens).split(' '), prefix: false })
  }
  const pairs = (term: EngineTerm) => rewritten.get(term) as EngineTerm
  return {
    ...query,
    groups: query.groups.map((group) => group.map(pairs)),
    excluded: query.excluded.map(pairs),
    pairs: true,
  }
}

/** The SQLite table a planned query matches on. */
const ftsTable = (query: EngineQuery) => sql.raw(query.pairs ? 'article_search_pairs' : 'article_search')

const ftsTerm = (term: EngineTerm) => `"${term.words.join(' ')}"${term.prefix ? '*' : ''}`
const ftsAny = (terms: EngineTerm[]) =>
  terms.length === 1 ? ftsTerm(terms[0] as EngineTerm) : `(${terms.map(ftsTerm).join(' OR ')})`

/** The FTS5 MATCH expression, built from words that are letters and digits only. */
export function ftsExpression(query: EngineQuery): string {
  const positive = query.groups.map(ftsAny).join(' AND ')
  const scoped = query.headlineOnly ? `headline : (${positive})` : positive
  return query.excluded.length === 0 ? scoped : `${scoped} NOT ${ftsAny(query.excluded)}`
}

/** The PostgreSQL tsquery, each word a bound parameter. */
function tsQuery(query: EngineQuery): SQL {
  const weight = query.headlineOnly ? 'A' : ''
  const one = (term: EngineTerm): SQL =>
    term.words.length > 1
      ? sql`phraseto_tsquery('newsdesk', ${term.words.join(' ')})`
      : term.prefix || weight
        ? sql`to_tsquery('newsdesk', ${`${term.words[0]}:${term.prefix ? '*' : ''}${weight}`})`
        : sql`plainto_tsquery('newsdesk', ${term.words[0]})`
  const any = (terms: EngineTerm[]) => sql`(${sql.join(terms.map(one), sql` || `)})`
  const positive = sql.join(query.groups.map(any), sql` && `)
  return query.excluded.length === 0 ? positive : sql`${positive} && !!${any(query.excluded)}`
}

export type SearchSort = 'relevance' | 'newest' | 'oldest'

export interface SearchOptions {
  /** Only published articles whose time has come (the public), or every article (editors). */
  visibleOnly: boolean
  /** Further conditions on `articles` (the list's filters); the articles table is joined only for them. */
  where: SQL[]
  sort: SearchSort
  /** Weigh newer articles up (relevance order only): ×(0.5 + 0.5 / (1 + age in days / 180)). */
  recency: boolean
  now: number
  limit: number
  offset: number
  /** Also count every match (`page.total`); suggestions do without. */
  count?: boolean
  /**
   * Relevance order over a query that matches more articles than this ranks the this-many of them indexed last
   * (first indexed, that is: an edit keeps an article's place; SQLite's FTS rowid, PostgreSQL's `seq`): ranking
   * every match of a common word costs as much as the archive is large. Date order and the total cover every match.
   */
  rankWindow: number
}

export interface SearchHit {
  id: string
  score: number
}

/**
 * `from … where …` of a search, with `m.article_id`, `m.published_at`, `m.created_at` and `relevance`: on SQLite the
 * FTS table with `search_meta` (integer keys, small rows); on PostgreSQL the index table itself (`m`).
 */
function matches(
  db: Db,
  query: EngineQuery,
  options: Pick<SearchOptions, 'visibleOnly' | 'where' | 'now'>,
  recent = false,
) {
  const sqlite = engineOf(db) === 'sqlite'
  const joinArticles = options.where.length > 0 ? sql` join articles on articles.id = m.article_id` : sql``
  const conditions = [
    ...(options.visibleOnly ? [sql`m.status = 'published' and m.published_at <= ${options.now}`] : []),
    ...options.where,
  ]
  const extra = conditions.length > 0 ? sql` and ${sql.join(conditions, sql` and `)}` : sql``
  const table = recent ? sql.raw('article_search_recent') : ftsTable(query)
  return sqlite
    ? {
        from: sql`${table} join search_meta m on m.rowid_key = ${table}.rowid${joinArticles} where ${table} match ${ftsExpression(query)}${extra}`,
        // The same weights on the tables without an article id column.
        relevance: query.pairs
          ? sql`(-bm25(article_search_pairs, 10, 3, 1, 5, 5, 3))`
          : recent
            ? sql`(-bm25(article_search_recent, 10, 3, 1, 5, 5, 3))`
            : sql`(-bm25(article_search, 0, 10, 3, 1, 5, 5, 3))`,
        table,
      }
    : {
        from: sql`article_search m${joinArticles}, (select ${tsQuery(query)} as query) q where m.document @@ q.query${extra}`,
        relevance: sql`ts_rank(m.document, q.query)`,
        table: sql`m`,
      }
}

/** Up to this many unseen articles are looked up one by one; beyond, their matches are counted by a join. */
const HIDDEN_LOOKUPS = 2_000

/**
 * SQLite, without filters: the index's own count of matches (no join per match), less the matches among the few
 * articles the public cannot see (drafts and scheduled ones, found by their own index).
 */
async function ftsCount(db: Db, query: EngineQuery, options: Pick<SearchOptions, 'visibleOnly' | 'now'>) {
  const expression = ftsExpression(query)
  const table = ftsTable(query)
  // Words alone (no phrases, no field) are counted without their positions, once that table is filled.
  const counted =
    !query.pairs &&
    !query.headlineOnly &&
    [...query.groups.flat(), ...query.excluded].every((term) => term.words.length === 1) &&
    (await rawRows(db, sql`select 1 from search_counts_backfill limit 1`)).length === 0
      ? sql.raw('article_search_counts')
      : table
  const [all] = await rawRows<{ n: number }>(
    db,
    sql`select count(*) as n from ${counted} where ${counted} match ${expression}`,
  )
  if (!options.visibleOnly) return Number(all?.n ?? 0)
  const keys = await rawRows<{ key: number }>(
    db,
    sql`select rowid_key as key from search_meta where status < 'published' union all select rowid_key from search_meta where status > 'published' union all select rowid_key from search_meta where status = 'published' and published_at > ${options.now} union all select rowid_key from search_meta where status = 'published' and published_at is null${limitOf(HIDDEN_LOOKUPS + 1)}`,
  )
  if (keys.length === 0) return Number(all?.n ?? 0)
  if (keys.length > HIDDEN_LOOKUPS) {
    const [hidden] = await rawRows<{ n: number }>(
      db,
      sql`select count(*) as n from ${table} join search_meta m on m.rowid_key = ${table}.rowid where ${table} match ${expression} and not (m.status = 'published' and m.published_at <= ${options.now})`,
    )
    return Number(all?.n ?? 0) - Number(hidden?.n ?? 0)
  }
  // Drafts and scheduled articles are mostly among the newest: the recent index looks them up faster.
  const floor = query.pairs ? Number.POSITIVE_INFINITY : await recentFloor(db)
  const lookups = async (on: SQL, list: number[]) =>
    list.length === 0
      ? 0
      : Number(
          (
            await rawRows<{ n: number }>(
              db,
              sql`select count(*) as n from ${on} where ${on} match ${expression} and rowid in (select value from json_each(${JSON.stringify(list)}))`,
            )
          )[0]?.n ?? 0,
        )
  const hidden =
    (await lookups(
      sql.raw('article_search_recent'),
      keys.map((k) => Number(k.key)).filter((key) => key >= floor),
    )) +
    (await lookups(
      table,
      keys.map((k) => Number(k.key)).filter((key) => key < floor),
    ))
  return Number(all?.n ?? 0) - hidden
}

/**
 * One page of matches, the number of all of them, and how far relevance order can be paged (`rankedUpTo`). Relevance:
 * FTS5's bm25 with column weights headline 10, topics and tags 5, standfirst and authors 3, body 1; PostgreSQL's
 * ts_rank with weights A 1.0, B 0.4, C 0.2, D 0.1. Both are scaled by the same recency factor.
 */
export async function searchArticles(
  db: Db,
  query: EngineQuery,
  options: SearchOptions,
): Promise<{ hits: SearchHit[]; total: number; rankedUpTo: number }> {
  const sqlite = engineOf(db) === 'sqlite'
  const expanded = await planned(db, query)
  const { from, relevance } = matches(db, expanded, options)
  const time = sql`coalesce(m.published_at, m.created_at)`
  const recency = options.recency
    ? sql`(0.5 + 0.5 / (1 + (${options.now} - ${time}) / 15552000000.0))`
    : sql`1.0`
  const page = sql`${limitOf(options.limit)} offset ${options.offset}`
  const round = (hits: { id: string; score: number }[]) =>
    hits.map((h) => ({ id: h.id, score: Math.round(Number(h.score) * 1e6) / 1e6 }))
  const countAll = async () =>
    sqlite && options.where.length === 0
      ? await ftsCount(db, expanded, options)
      : Number((await rawRows<{ n: number }>(db, sql`select count(*) as n from ${from}`))[0]?.n ?? 0)

  if (options.sort !== 'relevance') {
    // Date order covers every match: one pass, counted as it sorts.
    const hits = await rawRows<{ id: string; score: number; total: number }>(
      db,
      sql`select id, score, count(*) over () as total from (select m.article_id as id, ${relevance} * ${recency} as score, ${time} as at from ${from}) ranked order by ${options.sort === 'newest' ? sql`at desc, id desc` : sql`at asc, id asc`} ${page}`,
    )
    const total =
      hits.length > 0
        ? Number(hits[0]?.total)
        : options.offset > 0 && options.count !== false
          ? await countAll()
          : 0
    return { hits: round(hits), total, rankedUpTo: total }
  }
  // Relevance: the window of the newest-indexed matches, ranked. When it is not full it held every match, so it
  // also gives the total; only a full window needs the matches counted (by the index alone, nothing ranked).
  const window = options.rankWindow
  // FTS5 walks its matches newest-indexed first and stops at the window; bm25 runs on those alone.
  const ranked = (m: ReturnType<typeof matches>) =>
    sql`select id, score, count(*) over () as n from (select m.article_id as id, ${m.relevance} * ${recency} as score from ${m.from} order by ${m.table}.rowid desc${limitOf(window)}) ranked order by score desc, id desc ${page}`
  // bm25 also counts, on each query, the articles that have each word: over the whole archive, that reads the whole
  // list of a common word. A full window among the newest articles is the same window, ranked on short lists.
  const recent =
    sqlite && !expanded.pairs
      ? await rawRows<{ id: string; score: number; n: number }>(
          db,
          ranked(matches(db, expanded, options, true)),
        )
      : []
  const hits =
    recent.length > 0 && Number(recent[0]?.n) === window
      ? recent
      : await rawRows<{ id: string; score: number; n: number }>(
          db,
          sqlite
            ? ranked({ from, relevance, table: ftsTable(expanded) })
            : // The window is chosen without the stored tsvectors (large, kept out of line); only its rows are ranked.
              sql`select id, ts_rank(s.document, w.query) * recency as score, count(*) over () as n from (select m.article_id as id, q.query, ${recency} as recency from ${from} order by m.seq desc${limitOf(window)}) w join article_search s on s.article_id = w.id order by score desc, id desc ${page}`,
        )
  const inWindow = hits.length > 0 ? Number(hits[0]?.n) : undefined
  if (options.count === false) return { hits: round(hits), total: hits.length, rankedUpTo: hits.length }
  const total = inWindow !== undefined && inWindow < window ? inWindow : await countAll()
  return { hits: round(hits), total, rankedUpTo: Math.min(total, window) }
}

export interface FacetCount {
  value: string
  label: string
  count: number
}

/** Counts of the whole result set by topic, type and year of publication. */
export async function searchFacets(
  db: Db,
  query: EngineQuery,
  options: Pick<SearchOptions, 'visibleOnly' | 'where' | 'now'>,
  facets: ('topic' | 'type' | 'year')[],
): Promise<Partial<Record<'topic' | 'type' | 'year', FacetCount[]>>> {
  const { from } = matches(db, await planned(db, query), options)
  const ids = sql`select m.article_id from ${from}`
  const year =
    engineOf(db) === 'sqlite'
      ? sql`strftime('%Y', m.published_at / 1000, 'unixepoch')`
      : sql`to_char(to_timestamp(m.published_at / 1000.0) at time zone 'UTC', 'YYYY')`
  const out: Partial<Record<'topic' | 'type' | 'year', FacetCount[]>> = {}
  await Promise.all(
    facets.map(async (facet) => {
      const rows =
        facet === 'topic'
          ? await rawRows<FacetCount>(
              db,
              sql`select topics.slug as value, topics.title as label, count(*) as count from article_topics join topics on topics.id = article_topics.topic_id where article_topics.article_id in (${ids}) group by topics.slug, topics.title order by count desc, topics.slug limit 20`,
            )
          : facet === 'type'
            ? await rawRows<FacetCount>(
                db,
                sql`select articles.type as value, articles.type as label, count(*) as count from articles where articles.id in (${ids}) group by articles.type order by count desc, articles.type`,
              )
            : await rawRows<FacetCount>(
                db,
                sql`select ${year} as value, count(*) as count from ${from} and m.published_at is not null group by 1 order by 1 desc`,
              )
      out[facet] = rows.map((r) => ({
        value: String(r.value),
        label: String(r.label ?? r.value),
        count: Number(r.count),
      }))
    }),
  )
  return out
}

/** Each field of the given articles with the matched words between MARK_START and MARK_END. */
export async function searchSnippets(
  db: Db,
  query: EngineQuery,
  ids: string[],
): Promise<Map<string, Record<SearchField, string>>> {
  if (ids.length === 0) return new Map()
  if (engineOf(db) === 'sqlite') {
    const expression = ftsExpression(await expandPrefixes(db, query))
    const [keys, floor] = await Promise.all([
      rawRows<{ id: string; key: number }>(
        db,
        sql`select article_id as id, rowid_key as key from search_meta where article_id in (select value from json_each(${JSON.stringify(ids)}))`,
      ),
      recentFloor(db),
    ])
    // One lookup by rowid each: FTS5 answers MATCH with a rowid constraint without scanning the other matches. An
    // article among the newest is looked up in the recent index, which has fewer segments to seek each word in.
    const lookup = ({ id, key }: { id: string; key: number }) => {
      const [table, first] =
        key >= floor ? [sql.raw('article_search_recent'), 0] : [sql.raw('article_search'), 1]
      const columns = sql.join(
        SEARCH_FIELDS.map(
          (field, i) =>
            sql`snippet(${table}, ${i + first}, ${MARK_START}, ${MARK_END}, '…', ${field === 'body' || field === 'standfirst' ? 24 : 64}) as ${sql.identifier(field)}`,
        ),
        sql`, `,
      )
      return rawRows<Record<string, string>>(
        db,
        // An integer, as FTS5 needs it beside MATCH (a JavaScript number is bound as a real, which it ignores there).
        sql`select ${id} as article_id, ${columns} from ${table} where ${table} match ${expression} and rowid = cast(${key} as integer)`,
      )
    }
    const rows = await Promise.all(keys.map(lookup))
    return new Map(
      rows.flat().map((r) => [r.article_id as string, r as unknown as Record<SearchField, string>]),
    )
  }
  const list = sql.join(
    ids.map((id) => sql`${id}`),
    sql`, `,
  )
  const rows = await rawRows<Record<string, string>>(
    db,
    sql`select article_id, ${sql.join(
      SEARCH_FIELDS.map(
        (field) =>
          sql`ts_headline('newsdesk', ${sql.identifier(field)}, q.query, ${
            field === 'body' || field === 'standfirst'
              ? `StartSel=${MARK_START}, StopSel=${MARK_END}, MaxWords=24, MinWords=12, MaxFragments=1, FragmentDelimiter=…`
              : `StartSel=${MARK_START}, StopSel=${MARK_END}, HighlightAll=true`
          }) as ${sql.identifier(field)}`,
      ),
      sql`, `,
    )} from article_search, (select ${tsQuery(query)} as query) q where article_id in (${list})`,
  )
  return new Map(rows.map((r) => [r.article_id as string, r as unknown as Record<SearchField, string>]))
}
