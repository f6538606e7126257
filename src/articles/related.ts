/**
 * Related articles: the editors' curated list first, then computed ones.
 *
 * Computed score = (2 × shared topics + 1 × shared tags) × 0.5 ^ (|Δ days| / 30), where Δ is the time between
 * the two articles' publication: sharing a story hub counts double a shared tag, and an article loses half its
 * weight for every 30 days between them, so a piece from the same week beats one from last year. Ties go to the
 * more recent article, then to the id. Only articles the viewer may see, never the article itself, and (unless
 * asked) none without a body: an empty stub is no reading suggestion.
 */
import { and, asc, eq, gt, lte, sql } from 'drizzle-orm'
import { Type } from 'typebox'
import {
  type Db,
  inList,
  joinedText,
  limitOf,
  listParam,
  preparedOnce,
  rawStatement,
  readTarget,
  type Statement,
  statement,
} from '../db/client.js'
import {
  articles,
  articleTags,
  articleTopics,
  relatedArticles,
  summaryTemplates,
  topics,
} from '../db/schema.js'
import { type ArticleSummary, RelatedItem } from './schemas.js'
import {
  type ArticleRow,
  type JoinRow,
  joinColumns,
  summarise,
  summaryRowsOf,
  type Viewer,
  withSummaryTemplate,
} from './store.js'
import { joinSummary, serializerOf, serializeSummary } from './summary-template.js'

export const RELATED_FORMULA =
  'score = (2 × sharedTopics + sharedTags) × 0.5^(|Δdays| / 30), Δdays being the time between the two publication dates; ties go to the newer article, then the id.'

const DAY_MS = 86_400_000

/** How many related articles a request without `limit` gets (and `include=related`). */
export const RELATED_DEFAULT_LIMIT = 6

/** The statements of a related list, prepared once per connection; every list of ids is one parameter. */
const statementsOf = preparedOnce((db: Db) => {
  const id = sql.placeholder('id')
  const curated = (editor: boolean) =>
    statement(
      db,
      db
        .select(joinColumns)
        .from(relatedArticles)
        .innerJoin(articles, eq(articles.id, relatedArticles.relatedId))
        .leftJoin(summaryTemplates, withSummaryTemplate)
        .where(
          and(
            eq(relatedArticles.articleId, id),
            editor
              ? undefined
              : and(eq(articles.status, 'published'), lte(articles.publishedAt, sql.placeholder('now'))),
            gt(articles.wordCount, sql.placeholder('minWords')),
          ),
        )
        .orderBy(asc(relatedArticles.position))
        .limit(sql.placeholder('limit') as unknown as number),
      `related_curated_${editor ? 'editor' : 'public'}`,
    )
  return {
    curated: { editor: curated(true), public: curated(false) },
    ownTopics: statement(
      db,
      db
        .select({ id: articleTopics.topicId, slug: topics.slug })
        .from(articleTopics)
        .innerJoin(topics, eq(topics.id, articleTopics.topicId))
        .where(eq(articleTopics.articleId, id)),
      'related_own_topics',
    ),
    ownTags: statement(
      db,
      db.select({ tag: articleTags.tag }).from(articleTags).where(eq(articleTags.articleId, id)),
      'related_own_tags',
    ),
    sharedTopics: statement(
      db,
      db
        .select({ articleId: articleTopics.articleId, slug: topics.slug })
        .from(articleTopics)
        .innerJoin(topics, eq(topics.id, articleTopics.topicId))
        .where(and(inList(db, articleTopics.articleId, 'ids'), inList(db, articleTopics.topicId, 'keys')))
        .orderBy(asc(articleTopics.position)),
      'related_shared_topics',
    ),
    sharedTags: statement(
      db,
      db
        .select({ articleId: articleTags.articleId, tag: articleTags.tag })
        .from(articleTags)
        .where(and(inList(db, articleTags.articleId, 'ids'), inList(db, articleTags.tag, 'keys')))
        .orderBy(asc(articleTags.position)),
      'related_shared_tags',
    ),
    // The best-scored candidates, those with a body unless empty ones are asked for.
    winners: statement(
      db,
      db
        .select(joinColumns)
        .from(articles)
        .leftJoin(summaryTemplates, withSummaryTemplate)
        .where(and(inList(db, articles.id, 'ids'), gt(articles.wordCount, sql.placeholder('minWords')))),
      'related_winners',
    ),
    /** Nearest neighbours, by how many topics and tags the article has (a handful of shapes). */
    nearest: new Map<string, Statement<[list: number | string, members: string | null]>>(),
  }
})

/** The curated and the computed related articles' rows, and what each computed one shares and scores. */
async function relatedRows(
  db: Db,
  row: Pick<ArticleRow, 'id' | 'publishedAt'>,
  viewer: Viewer,
  limit: number,
  { includeEmpty = false }: { includeEmpty?: boolean } = {},
) {
  // Computed related articles change with any publication, and with any article's topics or tags.
  viewer.keys?.add('articles')
  viewer.keys?.add(`article:${row.id}`)
  const target = readTarget(db)
  const statements = statementsOf(target)
  const [curated, ownTopicRows, ownTagRows] = await Promise.all([
    statements.curated[viewer.editor ? 'editor' : 'public'].all({
      id: row.id,
      limit,
      minWords: includeEmpty ? -1 : 0,
      ...(viewer.editor ? {} : { now: viewer.now }),
    }),
    statements.ownTopics.all({ id: row.id }),
    statements.ownTags.all({ id: row.id }),
  ])

  const room = limit - curated.length
  const anchor = row.publishedAt ?? viewer.now
  const ownTopicIds = ownTopicRows.map((t) => t.id)
  const ownTags = ownTagRows.map((t) => t.tag)

  // Bounded: for each shared topic and tag, only the NEAREST articles in time on either side of this one (the
  // `(topic | tag, published_at)` indexes answer that directly), however large the topic or common the tag. An
  // article further away than the nearest ones in every list it shares loses to them by the decay anyway.
  const nearest =
    room <= 0 || ownTopicIds.length + ownTags.length === 0
      ? { rows: [], before: anchor, keys: [] }
      : await nearestMembers(target, ownTopicIds, ownTags, anchor, viewer)
  const candidates = nearest.rows
  const curatedIds = new Set(curated.map((c) => c.id))
  const allIds = [...new Set(candidates.map((c) => c.id))].filter((id) => id !== row.id)
  // Only the candidates that can still be among the best need their shared topics and tags read (`contenders`):
  // the others would lose whatever they share. The choice is exact only if every winner scores above the best any
  // of the others could; when not (many of the best have no body), every candidate is ranked after all.
  const rank = (ids: string[]) =>
    rankCandidates(target, ids, candidates, ownTopicIds, ownTags, curatedIds, anchor, viewer.now)
  const read = new Map<string, JoinRow | null>()
  const choose = (ranked: Ranked[]) => pickWinners(target, ranked, room, includeEmpty, read)
  const contending = contenders(nearest, anchor, {
    exclude: (id) => id === row.id || curatedIds.has(id),
    needed: room + WINNER_SLACK,
  })
  let picked = await choose(await rank(contending?.ids ?? allIds))
  if (
    contending !== undefined &&
    (picked.scored.length < room || picked.scored.some((s) => s.score <= contending.othersAtMost))
  )
    picked = await choose(await rank(allIds))
  const { scored, winners } = picked

  return {
    rows: [...curated, ...winners],
    curated: curated.length,
    scored,
    ownTopicSlugs: new Set(ownTopicRows.map((t) => t.slug)),
  }
}

type RelatedRows = Awaited<ReturnType<typeof relatedRows>>

/** What an item says besides its article: why it is there, what it shares, its score. */
function reasonOf(
  { curated, scored, ownTopicSlugs }: RelatedRows,
  i: number,
  topicSlugs: () => string[],
): Omit<RelatedItem, 'article'> {
  if (i < curated)
    return {
      reason: 'curated',
      sharedTopics: topicSlugs().filter((slug) => ownTopicSlugs.has(slug)),
      sharedTags: [],
      score: null,
    }
  const s = scored[i - curated]
  return {
    reason: s && s.shared.topics.length > 0 ? 'shared-topics' : 'shared-tags',
    sharedTopics: s?.shared.topics ?? [],
    sharedTags: s?.shared.tags ?? [],
    score: s?.score ?? 0,
  }
}

/** The related list: the editors' curated articles first, then computed ones. */
export async function relatedTo(
  db: Db,
  row: Pick<ArticleRow, 'id' | 'publishedAt'>,
  viewer: Viewer,
  limit: number,
  options: { includeEmpty?: boolean } = {},
): Promise<RelatedItem[]> {
  const related = await relatedRows(db, row, viewer, limit, options)
  const rows = await summaryRowsOf(
    db,
    related.rows.map((r) => r.id),
  )
  const summaries = new Map((await summarise(db, rows, viewer)).map((summary) => [summary.id, summary]))
  // An article deleted since its row was read is left out.
  return related.rows.flatMap((r, i) => {
    const article = summaries.get(r.id)
    return article ? [{ ...reasonOf(related, i, () => article.topics.map((t) => t.slug)), article }] : []
  })
}

/**
 * The related list for a public reader, each item as the route's serialiser writes it, its article joined from the
 * summary template (summary-template.ts) when it has a current one, or else summarised from its row.
 */
export async function relatedJson(
  db: Db,
  row: Pick<ArticleRow, 'id' | 'publishedAt'>,
  viewer: Viewer,
  limit: number,
  options: { includeEmpty?: boolean } = {},
): Promise<string[]> {
  const related = await relatedRows(db, row, viewer, limit, options)
  const joined = related.rows.map((r) =>
    viewer.editor ? undefined : joinSummary(r, viewer.site, viewer.keys),
  )
  const missing = related.rows.filter((_, i) => joined[i] === undefined).map((r) => r.id)
  const rows = await summaryRowsOf(db, missing)
  const summaries = new Map((await summarise(db, rows, viewer)).map((summary) => [summary.id, summary]))
  return related.rows.flatMap((r, i) => {
    const summary = summaries.get(r.id)
    const article = joined[i] ?? (summary && serializeSummary(summary))
    if (article === undefined) return []
    // A curated item names the topics it shares: read back from its summary (curated lists are short).
    const topics = () => (summary ?? (JSON.parse(article) as ArticleSummary)).topics.map((t) => t.slug)
    return [`${serializeReason(reasonOf(related, i, topics)).slice(0, -1)},"article":${article}}`]
  })
}

const { reason, sharedTopics, sharedTags, score } = RelatedItem.properties
/** An item less its article, as the route writes it: `{"reason":…,"score":…}` (the article comes last). */
const serializeReason = serializerOf<Omit<RelatedItem, 'article'>>(
  Type.Object({ reason, sharedTopics, sharedTags, score }, { additionalProperties: false }),
)

/** How many more of the best-scored candidates are read than there is room for, in case some have no body. */
const WINNER_SLACK = 4

/** How many neighbours in time each shared topic or tag contributes, on each side. */
export const NEIGHBOURS = 50

/**
 * The articles nearest in time to `anchor` in each topic and tag: one query, two index range reads per list,
 * prepared once per number of topics and tags.
 */
async function nearestMembers(db: Db, topicIds: string[], tags: string[], anchor: number, viewer: Viewer) {
  // Editors see scheduled articles too; drafts have no publication time and are never computed candidates.
  const upTo = viewer.editor ? Number.MAX_SAFE_INTEGER : viewer.now
  const shapes = statementsOf(db).nearest
  const shape = `${topicIds.length}_${tags.length}`
  let prepared = shapes.get(shape)
  if (prepared === undefined) {
    const before = sql.placeholder('before')
    const after = sql.placeholder('after')
    const upToPlaceholder = sql.placeholder('upTo')
    // One row per list: its number, then its members as `id published_at` pairs in one text (`joinedText`). A
    // list's number is twice its place in `keys` (topics, then tags), plus one for the later side. Made here,
    // never values.
    const members = joinedText(db, sql`id || ' ' || published_at`)
    const side = (
      table: 'article_topics' | 'article_tags',
      column: 'topic_id' | 'tag',
      key: string,
      n: number,
    ) => [
      sql`select ${sql.raw(String(2 * n))} as list, ${members} as members from (select article_id as id, published_at from ${sql.identifier(table)} where ${sql.identifier(column)} = ${sql.placeholder(key)} and published_at <= ${before} order by published_at desc${limitOf(NEIGHBOURS)}) as nearest`,
      sql`select ${sql.raw(String(2 * n + 1))} as list, ${members} as members from (select article_id as id, published_at from ${sql.identifier(table)} where ${sql.identifier(column)} = ${sql.placeholder(key)} and published_at > ${after} and published_at <= ${upToPlaceholder} order by published_at asc${limitOf(NEIGHBOURS)}) as nearest`,
    ]
    const parts = [
      ...topicIds.flatMap((_, i) => side('article_topics', 'topic_id', `topic${i}`, i)),
      ...tags.flatMap((_, i) => side('article_tags', 'tag', `tag${i}`, topicIds.length + i)),
    ]
    prepared = rawStatement<[list: number | string, members: string | null]>(
      db,
      sql.join(parts, sql` union all `),
      `related_nearest_${shape}`,
    )
    if (shapes.size >= 100) shapes.clear()
    shapes.set(shape, prepared)
  }
  const params: Record<string, unknown> = { before: Math.min(anchor, upTo), after: anchor, upTo }
  topicIds.forEach((id, i) => {
    params[`topic${i}`] = id
  })
  tags.forEach((tag, i) => {
    params[`tag${i}`] = tag
  })
  const rows = await prepared.all(params)
  const members: { id: string; publishedAt: number; list: number }[] = []
  for (const [list, joined] of rows) {
    if (joined === null) continue
    const parts = joined.split(' ')
    for (let i = 0; i + 1 < parts.length; i += 2)
      members.push({ id: parts[i] as string, publishedAt: Number(parts[i + 1]), list: Number(list) })
  }
  return {
    rows: members,
    before: params.before as number,
    keys: [...topicIds.map((_, i) => `topic${i}`), ...tags.map((_, i) => `tag${i}`)],
  }
}

type Nearest = Awaited<ReturnType<typeof nearestMembers>>

/** A candidate scored: what it shares with the article (topic slugs, tags) and its score. */
interface Ranked {
  candidate: { id: string; publishedAt: number | null }
  shared: { topics: string[]; tags: string[] }
  score: number
}

const scoreOf = (weight: number, publishedAt: number, anchor: number) =>
  Math.round(weight * 0.5 ** (Math.abs(publishedAt - anchor) / DAY_MS / 30) * 1e6) / 1e6

/** The candidates with these ids, ranked by score, with what each shares (two queries). */
async function rankCandidates(
  db: Db,
  ids: string[],
  candidates: Nearest['rows'],
  ownTopicIds: string[],
  ownTags: string[],
  curatedIds: Set<string>,
  anchor: number,
  now: number,
): Promise<Ranked[]> {
  if (ids.length === 0) return []
  const statements = statementsOf(db)
  const list = listParam(db, ids)
  const [sharedTopicRows, sharedTagRows] = await Promise.all([
    ownTopicIds.length === 0
      ? []
      : statements.sharedTopics.all({ ids: list, keys: listParam(db, ownTopicIds) }),
    ownTags.length === 0 ? [] : statements.sharedTags.all({ ids: list, keys: listParam(db, ownTags) }),
  ])
  const shared = new Map<string, { topics: string[]; tags: string[] }>()
  const entry = (id: string) => {
    const existing = shared.get(id) ?? { topics: [], tags: [] }
    shared.set(id, existing)
    return existing
  }
  for (const r of sharedTopicRows) entry(r.articleId).topics.push(r.slug)
  for (const r of sharedTagRows) entry(r.articleId).tags.push(r.tag)
  const publishedAtOf = new Map(candidates.map((c) => [c.id, c.publishedAt]))
  return [...shared.keys()]
    .filter((id) => !curatedIds.has(id))
    .map((id) => {
      const candidate = { id, publishedAt: publishedAtOf.get(id) ?? null }
      const s = shared.get(id) ?? { topics: [], tags: [] }
      return {
        candidate,
        shared: s,
        score: scoreOf(2 * s.topics.length + s.tags.length, candidate.publishedAt ?? now, anchor),
      }
    })
    .sort(
      (a, b) =>
        b.score - a.score ||
        (b.candidate.publishedAt ?? 0) - (a.candidate.publishedAt ?? 0) ||
        (a.candidate.id < b.candidate.id ? -1 : 1),
    )
}

/**
 * The best `room` of the ranked candidates with a body, read a few more than needed at a time: articles without a
 * body are rare, and telling them apart costs a read of the row, so only the ones that might win are read. Each
 * further batch is twice the last, so even a run of empty ones costs a handful of reads.
 */
async function pickWinners(
  db: Db,
  ranked: Ranked[],
  room: number,
  includeEmpty: boolean,
  /** Candidates already read: their row, or null for one without a body. */
  read: Map<string, JoinRow | null>,
) {
  const scored: Ranked[] = []
  const winners: JoinRow[] = []
  for (let from = 0, batches = 0; scored.length < room && from < ranked.length; batches++) {
    const batch = ranked.slice(from, from + (room - scored.length + WINNER_SLACK) * 2 ** batches)
    from += batch.length
    const unread = batch.map((s) => s.candidate.id).filter((id) => !read.has(id))
    if (unread.length > 0) {
      const rows = await statementsOf(db).winners.all({
        ids: listParam(db, unread),
        minWords: includeEmpty ? -1 : 0,
      })
      for (const id of unread) read.set(id, null)
      for (const row of rows) read.set(row.id, row)
    }
    for (const s of batch) {
      const row = read.get(s.candidate.id)
      if (row === undefined || row === null || scored.length >= room) continue
      scored.push(s)
      winners.push(row)
    }
  }
  return { scored, winners }
}

/**
 * The candidates that can still be among the `needed` best, without reading what they share: a candidate found
 * in a topic's or tag's nearest list shares it; one not found in a list shares it only if that list was cut off
 * (it returned all `NEIGHBOURS` rows on the candidate's side) and the candidate lies at or beyond where it was cut.
 * So each candidate's score lies between what it is known to share and that plus what it might, and one whose
 * best is below the `needed`-th best of the known scores cannot win. `othersAtMost`: the best any candidate left
 * out could score. Undefined when there are no more candidates than needed.
 */
function contenders(
  nearest: Nearest,
  anchor: number,
  { exclude, needed }: { exclude: (id: string) => boolean; needed: number },
): { ids: string[]; othersAtMost: number } | undefined {
  // Per list (numbered as `nearestMembers` numbers them: even before the article, odd after): how many rows it
  // gave and the farthest one's time. Per candidate: the lists' keys it came in.
  const count = new Array<number>(nearest.keys.length * 2).fill(0)
  const farthest = new Array<number>(nearest.keys.length * 2).fill(0)
  const found = new Map<string, { publishedAt: number; keys: number[] }>()
  for (const r of nearest.rows) {
    const n = (count[r.list] as number) + 1
    count[r.list] = n
    farthest[r.list] =
      n === 1
        ? r.publishedAt
        : r.list % 2 === 0
          ? Math.min(farthest[r.list] as number, r.publishedAt)
          : Math.max(farthest[r.list] as number, r.publishedAt)
    if (exclude(r.id)) continue
    let candidate = found.get(r.id)
    if (candidate === undefined) {
      candidate = { publishedAt: r.publishedAt, keys: [] }
      found.set(r.id, candidate)
    }
    candidate.keys.push(r.list >> 1)
  }
  if (found.size <= needed) return undefined
  const weights = nearest.keys.map((key) => (key.startsWith('topic') ? 2 : 1))
  const bounds: { id: string; lower: number; upper: number }[] = []
  for (const [id, c] of found) {
    const side = c.publishedAt <= nearest.before ? 0 : 1
    let known = 0
    let possible = 0
    for (const [k, weight] of weights.entries()) {
      if (c.keys.includes(k)) {
        known += weight
        continue
      }
      const list = 2 * k + side
      const cut = (count[list] as number) >= NEIGHBOURS
      const at = farthest[list] as number
      if (cut && (side === 0 ? c.publishedAt <= at : c.publishedAt >= at)) possible += weight
    }
    bounds.push({
      id,
      lower: scoreOf(known, c.publishedAt, anchor),
      upper: scoreOf(known + possible, c.publishedAt, anchor),
    })
  }
  const threshold = [...bounds].sort((a, b) => b.lower - a.lower)[needed - 1]?.lower ?? 0
  const ids: string[] = []
  let othersAtMost = Number.NEGATIVE_INFINITY
  for (const b of bounds) {
    if (b.upper >= threshold) ids.push(b.id)
    else othersAtMost = Math.max(othersAtMost, b.upper)
  }
  return { ids, othersAtMost }
}
